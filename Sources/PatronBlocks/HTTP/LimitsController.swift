import Foundation
import Hummingbird

/// `/patron-block-limits`: a patron group's limit for each condition, full CRUD, with FOLIO's
/// range messages and a collection that pages and filters by patron group or condition.
struct LimitsController {
    typealias Context = PatronBlocksRequestContext
    let rules: any BlockRulesStore
    let checker: BlockChecker

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("/patron-block-limits", use: list)
        group.post("/patron-block-limits", use: create)
        group.get("/patron-block-limits/:id", use: get)
        group.put("/patron-block-limits/:id", use: update)
        group.delete("/patron-block-limits/:id", use: delete)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let page = try Paging(request)
        let query = try LimitQuery(request.uri.queryParameters.get("query"))
        let (limits, total) = try await rules.limits(tenant: context.tenant, patronGroupId: query.patronGroupId, conditionId: query.conditionId,
                                                     offset: page.offset, limit: page.limit)
        return try JSONResponse.make(["patronBlockLimits": limits.map(Representation.limit), "totalRecords": total])
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.pathID(context)
        guard let limit = try await rules.limit(tenant: context.tenant, id: id) else { throw Self.notFound(id) }
        return try JSONResponse.make(Representation.limit(limit))
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let limit = try Self.limit(from: try await JSONBody.object(request, context: context))
        do {
            try await rules.createLimit(limit, tenant: context.tenant)
        } catch LimitStoreError.duplicateID {
            throw APIError.validation("A patron block limit with this id already exists", key: "id", value: limit.id.folio)
        }
        checker.rulesChanged(tenant: context.tenant)
        var response = try JSONResponse.make(Representation.limit(limit), status: .created)
        response.headers[.location] = "/patron-block-limits/\(limit.id.folio)"
        return response
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.pathID(context)
        let limit = try Self.limit(from: try await JSONBody.object(request, context: context))
        guard limit.id == id else { throw APIError.validation("The id in the body does not match the id in the path", key: "id", value: limit.id.folio) }
        guard try await rules.updateLimit(limit, tenant: context.tenant) else { throw Self.notFound(id) }
        checker.rulesChanged(tenant: context.tenant)
        return Response(status: .noContent)
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.pathID(context)
        guard try await rules.deleteLimit(tenant: context.tenant, id: id) else { throw Self.notFound(id) }
        checker.rulesChanged(tenant: context.tenant)
        return Response(status: .noContent)
    }

    /// All four fields are required; the value must fit its condition's range.
    static func limit(from body: [String: Any]) throws -> BlockLimit {
        try JSONBody.rejectUnknown(body, allowed: ["id", "patronGroupId", "conditionId", "value", "metadata"])
        let fields = JSONFields(body)
        _ = try fields.optionalObject("metadata")
        let id = try fields.uuid("id")
        let group = try fields.uuid("patronGroupId")
        let conditionId = try fields.uuid("conditionId")
        guard BlockCondition.known(conditionId) != nil else {
            throw APIError.validation("Condition ID is not one of the six patron block conditions", key: "conditionId", value: conditionId.folio)
        }
        // A value that is missing, not a number or out of range gets the condition's range message.
        let value = (try? fields.optionalDecimal("value")) ?? nil
        guard let value, BlockLimit.valueProblem(value, conditionId: conditionId) == nil else {
            throw APIError.validation(BlockLimit.valueProblem(nil, conditionId: conditionId) ?? "", key: "value", value: body["value"].map { "\($0)" } ?? "null")
        }
        return BlockLimit(id: id, patronGroupId: group, conditionId: conditionId, value: value)
    }

    static func pathID(_ context: Context) throws -> UUID {
        let text = context.parameters.get("id") ?? ""
        guard let id = FolioUUID.parse(text) else { throw APIError(.badRequest, "Invalid patron block limit ID: \"\(text)\"") }
        return id
    }

    static func notFound(_ id: UUID) -> APIError {
        APIError(.notFound, "Patron block limit not found: \(id.folio)")
    }
}

/// The CQL a FOLIO client sends to the limits collection: `patronGroupId==<uuid>` and/or
/// `conditionId==<uuid>` (quoted or not, joined by `and`), or `cql.allRecords=1`.
struct LimitQuery: Equatable {
    var patronGroupId: UUID?
    var conditionId: UUID?

    init(_ text: String?) throws {
        let text = (text ?? "").trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text != "cql.allRecords=1" else { return }
        for clause in text.components(separatedBy: " and ") {
            let parts = clause.components(separatedBy: "==")
            let value = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : ""
            guard parts.count == 2, let id = FolioUUID.parse(value) else { throw Self.unsupported(text) }
            switch parts[0].trimmingCharacters(in: .whitespaces) {
            case "patronGroupId": patronGroupId = id
            case "conditionId": conditionId = id
            default: throw Self.unsupported(text)
            }
        }
    }

    static func unsupported(_ text: String) -> APIError {
        APIError(.badRequest, "Unsupported query: \(text) (use patronGroupId==<uuid>, conditionId==<uuid>, joined by and)")
    }
}

/// `limit` and `offset` of a collection request; FOLIO's default page is 10 records.
struct Paging {
    var offset = 0
    var limit = 10

    init(_ request: Request) throws {
        let parameters = request.uri.queryParameters
        if let text = parameters.get("limit") {
            guard let value = Int(text), (0...10_000).contains(value) else { throw APIError(.badRequest, "limit must be a number from 0 to 10000, not \(text)") }
            limit = value
        }
        if let text = parameters.get("offset") {
            guard let value = Int(text), value >= 0 else { throw APIError(.badRequest, "offset must be 0 or more, not \(text)") }
            offset = value
        }
    }

    func slice<T>(_ all: [T]) -> [T] {
        Array(all.dropFirst(offset).prefix(limit))
    }
}
