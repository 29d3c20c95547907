import Foundation
import Logging
import PostgresNIO
import PostgresURL
import Synchronization
import Testing
@testable import PatronBlocks

/// Two instances on one PostgreSQL database: what one keeps of a patron's summary gives way to
/// whatever another (or a statement run by hand) writes, through the database's notifications.
@Suite(.enabled(if: Backend.available.contains(.postgres))) struct SummaryNotificationTests {
    static let due = Date(timeIntervalSince1970: 1_800_000_000)

    static func checkOut(_ user: UUID) -> PatronEvent {
        .itemCheckedOut(userId: user, loanId: UUID(), dueDate: due, gracePeriod: nil)
    }

    /// Two storages on one new database, both listening, and a tenant installed.
    static func withTwoInstances(_ body: @Sendable (Storage, Storage, String) async throws -> Void) async throws {
        let location = try await StorageLocation.make(.postgres)
        try await location.withStorage { first in
            try await location.withStorage { second in
                let tenant = uniqueTenant()
                try await first.tenants.installTenant(tenant)
                for storage in [first, second] {
                    let cache = try #require(storage.postgresHandle?.summaryCache)
                    try await eventually("the instance listens") { cache.isListening }
                }
                try await body(first, second, tenant)
            }
        }
    }

    /// Notifications arrive soon after a commit, not with it; a reconnection takes a probe's
    /// round trip. On a quiet machine these take milliseconds; the bound is for a loaded CI
    /// machine (the suites run side by side), and costs nothing when the condition holds.
    static let patience: Duration = .seconds(30)

    /// Waits up to `patience` for `condition`.
    static func eventually(_ what: String, patience: Duration = patience, _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + patience
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("not within \(patience): \(what)")
    }

    /// Reads until the read is kept: a read that began before the notification of an earlier
    /// write arrived is (rightly) not.
    static func readUntilKept(_ storage: Storage, _ tenant: String, _ user: UUID) async throws -> UserSummary? {
        let deadline = ContinuousClock.now + patience
        while true {
            let summary = try await storage.summaries.summary(tenant: tenant, userId: user)
            if try isKept(storage, tenant, user) { return summary }
            guard ContinuousClock.now < deadline else {
                Issue.record("no read was kept within \(patience)")
                return summary
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func isKept(_ storage: Storage, _ tenant: String, _ user: UUID) throws -> Bool {
        let cache = try #require(storage.postgresHandle?.summaryCache)
        if case .hit = cache.lookup(SummaryCache.Key(tenant: tenant, userId: user), now: .now) { return true }
        return false
    }

    @Test func aSummaryKeptByOneInstanceGivesWayToAnothersEvent() async throws {
        try await Self.withTwoInstances { first, second, tenant in
            let user = UUID()
            try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
            #expect(try await Self.readUntilKept(second, tenant, user)?.openLoans.count == 1)
            try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
            try await Self.eventually("the second instance sees the second loan") {
                try await second.summaries.summary(tenant: tenant, userId: user)?.openLoans.count == 2
            }
            // The writer's own read never waits for the notification.
            #expect(try await first.summaries.summary(tenant: tenant, userId: user)?.openLoans.count == 2)
            try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
            #expect(try await first.summaries.summary(tenant: tenant, userId: user)?.openLoans.count == 3)
        }
    }

    @Test func aPatronWithoutASummaryGivesWayToTheirFirstLoan() async throws {
        try await Self.withTwoInstances { first, second, tenant in
            let user = UUID()
            #expect(try await Self.readUntilKept(second, tenant, user) == nil)
            try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
            try await Self.eventually("the second instance sees the loan") {
                try await second.summaries.summary(tenant: tenant, userId: user) != nil
            }
        }
    }

    /// Whoever writes the rows: the trigger is in the database, not in the service.
    @Test func aStatementRunByHandIsNoticed() async throws {
        try await Self.withTwoInstances { first, second, tenant in
            let user = UUID()
            try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
            #expect(try await Self.readUntilKept(second, tenant, user) != nil)
            let handle = try #require(first.postgresHandle)
            let s = PostgresHandle.schema(tenant)
            try await handle.client.withConnection { connection in
                try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).summary_loans WHERE user_id = $1", binds: try .values(user)), logger: handle.logger)
                try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).summaries WHERE user_id = $1", binds: try .values(user)), logger: handle.logger)
            }
            try await Self.eventually("the second instance sees the summary gone") {
                try await second.summaries.summary(tenant: tenant, userId: user) == nil
            }
        }
    }

    /// An event of a kept patron applies itself to the kept summary (one round trip). Should the
    /// kept summary have changed unnoticed (here by hand, with the trigger off for that
    /// transaction), the write's version check refuses it and the event is applied to what the
    /// database holds: nothing is overwritten.
    @Test func anEventOfAKeptPatronNeverOverwritesAChangeItDidNotSee() async throws {
        try await Self.withTwoInstances { first, _, tenant in
            let user = UUID()
            try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
            #expect(try await Self.readUntilKept(first, tenant, user)?.openLoans.count == 1)
            let handle = try #require(first.postgresHandle)
            let s = PostgresHandle.schema(tenant)
            let byHand = UUID()
            try await handle.client.withConnection { connection in
                try await connection.query("BEGIN", logger: handle.logger)
                try await PostgresSummaryNotifications.beginBulkWrite(connection, logger: handle.logger)
                try await connection.query(PostgresQuery(unsafeSQL: """
                    INSERT INTO \(s).summary_loans (user_id, loan_id, position, due_date, recall, item_lost, claimed_returned)
                    VALUES ($1, $2, 1, now(), false, false, false)
                    """, binds: try .values(user, byHand)), logger: handle.logger)
                try await connection.query(PostgresQuery(unsafeSQL: "UPDATE \(s).summaries SET id = id WHERE user_id = $1", binds: try .values(user)), logger: handle.logger)
                try await connection.query("COMMIT", logger: handle.logger)
            }
            #expect(try Self.isKept(first, tenant, user), "the change by hand was not notified")
            let cache = try #require(first.postgresHandle?.summaryCache)
            let applied = cache.statistics.lookups.events
            let after = try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
            #expect(cache.statistics.lookups.events == applied + 1, "the event began from the kept summary")
            #expect(after?.openLoans.count == 3)
            #expect(after?.openLoans.contains { $0.loanId == byHand } == true)
            #expect(try await first.summaries.summary(tenant: tenant, userId: user)?.openLoans.count == 3)
        }
    }

    /// An event of a kept patron that nobody else changed is applied to what was kept.
    @Test func anEventOfAKeptPatronIsAppliedToWhatWasKept() async throws {
        try await Self.withTwoInstances { first, second, tenant in
            let user = UUID()
            try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
            #expect(try await Self.readUntilKept(first, tenant, user)?.openLoans.count == 1)
            let cache = try #require(first.postgresHandle?.summaryCache)
            let applied = cache.statistics.lookups.events
            #expect(try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())?.openLoans.count == 2)
            #expect(cache.statistics.lookups.events == applied + 1)
            try await Self.eventually("the other instance reads both loans") {
                try await second.summaries.summary(tenant: tenant, userId: user)?.openLoans.count == 2
            }
        }
    }

    /// An event's write keeps what it left, at the version the database holds; its own
    /// notification leaves it, and another instance's write takes it out.
    @Test func anEventsWriteIsKeptThroughItsOwnNotification() async throws {
        try await Self.withTwoInstances { first, second, tenant in
            let user = UUID()
            let cache = try #require(first.postgresHandle?.summaryCache)
            let key = SummaryCache.Key(tenant: tenant, userId: user)
            let handle = try #require(first.postgresHandle)
            let loans = Mutex(0)
            // A loaded machine can make the instance miss a probe and stop listening for a while,
            // which keeps nothing: the write is made again until one is made while it listens
            // from before the write until after its own notification (each try up to 5 s; the
            // whole suite at its busiest was seen to need more than 30 s).
            for _ in 1...2 {
                try await Self.eventually("a write is kept through its own notification", patience: .seconds(120)) {
                    guard let before = cache.ticket(key) else { return false }
                    let written = try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
                    #expect(written?.openLoans.count == loans.withLock { $0 += 1; return $0 })
                    // The write and its own notification each move the patron's stamp once, in
                    // either order: the notification can reach the listener before the write's
                    // answer reaches the writer.
                    let deadline = ContinuousClock.now + .seconds(5)
                    while let now = cache.ticket(key), now.epoch == before.epoch, now.stamp != before.stamp &+ 2, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    guard let notified = cache.ticket(key), notified.epoch == before.epoch, notified.stamp == before.stamp &+ 2 else { return false }
                    #expect(cache.lookup(key, now: .now) == .hit(written), "kept through its own notification")
                    var stored: String?
                    for try await version in try await handle.client.query(PostgresQuery(unsafeSQL: "SELECT xmin::text FROM \(PostgresHandle.schema(tenant)).summaries WHERE user_id = '\(user.folio)'"), logger: handle.logger).decode(String.self) {
                        stored = version
                    }
                    #expect(cache.kept(key, now: .now)?.version == stored)
                    return true
                }
            }
            try await second.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
            try await Self.eventually("the other instance's write takes it out") { try !Self.isKept(first, tenant, user) }
            #expect(try await first.summaries.summary(tenant: tenant, userId: user)?.openLoans.count == loans.withLock { $0 } + 1)
        }
    }

    /// A full synchronization rewrites every summary with one notification for the tenant.
    @Test func aFullSynchronizationIsNoticedOnce() async throws {
        try await Self.withTwoInstances { first, second, tenant in
            let (user, other) = (UUID(), UUID())
            for patron in [user, other] {
                try await first.summaries.record(Self.checkOut(patron), tenant: tenant, at: Date())
                #expect(try await Self.readUntilKept(second, tenant, patron)?.openLoans.count == 1)
            }
            let handle = try #require(second.postgresHandle)
            let notifications = try await PostgresConnection.connect(configuration: handle.settings.connectionConfiguration(), id: 9, logger: handle.logger)
            defer { Task { try? await notifications.close() } }
            try await notifications.listen(on: PostgresSummaryNotifications.channel) { received in
                let claimed = try await StagedRebuildTests.claim(first, tenant: tenant)
                let marker = try await first.sync.beginSync(tenant: tenant, jobId: claimed.job.id, scope: .full)
                let loans = (0..<3).map { _ in StagedRebuildTests.loan(user) } + [StagedRebuildTests.loan(other)]
                #expect(try await first.sync.stagePage(tenant: tenant, jobId: claimed.job.id, page: .loans(loans), job: claimed.job, progress: claimed.progress, runner: "r", now: Date()))
                #expect(try await first.sync.sealStaging(tenant: tenant, jobId: claimed.job.id, job: claimed.job, progress: claimed.progress, runner: "r", now: Date()))
                #expect(try await first.sync.finishSync(tenant: tenant, job: claimed.job, eventMarker: marker, runner: "r", now: Date()))
                try await Self.eventually("the second instance sees the synchronized loans") {
                    try await second.summaries.summary(tenant: tenant, userId: user)?.openLoans.count == 3
                }
                #expect(try await second.summaries.summary(tenant: tenant, userId: other)?.openLoans.count == 1)
                // A marker after the switch: everything before it has been received.
                try await handle.client.query("SELECT pg_notify(\(PostgresSummaryNotifications.channel), 'marker')", logger: handle.logger)
                var payloads: [String] = []
                for try await notification in received {
                    if notification.payload == "marker" { break }
                    // The instances' own probes pass here too.
                    if !notification.payload.hasPrefix(PostgresSummaryNotifications.probePrefix) { payloads.append(notification.payload) }
                }
                #expect(payloads == [tenant + PostgresSummaryNotifications.schemaSuffix], "one notification for the tenant, none per patron")
            }
        }
    }

    @Test func aPurgedTenantIsNoticed() async throws {
        try await Self.withTwoInstances { first, second, tenant in
            let user = UUID()
            try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
            #expect(try await Self.readUntilKept(second, tenant, user) != nil)
            try await first.tenants.purgeTenant(tenant)
            try await first.tenants.installTenant(tenant)
            try await Self.eventually("the second instance no longer keeps the purged summary") {
                try !Self.isKept(second, tenant, user)
            }
            #expect(try await second.summaries.summary(tenant: tenant, userId: user) == nil)
        }
    }

    /// A listening connection that is lost drops everything kept; the instance listens again.
    @Test func aLostListeningConnectionDropsWhatWasKept() async throws {
        try await Self.withTwoInstances { first, second, tenant in
            let user = UUID()
            try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
            #expect(try await Self.readUntilKept(second, tenant, user) != nil)
            let handle = try #require(first.postgresHandle)
            var terminated = 0
            for try await ended in try await handle.client.query("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = \(PostgresSummaryNotifications.applicationName)
                """, logger: handle.logger).decode(Bool.self) where ended {
                terminated += 1
            }
            // Four when both instances are listening; fewer when a probe late on a loaded machine
            // has one of them reconnecting, which drops what it kept just as well.
            #expect(terminated >= 1, "the listening and probing connections")
            try await Self.eventually("the kept summary is dropped") { try !Self.isKept(second, tenant, user) }
            let cache = try #require(second.postgresHandle?.summaryCache)
            try await Self.eventually("the instance listens again") { cache.isListening }
            #expect(try await second.summaries.summary(tenant: tenant, userId: user)?.openLoans.count == 1)
            try await first.summaries.record(Self.checkOut(user), tenant: tenant, at: Date())
            try await Self.eventually("the second instance sees the new loan through its new connection") {
                try await second.summaries.summary(tenant: tenant, userId: user)?.openLoans.count == 2
            }
        }
    }

    /// A connection that LISTENs but receives nothing (as behind a pooler in transaction mode)
    /// never serves: here the probes go to another database, where this connection cannot hear
    /// them. The same service probing its own database serves.
    @Test func anInstanceThatDoesNotHearItsProbesNeverServes() async throws {
        let listened = try await Backend.createPostgresDatabase(), elsewhere = try await Backend.createPostgresDatabase()
        var logger = Logger(label: "test.notifications")
        logger.logLevel = .critical
        // Unheard: several probes time out in the time watched. Heard: it serves once a probe is back.
        let cases = [(probes: elsewhere, serves: false, probeTimeout: Duration.milliseconds(300), watched: Duration.milliseconds(1_500)),
                     (probes: listened, serves: true, probeTimeout: Duration.seconds(5), watched: Self.patience)]
        for (probesURL, serves, probeTimeout, watched) in cases {
            let cache = SummaryCache(settings: .init(capacity: 100, lifetime: .seconds(30)))
            var service = PostgresSummaryNotifications(configuration: try PostgresSettings(url: listened).connectionConfiguration(), cache: cache, logger: logger)
            service.probeConfiguration = try PostgresSettings(url: probesURL).connectionConfiguration()
            service.probeTimeout = probeTimeout
            service.reconnectDelays = [.milliseconds(50)]
            let running = service
            let everServed = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { try await running.run(); return false }
                let deadline = ContinuousClock.now + watched
                var served = false
                while !served && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                    served = cache.isListening
                }
                group.cancelAll()
                return served
            }
            #expect(everServed == serves, "probes through \(probesURL == listened ? "its own" : "another") database")
        }
    }
}
