import Foundation
import AWS
import Logging
import ODBC

public enum RunMode: Sendable, Equatable {
    /// Build, check, remove the old zips, deliver, report.
    case load
    /// Build and check (schema validation included), report; remove and deliver nothing.
    case dryRun
    /// Connect to the warehouse, print its version, stop.
    case connectionTest
}

public enum DestinationSettings: Sendable, Equatable {
    case local(directory: String)
    case s3(bucket: String, prefix: String, configuration: S3Configuration)
}

/// Where the run history lives.
public enum HistoryLocation: Sendable, Equatable {
    case local(directory: String)
    case s3(bucket: String, prefix: String, configuration: S3Configuration)
}

/// The history rules in force: the profile's, with flags on top.
public struct HistoryRules: Sendable, Equatable {
    public var leavers: PatronProfile.LeaverPolicy = .ignore
    public var leaverExpiryDays = 14
    public var fullLoadEveryDays = 7

    public init(leavers: PatronProfile.LeaverPolicy = .ignore, leaverExpiryDays: Int = 14, fullLoadEveryDays: Int = 7) {
        self.leavers = leavers
        self.leaverExpiryDays = leaverExpiryDays
        self.fullLoadEveryDays = fullLoadEveryDays
    }
}

public enum NotifierSettings: Sendable, Equatable {
    /// The report as a file in this folder.
    case file(directory: String)
    /// The report by email through SES.
    case ses(from: String, to: [String], endpoint: AWSEndpoint)
}

/// Everything a run needs, resolved once from flags, environment and defaults. Tests build it
/// directly; only `resolve` reads settings.
public struct LoadConfiguration: Sendable {
    public var mode: RunMode
    public var warehouse: WarehouseLocation
    public var profile: LoadedProfile
    public var destination: DestinationSettings
    public var notifiers: [NotifierSettings]
    public var workspace: String
    public var limits: PackagingLimits
    public var compressionLevel: Int32
    public var verification: VerificationLevel
    /// The XSD that dry runs and `--validate-xml` check each file against.
    public var schemaPath: String?
    public var logLevel: Logger.Level
    /// The run's clock reading: file names, dates and the report come from it.
    public var now: Date
    /// What AWS credential providers read (AWS_ACCESS_KEY_ID, the ECS endpoint, the shared file).
    public var awsEnvironment: [String: String]
    public var awsRetry: RetryPolicy
    public var sentry: SentryReporter.DSN?
    public var history: HistoryLocation?
    public var historyRules: HistoryRules
    public var onlyChanges: Bool
    /// The run stops when the pre-flight leaves out more than this share of a patron type.
    public var maxLeftOutPercent: Double
    /// The safety stop: the run stops before delivery when a patron type has shrunk more than
    /// this share since the last delivered run (a broken view must not expire half the campus).
    public var maxDropPercent: Double
    /// This run delivers whatever the drop (an operator who checked it is real).
    public var allowDrop: Bool
    /// An extra run lock file, for runs that must not overlap although they deliver to
    /// different places (the destination's and the history's locks are always taken).
    public var lockFile: String?
    /// An S3 run lock older than this is taken over (its run died without releasing it).
    public var lockStaleAfter: TimeInterval
    /// Where a dry run keeps its checked zips; without it, it keeps nothing.
    public var dryRunOutput: String?

    public init(
        mode: RunMode = .load,
        warehouse: WarehouseLocation,
        profile: LoadedProfile,
        destination: DestinationSettings,
        notifiers: [NotifierSettings],
        workspace: String = "local",
        limits: PackagingLimits = PackagingLimits(),
        compressionLevel: Int32 = 6,
        verification: VerificationLevel = .integrity,
        schemaPath: String? = LoadConfiguration.bundledSchemaPath,
        logLevel: Logger.Level = .info,
        now: Date = Date(),
        awsEnvironment: [String: String] = [:],
        awsRetry: RetryPolicy = RetryPolicy(),
        sentry: SentryReporter.DSN? = nil,
        history: HistoryLocation? = nil,
        historyRules: HistoryRules? = nil,
        onlyChanges: Bool = false,
        maxLeftOutPercent: Double? = nil,
        maxDropPercent: Double = 20,
        allowDrop: Bool = false,
        lockFile: String? = nil,
        lockStaleAfter: TimeInterval = 12 * 3600,
        dryRunOutput: String? = nil
    ) {
        self.mode = mode
        self.warehouse = warehouse
        self.profile = profile
        self.destination = destination
        self.notifiers = notifiers
        self.workspace = workspace
        self.limits = limits
        self.compressionLevel = compressionLevel
        self.verification = verification
        self.schemaPath = schemaPath
        self.logLevel = logLevel
        self.now = now
        self.awsEnvironment = awsEnvironment
        self.awsRetry = awsRetry
        self.sentry = sentry
        self.history = history
        let settings = profile.profile.history
        self.historyRules = historyRules ?? HistoryRules(
            leavers: settings?.leavers ?? .ignore,
            leaverExpiryDays: settings?.leaverExpiryDays ?? 14,
            fullLoadEveryDays: settings?.fullLoadEveryDays ?? 7
        )
        self.onlyChanges = onlyChanges
        self.maxLeftOutPercent = maxLeftOutPercent ?? profile.profile.preflight?.maxLeftOutPercent ?? 5
        self.maxDropPercent = maxDropPercent
        self.allowDrop = allowDrop
        self.lockFile = lockFile
        self.lockStaleAfter = lockStaleAfter
        self.dryRunOutput = dryRunOutput
    }

    /// The schema of the elements patronload writes, shipped with it.
    public static var bundledSchemaPath: String? {
        Bundle.module.path(forResource: "patronload-users", ofType: "xsd", inDirectory: "schema")
    }

    /// Flags over environment over defaults. Throws one error naming the first missing or
    /// invalid setting, before any work starts.
    public static func resolve(options: LoadOptions, environment: [String: String], now: Date = Date()) throws -> LoadConfiguration {
        func value(_ flag: String?, _ variable: EnvironmentVariable) -> String? {
            if let flag, !flag.isEmpty { return flag }
            if let env = environment[variable.rawValue]?.trimmingCharacters(in: .whitespaces), !env.isEmpty { return env }
            return nil
        }

        let levelText = value(options.logLevel, .logLevel)?.lowercased() ?? "info"
        guard let logLevel = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError.invalid(EnvironmentVariable.logLevel.rawValue, levelText, "use trace, debug, info, notice, warning, error or critical")
        }

        let warehouse = try resolveWarehouse(flag: options.warehouse, environment: environment)

        let profile: LoadedProfile
        if let path = value(options.profile, .profile) {
            profile = try LoadedProfile.load(from: URL(fileURLWithPath: path))
        } else {
            profile = try LoadedProfile.reference()
        }

        let output = value(options.outputDirectory, .outputDirectory) ?? "out"

        let destination: DestinationSettings
        switch (value(options.s3Bucket, .s3Bucket), value(options.s3Prefix, .s3Prefix)) {
        case (let bucket?, let prefix?):
            let trimmed = prefix.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            guard !trimmed.isEmpty else {
                throw ConfigurationError.invalid(EnvironmentVariable.s3Prefix.rawValue, prefix, "name the folder Alma reads, e.g. alma/patrons")
            }
            let endpoint = AWSEndpoint.from(environment: environment, service: "s3")
            let pathStyle = environment[EnvironmentVariable.s3PathStyle.rawValue].map { ["1", "true", "yes"].contains($0.lowercased()) }
            destination = .s3(bucket: bucket, prefix: trimmed, configuration: S3Configuration(endpoint: endpoint, pathStyle: pathStyle))
        case (nil, nil):
            destination = .local(directory: output)
        case (_?, nil):
            throw ConfigurationError.missing(.s3Prefix, flag: "--s3-prefix", context: " when S3_BUCKET_NAME is set")
        case (nil, _?):
            throw ConfigurationError.missing(.s3Bucket, flag: "--s3-bucket", context: " when S3_PREFIX is set")
        }

        var notifiers: [NotifierSettings] = []
        if case .local = destination {
            notifiers.append(.file(directory: URL(fileURLWithPath: output).appendingPathComponent("reports").path))
        }
        let workspaceValue = value(options.workspace, .workspace)
        switch (value(options.emailTo, .sesRecipient), value(options.emailFrom, .sesSender)) {
        case (let to?, let from?):
            guard workspaceValue != nil else {
                throw ConfigurationError.missing(.workspace, flag: "--workspace", context: " when the report is emailed (it names the subject)")
            }
            var endpoint = AWSEndpoint.from(environment: environment, service: "ses")
            if let region = environment[EnvironmentVariable.sesRegion.rawValue], !region.isEmpty { endpoint.region = region }
            let recipients = to.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            notifiers.append(.ses(from: from, to: recipients, endpoint: endpoint))
        case (nil, nil):
            break
        case (_?, nil):
            throw ConfigurationError.missing(.sesSender, flag: "--email-from", context: " when SES_RECIPIENT_EMAIL is set")
        case (nil, _?):
            throw ConfigurationError.missing(.sesRecipient, flag: "--email-to", context: " when SES_SEND_FROM_EMAIL is set")
        }
        let workspace = workspaceValue ?? "local"
        let sentry = try SentryReporter.DSN(environment[EnvironmentVariable.sentryDSN.rawValue])

        var limits = PackagingLimits()
        if let users = options.maxUsersPerXMLFile { limits.maxUsersPerXMLFile = users }
        if let bytes = options.maxXMLFileBytes { limits.maxXMLFileBytes = bytes }
        try limits.validate()

        let level = options.compressionLevel ?? 6
        guard (0...9).contains(level) else {
            throw ConfigurationError.invalid("--compression-level", String(level), "use 0 (store) to 9 (smallest)")
        }

        let history: HistoryLocation
        switch destination {
        case .local(let directory):
            history = .local(directory: value(nil, .historyDirectory) ?? URL(fileURLWithPath: directory).appendingPathComponent("history").path)
        case .s3(let bucket, let prefix, let configuration):
            let historyPrefix = (value(nil, .historyPrefix) ?? "\(prefix)-history").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            guard historyPrefix != prefix, !historyPrefix.hasPrefix(prefix + "/") else {
                throw ConfigurationError.invalid(EnvironmentVariable.historyPrefix.rawValue, historyPrefix, "the history must lie outside S3_PREFIX, which Alma reads")
            }
            history = .s3(bucket: bucket, prefix: historyPrefix, configuration: configuration)
        }
        if options.noHistory {
            guard !options.onlyChanges else {
                throw ConfigurationError("--only-changes needs the run history; drop --no-history")
            }
        }
        var rules = HistoryRules(
            leavers: profile.profile.history?.leavers ?? .ignore,
            leaverExpiryDays: profile.profile.history?.leaverExpiryDays ?? 14,
            fullLoadEveryDays: profile.profile.history?.fullLoadEveryDays ?? 7
        )
        if let leavers = options.leavers {
            guard let policy = PatronProfile.LeaverPolicy(rawValue: leavers) else {
                throw ConfigurationError.invalid("--leavers", leavers, "use ignore or expire")
            }
            rules.leavers = policy
        }
        if let percent = options.maxLeftOutPercent, !(0...100).contains(percent) {
            throw ConfigurationError.invalid("--max-left-out-percent", String(percent), "use 0 to 100")
        }
        var maxDropPercent = 20.0
        if let text = options.maxDropPercent.map({ String($0) }) ?? value(nil, .maxDropPercent) {
            guard let percent = Double(text), (0...100).contains(percent) else {
                throw ConfigurationError.invalid(options.maxDropPercent != nil ? "--max-drop-percent" : EnvironmentVariable.maxDropPercent.rawValue, text, "use 0 to 100")
            }
            maxDropPercent = percent
        }
        var lockStaleHours = 12.0
        if let text = value(nil, .lockStaleHours) {
            guard let hours = Double(text), hours > 0 else {
                throw ConfigurationError.invalid(EnvironmentVariable.lockStaleHours.rawValue, text, "use a number of hours above 0")
            }
            lockStaleHours = hours
        }

        let mode: RunMode = options.connectionTest ? .connectionTest : options.dryRun ? .dryRun : .load
        let dryRunOutput = options.dryRunOutput
        if let folder = dryRunOutput {
            guard mode == .dryRun else {
                throw ConfigurationError("--dry-run-output needs --dry-run")
            }
            if case .local(let directory) = destination,
               URL(fileURLWithPath: folder).standardizedFileURL.path == URL(fileURLWithPath: directory).standardizedFileURL.path {
                throw ConfigurationError.invalid("--dry-run-output", folder, "use a folder Alma does not read, not the destination")
            }
        }
        return LoadConfiguration(
            mode: mode,
            warehouse: warehouse,
            profile: profile,
            destination: destination,
            notifiers: notifiers,
            workspace: workspace,
            limits: limits,
            compressionLevel: Int32(level),
            verification: (mode == .dryRun || options.validateXML) ? .schema : .integrity,
            logLevel: logLevel,
            now: now,
            awsEnvironment: environment.filter { $0.key.hasPrefix("AWS_") || $0.key == "HOME" },
            sentry: sentry,
            history: options.noHistory ? nil : history,
            historyRules: rules,
            onlyChanges: options.onlyChanges,
            maxLeftOutPercent: options.maxLeftOutPercent,
            maxDropPercent: maxDropPercent,
            allowDrop: options.allowDrop,
            lockFile: value(nil, .lockFile),
            lockStaleAfter: lockStaleHours * 3600,
            dryRunOutput: dryRunOutput
        )
    }

    /// DATA_WAREHOUSE_URL first; then the reference deployment's JSON secret; then the seed's
    /// DATA_WAREHOUSE_USER/PASSWORD/HOST/PORT/SID, which mean Oracle through ODBC.
    static func resolveWarehouse(flag: String?, environment: [String: String]) throws -> WarehouseLocation {
        func env(_ variable: EnvironmentVariable) -> String? {
            environment[variable.rawValue].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        let textName = env(.odbcText)?.lowercased() ?? "utf16"
        guard let text = ODBCFetchOptions.Text(rawValue: textName) else {
            throw ConfigurationError.invalid(EnvironmentVariable.odbcText.rawValue, textName, "use utf16 or utf8")
        }
        if let url = flag.flatMap({ $0.isEmpty ? nil : $0 }) ?? env(.warehouseURL) {
            return try WarehouseLocation(url: url, odbcText: text)
        }
        let driver = env(.oracleODBCDriver) ?? "Oracle"
        if let json = env(.cloudConnectorJSON) {
            struct Secret: Decodable {
                var USER: String
                var PASSWORD: String
                var HOST: String
                var PORT: LenientInt
                var PATH: String
            }
            do {
                let secret = try JSONDecoder().decode(Secret.self, from: Data(json.utf8))
                return .oracle(OracleSettings(user: secret.USER, password: secret.PASSWORD, host: secret.HOST, port: secret.PORT.value, sid: secret.PATH, driver: driver))
            } catch {
                // The secret holds a password: say what is wrong with its shape, never its content.
                throw ConfigurationError("\(EnvironmentVariable.cloudConnectorJSON.rawValue) must be a JSON object with USER, PASSWORD, HOST, PORT and PATH (the SID)")
            }
        }
        let parts: [EnvironmentVariable] = [.warehouseUser, .warehousePassword, .warehouseHost, .warehousePort, .warehouseSID]
        let given = parts.filter { env($0) != nil }
        guard !given.isEmpty else {
            throw ConfigurationError("DATA_WAREHOUSE_URL is required (set it in the environment or pass --warehouse), or DATA_WAREHOUSE_USER, DATA_WAREHOUSE_PASSWORD, DATA_WAREHOUSE_HOST, DATA_WAREHOUSE_PORT and DATA_WAREHOUSE_SID for Oracle")
        }
        let missing = parts.filter { env($0) == nil }
        guard missing.isEmpty else {
            throw ConfigurationError("\(missing.map(\.rawValue).joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") required with \(given.map(\.rawValue).joined(separator: ", ")) (Oracle through ODBC)")
        }
        guard let port = Int(env(.warehousePort)!), (1...65535).contains(port) else {
            throw ConfigurationError.invalid(EnvironmentVariable.warehousePort.rawValue, env(.warehousePort)!, "use a port number")
        }
        return .oracle(OracleSettings(user: env(.warehouseUser)!, password: env(.warehousePassword)!, host: env(.warehouseHost)!, port: port, sid: env(.warehouseSID)!, driver: driver))
    }

    /// One credential provider for the run, shared by S3 and SES, refreshed before expiry.
    public func makeCredentials() -> any CredentialProvider {
        RefreshingCredentialProvider(CredentialChain.standard(environment: awsEnvironment, client: AWSHTTPClient.sharedClient))
    }

    public func makeDestination(credentials: any CredentialProvider, logger: Logger) -> any Destination {
        switch destination {
        case .local(let directory):
            LocalDirectoryDestination(directory: URL(fileURLWithPath: directory))
        case .s3(let bucket, let prefix, let configuration):
            S3Destination(bucket: bucket, prefix: prefix, client: S3Client(configuration: configuration, credentials: credentials, retry: awsRetry, logger: logger))
        }
    }

    public func makeHistoryStore(credentials: any CredentialProvider, logger: Logger) -> (any HistoryStore)? {
        switch history {
        case .local(let directory)?:
            LocalHistoryStore(directory: URL(fileURLWithPath: directory))
        case .s3(let bucket, let prefix, let configuration)?:
            S3HistoryStore(bucket: bucket, prefix: prefix, client: S3Client(configuration: configuration, credentials: credentials, retry: awsRetry, logger: logger))
        case nil:
            nil
        }
    }

    /// Beside the history, which every run of this job reads wherever it runs; without history,
    /// the lock file named by PATRONLOAD_LOCK_FILE, if any. (The destination's lock comes from the
    /// destination.)
    public func makeRunLock(credentials: any CredentialProvider, logger: Logger) -> (any RunLock)? {
        switch history {
        case .local(let directory)?:
            LocalRunLock(path: URL(fileURLWithPath: directory).appendingPathComponent("patronload.lock").path)
        case .s3(let bucket, let prefix, let configuration)?:
            S3RunLock(bucket: bucket, key: "\(prefix)/patronload.lock",
                      client: S3Client(configuration: configuration, credentials: credentials, retry: awsRetry, logger: logger), staleAfter: lockStaleAfter)
        case nil:
            lockFile.map { LocalRunLock(path: $0) }
        }
    }

    public func makeNotifiers(credentials: any CredentialProvider, logger: Logger) -> [any Notifier] {
        notifiers.map { settings -> any Notifier in
            switch settings {
            case .file(let directory):
                FileNotifier(directory: URL(fileURLWithPath: directory))
            case .ses(let from, let to, let endpoint):
                SESNotifier(from: from, to: to, client: SESClient(endpoint: endpoint, credentials: credentials, retry: awsRetry, logger: logger))
            }
        }
    }
}

/// A port given as a number or as a string of digits (secrets managers store both).
struct LenientInt: Decodable {
    var value: Int

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            value = number
        } else if let text = try? container.decode(String.self), let number = Int(text) {
            value = number
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a port number")
        }
    }
}
