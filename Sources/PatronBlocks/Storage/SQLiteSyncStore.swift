import Foundation
import SQLite

/// A synchronization's staging and switch in the SQLite file.
struct SQLiteSyncStore: SyncStore {
    let database: SQLiteDatabase

    public func beginSync(tenant: String, jobId: UUID, scope: SyncJob.Scope) async throws -> Int64 {
        try await database.write { connection in
            try connection.transaction {
                try SQLiteJobStore.dropStaging(connection, tenant: tenant, jobId: jobId.folio)
                var sql = "INSERT INTO sync_graces (tenant, job_id, loan_id, duration, interval) SELECT tenant, ?, loan_id, grace_duration, grace_interval FROM summary_loans WHERE tenant = ? AND grace_duration IS NOT NULL"
                var bindings: [SQLiteValue] = [.text(jobId.folio), .text(tenant)]
                if case .user(let user) = scope {
                    sql += " AND user_id = ?"
                    bindings.append(.text(user.folio))
                }
                // A loan id held by two patrons (upstream data gone wrong) keeps one grace period.
                _ = try connection.run(sql + " ON CONFLICT DO NOTHING", bindings)
                let marker = try connection.rows("SELECT coalesce(max(id), 0) FROM events WHERE tenant = ?", [.text(tenant)]).first?.first?.integer ?? 0
                // Kept with the job at once: the journal's pruning must not drop what it replays.
                try connection.run("UPDATE sync_jobs SET event_marker = ? WHERE tenant = ? AND id = ?", [.integer(marker), .text(tenant), .text(jobId.folio)])
                return marker
            }
        }
    }

    public func stagePage(tenant: String, jobId: UUID, events: [StagedEvent], job: SyncJob, progress: SyncProgress, runner: String, now: Date) async throws -> Bool {
        let payloads = events.map(\.event.compact)
        return try await database.write { connection in
            try connection.transaction {
                guard try SQLiteJobStore.saveProgress(connection, tenant: tenant, job: job, progress: progress, runner: runner, now: now) else { return false }
                var seq = try connection.rows("SELECT coalesce(max(seq), 0) FROM sync_events WHERE tenant = ? AND job_id = ?", [.text(tenant), .text(jobId.folio)]).first?.first?.integer ?? 0
                let insert = try connection.prepare("INSERT INTO sync_events (tenant, job_id, seq, user_id, created_at, loan_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?)")
                for (event, payload) in zip(events, payloads) {
                    seq += 1
                    try insert.bind([.text(tenant), .text(jobId.folio), .integer(seq), .text(event.userId.folio), .real(event.createdAt.storedSeconds),
                                     SQLiteValue(event.event.loanId?.folio), .text(payload)])
                    _ = try insert.step()
                }
                return true
            }
        }
    }

    public func finishSync(tenant: String, job: SyncJob, eventMarker: Int64, runner: String, now: Date) async throws -> Bool {
        try await database.write { connection in
            try connection.transaction {
                // The claim is checked inside the switch: a runner that lost its job changes nothing.
                let owned = try connection.rows("SELECT 1 FROM sync_jobs WHERE tenant = ? AND id = ? AND runner = ? AND status = 'in-progress'",
                                                [.text(tenant), .text(job.id.folio), .text(runner)])
                guard !owned.isEmpty else { return false }
                let jobID = job.id.folio
                // 1. The scope's summaries go; their journal up to the marker too.
                var userFilter = ""
                var scopeBindings: [SQLiteValue] = [.text(tenant)]
                if case .user(let user) = job.scope {
                    userFilter = " AND user_id = ?"
                    scopeBindings.append(.text(user.folio))
                }
                for table in ["summary_loans", "summary_fees", "summaries"] {
                    try connection.run("DELETE FROM \(table) WHERE tenant = ?\(userFilter)", scopeBindings)
                }
                try connection.run("DELETE FROM events WHERE tenant = ? AND id <= ?\(userFilter)", [.text(tenant), .integer(eventMarker)] + scopeBindings.dropFirst())
                // 2. Rebuilt from the staged events, patron by patron, in creation order (stable),
                //    each loan with the grace period it had.
                let staged = try connection.prepare("""
                    SELECT e.user_id, e.payload, g.duration, g.interval FROM sync_events e
                    LEFT JOIN sync_graces g ON g.tenant = e.tenant AND g.job_id = e.job_id AND g.loan_id = e.loan_id
                    WHERE e.tenant = ? AND e.job_id = ? ORDER BY e.user_id, e.created_at, e.seq
                    """)
                try staged.bind([.text(tenant), .text(jobID)])
                var rebuild = SummaryRebuild()
                func insert(_ summary: UserSummary?) throws {
                    if let summary {
                        try connection.run("INSERT INTO summaries (tenant, user_id, id, updated_at) VALUES (?, ?, ?, ?)",
                                           [.text(tenant), .text(summary.userId.folio), .text(summary.id.folio), .real(now.storedSeconds)])
                        try SQLiteSummaries.insertRows(summary, connection, tenant: tenant)
                    }
                }
                let decoder = JSONDecoder()
                while try staged.step() {
                    guard let user = staged.text(at: 0).flatMap(UUID.init(folio:)), let payload = staged.text(at: 1) else { continue }
                    let event = try PatronEvent(staged: payload)
                    try insert(rebuild.add(event, of: user, grace: GracePeriod(stored: staged.integer(at: 2).map(Int.init), staged.text(at: 3)), newID: UUID()))
                }
                try insert(rebuild.finish())
                // 3. Live events that arrived while the synchronization ran, on top, in order.
                let live = try connection.rows("SELECT payload FROM events WHERE tenant = ? AND id > ?\(userFilter) ORDER BY id",
                                               [.text(tenant), .integer(eventMarker)] + scopeBindings.dropFirst())
                for row in live {
                    guard let payload = row.first?.text else { continue }
                    try SQLiteSummaries.apply(try decoder.decode(PatronEvent.self, from: Data(payload.utf8)), connection, tenant: tenant, at: now, storeEvent: false)
                }
                // 4. Done.
                var finished = job
                finished.status = .done
                try connection.run("UPDATE sync_jobs SET status = 'done', runner = NULL, processed_loans = ?, processed_fees = ?, total_loans = ?, total_fees = ?, errors = ? WHERE tenant = ? AND id = ?",
                                   [.integer(Int64(job.numberOfProcessedLoans)), .integer(Int64(job.numberOfProcessedFeesFines)), .integer(Int64(job.totalNumberOfLoans)),
                                    .integer(Int64(job.totalNumberOfFeesFines)), .text(JobColumns.encodeErrors(job.errors)), .text(tenant), .text(jobID)])
                try SQLiteJobStore.dropStaging(connection, tenant: tenant, jobId: jobID)
                return true
            }
        }
    }

    public func failSync(tenant: String, job: SyncJob, runner: String, now: Date) async throws {
        try await database.write { connection in
            try connection.transaction {
                try connection.run("UPDATE sync_jobs SET status = 'failed', runner = NULL, errors = ?, processed_loans = ?, processed_fees = ?, total_loans = ?, total_fees = ? WHERE tenant = ? AND id = ? AND runner = ?",
                                   [.text(JobColumns.encodeErrors(job.errors)), .integer(Int64(job.numberOfProcessedLoans)), .integer(Int64(job.numberOfProcessedFeesFines)),
                                    .integer(Int64(job.totalNumberOfLoans)), .integer(Int64(job.totalNumberOfFeesFines)), .text(tenant), .text(job.id.folio), .text(runner)])
                try SQLiteJobStore.dropStaging(connection, tenant: tenant, jobId: job.id.folio)
            }
        }
    }

    public func pruneEvents(tenant: String) async throws -> Int {
        try await database.write { connection in
            try connection.run("""
                DELETE FROM events WHERE tenant = ? AND id <= coalesce(
                    (SELECT min(event_marker) FROM sync_jobs WHERE tenant = ? AND status IN ('open', 'in-progress') AND event_marker IS NOT NULL),
                    (SELECT max(id) FROM events WHERE tenant = ?))
                """, [.text(tenant), .text(tenant), .text(tenant)])
        }
    }
}
