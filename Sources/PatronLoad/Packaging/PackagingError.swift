/// Why the files of a run could not be built. Raised before anything is deleted or delivered.
public enum PackagingError: Error, Equatable, Sendable, CustomStringConvertible {
    case io(path: String, reason: String)
    case compression(String)
    case invalidLimits(String)
    case userTooLarge(patronType: String, bytes: Int, limit: Int)
    case tooManyZips(needed: Int, limit: Int, perType: [String: Int])
    case verificationFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case .io(let path, let reason):
            "Cannot write \(path): \(reason)"
        case .compression(let reason):
            "Compression failed: \(reason)"
        case .invalidLimits(let reason):
            "The packaging limits are inconsistent: \(reason)"
        case .userTooLarge(let patronType, let bytes, let limit):
            "A \(patronType) user's XML is \(bytes) bytes, more than the \(limit)-byte limit of one XML file"
        case .tooManyZips(let needed, let limit, let perType):
            "The run needs \(needed) zip files (\(perType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))) "
                + "but Alma reads at most \(limit) per import; nothing was deleted or delivered. "
                + "Raise max-users-per-file / max-xml-bytes so each zip holds more, or split the load across imports"
        case .verificationFailed(let file, let reason):
            "The built file \(file) failed its check: \(reason); nothing was deleted or delivered"
        }
    }
}
