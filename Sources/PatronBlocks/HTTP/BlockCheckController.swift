import Foundation
import Hummingbird

/// `GET /automated-patron-blocks/{userId}`: what the desk asks on every check-out.
struct BlockCheckController {
    typealias Context = PatronBlocksRequestContext
    let checker: BlockChecker
    /// The time the check is made at (due dates and grace periods are measured from it).
    let clock: @Sendable () -> Date
    static let headers: HTTPFields = [.contentType: "application/json"]

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("/automated-patron-blocks/:userId", use: check)
    }

    @Sendable func check(_ request: Request, context: Context) async throws -> Response {
        let text = context.parameters.get("userId") ?? ""
        guard let userId = FolioUUID.parse(text) else { throw APIError(.badRequest, "Invalid user UUID: \"\(text)\"") }
        let blocks = await checker.blocks(tenant: context.tenant, userId: userId, okapi: context.okapi, now: clock(), logger: context.logger)
        return Response(status: .ok, headers: Self.headers, body: .init(byteBuffer: BlockCheckBody.json(blocks)))
    }
}
