import Foundation
import Hummingbird
import Logging

/// FOLIO's tenant interface 2.0. `POST /_/tenant` with `module_to` installs or upgrades (storage
/// and migrations, the six conditions, and, behind Okapi, the pub-sub registration) and answers
/// 201 with the job at `Location: /_/tenant/{id}`; the work is done by then, so the job reads
/// back complete, with `error` when it failed. Without `module_to` it disables the tenant (204),
/// and with `purge` drops its data.
struct TenantController {
    typealias Context = PatronBlocksRequestContext
    let tenants: any TenantStore
    /// The tenant check's cache: a disable or purge here counts at once here.
    let installed: ExpiringCache<String, Bool>
    let clock: @Sendable () -> Date
    let newID: @Sendable () -> UUID
    let logger: Logger

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("/_/tenant", use: post)
        group.get("/_/tenant/:id", use: getJob)
        group.delete("/_/tenant/:id", use: deleteJob)
    }

    @Sendable func post(_ request: Request, context: Context) async throws -> Response {
        let tenant = try Self.tenant(request)
        let body = try await JSONBody.object(request, context: context)
        let moduleTo = try Self.optionalModuleID(body, "module_to")
        let moduleFrom = try Self.optionalModuleID(body, "module_from")
        let purge = body["purge"] as? Bool ?? false
        guard let moduleTo else {
            guard moduleFrom != nil else {
                throw APIError(.badRequest, "The tenant request needs module_to (install or upgrade) or module_from (disable)")
            }
            if purge {
                try await tenants.purgeTenant(tenant)
                installed.removeAll { $0 == tenant }
                logger.notice("Tenant purged: its data is gone", metadata: ["tenant": "\(tenant)"])
            } else {
                try await tenants.disableTenant(tenant)
                installed.removeAll { $0 == tenant }
                logger.notice("Tenant disabled (data kept)", metadata: ["tenant": "\(tenant)"])
            }
            return Response(status: .noContent)
        }

        var job = TenantJob(id: newID(), tenant: tenant, moduleFrom: moduleFrom, moduleTo: moduleTo, createdAt: clock())
        do {
            try await tenants.installTenant(tenant)
            let okapi = OkapiHeaders(request)
            if let url = okapi.url {
                let context = UpstreamContext(baseURL: url, token: okapi.token, tenant: tenant, requestID: okapi.requestID)
                do {
                    try await PubSubRegistration(context: context, moduleId: moduleTo, logger: logger).register()
                } catch {
                    // Not enabled until events can reach it.
                    try await tenants.disableTenant(tenant)
                    installed.removeAll { $0 == tenant }
                    throw error
                }
            }
            logger.notice("Tenant installed", metadata: ["tenant": "\(tenant)", "module": "\(moduleTo)", "from": "\(moduleFrom ?? "-")"])
        } catch {
            job.error = OperatorMessage.line(error)
            logger.error("Tenant install failed: \(job.error ?? "")", metadata: ["tenant": "\(tenant)", "error": "\(String(reflecting: error))"])
        }
        job.complete = true
        try await tenants.saveTenantJob(job)
        var response = try JSONResponse.make(Self.representation(job, body: body), status: .created)
        response.headers[.location] = "/_/tenant/\(job.id.folio)"
        return response
    }

    @Sendable func getJob(_ request: Request, context: Context) async throws -> Response {
        let job = try await find(request, context: context)
        return try JSONResponse.make(Self.representation(job, body: nil))
    }

    @Sendable func deleteJob(_ request: Request, context: Context) async throws -> Response {
        let job = try await find(request, context: context)
        _ = try await tenants.deleteTenantJob(id: job.id)
        return Response(status: .noContent)
    }

    private func find(_ request: Request, context: Context) async throws -> TenantJob {
        let tenant = try Self.tenant(request)
        let text = context.parameters.get("id") ?? ""
        guard let id = FolioUUID.parse(text) else { throw APIError(.badRequest, "Invalid tenant job ID: \"\(text)\"") }
        guard let job = try await tenants.tenantJob(id: id), job.tenant == tenant else { throw APIError(.notFound, "Tenant job not found: \(text)") }
        return job
    }

    static func tenant(_ request: Request) throws -> String {
        guard let tenant = request.headers[.okapiTenant], !tenant.isEmpty else {
            throw APIError(.badRequest, "The X-Okapi-Tenant header is required")
        }
        guard TenantName.isValid(tenant) else {
            throw APIError(.badRequest, "Invalid tenant \"\(tenant)\": letters, digits and _ only, at most \(TenantName.maximumLength)")
        }
        return tenant
    }

    /// Okapi's module ids (`mod-patron-blocks-1.2.0-SNAPSHOT.42`): they are stored, logged and
    /// sent on to pub-sub, so nothing else passes.
    static func optionalModuleID(_ body: [String: Any], _ key: String) throws -> String? {
        guard let value = body[key], !(value is NSNull) else { return nil }
        guard let text = value as? String, ModuleID.isValid(text) else {
            throw APIError(.badRequest, "\(key) must be a module id such as mod-patron-blocks-1.0.0: a letter, then letters, digits, . _ + -, at most \(ModuleID.maximumLength) characters")
        }
        return text
    }

    /// RMB's shape: `{id, tenant, tenantAttributes, complete, error?}`.
    static func representation(_ job: TenantJob, body: [String: Any]?) -> [String: Any] {
        var attributes: [String: Any] = body ?? [:]
        if body == nil {
            if let to = job.moduleTo { attributes["module_to"] = to }
            if let from = job.moduleFrom { attributes["module_from"] = from }
        }
        var json: [String: Any] = ["id": job.id.folio, "tenant": job.tenant, "tenantAttributes": attributes, "complete": job.complete]
        if let error = job.error { json["error"] = error }
        return json
    }
}

enum ModuleID {
    static let maximumLength = 128

    static func isValid(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= maximumLength, ("a"..."z").contains(first) || ("A"..."Z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || "._+-".unicodeScalars.contains(scalar)
        }
    }
}
