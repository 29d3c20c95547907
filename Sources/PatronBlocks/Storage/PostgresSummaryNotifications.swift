import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Tells this instance's `SummaryCache` which summaries changed, whoever changed them: a trigger
/// on each tenant's `summaries` table notifies on every row written or deleted (each writer of a
/// patron's loans or fees writes that row too, see `PostgresSummaries.Load`), and this service
/// LISTENs on a connection of its own. A full synchronization's switch turns the trigger off for
/// its transaction and notifies once for the whole tenant, as a purge does.
///
/// The connection is checked every `pingInterval`; a failed or slow check, or a lost connection,
/// stops the cache serving until a new connection listens again.
struct PostgresSummaryNotifications: Service {
    static let channel = "patronblocks_summaries"
    static let schemaSuffix = "_mod_patron_blocks"
    static let applicationName = "patronblocks summary notifications"

    let configuration: PostgresConnection.Configuration
    let cache: SummaryCache
    let logger: Logger
    var pingInterval: Duration = .seconds(10)
    var pingTimeout: Duration = .seconds(5)
    var reconnectDelays: [Duration] = [.milliseconds(200), .seconds(1), .seconds(5)]

    /// What one notification says changed.
    enum Change: Equatable {
        case patron(tenant: String, userId: UUID)
        case tenant(String)
        /// Not a payload this version writes: everything is dropped, to be safe.
        case unknown
    }

    /// Payloads are `<schema> <user id>` (the trigger) or `<schema>` (a whole tenant), the schema
    /// unquoted as PostgreSQL names it (`TG_TABLE_SCHEMA`).
    static func change(_ payload: String) -> Change {
        let parts = payload.split(separator: " ", omittingEmptySubsequences: false)
        guard let schema = parts.first, schema.hasSuffix(schemaSuffix), schema.count > schemaSuffix.count else { return .unknown }
        let tenant = String(schema.dropLast(schemaSuffix.count))
        switch parts.count {
        case 1: return .tenant(tenant)
        case 2: return UUID(uuidString: String(parts[1])).map { .patron(tenant: tenant, userId: $0) } ?? .unknown
        default: return .unknown
        }
    }

    func apply(_ change: Change) {
        switch change {
        case .patron(let tenant, let userId): cache.changed(SummaryCache.Key(tenant: tenant, userId: userId))
        case .tenant(let tenant): cache.changed(tenant: tenant)
        case .unknown:
            cache.stoppedListening()
            cache.startedListening()
        }
    }

    func run() async throws {
        defer { cache.stoppedListening() }
        await cancelWhenGracefulShutdown { await listenUntilCancelled() }
    }

    private func listenUntilCancelled() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await listenOnce { failures = 0 }
            } catch {
                if Task.isCancelled { break }
                failures += 1
                // Each failure once; a connection that keeps failing at warning would fill the log.
                if failures == 1 {
                    logger.warning("Summary notifications lost: block checks read every summary from PostgreSQL until they are received again", metadata: ["error": "\(error)"])
                }
            }
            cache.stoppedListening()
            try? await Task.sleep(for: reconnectDelays[min(max(failures - 1, 0), reconnectDelays.count - 1)])
        }
    }

    private struct PingTimedOut: Error, CustomStringConvertible {
        var description: String { "the listening connection did not answer a check in time" }
    }

    private struct NotificationsEnded: Error, CustomStringConvertible {
        var description: String { "the listening connection closed" }
    }

    private func listenOnce(listening: () -> Void) async throws {
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        do {
            try await connection.listen(on: Self.channel) { notifications in
                // LISTEN has been answered: every commit from now on is notified here.
                cache.startedListening()
                listening()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await notification in notifications { apply(Self.change(notification.payload)) }
                        throw NotificationsEnded()
                    }
                    group.addTask { try await keepChecking(connection) }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            cache.stoppedListening()
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }

    /// A connection that died without a word (a network gone) would otherwise listen to nothing
    /// for as long as TCP takes to notice.
    private func keepChecking(_ connection: PostgresConnection) async throws {
        while true {
            try await Task.sleep(for: pingInterval)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for try await _ in try await connection.query("SELECT 1", logger: logger) {}
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: pingTimeout)
                    return false
                }
                let answered = try await group.next() ?? false
                group.cancelAll()
                if !answered { throw PingTimedOut() }
            }
        }
    }

    /// The trigger, created with each tenant's schema (two migrations: a function goes whole).
    static func triggerFunction(_ s: String) -> String {
        """
        CREATE OR REPLACE FUNCTION \(s).summary_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('\(channel)', TG_TABLE_SCHEMA || ' ' || (CASE TG_OP WHEN 'DELETE' THEN OLD.user_id ELSE NEW.user_id END)::text);
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
