import Foundation
import Logging

/// The nightly run, step by step:
/// 1. ask the warehouse for its version (the connection test stops here);
/// 2. scan every patron type at once: rows → `PatronRecord`s in a record file, and hashes;
/// 3. pre-flight across the feed: duplicates, clashes, code sets, required fields; stop when too
///    much of a type would be left out;
/// 4. compare with the last delivered run (new, changed, unchanged, gone) and decide between a
///    full and a changes-only load;
/// 5. render each type — records → `AlmaUser` → XML → deflate → zip on disk — all types at once;
///    leavers to expire go in their type's files;
/// 6. check the built zips from disk, and that the run fits Alma's limits;
/// 7. remove the old zips and deliver the new ones (not in a dry run), then store the history;
/// 8. report, whatever happened.
public struct LoadJob: Sendable {
    public var configuration: LoadConfiguration
    public var source: any PatronSource
    public var destination: any Destination
    public var notifiers: [any Notifier]
    public var history: (any HistoryStore)?
    /// Keeps two runs from overlapping (not taken by dry runs and connection tests, which change nothing).
    public var runLock: (any RunLock)?
    public var sentry: SentryReporter?
    public var runLog: RunLog
    public var logger: Logger
    /// Set by a signal: the run stops at its next safe point.
    public var stop: StopRequest

    public init(
        configuration: LoadConfiguration,
        source: any PatronSource,
        destination: any Destination,
        notifiers: [any Notifier],
        history: (any HistoryStore)? = nil,
        runLock: (any RunLock)? = nil,
        sentry: SentryReporter? = nil,
        runLog: RunLog,
        logger: Logger,
        stop: StopRequest = StopRequest()
    ) {
        self.configuration = configuration
        self.source = source
        self.destination = destination
        self.notifiers = notifiers
        self.history = history
        self.runLock = runLock
        self.sentry = sentry
        self.runLog = runLog
        self.logger = logger
        self.stop = stop
    }

    /// A job with the backends its configuration names.
    public init(configuration: LoadConfiguration, runLog: RunLog, logger: Logger, stop: StopRequest = StopRequest()) {
        let credentials = configuration.makeCredentials()
        self.init(
            configuration: configuration,
            source: configuration.warehouse.makeSource(logger: logger),
            destination: configuration.makeDestination(credentials: credentials, logger: logger),
            notifiers: configuration.makeNotifiers(credentials: credentials, logger: logger),
            history: configuration.makeHistoryStore(credentials: credentials, logger: logger),
            runLock: configuration.makeRunLock(credentials: credentials, logger: logger),
            sentry: configuration.sentry.map { SentryReporter(dsn: $0, environment: configuration.workspace) },
            runLog: runLog,
            logger: logger,
            stop: stop
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
        var held: [any HeldRunLock] = []
        do {
            try await takeLocks(&summary, into: &held)
            if !held.isEmpty { removeLeftoverStaging(&summary) }
            try checkStop(during: "start")
            summary.serverVersion = try await connect()
            if configuration.mode == .connectionTest {
                summary.outcome = .connectionTested
                summary.finishedAt = Date()
                return summary
            }
            staging = try prepareStaging()
            let work = staging!.appendingPathComponent("work", isDirectory: true)
            try? FileManager.default.createPrivateDirectory(at: work)

            let scans = try await scanAll(into: work)
            try checkStop(during: "the scan")
            summary.types = scans.map(\.counts)
            let repaired = scans.reduce(0) { $0 + $1.counts.repairedValues }
            if repaired > 0 {
                summary.warnings.append("\(repaired) warehouse value(s) held characters XML cannot carry (control characters, or bytes that were not UTF-8) and were written without them; the log names each row by institutional ID and column")
            }
            let decisions = try analyze(scans)
            try applyPreflight(decisions, scans, to: &summary)
            try checkStop(during: "the pre-flight")

            let comparison = try await compareWithHistory(scans, decisions, work: work, summary: &summary)
            try checkForDrop(comparison, summary: &summary)
            let leavers = try await findLeavers(comparison.changes, previous: comparison.previousTrailer, work: work, summary: &summary)
            try checkStop(during: "the comparison with the run history")
            let rendered = try await renderAll(scans, decisions, comparison.changes, full: comparison.full, leavers: leavers, into: staging!)
            for (index, result) in rendered.enumerated() {
                summary.types[index].written = result.written
                summary.types[index].unchangedNotWritten = result.unchangedNotWritten
                summary.types[index].leaversWritten = result.leaversWritten
            }
            summary.zips = rendered.flatMap(\.zips)
            try checkRunFits(rendered, scans)
            if configuration.mode == .dryRun {
                try keepDryRunFiles(&summary)
                summary.outcome = .dryRun
            } else {
                try checkStop(during: "the checks of the built files")
                let result = try await deliver(summary.zips)
                summary.removed = result.removed
                summary.delivered = result.delivered
                summary.outcome = .delivered
                await storeHistory(comparison, rendered: rendered, summary: &summary)
                if let signal = stop.reason {
                    let note = "\(signal) arrived during delivery, which was finished first so that Alma is not left with yesterday's zips removed and today's missing"
                    summary.warnings.append(note)
                    logger.warning("\(note)")
                }
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
            // The run's patron records and unsent files go on every path that runs code.
            do {
                try FileManager.default.removeItem(at: staging)
            } catch {
                let warning = "cannot remove the staging folder \(staging.path): \(error.localizedDescription); it holds patron records, remove it by hand"
                summary.warnings.append(warning)
                logger.error("\(warning)")
            }
            stop.unregister(staging)
        }
        summary.finishedAt = Date()
        logOutcome(summary)
        // A connection test only prints, as the reference loader's `-t` does.
        if configuration.mode != .connectionTest {
            await sendReport(&summary)
        }
        for lock in held.reversed() { await lock.release() }
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

    // MARK: - Connect

    /// The run locks, for runs that change something (none for dry runs and connection tests):
    /// the destination's, so that no two runs deliver to one place whatever history each keeps,
    /// then the history's, so that no two runs store one history whatever they deliver to.
    /// Taken in that order by every run; released in the reverse one.
    private func takeLocks(_ summary: inout RunSummary, into held: inout [any HeldRunLock]) async throws(RunFailure) {
        guard configuration.mode == .load else { return }
        var locks: [(lock: any RunLock, guards: RunStage)] = [(destination.runLock(staleAfter: configuration.lockStaleAfter), .delivery)]
        if let runLock { locks.append((runLock, .history)) }
        for (lock, stage) in locks {
            do {
                let taken = try await lock.acquire(LockHolder(runID: runID))
                held.append(taken)
                if let note = taken.note {
                    summary.warnings.append(note)
                    logger.warning("\(note)")
                }
            } catch let error as RunLockError {
                // Exit code 8 means only "another run is going on"; a lock that cannot be taken at
                // all (no permission, no bucket, no credentials) is a failure of what it guards.
                if case .held = error { throw .lock("\(error)") }
                throw Self.lockFailure("\(error)", guarding: stage)
            } catch {
                throw Self.lockFailure("Cannot take the run lock \(lock.description): \(error)", guarding: stage)
            }
        }
    }

    /// A lock that cannot be taken at all fails the step it guards: delivery for the
    /// destination's lock (nothing was removed), the history for the history's.
    private static func lockFailure(_ message: String, guarding stage: RunStage) -> RunFailure {
        stage == .delivery ? .delivery(DeliveryError(message)) : .history(message)
    }

    /// Staging folders that runs killed before they could clean up left behind, with patron
    /// records in them. Called under the destination's lock, so none belongs to a live run.
    private func removeLeftoverStaging(_ summary: inout RunSummary) {
        let leftovers = destination.leftoverStagingDirectories()
        guard !leftovers.isEmpty else { return }
        var removed: [String] = []
        for folder in leftovers {
            do {
                try FileManager.default.removeItem(at: folder)
                removed.append(folder.lastPathComponent)
            } catch {
                let warning = "cannot remove the staging folder \(folder.path) that an earlier run left behind: \(error.localizedDescription); it may hold patron records, remove it by hand"
                summary.warnings.append(warning)
                logger.error("\(warning)")
            }
        }
        guard !removed.isEmpty else { return }
        let note = "removed \(removed.count) staging folder(s) that stopped runs left behind (\(removed.joined(separator: ", "))), with the patron records in them"
        summary.warnings.append(note)
        logger.notice("\(note)")
    }

    /// Throws when a stop was requested (a signal); called at the run's safe points.
    func checkStop(during step: String) throws(RunFailure) {
        if let reason = stop.reason { throw .stopped(signal: reason, step: step) }
    }

    /// The safety stop: a patron type that shrank more than the limit since the last delivered
    /// run stops the run before anything is deleted or delivered (unless `--allow-drop`).
    private func checkForDrop(_ comparison: Comparison, summary: inout RunSummary) throws(RunFailure) {
        guard let previous = comparison.previousTrailer, let header = comparison.previous else { return }
        var problems: [String] = []
        for last in previous.types where last.patrons > 0 {
            let index = comparison.typeNames.firstIndex(of: last.name)
            let today = index.map { index in
                let changes = comparison.changes.types[index]
                return changes.new + changes.changed + changes.unchanged + changes.keptFromLastRun
            } ?? 0
            let drop = last.patrons - today
            let percent = Double(drop) / Double(last.patrons) * 100
            // A few patrons are no alarm, whatever the share: small types move by a handful.
            guard percent > configuration.maxDropPercent, drop >= DropRule.minimumDrop else { continue }
            problems.append("\(last.name) has \(today) patrons today against \(last.patrons) in run \(header.runID) (\(String(format: "%.1f", percent)) % fewer; the limit is \(String(format: "%g", configuration.maxDropPercent)) %)")
        }
        guard !problems.isEmpty else { return }
        if configuration.allowDrop {
            let warning = "safety stop overridden with --allow-drop: " + problems.joined(separator: "; ")
            summary.warnings.append(warning)
            logger.warning("\(warning)")
            return
        }
        throw .safety("Safety stop: " + problems.joined(separator: "; ") + ". Nothing was deleted or delivered. Check the warehouse query; if the drop is real, run once with --allow-drop.")
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

    /// A real run stages beside its destination; a dry run in a private temp folder, so that it
    /// never leaves anything where Alma reads nor needs the destination's lock.
    private func prepareStaging() throws(RunFailure) -> URL {
        do {
            let staging: URL
            if configuration.mode == .dryRun {
                staging = FileManager.default.temporaryDirectory.appendingPathComponent("patronload-dry-run-\(runID)-\(UUID().uuidString.prefix(8))", isDirectory: true)
                try FileManager.default.createPrivateDirectory(at: staging)
            } else {
                staging = try destination.stagingDirectory(runID: runID)
            }
            stop.register(staging)
            return staging
        } catch {
            throw .packaging(PackagingError.io(path: destination.description, reason: "cannot create a staging folder: \(error.localizedDescription)"))
        }
    }

    /// A dry run's checked zips, moved to the folder the operator asked for (never where Alma
    /// reads); without one, nothing is kept.
    private func keepDryRunFiles(_ summary: inout RunSummary) throws(RunFailure) {
        guard let folder = configuration.dryRunOutput else { return }
        let target = URL(fileURLWithPath: folder, isDirectory: true)
        do {
            try FileManager.default.createPrivateDirectory(at: target)
            for index in summary.zips.indices {
                let destination = target.appendingPathComponent(summary.zips[index].fileName)
                try? FileManager.default.removeItem(at: destination)
                try FileManager.default.moveItem(atPath: summary.zips[index].path, toPath: destination.path)
                summary.zips[index].path = destination.path
            }
            summary.dryRunFiles = target.path
        } catch {
            throw .packaging(.io(path: folder, reason: "cannot keep the dry run's files: \(error.localizedDescription)"))
        }
    }

    // MARK: - Scan

    /// Reads every patron type at once into record files; rows without a login are rejected here.
    private func scanAll(into work: URL) async throws(RunFailure) -> [ScannedType] {
        let types = configuration.profile.profile.patronTypes
        do {
            return try await withThrowingTaskGroup(of: ScannedType.self) { group in
                for (index, type) in types.enumerated() {
                    group.addTask { try await scan(type, index: index, into: work) }
                }
                var results: [ScannedType] = []
                for try await scanned in group { results.append(scanned) }
                return results.sorted { $0.typeIndex < $1.typeIndex }
            }
        } catch let failure as RunFailure {
            throw failure
        } catch {
            throw .packaging(.io(path: work.path, reason: "\(error)"))
        }
    }

    private func scan(_ type: PatronProfile.PatronType, index: Int, into work: URL) async throws(RunFailure) -> ScannedType {
        let path = work.appendingPathComponent("\(type.name).records").path
        let rules = PreflightRules(configuration.profile.profile.preflight)
        do {
            return try await source.withCursor(type.query) { cursor in
                var scanned = ScannedType(typeIndex: index, patronType: type, recordsPath: path, entries: [], counts: TypeCounts(patronType: type.name), violations: [:])
                let writer = try RecordFileWriter(path: path)
                // A backend that learns its columns from the first row reports none for an empty result.
                if !cursor.columns.isEmpty {
                    let mapper = try PatronMapper(profile: configuration.profile, patronType: type, columns: cursor.columns)
                    while let row = try await cursor.next() {
                        scanned.counts.read += 1
                        if scanned.counts.read & 1023 == 0 {
                            try Task.checkCancellation()
                            try checkStop(during: "the scan of \(type.name)")
                        }
                        switch mapper.map(row) {
                        case .rejected(let institutionalID, let reason):
                            scanned.counts.recordRejection(institutionalID: institutionalID)
                            logger.warning("Rejected \(type.name) row with institutional ID \(institutionalID.isEmpty ? "(none)" : UnwritableCharacter.visible(institutionalID)): \(reason.rawValue) (\(type.columns.loginID))")
                        case .record(let record):
                            let unwritable = mapper.unwritableValues(row)
                            if let identifier = unwritable.first(where: \.isIdentifier) {
                                scanned.violations[scanned.entries.count] = "its \(identifier.column) holds \(identifier.character); Alma would receive another ID than the warehouse's, which could be another patron's"
                            } else if let violation = rules.violation(record) {
                                scanned.violations[scanned.entries.count] = violation
                            }
                            // A row left out for its ID is not loaded: its other values need no repair.
                            for value in unwritable where !value.isIdentifier && !unwritable[0].isIdentifier {
                                scanned.counts.repairedValues += 1
                                logger.warning("Repaired \(type.name) row with institutional ID \(record.institutionalID.isEmpty ? "(none)" : UnwritableCharacter.visible(record.institutionalID)): \(value.column) held \(value.character); written without it")
                            }
                            let serialized = record.serialized()
                            scanned.append(record, serialized, offset: try writer.append(serialized.bytes))
                        }
                    }
                }
                try writer.finish()
                return scanned
            }
        } catch {
            throw RunFailure(error, patronType: type.name)
        }
    }

    // MARK: - Pre-flight

    private func analyze(_ scans: [ScannedType]) throws(RunFailure) -> FeedDecisions {
        do {
            let readers = try scans.map { try RecordFileReader(path: $0.recordsPath) }
            return try FeedAnalysis.decide(scans) { row, kind in
                let line = try readers[row.type].line(at: scans[row.type].entries[row.ordinal].offset)
                guard let record = PatronRecord(serialized: line) else { return "" }
                switch kind {
                case .primaryID: return record.primaryID
                case .institutionalID: return record.institutionalID
                case .barcode: return record.barcode
                }
            }
        } catch {
            throw .packaging(.io(path: "record files", reason: "\(error)"))
        }
    }

    private func applyPreflight(_ decisions: FeedDecisions, _ scans: [ScannedType], to summary: inout RunSummary) throws(RunFailure) {
        for scan in scans {
            summary.types[scan.typeIndex].skippedAsEarlierType = decisions.count(.duplicateOfEarlierType, type: scan.typeIndex)
            summary.types[scan.typeIndex].skippedAsRepeat = decisions.count(.repeatInType, type: scan.typeIndex)
            summary.types[scan.typeIndex].leftOut = decisions.count(.leftOut, type: scan.typeIndex)
        }
        summary.preflightTotal = decisions.leftOut.count
        do {
            summary.preflight = try PreflightReport.lines(decisions.leftOut.prefix(PreflightReport.lineLimit), scans: scans)
        } catch {
            throw .packaging(.io(path: "record files", reason: "\(error)"))
        }
        if !decisions.leftOut.isEmpty {
            logger.warning("Pre-flight left out \(decisions.leftOut.count) patron(s); the report lists them with their reasons")
        }
        for scan in scans {
            let mapped = scan.entries.count
            let leftOut = summary.types[scan.typeIndex].leftOut
            guard mapped > 0 else { continue }
            let percent = Double(leftOut) * 100 / Double(mapped)
            if percent > configuration.maxLeftOutPercent {
                throw .preflight("The pre-flight would leave out \(leftOut) of \(mapped) \(scan.patronType.name) patrons (\(String(format: "%.1f", percent))%, more than the \(String(format: "%g", configuration.maxLeftOutPercent))% allowed); nothing was removed or delivered. The report lists the first reasons: fix the warehouse, or raise maxLeftOutPercent in the profile or --max-left-out-percent")
            }
        }
    }

    // MARK: - History

    private struct Comparison {
        var changes: ChangeSet
        var previous: ManifestHeader?
        var previousTrailer: ManifestTrailer?
        var full: Bool
        /// The next manifest, entries written, trailer to come once the run is delivered.
        var manifest: (writer: ManifestWriter, path: String)?
        var typeNames: [String]
    }

    /// A damaged manifest is found in the run's temporary copy; the operator needs the stored one.
    static func explain(_ error: HistoryError, history: any HistoryStore) -> String {
        guard case .corrupt(_, let reason) = error else { return error.description }
        return "The run history (\(history.description)) is damaged: \(reason); restore its manifest.bin.gz from a backup, or remove it to start a new history"
    }

    /// Reads the last run's manifest (if any), decides between a full and a changes-only load, and
    /// compares, writing the next manifest beside the run's files.
    private func compareWithHistory(_ scans: [ScannedType], _ decisions: FeedDecisions, work: URL, summary: inout RunSummary) async throws(RunFailure) -> Comparison {
        let previousPath = work.appendingPathComponent("previous.manifest.gz").path
        var reader: ManifestReader?
        if let history {
            do {
                if try await history.fetchManifest(to: previousPath) {
                    reader = try ManifestReader(path: previousPath)
                }
            } catch let error as HistoryError {
                throw .history(Self.explain(error, history: history))
            } catch {
                throw .history("Cannot read the run history (\(history.description)): \(error); fix or remove it to start a new history")
            }
        }
        let today = AlmaDate(utc: configuration.now)
        var full = true
        if configuration.onlyChanges {
            if let header = reader?.header {
                let age = today.daysSinceEpoch - (Self.day(header.lastFullLoad)?.daysSinceEpoch ?? Int.min / 2)
                if age >= configuration.historyRules.fullLoadEveryDays {
                    summary.loadKind = .full(reason: "the last full load (\(header.lastFullLoad)) is \(age) days old; one is due every \(configuration.historyRules.fullLoadEveryDays)")
                } else {
                    full = false
                    summary.loadKind = .changesOnly(lastFullLoad: header.lastFullLoad)
                }
            } else {
                summary.loadKind = .full(reason: "there is no run history yet")
            }
        }
        let typeNames = scans.map(\.patronType.name)
        guard history != nil else {
            // No history: nothing to compare, and every run is a full load.
            return Comparison(changes: ChangeSet(types: [], statuses: decisions.decisions.map { Array(repeating: .new, count: $0.count) }, gone: [], previous: nil),
                              previous: nil, previousTrailer: nil, full: true, manifest: nil, typeNames: typeNames)
        }
        let manifestPath = work.appendingPathComponent("next.manifest.gz").path
        do {
            let header = ManifestHeader(
                runID: runID, runDate: today.isoDay, fullLoad: full,
                lastFullLoad: full ? today.isoDay : (reader?.header.lastFullLoad ?? today.isoDay),
                profile: configuration.profile.profile.name
            )
            let writer = try ManifestWriter(path: manifestPath, header: header, typeNames: typeNames)
            let changes = try ChangeDetector.compare(scans: scans, decisions: decisions, previous: reader, writer: writer)
            summary.changes = changes.types
            summary.previousRunID = reader?.header.runID
            if let previous = reader?.header {
                let totals = changes.types.reduce(into: (0, 0, 0)) { $0.0 += $1.new; $0.1 += $1.changed; $0.2 += $1.gone }
                logger.info("Since run \(previous.runID): \(totals.0) new, \(totals.1) changed, \(totals.2) gone")
            }
            return Comparison(changes: changes, previous: reader?.header, previousTrailer: reader?.trailer, full: full,
                              manifest: (writer, manifestPath), typeNames: typeNames)
        } catch let error as HistoryError {
            throw .history(history.map { Self.explain(error, history: $0) } ?? error.description)
        } catch {
            throw .history("Comparing with the run history failed: \(error)")
        }
    }

    /// Under the `expire` policy, the last written record of each leaver, with a new expiry.
    private func findLeavers(_ changes: ChangeSet, previous: ManifestTrailer?, work: URL, summary: inout RunSummary) async throws(RunFailure) -> [String: [[UInt8]]] {
        guard configuration.historyRules.leavers == .expire, !changes.gone.isEmpty, let history, let previous else { return [:] }
        var zips: [String] = []
        do {
            for run in previous.archive.reversed() {
                zips += try await history.fetchArchive(run, to: work.path)
            }
            let expiry = AlmaDate(utc: configuration.now).adding(days: configuration.historyRules.leaverExpiryDays)
            let found = try LeaverArchive.find(changes.gone, in: zips, expiry: expiry)
            for (index, type) in (summary.changes ?? []).enumerated() {
                summary.changes?[index].leaversExpired = found.linesByType[type.patronType]?.count ?? 0
                summary.changes?[index].leaversNotFound = found.notFound.filter { $0.patronType == type.patronType }.map(\.primaryID)
            }
            if !found.notFound.isEmpty {
                logger.warning("\(found.notFound.count) leaver(s) have no archived record to write once more; they are reported and forgotten")
            }
            return found.linesByType
        } catch {
            throw .history("Cannot read the archived zips for leavers from \(history.description): \(error)")
        }
    }

    private func storeHistory(_ comparison: Comparison, rendered: [RenderedType], summary: inout RunSummary) async {
        guard let history, let manifest = comparison.manifest else { return }
        do {
            let types = rendered.enumerated().map { index, result in
                let changes = comparison.changes.types[index]
                return ManifestHeader.TypeSummary(
                    name: comparison.typeNames[index], read: summary.types[index].read, written: result.written,
                    patrons: changes.new + changes.changed + changes.unchanged + changes.keptFromLastRun
                )
            }
            let files = summary.zips.map(\.fileName)
            var archive: [ManifestHeader.ArchivedRun] = []
            if configuration.historyRules.leavers == .expire {
                archive = (comparison.full ? [] : comparison.previousTrailer?.archive ?? []) + [.init(runID: runID, files: files)]
                // A local destination moved the built files into place; archive them from there.
                let zips = summary.zips.map { zip -> BuiltZip in
                    var zip = zip
                    if !FileManager.default.fileExists(atPath: zip.path), let delivered = summary.delivered.first(where: { $0.name == zip.fileName }) {
                        zip.path = delivered.location
                    }
                    return zip
                }
                try await history.archive(zips, runID: runID)
            }
            try manifest.writer.finish(ManifestTrailer(types: types, files: files, archive: archive))
            // The manifest goes last: until it is stored, the previous history stands.
            try await history.storeManifest(from: manifest.path)
            let dropped = (comparison.previousTrailer?.archive ?? []).filter { old in !archive.contains { $0.runID == old.runID } }
            try await history.removeArchives(dropped)
            summary.historyStored = history.description
            logger.info("Stored the run history (\(manifest.writer.count) patrons) in \(history.description)")
        } catch {
            summary.warnings.append("the run history could not be stored in \(history.description): \(error); the next run compares with the one before")
            logger.error("The run history could not be stored: \(error)")
        }
    }

    // MARK: - Render

    struct RenderedType: Sendable {
        var zips: [BuiltZip]
        var written: Int
        var unchangedNotWritten: Int
        var leaversWritten: Int
    }

    private func renderAll(_ scans: [ScannedType], _ decisions: FeedDecisions, _ changes: ChangeSet, full: Bool, leavers: [String: [[UInt8]]], into staging: URL) async throws(RunFailure) -> [RenderedType] {
        do {
            return try await withThrowingTaskGroup(of: (Int, RenderedType).self) { group in
                for scan in scans {
                    let decided = decisions.decisions[scan.typeIndex]
                    let statuses = changes.statuses[scan.typeIndex]
                    let leaverLines = leavers[scan.patronType.name] ?? []
                    group.addTask {
                        (scan.typeIndex, try render(scan, decided, statuses, full: full, leavers: leaverLines, into: staging))
                    }
                }
                var results = Array<RenderedType?>(repeating: nil, count: scans.count)
                for try await (index, rendered) in group { results[index] = rendered }
                return results.map { $0! }
            }
        } catch let failure as RunFailure {
            throw failure
        } catch {
            throw .packaging(.io(path: staging.path, reason: "\(error)"))
        }
    }

    private func render(_ scan: ScannedType, _ decisions: [Decision], _ statuses: [ChangeStatus], full: Bool, leavers: [[UInt8]], into staging: URL) throws(RunFailure) -> RenderedType {
        let started = Date()
        let type = scan.patronType
        let builder = AlmaUserBuilder(profile: configuration.profile.profile, patronType: type, dates: runDates)
        let packager = TypePackager(
            patronType: type.name, stamp: runID, directory: staging.path, rootElement: configuration.profile.profile.rootElement,
            limits: configuration.limits, compressionLevel: configuration.compressionLevel, modified: configuration.now
        )
        var result = RenderedType(zips: [], written: 0, unchangedNotWritten: 0, leaversWritten: 0)
        do {
            let reader = try RecordFileReader(path: scan.recordsPath)
            var user = XMLBytes(capacity: 16 * 1024)
            var ordinal = 0
            while let line = try reader.nextLine() {
                defer { ordinal += 1 }
                guard decisions[ordinal] == .write else { continue }
                if !full && statuses[ordinal] == .unchanged {
                    result.unchangedNotWritten += 1
                    continue
                }
                guard let record = PatronRecord(serialized: line) else {
                    throw PackagingError.io(path: scan.recordsPath, reason: "record \(ordinal) does not read back")
                }
                user.removeAll()
                AlmaUserXMLWriter.write(builder.user(record), into: &user)
                try packager.add(user)
                result.written += 1
                if result.written & 1023 == 0 { try checkStop(during: "the rendering of \(type.name)") }
            }
            for line in leavers {
                user.removeAll()
                user.raw(line)
                try packager.add(user)
                result.written += 1
                result.leaversWritten += 1
            }
            result.zips = try packager.finish()
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
        let c = scan.counts
        logger.info("\(type.name): read \(c.read), wrote \(result.written)\(result.leaversWritten > 0 ? " (\(result.leaversWritten) leavers)" : ""), rejected \(c.rejected)\(full ? "" : ", \(result.unchangedNotWritten) unchanged not written"), in \(result.zips.count) zip(s), \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        if result.written == 0 {
            logger.warning("\(type.name): nothing to write; no \(type.name) file is built, and the old ones will still be removed")
        }
        return result
    }

    private func checkRunFits(_ rendered: [RenderedType], _ scans: [ScannedType]) throws(RunFailure) {
        let total = rendered.reduce(0) { $0 + $1.zips.count }
        guard total <= configuration.limits.maxZipsPerRun else {
            let perType = Dictionary(zip(scans, rendered).map { ($0.patronType.name, $1.zips.count) }, uniquingKeysWith: +)
            throw .packaging(.tooManyZips(needed: total, limit: configuration.limits.maxZipsPerRun, perType: perType))
        }
    }

    // MARK: - Deliver and report

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
            logger.info("Dry run \(summary.runID) built \(summary.zips.count) zip(s)\(summary.dryRunFiles.map { ", kept in \($0)" } ?? ", and removed them"); nothing was removed or delivered")
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

    static func day(_ text: String) -> AlmaDate? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), parts[2] >= 1, parts[2] <= AlmaDate.daysIn(month: parts[1], year: parts[0]) else { return nil }
        return AlmaDate(year: parts[0], month: parts[1], day: parts[2])
    }
}

/// A failure that ends a run, with the stage it happened in.
enum RunFailure: Error {
    case warehouse(WarehouseError)
    case profile(ProfileError)
    case packaging(PackagingError)
    case verification(PackagingError)
    case preflight(String)
    case history(String)
    case delivery(DeliveryError)
    case lock(String)
    case safety(String)
    /// A signal asked the run to stop; `step` is where it stopped.
    case stopped(signal: String, step: String)

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
        case .preflight: .preflight
        case .history: .history
        case .delivery: .delivery
        case .lock: .lock
        case .safety: .safety
        case .stopped: .stopped
        }
    }

    var message: String {
        switch self {
        case .warehouse(let error): error.message
        case .profile(let error): error.description
        case .packaging(let error), .verification(let error): error.description
        case .preflight(let message), .history(let message), .lock(let message), .safety(let message): message
        case .delivery(let error): error.description
        case .stopped(let signal, let step): "Stopped by \(signal) during \(step), before delivery: no old zip was removed and no new zip was delivered; the run's staging folder and patron records were removed"
        }
    }
}

enum DropRule {
    /// The safety stop ignores a drop of fewer patrons than this, whatever its share.
    static let minimumDrop = 10
}
