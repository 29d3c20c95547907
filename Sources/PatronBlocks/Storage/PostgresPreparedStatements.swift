import Logging
import PostgresNIO

/// A statement of a tenant's schema that each pooled connection prepares once, the first time it
/// runs it, and from then on only binds and executes: parsing and planning cost the server more
/// than the statement itself (the summary's read ran 1,300 times a second unprepared and 4,500
/// prepared, pgbench on the project's machine).
///
/// postgres-nio prepares a statement under its type's `name` and `sql`, both static, but each
/// tenant's SQL names its own schema. So both read the tenant of the call in progress from a
/// task-local value that `execute(_:tenant:logger:_:)` sets, and each tenant's statement is
/// prepared under a name of its own. The name is short: PostgreSQL compares names by their first
/// 63 bytes, and a tenant has up to 45.
protocol PostgresTenantStatement: PostgresPreparedStatement {
    static func sql(schema: String) -> String
}

enum PostgresStatementTenant {
    @TaskLocal static var current = ""
}

extension PostgresTenantStatement {
    static var name: String { "pb.\(Self.self).\(PostgresStatementTenant.current)" }
    static var sql: String { sql(schema: PostgresHandle.schema(PostgresStatementTenant.current)) }
}

extension PostgresConnection {
    /// Runs `statement` in `tenant`'s schema and hands its rows to `body`, which reads them.
    func execute<Statement: PostgresTenantStatement, Result: Sendable>(
        _ statement: Statement, tenant: String, logger: Logger,
        _ body: (AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row>) async throws -> Result
    ) async throws -> Result {
        try await PostgresStatementTenant.$current.withValue(tenant) {
            try await body(try await execute(statement, logger: logger))
        }
    }
}
