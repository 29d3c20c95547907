import Foundation
import Hummingbird

/// FOLIO's tenant interface: `POST /_/tenant` installs (creates the tenant's storage and runs its
/// migrations; a second install is harmless), or with `module_from` and `purge` drops it.
struct TenantController {
    typealias Context = PatronBlocksRequestContext
    let tenants: any TenantStore

    func addRoutes(to router: Router<Context>) {
        router.post("/_/tenant", use: install)
    }

    @Sendable func install(_ request: Request, context: Context) async throws -> Response {
        guard let tenant = request.headers[.okapiTenant], !tenant.isEmpty else {
            throw APIError(.badRequest, "The X-Okapi-Tenant header is required")
        }
        guard TenantName.isValid(tenant) else {
            throw APIError(.badRequest, "Invalid tenant \"\(tenant)\": letters, digits and _ only")
        }
        let body = try await JSONBody.object(request, context: context)
        if body["module_to"] is String {
            try await tenants.installTenant(tenant)
        } else if body["module_from"] is String {
            // Disabling keeps the data for a later enable; purging drops it.
            if body["purge"] as? Bool == true { try await tenants.purgeTenant(tenant) }
        } else {
            throw APIError(.badRequest, "The tenant request needs module_to (install or upgrade) or module_from (disable)")
        }
        return Response(status: .noContent)
    }
}
