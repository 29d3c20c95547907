import Foundation

/// How many connections the service holds and how long a client may take: without limits, a few
/// hundred clients that open a connection and send half a request hold every file descriptor the
/// process has, and the circulation desk's block check is never read.
public struct ConnectionSettings: Sendable, Equatable {
    /// Connections served at once; beyond it new ones wait in the listen backlog (and are
    /// refused when that is full) instead of failing for want of file descriptors.
    public var maxConnections: Int
    /// A request's head and body must arrive within this long of its first byte being awaited
    /// (connection open, or the previous response sent); a client that trickles a byte at a time
    /// is closed when it passes.
    public var requestReadTimeout: Duration = .seconds(10)
    /// A kept-alive connection with no request is closed after this long.
    public var idleTimeout: Duration = .seconds(60)

    public init(maxConnections: Int = ConnectionSettings.defaultMaxConnections(openFileLimit: ConnectionSettings.openFileLimit())) {
        self.maxConnections = maxConnections
    }

    /// Leaves room under the process's open-file limit for storage connections, log files and
    /// the listening socket; never more than 1,024 (an instance serves a desk, not the web).
    public static func defaultMaxConnections(openFileLimit: Int?) -> Int {
        guard let openFileLimit else { return 1_024 }
        return min(1_024, max(8, openFileLimit - 64))
    }

    /// The soft RLIMIT_NOFILE, nil when unlimited or unknown.
    public static func openFileLimit() -> Int? {
        var limit = rlimit()
        // RLIM_INFINITY is all ones, which Swift cannot import as a constant.
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: limit.rlim_cur)
    }
}
