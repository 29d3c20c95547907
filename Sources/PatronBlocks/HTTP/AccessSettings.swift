import Foundation

/// Who may call the API when patronblocks is not behind Okapi (which authenticates for it): static
/// bearer tokens, JWTs (HS256 with a shared secret, or any algorithm of a JWKS, as an identity
/// provider publishes), or both. Nothing configured: the API is open (Okapi mode).
public struct AccessSettings: Sendable, Equatable {
    public var tokens: [String] = []
    public var jwtSecret: String?
    /// The JSON of a JWK set (RS256, ES256, …).
    public var jwks: String?
    /// When set, a JWT must carry this `iss`.
    public var issuer: String?
    /// When set, a JWT's `aud` must include this.
    public var audience: String?

    public init() {}

    public var isEnabled: Bool { !tokens.isEmpty || jwtSecret != nil || jwks != nil }
}
