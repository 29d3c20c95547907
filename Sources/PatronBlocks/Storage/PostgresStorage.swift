import Foundation
import Logging
import PostgresNIO
import PostgresURL

/// PostgreSQL: a schema per tenant (`<tenant>_mod_patron_blocks`, as FOLIO names them), shared by
/// any number of instances. Jobs are claimed with `FOR UPDATE SKIP LOCKED`.
///
/// Every writer of a tenant's summaries takes its locks in one order, so that no two can wait on
/// each other: first the tenant's summaries lock (an event shares it, a full synchronization's
/// switch holds it alone), then the patron's lock, and only then any table row. An event
/// therefore never waits on the switch while holding what the switch needs, and the switch needs
/// no table locks at all. A deadlock or serialization failure that happens anyway is retried as
/// a whole transaction (`PostgresConflicts`).
public final class PostgresStorage: Sendable {
    public let client: PostgresClient
    let settings: PostgresSettings
    let logger: Logger

    public init(url: String, logger: Logger) throws {
        let configuration: PostgresClient.Configuration
        do {
            settings = try PostgresSettings(url: url)
            configuration = try settings.clientConfiguration()
        } catch {
            throw ConfigurationProblem("PATRONBLOCKS_DATABASE_URL: \(error.message)")
        }
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    /// The tenant's schema, quoted (tenant names are letters, digits and _ only). Its case is
    /// kept: tenants are told apart by case everywhere else, so `DIKU` must not purge `diku`.
    static func schema(_ tenant: String) -> String {
        "\"\(tenant)_mod_patron_blocks\""
    }

    /// One transaction, run again from the start after a deadlock or a serialization failure:
    /// `body` must compute everything it returns inside (it does, as a transaction's body).
    func transaction<R: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        try await PostgresConflicts.retrying(logger: logger) {
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// Who writes a tenant's summaries, and how the lock order above is taken.
    enum SummaryWriter {
        /// A live event (or a patron's own synchronization): the tenant lock shared, then the
        /// patron's (none for a fee of nobody known).
        case patron(UUID?)
        /// A full synchronization's switch: the tenant lock alone, so no event is half-way through.
        case wholeTenant
    }

    /// Takes the locks for `writer`, held until the transaction ends.
    static func lockSummaries(for writer: SummaryWriter, tenant: String, _ connection: PostgresConnection, logger: Logger) async throws {
        let tenantKey = "summaries:" + tenant
        switch writer {
        case .wholeTenant:
            try await wait(connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(tenantKey), 0))", logger: logger))
        case .patron(let userId):
            try await wait(connection.query("SELECT pg_advisory_xact_lock_shared(hashtextextended(\(tenantKey), 0))", logger: logger))
            if let userId {
                try await wait(connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(tenant + ":" + userId.folio), 0))", logger: logger))
            }
        }
    }

    /// Reads a lock query to its end. The query returns once its columns are described, before
    /// the lock is granted: unread, a deadlock found while waiting surfaced only as the next
    /// statement's `25P02 current transaction is aborted`.
    private static func wait(_ rows: PostgresRowSequence) async throws {
        for try await _ in rows {}
    }
}

/// The PostgreSQL schema of one tenant, by version.
enum PostgresSchema {
    static func migrations(_ s: String) -> [String] {
        [
            """
            CREATE TABLE \(s).summaries (user_id uuid PRIMARY KEY, id uuid NOT NULL, updated_at timestamptz NOT NULL);
            CREATE TABLE \(s).summary_loans (user_id uuid NOT NULL, loan_id uuid NOT NULL, position int NOT NULL, due_date timestamptz NOT NULL,
                recall boolean NOT NULL, item_lost boolean NOT NULL, claimed_returned boolean NOT NULL, grace_duration int, grace_interval text,
                PRIMARY KEY (user_id, loan_id));
            CREATE TABLE \(s).summary_fees (user_id uuid NOT NULL, fee_fine_id uuid NOT NULL, position int NOT NULL, fee_fine_type_id uuid,
                loan_id uuid, balance numeric NOT NULL, PRIMARY KEY (user_id, fee_fine_id));
            CREATE INDEX summary_fees_by_fee ON \(s).summary_fees (fee_fine_id);
            CREATE TABLE \(s).events (id bigserial PRIMARY KEY, user_id uuid, kind text NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL);
            CREATE TABLE \(s).sync_jobs (id uuid PRIMARY KEY, scope text NOT NULL, user_id uuid, status text NOT NULL,
                total_loans int NOT NULL DEFAULT 0, total_fees int NOT NULL DEFAULT 0, processed_loans int NOT NULL DEFAULT 0,
                processed_fees int NOT NULL DEFAULT 0, errors text NOT NULL DEFAULT '[]', created_at timestamptz NOT NULL, runner text,
                heartbeat_at timestamptz, attempts int NOT NULL DEFAULT 0, phase text NOT NULL DEFAULT 'starting', last_loan_id uuid,
                last_account_id uuid, event_marker bigint);
            CREATE INDEX sync_jobs_by_status ON \(s).sync_jobs (status, created_at);
            CREATE TABLE \(s).sync_events (job_id uuid NOT NULL, seq bigserial, user_id uuid NOT NULL, created_at timestamptz NOT NULL,
                loan_id uuid, payload text NOT NULL, PRIMARY KEY (job_id, seq));
            CREATE INDEX sync_events_by_user ON \(s).sync_events (job_id, user_id, created_at, seq);
            CREATE TABLE \(s).sync_graces (job_id uuid NOT NULL, loan_id uuid NOT NULL, duration int NOT NULL, interval text NOT NULL,
                PRIMARY KEY (job_id, loan_id));
            """,
            """
            CREATE TABLE \(s).block_conditions (id uuid PRIMARY KEY, position int NOT NULL, name text NOT NULL, value_type text NOT NULL,
                block_borrowing boolean NOT NULL, block_renewals boolean NOT NULL, block_requests boolean NOT NULL, message text NOT NULL);
            CREATE TABLE \(s).block_limits (id uuid PRIMARY KEY, patron_group_id uuid NOT NULL, condition_id uuid NOT NULL, value numeric NOT NULL);
            CREATE INDEX block_limits_by_group ON \(s).block_limits (patron_group_id, condition_id);
            """,
            // Drift audits are jobs too: audit_repair is NULL for a synchronization.
            """
            ALTER TABLE \(s).sync_jobs ADD COLUMN audit_repair boolean;
            ALTER TABLE \(s).sync_jobs ADD COLUMN audit_report text
            """,
            // FOLIO's Lists app (its query manager) reads mod-patron-blocks' tables in the tenant's
            // schema in FOLIO's storage shape, `id uuid` and `jsonb`. These views keep those reads
            // working; each record's jsonb is what the API answers for it.
            FolioStorageViews.sql(s),
        ]
    }
}

extension PostgresStorage: TenantStore {
    /// One direct connection, so that a wrong address or password stops start-up at once with
    /// the server's answer (the pool would retry for a minute and then say little).
    public func checkConnection() async throws {
        do {
            let connection = try await PostgresConnection.connect(configuration: try settings.connectionConfiguration(), id: 0, logger: logger)
            defer { Task { try? await connection.close() } }
            try await Self.bootstrap(connection, logger: logger)
        } catch {
            let reason = (error as? PSQLError).map { psql in psql.serverInfo?[.message] ?? psql.underlying.map { "\($0)" } ?? "\(psql.code)" } ?? "\(error)"
            throw ConfigurationProblem("Cannot connect to PostgreSQL at \(settings.host):\(settings.port)/\(settings.database): \(reason)", isInTheSettings: false)
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
                // The extended protocol takes one statement at a time.
                for statement in sql.components(separatedBy: ";\n") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
            }
            // The six conditions; an upgrade keeps what the library set.
            let defaults = BlockCondition.defaults
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO \(schema).block_conditions (id, position, name, value_type, block_borrowing, block_renewals, block_requests, message)
                SELECT i, p, n, v, false, false, false, '' FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) AS t(i, p, n, v)
                ON CONFLICT (id) DO NOTHING
                """, binds: try PostgresSummaries.bindings(defaults.map(\.id), Array(0..<defaults.count), defaults.map(\.name), defaults.map(\.valueType.rawValue))),
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
        try await transaction { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(Self.schema(tenant)) CASCADE"), logger: self.logger)
            try await connection.query("DELETE FROM public.patronblocks_tenants WHERE tenant = \(tenant)", logger: self.logger)
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
