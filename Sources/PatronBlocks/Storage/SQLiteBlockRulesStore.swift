import Foundation
import SQLite

/// Block conditions and limits in the SQLite file.
struct SQLiteBlockRulesStore: BlockRulesStore {
    let database: SQLiteDatabase

    public func conditions(tenant: String) async throws -> [BlockCondition] {
        try database.read { connection in
            try connection.rows("""
                SELECT id, name, value_type, block_borrowing, block_renewals, block_requests, message FROM block_conditions
                WHERE tenant = ? ORDER BY position
                """, [.text(tenant)]).compactMap { row in
                guard let id = row[0].text.flatMap(UUID.init(folio:)) else { return nil }
                return BlockCondition(id: id, name: row[1].text ?? "", valueType: row[2].text.flatMap(BlockCondition.ValueType.init(rawValue:)) ?? .integer,
                                      blockBorrowing: row[3].integer == 1, blockRenewals: row[4].integer == 1, blockRequests: row[5].integer == 1,
                                      message: row[6].text ?? "")
            }
        }
    }

    public func updateCondition(_ condition: BlockCondition, tenant: String) async throws -> Bool {
        try await database.write { connection in
            try connection.run("UPDATE block_conditions SET block_borrowing = ?, block_renewals = ?, block_requests = ?, message = ? WHERE tenant = ? AND id = ?", [
                .integer(condition.blockBorrowing ? 1 : 0), .integer(condition.blockRenewals ? 1 : 0), .integer(condition.blockRequests ? 1 : 0),
                .text(condition.message), .text(tenant), .text(condition.id.folio),
            ]) == 1
        }
    }

    public func limits(tenant: String, patronGroupId: UUID?, conditionId: UUID?, offset: Int, limit: Int) async throws -> (limits: [BlockLimit], total: Int) {
        var filter = "tenant = ?"
        var bindings: [SQLiteValue] = [.text(tenant)]
        if let patronGroupId {
            filter += " AND patron_group_id = ?"
            bindings.append(.text(patronGroupId.folio))
        }
        if let conditionId {
            filter += " AND condition_id = ?"
            bindings.append(.text(conditionId.folio))
        }
        // The count and the page from one snapshot.
        return try database.readTransaction { connection in
            let total = try connection.rows("SELECT count(*) FROM block_limits WHERE \(filter)", bindings).first?.first?.integer ?? 0
            let rows = try connection.rows("SELECT id, patron_group_id, condition_id, value FROM block_limits WHERE \(filter) ORDER BY patron_group_id, condition_id, id LIMIT ? OFFSET ?",
                                           bindings + [.integer(Int64(limit)), .integer(Int64(offset))])
            return (rows.compactMap(Self.decodeLimit), Int(total))
        }
    }

    public func limit(tenant: String, id: UUID) async throws -> BlockLimit? {
        try database.read { connection in
            try connection.rows("SELECT id, patron_group_id, condition_id, value FROM block_limits WHERE tenant = ? AND id = ?", [.text(tenant), .text(id.folio)])
                .first.flatMap(Self.decodeLimit)
        }
    }

    public func createLimit(_ limit: BlockLimit, tenant: String) async throws {
        try await database.write { connection in
            let inserted = try connection.run("""
                INSERT INTO block_limits (tenant, id, patron_group_id, condition_id, value) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, id) DO NOTHING
                """, [.text(tenant), .text(limit.id.folio), .text(limit.patronGroupId.folio), .text(limit.conditionId.folio), .text("\(limit.value)")])
            if inserted == 0 { throw LimitStoreError.duplicateID }
        }
    }

    public func updateLimit(_ limit: BlockLimit, tenant: String) async throws -> Bool {
        try await database.write { connection in
            try connection.run("UPDATE block_limits SET patron_group_id = ?, condition_id = ?, value = ? WHERE tenant = ? AND id = ?",
                               [.text(limit.patronGroupId.folio), .text(limit.conditionId.folio), .text("\(limit.value)"), .text(tenant), .text(limit.id.folio)]) == 1
        }
    }

    public func deleteLimit(tenant: String, id: UUID) async throws -> Bool {
        try await database.write { connection in
            try connection.run("DELETE FROM block_limits WHERE tenant = ? AND id = ?", [.text(tenant), .text(id.folio)]) == 1
        }
    }

    static func decodeLimit(_ row: [SQLiteValue]) -> BlockLimit? {
        guard let id = row[0].text.flatMap(UUID.init(folio:)), let group = row[1].text.flatMap(UUID.init(folio:)),
              let condition = row[2].text.flatMap(UUID.init(folio:)), let value = row[3].text.flatMap({ Decimal(string: $0) }) else { return nil }
        return BlockLimit(id: id, patronGroupId: group, conditionId: condition, value: value)
    }
}
