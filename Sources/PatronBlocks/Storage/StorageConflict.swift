import Foundation

/// A transaction that kept losing to concurrent writers (a deadlock or a serialization failure in
/// PostgreSQL, a busy file in SQLite) after every retry. Rare with one lock order for every
/// writer; when it happens the whole transaction was rolled back, so nothing half-done remains.
public struct StorageConflict: Error, CustomStringConvertible {
    public enum Kind: Sendable {
        case deadlock, serialization, busy
    }

    public var kind: Kind
    public var attempts: Int
    /// The last failure, for the log.
    public var underlying: any Error

    public var description: String {
        let what = switch kind {
        case .deadlock: "deadlock with a live event"
        case .serialization: "serialization failure with a concurrent writer"
        case .busy: "the database stayed busy"
        }
        return "\(what); retried \(attempts) times"
    }
}
