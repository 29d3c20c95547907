import Foundation
import Logging
import PostgresNIO

/// Tenants in PostgreSQL: a schema each, listed in `public.patronblocks_tenants`.
struct PostgresTenantStore: TenantStore, PostgresStore {
    let database: PostgresHandle

    /// One direct connection, so that a wrong address or password stops start-up at once with
    /// the server's answer (the pool would retry for a minute and then say little).
    public func checkConnection() async throws {
        do {
            let connection = try await PostgresConnection.connect(configuration: try database.settings.connectionConfiguration(), id: 0, logger: logger)
            defer { Task { try? await connection.close() } }
            try await Self.bootstrap(connection, logger: logger)
        } catch {
            let reason = (error as? PSQLError).map { psql in psql.serverInfo?[.message] ?? psql.underlying.map { "\($0)" } ?? "\(psql.code)" } ?? "\(error)"
            throw ConfigurationProblem("Cannot connect to PostgreSQL at \(database.settings.host):\(database.settings.port)/\(database.settings.database): \(reason)", isInTheSettings: false)
        }
    }

    /// The tables every tenant shares, in `public`: which tenants are installed (and enabled), and
    /// the tenant interface's jobs. Idempotent; the advisory lock keeps two instances starting at
    /// once from racing on `CREATE TABLE`.
    static func bootstrap(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_lock(hashtextextended('patronblocks:bootstrap', 0))", logger: logger)
        do {
            try await connection.query("CREATE TABLE IF NOT EXISTS public.patronblocks_tenants (tenant text PRIMARY KEY, schema_version int NOT NULL, installed_at timestamptz NOT NULL)", logger: logger)
            try await connection.query("ALTER TABLE public.patronblocks_tenants ADD COLUMN IF NOT EXISTS enabled boolean NOT NULL DEFAULT true", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS public.patronblocks_tenant_jobs (id uuid PRIMARY KEY, tenant text NOT NULL, module_from text, module_to text,
                    complete boolean NOT NULL, error text, created_at timestamptz NOT NULL)
                """, logger: logger)
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(hashtextextended('patronblocks:bootstrap', 0))", logger: logger)
            throw error
        }
        try await connection.query("SELECT pg_advisory_unlock(hashtextextended('patronblocks:bootstrap', 0))", logger: logger)
    }

    public func installTenant(_ tenant: String) async throws {
        let schema = Self.schema(tenant)
        try await client.withConnection { connection in try await Self.bootstrap(connection, logger: self.logger) }
        try await transaction { connection in
            // One install at a time per tenant, whichever instance it reaches.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("install:" + tenant), 0))", logger: self.logger)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: self.logger)
            var version = 0
            for try await (current) in try await connection.query("SELECT schema_version FROM public.patronblocks_tenants WHERE tenant = \(tenant)", logger: self.logger).decode(Int.self) {
                version = current
            }
            let migrations = PostgresSchema.migrations(schema)
            for (index, sql) in migrations.enumerated() where index + 1 > version {
                // The extended protocol takes one statement at a time; a function's body has
                // statements of its own, and goes whole.
                let statements = sql.hasPrefix("CREATE OR REPLACE FUNCTION") ? [sql] : sql.components(separatedBy: ";\n")
                for statement in statements where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
            }
            // The six conditions; an upgrade keeps what the library set.
            let defaults = BlockCondition.defaults
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO \(schema).block_conditions (id, position, name, value_type, block_borrowing, block_renewals, block_requests, message)
                SELECT i, p, n, v, false, false, false, '' FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) AS t(i, p, n, v)
                ON CONFLICT (id) DO NOTHING
                """, binds: try PostgresBindings.values(defaults.map(\.id), Array(0..<defaults.count), defaults.map(\.name), defaults.map(\.valueType.rawValue))),
                logger: self.logger)
            try await connection.query("""
                INSERT INTO public.patronblocks_tenants (tenant, schema_version, installed_at, enabled) VALUES (\(tenant), \(migrations.count), now(), true)
                ON CONFLICT (tenant) DO UPDATE SET schema_version = excluded.schema_version, enabled = true
                """, logger: self.logger)
        }
    }

    public func isInstalled(_ tenant: String) async throws -> Bool {
        do {
            let rows = try await client.query("SELECT 1 FROM public.patronblocks_tenants WHERE tenant = \(tenant) AND enabled", logger: logger)
            for try await _ in rows { return true }
            return false
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P01" {
            return false
        }
    }

    public func disableTenant(_ tenant: String) async throws {
        try await client.query("UPDATE public.patronblocks_tenants SET enabled = false WHERE tenant = \(tenant)", logger: logger)
    }

    public func purgeTenant(_ tenant: String) async throws {
        defer { database.summaryCache?.changed(tenant: tenant) }
        try await transaction { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(Self.schema(tenant)) CASCADE"), logger: self.logger)
            try await connection.query("DELETE FROM public.patronblocks_tenants WHERE tenant = \(tenant)", logger: self.logger)
            try await PostgresSummaryNotifications.notifyTenantChanged(tenant, connection, logger: self.logger)
        }
    }

    public func installedTenants() async throws -> [String] {
        do {
            var tenants: [String] = []
            for try await tenant in try await client.query("SELECT tenant FROM public.patronblocks_tenants WHERE enabled ORDER BY tenant", logger: logger).decode(String.self) {
                tenants.append(tenant)
            }
            return tenants
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P01" {
            return []
        }
    }

    public func saveTenantJob(_ job: TenantJob) async throws {
        try await client.query("""
            INSERT INTO public.patronblocks_tenant_jobs (id, tenant, module_from, module_to, complete, error, created_at)
            VALUES (\(job.id), \(job.tenant), \(job.moduleFrom), \(job.moduleTo), \(job.complete), \(job.error), \(PostgresTimestamp(job.createdAt)))
            ON CONFLICT (id) DO UPDATE SET complete = excluded.complete, error = excluded.error
            """, logger: logger)
    }

    public func tenantJob(id: UUID) async throws -> TenantJob? {
        let rows = try await client.query("SELECT tenant, module_from, module_to, complete, error, created_at FROM public.patronblocks_tenant_jobs WHERE id = \(id)", logger: logger)
        for try await (tenant, from, to, complete, error, created) in rows.decode((String, String?, String?, Bool, String?, PostgresTimestamp).self) {
            return TenantJob(id: id, tenant: tenant, moduleFrom: from, moduleTo: to, complete: complete, error: error, createdAt: created.date)
        }
        return nil
    }

    public func deleteTenantJob(id: UUID) async throws -> Bool {
        for try await _ in try await client.query("DELETE FROM public.patronblocks_tenant_jobs WHERE id = \(id) RETURNING 1", logger: logger) {
            return true
        }
        return false
    }
}
