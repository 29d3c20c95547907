import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// The service's parts, assembled from a configuration: storage, the synchronization runner,
/// and the router with every controller's routes.
public struct PatronBlocksComponents: Sendable {
    public let configuration: PatronBlocksConfiguration
    public let storage: Storage
    public let runner: SynchronizationRunner?
    public let checker: BlockChecker
    public let metrics: PatronBlocksMetrics
    /// nil when the API is open (behind Okapi, which authenticates).
    let access: AccessMiddleware?
    /// Services that must run beside the HTTP server (the runner, a PostgreSQL pool).
    public let services: [any Service]
    public let logger: Logger

    public static func make(_ configuration: PatronBlocksConfiguration, logger: Logger? = nil) async throws -> PatronBlocksComponents {
        var logger = logger ?? Logger(label: "patronblocks")
        logger.logLevel = configuration.logLevel
        var services: [any Service] = []
        let metrics = PatronBlocksMetrics()
        // Keys first: a bad one is a setting to fix, found before any storage is touched.
        let access = configuration.access.isEnabled ? try await AccessMiddleware(settings: configuration.access) : nil
        let storage = try await Storage.open(configuration.storage, summaryCache: configuration.blockChecks.summaryCache, logger: logger)
        services += storage.services
        if let cache = storage.summaryCache { metrics.watch(cache) }
        var runner: SynchronizationRunner?
        if configuration.runsSynchronization {
            runner = SynchronizationRunner(storage: storage, settings: configuration.synchronization, standaloneOkapiURL: configuration.okapiURL,
                                           standaloneToken: configuration.okapiToken, metrics: metrics, logger: logger)
            services.append(runner!)
        }
        let checker = BlockChecker(summaries: storage.summaries, rules: storage.blockRules, settings: configuration.blockChecks, standaloneURL: configuration.okapiURL,
                                   standaloneToken: configuration.okapiToken, metrics: metrics, logger: logger)
        if configuration.tenant != nil && configuration.okapiURL == nil {
            logger.warning("Standalone (PATRONBLOCKS_TENANT set) without PATRONBLOCKS_OKAPI_URL: block checks of requests without X-Okapi-Url cannot read the patron's group from FOLIO's users module and answer no blocks (fail open). Set PATRONBLOCKS_OKAPI_URL and PATRONBLOCKS_OKAPI_TOKEN(_FILE)")
        }
        if access == nil && !["127.0.0.1", "localhost", "::1"].contains(configuration.hostname) {
            logger.warning("The API needs no token: anyone who reaches \(configuration.hostname):\(configuration.port) can use it. Keep it behind Okapi, or set PATRONBLOCKS_API_TOKENS or a JWT key")
        }
        return PatronBlocksComponents(configuration: configuration, storage: storage, runner: runner, checker: checker, metrics: metrics,
                                   access: access, services: services, logger: logger)
    }

    public var storageDescription: String {
        switch configuration.storage {
        case .sqlite(let path): "SQLite file \(path)"
        case .postgres: "PostgreSQL"
        }
    }

    public func router() -> Router<PatronBlocksRequestContext> {
        let router = Router(context: PatronBlocksRequestContext.self)
        router.add(middleware: RequestLogMiddleware(metrics: metrics))
        router.add(middleware: BodyLimitMiddleware(maxBodyBytes: configuration.maxBodyBytes))
        // Open: the contract, probes and the scraper.
        APIDocumentController().addRoutes(to: router)
        AdminController(storage: storage.tenants, storageDescription: storageDescription, metrics: metrics).addRoutes(to: router)
        // Everything else needs a token when access control is configured.
        let protected = router.group()
        if let access { protected.add(middleware: access) }
        let installed = TenantMiddleware.cache(lifetime: configuration.tenantCacheLifetime)
        TenantController(tenants: storage.tenants, installed: installed, clock: { Date() }, newID: { UUID() }, logger: logger).addRoutes(to: protected)
        let api = protected.group().add(middleware: TenantMiddleware(tenants: storage.tenants, installed: installed))
        SynchronizationController(jobs: storage.jobs, runner: runner, clock: { Date() }, newID: { UUID() }).addRoutes(to: api)
        DriftAuditController(jobs: storage.jobs, runner: runner, clock: { Date() }, newID: { UUID() }).addRoutes(to: api)
        UserSummaryController(summaries: storage.summaries).addRoutes(to: api)
        EventHandlerController(summaries: storage.summaries, metrics: metrics).addRoutes(to: api)
        ConditionsController(rules: storage.blockRules, checker: checker).addRoutes(to: api)
        LimitsController(rules: storage.blockRules, checker: checker).addRoutes(to: api)
        BlockCheckController(checker: checker, clock: { Date() }).addRoutes(to: api)
        return router
    }

    public func application(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        var app = Application(
            router: router(),
            server: DeadlineHTTP1Channel.builder(configuration.connections),
            configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: "patronblocks",
                                 availableConnectionsDelegate: MaximumAvailableConnections(configuration.connections.maxConnections, logger: logger)),
            services: services,
            onServerRunning: onServerRunning,
            logger: logger
        )
        app.beforeServerStarts { try await migrate() }
        return app
    }

    /// Brings every installed tenant's storage to this version (and installs the configured
    /// tenant), before the first request is served. A failure stops start-up: serving on an old
    /// schema would fail request by request instead.
    public func migrate() async throws {
        try await storage.tenants.checkConnection()
        var tenants = try await storage.tenants.installedTenants()
        if let tenant = configuration.tenant, !tenants.contains(tenant) { tenants.append(tenant) }
        for tenant in tenants {
            try await storage.tenants.installTenant(tenant)
        }
        if !tenants.isEmpty { logger.info("Storage ready for \(tenants.count) tenant(s)") }
    }
}

/// The application for a configuration, ready to run (`try await app.runService()`).
public func buildApplication(_ configuration: PatronBlocksConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    try await PatronBlocksComponents.make(configuration, logger: logger).application()
}
