import Crypto
import Foundation
import Hummingbird
import JWTKit

/// The claims patronblocks reads from a JWT: expiry (required), and optionally the tenant the
/// token is for.
struct AccessClaims: JWTPayload {
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var sub: SubjectClaim?
    /// When present, the token is only good for this tenant.
    var tenant: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore()
    }
}

/// Requires `Authorization: Bearer <token>` on every API call when access control is configured:
/// a static token (compared in constant time) or a JWT the configured keys verify. 401 with
/// `WWW-Authenticate` when missing or invalid; 403 when a JWT is for another tenant.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = PatronBlocksRequestContext
    let settings: AccessSettings
    let keys: JWTKeyCollection?
    private let tokenDigests: [SHA256.Digest]

    init(settings: AccessSettings) async throws {
        self.settings = settings
        tokenDigests = settings.tokens.map { SHA256.hash(data: Data($0.utf8)) }
        guard settings.jwtSecret != nil || settings.jwks != nil else {
            keys = nil
            return
        }
        let keys = JWTKeyCollection()
        if let secret = settings.jwtSecret {
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        }
        if let jwks = settings.jwks {
            do {
                try await keys.add(jwksJSON: jwks)
            } catch {
                throw ConfigurationProblem("PATRONBLOCKS_JWKS_FILE does not hold a usable JWK set: \(error)")
            }
        }
        self.keys = keys
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
              case let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces), !token.isEmpty else {
            throw Self.unauthorized("A bearer token is required: Authorization: Bearer <token>")
        }
        if matchesStaticToken(token) { return try await next(request, context) }
        guard let keys else { throw Self.unauthorized("The bearer token is not valid") }
        let claims: AccessClaims
        do {
            claims = try await keys.verify(token, as: AccessClaims.self)
        } catch {
            context.logger.notice("Refused a token", metadata: ["reason": "\(error)"])
            throw Self.unauthorized("The bearer token is not valid (signature, expiry or format)")
        }
        if let issuer = settings.issuer, claims.iss?.value != issuer {
            throw Self.unauthorized("The token's issuer is not accepted")
        }
        if let audience = settings.audience {
            guard let claimed = claims.aud, (try? claimed.verifyIntendedAudience(includes: audience)) != nil else {
                throw Self.unauthorized("The token is not meant for this service (audience)")
            }
        }
        if let tenant = claims.tenant, let requested = request.headers[.okapiTenant], tenant != requested {
            throw APIError(.forbidden, "This token is for tenant \(tenant), not \(requested)")
        }
        return try await next(request, context)
    }

    /// Every configured token is compared, in constant time, so that timing tells nothing.
    private func matchesStaticToken(_ token: String) -> Bool {
        guard !tokenDigests.isEmpty else { return false }
        let digest = SHA256.hash(data: Data(token.utf8))
        var match = false
        for candidate in tokenDigests where candidate == digest { match = true }
        return match
    }

    static func unauthorized(_ message: String) -> APIError {
        var error = APIError(.unauthorized, message)
        error.headers = [.wwwAuthenticate: "Bearer realm=\"patronblocks\""]
        return error
    }
}
