import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PatronBlocks

/// `patronblocks`: FOLIO automated patron blocks as a service. With no arguments it starts on
/// an SQLite file in the working directory.
@main
struct PatronBlocksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patronblocks",
        abstract: "FOLIO automated patron blocks: user summaries, synchronization, block checks.",
        discussion: """
        Flags override environment variables:
        \(PatronBlocksConfiguration.environmentVariables.map { "  \($0.0.padding(toLength: 33, withPad: " ", startingAt: 0)) \($0.1)" }.joined(separator: "\n"))
        """
    )

    // Long only: -h is help, as in every other command.
    @Option(name: .long, help: "Address to listen on. (env: PATRONBLOCKS_HOSTNAME; default 127.0.0.1)")
    var hostname: String?

    @Option(name: .shortAndLong, help: "Port to listen on. (env: PATRONBLOCKS_PORT; default 8081)")
    var port: Int?

    @Option(help: "sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE. (env: PATRONBLOCKS_DATABASE_URL; default sqlite:patronblocks.sqlite)")
    var database: String?

    @Option(name: .customLong("okapi-url"), help: "FOLIO (Okapi) URL for requests without X-Okapi-Url. (env: PATRONBLOCKS_OKAPI_URL)")
    var okapiURL: String?

    // A flag's value shows in `ps`: kept so that existing scripts still start, with a warning.
    @Option(name: .customLong("okapi-token"), help: ArgumentHelp("Deprecated: the token shows in ps. Use PATRONBLOCKS_OKAPI_TOKEN or PATRONBLOCKS_OKAPI_TOKEN_FILE.", visibility: .hidden))
    var okapiToken: String?

    @Option(help: "Install this tenant at start-up. (env: PATRONBLOCKS_TENANT)")
    var tenant: String?

    @Option(name: .customLong("page-size"), help: "Records per upstream page in a synchronization. (env: PATRONBLOCKS_SYNC_PAGE_SIZE; default 500)")
    var pageSize: Int?

    @Option(name: .customLong("parallel-pages"), help: "Pages of one collection read from FOLIO at once in a full synchronization, each from its own slice of the ids. (env: PATRONBLOCKS_SYNC_PARALLEL_PAGES; default 4)")
    var parallelPages: Int?

    @Option(name: .customLong("lease-seconds"), help: "Take back a synchronization whose runner sent no heartbeat this long. (default 120)")
    var leaseSeconds: Int?

    @Option(name: .customLong("poll-seconds"), help: "How often to look for open synchronization jobs. (default 30)")
    var pollSeconds: Int?

    @Option(name: .customLong("cache-seconds"), help: "How long block checks reuse a patron's group, the limits and conditions. (env: PATRONBLOCKS_CACHE_SECONDS; default 30)")
    var cacheSeconds: Int?

    @Option(name: .customLong("summary-cache-size"), help: "Patrons' summaries kept between block checks on PostgreSQL, kept current by its notifications; 0: read every check. (env: PATRONBLOCKS_SUMMARY_CACHE_SIZE; default 100000)")
    var summaryCacheSize: Int?

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted; larger ones get 413. (env: PATRONBLOCKS_MAX_BODY_BYTES; default 1048576)")
    var maxBodyBytes: Int?

    @Option(name: .customLong("max-connections"), help: "Connections served at once; more wait in the listen backlog. (env: PATRONBLOCKS_MAX_CONNECTIONS; default: the open-file limit less 64, at most 1024)")
    var maxConnections: Int?

    @Option(name: .customLong("request-read-timeout"), help: "Seconds a request's head and body may take to arrive before the connection is closed. (env: PATRONBLOCKS_REQUEST_READ_TIMEOUT; default 10)")
    var requestReadTimeout: Int?

    @Option(name: .customLong("idle-timeout"), help: "Seconds a kept-alive connection may wait for its next request. (env: PATRONBLOCKS_IDLE_TIMEOUT; default 60)")
    var idleTimeout: Int?

    @Option(name: .customLong("api-tokens-file"), help: "Require one of these bearer tokens (one per line) on the API. (env: PATRONBLOCKS_API_TOKENS_FILE, or PATRONBLOCKS_API_TOKENS)")
    var apiTokensFile: String?

    @Option(name: .customLong("jwt-secret-file"), help: "Accept JWTs signed with this HS256 secret. (env: PATRONBLOCKS_JWT_SECRET_FILE, or PATRONBLOCKS_JWT_SECRET)")
    var jwtSecretFile: String?

    @Option(name: .customLong("jwks-file"), help: "Accept JWTs signed by a key of this JWK set (RS256, ES256, …). (env: PATRONBLOCKS_JWKS_FILE)")
    var jwksFile: String?

    @Flag(name: .customLong("no-sync-runner"), help: "Run no synchronization jobs in this instance.")
    var noSyncRunner = false

    @Option(name: .customLong("audit-every"), help: "Schedule a full drift audit this often: 90m, 12h, 1d. (env: PATRONBLOCKS_AUDIT_EVERY; default never)")
    var auditEvery: String?

    @Flag(name: .customLong("audit-repair"), help: "Scheduled drift audits repair the summaries that drifted. (env: PATRONBLOCKS_AUDIT_REPAIR=on)")
    var auditRepair = false

    @Option(name: .customLong("log-level"), help: "trace … critical. (env: LOG_LEVEL; default info)")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text, or json: one JSON object per line. (env: PATRONBLOCKS_LOG_FORMAT; default text)")
    var logFormat: String?

    func run() async throws {
        var options = PatronBlocksOptions()
        options.hostname = hostname
        options.port = port
        options.database = database
        options.okapiURL = okapiURL
        options.okapiToken = okapiToken
        options.tenant = tenant
        options.pageSize = pageSize
        options.parallelPages = parallelPages
        options.leaseSeconds = leaseSeconds
        options.pollSeconds = pollSeconds
        options.cacheSeconds = cacheSeconds
        options.summaryCacheSize = summaryCacheSize
        options.maxBodyBytes = maxBodyBytes
        options.maxConnections = maxConnections
        options.requestReadTimeout = requestReadTimeout
        options.idleTimeout = idleTimeout
        options.apiTokensFile = apiTokensFile
        options.jwtSecretFile = jwtSecretFile
        options.jwksFile = jwksFile
        options.noSyncRunner = noSyncRunner
        options.auditEvery = auditEvery
        options.auditRepair = auditRepair
        options.logLevel = logLevel
        options.logFormat = logFormat
        if okapiToken != nil {
            FileHandle.standardError.write(Data("patronblocks: warning: --okapi-token is deprecated (its value shows in ps to every user of this machine); set PATRONBLOCKS_OKAPI_TOKEN or PATRONBLOCKS_OKAPI_TOKEN_FILE instead\n".utf8))
        }
        let configuration: PatronBlocksConfiguration
        do {
            configuration = try PatronBlocksConfiguration.resolve(options, environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("patronblocks: \(error)\n".utf8))
            throw ExitCode(2)
        }
        switch configuration.logFormat {
        case .json: LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        case .text: LoggingSystem.bootstrap { label in TextLogHandler(label: label) }
        }
        var baseLogger = Logger(label: "patronblocks")
        baseLogger.logLevel = configuration.logLevel
        let logger = baseLogger
        do {
            let service = try await PatronBlocksComponents.make(configuration, logger: logger)
            let app = service.application(onServerRunning: { channel in
                logger.info("patronblocks listening on \(channel.localAddress.map { "\($0)" } ?? "?") with \(service.storageDescription)")
            })
            try await app.runService()
        } catch let problem as ConfigurationProblem where problem.isInTheSettings {
            // Found only when used (a URL's TLS options, a JWK set's keys): still a setting to fix.
            FileHandle.standardError.write(Data("patronblocks: \(problem)\n".utf8))
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("patronblocks: cannot run: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
