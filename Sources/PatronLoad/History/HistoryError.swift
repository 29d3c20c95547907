/// A history that cannot be read or stored.
public enum HistoryError: Error, Equatable, Sendable, CustomStringConvertible {
    case corrupt(path: String, reason: String)
    case unreadable(location: String, reason: String)
    case notStored(location: String, reason: String)
    case incompatible(reason: String)

    public var description: String {
        switch self {
        case .corrupt(let path, let reason): "The run history \(path) is damaged: \(reason)"
        case .unreadable(let location, let reason): "Cannot read the run history at \(location): \(reason)"
        case .notStored(let location, let reason): "Cannot store the run history at \(location): \(reason)"
        case .incompatible(let reason): "The run history cannot be used: \(reason)"
        }
    }
}
