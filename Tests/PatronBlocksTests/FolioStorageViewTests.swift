import Foundation
import Logging
import PostgresNIO
import PostgresURL
import Testing
@testable import PatronBlocks

/// FOLIO's Lists app reads mod-patron-blocks' tables in the tenant's schema directly; on
/// PostgreSQL the views of those names must hold, for each record, what the API answers.
@Suite struct FolioStorageViewTests {
    @Test(.enabled(if: Backend.available.contains(.postgres), "needs PostgreSQL"))
    func eachViewRowEqualsTheAPIsAnswer() async throws {
        try await withService(.postgres) { service, api in
            let user = UUID(), loan = UUID(), other = UUID(), fee = UUID(), type = UUID()
            for body in [
                #"{"userId": "\#(user.folio)", "loanId": "\#(loan.folio)", "dueDate": "2026-12-01T10:00:00.123Z", "gracePeriod": {"duration": 3, "intervalId": "Hours"}}"#,
                #"{"userId": "\#(user.folio)", "loanId": "\#(other.folio)", "dueDate": "2026-12-02T10:00:00Z"}"#,
            ] {
                #expect(try await api.post("/automated-patron-blocks/handlers/item-checked-out", body).status == .noContent)
            }
            #expect(try await api.post("/automated-patron-blocks/handlers/item-declared-lost", #"{"userId": "\#(user.folio)", "loanId": "\#(other.folio)"}"#).status == .noContent)
            #expect(try await api.post("/automated-patron-blocks/handlers/fee-fine-balance-changed",
                                       #"{"feeFineId": "\#(fee.folio)", "balance": 12.50, "userId": "\#(user.folio)", "feeFineTypeId": "\#(type.folio)"}"#).status == .noContent)
            let feeOnly = UUID()
            #expect(try await api.post("/automated-patron-blocks/handlers/fee-fine-balance-changed",
                                       #"{"feeFineId": "\#(UUID().folio)", "balance": 0.35, "userId": "\#(feeOnly.folio)"}"#).status == .noContent)
            let conditions = try #require(try await api.get("/patron-block-conditions").json["patronBlockConditions"] as? [[String: Any]])
            let condition = try #require(conditions.first?["id"] as? String)
            let limit = UUID()
            let created = try await api.post("/patron-block-limits",
                                             #"{"id": "\#(limit.folio)", "patronGroupId": "\#(UUID().folio)", "conditionId": "\#(condition)", "value": 7}"#)
            #expect(created.status == .created, "\(created.text)")

            let rows = try await Self.viewRows(service, tenant: try #require(api.tenant))
            #expect(rows["user_summary"]?.count == 2)
            #expect(rows["patron_block_conditions"]?.count == conditions.count)
            #expect(rows["patron_block_limits"]?.count == 1)
            var compared = 0
            for (view, records) in rows {
                for (id, json) in records {
                    #expect(json["id"] as? String == id, "\(view) \(id): jsonb id \(json["id"] ?? "none")")
                    let path = switch view {
                    case "user_summary": "/user-summary/\(try #require(json["userId"] as? String))"
                    case "patron_block_conditions": "/patron-block-conditions/\(id)"
                    default: "/patron-block-limits/\(id)"
                    }
                    let answer = try await api.get(path)
                    #expect(answer.status == .ok, "\(path): \(answer.text)")
                    let (fromView, fromAPI) = (try Self.canonical(json), try Self.canonical(try answer.json))
                    #expect(fromView == fromAPI, "\(view) \(id):\n view \(fromView)\n API  \(fromAPI)")
                    compared += 1
                }
            }
            #expect(compared == 2 + conditions.count + 1)
            let summary = try #require(rows["user_summary"]?.values.first { $0["userId"] as? String == user.folio })
            let loans = try #require(summary["openLoans"] as? [[String: Any]])
            #expect(loans.first?["dueDate"] as? String == "2026-12-01T10:00:00.123+00:00")
            #expect((loans.first?["gracePeriod"] as? [String: Any])?["intervalId"] as? String == "Hours")
        }
    }

    /// JSON with sorted keys: two objects with the same members in another order compare equal.
    static func canonical(_ json: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Each view's rows as FOLIO's query manager reads them: `id` and `jsonb`.
    static func viewRows(_ service: PatronBlocksComponents, tenant: String) async throws -> [String: [String: [String: Any]]] {
        guard case .postgres(let url) = service.configuration.storage else { throw Backend.Missing(description: "not PostgreSQL") }
        let logger = Logger(label: "test.views")
        let connection = try await PostgresConnection.connect(configuration: try PostgresSettings(url: url).connectionConfiguration(), id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        var result: [String: [String: [String: Any]]] = [:]
        // FOLIO's schema name: `<tenant>_mod_patron_blocks`.
        for view in ["user_summary", "patron_block_conditions", "patron_block_limits"] {
            var records: [String: [String: Any]] = [:]
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT id::text, jsonb::text FROM \(PostgresHandle.schema(tenant)).\(view)"), logger: logger)
            for try await (id, text) in rows.decode((String, String).self) {
                records[id] = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            }
            result[view] = records
        }
        return result
    }
}
