import Foundation
import Logging
import PostgresNIO
import PostgresURL

/// PostgreSQL, the handle every PostgreSQL store shares: a schema per tenant
/// (`<tenant>_mod_patron_blocks`, as FOLIO names them), shared by any number of instances. Jobs
/// are claimed with `FOR UPDATE SKIP LOCKED`.
///
/// Every writer of a tenant's summaries takes its locks in one order, so that no two can wait on
/// each other: first the tenant's summaries lock (an event shares it, a full synchronization's
/// switch holds it alone), then the patron's lock, and only then any table row. An event
/// therefore never waits on the switch while holding what the switch needs, and the switch needs
/// no table locks at all. A deadlock or serialization failure that happens anyway is retried as
/// a whole transaction (`PostgresConflicts`).
public final class PostgresHandle: Sendable {
    public let client: PostgresClient
    let settings: PostgresSettings
    let logger: Logger
    /// Summaries kept between reads, and what keeps them coherent; nil when turned off.
    public let summaryCache: SummaryCache?
    let notifications: PostgresSummaryNotifications?

    public init(url: String, summaryCache cacheSettings: SummaryCache.Settings, logger: Logger) throws {
        let configuration: PostgresClient.Configuration
        let listening: PostgresConnection.Configuration
        do {
            settings = try PostgresSettings(url: url)
            configuration = try settings.clientConfiguration()
            var notificationsConnection = try settings.connectionConfiguration()
            // Named, so that an operator looking at pg_stat_activity knows the idle connection.
            notificationsConnection.options.additionalStartupParameters.append(("application_name", PostgresSummaryNotifications.applicationName))
            listening = notificationsConnection
        } catch {
            throw ConfigurationProblem("PATRONBLOCKS_DATABASE_URL: \(error.message)")
        }
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
        if cacheSettings.isEnabled {
            let cache = SummaryCache(settings: cacheSettings)
            summaryCache = cache
            notifications = PostgresSummaryNotifications(configuration: listening, cache: cache, logger: logger)
        } else {
            summaryCache = nil
            notifications = nil
        }
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
        case .patron(nil):
            try await wait(connection.query("SELECT pg_advisory_xact_lock_shared(hashtextextended(\(tenantKey), 0))", logger: logger))
        case .patron(let userId?):
            for try await _ in try await connection.execute(LockPatron(tenantKey: tenantKey, patronKey: tenant + ":" + userId.folio), logger: logger) {}
        }
    }

    /// Both of a patron's locks in one round trip, the tenant's first: the subquery's row (its
    /// lock taken) exists before the outer projection takes the patron's, and `OFFSET 0` keeps
    /// the planner from merging the two.
    struct LockPatron: PostgresPreparedStatement {
        typealias Row = ()
        static let sql = "SELECT pg_advisory_xact_lock(hashtextextended($2, 0)) FROM (SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0)) OFFSET 0) AS tenant"
        var tenantKey: String
        var patronKey: String

        func makeBindings() throws -> PostgresBindings { try .values(tenantKey, patronKey) }
        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }

    /// Reads a lock query to its end. The query returns once its columns are described, before
    /// the lock is granted: unread, a deadlock found while waiting surfaced only as the next
    /// statement's `25P02 current transaction is aborted`.
    private static func wait(_ rows: PostgresRowSequence) async throws {
        for try await _ in rows {}
    }
}

/// What every PostgreSQL store shares: the one database handle, and its helpers by their names.
protocol PostgresStore: Sendable {
    var database: PostgresHandle { get }
}

extension PostgresStore {
    var client: PostgresClient { database.client }
    var logger: Logger { database.logger }

    func transaction<R: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        try await database.transaction(body)
    }

    static func schema(_ tenant: String) -> String {
        PostgresHandle.schema(tenant)
    }

    static func lockSummaries(for writer: PostgresHandle.SummaryWriter, tenant: String, _ connection: PostgresConnection, logger: Logger) async throws {
        try await PostgresHandle.lockSummaries(for: writer, tenant: tenant, connection, logger: logger)
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
            PostgresSummaries.writeFunction(s),
            // A synchronization stages FOLIO's records as read (appended while paging), and
            // orders them by patron once paging is done (`sync_user_loans`, `sync_user_fees`).
            // A job that staged events the earlier way starts its paging again.
            """
            CREATE TABLE \(s).sync_loans (job_id uuid NOT NULL, user_id uuid NOT NULL, created_at timestamptz NOT NULL, loan_id uuid NOT NULL,
                due_date timestamptz NOT NULL, item_status text, recall boolean NOT NULL);
            CREATE INDEX sync_loans_by_job ON \(s).sync_loans (job_id);
            CREATE TABLE \(s).sync_fees (job_id uuid NOT NULL, user_id uuid NOT NULL, created_at timestamptz NOT NULL, fee_fine_id uuid NOT NULL,
                fee_fine_type_id uuid, loan_id uuid, balance text NOT NULL);
            CREATE INDEX sync_fees_by_job ON \(s).sync_fees (job_id);
            CREATE TABLE \(s).sync_user_loans (job_id uuid NOT NULL, user_id uuid NOT NULL, created_at timestamptz NOT NULL, loan_id uuid NOT NULL,
                due_date timestamptz NOT NULL, item_status text, recall boolean NOT NULL, PRIMARY KEY (job_id, user_id, created_at, loan_id));
            CREATE TABLE \(s).sync_user_fees (job_id uuid NOT NULL, user_id uuid NOT NULL, created_at timestamptz NOT NULL, fee_fine_id uuid NOT NULL,
                fee_fine_type_id uuid, loan_id uuid, balance text NOT NULL, PRIMARY KEY (job_id, user_id, created_at, fee_fine_id));
            DROP TABLE \(s).sync_events;
            UPDATE \(s).sync_jobs SET phase = 'starting', last_loan_id = NULL, last_account_id = NULL, processed_loans = 0, processed_fees = 0
                WHERE status IN ('open', 'in-progress') AND phase <> 'starting'
            """,
            // Paging reads slices of the id space side by side: a kind's cursors are a list, one
            // per slice (`PagingCursors.stored`); a single id is a job paged in one slice.
            """
            ALTER TABLE \(s).sync_jobs RENAME COLUMN last_loan_id TO loan_cursors;
            ALTER TABLE \(s).sync_jobs RENAME COLUMN last_account_id TO account_cursors;
            ALTER TABLE \(s).sync_jobs ALTER COLUMN loan_cursors TYPE text USING loan_cursors::text,
                ALTER COLUMN account_cursors TYPE text USING account_cursors::text
            """,
            // Every write of a summary notifies the instances that keep summaries between checks.
            PostgresSummaryNotifications.triggerFunction(s),
            PostgresSummaryNotifications.trigger(s),
            // An event's write sends only the rows it changes, and answers the version it left.
            PostgresSummaries.changesFunction(s),
        ]
    }
}
