import HTTPTypes
import Hummingbird

/// The request context: Hummingbird's core storage, and the tenant once the tenant middleware
/// has checked it.
public struct PatronBlocksRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `TenantMiddleware` for every route under it.
    public var tenant: String = ""
    /// The Okapi headers of the request, for calls to other modules.
    public var okapi = OkapiHeaders()
    /// Set from the configuration by `BodyLimitMiddleware`.
    public var bodyLimit = 1 << 20

    public var maxUploadSize: Int { bodyLimit }

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }
}

/// X-Okapi-Url, X-Okapi-Token and X-Okapi-Request-Id of a request.
public struct OkapiHeaders: Sendable, Equatable {
    public var url: String?
    public var token: String?
    public var requestID: String?

    public init(url: String? = nil, token: String? = nil, requestID: String? = nil) {
        self.url = url
        self.token = token
        self.requestID = requestID
    }

    init(_ request: Request) {
        url = request.headers[.okapiURL]
        token = request.headers[.okapiToken]
        requestID = request.headers[.okapiRequestID]
    }
}

extension HTTPField.Name {
    static let okapiTenant = Self("X-Okapi-Tenant")!
    static let okapiURL = Self("X-Okapi-Url")!
    static let okapiToken = Self("X-Okapi-Token")!
    static let okapiRequestID = Self("X-Okapi-Request-Id")!
}
