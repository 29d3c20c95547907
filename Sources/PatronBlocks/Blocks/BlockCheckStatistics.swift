import Synchronization

/// Counters of the block check, for logs and metrics: how often it answered, and how often it
/// failed open (answered "no blocks" because something broke).
public final class BlockCheckStatistics: Sendable {
    private let counters = Mutex<Counts>(Counts())

    public struct Counts: Sendable, Equatable {
        public var checks = 0
        public var blocked = 0
        public var failedOpen = 0
        public var upstreamCalls = 0
    }

    public init() {}

    public var counts: Counts { counters.withLock { $0 } }

    func record(_ change: (inout Counts) -> Void) {
        counters.withLock { change(&$0) }
    }
}
