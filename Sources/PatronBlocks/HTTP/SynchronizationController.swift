import Foundation
import Hummingbird

/// Synchronization requests in both forms FOLIO knows: the design's `/request` and `/run`, and
/// the shipped `/job` and `/start` (what Okapi's timer calls). A job created through one form
/// reads back through the other, each in its own shape.
struct SynchronizationController {
    typealias Context = PatronBlocksRequestContext
    let jobs: any JobStore
    let runner: SynchronizationRunner?
    let clock: @Sendable () -> Date
    /// New jobs' ids (the system's in the app; tests may choose).
    let newID: @Sendable () -> UUID

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("/automated-patron-blocks/synchronization/request", use: createRequest)
        group.get("/automated-patron-blocks/synchronization/request/:id", use: getRequest)
        group.post("/automated-patron-blocks/synchronization/run", use: run)
        group.post("/automated-patron-blocks/synchronization/job", use: createJob)
        group.get("/automated-patron-blocks/synchronization/job/:syncJobId", use: getJob)
        group.post("/automated-patron-blocks/synchronization/start", use: run)
    }

    @Sendable func createRequest(_ request: Request, context: Context) async throws -> Response {
        let body = try await JSONBody.object(request, context: context)
        try JSONBody.rejectUnknown(body, allowed: ["scope"])
        guard let scopeText = body["scope"] as? String else {
            throw APIError.validation("scope must be \"full\" or \"user:<user UUID>\"", key: "scope", value: "\(body["scope"] ?? "")")
        }
        let scope: SyncJob.Scope
        if scopeText == "full" {
            scope = .full
        } else if scopeText.hasPrefix("user:"), let user = FolioUUID.parse(String(scopeText.dropFirst(5))) {
            scope = .user(user)
        } else {
            throw APIError.validation("scope must be \"full\" or \"user:<user UUID>\"", key: "scope", value: scopeText)
        }
        let job = SyncJob(id: newID(), scope: scope, createdAt: clock())
        try await jobs.createJob(job, tenant: context.tenant)
        return try JSONResponse.make(["id": job.id.folio, "scope": Representation.requestScope(scope), "status": job.status.rawValue], status: .created)
    }

    @Sendable func createJob(_ request: Request, context: Context) async throws -> Response {
        let body = try await JSONBody.object(request, context: context)
        try JSONBody.rejectUnknown(body, allowed: ["scope", "userId", "id", "status", "totalNumberOfLoans", "totalNumberOfFeesFines",
                                                  "numberOfProcessedLoans", "numberOfProcessedFeesFines", "errors", "metadata"])
        // FOLIO's schema: scope is an enum; outside it, as unparsable JSON, the answer is 400 text.
        guard let scopeText = body["scope"] as? String, ["full", "user"].contains(scopeText) else {
            throw APIError(.badRequest, "Invalid value for scope: \(body["scope"].map { "\($0)" } ?? "missing"); use full or user")
        }
        var userId: UUID?
        if let value = body["userId"], !(value is NSNull) {
            guard let text = value as? String, let id = FolioUUID.parse(text) else {
                throw APIError.validation("must match \"^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[1-5][a-fA-F0-9]{3}-[89abAB][a-fA-F0-9]{3}-[a-fA-F0-9]{12}$\"", key: "userId", value: "\(value)")
            }
            userId = id
        }
        let scope: SyncJob.Scope
        if scopeText == "user" {
            guard let userId else {
                throw APIError(.unprocessableContent, "UserId is required for synchronization job with scope: USER")
            }
            scope = .user(userId)
        } else {
            scope = .full
        }
        let job = SyncJob(id: newID(), scope: scope, createdAt: clock())
        try await jobs.createJob(job, tenant: context.tenant)
        return try JSONResponse.make(Representation.job(job), status: .created)
    }

    @Sendable func getRequest(_ request: Request, context: Context) async throws -> Response {
        try JSONResponse.make(Representation.request(try await find("id", context: context)))
    }

    @Sendable func getJob(_ request: Request, context: Context) async throws -> Response {
        try JSONResponse.make(Representation.job(try await find("syncJobId", context: context)))
    }

    private func find(_ parameter: String, context: Context) async throws -> SyncJob {
        let text = context.parameters.get(parameter) ?? ""
        guard let id = FolioUUID.parse(text) else {
            throw APIError(.badRequest, "Invalid synchronization request ID: \"\(text)\"")
        }
        // A drift audit's id is not a synchronization's.
        guard let job = try await jobs.job(tenant: context.tenant, id: id), job.audit == nil else {
            throw APIError(.notFound, "This synchronization request does not exist")
        }
        return job
    }

    /// 202 at once; the runner works in the background, with the caller's Okapi URL and token.
    @Sendable func run(_ request: Request, context: Context) async throws -> Response {
        let upstream = context.okapi.url.map { UpstreamContext(baseURL: $0, token: context.okapi.token, tenant: context.tenant, requestID: context.okapi.requestID) }
        await runner?.wake(upstream)
        return Response(status: .accepted)
    }
}
