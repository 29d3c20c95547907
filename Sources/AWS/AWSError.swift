/// A failed AWS call: the service's error code and message when it answered, or the transport
/// failure when it did not; how many attempts were made, and whether it was worth retrying.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var status: Int?
    public var code: String?
    public var message: String
    public var attempts: Int
    public var retryable: Bool

    public init(operation: String, status: Int? = nil, code: String? = nil, message: String, attempts: Int = 1, retryable: Bool = false) {
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.attempts = attempts
        self.retryable = retryable
    }

    public var description: String {
        var text = "\(operation) failed"
        if let status { text += " (HTTP \(status)" + (code.map { " \($0)" } ?? "") + ")" }
        text += ": \(message)"
        if attempts > 1 { text += " after \(attempts) attempts" }
        return text
    }
}
