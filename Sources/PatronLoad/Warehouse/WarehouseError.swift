/// A warehouse failure, phrased as one line that says what went wrong and what to fix.
/// Messages never contain a password: backends build them from redacted descriptions only.
public struct WarehouseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case notFound
        case unreachable
        case authenticationFailed
        case driverMissing
        case queryFailed
        case readFailed
        case invalidConfiguration
    }

    public var kind: Kind
    public var message: String
    /// The backend's own code where it has one (an SQLSTATE, an SQLite result code).
    public var code: String?

    public init(_ kind: Kind, _ message: String, code: String? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    public var description: String { message }
}
