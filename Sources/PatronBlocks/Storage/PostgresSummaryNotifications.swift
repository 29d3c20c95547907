import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Tells this instance's `SummaryCache` which summaries changed, whoever changed them: a trigger
/// on each tenant's `summaries` table notifies on every row written or deleted (each writer of a
/// patron's loans or fees writes that row too, see `PostgresSummaries.Load`), and this service
/// LISTENs on a connection of its own. A full synchronization's switch turns the trigger off for
/// its transaction and notifies once for the whole tenant, as a purge does.
///
/// The cache serves only while notifications are seen to arrive: a probe is notified through a
/// second connection, made as the pool's are (as any writer's notification would be), when the
/// connection starts listening and every `probeInterval`, and must come back within
/// `probeTimeout`. A connection that LISTENs but
/// receives nothing (a pooler in between that does not pass notifications on, a network gone
/// quiet) therefore never serves, or stops serving, and the connection is made again.
struct PostgresSummaryNotifications: Service {
    static let channel = "patronblocks_summaries"
    static let schemaSuffix = "_mod_patron_blocks"
    static let applicationName = "patronblocks summary notifications"

    /// The listening connection's.
    let configuration: PostgresConnection.Configuration
    /// The probes' connection, made as the pool's are (the same as `configuration` but in tests).
    var probeConfiguration: PostgresConnection.Configuration
    let cache: SummaryCache
    let logger: Logger
    var probeInterval: Duration = .seconds(10)
    var probeTimeout: Duration = .seconds(5)
    var reconnectDelays: [Duration] = [.milliseconds(200), .seconds(1), .seconds(5)]

    init(configuration: PostgresConnection.Configuration, cache: SummaryCache, logger: Logger) {
        self.configuration = configuration
        self.probeConfiguration = configuration
        self.cache = cache
        self.logger = logger
    }

    /// What one notification says.
    enum Change: Equatable {
        /// The version the write left the summary at (as `PostgresSummaries.Load` reads it).
        case patron(tenant: String, userId: UUID, version: String?)
        case tenant(String)
        /// This service's own probe, back.
        case probe(UUID)
        /// Not a payload this version writes: everything is dropped, to be safe.
        case unknown
    }

    static let probePrefix = "probe "

    /// Payloads are `<schema> <user id> <version>` (the trigger; `<schema> <user id>` from the
    /// trigger of an earlier version), `<schema>` (a whole tenant), the schema unquoted as
    /// PostgreSQL names it (`TG_TABLE_SCHEMA`), or `probe <uuid>`.
    static func change(_ payload: String) -> Change {
        if payload.hasPrefix(probePrefix) {
            return UUID(uuidString: String(payload.dropFirst(probePrefix.count))).map { .probe($0) } ?? .unknown
        }
        let parts = payload.split(separator: " ", omittingEmptySubsequences: false)
        guard let schema = parts.first, schema.hasSuffix(schemaSuffix), schema.count > schemaSuffix.count else { return .unknown }
        let tenant = String(schema.dropLast(schemaSuffix.count))
        switch parts.count {
        case 1: return .tenant(tenant)
        case 2: return UUID(uuidString: String(parts[1])).map { .patron(tenant: tenant, userId: $0, version: nil) } ?? .unknown
        case 3 where !parts[2].isEmpty && parts[2].allSatisfy(\.isNumber):
            return UUID(uuidString: String(parts[1])).map { .patron(tenant: tenant, userId: $0, version: String(parts[2])) } ?? .unknown
        default: return .unknown
        }
    }

    func run() async throws {
        defer { cache.stoppedListening() }
        await cancelWhenGracefulShutdown { await listenUntilCancelled() }
    }

    private func listenUntilCancelled() async {
        var failures = 0
        while !Task.isCancelled {
            let probes = ProbeReceipt()
            do {
                try await listenOnce(probes)
            } catch {
                if Task.isCancelled { break }
                // Counted from the last time notifications arrived.
                failures = probes.anyReceived ? 1 : failures + 1
                // Each loss once; a connection that keeps failing at warning would fill the log.
                if failures == 1 {
                    logger.warning("Summary notifications lost: block checks read every summary from PostgreSQL until they are received again", metadata: ["error": "\(error)"])
                }
            }
            cache.stoppedListening()
            try? await Task.sleep(for: reconnectDelays[min(max(failures - 1, 0), reconnectDelays.count - 1)])
        }
    }

    /// The last probe that came back on one connection.
    private final class ProbeReceipt: Sendable {
        private let last = Mutex<UUID?>(nil)

        func received(_ id: UUID) {
            last.withLock { $0 = id }
        }

        func isLast(_ id: UUID) -> Bool {
            last.withLock { $0 == id }
        }

        var anyReceived: Bool {
            last.withLock { $0 != nil }
        }
    }

    private struct ProbeLost: Error, CustomStringConvertible {
        var description: String { "a notification sent through a second connection did not arrive on the listening connection in time" }
    }

    private struct NotificationsEnded: Error, CustomStringConvertible {
        var description: String { "the listening connection closed" }
    }

    private func listenOnce(_ lastProbe: ProbeReceipt) async throws {
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        let prober: PostgresConnection
        do {
            prober = try await PostgresConnection.connect(configuration: probeConfiguration, id: 1, logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        // Stopping closes both at once: a statement waiting on a connection gone quiet would
        // otherwise hold the shutdown until TCP gives up.
        try await withTaskCancellationHandler {
            do {
                try await listen(connection, probingThrough: prober, lastProbe)
            } catch {
                cache.stoppedListening()
                try? await connection.close()
                try? await prober.close()
                throw error
            }
            try? await connection.close()
            try? await prober.close()
        } onCancel: {
            let _: EventLoopFuture<Void> = connection.close()
            let _: EventLoopFuture<Void> = prober.close()
        }
    }

    private func listen(_ connection: PostgresConnection, probingThrough prober: PostgresConnection, _ lastProbe: ProbeReceipt) async throws {
        try await connection.listen(on: Self.channel) { notifications in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await notification in notifications {
                        switch Self.change(notification.payload) {
                        case .patron(let tenant, let userId, let version): cache.changed(SummaryCache.Key(tenant: tenant, userId: userId), version: version)
                        case .tenant(let tenant): cache.changed(tenant: tenant)
                        case .probe(let id): lastProbe.received(id)
                        case .unknown:
                            cache.stoppedListening()
                            cache.startedListening()
                        }
                    }
                    throw NotificationsEnded()
                }
                group.addTask {
                    try await probe(prober, lastProbe)
                    cache.startedListening()
                    while true {
                        try await Task.sleep(for: probeInterval)
                        try await probe(prober, lastProbe)
                    }
                }
                do {
                    try await group.next()
                } catch {
                    // Whichever child is left ends with its connection: the group waits for it.
                    cache.stoppedListening()
                    let _: EventLoopFuture<Void> = connection.close()
                    let _: EventLoopFuture<Void> = prober.close()
                    throw error
                }
            }
        }
    }

    /// Notifies a probe through the second connection and waits for it to arrive on the
    /// listening one.
    private func probe(_ prober: PostgresConnection, _ lastProbe: ProbeReceipt) async throws {
        let id = UUID()
        let deadline = ContinuousClock.now + probeTimeout
        _ = try await Self.awaitBounded(prober.query("SELECT pg_notify(\(Self.channel), \(Self.probePrefix + id.uuidString))", logger: logger),
                                        within: probeTimeout, else: ProbeLost())
        while !lastProbe.isLast(id) {
            guard ContinuousClock.now < deadline else { throw ProbeLost() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits for `future` at most `timeout`, and not after the task is cancelled. A statement sent
    /// as the server closes its connection can stay unanswered for good in postgres-nio, and
    /// structured concurrency would wait for it: a probe must end on time whatever the connection
    /// does.
    static func awaitBounded<T: Sendable>(_ future: EventLoopFuture<T>, within timeout: Duration, else error: some Error) async throws -> T {
        let bounded = future.eventLoop.makePromise(of: T.self)
        future.cascade(to: bounded)
        let timer = future.eventLoop.scheduleTask(in: TimeAmount(timeout)) { bounded.fail(error) }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await bounded.futureResult.get()
        } onCancel: {
            bounded.fail(CancellationError())
        }
    }

    /// The trigger, created with each tenant's schema (two migrations: a function goes whole).
    static func triggerFunction(_ s: String) -> String {
        """
        CREATE OR REPLACE FUNCTION \(s).summary_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- The version: the writing transaction's id, as the row's xmin shows it (32 bits).
            PERFORM pg_notify('\(channel)', TG_TABLE_SCHEMA || ' ' || (CASE TG_OP WHEN 'DELETE' THEN OLD.user_id ELSE NEW.user_id END)::text
                || ' ' || (txid_current() % 4294967296)::text);
            RETURN NULL;
        END $$
        """
    }

    static func trigger(_ s: String) -> String {
        """
        DROP TRIGGER IF EXISTS summary_changed ON \(s).summaries;
        CREATE TRIGGER summary_changed AFTER INSERT OR UPDATE OR DELETE ON \(s).summaries FOR EACH ROW
            WHEN (current_setting('\(bulkSetting)', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION \(s).summary_changed()
        """
    }

    /// Set for one transaction that rewrites a whole tenant: no notification per row, one at the end.
    static let bulkSetting = "patronblocks.bulk_write"

    /// Turns the trigger off until the transaction ends.
    static func beginBulkWrite(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT set_config(\(bulkSetting), 'on', true)", logger: logger)
    }

    /// Notifies every instance, when the transaction commits, that the whole tenant changed.
    static func notifyTenantChanged(_ tenant: String, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(channel), \(tenant + schemaSuffix))", logger: logger)
    }
}
