import Foundation
import Logging

/// The nightly run, top to bottom: lock → connect → scan → pre-flight → compare with the last
/// run → render and verify → deliver → report → remember. Each step is a type in its folder
/// (`FeedScanner`, `Preflight`, `RunHistory`, the destination's `RunRenderer`, `RunReporter`,
/// …); the decisions are `RunPolicy`'s. A connection test stops after connecting; a dry run
/// before delivery.
public struct LoadJob: Sendable {
    public var configuration: LoadConfiguration
    public var source: any PatronSource
    public var destination: any Destination
    /// Builds the files the destination takes; chosen with it in `build`.
    var renderer: any RunRenderer
    public var notifiers: [any Notifier]
    public var history: (any HistoryStore)?
    /// The history's lock (the destination gives its own); neither is taken by dry runs and
    /// connection tests, which change nothing.
    public var runLock: (any RunLock)?
    public var sentry: SentryReporter?
    public var runLog: RunLog
    public var logger: Logger
    /// Set by a signal: the run stops at its next safe point.
    public var stop: StopRequest

    init(configuration: LoadConfiguration, source: any PatronSource, destination: any Destination, renderer: any RunRenderer, notifiers: [any Notifier],
                history: (any HistoryStore)? = nil, runLock: (any RunLock)? = nil, sentry: SentryReporter? = nil,
                runLog: RunLog, logger: Logger, stop: StopRequest = StopRequest()) {
        self.configuration = configuration
        self.source = source
        self.destination = destination
        self.renderer = renderer
        self.notifiers = notifiers
        self.history = history
        self.runLock = runLock
        self.sentry = sentry
        self.runLog = runLog
        self.logger = logger
        self.stop = stop
    }

    /// `2026-11-22_02.00.00`: names the run's files and report, as the reference loader does.
    public var runID: String { Self.stamp(configuration.now) }

    /// Runs the job. Never throws: every failure ends up in the summary's outcome, and the report
    /// is sent either way (except for a connection test, which only prints).
    public func run() async -> RunSummary {
        var summary = RunSummary(runID: runID, startedAt: Date(), finishedAt: Date(), outcome: .failed(stage: .warehouse, message: "did not start"),
                                 warehouse: source.description, destination: destination.description, profile: configuration.profile.source)
        let staging = StagingArea(destination: destination, dryRun: configuration.mode == .dryRun, runID: runID, stop: stop, logger: logger)
        var locks = HeldLocks()
        var folder: URL?
        do {
            if configuration.mode == .load {
                locks = try await RunLocks(destination: destination, history: runLock, staleAfter: configuration.lockStaleAfter, logger: logger)
                    .take(LockHolder(runID: runID))
                summary.warnings += locks.notes + staging.removeLeftovers()
            }
            summary.warnings += staging.removeDeadDryRuns()
            try stop.check(during: "start")
            summary.serverVersion = try await connect()
            guard configuration.mode != .connectionTest else {
                summary.outcome = .connectionTested
                summary.finishedAt = Date()
                return summary
            }
            folder = try staging.create()
            let work = StagingArea.work(in: folder!)

            var scans = try await FeedScanner(source: source, profile: configuration.profile, today: AlmaDate(utc: configuration.now), stop: stop, logger: logger).scan(into: work)
            summary.types = scans.map(\.counts)
            summary.warnings += Self.repairWarning(scans)
            try stop.check(during: "the scan")

            let preflightStep = Preflight(policy: configuration.policy, population: configuration.profile.profile.population, logger: logger)
            let preflight = try preflightStep.run(scans)
            summary.record(preflight)
            MergedDigests.apply(preflight.decisions, to: &scans)
            try preflightStep.check(preflight, scans: scans)
            try stop.check(during: "the pre-flight")

            let runHistory = self.runHistory
            let comparison = try await runHistory.compare(scans, preflight.decisions, work: work)
            summary.record(comparison)
            summary.warnings += try runHistory.checkForDrop(comparison)
            let leavers = try await runHistory.leavers(comparison, work: work)
            summary.record(leavers)
            try stop.check(during: "the comparison with the run history")

            try await renderer.render(scans, preflight.decisions, comparison, leavers: leavers.linesByType, into: folder!, summary: &summary)

            if configuration.mode == .dryRun {
                if let keep = configuration.dryRunOutput {
                    summary.zips = try StagingArea.keep(summary.zips, in: keep)
                    summary.dryRunFiles = keep
                }
                summary.outcome = .dryRun
            } else {
                try stop.check(during: "the checks of the built files")
                // Once begun, delivery is finished whatever signal comes: stopping between removing
                // yesterday's zips and writing today's would leave Alma with nothing.
                let result = try await deliver(summary.zips)
                summary.removed = result.removed
                summary.delivered = result.delivered
                summary.outcome = .delivered
                await remember(comparison, files: result.files, in: runHistory, summary: &summary)
                if let signal = stop.reason {
                    summary.warnings.append("\(signal) arrived during delivery, which was finished first so that Alma is not left with yesterday's zips removed and today's missing")
                }
            }
        } catch let failure {
            summary.record(failure)
            logger.error("Run failed during \(failure.stage.rawValue): \(failure.message)")
        }
        if let folder, let warning = staging.remove(folder) { summary.warnings.append(warning) }
        summary.finishedAt = Date()
        let reporter = RunReporter(notifiers: notifiers, sentry: sentry, workspace: configuration.workspace, runLog: runLog, logger: logger)
        reporter.logOutcome(summary)
        // A connection test only prints, as the reference loader's `-t` does.
        if configuration.mode != .connectionTest {
            summary.warnings += await reporter.send(summary)
        }
        await locks.release()
        await reporter.sendFailure(summary)
        return summary
    }

    private func connect() async throws(RunFailure) -> ServerVersion {
        do {
            let version = try await source.serverVersion()
            logger.info("Successfully connected to \(version.product) version: \(version.version)")
            return version
        } catch {
            throw .warehouse(error)
        }
    }

    private func deliver(_ zips: [BuiltZip]) async throws(RunFailure) -> DeliveryResult {
        do {
            return try await destination.deliver(zips, logger: logger)
        } catch {
            throw .delivery(error)
        }
    }

    /// Stores the history of a delivered run; a failure is a warning, not a failed run (Alma has
    /// the files), and the next run compares with the one before.
    /// `files`: the delivered files where delivery left them on this machine, for the archive.
    private func remember(_ comparison: RunHistory.Comparison, files: [BuiltZip], in runHistory: RunHistory, summary: inout RunSummary) async {
        guard let history else { return }
        let types = summary.types.indices.map { index in
            ManifestHeader.TypeSummary(name: comparison.typeNames[index], read: summary.types[index].read,
                                       written: summary.types[index].written, patrons: comparison.patrons(ofType: index))
        }
        do {
            summary.historyStored = try await runHistory.store(comparison, types: types, zips: files)
        } catch {
            summary.warnings.append("the run history could not be stored in \(history.description): \(error); the next run compares with the one before")
            logger.error("The run history could not be stored: \(error)")
        }
    }

    private var runHistory: RunHistory {
        RunHistory(store: history, runID: runID, today: AlmaDate(utc: configuration.now), profileName: configuration.profile.profile.name,
                   rules: configuration.historyRules, onlyChanges: configuration.onlyChanges, allowDrop: configuration.allowDrop,
                   policy: configuration.policy, logger: logger)
    }

    private static func repairWarning(_ scans: [ScannedType]) -> [String] {
        let repaired = scans.reduce(0) { $0 + $1.counts.repairedValues }
        guard repaired > 0 else { return [] }
        return ["\(repaired) warehouse value(s) held characters XML cannot carry (control characters, or bytes that were not UTF-8) and were written without them; the log names each row by institutional ID and column"]
    }

    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d_%02d.%02d.%02d", p.year!, p.month!, p.day!, p.hour!, p.minute!, p.second!)
    }
}
