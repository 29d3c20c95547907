import Foundation
import PostgresNIO

/// Block conditions and limits in the tenant's PostgreSQL schema.
struct PostgresBlockRulesStore: BlockRulesStore, PostgresStore {
    let database: PostgresHandle

    public func conditions(tenant: String) async throws -> [BlockCondition] {
        let rows = try await client.query(PostgresQuery(unsafeSQL: """
            SELECT id, name, value_type, block_borrowing, block_renewals, block_requests, message FROM \(Self.schema(tenant)).block_conditions ORDER BY position
            """), logger: logger)
        var conditions: [BlockCondition] = []
        for try await (id, name, type, borrowing, renewals, requests, message) in rows.decode((UUID, String, String, Bool, Bool, Bool, String).self) {
            conditions.append(BlockCondition(id: id, name: name, valueType: BlockCondition.ValueType(rawValue: type) ?? .integer,
                                             blockBorrowing: borrowing, blockRenewals: renewals, blockRequests: requests, message: message))
        }
        return conditions
    }

    public func updateCondition(_ condition: BlockCondition, tenant: String) async throws -> Bool {
        try await changedOne("""
            UPDATE \(Self.schema(tenant)).block_conditions SET block_borrowing = $2, block_renewals = $3, block_requests = $4, message = $5 WHERE id = $1 RETURNING 1
            """, PostgresBindings.values(condition.id, condition.blockBorrowing, condition.blockRenewals, condition.blockRequests, condition.message))
    }

    public func limits(tenant: String, patronGroupId: UUID?, conditionId: UUID?, offset: Int, limit: Int) async throws -> (limits: [BlockLimit], total: Int) {
        let filter = "($1::uuid IS NULL OR patron_group_id = $1) AND ($2::uuid IS NULL OR condition_id = $2)"
        let s = Self.schema(tenant)
        var filters = PostgresBindings()
        for id in [patronGroupId, conditionId] {
            if let id { filters.append(id) } else { filters.appendNull() }
        }
        var page = filters
        page.append(limit)
        page.append(offset)
        let (countQuery, pageQuery) = (PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(s).block_limits WHERE \(filter)", binds: filters), PostgresQuery(unsafeSQL: """
            SELECT id, patron_group_id, condition_id, value FROM \(s).block_limits WHERE \(filter) ORDER BY patron_group_id, condition_id, id LIMIT $3 OFFSET $4
            """, binds: page))
        // The count and the page from one snapshot: a repeatable-read transaction.
        return try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
            var total = 0
            for try await count in try await connection.query(countQuery, logger: self.logger).decode(Int.self) {
                total = count
            }
            var limits: [BlockLimit] = []
            for try await (id, group, condition, value) in try await connection.query(pageQuery, logger: self.logger).decode((UUID, UUID, UUID, Decimal).self) {
                limits.append(BlockLimit(id: id, patronGroupId: group, conditionId: condition, value: value))
            }
            return (limits, total)
        }
    }

    public func limit(tenant: String, id: UUID) async throws -> BlockLimit? {
        let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT id, patron_group_id, condition_id, value FROM \(Self.schema(tenant)).block_limits WHERE id = $1",
                                                        binds: try PostgresBindings.values(id)), logger: logger)
        for try await (id, group, condition, value) in rows.decode((UUID, UUID, UUID, Decimal).self) {
            return BlockLimit(id: id, patronGroupId: group, conditionId: condition, value: value)
        }
        return nil
    }

    public func createLimit(_ limit: BlockLimit, tenant: String) async throws {
        let inserted = try await changedOne("""
            INSERT INTO \(Self.schema(tenant)).block_limits (id, patron_group_id, condition_id, value) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING 1
            """, PostgresBindings.values(limit.id, limit.patronGroupId, limit.conditionId, limit.value))
        if !inserted { throw LimitStoreError.duplicateID }
    }

    public func updateLimit(_ limit: BlockLimit, tenant: String) async throws -> Bool {
        try await changedOne("""
            UPDATE \(Self.schema(tenant)).block_limits SET patron_group_id = $2, condition_id = $3, value = $4 WHERE id = $1 RETURNING 1
            """, PostgresBindings.values(limit.id, limit.patronGroupId, limit.conditionId, limit.value))
    }

    public func deleteLimit(tenant: String, id: UUID) async throws -> Bool {
        try await changedOne("DELETE FROM \(Self.schema(tenant)).block_limits WHERE id = $1 RETURNING 1", PostgresBindings.values(id))
    }

    /// Runs a statement with `RETURNING 1`: whether it touched a row.
    private func changedOne(_ sql: String, _ bindings: @autoclosure () throws -> PostgresBindings) async throws -> Bool {
        for try await _ in try await client.query(PostgresQuery(unsafeSQL: sql, binds: try bindings()), logger: logger) {
            return true
        }
        return false
    }
}
