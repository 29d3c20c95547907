import Foundation
import PostgresNIO

/// Drift audits' comparisons in the tenant's PostgreSQL schema.
struct PostgresAuditStore: AuditStore, PostgresStore {
    let database: PostgresHandle

    public func auditUsers(tenant: String, jobId: UUID, scope: SyncJob.Scope, after: UUID?, limit: Int) async throws -> [UUID] {
        if case .user(let user) = scope { return after == nil ? [user] : [] }
        let s = Self.schema(tenant)
        // Each side is read by its index from `after` on, so a page costs its own size.
        let rows = try await client.query(PostgresQuery(unsafeSQL: """
            (SELECT DISTINCT user_id FROM \(s).sync_user_loans WHERE job_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3)
            UNION (SELECT DISTINCT user_id FROM \(s).sync_user_fees WHERE job_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3)
            UNION (SELECT user_id FROM \(s).summaries WHERE user_id > $2 ORDER BY user_id LIMIT $3)
            ORDER BY 1 LIMIT $3
            """, binds: try PostgresBindings.values(jobId, after ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), limit)), logger: logger)
        var users: [UUID] = []
        for try await user in rows.decode(UUID.self) { users.append(user) }
        return users
    }

    public func auditUser(tenant: String, jobId: UUID, userId: UUID, eventMarker: Int64, repair: Bool, now: Date) async throws -> [DriftDifference] {
        let s = Self.schema(tenant)
        return try await transaction { connection in
            // The patron's lock, in every writer's order: no event of the patron is half-way
            // through while the summary, the events after the marker and the repair are read
            // and written.
            try await Self.lockSummaries(for: .patron(userId), tenant: tenant, connection, logger: self.logger)
            let (here, version) = try await PostgresSummaries.loadVersioned(connection, tenant: tenant, userId: userId, logger: self.logger)
            var loans: [UpstreamLoan] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT \(StagedColumns.loans) FROM \(s).sync_user_loans l WHERE job_id = $1 AND user_id = $2 ORDER BY created_at, loan_id
                """, binds: try PostgresBindings.values(jobId, userId)), logger: self.logger) {
                loans.append(try PostgresStagedRows.loan(row))
            }
            var fees: [UpstreamAccount] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT \(StagedColumns.fees) FROM \(s).sync_user_fees WHERE job_id = $1 AND user_id = $2 ORDER BY created_at, fee_fine_id
                """, binds: try PostgresBindings.values(jobId, userId)), logger: self.logger) {
                fees.append(try PostgresStagedRows.fee(row))
            }
            var live: [PatronEvent] = []
            let decoder = JSONDecoder()
            for try await payload in try await connection.query(PostgresQuery(unsafeSQL: "SELECT payload FROM \(s).events WHERE user_id = $1 AND id > $2 ORDER BY id",
                                                                              binds: try PostgresBindings.values(userId, eventMarker)), logger: self.logger).decode(String.self) {
                live.append(try decoder.decode(PatronEvent.self, from: Data(payload.utf8)))
            }
            let audit = DriftComparison.audit(here: here, folio: StagedRecords.events(loans: loans, fees: fees), live: live, repair: repair, newID: UUID())
            if audit.writesRepair {
                try await PostgresSummaries.store(audit.view, over: here, userId: userId, version: version, connection, tenant: tenant, at: now, logger: self.logger)
            }
            return audit.differences
        }
    }

    public func finishAudit(tenant: String, job: SyncJob, runner: String, now: Date) async throws -> Bool {
        let s = Self.schema(tenant)
        return try await transaction { connection in
            let bindings = try PostgresBindings.values(job.numberOfProcessedLoans, job.numberOfProcessedFeesFines, job.totalNumberOfLoans, job.totalNumberOfFeesFines,
                                                          JobColumns.encodeErrors(job.errors), JobColumns.encodeReport(job.audit) ?? "", job.id, runner)
            var finished = false
            for try await _ in try await connection.query(PostgresQuery(unsafeSQL: """
                UPDATE \(s).sync_jobs SET status = 'done', runner = NULL, processed_loans = $1, processed_fees = $2, total_loans = $3, total_fees = $4, errors = $5,
                    audit_report = NULLIF($6, '')
                WHERE \(JobOwnership.postgres(id: 7)) RETURNING 1
                """, binds: bindings), logger: self.logger) {
                finished = true
            }
            guard finished else { return false }
            try await PostgresJobStore.dropStaging(connection, schema: s, jobId: job.id, logger: self.logger)
            return true
        }
    }

    public func scheduleAudit(_ job: SyncJob, tenant: String, notBefore: Date) async throws -> Bool {
        let s = Self.schema(tenant)
        return try await transaction { connection in
            // Schedulers of every instance take turns, so only one of them creates the audit.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("audit-schedule:" + tenant), 0))", logger: self.logger)
            for try await _ in try await connection.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(s).sync_jobs WHERE audit_repair IS NOT NULL AND scope = 'full' AND created_at >= $1 LIMIT 1",
                                                                        binds: try PostgresBindings.values(notBefore)), logger: self.logger) {
                return false
            }
            try await PostgresJobStore.insertJob(connection, job, schema: s, logger: self.logger)
            return true
        }
    }
}
