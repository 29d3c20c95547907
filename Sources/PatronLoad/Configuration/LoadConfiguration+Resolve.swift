import Foundation
import AWS
import Logging
import ODBC

extension LoadConfiguration {
    /// Flags over environment over defaults. Throws one error naming the first missing or
    /// invalid setting, before any work starts.
    public static func resolve(options: LoadOptions, environment: [String: String], now: Date = Date()) throws -> LoadConfiguration {
        func value(_ flag: String?, _ variable: EnvironmentVariable) -> String? {
            if let flag, !flag.isEmpty { return flag }
            if let env = environment[variable.rawValue]?.trimmingCharacters(in: .whitespaces), !env.isEmpty { return env }
            return nil
        }

        let now = try asOf(options.asOf, now: now)
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

        var destination: DestinationSettings
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

        if let folio = try resolveFolio(options, value: value, environment: environment, profile: profile.profile) {
            guard case .local = destination, value(options.s3Bucket, .s3Bucket) == nil else {
                throw ConfigurationError("deliver to FOLIO or to S3, not both: drop --s3-bucket/S3_BUCKET_NAME or --folio-url/FOLIO_URL")
            }
            destination = folio
        }

        var notifiers: [NotifierSettings] = []
        if case .s3 = destination {} else {
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
        case .folio:
            history = .local(directory: value(nil, .historyDirectory) ?? URL(fileURLWithPath: output).appendingPathComponent("history").path)
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

    /// `--as-of YYYY-MM-DD`: that day at the clock's time of day (UTC), so that run IDs stay
    /// distinct while every date the run writes or compares is that day's.
    static func asOf(_ text: String?, now: Date) throws -> Date {
        guard let text else { return now }
        guard let day = AlmaDate(isoDay: text) else {
            throw ConfigurationError.invalid("--as-of", text, "use a date as YYYY-MM-DD")
        }
        let secondsIntoDay = now.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)
        return Date(timeIntervalSince1970: Double(day.daysSinceEpoch) * 86_400 + secondsIntoDay)
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

extension LoadConfiguration {
    /// FOLIO as the destination: `--folio-url` and tenant from flags or the environment, the
    /// loader's credentials from the environment or a file only (a flag would show in `ps`).
    static func resolveFolio(_ options: LoadOptions, value: (String?, EnvironmentVariable) -> String?, environment: [String: String],
                             profile: PatronProfile) throws -> DestinationSettings? {
        guard let url = value(options.folioURL, .folioURL) else { return nil }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw ConfigurationError.invalid(EnvironmentVariable.folioURL.rawValue, url, "give the Okapi URL, e.g. https://okapi.example.edu")
        }
        guard let tenant = value(options.folioTenant, .folioTenant) else {
            throw ConfigurationError.missing(.folioTenant, flag: "--folio-tenant", context: " when FOLIO_URL is set")
        }
        guard let username = value(nil, .folioUsername) else {
            throw ConfigurationError("FOLIO_USERNAME is required when FOLIO_URL is set (the FOLIO user the loader logs in as; environment only)")
        }
        var password = value(nil, .folioPassword)
        if password == nil, let file = value(nil, .folioPasswordFile) {
            do {
                password = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ConfigurationError("FOLIO_PASSWORD_FILE: cannot read \(file): \(error.localizedDescription)")
            }
        }
        guard let password, !password.isEmpty else {
            throw ConfigurationError("FOLIO_PASSWORD or FOLIO_PASSWORD_FILE is required when FOLIO_URL is set (environment or file only, never a flag)")
        }
        guard profile.folio != nil else {
            throw ConfigurationError("the profile has no \"folio\" section: it says how its users map to FOLIO (see docs/patronload.md, Delivering to FOLIO)")
        }
        return .folio(url: url, tenant: tenant, credentials: .init(username: username, password: password))
    }
}
