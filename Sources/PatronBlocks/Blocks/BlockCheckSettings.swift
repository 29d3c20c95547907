import Backoff

public struct BlockCheckSettings: Sendable, Equatable {
    /// How long a patron's group, a group's limits and a tenant's conditions are reused. Changes
    /// made through this instance apply at once; through another instance, within this time.
    public var cacheLifetime: Duration = .seconds(30)
    /// Patrons whose summaries a PostgreSQL instance keeps between checks (`SummaryCache`: kept
    /// coherent by the database's notifications, and for `cacheLifetime` at most); 0: none.
    public var summaryCacheSize = 100_000
    /// The check sits on every check-out: a slow users module must not hold the desk up long.
    public var upstreamTimeout: Duration = .seconds(5)
    public var retry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(50), maxDelay: .milliseconds(200))

    public init() {}

    public var summaryCache: SummaryCache.Settings {
        SummaryCache.Settings(capacity: summaryCacheSize, lifetime: cacheLifetime)
    }
}
