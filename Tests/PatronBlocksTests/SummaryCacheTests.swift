import Foundation
import Testing
@testable import PatronBlocks

/// The summary cache's rules, without a database: what it serves, what it refuses to keep, and
/// what a notification, a tenant's change or a lost connection takes out.
@Suite struct SummaryCacheTests {
    static let start = ContinuousClock.now
    static let tenant = "diku"

    static func listeningCache(capacity: Int = 100, lifetime: Duration = .seconds(30)) -> SummaryCache {
        let cache = SummaryCache(settings: .init(capacity: capacity, lifetime: lifetime))
        cache.startedListening()
        return cache
    }

    static func summary(_ user: UUID) -> UserSummary {
        var summary = UserSummary(id: UUID(), userId: user)
        summary.openLoans = [OpenLoan(loanId: UUID(), dueDate: Date(timeIntervalSince1970: 1_800_000_000), recall: false, itemLost: false,
                                      itemClaimedReturned: false, gracePeriod: nil)]
        return summary
    }

    /// Reads the cache for `key` as the store does: a hit, or a ticket (nil: not serving).
    static func ticket(_ cache: SummaryCache, _ key: SummaryCache.Key, now: ContinuousClock.Instant = start) throws -> SummaryCache.Ticket? {
        switch cache.lookup(key, now: now) {
        case .hit: throw Backend.Missing(description: "expected a miss")
        case .miss(let ticket): return ticket
        }
    }

    @Test func aReadIsKeptAndServedUntilItsPatronChanges() throws {
        let cache = Self.listeningCache()
        let key = SummaryCache.Key(tenant: Self.tenant, userId: UUID())
        let summary = Self.summary(key.userId)
        let ticket = try #require(try Self.ticket(cache, key))
        cache.keep(summary, version: "1", for: key, ticket: ticket, now: Self.start)
        #expect(cache.lookup(key, now: Self.start + .seconds(1)) == .hit(summary))
        cache.changed(key)
        #expect(try Self.ticket(cache, key) != nil, "the change took the patron out")
    }

    @Test func aPatronWithoutASummaryIsKeptAsNone() throws {
        let cache = Self.listeningCache()
        let key = SummaryCache.Key(tenant: Self.tenant, userId: UUID())
        cache.keep(nil, version: "1", for: key, ticket: try #require(try Self.ticket(cache, key)), now: Self.start)
        #expect(cache.lookup(key, now: Self.start) == .hit(nil))
    }

    /// The race the tickets exist for: a write commits after the read's snapshot, and its
    /// notification arrives before the read is kept.
    @Test func aReadOvertakenByAChangeOfItsPatronIsNotKept() throws {
        let cache = Self.listeningCache()
        let key = SummaryCache.Key(tenant: Self.tenant, userId: UUID())
        let ticket = try #require(try Self.ticket(cache, key))
        cache.changed(key)
        cache.keep(Self.summary(key.userId), version: "1", for: key, ticket: ticket, now: Self.start)
        #expect(try Self.ticket(cache, key) != nil)
        #expect(cache.count == 0)
    }

    @Test func aTenantsChangeTakesOutItsPatronsAndEveryReadInProgress() throws {
        let cache = Self.listeningCache()
        let mine = SummaryCache.Key(tenant: Self.tenant, userId: UUID())
        let theirs = SummaryCache.Key(tenant: "other", userId: UUID())
        for key in [mine, theirs] { cache.keep(Self.summary(key.userId), version: "1", for: key, ticket: try #require(try Self.ticket(cache, key)), now: Self.start) }
        let late = SummaryCache.Key(tenant: "other", userId: UUID())
        let lateTicket = try #require(try Self.ticket(cache, late))
        cache.changed(tenant: Self.tenant)
        #expect(try Self.ticket(cache, mine) != nil)
        if case .hit(let kept) = cache.lookup(theirs, now: Self.start) { #expect(kept?.userId == theirs.userId) } else { Issue.record("another tenant's patron was taken out") }
        cache.keep(Self.summary(late.userId), version: "1", for: late, ticket: lateTicket, now: Self.start)
        #expect(try Self.ticket(cache, late) != nil, "a read begun before the tenant's change is not kept")
    }

    @Test func nothingIsServedOrKeptWhileNotListening() throws {
        let cache = SummaryCache(settings: .init(capacity: 100, lifetime: .seconds(30)))
        let key = SummaryCache.Key(tenant: Self.tenant, userId: UUID())
        #expect(try Self.ticket(cache, key) == nil, "before the first LISTEN")
        cache.startedListening()
        let ticket = try #require(try Self.ticket(cache, key))
        cache.keep(Self.summary(key.userId), version: "1", for: key, ticket: ticket, now: Self.start)
        cache.stoppedListening()
        #expect(try Self.ticket(cache, key) == nil, "the connection was lost")
        #expect(cache.count == 0)
        cache.startedListening()
        #expect(try Self.ticket(cache, key) != nil, "listening again starts empty")
        cache.keep(Self.summary(key.userId), version: "1", for: key, ticket: ticket, now: Self.start)
        #expect(cache.count == 0, "a read begun before the connection was lost is not kept")
    }

    @Test func anEntryExpiresAfterTheLifetime() throws {
        let cache = Self.listeningCache(lifetime: .seconds(30))
        let key = SummaryCache.Key(tenant: Self.tenant, userId: UUID())
        let summary = Self.summary(key.userId)
        cache.keep(summary, version: "1", for: key, ticket: try #require(try Self.ticket(cache, key)), now: Self.start)
        #expect(cache.lookup(key, now: Self.start + .seconds(29)) == .hit(summary))
        #expect(try Self.ticket(cache, key, now: Self.start + .seconds(30)) != nil)
    }

    @Test func theCacheKeepsAtMostItsCapacity() throws {
        let cache = Self.listeningCache(capacity: 3)
        for _ in 0..<10 {
            let key = SummaryCache.Key(tenant: Self.tenant, userId: UUID())
            cache.keep(nil, version: "1", for: key, ticket: try #require(try Self.ticket(cache, key)), now: Self.start)
            #expect(cache.count <= 3)
        }
    }

    @Test(arguments: [SummaryCache.Settings(capacity: 0, lifetime: .seconds(30)), SummaryCache.Settings(capacity: 100, lifetime: .zero)])
    func aCacheTurnedOffServesNothing(_ settings: SummaryCache.Settings) throws {
        let cache = SummaryCache(settings: settings)
        cache.startedListening()
        #expect(try Self.ticket(cache, SummaryCache.Key(tenant: Self.tenant, userId: UUID())) == nil)
    }

    /// An event's write keeps what it left, at the version it answered; the database's
    /// notification of that very write leaves it, whether it arrives before or after.
    @Test(arguments: [false, true]) func aWriteKeepsWhatItLeftThroughItsOwnNotification(_ notifiedFirst: Bool) throws {
        let cache = Self.listeningCache()
        let key = SummaryCache.Key(tenant: Self.tenant, userId: UUID())
        let summary = Self.summary(key.userId)
        let ticket = try #require(cache.ticket(key))
        if notifiedFirst { cache.changed(key, version: "731") }
        cache.wrote(summary, version: "731", for: key, ticket: ticket, now: Self.start)
        if !notifiedFirst { cache.changed(key, version: "731") }
        #expect(cache.lookup(key, now: Self.start) == .hit(summary))
        #expect(cache.kept(key, now: Self.start)?.version == "731")
        cache.changed(key, version: "732")
        #expect(try Self.ticket(cache, key) != nil, "another write's notification takes it out")
    }

    @Test func aWriteOvertakenByAnotherIsNotKept() throws {
        let cache = Self.listeningCache()
        let key = SummaryCache.Key(tenant: Self.tenant, userId: UUID())
        // Another writer's notification (or one that does not say its version) between the
        // ticket and the keeping.
        for other in ["730", nil] as [String?] {
            let earlier = try #require(cache.ticket(key))
            cache.changed(key, version: other)
            cache.wrote(Self.summary(key.userId), version: "731", for: key, ticket: earlier, now: Self.start)
            #expect(cache.count == 0, "\(String(describing: other))")
        }
        // Its own notification and then another's: two changes since the ticket.
        let late = try #require(cache.ticket(key))
        cache.changed(key, version: "731")
        cache.changed(key, version: "732")
        cache.wrote(Self.summary(key.userId), version: "731", for: key, ticket: late, now: Self.start)
        #expect(cache.count == 0)
        // What was kept before the write goes too, though its own notification left it: the
        // write changed it.
        let before = try #require(try Self.ticket(cache, key))
        cache.keep(Self.summary(key.userId), version: "700", for: key, ticket: before, now: Self.start)
        cache.changed(key, version: "700")
        #expect(cache.count == 1)
        cache.wrote(Self.summary(key.userId), version: "731", for: key, ticket: before, now: Self.start)
        #expect(cache.count == 0)
    }

    /// A check that read the summary before an event's write finishes after it: what it read is
    /// older than what the write left, and is not kept over it.
    @Test func aReadBegunBeforeAWriteIsNotKeptAfterIt() throws {
        let cache = Self.listeningCache()
        let key = SummaryCache.Key(tenant: Self.tenant, userId: UUID())
        let readTicket = try #require(try Self.ticket(cache, key))
        let written = Self.summary(key.userId)
        cache.wrote(written, version: "731", for: key, ticket: try #require(cache.ticket(key)), now: Self.start)
        cache.keep(nil, version: "", for: key, ticket: readTicket, now: Self.start)
        #expect(cache.lookup(key, now: Self.start) == .hit(written))
    }

    @Test func aWriteWhileNotListeningKeepsNothing() throws {
        let cache = SummaryCache(settings: .init(capacity: 100, lifetime: .seconds(30)))
        let key = SummaryCache.Key(tenant: Self.tenant, userId: UUID())
        #expect(cache.ticket(key) == nil)
        cache.startedListening()
        let ticket = try #require(cache.ticket(key))
        cache.stoppedListening()
        cache.startedListening()
        cache.wrote(Self.summary(key.userId), version: "731", for: key, ticket: ticket, now: Self.start)
        #expect(cache.count == 0, "the connection was lost during the write")
    }

    @Test func notificationPayloadsAreRead() {
        let user = UUID()
        #expect(PostgresSummaryNotifications.change("DIKU_mod_patron_blocks \(user.folio) 731") == .patron(tenant: "DIKU", userId: user, version: "731"))
        #expect(PostgresSummaryNotifications.change("DIKU_mod_patron_blocks \(user.folio)") == .patron(tenant: "DIKU", userId: user, version: nil))
        #expect(PostgresSummaryNotifications.change("diku_mod_patron_blocks") == .tenant("diku"))
        #expect(PostgresSummaryNotifications.change("probe \(user.uuidString)") == .probe(user))
        for payload in ["", "_mod_patron_blocks", "diku", "diku_mod_patron_blocks not-a-uuid", "diku_mod_patron_blocks \(user.folio) more", "diku_mod_patron_blocks \(user.folio) ", "diku_mod_patron_blocks \(user.folio) 1 2", "probe x"] {
            #expect(PostgresSummaryNotifications.change(payload) == .unknown, "\(payload)")
        }
    }

    /// What the metrics show: every lookup counted by what it found, read when they are scraped.
    @Test func lookupsAreCountedAndShownInTheMetrics() throws {
        let cache = SummaryCache(settings: .init(capacity: 100, lifetime: .seconds(30)))
        let metrics = PatronBlocksMetrics()
        metrics.watch(cache)
        let key = SummaryCache.Key(tenant: Self.tenant, userId: UUID())
        #expect(try Self.ticket(cache, key) == nil, "not listening yet")
        #expect(Self.sample(metrics, "patronblocks_summary_cache_serving ") == 0)
        cache.startedListening()
        cache.keep(Self.summary(key.userId), version: "1", for: key, ticket: try #require(try Self.ticket(cache, key)), now: Self.start)
        _ = cache.lookup(key, now: Self.start)
        _ = cache.lookup(key, now: Self.start)
        #expect(cache.kept(key, now: Self.start)?.version == "1")
        #expect(cache.statistics.lookups == SummaryCache.Lookups(hits: 2, misses: 1, notServing: 1, events: 1))
        #expect(Self.sample(metrics, "patronblocks_summary_cache_lookups_total{result=\"event\"} ") == 1)
        #expect(Self.sample(metrics, "patronblocks_summary_cache_lookups_total{result=\"hit\"} ") == 2)
        #expect(Self.sample(metrics, "patronblocks_summary_cache_lookups_total{result=\"miss\"} ") == 1)
        #expect(Self.sample(metrics, "patronblocks_summary_cache_lookups_total{result=\"not_serving\"} ") == 1)
        #expect(Self.sample(metrics, "patronblocks_summary_cache_serving ") == 1)
        #expect(Self.sample(metrics, "patronblocks_summary_cache_entries ") == 1)
        // A second scrape adds only what happened since the first.
        _ = cache.lookup(key, now: Self.start)
        cache.stoppedListening()
        #expect(Self.sample(metrics, "patronblocks_summary_cache_lookups_total{result=\"hit\"} ") == 3)
        #expect(Self.sample(metrics, "patronblocks_summary_cache_serving ") == 0)
        #expect(Self.sample(metrics, "patronblocks_summary_cache_entries ") == 0)
    }

    /// The value of the metric line that starts with `prefix`, from a scrape.
    static func sample(_ metrics: PatronBlocksMetrics, _ prefix: String) -> Double? {
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
    }
}
