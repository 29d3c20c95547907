import Backoff
import Foundation

public struct SynchronizationSettings: Sendable, Equatable {
    /// Records per upstream page (FOLIO uses 100).
    public var pageSize = 500
    /// How many pages of one collection are read from FOLIO at once, each from its own slice of
    /// the id space (`KeysetRange.split`). A job keeps the slices it began with.
    public var parallelPages = 4
    /// A job whose runner has not beaten for this long is taken back (or failed).
    public var lease: TimeInterval = 120
    public var heartbeatInterval: Duration = .seconds(10)
    /// How often the runner looks for open jobs without being woken.
    public var pollInterval: Duration = .seconds(30)
    /// How long a cancelled runner's loop (a job handing itself back, a claim, a pruning) is
    /// waited for before the runner ends without it (`waitUnlessCancelled`).
    public var cancellationGrace: Duration = Self.defaultCancellationGrace
    /// Also the PostgreSQL pool's, which cannot read the settings (`Storage.services`).
    static let defaultCancellationGrace: Duration = .seconds(10)
    /// Claims of one job before it fails instead of being taken again.
    public var maxAttempts = 3
    public var retry = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(200), maxDelay: .seconds(5))
    /// How often a full drift audit is scheduled (nil: never), and whether it repairs.
    public var auditEvery: Duration?
    public var auditRepair = false
    /// Names this instance in the job table.
    public var runnerID = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"

    public init() {}
}
