import Foundation
import Hummingbird

/// The eight handlers pub-sub calls with circulation and fees/fines events. The answer is 204
/// only once the event is stored and applied (FOLIO answers before, and loses events in a crash).
struct EventHandlerController {
    typealias Context = PatronBlocksRequestContext
    let summaries: any SummaryStore
    let metrics: PatronBlocksMetrics?

    func addRoutes(to group: RouterGroup<Context>) {
        for kind in PatronEvent.Kind.allCases {
            group.post("/automated-patron-blocks/handlers/\(kind.handler)") { request, context in
                try await handle(kind, request, context: context)
            }
        }
    }

    func handle(_ kind: PatronEvent.Kind, _ request: Request, context: Context) async throws -> Response {
        let event = try EventBodies.event(kind, try await JSONBody.object(request, context: context))
        try await summaries.record(event, tenant: context.tenant, at: Date())
        metrics?.event(kind)
        return Response(status: .noContent)
    }
}
