import Foundation
import PostgresNIO

/// Patron summaries and the events journal in the tenant's PostgreSQL schema.
struct PostgresSummaryStore: SummaryStore, PostgresStore {
    let database: PostgresHandle

    /// One statement (`PostgresSummaries.load`), so one snapshot of the three tables; or what the
    /// summary cache kept of it (the database notifies every write, see `SummaryCache`).
    public func summary(tenant: String, userId: UUID) async throws -> UserSummary? {
        let key = SummaryCache.Key(tenant: tenant, userId: userId)
        var ticket: SummaryCache.Ticket?
        if let cache = database.summaryCache {
            switch cache.lookup(key, now: .now) {
            case .hit(let summary): return summary
            case .miss(let kept): ticket = kept
            }
        }
        let (summary, version) = try await client.withConnection { connection in
            try await PostgresSummaries.loadVersioned(connection, tenant: tenant, userId: userId, logger: self.logger)
        }
        if let ticket { database.summaryCache?.keep(summary, version: version, for: key, ticket: ticket, now: .now) }
        return summary
    }

    /// An event of a known patron is two round trips and no transaction of its own: the
    /// summary's read, then `changesFunction`, which takes the locks, checks that the summary is
    /// still the one read, journals and writes, and commits before it answers. When another
    /// writer came first nothing is written and it starts again (a few times, then in a
    /// transaction that holds the locks from before the read). A patron whose summary is kept
    /// starts from what is kept: one round trip. A fee of a deleted account needs its holder
    /// looked up first, and takes that transaction at once.
    ///
    /// What the write left is kept for the next check or event, with the version the write
    /// answered: the database's notification of that very write then leaves it (see
    /// `SummaryCache.wrote`).
    public func record(_ event: PatronEvent, tenant: String, at date: Date) async throws -> UserSummary? {
        let application = EventApplication(event)
        let cache = database.summaryCache
        guard application.feeToResolve == nil, let userId = application.patron(feeHolder: nil) else {
            // Which patron the fee is of is known only under the locks.
            defer { cache?.changed(tenant: tenant) }
            return try await transaction { connection in
                try await PostgresSummaries.apply(event, connection, schema: Self.schema(tenant), tenant: tenant, at: date, logger: self.logger).summary
            }
        }
        let key = SummaryCache.Key(tenant: tenant, userId: userId)
        let ticket = cache?.ticket(key)
        let written: PostgresSummaries.Written
        do {
            written = try await write(application, userId: userId, key: key, tenant: tenant, at: date)
        } catch {
            cache?.changed(key)
            throw error
        }
        if let ticket { cache?.wrote(written.summary, version: written.version, for: key, ticket: ticket, now: .now) } else { cache?.changed(key) }
        return written.summary
    }

    private func write(_ application: EventApplication, userId: UUID, key: SummaryCache.Key, tenant: String, at date: Date) async throws -> PostgresSummaries.Written {
        // A patron a desk has just checked is usually kept: the first attempt starts from it.
        var read = database.summaryCache?.kept(key, now: .now)
        for _ in 0..<(Self.unlockedAttempts + (read == nil ? 0 : 1)) {
            let attempt = read
            read = nil
            let written = try await PostgresConflicts.retrying(logger: logger) {
                try await client.withConnection { connection in
                    try await PostgresSummaries.applyIfUnchanged(application, userId: userId, read: attempt, connection, tenant: tenant, at: date, logger: self.logger)
                }
            }
            if let written { return written }
        }
        return try await transaction { connection in
            try await PostgresSummaries.apply(application.event, connection, schema: Self.schema(tenant), tenant: tenant, at: date, logger: self.logger)
        }
    }

    /// Each failed attempt means another event of the patron was stored meanwhile.
    static let unlockedAttempts = 3
}

/// Summary rows on one connection, inside the caller's transaction.
enum PostgresSummaries {
    /// One round trip: the summary's id and version, its loans and its fees, by the user's index.
    /// The version is the summary row's `xmin`, the transaction that wrote it last: every writer
    /// of a patron's rows writes (or deletes) that row too, and no two transactions share an id.
    struct Load: PostgresTenantStatement {
        typealias Row = (Int, UUID, UUID?, UUID?, PostgresTimestamp?, Bool?, Bool?, Bool?, Int?, String?, Decimal?, Int, String?)
        var userId: UUID

        static func sql(schema s: String) -> String {
            """
            SELECT 0 AS part, id AS a, NULL::uuid AS b, NULL::uuid AS c, NULL::timestamptz AS due, NULL::boolean AS recall, NULL::boolean AS lost,
                   NULL::boolean AS claimed, NULL::int AS grace, NULL::text AS interval, NULL::numeric AS balance, 0 AS position, xmin::text AS version
              FROM \(s).summaries WHERE user_id = $1
            UNION ALL
            SELECT 1, loan_id, NULL, NULL, due_date, recall, item_lost, claimed_returned, grace_duration, grace_interval, NULL, position, NULL
              FROM \(s).summary_loans WHERE user_id = $1
            UNION ALL
            SELECT 2, fee_fine_id, fee_fine_type_id, loan_id, NULL, NULL, NULL, NULL, NULL, NULL, balance, position, NULL
              FROM \(s).summary_fees WHERE user_id = $1
            ORDER BY part, position
            """
        }

        func makeBindings() throws -> PostgresBindings { try .values(userId) }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// The summary and its version ("" when there is none), for a write that checks it.
    static func loadVersioned(_ connection: PostgresConnection, tenant: String, userId: UUID, logger: Logger) async throws -> (summary: UserSummary?, version: String) {
        try await connection.execute(Load(userId: userId), tenant: tenant, logger: logger) { rows in
            var summary: UserSummary?
            var version = ""
            for try await (part, a, b, c, due, recall, lost, claimed, grace, interval, balance, _, rowVersion) in rows {
                switch part {
                case 0:
                    summary = UserSummary(id: a, userId: userId)
                    version = rowVersion ?? ""
                case 1:
                    summary?.openLoans.append(OpenLoan(loanId: a, dueDate: due?.date ?? Date(timeIntervalSince1970: 0), recall: recall ?? false,
                                                       itemLost: lost ?? false, itemClaimedReturned: claimed ?? false, gracePeriod: GracePeriod(stored: grace, interval)))
                default:
                    summary?.openFeesFines.append(OpenFeeFine(feeFineId: a, feeFineTypeId: b, loanId: c, balance: balance ?? 0))
                }
            }
            return (summary, version)
        }
    }

    /// The tenant's function that wrote what an event decided, before `changesFunction`: kept in
    /// the schema for instances of the earlier version during a rolling upgrade, called by none
    /// of this one.
    static func writeFunction(_ s: String) -> String {
        """
        CREATE OR REPLACE FUNCTION \(s).write_summary(_tenant_key text, _patron_key text, _user text, _version text,
            _journal boolean, _kind text, _payload text, _at timestamptz, _write boolean, _present boolean, _summary_id uuid,
            _loans uuid[], _loan_positions int[], _dues timestamptz[], _recalls boolean[], _losts boolean[], _claims boolean[], _graces int[], _intervals text[],
            _fees uuid[], _fee_positions int[], _types text[], _fee_loans text[], _balances text[]) RETURNS boolean LANGUAGE plpgsql AS $$
        DECLARE
            _user_id uuid := NULLIF(_user, '')::uuid;
        BEGIN
            PERFORM pg_advisory_xact_lock_shared(hashtextextended(_tenant_key, 0));
            IF _user_id IS NOT NULL THEN
                PERFORM pg_advisory_xact_lock(hashtextextended(_patron_key, 0));
                IF (SELECT xmin::text FROM \(s).summaries WHERE user_id = _user_id) IS DISTINCT FROM NULLIF(_version, '') THEN
                    RETURN false;
                END IF;
            END IF;
            IF _journal THEN
                INSERT INTO \(s).events (user_id, kind, payload, created_at) VALUES (_user_id, _kind, _payload, _at);
            END IF;
            IF NOT _write THEN
                RETURN true;
            END IF;
            IF NOT _present THEN
                DELETE FROM \(s).summary_loans WHERE user_id = _user_id;
                DELETE FROM \(s).summary_fees WHERE user_id = _user_id;
                DELETE FROM \(s).summaries WHERE user_id = _user_id;
                RETURN true;
            END IF;
            INSERT INTO \(s).summaries (user_id, id, updated_at) VALUES (_user_id, _summary_id, _at)
                ON CONFLICT (user_id) DO UPDATE SET updated_at = excluded.updated_at;
            DELETE FROM \(s).summary_loans WHERE user_id = _user_id AND loan_id <> ALL(_loans);
            INSERT INTO \(s).summary_loans AS o (user_id, loan_id, position, due_date, recall, item_lost, claimed_returned, grace_duration, grace_interval)
                SELECT _user_id, l, p, d, r, lost, c, NULLIF(g, -1), NULLIF(i, '')
                  FROM unnest(_loans, _loan_positions, _dues, _recalls, _losts, _claims, _graces, _intervals) AS t(l, p, d, r, lost, c, g, i)
                ON CONFLICT (user_id, loan_id) DO UPDATE SET position = excluded.position, due_date = excluded.due_date, recall = excluded.recall,
                    item_lost = excluded.item_lost, claimed_returned = excluded.claimed_returned, grace_duration = excluded.grace_duration,
                    grace_interval = excluded.grace_interval
                WHERE (o.position, o.due_date, o.recall, o.item_lost, o.claimed_returned, o.grace_duration, o.grace_interval)
                    IS DISTINCT FROM (excluded.position, excluded.due_date, excluded.recall, excluded.item_lost, excluded.claimed_returned,
                                      excluded.grace_duration, excluded.grace_interval);
            DELETE FROM \(s).summary_fees WHERE user_id = _user_id AND fee_fine_id <> ALL(_fees);
            INSERT INTO \(s).summary_fees AS o (user_id, fee_fine_id, position, fee_fine_type_id, loan_id, balance)
                SELECT _user_id, f, p, NULLIF(t, '')::uuid, NULLIF(l, '')::uuid, b::numeric
                  FROM unnest(_fees, _fee_positions, _types, _fee_loans, _balances) AS x(f, p, t, l, b)
                ON CONFLICT (user_id, fee_fine_id) DO UPDATE SET position = excluded.position, fee_fine_type_id = excluded.fee_fine_type_id,
                    loan_id = excluded.loan_id, balance = excluded.balance
                WHERE (o.position, o.fee_fine_type_id, o.loan_id, o.balance)
                    IS DISTINCT FROM (excluded.position, excluded.fee_fine_type_id, excluded.loan_id, excluded.balance);
            RETURN true;
        END
        $$
        """
    }

    /// The tenant's function that writes what an event decided, created with the schema: an
    /// event's write is one round trip that needs no transaction around it. It takes the tenant's
    /// summaries lock shared and the patron's lock (the order every writer takes them, see
    /// `PostgresHandle`), then reads the patron's version again (each statement of a function
    /// sees what committed before it began, so after the locks) and writes nothing, answering
    /// NULL, when it is not the one the caller read. Otherwise it journals the event and writes
    /// the rows `SummaryRowChanges` found changed (a check-out adds one loan row and touches no
    /// other), and answers the summary's version after it ('' for none). A patron of nobody
    /// (`_user` empty) only journals.
    static func changesFunction(_ s: String) -> String {
        """
        CREATE OR REPLACE FUNCTION \(s).write_summary_changes(_tenant_key text, _patron_key text, _user text, _version text,
            _journal boolean, _kind text, _payload text, _at timestamptz, _write boolean, _present boolean, _summary_id uuid,
            _gone_loans uuid[], _loans uuid[], _loan_positions int[], _dues timestamptz[], _recalls boolean[], _losts boolean[], _claims boolean[],
            _graces int[], _intervals text[], _gone_fees uuid[], _fees uuid[], _fee_positions int[], _types text[], _fee_loans text[], _balances text[])
            RETURNS text LANGUAGE plpgsql AS $$
        DECLARE
            _user_id uuid := NULLIF(_user, '')::uuid;
            _written text;
        BEGIN
            IF _user_id IS NULL THEN
                PERFORM pg_advisory_xact_lock_shared(hashtextextended(_tenant_key, 0));
            ELSE
                -- One statement, the tenant's lock first: a select list is evaluated in order.
                PERFORM pg_advisory_xact_lock_shared(hashtextextended(_tenant_key, 0)), pg_advisory_xact_lock(hashtextextended(_patron_key, 0));
                IF (SELECT xmin::text FROM \(s).summaries WHERE user_id = _user_id) IS DISTINCT FROM NULLIF(_version, '') THEN
                    RETURN NULL;
                END IF;
            END IF;
            -- Journaled only while a job will replay it: one that has taken its marker and not
            -- ended. Read under the tenant's lock, which a job's beginning takes exclusively (or,
            -- for one patron, with the patron's), so no marker can be half-way through. Without a
            -- job the entry would only wait for the next pruning.
            IF _journal AND EXISTS (SELECT 1 FROM \(s).sync_jobs WHERE status IN ('open', 'in-progress') AND event_marker IS NOT NULL) THEN
                INSERT INTO \(s).events (user_id, kind, payload, created_at) VALUES (_user_id, _kind, _payload, _at);
            END IF;
            IF NOT _write THEN
                RETURN _version;
            END IF;
            IF NOT _present THEN
                DELETE FROM \(s).summary_loans WHERE user_id = _user_id;
                DELETE FROM \(s).summary_fees WHERE user_id = _user_id;
                DELETE FROM \(s).summaries WHERE user_id = _user_id;
                RETURN '';
            END IF;
            IF _version = '' THEN
                -- No summary: no rows either, should a hand-made one have been left.
                DELETE FROM \(s).summary_loans WHERE user_id = _user_id;
                DELETE FROM \(s).summary_fees WHERE user_id = _user_id;
            END IF;
            INSERT INTO \(s).summaries (user_id, id, updated_at) VALUES (_user_id, _summary_id, _at)
                ON CONFLICT (user_id) DO UPDATE SET updated_at = excluded.updated_at
                RETURNING xmin::text INTO _written;
            IF cardinality(_gone_loans) > 0 THEN
                DELETE FROM \(s).summary_loans WHERE user_id = _user_id AND loan_id = ANY(_gone_loans);
            END IF;
            IF cardinality(_loans) > 0 THEN
                INSERT INTO \(s).summary_loans (user_id, loan_id, position, due_date, recall, item_lost, claimed_returned, grace_duration, grace_interval)
                    SELECT _user_id, l, p, d, r, lost, c, NULLIF(g, -1), NULLIF(i, '')
                      FROM unnest(_loans, _loan_positions, _dues, _recalls, _losts, _claims, _graces, _intervals) AS t(l, p, d, r, lost, c, g, i)
                    ON CONFLICT (user_id, loan_id) DO UPDATE SET position = excluded.position, due_date = excluded.due_date, recall = excluded.recall,
                        item_lost = excluded.item_lost, claimed_returned = excluded.claimed_returned, grace_duration = excluded.grace_duration,
                        grace_interval = excluded.grace_interval;
            END IF;
            IF cardinality(_gone_fees) > 0 THEN
                DELETE FROM \(s).summary_fees WHERE user_id = _user_id AND fee_fine_id = ANY(_gone_fees);
            END IF;
            IF cardinality(_fees) > 0 THEN
                INSERT INTO \(s).summary_fees (user_id, fee_fine_id, position, fee_fine_type_id, loan_id, balance)
                    SELECT _user_id, f, p, NULLIF(t, '')::uuid, NULLIF(l, '')::uuid, b::numeric
                      FROM unnest(_fees, _fee_positions, _types, _fee_loans, _balances) AS x(f, p, t, l, b)
                    ON CONFLICT (user_id, fee_fine_id) DO UPDATE SET position = excluded.position, fee_fine_type_id = excluded.fee_fine_type_id,
                        loan_id = excluded.loan_id, balance = excluded.balance;
            END IF;
            RETURN _written;
        END
        $$
        """
    }

    /// A call of `changesFunction`: the journal entry and the summary are each optional
    /// (`journal` nil; `writeSummary` false). Its row is the summary's version after the write, or
    /// nil when the patron's version is no longer `version` and nothing was written.
    struct Write: PostgresTenantStatement {
        typealias Row = String?
        var tenant: String
        var userId: UUID?
        var version: String
        var journal: PatronEvent?
        var writeSummary: Bool
        /// What the database holds at `version`: only the rows that differ from it are sent.
        var before: UserSummary?
        var summary: UserSummary?
        var date: Date

        static func sql(schema s: String) -> String {
            """
            SELECT \(s).write_summary_changes($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::int[], $15, $16, $17, $18, $19::int[], $20,
                                              $21, $22, $23::int[], $24, $25, $26)
            """
        }

        func makeBindings() throws -> PostgresBindings {
            let writes = writeSummary && userId != nil
            let rows = writes ? SummaryRowChanges(from: before, to: summary) : SummaryRowChanges(from: nil, to: nil)
            let loans = rows.loans, fees = rows.fees
            let payload = try journal.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) } ?? ""
            return try .values(
                "summaries:" + tenant, userId.map { tenant + ":" + $0.folio } ?? "", userId?.folio ?? "", version,
                journal != nil, journal?.kind.rawValue ?? "", payload, date, writes, summary != nil, summary?.id ?? UUID(),
                rows.goneLoans, loans.map(\.loan.loanId), loans.map(\.position), loans.map(\.loan.dueDate), loans.map(\.loan.recall), loans.map(\.loan.itemLost),
                loans.map(\.loan.itemClaimedReturned), loans.map { $0.loan.gracePeriod?.duration ?? -1 }, loans.map { $0.loan.gracePeriod?.intervalId.rawValue ?? "" },
                rows.goneFees, fees.map(\.fee.feeFineId), fees.map(\.position), fees.map { $0.fee.feeFineTypeId?.folio ?? "" }, fees.map { $0.fee.loanId?.folio ?? "" },
                fees.map { "\($0.fee.balance)" })
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String?.self) }
    }

    /// What a write left: the summary, and its version as `Load` reads it ('' for none).
    struct Written: Sendable {
        var summary: UserSummary?
        var version: String
    }

    /// The patron's rows were written by someone else between a read and a write under locks
    /// held throughout: a writer that does not take the patron's lock.
    struct UnlockedWriter: Error, CustomStringConvertible {
        var description: String { "a patron's summary changed while its lock was held" }
    }

    /// Writes under the caller's locks, from a read (`before` at `version`) under the same locks:
    /// the version holds.
    static func store(_ summary: UserSummary?, over before: UserSummary?, userId: UUID, version: String, _ connection: PostgresConnection, tenant: String,
                      at date: Date, logger: Logger) async throws {
        let write = Write(tenant: tenant, userId: userId, version: version, journal: nil, writeSummary: true, before: before, summary: summary, date: date)
        guard try await self.write(write, connection, logger: logger) != nil else { throw UnlockedWriter() }
    }

    /// The version after the write, or nil when it was refused.
    private static func write(_ statement: Write, _ connection: PostgresConnection, logger: Logger) async throws -> String? {
        try await connection.execute(statement, tenant: statement.tenant, logger: logger) { rows in
            var written: String?
            for try await row in rows { written = row }
            return written
        }
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

    /// The event applied to the summary as read (`read`, or read now when nil), without holding
    /// a lock in between: the write checks the version read. nil when another writer came first
    /// (nothing was written, the caller reads again); otherwise what the write left.
    static func applyIfUnchanged(_ application: EventApplication, userId: UUID, read: (summary: UserSummary?, version: String)?, _ connection: PostgresConnection,
                                 tenant: String, at date: Date, logger: Logger) async throws -> Written? {
        let (before, version) = if let read { read } else { try await loadVersioned(connection, tenant: tenant, userId: userId, logger: logger) }
        let change = application.change(from: before, newID: UUID())
        let write = Write(tenant: tenant, userId: userId, version: version, journal: application.event, writeSummary: change.needsWrite,
                          before: before, summary: change.after, date: date)
        guard let written = try await self.write(write, connection, logger: logger) else { return nil }
        return Written(summary: change.after, version: written)
    }

    /// Stores the event and applies it, as `EventApplication` says, in the caller's transaction.
    /// A transaction-scoped advisory lock on the patron makes concurrent events for one patron
    /// (even a new one, with no row to lock yet) wait in turn; it is taken in the order every
    /// writer takes its locks (see `PostgresHandle`).
    @discardableResult
    static func apply(_ event: PatronEvent, _ connection: PostgresConnection, schema s: String, tenant: String, at date: Date,
                      storeEvent: Bool = true, logger: Logger) async throws -> Written {
        let application = EventApplication(event)
        var holder: UUID?
        if let fee = application.feeToResolve {
            for try await owner in try await connection.query(PostgresQuery(unsafeSQL: "SELECT user_id FROM \(s).summary_fees WHERE fee_fine_id = $1", binds: try PostgresBindings.values(fee)), logger: logger).decode(UUID.self) {
                holder = owner
            }
        }
        let userId = application.patron(feeHolder: holder)
        try await PostgresHandle.lockSummaries(for: .patron(userId), tenant: tenant, connection, logger: logger)
        var before: UserSummary?
        var change = EventApplication.Change(after: nil, needsWrite: false)
        var version = ""
        if let userId {
            (before, version) = try await loadVersioned(connection, tenant: tenant, userId: userId, logger: logger)
            change = application.change(from: before, newID: UUID())
        }
        if storeEvent || change.needsWrite {
            let write = Write(tenant: tenant, userId: userId, version: version, journal: storeEvent ? event : nil, writeSummary: change.needsWrite,
                              before: before, summary: change.after, date: date)
            guard let written = try await self.write(write, connection, logger: logger) else { throw UnlockedWriter() }
            version = written
        }
        return Written(summary: change.after, version: version)
    }
}
