/// How to reach FOLIO's other modules for one tenant: through Okapi (the URL and token of the
/// request that started the work) or, standalone, as configured.
public struct UpstreamContext: Sendable, Equatable {
    public var baseURL: String
    public var token: String?
    public var tenant: String
    /// X-Okapi-Request-Id, carried onto every upstream call.
    public var requestID: String?

    public init(baseURL: String, token: String?, tenant: String, requestID: String? = nil) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.tenant = tenant
        self.requestID = requestID
    }
}
