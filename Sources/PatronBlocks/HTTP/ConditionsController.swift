import Foundation
import Hummingbird

/// `/patron-block-conditions`: the six conditions of a tenant. They can be read and their flags
/// and message changed; none can be created or removed (405, as FOLIO's module answers).
struct ConditionsController {
    typealias Context = PatronBlocksRequestContext
    let rules: any BlockRulesStore
    let checker: BlockChecker

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("/patron-block-conditions", use: list)
        group.get("/patron-block-conditions/:id", use: get)
        group.put("/patron-block-conditions/:id", use: update)
        group.post("/patron-block-conditions") { _, _ -> Response in throw APIError.methodNotAllowed }
        group.delete("/patron-block-conditions/:id") { _, _ -> Response in throw APIError.methodNotAllowed }
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let page = try Paging(request)
        let all = try await rules.conditions(tenant: context.tenant)
        return try JSONResponse.make([
            "patronBlockConditions": page.slice(all).map(Representation.condition),
            "totalRecords": all.count,
        ])
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        try JSONResponse.make(Representation.condition(try await find(context)))
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        var condition = try await find(context)
        let body = try await JSONBody.object(request, context: context)
        try JSONBody.rejectUnknown(body, allowed: ["id", "name", "blockBorrowing", "blockRenewals", "blockRequests", "valueType", "message", "metadata"])
        let fields = JSONFields(body)
        if let id = try fields.optionalUUID("id"), id != condition.id {
            throw APIError.validation("The id in the body does not match the id in the path", key: "id", value: id.folio)
        }
        condition.blockBorrowing = try fields.bool("blockBorrowing")
        condition.blockRenewals = try fields.bool("blockRenewals")
        condition.blockRequests = try fields.bool("blockRequests")
        condition.message = try fields.optionalString("message") ?? ""
        // The name and value type belong to the condition's rule, and FOLIO keeps metadata
        // itself: what is sent is checked for its kind, not stored.
        _ = try fields.optionalString("name")
        _ = try fields.optionalString("valueType")
        _ = try fields.optionalObject("metadata")
        if let problem = condition.validationProblem() {
            throw APIError.validation(problem, key: "message", value: condition.message)
        }
        guard try await rules.updateCondition(condition, tenant: context.tenant) else { throw Self.notFound(condition.id.folio) }
        checker.rulesChanged(tenant: context.tenant)
        return Response(status: .noContent)
    }

    private func find(_ context: Context) async throws -> BlockCondition {
        let text = context.parameters.get("id") ?? ""
        guard let id = FolioUUID.parse(text) else { throw APIError(.badRequest, "Invalid patron block condition ID: \"\(text)\"") }
        guard let condition = try await rules.conditions(tenant: context.tenant).first(where: { $0.id == id }) else { throw Self.notFound(text) }
        return condition
    }

    static func notFound(_ id: String) -> APIError {
        APIError(.notFound, "Patron block condition not found: \(id)")
    }
}
