import Foundation
import SQLite

/// Drift audits' comparisons in the SQLite file.
struct SQLiteAuditStore: AuditStore {
    let database: SQLiteDatabase

    public func auditUsers(tenant: String, jobId: UUID, scope: SyncJob.Scope, after: UUID?, limit: Int) async throws -> [UUID] {
        if case .user(let user) = scope { return after == nil ? [user] : [] }
        // Each side is read by its index from `after` on, so a page costs its own size.
        return try database.read { connection in
            try connection.rows("""
                SELECT u FROM (SELECT DISTINCT user_id AS u FROM sync_user_loans WHERE tenant = ?1 AND job_id = ?2 AND user_id > ?3 ORDER BY user_id LIMIT ?4)
                UNION SELECT u FROM (SELECT DISTINCT user_id AS u FROM sync_user_fees WHERE tenant = ?1 AND job_id = ?2 AND user_id > ?3 ORDER BY user_id LIMIT ?4)
                UNION SELECT u FROM (SELECT user_id AS u FROM summaries WHERE tenant = ?1 AND user_id > ?3 ORDER BY user_id LIMIT ?4)
                ORDER BY u LIMIT ?4
                """, [.text(tenant), .text(jobId.folio), .text(after?.folio ?? ""), .integer(Int64(limit))])
                .compactMap { $0.first?.text.flatMap(UUID.init(folio:)) }
        }
    }

    public func auditUser(tenant: String, jobId: UUID, userId: UUID, eventMarker: Int64, repair: Bool, now: Date) async throws -> [DriftDifference] {
        // A report reads one snapshot (WAL): the summary and the events after the marker agree.
        // A repair goes through the one writer, which also serializes the patron's events.
        guard repair else {
            return try database.readTransaction { connection in
                try Self.audit(connection, tenant: tenant, jobId: jobId, userId: userId, eventMarker: eventMarker, repair: false).differences
            }
        }
        return try await database.write { connection in
            try connection.transaction {
                let audit = try Self.audit(connection, tenant: tenant, jobId: jobId, userId: userId, eventMarker: eventMarker, repair: true)
                if audit.writesRepair {
                    try SQLiteSummaries.store(audit.view, userId: userId, connection, tenant: tenant, at: now)
                }
                return audit.differences
            }
        }
    }

    /// The rows `DriftComparison.audit` compares: the patron's summary here, the audit's staged
    /// records and the live events after its marker.
    static func audit(_ connection: SQLiteConnection, tenant: String, jobId: UUID, userId: UUID, eventMarker: Int64, repair: Bool) throws -> DriftComparison.UserAudit {
        let here = try SQLiteSummaries.load(connection, tenant: tenant, userId: userId)
        // Through the connection's cached statements: an audit reads every patron's records.
        let bindings: [SQLiteValue] = [.text(tenant), .text(jobId.folio), .text(userId.folio)]
        var loans: [UpstreamLoan] = []
        try connection.forEachRow("SELECT \(StagedColumns.loans) FROM sync_user_loans l WHERE tenant = ? AND job_id = ? AND user_id = ? ORDER BY created_at, loan_id",
                                  bindings) { loans.append(try SQLiteStagedRows.loan($0)) }
        var fees: [UpstreamAccount] = []
        try connection.forEachRow("SELECT \(StagedColumns.fees) FROM sync_user_fees WHERE tenant = ? AND job_id = ? AND user_id = ? ORDER BY created_at, fee_fine_id",
                                  bindings) { fees.append(try SQLiteStagedRows.fee($0)) }
        let decoder = JSONDecoder()
        let live = try connection.rows("SELECT payload FROM events WHERE tenant = ? AND user_id = ? AND id > ? ORDER BY id",
                                       [.text(tenant), .text(userId.folio), .integer(eventMarker)]).map { row in
            try decoder.decode(PatronEvent.self, from: Data((row.first?.text ?? "").utf8))
        }
        return DriftComparison.audit(here: here, folio: StagedRecords.events(loans: loans, fees: fees), live: live, repair: repair, newID: UUID())
    }

    public func finishAudit(tenant: String, job: SyncJob, runner: String, now: Date) async throws -> Bool {
        try await database.write { connection in
            try connection.transaction {
                let updated = try connection.run("""
                    UPDATE sync_jobs SET status = 'done', runner = NULL, processed_loans = ?, processed_fees = ?, total_loans = ?, total_fees = ?, errors = ?, audit_report = ?
                    WHERE \(JobOwnership.sqlite)
                    """, [.integer(Int64(job.numberOfProcessedLoans)), .integer(Int64(job.numberOfProcessedFeesFines)), .integer(Int64(job.totalNumberOfLoans)),
                          .integer(Int64(job.totalNumberOfFeesFines)), .text(JobColumns.encodeErrors(job.errors)), SQLiteValue(JobColumns.encodeReport(job.audit)),
                          .text(tenant), .text(job.id.folio), .text(runner)])
                guard updated == 1 else { return false }
                try SQLiteJobStore.dropStaging(connection, tenant: tenant, jobId: job.id.folio)
                return true
            }
        }
    }

    public func scheduleAudit(_ job: SyncJob, tenant: String, notBefore: Date) async throws -> Bool {
        try await database.write { connection in
            try connection.transaction {
                let recent = try connection.rows("SELECT 1 FROM sync_jobs WHERE tenant = ? AND audit_repair IS NOT NULL AND scope = 'full' AND created_at >= ? LIMIT 1",
                                                 [.text(tenant), .real(notBefore.storedSeconds)])
                guard recent.isEmpty else { return false }
                try SQLiteJobStore.insertJob(connection, job, tenant: tenant)
                return true
            }
        }
    }
}
