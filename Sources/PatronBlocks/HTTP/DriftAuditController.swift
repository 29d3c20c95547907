import Foundation
import Hummingbird

/// Drift audits: compare the stored summaries with FOLIO's open loans and fees/fines, and
/// repair the users that drifted when asked. An audit is run by the synchronization runner,
/// as a job like a synchronization (one at a time per tenant).
struct DriftAuditController {
    typealias Context = PatronBlocksRequestContext
    let jobs: any JobStore
    let runner: SynchronizationRunner?
    let clock: @Sendable () -> Date
    /// New jobs' ids (the system's in the app; tests may choose).
    let newID: @Sendable () -> UUID

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("/patronsync/drift-audits", use: create)
        group.get("/patronsync/drift-audits/:id", use: get)
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let body = try await JSONBody.object(request, context: context)
        try JSONBody.rejectUnknown(body, allowed: ["scope", "userId", "repair"])
        let scopeValue = body["scope"]
        guard let scopeText = scopeValue as? String, ["full", "user"].contains(scopeText) else {
            throw APIError.validation("scope must be \"full\" or \"user\"", key: "scope", value: scopeValue.map { "\($0)" } ?? "")
        }
        // A new resource with no FOLIO history to be lenient for: null is no value of either field.
        for key in ["userId", "repair"] where body[key] is NSNull {
            throw APIError.validation(key == "repair" ? "must be a boolean" : JSONFields.uuidPattern, key: key, value: "null")
        }
        let fields = JSONFields(body)
        let userId = try fields.optionalUUID("userId")
        let scope: SyncJob.Scope
        switch (scopeText, userId) {
        case ("user", let user?): scope = .user(user)
        case ("user", nil): throw APIError.validation("userId is required with scope \"user\"", key: "userId", value: "")
        case (_, nil): scope = .full
        case (_, let user?): throw APIError.validation("userId is allowed only with scope \"user\"", key: "userId", value: user.folio)
        }
        // Reporting only unless asked: a repair rewrites summaries.
        let repair = body["repair"] == nil ? false : try fields.bool("repair")
        let job = SyncJob(id: newID(), scope: scope, createdAt: clock(), audit: DriftAudit(repair: repair))
        try await jobs.createJob(job, tenant: context.tenant)
        let upstream = context.okapi.url.map { UpstreamContext(baseURL: $0, token: context.okapi.token, tenant: context.tenant, requestID: context.okapi.requestID) }
        await runner?.wake(upstream)
        return try JSONResponse.make(Representation.auditCreated(job), status: .created)
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        let text = context.parameters.get("id") ?? ""
        guard let id = FolioUUID.parse(text) else {
            throw APIError(.badRequest, "Invalid drift audit ID: \"\(text)\"")
        }
        // A synchronization's id is not an audit's.
        guard let job = try await jobs.job(tenant: context.tenant, id: id), job.audit != nil else {
            throw APIError(.notFound, "This drift audit does not exist")
        }
        return try JSONResponse.make(Representation.audit(job))
    }
}
