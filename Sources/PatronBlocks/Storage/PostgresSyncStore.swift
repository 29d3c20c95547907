import Foundation
import PostgresNIO

/// A synchronization's staging and switch in the tenant's PostgreSQL schema.
struct PostgresSyncStore: SyncStore, PostgresStore {
    let database: PostgresHandle

    public func beginSync(tenant: String, jobId: UUID, scope: SyncJob.Scope) async throws -> Int64 {
        let s = Self.schema(tenant)
        return try await transaction { connection in
            // The marker and the grace periods are read while no event of the scope is half-way
            // through: an event is either before the marker and in the copy, or after it and replayed.
            try await Self.lockSummaries(for: Self.writer(of: scope), tenant: tenant, connection, logger: self.logger)
            try await PostgresJobStore.dropStaging(connection, schema: s, jobId: jobId, logger: self.logger)
            var sql = "INSERT INTO \(s).sync_graces (job_id, loan_id, duration, interval) SELECT $1, loan_id, grace_duration, grace_interval FROM \(s).summary_loans WHERE grace_duration IS NOT NULL"
            var bindings = try PostgresBindings.values(jobId)
            if case .user(let user) = scope {
                sql += " AND user_id = $2"
                bindings.append(user)
            }
            // A loan id held by two patrons (upstream data gone wrong) keeps one grace period.
            try await connection.query(PostgresQuery(unsafeSQL: sql + " ON CONFLICT DO NOTHING", binds: bindings), logger: self.logger)
            var marker: Int64 = 0
            for try await newest in try await connection.query(PostgresQuery(unsafeSQL: "SELECT coalesce(max(id), 0) FROM \(s).events"), logger: self.logger).decode(Int64.self) {
                marker = newest
            }
            // Kept with the job at once: the journal's pruning must not drop what it replays.
            try await connection.query(PostgresQuery(unsafeSQL: "UPDATE \(s).sync_jobs SET event_marker = $1 WHERE id = $2", binds: try PostgresBindings.values(marker, jobId)), logger: self.logger)
            return marker
        }
    }

    public func stagePage(tenant: String, jobId: UUID, events: [StagedEvent], job: SyncJob, progress: SyncProgress, runner: String, now: Date) async throws -> Bool {
        let s = Self.schema(tenant)
        let users = events.map(\.userId)
        let created = events.map(\.createdAt)
        let loans = events.map { $0.event.loanId?.folio ?? "" }
        let payloads = events.map(\.event.compact)
        return try await transaction { connection in
            guard try await PostgresJobStore.saveProgress(connection, schema: s, job: job, progress: progress, runner: runner, now: now, logger: self.logger) else { return false }
            if !events.isEmpty {
                // One statement per page; WITH ORDINALITY keeps the page's order in seq.
                try await connection.query(PostgresQuery(unsafeSQL: """
                    INSERT INTO \(s).sync_events (job_id, user_id, created_at, loan_id, payload)
                    SELECT $1, u, c, NULLIF(l, '')::uuid, p FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::text[]) WITH ORDINALITY AS t(u, c, l, p, n) ORDER BY n
                    """, binds: try PostgresBindings.values(jobId, users, created, loans, payloads)), logger: self.logger)
            }
            return true
        }
    }

    public func finishSync(tenant: String, job: SyncJob, eventMarker: Int64, runner: String, now: Date) async throws -> Bool {
        let s = Self.schema(tenant)
        return try await transaction { connection in
            // Locks first, in every writer's order: live events of the scope wait while the
            // summaries are switched, and none is lost: those committed before are replayed
            // below, the others apply after. No table lock, so no event can hold one the switch
            // waits for.
            try await Self.lockSummaries(for: Self.writer(of: job.scope), tenant: tenant, connection, logger: self.logger)
            let owned = try await connection.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(s).sync_jobs WHERE id = $1 AND runner = $2 AND status = 'in-progress' FOR UPDATE",
                                                                 binds: try PostgresBindings.values(job.id, runner)), logger: self.logger)
            var mine = false
            for try await _ in owned { mine = true }
            guard mine else { return false }
            var filter = ""
            var userBind: UUID?
            if case .user(let user) = job.scope {
                filter = " WHERE user_id = $1"
                userBind = user
            }
            for table in ["summary_loans", "summary_fees", "summaries"] {
                try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).\(table)\(filter)", binds: try userBind.map { try PostgresBindings.values($0) } ?? PostgresBindings()), logger: self.logger)
            }
            // Rebuild from the staged events in chunks (one connection cannot stream and write at
            // once), patron by patron, in creation order, each loan with its grace period.
            let decoder = JSONDecoder()
            var after: (UUID, PostgresTimestamp, Int64)?
            var rebuild = SummaryRebuild()
            var built: [UserSummary] = []
            func flush() async throws {
                guard !built.isEmpty else { return }
                try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(s).summaries (user_id, id, updated_at) SELECT u, i, $3 FROM unnest($1::uuid[], $2::uuid[]) AS t(u, i)",
                                                         binds: try PostgresBindings.values(built.map(\.userId), built.map(\.id), now)), logger: self.logger)
                try await PostgresSummaries.insertRows(built, connection, schema: s, logger: self.logger)
                built.removeAll(keepingCapacity: true)
            }
            while true {
                var sql = """
                    SELECT e.user_id, e.created_at, e.seq, e.payload, g.duration, g.interval FROM \(s).sync_events e
                    LEFT JOIN \(s).sync_graces g ON g.job_id = e.job_id AND g.loan_id = e.loan_id
                    WHERE e.job_id = $1
                    """
                var bindings = try PostgresBindings.values(job.id)
                if let after {
                    sql += " AND (e.user_id, e.created_at, e.seq) > ($2, $3, $4)"
                    bindings.append(after.0); bindings.append(after.1); bindings.append(after.2)
                }
                sql += " ORDER BY e.user_id, e.created_at, e.seq LIMIT 5000"
                var rows: [(UUID, PostgresTimestamp, Int64, String, Int?, String?)] = []
                for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: self.logger).decode((UUID, PostgresTimestamp, Int64, String, Int?, String?).self) {
                    rows.append(row)
                }
                for (user, created, seq, payload, duration, interval) in rows {
                    after = (user, created, seq)
                    let event = try PatronEvent(staged: payload)
                    if let finished = rebuild.add(event, of: user, grace: GracePeriod(stored: duration, interval), newID: UUID()) { built.append(finished) }
                }
                if built.count >= 1000 { try await flush() }
                if rows.count < 5000 { break }
            }
            if let finished = rebuild.finish() { built.append(finished) }
            try await flush()
            // Live events since the synchronization began, on top, in order.
            var liveSQL = "SELECT payload FROM \(s).events WHERE id > $1"
            var liveBindings = try PostgresBindings.values(eventMarker)
            if let userBind {
                liveSQL += " AND user_id = $2"
                liveBindings.append(userBind)
            }
            var live: [String] = []
            for try await payload in try await connection.query(PostgresQuery(unsafeSQL: liveSQL + " ORDER BY id", binds: liveBindings), logger: self.logger).decode(String.self) {
                live.append(payload)
            }
            for payload in live {
                try await PostgresSummaries.apply(try decoder.decode(PatronEvent.self, from: Data(payload.utf8)), connection, schema: s, tenant: tenant, at: now, storeEvent: false, logger: self.logger)
            }
            var deleteEvents = "DELETE FROM \(s).events WHERE id <= $1"
            var deleteBindings = try PostgresBindings.values(eventMarker)
            if let userBind {
                deleteEvents += " AND user_id = $2"
                deleteBindings.append(userBind)
            }
            try await connection.query(PostgresQuery(unsafeSQL: deleteEvents, binds: deleteBindings), logger: self.logger)
            try await connection.query(PostgresQuery(unsafeSQL: """
                UPDATE \(s).sync_jobs SET status = 'done', runner = NULL, processed_loans = $1, processed_fees = $2, total_loans = $3, total_fees = $4, errors = $5 WHERE id = $6
                """, binds: try PostgresBindings.values(job.numberOfProcessedLoans, job.numberOfProcessedFeesFines, job.totalNumberOfLoans,
                                                           job.totalNumberOfFeesFines, JobColumns.encodeErrors(job.errors), job.id)), logger: self.logger)
            try await PostgresJobStore.dropStaging(connection, schema: s, jobId: job.id, logger: self.logger)
            return true
        }
    }

    /// Whose locks a synchronization of `scope` takes.
    static func writer(of scope: SyncJob.Scope) -> PostgresHandle.SummaryWriter {
        switch scope {
        case .full: .wholeTenant
        case .user(let user): .patron(user)
        }
    }

    public func failSync(tenant: String, job: SyncJob, runner: String, now: Date) async throws {
        let s = Self.schema(tenant)
        try await transaction { connection in
            try await connection.query(PostgresQuery(unsafeSQL: """
                UPDATE \(s).sync_jobs SET status = 'failed', runner = NULL, errors = $1, processed_loans = $2, processed_fees = $3, total_loans = $4, total_fees = $5
                WHERE id = $6 AND runner = $7
                """, binds: try PostgresBindings.values(JobColumns.encodeErrors(job.errors), job.numberOfProcessedLoans, job.numberOfProcessedFeesFines,
                                                           job.totalNumberOfLoans, job.totalNumberOfFeesFines, job.id, runner)), logger: self.logger)
            try await PostgresJobStore.dropStaging(connection, schema: s, jobId: job.id, logger: self.logger)
        }
    }

    public func pruneEvents(tenant: String) async throws -> Int {
        let s = Self.schema(tenant)
        return try await transaction { connection in
            // The tenant lock alone, as a full switch takes it: no job's beginning (which stores
            // its marker) is half-way through, so every marker to keep is visible.
            try await Self.lockSummaries(for: .wholeTenant, tenant: tenant, connection, logger: self.logger)
            var deleted = 0
            for try await _ in try await connection.query(PostgresQuery(unsafeSQL: """
                DELETE FROM \(s).events WHERE id <= coalesce(
                    (SELECT min(event_marker) FROM \(s).sync_jobs WHERE status IN ('open', 'in-progress') AND event_marker IS NOT NULL),
                    (SELECT max(id) FROM \(s).events))
                RETURNING 1
                """), logger: self.logger) {
                deleted += 1
            }
            return deleted
        }
    }
}
