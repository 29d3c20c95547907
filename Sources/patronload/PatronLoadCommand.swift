import ArgumentParser
import Foundation
import Logging
import PatronLoad
import UnixSignals

/// `patronload`: flags, validation, the run, and exit codes. Everything else lives in PatronLoad.
@main
struct PatronLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patronload",
        abstract: "Load staff and student patrons from the data warehouse into Alma.",
        discussion: """
        Reads each patron type's query from the warehouse (staff first; a student already loaded \
        as staff is skipped), writes Alma user XML, zips it within Alma's import limits, checks \
        the zips, removes the old zips from the destination, delivers the new ones and writes \
        the run's report.

        Environment variables (a flag overrides its variable):
        \(helpTable(EnvironmentVariable.allCases.map { ($0.rawValue, $0.help) }))

        AWS, for S3 delivery and SES email, read as the AWS CLI reads them (credentials: the keys, \
        else the ECS task role, else the credentials file):
        \(helpTable(EnvironmentVariable.aws))

        Exit codes:
        \(ExitStatus.allCases.map { "  \(String($0.rawValue).padding(toLength: 4, withPad: " ", startingAt: 0)) \($0.help)" }.joined(separator: "\n"))
        """,
        subcommands: [CheckProfileCommand.self, ExplainCommand.self]
    )

    @OptionGroup var source: SourceOptions

    @OptionGroup var date: AsOfOption

    @Flag(name: [.customShort("t"), .customLong("database-connection-test"), .customLong("database_connection_test", withSingleDash: false)],
          help: "Connect to the warehouse, print its product and version, and stop.")
    var databaseConnectionTest = false

    @Flag(help: "Build and validate everything (XML against the schema), report, but remove and deliver nothing.")
    var dryRun = false

    @Option(name: .customLong("dry-run-output"), help: "With --dry-run: keep the checked zips in this folder (never the destination). Without it a dry run leaves nothing behind.")
    var dryRunOutput: String?

    @Option(name: .customLong("s3-bucket"), help: "Deliver to this S3 bucket instead of a local folder. (env: S3_BUCKET_NAME)")
    var s3Bucket: String?

    @Option(name: .customLong("s3-prefix"), help: "The folder in the bucket that Alma's import reads. (env: S3_PREFIX)")
    var s3Prefix: String?

    @Option(name: .customLong("folio-url"), help: "Deliver to FOLIO's user import at this Okapi URL instead of Alma zips; the profile's \"folio\" section maps the users, FOLIO_USERNAME and FOLIO_PASSWORD(_FILE) log in. (env: FOLIO_URL)")
    var folioURL: String?

    @Option(name: .customLong("folio-tenant"), help: "The FOLIO tenant. (env: FOLIO_TENANT)")
    var folioTenant: String?

    @Option(name: .customLong("email-to"), help: "Email the report to these addresses, comma-separated, through SES. (env: SES_RECIPIENT_EMAIL)")
    var emailTo: String?

    @Option(name: .customLong("email-from"), help: "The SES-verified sender of the report. (env: SES_SEND_FROM_EMAIL)")
    var emailFrom: String?

    @Option(name: .customLong("output-dir"), help: "Local destination folder. (env: PATRONLOAD_OUTPUT_DIR; default: out)")
    var outputDirectory: String?

    @Option(help: "Environment name shown in the report subject. (env: WORKSPACE; default: local)")
    var workspace: String?

    @Option(name: .customLong("compression-level"), help: "Deflate level, 0 (store) to 9. (default: 6)")
    var compressionLevel: Int?

    @Option(name: .customLong("max-users-per-file"), help: "Start a new XML file after this many users. (default: no limit by count)")
    var maxUsersPerFile: Int?

    @Option(name: .customLong("max-xml-bytes"), help: "Start a new XML file before one grows past this many bytes. (default: 1073741824)")
    var maxXMLBytes: UInt64?

    @Flag(name: .customLong("only-changes"), help: "Write only new and changed patrons (and leavers to expire); a full load runs instead when the last one is older than the profile's fullLoadEveryDays (7) or there is no history.")
    var onlyChanges = false

    @Option(help: "Patrons gone from the feed: ignore (Alma's expiry date handles them) or expire (written once more, expiring soon). (default: the profile's, ignore)")
    var leavers: String?

    @Option(name: .customLong("max-left-out-percent"), help: "Stop when the pre-flight would leave out more than this share of a patron type. (default: the profile's, 5)")
    var maxLeftOutPercent: Double?

    @Flag(name: .customLong("no-history"), help: "Neither read nor store the run history: no change report, no changes-only load, no safety stop.")
    var noHistory = false

    @Option(name: .customLong("max-drop-percent"), help: "Safety stop: stop before delivery when a patron type has shrunk more than this share (and by 10 patrons or more) since the last delivered run. (env: PATRONLOAD_MAX_DROP_PERCENT; default: 20)")
    var maxDropPercent: Double?

    @Flag(name: .customLong("allow-drop"), help: "Deliver this once although a patron type shrank past the safety stop (after checking the drop is real).")
    var allowDrop = false

    @Flag(name: .customLong("validate-xml"), help: "Also validate every XML file against the schema before delivery (dry runs always do).")
    var validateXML = false

    func run() async throws {
        OracleLibraryPath.apply(environment: ProcessInfo.processInfo.environment)
        var options = source.loadOptions
        options.connectionTest = databaseConnectionTest
        options.dryRun = dryRun
        options.outputDirectory = outputDirectory
        options.s3Bucket = s3Bucket
        options.s3Prefix = s3Prefix
        options.folioURL = folioURL
        options.folioTenant = folioTenant
        options.emailTo = emailTo
        options.emailFrom = emailFrom
        options.workspace = workspace
        options.asOf = date.asOf
        options.compressionLevel = compressionLevel
        options.maxUsersPerXMLFile = maxUsersPerFile
        options.maxXMLFileBytes = maxXMLBytes
        options.validateXML = validateXML
        options.onlyChanges = onlyChanges
        options.leavers = leavers
        options.maxLeftOutPercent = maxLeftOutPercent
        options.noHistory = noHistory
        options.maxDropPercent = maxDropPercent
        options.allowDrop = allowDrop
        options.dryRunOutput = dryRunOutput

        let configuration = try SourceOptions.resolve(options)

        let runLog = RunLog()
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in RunLogHandler(label: label, level: level, runLog: runLog) }
        let logger = Logger(label: "patronload")
        if let folder = ProcessInfo.processInfo.environment[OracleLibraryPath.marker] {
            logger.debug("Oracle client libraries from \(folder) (LD_LIBRARY_PATH=\(ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"] ?? ""))")
        }

        let stop = StopRequest()
        let job = LoadJob.build(configuration, runLog: runLog, logger: logger, stop: stop)
        // ECS, Kubernetes and systemd stop a task with SIGTERM, a person with Ctrl-C (SIGINT): the
        // run stops at its next safe point, cleans up and reports. A second signal stops at once,
        // removing the staging folder first; the kernel releases the local locks.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let watcher = Task {
            for await signal in signals {
                if stop.request(signal.description) {
                    logger.warning("\(signal) received: stopping at the next safe point (a second signal stops at once)")
                } else {
                    stop.removeRegisteredFolders()
                    logger.error("\(signal) received again: stopped at once; the staging folder was removed, no report was sent")
                    Foundation.exit(ExitStatus.interrupted.rawValue)
                }
            }
        }
        let summary = await job.run()
        watcher.cancel()
        switch summary.outcome {
        case .connectionTested:
            if let version = summary.serverVersion {
                print("Successfully connected to \(version.product) version: \(version.version)")
            }
        case .delivered, .dryRun:
            // Standard output is a container's log: patrons are named there only at debug level.
            print(RunReport(summary: summary, workspace: configuration.workspace, logLines: []).summaryText(namingPatrons: configuration.logLevel <= .debug))
        case .failed(let stage, let message):
            printError("patronload: \(message)")
            throw ExitCode(ExitStatus(stage: stage).rawValue)
        }
    }

    /// Names and meanings in two aligned columns.
    private static func helpTable(_ rows: [(name: String, help: String)]) -> String {
        let width = max(34, rows.map(\.name.count).max() ?? 0)
        return rows.map { "  \($0.name.padding(toLength: width, withPad: " ", startingAt: 0)) \($0.help)" }.joined(separator: "\n")
    }
}
