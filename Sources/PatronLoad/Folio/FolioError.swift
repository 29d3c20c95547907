/// A FOLIO call that failed: what was asked, what FOLIO said, and whether asking again may help.
public struct FolioError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var status: Int?
    public var retryable: Bool

    public init(_ message: String, status: Int? = nil, retryable: Bool) {
        self.message = message
        self.status = status
        self.retryable = retryable
    }

    public var description: String { message }
}
