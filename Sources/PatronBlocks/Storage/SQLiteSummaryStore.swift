import Foundation
import SQLite

/// Patron summaries and the events journal in the SQLite file.
struct SQLiteSummaryStore: SummaryStore {
    let database: SQLiteDatabase

    public func summary(tenant: String, userId: UUID) async throws -> UserSummary? {
        // Three SELECTs (summary, loans, fees): one snapshot, so a block check never sees half a write.
        try database.readTransaction { connection in try SQLiteSummaries.load(connection, tenant: tenant, userId: userId) }
    }

    public func record(_ event: PatronEvent, tenant: String, at date: Date) async throws -> UserSummary? {
        try await database.write { connection in
            try connection.transaction {
                try SQLiteSummaries.apply(event, connection, tenant: tenant, at: date)
            }
        }
    }
}

/// Summary rows on one connection, for use inside the caller's transaction.
enum SQLiteSummaries {
    static func load(_ connection: SQLiteConnection, tenant: String, userId: UUID) throws -> UserSummary? {
        let user = userId.folio
        guard let id = try connection.rows("SELECT id FROM summaries WHERE tenant = ? AND user_id = ?", [.text(tenant), .text(user)]).first?.first?.text,
              let summaryID = UUID(folio: id) else { return nil }
        let loans = try connection.rows(
            "SELECT loan_id, due_date, recall, item_lost, claimed_returned, grace_duration, grace_interval FROM summary_loans WHERE tenant = ? AND user_id = ? ORDER BY position",
            [.text(tenant), .text(user)]
        ).compactMap { row -> OpenLoan? in
            guard let loan = row[0].text.flatMap(UUID.init(folio:)), let due = row[1].real else { return nil }
            return OpenLoan(loanId: loan, dueDate: Date(storedSeconds: due), recall: row[2].integer == 1,
                            itemLost: row[3].integer == 1, itemClaimedReturned: row[4].integer == 1,
                            gracePeriod: GracePeriod(stored: row[5].integer.map(Int.init), row[6].text))
        }
        let fees = try connection.rows(
            "SELECT fee_fine_id, fee_fine_type_id, loan_id, balance FROM summary_fees WHERE tenant = ? AND user_id = ? ORDER BY position",
            [.text(tenant), .text(user)]
        ).compactMap { row -> OpenFeeFine? in
            guard let fee = row[0].text.flatMap(UUID.init(folio:)), let balance = row[3].text.flatMap({ Decimal(string: $0) }) else { return nil }
            return OpenFeeFine(feeFineId: fee, feeFineTypeId: row[1].text.flatMap(UUID.init(folio:)), loanId: row[2].text.flatMap(UUID.init(folio:)), balance: balance)
        }
        return UserSummary(id: summaryID, userId: userId, openLoans: loans, openFeesFines: fees)
    }

    /// Replaces the patron's rows with `summary` (or deletes them for nil).
    static func store(_ summary: UserSummary?, userId: UUID, _ connection: SQLiteConnection, tenant: String, at date: Date) throws {
        let user = userId.folio
        try connection.run("DELETE FROM summary_loans WHERE tenant = ? AND user_id = ?", [.text(tenant), .text(user)])
        try connection.run("DELETE FROM summary_fees WHERE tenant = ? AND user_id = ?", [.text(tenant), .text(user)])
        guard let summary else {
            try connection.run("DELETE FROM summaries WHERE tenant = ? AND user_id = ?", [.text(tenant), .text(user)])
            return
        }
        try connection.run("INSERT INTO summaries (tenant, user_id, id, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, user_id) DO UPDATE SET updated_at = excluded.updated_at",
                           [.text(tenant), .text(user), .text(summary.id.folio), .real(date.storedSeconds)])
        try insertRows(summary, connection, tenant: tenant)
    }

    /// Each row through the connection's cached statements: the rebuild writes hundreds of
    /// thousands of summaries, and a statement prepared per summary is compiled each time.
    static func insertRows(_ summary: UserSummary, _ connection: SQLiteConnection, tenant: String) throws {
        let user = summary.userId.folio
        for (position, loan) in summary.openLoans.enumerated() {
            try connection.run("INSERT INTO summary_loans (tenant, user_id, loan_id, position, due_date, recall, item_lost, claimed_returned, grace_duration, grace_interval) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               [.text(tenant), .text(user), .text(loan.loanId.folio), .integer(Int64(position)), .real(loan.dueDate.storedSeconds),
                                SQLiteValue(loan.recall), SQLiteValue(loan.itemLost), SQLiteValue(loan.itemClaimedReturned),
                                SQLiteValue(loan.gracePeriod?.duration), SQLiteValue(loan.gracePeriod?.intervalId.rawValue)])
        }
        for (position, fee) in summary.openFeesFines.enumerated() {
            try connection.run("INSERT INTO summary_fees (tenant, user_id, fee_fine_id, position, fee_fine_type_id, loan_id, balance) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               [.text(tenant), .text(user), .text(fee.feeFineId.folio), .integer(Int64(position)),
                                SQLiteValue(fee.feeFineTypeId?.folio), SQLiteValue(fee.loanId?.folio), .text("\(fee.balance)")])
        }
    }

    /// Stores the event and applies it to its patron's summary, as `EventApplication` says. The
    /// one writer serializes it.
    @discardableResult
    static func apply(_ event: PatronEvent, _ connection: SQLiteConnection, tenant: String, at date: Date, storeEvent: Bool = true) throws -> UserSummary? {
        let application = EventApplication(event)
        let holder = try application.feeToResolve.flatMap { fee in
            try connection.rows("SELECT user_id FROM summary_fees WHERE tenant = ? AND fee_fine_id = ?", [.text(tenant), .text(fee.folio)])
                .first?.first?.text.flatMap(UUID.init(folio:))
        }
        let userId = application.patron(feeHolder: holder)
        // Journaled only while a job will replay it (one that has taken its marker and not
        // ended); the one writer keeps a job's beginning from coming between.
        if storeEvent, try !connection.rows("SELECT 1 FROM sync_jobs WHERE tenant = ? AND status IN ('open', 'in-progress') AND event_marker IS NOT NULL LIMIT 1", [.text(tenant)]).isEmpty {
            let payload = String(decoding: try JSONEncoder().encode(event), as: UTF8.self)
            try connection.run("INSERT INTO events (tenant, user_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                               [.text(tenant), SQLiteValue(userId?.folio), .text(event.kind.rawValue), .text(payload), .real(date.storedSeconds)])
        }
        guard let userId else { return nil }
        let change = application.change(from: try load(connection, tenant: tenant, userId: userId), newID: UUID())
        if change.needsWrite {
            try store(change.after, userId: userId, connection, tenant: tenant, at: date)
        }
        return change.after
    }
}
