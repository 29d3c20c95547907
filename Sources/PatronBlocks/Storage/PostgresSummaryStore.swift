import Foundation
import PostgresNIO

/// Patron summaries and the events journal in the tenant's PostgreSQL schema.
struct PostgresSummaryStore: SummaryStore, PostgresStore {
    let database: PostgresHandle

    /// One statement (`PostgresSummaries.load`), so one snapshot of the three tables.
    public func summary(tenant: String, userId: UUID) async throws -> UserSummary? {
        try await client.withConnection { connection in
            try await PostgresSummaries.load(connection, schema: Self.schema(tenant), userId: userId, logger: self.logger)
        }
    }

    public func record(_ event: PatronEvent, tenant: String, at date: Date) async throws -> UserSummary? {
        let schema = Self.schema(tenant)
        return try await transaction { connection in
            try await PostgresSummaries.apply(event, connection, schema: schema, tenant: tenant, at: date, logger: self.logger)
        }
    }
}

/// Summary rows on one connection, inside the caller's transaction.
enum PostgresSummaries {
    /// One round trip: the summary's id, its loans and its fees, by the user's index.
    static func load(_ connection: PostgresConnection, schema s: String, userId: UUID, logger: Logger) async throws -> UserSummary? {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT 0 AS part, id AS a, NULL::uuid AS b, NULL::uuid AS c, NULL::timestamptz AS due, NULL::boolean AS recall, NULL::boolean AS lost,
                   NULL::boolean AS claimed, NULL::int AS grace, NULL::text AS interval, NULL::numeric AS balance, 0 AS position
              FROM \(s).summaries WHERE user_id = $1
            UNION ALL
            SELECT 1, loan_id, NULL, NULL, due_date, recall, item_lost, claimed_returned, grace_duration, grace_interval, NULL, position
              FROM \(s).summary_loans WHERE user_id = $1
            UNION ALL
            SELECT 2, fee_fine_id, fee_fine_type_id, loan_id, NULL, NULL, NULL, NULL, NULL, NULL, balance, position
              FROM \(s).summary_fees WHERE user_id = $1
            ORDER BY part, position
            """, binds: try PostgresBindings.values(userId)), logger: logger)
        var summary: UserSummary?
        for try await (part, a, b, c, due, recall, lost, claimed, grace, interval, balance, _) in rows.decode((Int, UUID, UUID?, UUID?, PostgresTimestamp?, Bool?, Bool?, Bool?, Int?, String?, Decimal?, Int).self) {
            switch part {
            case 0:
                summary = UserSummary(id: a, userId: userId)
            case 1:
                summary?.openLoans.append(OpenLoan(loanId: a, dueDate: due?.date ?? Date(timeIntervalSince1970: 0), recall: recall ?? false,
                                                   itemLost: lost ?? false, itemClaimedReturned: claimed ?? false, gracePeriod: GracePeriod(stored: grace, interval)))
            default:
                summary?.openFeesFines.append(OpenFeeFine(feeFineId: a, feeFineTypeId: b, loanId: c, balance: balance ?? 0))
            }
        }
        return summary
    }

    static func store(_ summary: UserSummary?, userId: UUID, _ connection: PostgresConnection, schema s: String, at date: Date, logger: Logger) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).summary_loans WHERE user_id = $1", binds: try PostgresBindings.values(userId)), logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).summary_fees WHERE user_id = $1", binds: try PostgresBindings.values(userId)), logger: logger)
        guard let summary else {
            try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).summaries WHERE user_id = $1", binds: try PostgresBindings.values(userId)), logger: logger)
            return
        }
        try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(s).summaries (user_id, id, updated_at) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE SET updated_at = excluded.updated_at",
                                                 binds: try PostgresBindings.values(userId, summary.id, date)), logger: logger)
        try await insertRows([summary], connection, schema: s, logger: logger)
    }

    /// Multi-row inserts of several summaries' loans and fees (the synchronization's bulk path).
    static func insertRows(_ summaries: [UserSummary], _ connection: PostgresConnection, schema s: String, logger: Logger) async throws {
        var loanUsers: [UUID] = [], loanIDs: [UUID] = [], positions: [Int] = [], dues: [Date] = [], recalls: [Bool] = [], losts: [Bool] = [], claims: [Bool] = []
        var graces: [Int] = [], intervals: [String] = []
        var feeUsers: [UUID] = [], feeIDs: [UUID] = [], feePositions: [Int] = [], types: [String] = [], feeLoans: [String] = [], balances: [String] = []
        for summary in summaries {
            for (position, loan) in summary.openLoans.enumerated() {
                loanUsers.append(summary.userId); loanIDs.append(loan.loanId); positions.append(position); dues.append(loan.dueDate)
                recalls.append(loan.recall); losts.append(loan.itemLost); claims.append(loan.itemClaimedReturned)
                graces.append(loan.gracePeriod?.duration ?? -1); intervals.append(loan.gracePeriod?.intervalId.rawValue ?? "")
            }
            for (position, fee) in summary.openFeesFines.enumerated() {
                feeUsers.append(summary.userId); feeIDs.append(fee.feeFineId); feePositions.append(position)
                types.append(fee.feeFineTypeId?.folio ?? ""); feeLoans.append(fee.loanId?.folio ?? ""); balances.append("\(fee.balance)")
            }
        }
        if !loanIDs.isEmpty {
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO \(s).summary_loans (user_id, loan_id, position, due_date, recall, item_lost, claimed_returned, grace_duration, grace_interval)
                SELECT u, l, p, d, r, lost, c, NULLIF(g, -1), NULLIF(i, '')
                  FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::timestamptz[], $5::bool[], $6::bool[], $7::bool[], $8::int[], $9::text[])
                    AS t(u, l, p, d, r, lost, c, g, i)
                """, binds: try PostgresBindings.values(loanUsers, loanIDs, positions, dues, recalls, losts, claims, graces, intervals)), logger: logger)
        }
        if !feeIDs.isEmpty {
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO \(s).summary_fees (user_id, fee_fine_id, position, fee_fine_type_id, loan_id, balance)
                SELECT u, f, p, NULLIF(t, '')::uuid, NULLIF(l, '')::uuid, b::numeric
                  FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[]) AS x(u, f, p, t, l, b)
                """, binds: try PostgresBindings.values(feeUsers, feeIDs, feePositions, types, feeLoans, balances)), logger: logger)
        }
    }

    /// Stores the event and applies it, as `EventApplication` says. A transaction-scoped advisory
    /// lock on the patron makes concurrent events for one patron (even a new one, with no row to
    /// lock yet) wait in turn; it is taken in the order every writer takes its locks (see
    /// `PostgresHandle`).
    @discardableResult
    static func apply(_ event: PatronEvent, _ connection: PostgresConnection, schema s: String, tenant: String, at date: Date,
                      storeEvent: Bool = true, logger: Logger) async throws -> UserSummary? {
        let application = EventApplication(event)
        var holder: UUID?
        if let fee = application.feeToResolve {
            for try await owner in try await connection.query(PostgresQuery(unsafeSQL: "SELECT user_id FROM \(s).summary_fees WHERE fee_fine_id = $1", binds: try PostgresBindings.values(fee)), logger: logger).decode(UUID.self) {
                holder = owner
            }
        }
        let userId = application.patron(feeHolder: holder)
        try await PostgresHandle.lockSummaries(for: .patron(userId), tenant: tenant, connection, logger: logger)
        if storeEvent {
            let payload = String(decoding: try JSONEncoder().encode(event), as: UTF8.self)
            try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(s).events (user_id, kind, payload, created_at) VALUES (NULLIF($1, '')::uuid, $2, $3, $4)",
                                                     binds: try PostgresBindings.values(userId?.folio ?? "", event.kind.rawValue, payload, date)), logger: logger)
        }
        guard let userId else { return nil }
        let change = application.change(from: try await load(connection, schema: s, userId: userId, logger: logger), newID: UUID())
        if change.needsWrite {
            try await store(change.after, userId: userId, connection, schema: s, at: date, logger: logger)
        }
        return change.after
    }
}
