import Foundation
import Logging

/// Settings given as flags; nil means not given.
public struct PatronBlocksOptions: Sendable {
    public var hostname: String?
    public var port: Int?
    public var database: String?
    public var okapiURL: String?
    public var okapiToken: String?
    public var tenant: String?
    public var pageSize: Int?
    public var parallelPages: Int?
    public var leaseSeconds: Int?
    public var pollSeconds: Int?
    public var cacheSeconds: Int?
    public var summaryCacheSize: Int?
    public var maxBodyBytes: Int?
    public var maxConnections: Int?
    public var requestReadTimeout: Int?
    public var idleTimeout: Int?
    public var apiTokensFile: String?
    public var jwtSecretFile: String?
    public var jwksFile: String?
    public var noSyncRunner = false
    public var auditEvery: String?
    public var auditRepair = false
    public var logLevel: String?
    public var logFormat: String?

    public init() {}
}

extension PatronBlocksConfiguration {
    /// Every environment variable the service reads, for `--help` and README.
    public static let environmentVariables: [(String, String)] = [
        ("PATRONBLOCKS_HOSTNAME", "address to listen on (default 127.0.0.1)"),
        ("PATRONBLOCKS_PORT", "port (default 8081)"),
        ("PATRONBLOCKS_DATABASE_URL", "sqlite:PATH (default sqlite:patronblocks.sqlite) or postgres://…"),
        ("DB_HOST, DB_PORT", "FOLIO's database variables (with DB_USERNAME, DB_PASSWORD, DB_DATABASE), used when PATRONBLOCKS_DATABASE_URL is not set"),
        ("PATRONBLOCKS_OKAPI_URL", "FOLIO (Okapi) URL when requests carry no X-Okapi-Url"),
        ("PATRONBLOCKS_OKAPI_TOKEN", "token for it (or PATRONBLOCKS_OKAPI_TOKEN_FILE: a file holding it)"),
        ("PATRONBLOCKS_TENANT", "tenant to install at start-up (standalone use)"),
        ("PATRONBLOCKS_SYNC_PAGE_SIZE", "records per upstream page (default 500)"),
        ("PATRONBLOCKS_SYNC_PARALLEL_PAGES", "pages of one collection read from FOLIO at once in a full synchronization, 1…16 (default 4)"),
        ("PATRONBLOCKS_SYNC_LEASE_SECONDS", "a job without heartbeat this long is taken back (120)"),
        ("PATRONBLOCKS_SYNC_POLL_SECONDS", "how often to look for open jobs (30)"),
        ("PATRONBLOCKS_SYNC_RUNNER", "off: this instance runs no synchronization jobs"),
        ("PATRONBLOCKS_AUDIT_EVERY", "schedule a full drift audit this often: 90m, 12h, 1d (default: never)"),
        ("PATRONBLOCKS_AUDIT_REPAIR", "on: scheduled audits repair the summaries that drifted (default: report only)"),
        ("PATRONBLOCKS_MAX_BODY_BYTES", "largest request body accepted (1048576)"),
        ("PATRONBLOCKS_MAX_CONNECTIONS", "connections served at once (the open-file limit less 64, at most 1024)"),
        ("PATRONBLOCKS_REQUEST_READ_TIMEOUT", "seconds a request may take to arrive (10)"),
        ("PATRONBLOCKS_IDLE_TIMEOUT", "seconds a kept-alive connection may wait for its next request (60)"),
        ("PATRONBLOCKS_API_TOKENS", "bearer tokens the API requires, comma-separated (or _FILE: one per line)"),
        ("PATRONBLOCKS_JWT_SECRET", "HS256 secret of accepted JWTs (or PATRONBLOCKS_JWT_SECRET_FILE)"),
        ("PATRONBLOCKS_JWKS_FILE", "JWK set of accepted JWTs (RS256, ES256, …)"),
        ("PATRONBLOCKS_JWT_ISSUER", "required iss of JWTs"),
        ("PATRONBLOCKS_JWT_AUDIENCE", "required aud of JWTs"),
        ("PATRONBLOCKS_CACHE_SECONDS", "how long block checks reuse patron groups, limits, conditions (30; 0: never)"),
        ("PATRONBLOCKS_SUMMARY_CACHE_SIZE", "patrons' summaries kept between checks on PostgreSQL, kept current by its notifications (100000; 0: none)"),
        ("LOG_LEVEL", "trace … critical (default info)"),
        ("PATRONBLOCKS_LOG_FORMAT", "text (default) or json: one JSON object per line"),
    ]

    /// Flags over environment over defaults; one error naming the setting that is wrong.
    public static func resolve(_ options: PatronBlocksOptions, environment: [String: String]) throws -> PatronBlocksConfiguration {
        func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func integer(_ flag: Int?, _ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            if let flag { guard range.contains(flag) else { throw ConfigurationProblem("\(name) must be \(range.lowerBound)…\(range.upperBound), not \(flag)") }; return flag }
            guard let text = env(name) else { return nil }
            guard let value = Int(text), range.contains(value) else { throw ConfigurationProblem("\(name) must be a number \(range.lowerBound)…\(range.upperBound), not \(text)") }
            return value
        }
        var configuration = PatronBlocksConfiguration()
        configuration.hostname = options.hostname ?? env("PATRONBLOCKS_HOSTNAME") ?? configuration.hostname
        configuration.port = try integer(options.port, "PATRONBLOCKS_PORT", 0...65535) ?? configuration.port
        let database = options.database ?? env("PATRONBLOCKS_DATABASE_URL") ?? folioDatabaseURL(environment) ?? "sqlite:patronblocks.sqlite"
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            configuration.storage = .postgres(url: database)
        } else if database.hasPrefix("sqlite:") {
            let path = String(database.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw ConfigurationProblem("PATRONBLOCKS_DATABASE_URL sqlite: needs a file path") }
            configuration.storage = .sqlite(path: path)
        } else {
            throw ConfigurationProblem("PATRONBLOCKS_DATABASE_URL must be sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        configuration.okapiURL = options.okapiURL ?? env("PATRONBLOCKS_OKAPI_URL")
        configuration.okapiToken = try options.okapiToken ?? env("PATRONBLOCKS_OKAPI_TOKEN") ?? secretFile(env("PATRONBLOCKS_OKAPI_TOKEN_FILE"), "PATRONBLOCKS_OKAPI_TOKEN_FILE")
        if let size = try integer(options.pageSize, "PATRONBLOCKS_SYNC_PAGE_SIZE", 1...10_000) { configuration.synchronization.pageSize = size }
        if let count = try integer(options.parallelPages, "PATRONBLOCKS_SYNC_PARALLEL_PAGES", 1...16) { configuration.synchronization.parallelPages = count }
        if let lease = try integer(options.leaseSeconds, "PATRONBLOCKS_SYNC_LEASE_SECONDS", 5...86_400) { configuration.synchronization.lease = TimeInterval(lease) }
        if let poll = try integer(options.pollSeconds, "PATRONBLOCKS_SYNC_POLL_SECONDS", 1...86_400) { configuration.synchronization.pollInterval = .seconds(poll) }
        if let seconds = try integer(options.cacheSeconds, "PATRONBLOCKS_CACHE_SECONDS", 0...3_600) { configuration.blockChecks.cacheLifetime = .seconds(seconds) }
        if let size = try integer(options.summaryCacheSize, "PATRONBLOCKS_SUMMARY_CACHE_SIZE", 0...10_000_000) { configuration.blockChecks.summaryCacheSize = size }
        if let bytes = try integer(options.maxBodyBytes, "PATRONBLOCKS_MAX_BODY_BYTES", 1_024...(64 << 20)) { configuration.maxBodyBytes = bytes }
        if let count = try integer(options.maxConnections, "PATRONBLOCKS_MAX_CONNECTIONS", 1...65_536) { configuration.connections.maxConnections = count }
        if let seconds = try integer(options.requestReadTimeout, "PATRONBLOCKS_REQUEST_READ_TIMEOUT", 1...3_600) { configuration.connections.requestReadTimeout = .seconds(seconds) }
        if let seconds = try integer(options.idleTimeout, "PATRONBLOCKS_IDLE_TIMEOUT", 1...86_400) { configuration.connections.idleTimeout = .seconds(seconds) }
        configuration.access = try resolveAccess(options, env: env)
        // The heartbeat beats several times within a lease.
        configuration.synchronization.heartbeatInterval = .seconds(max(1, Int(configuration.synchronization.lease) / 6))
        if let every = options.auditEvery ?? env("PATRONBLOCKS_AUDIT_EVERY") {
            guard let duration = AuditInterval.parse(every) else {
                throw ConfigurationProblem("PATRONBLOCKS_AUDIT_EVERY must be a duration of at least 1m, like 90m, 12h or 1d, not \(every)")
            }
            configuration.synchronization.auditEvery = duration
        }
        configuration.synchronization.auditRepair = options.auditRepair || env("PATRONBLOCKS_AUDIT_REPAIR") == "on"
        if configuration.synchronization.auditRepair && configuration.synchronization.auditEvery == nil {
            throw ConfigurationProblem("--audit-repair (PATRONBLOCKS_AUDIT_REPAIR) needs --audit-every (PATRONBLOCKS_AUDIT_EVERY)")
        }
        configuration.runsSynchronization = !(options.noSyncRunner || env("PATRONBLOCKS_SYNC_RUNNER") == "off")
        let level = (options.logLevel ?? env("LOG_LEVEL") ?? "info").lowercased()
        guard let logLevel = Logger.Level(rawValue: level) else { throw ConfigurationProblem("LOG_LEVEL must be trace, debug, info, notice, warning, error or critical") }
        configuration.logLevel = logLevel
        let format = (options.logFormat ?? env("PATRONBLOCKS_LOG_FORMAT") ?? "text").lowercased()
        guard let logFormat = LogFormat(rawValue: format) else { throw ConfigurationProblem("PATRONBLOCKS_LOG_FORMAT must be text or json, not \(format)") }
        configuration.logFormat = logFormat
        let tenant = options.tenant ?? env("PATRONBLOCKS_TENANT")
        if let tenant, !TenantName.isValid(tenant) { throw ConfigurationProblem("PATRONBLOCKS_TENANT may hold letters, digits and _ only, at most \(TenantName.maximumLength)") }
        configuration.tenant = tenant
        return configuration
    }
}

/// A secret's file (mounted by Kubernetes or ECS), nil when no path is given.
func secretFile(_ path: String?, _ name: String) throws -> String? {
    guard let path else { return nil }
    do {
        return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    } catch {
        throw ConfigurationProblem("\(name): cannot read \(path): \(error.localizedDescription)")
    }
}

/// Secrets from files (mounted by Kubernetes or ECS) or the environment, never from flags that
/// `ps` would show.
func resolveAccess(_ options: PatronBlocksOptions, env: (String) -> String?) throws -> AccessSettings {
    func file(_ flag: String?, _ name: String) throws -> String? {
        try secretFile(flag ?? env(name), name)
    }
    var access = AccessSettings()
    // The flag's file wins; without it, the variables' tokens and file count together.
    let tokenText = try options.apiTokensFile.map { try file($0, "PATRONBLOCKS_API_TOKENS_FILE") ?? "" }
        ?? [env("PATRONBLOCKS_API_TOKENS"), try file(nil, "PATRONBLOCKS_API_TOKENS_FILE")].compactMap { $0 }.joined(separator: "\n")
    access.tokens = tokenText.split(whereSeparator: { $0 == "," || $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    if let short = access.tokens.first(where: { $0.count < 16 }) {
        throw ConfigurationProblem("PATRONBLOCKS_API_TOKENS: a token of \(short.count) characters is too easy to guess; use 16 or more")
    }
    let secret = try options.jwtSecretFile.map { try file($0, "PATRONBLOCKS_JWT_SECRET_FILE") } ?? env("PATRONBLOCKS_JWT_SECRET") ?? file(nil, "PATRONBLOCKS_JWT_SECRET_FILE")
    access.jwtSecret = secret?.trimmingCharacters(in: .whitespacesAndNewlines)
    if let secret = access.jwtSecret, secret.utf8.count < 32 {
        throw ConfigurationProblem("PATRONBLOCKS_JWT_SECRET must be at least 32 bytes for HS256")
    }
    access.jwks = try file(options.jwksFile, "PATRONBLOCKS_JWKS_FILE")
    access.issuer = env("PATRONBLOCKS_JWT_ISSUER")
    access.audience = env("PATRONBLOCKS_JWT_AUDIENCE")
    return access
}

/// A scheduling interval: a whole number with a unit (s, m, h, d), a minute at least (audits read
/// every open loan and fee upstream).
enum AuditInterval {
    static func parse(_ text: String) -> Duration? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count > 0, count <= 366 * 86_400 / unit else { return nil }
        let seconds = count * unit
        return seconds >= 60 ? .seconds(seconds) : nil
    }
}

/// FOLIO's deployment convention: every module gets DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD
/// and DB_DATABASE from Okapi's environment.
func folioDatabaseURL(_ environment: [String: String]) -> String? {
    guard let host = environment["DB_HOST"], !host.isEmpty else { return nil }
    let allowed = CharacterSet.urlUserAllowed.subtracting(CharacterSet(charactersIn: ":@/"))
    func encoded(_ name: String, _ fallback: String) -> String {
        (environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback).addingPercentEncoding(withAllowedCharacters: allowed) ?? fallback
    }
    let credentials = encoded("DB_USERNAME", "folio_admin") + (environment["DB_PASSWORD"].map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") } ?? "")
    return "postgres://\(credentials)@\(host):\(environment["DB_PORT"] ?? "5432")/\(encoded("DB_DATABASE", "okapi_modules"))"
}

public struct ConfigurationProblem: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// False when the settings are usable but what they point at is not (a database that does
    /// not answer): the operator fixes the other system, not the settings.
    public var isInTheSettings: Bool
    public init(_ description: String, isInTheSettings: Bool = true) {
        self.description = description
        self.isInTheSettings = isInTheSettings
    }
}
