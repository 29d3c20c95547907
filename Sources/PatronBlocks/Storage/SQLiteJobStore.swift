import Foundation
import SQLite

/// Synchronization and audit jobs in the SQLite file; the job rows' helpers serve the sync and
/// audit stores too.
struct SQLiteJobStore: JobStore {
    let database: SQLiteDatabase

    static let jobColumns = "id, scope, user_id, status, total_loans, total_fees, processed_loans, processed_fees, errors, created_at, phase, loan_cursors, account_cursors, event_marker, runner, attempts, audit_repair, audit_report"

    public func createJob(_ job: SyncJob, tenant: String) async throws {
        try await database.write { connection in
            try Self.insertJob(connection, job, tenant: tenant)
        }
    }

    static func insertJob(_ connection: SQLiteConnection, _ job: SyncJob, tenant: String) throws {
        let (scope, user) = JobColumns.scopeColumns(job.scope)
        try connection.run("INSERT INTO sync_jobs (tenant, id, scope, user_id, status, created_at, audit_repair, audit_report) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           [.text(tenant), .text(job.id.folio), .text(scope), SQLiteValue(user), .text(job.status.rawValue), .real(job.createdAt.storedSeconds),
                            SQLiteValue(job.audit.map { $0.repair ? 1 : 0 }), SQLiteValue(JobColumns.encodeReport(job.audit))])
    }

    public func job(tenant: String, id: UUID) async throws -> SyncJob? {
        try database.read { connection in
            try connection.rows("SELECT \(Self.jobColumns) FROM sync_jobs WHERE tenant = ? AND id = ?", [.text(tenant), .text(id.folio)]).first.map { try Self.decodeJob($0).job }
        }
    }

    public func claimNextJob(tenant: String, runner: String, now: Date, lease: TimeInterval, maxAttempts: Int) async throws -> ClaimOutcome {
        let rules = JobLease(duration: lease, maxAttempts: maxAttempts)
        return try await database.write { connection in
            try connection.transaction {
                let inProgress = try connection.rows("SELECT id, heartbeat_at, attempts, errors FROM sync_jobs WHERE tenant = ? AND status = 'in-progress'", [.text(tenant)])
                    .compactMap { row in
                        row[0].text.flatMap(UUID.init(folio:)).map {
                            JobLease.Holder(jobId: $0, heartbeat: row[1].real.map(Date.init(storedSeconds:)), attempts: Int(row[2].integer ?? 0),
                                            errors: JobColumns.decodeErrors(row[3].text))
                        }
                    }
                guard case .takeBack(let takeBacks) = rules.review(inProgress: inProgress, now: now) else { return .busy }
                for takeBack in takeBacks {
                    switch takeBack {
                    case .reopen(let id):
                        try connection.run("UPDATE sync_jobs SET status = 'open', runner = NULL WHERE tenant = ? AND id = ?", [.text(tenant), .text(id.folio)])
                    case .fail(let id, let errors):
                        try connection.run("UPDATE sync_jobs SET status = 'failed', runner = NULL, errors = ? WHERE tenant = ? AND id = ?",
                                           [.text(JobColumns.encodeErrors(errors)), .text(tenant), .text(id.folio)])
                        try Self.dropStaging(connection, tenant: tenant, jobId: id.folio)
                    }
                }
                guard let row = try connection.rows("SELECT \(Self.jobColumns) FROM sync_jobs WHERE tenant = ? AND status = 'open' ORDER BY created_at, id LIMIT 1", [.text(tenant)]).first else {
                    return .nothingToDo
                }
                let (job, progress, _, attempts) = try Self.decodeJob(row)
                let claimed = rules.claim(job, progress: progress, attempts: attempts, runner: runner)
                try connection.run("UPDATE sync_jobs SET status = ?, runner = ?, heartbeat_at = ?, attempts = ? WHERE tenant = ? AND id = ?",
                                   [.text(claimed.job.status.rawValue), .text(runner), .real(now.storedSeconds), .integer(Int64(claimed.attempt)), .text(tenant), .text(job.id.folio)])
                return .claimed(claimed)
            }
        }
    }

    public func heartbeat(tenant: String, jobId: UUID, runner: String, now: Date) async throws -> Bool {
        try await database.write { connection in
            try connection.run("UPDATE sync_jobs SET heartbeat_at = ? WHERE \(JobOwnership.sqlite)",
                               [.real(now.storedSeconds), .text(tenant), .text(jobId.folio), .text(runner)]) == 1
        }
    }

    public func saveProgress(tenant: String, job: SyncJob, progress: SyncProgress, runner: String, now: Date) async throws -> Bool {
        try await database.write { connection in
            try Self.saveProgress(connection, tenant: tenant, job: job, progress: progress, runner: runner, now: now)
        }
    }

    public func release(tenant: String, jobId: UUID, runner: String) async throws {
        try await database.write { connection in
            _ = try connection.run("UPDATE sync_jobs SET status = 'open', runner = NULL WHERE \(JobOwnership.sqlite)",
                                   [.text(tenant), .text(jobId.folio), .text(runner)])
        }
    }

    static func saveProgress(_ connection: SQLiteConnection, tenant: String, job: SyncJob, progress: SyncProgress, runner: String, now: Date) throws -> Bool {
        try connection.run("""
            UPDATE sync_jobs SET total_loans = ?, total_fees = ?, processed_loans = ?, processed_fees = ?, errors = ?, heartbeat_at = ?,
                phase = ?, loan_cursors = ?, account_cursors = ?, event_marker = ?, audit_report = ?
            WHERE \(JobOwnership.sqlite)
            """, [
                .integer(Int64(job.totalNumberOfLoans)), .integer(Int64(job.totalNumberOfFeesFines)), .integer(Int64(job.numberOfProcessedLoans)),
                .integer(Int64(job.numberOfProcessedFeesFines)), .text(JobColumns.encodeErrors(job.errors)), .real(now.storedSeconds),
                .text(progress.phase.rawValue), .text(progress.loans.stored), .text(progress.accounts.stored),
                SQLiteValue(progress.eventMarker.map(Int.init)), SQLiteValue(JobColumns.encodeReport(job.audit)), .text(tenant), .text(job.id.folio), .text(runner),
            ]) == 1
    }

    static func dropStaging(_ connection: SQLiteConnection, tenant: String, jobId: String) throws {
        for table in ["sync_loans", "sync_fees", "sync_user_loans", "sync_user_fees"] {
            try connection.run("DELETE FROM \(table) WHERE tenant = ? AND job_id = ?", [.text(tenant), .text(jobId)])
        }
        try connection.run("DELETE FROM sync_graces WHERE tenant = ? AND job_id = ?", [.text(tenant), .text(jobId)])
    }

    static func decodeJob(_ row: [SQLiteValue]) throws -> (job: SyncJob, progress: SyncProgress, runner: String?, attempts: Int) {
        guard let id = row[0].text.flatMap(UUID.init(folio:)) else { throw UnreadableJobRow(job: row[0].text ?? "", column: "id", value: row[0].text) }
        let scope = try JobColumns.decodeScope(row[1].text, userId: row[2].text, job: id.folio)
        var job = SyncJob(id: id, scope: scope, status: row[3].text.flatMap(SyncJob.Status.init(rawValue:)) ?? .open,
                          createdAt: Date(storedSeconds: row[9].real ?? 0))
        job.totalNumberOfLoans = Int(row[4].integer ?? 0)
        job.totalNumberOfFeesFines = Int(row[5].integer ?? 0)
        job.numberOfProcessedLoans = Int(row[6].integer ?? 0)
        job.numberOfProcessedFeesFines = Int(row[7].integer ?? 0)
        job.errors = JobColumns.decodeErrors(row[8].text)
        var progress = SyncProgress()
        progress.phase = row[10].text.flatMap(SyncProgress.Phase.init(rawValue:)) ?? .starting
        progress.loans = try JobColumns.decodeCursors(row[11].text, column: "loan_cursors", job: id.folio)
        progress.accounts = try JobColumns.decodeCursors(row[12].text, column: "account_cursors", job: id.folio)
        progress.eventMarker = row[13].integer
        if let repair = row[16].integer {
            job.audit = JobColumns.decodeAudit(repair: repair == 1, report: row[17].text)
        }
        return (job, progress, row[14].text, Int(row[15].integer ?? 0))
    }
}

