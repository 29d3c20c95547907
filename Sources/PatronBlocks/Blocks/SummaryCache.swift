import Foundation
import Synchronization

/// Patrons' summaries kept between reads by a PostgreSQL instance, coherent with the database.
/// Every write of a summary, by any instance or by hand, makes the database notify
/// (`PostgresSummaryNotifications`), and the notification takes the patron out of here; a write
/// through this instance does so at once as well.
///
/// Three rules keep a stale summary from being served:
/// - nothing is served or kept while the notifications are not being received (before the
///   first LISTEN, and from a lost connection until it listens again, which starts empty);
/// - a read keeps what it read only if no notification of its patron (or its tenant, or the
///   connection) arrived since it began: a read takes a `Ticket` before it asks the database,
///   and a notification changes what the ticket must match;
/// - an entry expires after the lifetime whatever happens, should a notification ever be lost
///   without the connection being.
///
/// An event's write keeps what it left (`wrote`) with the version the database answered, which
/// is the one that write's notification carries: that notification leaves the entry, every other
/// takes it out, and a write overtaken by any other change keeps nothing.
///
/// The tickets are counters in a fixed table by the key's hash, not per patron: memory stays
/// bounded, and a collision only means a read is not kept.
public final class SummaryCache: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Patrons kept at most; 0 turns the cache off.
        public var capacity: Int
        public var lifetime: Duration

        public init(capacity: Int, lifetime: Duration) {
            self.capacity = capacity
            self.lifetime = lifetime
        }

        var isEnabled: Bool { capacity > 0 && lifetime > .zero }
    }

    public struct Key: Hashable, Sendable {
        public var tenant: String
        public var userId: UUID

        public init(tenant: String, userId: UUID) {
            self.tenant = tenant
            self.userId = userId
        }
    }

    /// What the cache looked like for a key when a read began.
    public struct Ticket: Equatable, Sendable {
        /// Moves whenever the instance stops or starts listening (and for a tenant's change).
        let epoch: UInt64
        /// Moves with each write of a patron in the key's bucket, by this instance or notified.
        let stamp: UInt32
    }

    public enum Lookup: Equatable, Sendable {
        /// Kept: the summary, or that the patron has none.
        case hit(UserSummary?)
        /// Read it; keep it with the ticket (nil: do not keep it, the cache is not serving).
        case miss(Ticket?)
    }

    private struct Entry {
        var summary: UserSummary?
        /// The database's version of what was read (see `PostgresSummaries.Load`), for an event
        /// that applies itself to the kept summary: its write checks the version, so a summary
        /// changed meanwhile is refused and read again, never overwritten.
        var version: String
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var listening = false
        /// Moves on anything that makes every read in progress suspect: the connection, a tenant.
        var epoch: UInt64 = 0
        var stamps = [UInt32](repeating: 0, count: SummaryCache.stampCount)
        /// The version the last notification of each bucket carried (nil: none, or none said).
        var notified = [String?](repeating: nil, count: SummaryCache.stampCount)
        var lookups = Lookups()
    }

    /// Lookups since the start, for the metrics: an operator sees a cache that never serves
    /// (behind a pooler that does not pass notifications on) as `notServing` growing alone.
    public struct Lookups: Equatable, Sendable {
        public var hits: UInt64 = 0
        public var misses: UInt64 = 0
        public var notServing: UInt64 = 0
        /// Events applied to a kept summary (one round trip instead of two).
        public var events: UInt64 = 0
    }

    static let stampCount = 4096
    public let settings: Settings
    private let state = Mutex(State())

    public init(settings: Settings) {
        self.settings = settings
    }

    private static func bucket(_ key: Key) -> Int {
        key.hashValue & (stampCount - 1)
    }

    public func lookup(_ key: Key, now: ContinuousClock.Instant) -> Lookup {
        guard settings.isEnabled else { return .miss(nil) }
        return state.withLock { state in
            guard state.listening else {
                state.lookups.notServing += 1
                return .miss(nil)
            }
            if let entry = state.entries[key] {
                if entry.expires > now {
                    state.lookups.hits += 1
                    return .hit(entry.summary)
                }
                state.entries[key] = nil
            }
            state.lookups.misses += 1
            return .miss(Ticket(epoch: state.epoch, stamp: state.stamps[Self.bucket(key)]))
        }
    }

    /// What is kept for an event's write, with its version.
    public func kept(_ key: Key, now: ContinuousClock.Instant) -> (summary: UserSummary?, version: String)? {
        guard settings.isEnabled else { return nil }
        return state.withLock { state in
            guard state.listening, let entry = state.entries[key], entry.expires > now else { return nil }
            state.lookups.events += 1
            return (entry.summary, entry.version)
        }
    }

    /// Keeps what a read found, unless something changed since its ticket was taken.
    public func keep(_ summary: UserSummary?, version: String, for key: Key, ticket: Ticket, now: ContinuousClock.Instant) {
        state.withLock { state in
            guard state.listening, state.epoch == ticket.epoch, state.stamps[Self.bucket(key)] == ticket.stamp else { return }
            Self.insert(Entry(summary: summary, version: version, expires: now + settings.lifetime), for: key, into: &state, capacity: settings.capacity, now: now)
        }
    }

    private static func insert(_ entry: Entry, for key: Key, into state: inout State, capacity: Int, now: ContinuousClock.Instant) {
        if state.entries.count >= capacity, state.entries[key] == nil {
            state.entries = state.entries.filter { $0.value.expires > now }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
        }
        state.entries[key] = entry
    }

    /// The ticket an event's write takes before it begins, for `wrote`; nil when not serving.
    public func ticket(_ key: Key) -> Ticket? {
        guard settings.isEnabled else { return nil }
        return state.withLock { state in
            state.listening ? Ticket(epoch: state.epoch, stamp: state.stamps[Self.bucket(key)]) : nil
        }
    }

    /// A patron's summary was written, by this instance or (`version` nil) by a writer not known.
    public func changed(_ key: Key) {
        changed(key, version: nil)
    }

    /// The database notified a write of a patron's summary, which left it at `version` (nil for
    /// a notification that does not say). What is kept at that very version is what that write
    /// left (this instance's own write, kept by `wrote`), and stays; anything else goes.
    public func changed(_ key: Key, version: String?) {
        state.withLock { state in
            let bucket = Self.bucket(key)
            state.stamps[bucket] &+= 1
            state.notified[bucket] = version
            if version == nil || state.entries[key]?.version != version { state.entries[key] = nil }
        }
    }

    /// This instance wrote a patron's summary, leaving `summary` at `version`: kept, unless
    /// something other than that write's own notification changed the patron (or its bucket)
    /// since `ticket`, taken before the write began. Reads in progress, which began before the
    /// write, are not kept after it.
    public func wrote(_ summary: UserSummary?, version: String, for key: Key, ticket: Ticket, now: ContinuousClock.Instant) {
        state.withLock { state in
            let bucket = Self.bucket(key)
            let stamp = state.stamps[bucket]
            let unchanged = stamp == ticket.stamp || (stamp == ticket.stamp &+ 1 && state.notified[bucket] == version)
            state.stamps[bucket] &+= 1
            state.notified[bucket] = nil
            guard state.listening, state.epoch == ticket.epoch, unchanged else {
                state.entries[key] = nil
                return
            }
            Self.insert(Entry(summary: summary, version: version, expires: now + settings.lifetime), for: key, into: &state, capacity: settings.capacity, now: now)
        }
    }

    /// Every summary of a tenant may have changed (a full synchronization, a purge).
    public func changed(tenant: String) {
        state.withLock { state in
            state.epoch &+= 1
            state.entries = state.entries.filter { $0.key.tenant != tenant }
        }
    }

    /// The notifications are being received from now on: serve and keep, starting empty (what
    /// was kept before may have changed unnoticed).
    public func startedListening() {
        state.withLock { state in
            state.listening = true
            state.epoch &+= 1
            state.entries.removeAll()
        }
    }

    /// The notifications may be missed from now on (the connection is lost or closing).
    public func stoppedListening() {
        state.withLock { state in
            state.listening = false
            state.epoch &+= 1
            state.entries.removeAll()
        }
    }

    public var isListening: Bool {
        state.withLock { $0.listening }
    }

    var count: Int {
        state.withLock { $0.entries.count }
    }

    /// What the metrics show, read at once.
    public var statistics: (lookups: Lookups, entries: Int, listening: Bool) {
        state.withLock { ($0.lookups, $0.entries.count, $0.listening) }
    }
}
