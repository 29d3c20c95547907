import Hummingbird

/// Every request names its tenant in X-Okapi-Tenant, and the tenant must be installed: anything
/// else is a clear 400 before any data is touched.
struct TenantMiddleware: RouterMiddleware {
    typealias Context = PatronBlocksRequestContext
    let tenants: any TenantStore
    /// Installed tenants, remembered for a second (`tenantCacheLifetime`): the check ran a storage read on every request.
    /// Only installed ones are kept, so an install through any instance counts at once, and a
    /// disable or purge through another instance within the second (this one's own clear it).
    let installed: ExpiringCache<String, Bool>

    static func cache(lifetime: Duration) -> ExpiringCache<String, Bool> { ExpiringCache(lifetime: lifetime, capacity: 10_000) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let tenant = request.headers[.okapiTenant], !tenant.isEmpty else {
            throw APIError(.badRequest, "The X-Okapi-Tenant header is required")
        }
        guard TenantName.isValid(tenant) else {
            throw APIError(.badRequest, "Invalid tenant \"\(tenant)\": letters, digits and _ only, at most \(TenantName.maximumLength)")
        }
        if installed.value(for: tenant) == nil {
            guard try await tenants.isInstalled(tenant) else {
                throw APIError(.badRequest, "Tenant \(tenant) is not installed: POST /_/tenant with X-Okapi-Tenant: \(tenant) first")
            }
            installed.store(true, for: tenant)
        }
        var context = context
        context.tenant = tenant
        context.okapi = OkapiHeaders(request)
        return try await next(request, context)
    }
}

enum TenantName {
    /// PostgreSQL cuts identifiers at 63 bytes: with `_mod_patron_blocks` appended, a longer
    /// name would share its schema with another.
    static let maximumLength = 63 - "_mod_patron_blocks".count

    /// FOLIO tenant ids, and a safe PostgreSQL schema name prefix.
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maximumLength && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
