import Foundation
import PostgresNIO

/// Synchronization and audit jobs in the tenant's PostgreSQL schema; the job rows' helpers serve
/// the sync and audit stores too.
struct PostgresJobStore: JobStore, PostgresStore {
    let database: PostgresHandle

    static let jobColumns = "id, scope, user_id::text, status, total_loans, total_fees, processed_loans, processed_fees, errors, created_at, phase, loan_cursors, account_cursors, event_marker, runner, attempts, audit_repair, audit_report"
    typealias JobRow = (UUID, String, String?, String, Int, Int, Int, Int, String, PostgresTimestamp, String, String?, String?, Int64?, String?, Int, Bool?, String?)

    static func decode(_ row: JobRow) throws -> (job: SyncJob, progress: SyncProgress, attempts: Int) {
        let scope = try JobColumns.decodeScope(row.1, userId: row.2, job: row.0.folio)
        var job = SyncJob(id: row.0, scope: scope, status: SyncJob.Status(rawValue: row.3) ?? .open, createdAt: row.9.date)
        job.totalNumberOfLoans = row.4
        job.totalNumberOfFeesFines = row.5
        job.numberOfProcessedLoans = row.6
        job.numberOfProcessedFeesFines = row.7
        job.errors = JobColumns.decodeErrors(row.8)
        var progress = SyncProgress()
        progress.phase = SyncProgress.Phase(rawValue: row.10) ?? .starting
        progress.loans = try JobColumns.decodeCursors(row.11, column: "loan_cursors", job: row.0.folio)
        progress.accounts = try JobColumns.decodeCursors(row.12, column: "account_cursors", job: row.0.folio)
        progress.eventMarker = row.13
        if let repair = row.16 {
            job.audit = JobColumns.decodeAudit(repair: repair, report: row.17)
        }
        return (job, progress, row.15)
    }

    public func createJob(_ job: SyncJob, tenant: String) async throws {
        try await client.withConnection { connection in
            try await Self.insertJob(connection, job, schema: Self.schema(tenant), logger: self.logger)
        }
    }

    static func insertJob(_ connection: PostgresConnection, _ job: SyncJob, schema s: String, logger: Logger) async throws {
        let (scope, user) = JobColumns.scopeColumns(job.scope)
        var bindings = try PostgresBindings.values(job.id, scope, user ?? "", job.status.rawValue, job.createdAt)
        bindings.append(job.audit?.repair)
        bindings.append(JobColumns.encodeReport(job.audit))
        try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(s).sync_jobs (id, scope, user_id, status, created_at, audit_repair, audit_report) VALUES ($1, $2, NULLIF($3, '')::uuid, $4, $5, $6, $7)",
                                                 binds: bindings), logger: logger)
    }

    public func job(tenant: String, id: UUID) async throws -> SyncJob? {
        let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT \(Self.jobColumns) FROM \(Self.schema(tenant)).sync_jobs WHERE id = $1", binds: try PostgresBindings.values(id)), logger: logger)
        for try await row in rows.decode(JobRow.self) { return try Self.decode(row).job }
        return nil
    }

    public func claimNextJob(tenant: String, runner: String, now: Date, lease: TimeInterval, maxAttempts: Int) async throws -> ClaimOutcome {
        let s = Self.schema(tenant)
        let rules = JobLease(duration: lease, maxAttempts: maxAttempts)
        return try await transaction { connection in
            // Claims for a tenant take turns, whichever instance makes them.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("claim:" + tenant), 0))", logger: self.logger)
            var inProgress: [JobLease.Holder] = []
            for try await (id, heartbeat, attempts, errors) in try await connection.query(PostgresQuery(unsafeSQL: "SELECT id, heartbeat_at, attempts, errors FROM \(s).sync_jobs WHERE status = 'in-progress' FOR UPDATE"), logger: self.logger)
                .decode((UUID, PostgresTimestamp?, Int, String).self) {
                inProgress.append(JobLease.Holder(jobId: id, heartbeat: heartbeat?.date, attempts: attempts, errors: JobColumns.decodeErrors(errors)))
            }
            guard case .takeBack(let takeBacks) = rules.review(inProgress: inProgress, now: now) else { return ClaimOutcome.busy }
            for takeBack in takeBacks {
                switch takeBack {
                case .reopen(let id):
                    try await connection.query(PostgresQuery(unsafeSQL: "UPDATE \(s).sync_jobs SET status = 'open', runner = NULL WHERE id = $1", binds: try PostgresBindings.values(id)), logger: self.logger)
                case .fail(let id, let errors):
                    try await connection.query(PostgresQuery(unsafeSQL: "UPDATE \(s).sync_jobs SET status = 'failed', runner = NULL, errors = $1 WHERE id = $2",
                                                             binds: try PostgresBindings.values(JobColumns.encodeErrors(errors), id)), logger: self.logger)
                    try await Self.dropStaging(connection, schema: s, jobId: id, logger: self.logger)
                }
            }
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(Self.jobColumns) FROM \(s).sync_jobs WHERE status = 'open' ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"), logger: self.logger)
            var found: JobRow?
            for try await row in rows.decode(JobRow.self) { found = row }
            guard let found else { return ClaimOutcome.nothingToDo }
            let (job, progress, attempts) = try Self.decode(found)
            let claimed = rules.claim(job, progress: progress, attempts: attempts, runner: runner)
            try await connection.query(PostgresQuery(unsafeSQL: "UPDATE \(s).sync_jobs SET status = $1, runner = $2, heartbeat_at = $3, attempts = $4 WHERE id = $5",
                                                     binds: try PostgresBindings.values(claimed.job.status.rawValue, runner, now, claimed.attempt, job.id)), logger: self.logger)
            return ClaimOutcome.claimed(claimed)
        }
    }

    public func heartbeat(tenant: String, jobId: UUID, runner: String, now: Date) async throws -> Bool {
        try await affected(client, PostgresQuery(unsafeSQL: "UPDATE \(Self.schema(tenant)).sync_jobs SET heartbeat_at = $1 WHERE \(JobOwnership.postgres(id: 2)) RETURNING 1",
                                                 binds: try PostgresBindings.values(now, jobId, runner)))
    }

    public func saveProgress(tenant: String, job: SyncJob, progress: SyncProgress, runner: String, now: Date) async throws -> Bool {
        try await client.withConnection { connection in
            try await Self.saveProgress(connection, schema: Self.schema(tenant), job: job, progress: progress, runner: runner, now: now, logger: self.logger)
        }
    }

    public func release(tenant: String, jobId: UUID, runner: String) async throws {
        try await client.query(PostgresQuery(unsafeSQL: "UPDATE \(Self.schema(tenant)).sync_jobs SET status = 'open', runner = NULL WHERE \(JobOwnership.postgres(id: 1))",
                                             binds: try PostgresBindings.values(jobId, runner)), logger: logger)
    }

    static func saveProgress(_ connection: PostgresConnection, schema s: String, job: SyncJob, progress: SyncProgress, runner: String, now: Date, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: progressUpdate(schema: s),
                                                             binds: try PostgresBindings.values(progressValues(job: job, progress: progress, runner: runner, now: now))), logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// The job's progress written under `JobOwnership`, answering a row when the job is still
    /// the runner's; its parameters are `progressValues`' thirteen, the job's id at `$11`.
    static func progressUpdate(schema s: String) -> String {
        """
        UPDATE \(s).sync_jobs SET total_loans = $1, total_fees = $2, processed_loans = $3, processed_fees = $4, errors = $5, heartbeat_at = $6,
            phase = $7, loan_cursors = $8, account_cursors = $9, event_marker = NULLIF($10, -1),
            audit_report = NULLIF($13, '')
        WHERE \(JobOwnership.postgres(id: 11)) RETURNING 1
        """
    }

    static func progressValues(job: SyncJob, progress: SyncProgress, runner: String, now: Date) -> [any PostgresEncodable & Sendable] {
        [
            job.totalNumberOfLoans, job.totalNumberOfFeesFines, job.numberOfProcessedLoans, job.numberOfProcessedFeesFines,
            JobColumns.encodeErrors(job.errors), now, progress.phase.rawValue, progress.loans.stored,
            progress.accounts.stored, progress.eventMarker ?? -1, job.id, runner, JobColumns.encodeReport(job.audit) ?? "",
        ]
    }

    static func dropStaging(_ connection: PostgresConnection, schema s: String, jobId: UUID, logger: Logger) async throws {
        for table in ["sync_loans", "sync_fees", "sync_user_loans", "sync_user_fees"] {
            try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).\(table) WHERE job_id = $1", binds: try PostgresBindings.values(jobId)), logger: logger)
        }
        try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).sync_graces WHERE job_id = $1", binds: try PostgresBindings.values(jobId)), logger: logger)
    }

    /// Empties the staging tables outright, where the caller has just checked in its transaction
    /// that it still runs its job: a tenant runs one job at a time, so any other staged row is an
    /// earlier job's leftover. Unlike a `DELETE` of a million rows it writes no row to the WAL and
    /// leaves nothing for autovacuum to clean up behind the run.
    static func truncateStaging(_ connection: PostgresConnection, schema s: String, tables: [String], logger: Logger) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: "TRUNCATE " + tables.map { "\(s).\($0)" }.joined(separator: ", ")), logger: logger)
    }

    private func affected(_ client: PostgresClient, _ query: PostgresQuery) async throws -> Bool {
        for try await _ in try await client.query(query, logger: logger) { return true }
        return false
    }
}
