import Foundation
import Logging
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

    /// One statement, so one round trip and atomic on its own: the progress is written under
    /// the job's ownership and the page inserted only when that write found the job still the
    /// runner's. Pages are stored one after another while the slices' next pages are fetched, so
    /// a page's round trips are the paging's pace.
    public func stagePage(tenant: String, jobId: UUID, page: StagedPage, job: SyncJob, progress: SyncProgress, runner: String, now: Date) async throws -> Bool {
        let s = Self.schema(tenant)
        let update = PostgresJobStore.progressUpdate(schema: s)
        var values = PostgresJobStore.progressValues(job: job, progress: progress, runner: runner, now: now)
        var sql = update
        func staging(_ insert: String) -> String {
            """
            WITH progress AS (\(update)),
            staged AS (\(insert) WHERE EXISTS (SELECT 1 FROM progress))
            SELECT 1 FROM progress
            """
        }
        switch page {
        case .loans(let loans) where !loans.isEmpty:
            sql = staging("""
                INSERT INTO \(s).sync_loans (job_id, user_id, created_at, loan_id, due_date, item_status, recall)
                SELECT $11, u, c, l, d, NULLIF(st, ''), r FROM unnest($14::uuid[], $15::timestamptz[], $16::uuid[], $17::timestamptz[], $18::text[], $19::bool[]) AS t(u, c, l, d, st, r)
                """)
            values += [loans.map(\.userId), loans.map(\.stagingTime), loans.map(\.id), loans.map(\.dueDate), loans.map { $0.itemStatus ?? "" }, loans.map(\.dueDateChangedByRecall)]
        case .accounts(let fees) where !fees.isEmpty:
            sql = staging("""
                INSERT INTO \(s).sync_fees (job_id, user_id, created_at, fee_fine_id, fee_fine_type_id, loan_id, balance)
                SELECT $11, u, c, f, NULLIF(t, '')::uuid, NULLIF(l, '')::uuid, b FROM unnest($14::uuid[], $15::timestamptz[], $16::uuid[], $17::text[], $18::text[], $19::text[]) AS x(u, c, f, t, l, b)
                """)
            values += [fees.map(\.userId), fees.map(\.stagingTime), fees.map(\.id), fees.map { $0.feeFineId?.folio ?? "" },
                       fees.map { $0.loanId?.folio ?? "" }, fees.map { "\($0.remaining)" }]
        default:
            break
        }
        let statement = PostgresQuery(unsafeSQL: sql, binds: try PostgresBindings.values(values))
        return try await PostgresConflicts.retrying(logger: logger) {
            for try await _ in try await client.query(statement, logger: logger) { return true }
            return false
        }
    }

    public func sealStaging(tenant: String, jobId: UUID, job: SyncJob, progress: SyncProgress, runner: String, now: Date) async throws -> Bool {
        let s = Self.schema(tenant)
        return try await transaction { connection in
            guard try await PostgresJobStore.saveProgress(connection, schema: s, job: job, progress: progress, runner: runner, now: now, logger: self.logger) else { return false }
            // A synchronization reads its records once, in patron order, at the switch, where
            // PostgreSQL sorts them as it reads (one sort, instead of writing every record a
            // second time in key order and deleting the first). A drift audit reads them patron
            // by patron: they go into the tables keyed by patron, one sort each, written in key
            // order. A loan staged twice is the same loan.
            guard job.audit != nil else { return true }
            for sql in [
                """
                INSERT INTO \(s).sync_user_loans (job_id, user_id, created_at, loan_id, due_date, item_status, recall)
                SELECT job_id, user_id, created_at, loan_id, due_date, item_status, recall FROM \(s).sync_loans WHERE job_id = $1
                ORDER BY user_id, created_at, loan_id ON CONFLICT DO NOTHING
                """,
                """
                INSERT INTO \(s).sync_user_fees (job_id, user_id, created_at, fee_fine_id, fee_fine_type_id, loan_id, balance)
                SELECT job_id, user_id, created_at, fee_fine_id, fee_fine_type_id, loan_id, balance FROM \(s).sync_fees WHERE job_id = $1
                ORDER BY user_id, created_at, fee_fine_id ON CONFLICT DO NOTHING
                """,
            ] {
                try await connection.query(PostgresQuery(unsafeSQL: sql, binds: try PostgresBindings.values(jobId)), logger: self.logger)
            }
            try await PostgresJobStore.truncateStaging(connection, schema: s, tables: ["sync_loans", "sync_fees"], logger: self.logger)
            return true
        }
    }

    public func finishSync(tenant: String, job: SyncJob, eventMarker: Int64, runner: String, now: Date) async throws -> Bool {
        // The database notifies what the switch wrote; this instance need not wait to read it.
        defer {
            switch job.scope {
            case .full: database.summaryCache?.changed(tenant: tenant)
            case .user(let user): database.summaryCache?.changed(SummaryCache.Key(tenant: tenant, userId: user))
            }
        }
        // The staged records' readers are leased before the switch takes the tenant lock: live
        // events waiting for that lock may hold every other connection of the pool meanwhile.
        return try await client.withConnection { loanReader in
            try await client.withConnection { feeReader in
                try await switchSummaries(tenant: tenant, job: job, eventMarker: eventMarker, runner: runner, now: now, loanReader: loanReader, feeReader: feeReader)
            }
        }
    }

    private func switchSummaries(tenant: String, job: SyncJob, eventMarker: Int64, runner: String, now: Date,
                                 loanReader: PostgresConnection, feeReader: PostgresConnection) async throws -> Bool {
        let s = Self.schema(tenant)
        return try await transaction { connection in
            // Locks first, in every writer's order: live events of the scope wait while the
            // summaries are switched, and none is lost: those committed before are replayed
            // below, the others apply after. No table lock, so no event can hold one the switch
            // waits for.
            try await Self.lockSummaries(for: Self.writer(of: job.scope), tenant: tenant, connection, logger: self.logger)
            let owned = try await connection.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(s).sync_jobs WHERE \(JobOwnership.postgres(id: 1)) FOR UPDATE",
                                                                 binds: try PostgresBindings.values(job.id, runner)), logger: self.logger)
            var mine = false
            for try await _ in owned { mine = true }
            guard mine else { return false }
            var filter = ""
            var userBind: UUID?
            if case .user(let user) = job.scope {
                filter = " WHERE user_id = $1"
                userBind = user
            } else {
                // Every summary is rewritten: one notification for the tenant, not one per patron.
                try await PostgresSummaryNotifications.beginBulkWrite(connection, logger: self.logger)
                try await PostgresSummaryNotifications.notifyTenantChanged(tenant, connection, logger: self.logger)
            }
            for table in ["summary_loans", "summary_fees", "summaries"] {
                try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).\(table)\(filter)", binds: try userBind.map { try PostgresBindings.values($0) } ?? PostgresBindings()), logger: self.logger)
            }
            // Rebuilt from FOLIO's staged records, patron by patron, each loan with its grace
            // period. The records stream from the two readers while the summaries built so far
            // are written here, a batch in flight while the next is built: reading, building and
            // writing overlap instead of taking turns on one connection.
            // The records are in the paging tables (sorted here) or, staged by an earlier version
            // or for an audit, already in the tables keyed by patron: both are read.
            let loanColumns = "job_id, user_id, loan_id, created_at, due_date, item_status, recall"
            var loans = PostgresStagedRows.Stream(try await loanReader.query(PostgresQuery(unsafeSQL: """
                SELECT \(StagedColumns.loans), g.duration, g.interval FROM (
                    SELECT \(loanColumns) FROM \(s).sync_loans WHERE job_id = $1
                    UNION ALL
                    SELECT \(loanColumns) FROM \(s).sync_user_loans WHERE job_id = $1) l
                LEFT JOIN \(s).sync_graces g ON g.job_id = l.job_id AND g.loan_id = l.loan_id
                ORDER BY l.user_id, l.created_at, l.loan_id
                """, binds: try PostgresBindings.values(job.id)), logger: self.logger), decode: PostgresStagedRows.loanWithGrace)
            var fees = PostgresStagedRows.Stream(try await feeReader.query(PostgresQuery(unsafeSQL: """
                SELECT \(StagedColumns.fees) FROM (
                    SELECT \(StagedColumns.fees) FROM \(s).sync_fees WHERE job_id = $1
                    UNION ALL
                    SELECT \(StagedColumns.fees) FROM \(s).sync_user_fees WHERE job_id = $1) f
                ORDER BY user_id, created_at, fee_fine_id
                """, binds: try PostgresBindings.values(job.id)), logger: self.logger), decode: PostgresStagedRows.fee)
            let logger = self.logger
            @Sendable func write(_ built: [UserSummary]) async throws {
                guard !built.isEmpty else { return }
                try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(s).summaries (user_id, id, updated_at) SELECT u, i, $3 FROM unnest($1::uuid[], $2::uuid[]) AS t(u, i)",
                                                         binds: try PostgresBindings.values(built.map(\.userId), built.map(\.id), now)), logger: logger)
                try await PostgresSummaries.insertRows(built, connection, schema: s, logger: logger)
            }
            try await withThrowingTaskGroup(of: Void.self) { writes in
                var rebuild = SummaryRebuild()
                var built: [UserSummary] = []
                var writing = false
                func hand(_ batch: [UserSummary]) async throws {
                    if writing { try await writes.next() }
                    writes.addTask { try await write(batch) }
                    writing = true
                }
                // A record staged twice (the same key) comes twice in a row: folded once.
                var (lastLoan, lastFee): (StagedKey?, StagedKey?) = (nil, nil)
                while let loanNext = StagedRecords.loanComesNext(loanUser: try await loans.peek()?.0.userId, feeUser: try await fees.peek()?.userId) {
                    if loanNext, let (loan, grace) = loans.take() {
                        let key = StagedKey(user: loan.userId, created: loan.createdDate, id: loan.id)
                        if key != lastLoan, let finished = rebuild.add(loan, grace: grace, newID: UUID()) { built.append(finished) }
                        lastLoan = key
                    } else if let fee = fees.take() {
                        let key = StagedKey(user: fee.userId, created: fee.createdDate, id: fee.id)
                        if key != lastFee, let finished = rebuild.add(fee, newID: UUID()) { built.append(finished) }
                        lastFee = key
                    }
                    if built.count >= 1000 {
                        try await hand(built)
                        built = []
                    }
                }
                if let finished = rebuild.finish() { built.append(finished) }
                try await hand(built)
                try await writes.waitForAll()
            }
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
                try await PostgresSummaries.apply(try JSONDecoder().decode(PatronEvent.self, from: Data(payload.utf8)), connection, schema: s, tenant: tenant, at: now, storeEvent: false, logger: self.logger)
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
            try await PostgresJobStore.truncateStaging(connection, schema: s, tables: ["sync_loans", "sync_fees", "sync_user_loans", "sync_user_fees"], logger: self.logger)
            try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).sync_graces WHERE job_id = $1", binds: try PostgresBindings.values(job.id)), logger: self.logger)
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

/// What orders a staged record, and tells a record staged twice.
struct StagedKey: Equatable {
    var user: UUID
    var created: Date?
    var id: UUID
}

/// Staged records read back from PostgreSQL, columns as `StagedColumns` lists them (the
/// rebuild's as they stream in).
enum PostgresStagedRows {
    /// A loan, followed (in the rebuild's read) by its kept grace period's two columns.
    static func loanWithGrace(_ row: PostgresRow) throws -> (UpstreamLoan, GracePeriod?) {
        let (user, id, created, due, status, recall, duration, interval) = try row.decode((UUID, UUID, PostgresTimestamp, PostgresTimestamp, String?, Bool, Int?, String?).self)
        return (loan(user, id, created, due, status, recall), GracePeriod(stored: duration, interval))
    }

    static func loan(_ row: PostgresRow) throws -> UpstreamLoan {
        let (user, id, created, due, status, recall) = try row.decode((UUID, UUID, PostgresTimestamp, PostgresTimestamp, String?, Bool).self)
        return loan(user, id, created, due, status, recall)
    }

    private static func loan(_ user: UUID, _ id: UUID, _ created: PostgresTimestamp, _ due: PostgresTimestamp, _ status: String?, _ recall: Bool) -> UpstreamLoan {
        UpstreamLoan(id: id, userId: user, dueDate: due.date, itemStatus: status, dueDateChangedByRecall: recall, createdDate: created.date)
    }

    static func fee(_ row: PostgresRow) throws -> UpstreamAccount {
        let (user, id, created, type, loan, balance) = try row.decode((UUID, UUID, PostgresTimestamp, UUID?, UUID?, String).self)
        guard let remaining = Decimal(string: balance) else { throw StagingError(record: "fee/fine \(id.folio)") }
        return UpstreamAccount(id: id, userId: user, feeFineId: type, loanId: loan, remaining: remaining, createdDate: created.date)
    }

    /// A query's rows as they stream in (PostgresNIO reads ahead a bounded buffer), one record
    /// looked at before it is taken.
    struct Stream<Record> {
        private var rows: PostgresRowSequence.AsyncIterator
        let decode: (PostgresRow) throws -> Record
        private var next: Record?
        private var peeked = false

        init(_ rows: PostgresRowSequence, decode: @escaping (PostgresRow) throws -> Record) {
            self.rows = rows.makeAsyncIterator()
            self.decode = decode
        }

        /// The next record without taking it; nil when the rows are done.
        mutating func peek() async throws -> Record? {
            if !peeked {
                next = try await rows.next().map(decode)
                peeked = true
            }
            return next
        }

        /// The record `peek` returned.
        mutating func take() -> Record? {
            defer { (next, peeked) = (nil, false) }
            return next
        }
    }
}
