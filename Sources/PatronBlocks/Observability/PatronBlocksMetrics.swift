import Foundation
import Metrics
import Prometheus
import Synchronization

/// The service's metrics, made through swift-metrics with a Prometheus factory of the service's
/// own (no process-wide bootstrap: every service, in tests too, has its registry), and written in
/// Prometheus' text format for `GET /metrics`.
public final class PatronBlocksMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // A block check is milliseconds; a slow upstream makes it seconds.
        let buckets: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                   .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5)]
        factory.defaultDurationHistogramBuckets = buckets
        self.factory = factory
        inProgress = Metrics.Gauge(label: "patronblocks_sync_jobs_in_progress", factory: factory)
        inProgress.record(0)
        checkCounters = Dictionary(uniqueKeysWithValues: BlockCheckResult.allCases.map { result in
            (result, Metrics.Counter(label: "patronblocks_block_checks_total", dimensions: [("result", result.rawValue)], factory: factory))
        })
        checkTimer = Metrics.Timer(label: "patronblocks_block_check_duration_seconds", factory: factory)
    }

    private let inProgress: Metrics.Gauge
    private let checkCounters: [BlockCheckResult: Metrics.Counter]
    private let checkTimer: Metrics.Timer

    // Handles are kept: making one goes through the registry's lock and builds its label set,
    // which on every block check cost more than the check's own evaluation.
    private struct RouteKey: Hashable { var method: String, route: String }
    private struct RequestKey: Hashable { var route: RouteKey, status: Int }
    private let requestCounters = Mutex<[RequestKey: Metrics.Counter]>([:])
    private let requestTimers = Mutex<[RouteKey: Metrics.Timer]>([:])
    private let eventCounters = Mutex<[PatronEvent.Kind: Metrics.Counter]>([:])

    /// The handle kept under `key`, made once.
    private static func handle<Key: Hashable & Sendable, Handle: Sendable>(_ cache: borrowing Mutex<[Key: Handle]>, _ key: Key, make: () -> Handle) -> Handle {
        cache.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = make()
            handles[key] = handle
            return handle
        }
    }

    func request(method: String, route: String, status: Int, duration: Duration) {
        let routeKey = RouteKey(method: method, route: route)
        Self.handle(requestCounters, RequestKey(route: routeKey, status: status)) {
            Metrics.Counter(label: "patronblocks_http_requests_total", dimensions: [("method", method), ("route", route), ("status", "\(status)")], factory: factory)
        }.increment()
        Self.handle(requestTimers, routeKey) {
            Metrics.Timer(label: "patronblocks_http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: factory)
        }.record(duration: duration)
    }

    public enum BlockCheckResult: String, Sendable, CaseIterable {
        case clear, blocked
        case failedOpen = "failed_open"
    }

    func blockCheck(_ result: BlockCheckResult, duration: Duration) {
        checkCounters[result]?.increment()
        checkTimer.record(duration: duration)
    }

    func event(_ kind: PatronEvent.Kind) {
        Self.handle(eventCounters, kind) {
            Metrics.Counter(label: "patronblocks_events_total", dimensions: [("type", kind.rawValue)], factory: factory)
        }.increment()
    }

    func syncProcessed(loans: Int, feesFines: Int) {
        if loans > 0 { Metrics.Counter(label: "patronblocks_sync_records_processed_total", dimensions: [("kind", "loans")], factory: factory).increment(by: loans) }
        if feesFines > 0 { Metrics.Counter(label: "patronblocks_sync_records_processed_total", dimensions: [("kind", "fees_fines")], factory: factory).increment(by: feesFines) }
    }

    func syncStarted() {
        inProgressCount.withLock { $0 += 1; inProgress.record($0) }
    }

    /// A job this instance ran stopped: done or failed are counted; one handed back (open) is not.
    func syncEnded(_ status: SyncJob.Status) {
        inProgressCount.withLock { $0 = max(0, $0 - 1); inProgress.record($0) }
        guard status == .done || status == .failed else { return }
        Metrics.Counter(label: "patronblocks_sync_jobs_finished_total", dimensions: [("status", status.rawValue)], factory: factory).increment()
    }

    private let inProgressCount = Mutex(0)

    /// One user compared by a drift audit: checked, drifted by kind (a user counts once per kind
    /// it shows), repaired.
    func driftChecked(_ differences: [DriftDifference], repaired: Bool) {
        Metrics.Counter(label: "patronblocks_drift_users_checked_total", factory: factory).increment()
        for kind in Set(differences.map(\.kind)) {
            Metrics.Counter(label: "patronblocks_drift_users_total", dimensions: [("kind", kind.rawValue)], factory: factory).increment()
        }
        if repaired { Metrics.Counter(label: "patronblocks_drift_users_repaired_total", factory: factory).increment() }
    }

    private struct WatchedCache {
        let cache: SummaryCache
        var reported = SummaryCache.Lookups()
    }

    private let summaryCache = Mutex<WatchedCache?>(nil)

    /// Shows `cache` in the metrics, read when they are asked for (a block check adds nothing).
    func watch(_ cache: SummaryCache) {
        summaryCache.withLock { $0 = WatchedCache(cache: cache) }
    }

    private func sampleSummaryCache() {
        summaryCache.withLock { watched in
            guard let cache = watched?.cache, let reported = watched?.reported else { return }
            let (lookups, entries, listening) = cache.statistics
            Metrics.Gauge(label: "patronblocks_summary_cache_serving", factory: factory).record(listening ? 1 : 0)
            Metrics.Gauge(label: "patronblocks_summary_cache_entries", factory: factory).record(entries)
            for (result, now, before) in [("hit", lookups.hits, reported.hits), ("miss", lookups.misses, reported.misses),
                                          ("not_serving", lookups.notServing, reported.notServing), ("event", lookups.events, reported.events)] {
                Metrics.Counter(label: "patronblocks_summary_cache_lookups_total", dimensions: [("result", result)], factory: factory)
                    .increment(by: Int64(now - before))
            }
            watched?.reported = lookups
        }
    }

    /// Prometheus' text exposition format (version 0.0.4).
    public func exposition() -> [UInt8] {
        sampleSummaryCache()
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
