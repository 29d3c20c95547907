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

    public func stagePage(tenant: String, jobId: UUID, page: StagedPage, job: SyncJob, progress: SyncProgress, runner: String, now: Date) async throws -> Bool {
        try await database.write { connection in
            try connection.transaction {
                guard try SQLiteJobStore.saveProgress(connection, tenant: tenant, job: job, progress: progress, runner: runner, now: now) else { return false }
                let (tenant, job) = (SQLiteValue.text(tenant), SQLiteValue.text(jobId.folio))
                switch page {
                case .loans(let loans):
                    let insert = try connection.prepare("INSERT INTO sync_loans (tenant, job_id, user_id, created_at, loan_id, due_date, item_status, recall) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                    for loan in loans {
                        try insert.bind([tenant, job, .text(loan.userId.folio), .integer(loan.stagingTime.epochMilliseconds), .text(loan.id.folio),
                                         .integer(loan.dueDate.epochMilliseconds), SQLiteValue(loan.itemStatus), .integer(loan.dueDateChangedByRecall ? 1 : 0)])
                        _ = try insert.step()
                    }
                case .accounts(let fees):
                    let insert = try connection.prepare("INSERT INTO sync_fees (tenant, job_id, user_id, created_at, fee_fine_id, fee_fine_type_id, loan_id, balance) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                    for fee in fees {
                        try insert.bind([tenant, job, .text(fee.userId.folio), .integer(fee.stagingTime.epochMilliseconds), .text(fee.id.folio),
                                         SQLiteValue(fee.feeFineId?.folio), SQLiteValue(fee.loanId?.folio), .text("\(fee.remaining)")])
                        _ = try insert.step()
                    }
                }
                return true
            }
        }
    }

    public func sealStaging(tenant: String, jobId: UUID, job: SyncJob, progress: SyncProgress, runner: String, now: Date) async throws -> Bool {
        try await database.write { connection in
            try connection.transaction {
                guard try SQLiteJobStore.saveProgress(connection, tenant: tenant, job: job, progress: progress, runner: runner, now: now) else { return false }
                // One sort each, written in key order: sequential pages, unlike a million inserts
                // at random patrons while paging. A loan staged twice is the same loan.
                let bindings: [SQLiteValue] = [.text(tenant), .text(jobId.folio)]
                try connection.run("""
                    INSERT OR IGNORE INTO sync_user_loans (tenant, job_id, user_id, created_at, loan_id, due_date, item_status, recall)
                    SELECT tenant, job_id, user_id, created_at, loan_id, due_date, item_status, recall FROM sync_loans
                    WHERE tenant = ? AND job_id = ? ORDER BY user_id, created_at, loan_id
                    """, bindings)
                try connection.run("""
                    INSERT OR IGNORE INTO sync_user_fees (tenant, job_id, user_id, created_at, fee_fine_id, fee_fine_type_id, loan_id, balance)
                    SELECT tenant, job_id, user_id, created_at, fee_fine_id, fee_fine_type_id, loan_id, balance FROM sync_fees
                    WHERE tenant = ? AND job_id = ? ORDER BY user_id, created_at, fee_fine_id
                    """, bindings)
                try connection.run("DELETE FROM sync_loans WHERE tenant = ? AND job_id = ?", bindings)
                try connection.run("DELETE FROM sync_fees WHERE tenant = ? AND job_id = ?", bindings)
                return true
            }
        }
    }

    public func finishSync(tenant: String, job: SyncJob, eventMarker: Int64, runner: String, now: Date) async throws -> Bool {
        try await database.write { connection in
            try connection.transaction {
                // The claim is checked inside the switch: a runner that lost its job changes nothing.
                let owned = try connection.rows("SELECT 1 FROM sync_jobs WHERE \(JobOwnership.sqlite)",
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
                // 2. Rebuilt from FOLIO's staged records, patron by patron, each loan with the
                //    grace period it had.
                let loans = try connection.prepare("""
                    SELECT \(StagedColumns.loans), g.duration, g.interval FROM sync_user_loans l
                    LEFT JOIN sync_graces g ON g.tenant = l.tenant AND g.job_id = l.job_id AND g.loan_id = l.loan_id
                    WHERE l.tenant = ? AND l.job_id = ? ORDER BY l.user_id, l.created_at, l.loan_id
                    """)
                try loans.bind([.text(tenant), .text(jobID)])
                let fees = try connection.prepare("SELECT \(StagedColumns.fees) FROM sync_user_fees WHERE tenant = ? AND job_id = ? ORDER BY user_id, created_at, fee_fine_id")
                try fees.bind([.text(tenant), .text(jobID)])
                var rebuild = SummaryRebuild()
                func insert(_ summary: UserSummary?) throws {
                    if let summary {
                        try connection.run("INSERT INTO summaries (tenant, user_id, id, updated_at) VALUES (?, ?, ?, ?)",
                                           [.text(tenant), .text(summary.userId.folio), .text(summary.id.folio), .real(now.storedSeconds)])
                        try SQLiteSummaries.insertRows(summary, connection, tenant: tenant)
                    }
                }
                var loan = try loans.step() ? try SQLiteStagedRows.loan(loans) : nil
                var fee = try fees.step() ? try SQLiteStagedRows.fee(fees) : nil
                while let loanNext = StagedRecords.loanComesNext(loanUser: loan?.userId, feeUser: fee?.userId) {
                    if loanNext, let current = loan {
                        try insert(rebuild.add(current, grace: GracePeriod(stored: loans.integer(at: 6).map(Int.init), loans.text(at: 7)), newID: UUID()))
                        loan = try loans.step() ? try SQLiteStagedRows.loan(loans) : nil
                    } else if let current = fee {
                        try insert(rebuild.add(current, newID: UUID()))
                        fee = try fees.step() ? try SQLiteStagedRows.fee(fees) : nil
                    }
                }
                try insert(rebuild.finish())
                // 3. Live events that arrived while the synchronization ran, on top, in order.
                let decoder = JSONDecoder()
                let live = try connection.rows("SELECT payload FROM events WHERE tenant = ? AND id > ?\(userFilter) ORDER BY id",
                                               [.text(tenant), .integer(eventMarker)] + scopeBindings.dropFirst())
                for row in live {
                    guard let payload = row.first?.text else { continue }
                    try SQLiteSummaries.apply(try decoder.decode(PatronEvent.self, from: Data(payload.utf8)), connection, tenant: tenant, at: now, storeEvent: false)
                }
                // 4. Done.
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

/// Staged records read back from SQLite, columns as `StagedColumns` lists them (written by this
/// service: a row that does not read back fails the synchronization rather than being skipped).
enum SQLiteStagedRows {
    static func loan(_ row: SQLiteStatement) throws -> UpstreamLoan {
        guard let user = row.text(at: 0).flatMap(UUID.init(folio:)), let id = row.text(at: 1).flatMap(UUID.init(folio:)),
              let created = row.integer(at: 2), let due = row.integer(at: 3) else {
            throw StagingError(record: "loan \(row.text(at: 1) ?? "?")")
        }
        return UpstreamLoan(id: id, userId: user, dueDate: Date(epochMilliseconds: due), itemStatus: row.text(at: 4),
                            dueDateChangedByRecall: row.integer(at: 5) == 1, createdDate: Date(epochMilliseconds: created))
    }

    static func fee(_ row: SQLiteStatement) throws -> UpstreamAccount {
        guard let user = row.text(at: 0).flatMap(UUID.init(folio:)), let id = row.text(at: 1).flatMap(UUID.init(folio:)),
              let created = row.integer(at: 2), let balance = row.text(at: 5).flatMap({ Decimal(string: $0) }) else {
            throw StagingError(record: "fee/fine \(row.text(at: 1) ?? "?")")
        }
        return UpstreamAccount(id: id, userId: user, feeFineId: row.text(at: 3).flatMap(UUID.init(folio:)), loanId: row.text(at: 4).flatMap(UUID.init(folio:)),
                               remaining: balance, createdDate: Date(epochMilliseconds: created))
    }
}
