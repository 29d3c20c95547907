import Hummingbird

struct UserSummaryController {
    typealias Context = PatronBlocksRequestContext
    let summaries: any SummaryStore

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("/user-summary/:userId", use: get)
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        let text = context.parameters.get("userId") ?? ""
        guard let userId = FolioUUID.parse(text) else {
            throw APIError(.badRequest, "Invalid user ID: \"\(text)\"")
        }
        guard let summary = try await summaries.summary(tenant: context.tenant, userId: userId) else {
            throw APIError(.notFound, "User summary for user ID \(text) not found")
        }
        return try JSONResponse.make(Representation.summary(summary))
    }
}
