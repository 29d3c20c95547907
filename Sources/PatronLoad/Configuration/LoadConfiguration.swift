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
    /// FOLIO's user import: the profile's `folio` section says how users map.
    case folio(url: String, tenant: String, credentials: FolioSession.Credentials)
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
}
