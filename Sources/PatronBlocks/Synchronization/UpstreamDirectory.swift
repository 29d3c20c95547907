/// The latest way to reach FOLIO for each tenant: the Okapi URL and token of the last request
/// that woke the runner, or the standalone configuration.
actor UpstreamDirectory {
    private var contexts: [String: UpstreamContext] = [:]
    private let standaloneURL: String?
    private let standaloneToken: String?

    init(standaloneURL: String?, standaloneToken: String?) {
        self.standaloneURL = standaloneURL
        self.standaloneToken = standaloneToken
    }

    func update(_ context: UpstreamContext) {
        contexts[context.tenant] = context
    }

    func context(for tenant: String) -> UpstreamContext? {
        if let context = contexts[tenant] { return context }
        guard let standaloneURL else { return nil }
        return UpstreamContext(baseURL: standaloneURL, token: standaloneToken, tenant: tenant)
    }
}
