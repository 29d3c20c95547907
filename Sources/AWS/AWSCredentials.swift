import Foundation

/// An access key, with its session token and expiry when it is temporary.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var expiration: Date?
    /// Which provider produced them, for logs.
    public var source: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil, source: String = "static") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.source = source
    }

    /// Never the secret or the token.
    public var description: String {
        "AWS credentials \(accessKeyID.prefix(4))… from \(source)" + (expiration.map { ", expiring \($0)" } ?? "")
    }
}

public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Where credentials come from. nil means "not configured here": a chain moves on.
public protocol CredentialProvider: Sendable {
    func credentials() async throws -> AWSCredentials?
}
