import Foundation
import Logging

/// The nightly run, step by step:
/// 1. ask the warehouse for its version (the connection test stops here);
/// 2. collect the primary_ids of every patron type but the last (only IDs: cheap);
/// 3. render each type — rows → `AlmaUser` → XML bytes → deflate → zip on disk — all types at
///    once, each skipping IDs that an earlier type loads;
/// 4. check the built zips from disk, and that the run fits Alma's limits;
/// 5. remove the old zips and deliver the new ones (not in a dry run);
/// 6. report, whatever happened.
public struct LoadJob: Sendable {
    public var configuration: LoadConfiguration
    public var source: any PatronSource
    public var destination: any Destination
    public var notifiers: [any Notifier]
    public var sentry: SentryReporter?
    public var runLog: RunLog
    public var logger: Logger

    public init(
        configuration: LoadConfiguration,
        source: any PatronSource,
        destination: any Destination,
        notifiers: [any Notifier],
        sentry: SentryReporter? = nil,
        runLog: RunLog,
        logger: Logger
    ) {
        self.configuration = configuration
        self.source = source
        self.destination = destination
        self.notifiers = notifiers
        self.sentry = sentry
        self.runLog = runLog
        self.logger = logger
    }

    /// A job with the backends its configuration names.
    public init(configuration: LoadConfiguration, runLog: RunLog, logger: Logger) {
        let credentials = configuration.makeCredentials()
        self.init(
            configuration: configuration,
            source: configuration.warehouse.makeSource(logger: logger),
            destination: configuration.makeDestination(credentials: credentials, logger: logger),
            notifiers: configuration.makeNotifiers(credentials: credentials, logger: logger),
            sentry: configuration.sentry.map { SentryReporter(dsn: $0, environment: configuration.workspace) },
            runLog: runLog,
            logger: logger
        )
    }

    /// `2026-11-22_02.00.00`: names the run's files and report, as the reference loader does.
    public var runID: String { Self.stamp(configuration.now) }

    /// Runs the job. Never throws: every failure ends up in the summary's outcome, and the report
    /// is sent either way (except for a connection test, which only prints).
    public func run() async -> RunSummary {
        var summary = RunSummary(
            runID: runID,
            startedAt: Date(),
            finishedAt: Date(),
            outcome: .failed(stage: .warehouse, message: "did not start"),
            warehouse: source.description,
            destination: destination.description,
            profile: configuration.profile.source
        )
        var staging: URL?
        do {
            summary.serverVersion = try await connect()
            if configuration.mode == .connectionTest {
                summary.outcome = .connectionTested
                summary.finishedAt = Date()
                return summary
            }
            staging = try prepareStaging()
            let rendered = try await renderAll(into: staging!)
            summary.types = rendered.map(\.counts)
            summary.zips = rendered.flatMap(\.zips)
            try checkRunFits(rendered)
            if configuration.mode == .dryRun {
                summary.stagingDirectory = staging?.path
                staging = nil
                summary.outcome = .dryRun
            } else {
                let result = try await deliver(summary.zips)
                summary.removed = result.removed
                summary.delivered = result.delivered
                summary.outcome = .delivered
            }
        } catch let failure {
            summary.outcome = .failed(stage: failure.stage, message: failure.message)
            if case .delivery(let error) = failure {
                summary.removed = error.removed
                summary.delivered = error.delivered
            }
            logger.error("Run failed during \(failure.stage.rawValue): \(failure.message)")
        }
        if let staging {
            try? FileManager.default.removeItem(at: staging)
        }
        summary.finishedAt = Date()
        logOutcome(summary)
        // A connection test only prints, as the reference loader's `-t` does.
        if configuration.mode != .connectionTest {
            await sendReport(&summary)
        }
        if case .failed(let stage, let message) = summary.outcome, let sentry {
            do {
                let id = try await sentry.capture(message: message, stage: stage.rawValue, runID: summary.runID)
                logger.info("Sent the failure to Sentry (event \(id))")
            } catch {
                logger.error("The failure could not be sent to Sentry: \(error)")
            }
        }
        return summary
    }

    // MARK: - Steps

    private func connect() async throws(RunFailure) -> ServerVersion {
        do {
            let version = try await source.serverVersion()
            logger.info("Successfully connected to \(version.product) version: \(version.version)")
            return version
        } catch {
            throw .warehouse(error)
        }
    }

    private func prepareStaging() throws(RunFailure) -> URL {
        do {
            return try destination.stagingDirectory(runID: runID)
        } catch {
            throw .packaging(PackagingError.io(path: destination.description, reason: "cannot create a staging folder: \(error.localizedDescription)"))
        }
    }

    private struct RenderedType: Sendable {
        var counts: TypeCounts
        var zips: [BuiltZip]
    }

    /// Renders every patron type at once. Each type needs the IDs of the types before it, and only
    /// their IDs, so those are collected first in a cheaper pass.
    private func renderAll(into staging: URL) async throws(RunFailure) -> [RenderedType] {
        let types = configuration.profile.profile.patronTypes
        var earlierIDs: [PrimaryIDSet] = [PrimaryIDSet()]
        for type in types.dropLast() {
            var ids = earlierIDs.last!
            try await collectIDs(of: type, into: &ids)
            earlierIDs.append(ids)
        }
        do {
            return try await withThrowingTaskGroup(of: (Int, RenderedType).self) { group in
                for (index, type) in types.enumerated() {
                    let excluded = earlierIDs[index]
                    group.addTask {
                        (index, try await render(type, excluding: excluded, into: staging))
                    }
                }
                var results: [RenderedType?] = Array(repeating: nil, count: types.count)
                for try await (index, rendered) in group {
                    results[index] = rendered
                }
                return results.map { $0! }
            }
        } catch let failure as RunFailure {
            throw failure
        } catch {
            throw .packaging(PackagingError.io(path: staging.path, reason: "\(error)"))
        }
    }

    private func collectIDs(of type: PatronProfile.PatronType, into ids: inout PrimaryIDSet) async throws(RunFailure) {
        let dates = runDates
        do {
            let collected = try await source.withCursor(type.query) { cursor in
                var ids = ids
                // A backend that learns its columns from the first row reports none for an empty result.
                guard !cursor.columns.isEmpty else { return ids }
                let mapper = try PatronMapper(profile: configuration.profile, patronType: type, columns: cursor.columns, dates: dates)
                while let row = try await cursor.next() {
                    if let id = mapper.primaryID(of: row) { ids.insert(id) }
                }
                return ids
            }
            ids = collected
        } catch {
            throw RunFailure(error, patronType: type.name)
        }
        logger.info("Collected \(ids.count) \(type.name) IDs to skip in later patron types")
    }

    private func render(_ type: PatronProfile.PatronType, excluding earlier: PrimaryIDSet, into staging: URL) async throws(RunFailure) -> RenderedType {
        let started = Date()
        let dates = runDates
        let result: RenderedType
        do {
            result = try await source.withCursor(type.query) { cursor in
                guard !cursor.columns.isEmpty else { return RenderedType(counts: TypeCounts(patronType: type.name), zips: []) }
                let mapper = try PatronMapper(profile: configuration.profile, patronType: type, columns: cursor.columns, dates: dates)
                let packager = TypePackager(
                    patronType: type.name,
                    stamp: runID,
                    directory: staging.path,
                    rootElement: configuration.profile.profile.rootElement,
                    limits: configuration.limits,
                    compressionLevel: configuration.compressionLevel,
                    modified: configuration.now
                )
                var counts = TypeCounts(patronType: type.name)
                var seen = PrimaryIDSet()
                var user = XMLBytes(capacity: 16 * 1024)
                while let row = try await cursor.next() {
                    counts.read += 1
                    if counts.read & 4095 == 0 { try Task.checkCancellation() }
                    guard let id = mapper.primaryID(of: row) else {
                        let institutionalID = mapper.institutionalID(of: row)
                        counts.recordRejection(institutionalID: institutionalID)
                        logger.warning("Rejected \(type.name) row with institutional ID \(institutionalID.isEmpty ? "(none)" : institutionalID): \(RejectionReason.missingLoginID.rawValue) (\(type.columns.loginID))")
                        continue
                    }
                    if earlier.contains(id) {
                        counts.skippedAsEarlierType += 1
                        logger.debug("Skipped \(type.name) \(id): loaded by an earlier patron type")
                        continue
                    }
                    guard seen.insert(id) else {
                        counts.skippedAsRepeat += 1
                        logger.debug("Skipped \(type.name) \(id): repeated in this patron type")
                        continue
                    }
                    guard case .user(let almaUser) = mapper.map(row) else { continue }
                    user.removeAll()
                    AlmaUserXMLWriter.write(almaUser, into: &user)
                    try packager.add(user)
                    counts.written += 1
                }
                let zips = try packager.finish()
                return RenderedType(counts: counts, zips: zips)
            }
        } catch {
            throw RunFailure(error, patronType: type.name)
        }
        let verifier = ZipVerifier(level: configuration.verification, rootElement: configuration.profile.profile.rootElement, schemaPath: configuration.schemaPath)
        for zip in result.zips {
            do {
                try verifier.verify(zip)
            } catch let error as PackagingError {
                throw .verification(error)
            } catch {
                throw .verification(.verificationFailed(file: zip.fileName, reason: "\(error)"))
            }
        }
        let c = result.counts
        logger.info("\(type.name): read \(c.read), wrote \(c.written), rejected \(c.rejected), skipped \(c.skippedAsEarlierType) loaded as an earlier type and \(c.skippedAsRepeat) repeats, in \(result.zips.count) zip(s), \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        if c.written == 0 {
            logger.warning("\(type.name): no users to write; no \(type.name) file is built, and the old ones will still be removed")
        }
        return result
    }

    private func checkRunFits(_ rendered: [RenderedType]) throws(RunFailure) {
        let total = rendered.reduce(0) { $0 + $1.zips.count }
        guard total <= configuration.limits.maxZipsPerRun else {
            let perType = Dictionary(rendered.map { ($0.counts.patronType, $0.zips.count) }, uniquingKeysWith: +)
            throw .packaging(.tooManyZips(needed: total, limit: configuration.limits.maxZipsPerRun, perType: perType))
        }
    }

    private func deliver(_ zips: [BuiltZip]) async throws(RunFailure) -> DeliveryResult {
        do {
            return try await destination.deliver(zips, logger: logger)
        } catch {
            throw .delivery(error)
        }
    }

    private func logOutcome(_ summary: RunSummary) {
        switch summary.outcome {
        case .delivered:
            logger.info("Run \(summary.runID) delivered \(summary.delivered.count) zip(s), removed \(summary.removed.count) old zip(s), in \(String(format: "%.1f", summary.elapsed)) s")
        case .dryRun:
            logger.info("Dry run \(summary.runID) built \(summary.zips.count) zip(s) in \(summary.stagingDirectory ?? "?"); nothing was removed or delivered")
        case .connectionTested, .failed:
            break
        }
    }

    private func sendReport(_ summary: inout RunSummary) async {
        for notifier in notifiers {
            let report = RunReport(summary: summary, workspace: configuration.workspace, logLines: runLog.lines)
            do {
                try await notifier.send(report)
                logger.info("Report sent to \(notifier.description)")
            } catch {
                // The run's outcome stands; the failure to report it is recorded beside it.
                summary.warnings.append("the report could not be sent to \(notifier.description): \(error)")
                logger.error("The report could not be sent to \(notifier.description): \(error)")
            }
        }
    }

    private var runDates: RunDates {
        RunDates(
            today: AlmaDate(utc: configuration.now),
            expiryMonths: configuration.profile.profile.expiryMonths,
            purgeMonths: configuration.profile.profile.purgeMonths
        )
    }

    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d_%02d.%02d.%02d", p.year!, p.month!, p.day!, p.hour!, p.minute!, p.second!)
    }
}

/// A failure that ends a run, with the stage it happened in.
enum RunFailure: Error {
    case warehouse(WarehouseError)
    case profile(ProfileError)
    case packaging(PackagingError)
    case verification(PackagingError)
    case delivery(DeliveryError)

    init(_ error: any Error, patronType: String) {
        switch error {
        case let failure as RunFailure: self = failure
        case let error as WarehouseError: self = .warehouse(WarehouseError(error.kind, "\(patronType): \(error.message)", code: error.code))
        case let error as ProfileError: self = .profile(error)
        case let error as PackagingError: self = .packaging(error)
        case is CancellationError: self = .packaging(.io(path: patronType, reason: "cancelled because another patron type failed"))
        default: self = .packaging(.io(path: patronType, reason: "\(error)"))
        }
    }

    var stage: RunStage {
        switch self {
        case .warehouse: .warehouse
        case .profile: .configuration
        case .packaging: .packaging
        case .verification: .verification
        case .delivery: .delivery
        }
    }

    var message: String {
        switch self {
        case .warehouse(let error): error.message
        case .profile(let error): error.description
        case .packaging(let error), .verification(let error): error.description
        case .delivery(let error): error.description
        }
    }
}
