import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Everything the service stores: one store per concern, each over the one database handle of
/// its backend (an SQLite file, or a PostgreSQL pool shared by any number of instances). The
/// stores only read and write rows; the rules they follow are in `Domain/`.
public struct Storage: Sendable {
    public let tenants: any TenantStore
    public let summaries: any SummaryStore
    public let jobs: any JobStore
    public let sync: any SyncStore
    public let audits: any AuditStore
    public let blockRules: any BlockRulesStore
    /// The handle the stores share, for what runs beside them (tests read rows through it).
    public let database: Database

    public enum Database: Sendable {
        case sqlite(SQLiteDatabase)
        case postgres(PostgresHandle)
    }

    /// Opens the configured backend: an SQLite file is created or migrated at once; a PostgreSQL
    /// pool is usable only while `services` run.
    /// `summaryCache` applies to PostgreSQL (SQLite reads a summary from a local file).
    public static func open(_ backend: PatronBlocksConfiguration.Storage, summaryCache: SummaryCache.Settings, logger: Logger) async throws -> Storage {
        switch backend {
        case .sqlite(let path):
            let database = try SQLiteDatabase(path: path)
            try await database.write { connection in try SQLiteSchema.migrate(connection) }
            return Storage(tenants: SQLiteTenantStore(database: database), summaries: SQLiteSummaryStore(database: database),
                           jobs: SQLiteJobStore(database: database), sync: SQLiteSyncStore(database: database),
                           audits: SQLiteAuditStore(database: database), blockRules: SQLiteBlockRulesStore(database: database),
                           database: .sqlite(database))
        case .postgres(let url):
            let database = try PostgresHandle(url: url, summaryCache: summaryCache, logger: logger)
            return Storage(tenants: PostgresTenantStore(database: database), summaries: PostgresSummaryStore(database: database),
                           jobs: PostgresJobStore(database: database), sync: PostgresSyncStore(database: database),
                           audits: PostgresAuditStore(database: database), blockRules: PostgresBlockRulesStore(database: database),
                           database: .postgres(database))
        }
    }

    /// The summaries kept between block checks (PostgreSQL, unless turned off).
    public var summaryCache: SummaryCache? {
        if case .postgres(let handle) = database { handle.summaryCache } else { nil }
    }

    /// What must run beside the stores: the PostgreSQL pool, and the summary notifications.
    public var services: [any Service] {
        switch database {
        case .sqlite: []
        case .postgres(let handle):
            [CancellationBoundedService(base: handle.client, name: "the PostgreSQL pool", grace: SynchronizationSettings.defaultCancellationGrace,
                                        logger: handle.logger)]
                + (handle.notifications.map { [$0] } ?? [])
        }
    }
}
