import Foundation
import Logging

/// The run history as a run step: compare today's feed with the last delivered run (what
/// changed, full or changes-only), the safety stop against a shrinking feed, leavers to expire,
/// and storing this run once it is delivered. Without a store every run is a full load and
/// nothing is compared.
struct RunHistory {
    var store: (any HistoryStore)?
    var runID: String
    var today: AlmaDate
    var profileName: String
    var rules: HistoryRules
    var onlyChanges: Bool
    var allowDrop: Bool
    var policy: RunPolicy
    var logger: Logger

    struct Comparison {
        var changes: ChangeSet
        var previous: ManifestHeader?
        var previousTrailer: ManifestTrailer?
        var loadKind: LoadKind
        /// The next manifest, entries written, trailer to come once the run is delivered.
        var manifest: (writer: ManifestWriter, path: String)?
        var typeNames: [String]

        var full: Bool {
            if case .changesOnly = loadKind { return false }
            return true
        }

        /// Patrons of type `index` in today's feed after the pre-flight, and those the pre-flight
        /// left out that Alma still has.
        func patrons(ofType index: Int) -> Int {
            let changes = changes.types[index]
            return changes.new + changes.changed + changes.unchanged + changes.keptFromLastRun
        }
    }

    /// A damaged manifest is found in the run's temporary copy; the operator needs the stored one.
    static func explain(_ error: HistoryError, history: any HistoryStore) -> String {
        guard case .corrupt(_, let reason) = error else { return error.description }
        return "The run history (\(history.description)) is damaged: \(reason); restore its manifest.bin.gz from a backup, or remove it to start a new history"
    }

    /// Reads the last run's manifest (if any), decides between a full and a changes-only load, and
    /// compares, writing the next manifest beside the run's files.
    func compare(_ scans: [ScannedType], _ decisions: FeedDecisions, work: URL) async throws(RunFailure) -> Comparison {
        let typeNames = scans.map(\.patronType.name)
        guard let store else {
            return Comparison(changes: ChangeSet(types: [], statuses: decisions.decisions.map { Array(repeating: .new, count: $0.count) }, gone: [], previous: nil),
                              previous: nil, previousTrailer: nil, loadKind: policy.loadKind(onlyChanges: false, lastFullLoad: nil, today: today),
                              manifest: nil, typeNames: typeNames)
        }
        let previousPath = work.appendingPathComponent("previous.manifest.gz").path
        var reader: ManifestReader?
        do {
            if try await store.fetchManifest(to: previousPath) {
                reader = try ManifestReader(path: previousPath)
            }
        } catch let error as HistoryError {
            throw .history(Self.explain(error, history: store))
        } catch {
            throw .history("Cannot read the run history (\(store.description)): \(error); fix or remove it to start a new history")
        }
        let loadKind = policy.loadKind(onlyChanges: onlyChanges, lastFullLoad: reader?.header.lastFullLoad, today: today)
        let manifestPath = work.appendingPathComponent("next.manifest.gz").path
        do {
            var comparison = Comparison(changes: ChangeSet(types: [], statuses: [], gone: [], previous: nil), previous: reader?.header,
                                        previousTrailer: nil, loadKind: loadKind, manifest: nil, typeNames: typeNames)
            let header = ManifestHeader(
                runID: runID, runDate: today.isoDay, fullLoad: comparison.full,
                lastFullLoad: comparison.full ? today.isoDay : (reader?.header.lastFullLoad ?? today.isoDay),
                profile: profileName
            )
            let writer = try ManifestWriter(path: manifestPath, header: header, typeNames: typeNames)
            comparison.changes = try ChangeDetector.compare(scans: scans, decisions: decisions, previous: reader, writer: writer)
            comparison.manifest = (writer, manifestPath)
            // The trailer follows the entries: it is known once the comparison has read them.
            comparison.previousTrailer = reader?.trailer
            if let previous = reader?.header {
                let totals = comparison.changes.types.reduce(into: (0, 0, 0)) { $0.0 += $1.new; $0.1 += $1.changed; $0.2 += $1.gone }
                logger.info("Since run \(previous.runID): \(totals.0) new, \(totals.1) changed, \(totals.2) gone")
            }
            return comparison
        } catch let error as HistoryError {
            throw .history(Self.explain(error, history: store))
        } catch {
            throw .history("Comparing with the run history failed: \(error)")
        }
    }

    /// The safety stop: a patron type that shrank past the policy since the last delivered run
    /// stops the run before anything is deleted or delivered; with `--allow-drop` it is a warning.
    func checkForDrop(_ comparison: Comparison) throws(RunFailure) -> [String] {
        guard let previous = comparison.previousTrailer, let header = comparison.previous else { return [] }
        let today = Dictionary(comparison.typeNames.indices.map { (comparison.typeNames[$0], comparison.patrons(ofType: $0)) }, uniquingKeysWith: +)
        let drops = policy.drops(before: previous.types.map { ($0.name, $0.patrons) }, today: today)
        guard !drops.isEmpty else { return [] }
        let problems = drops.map { drop in
            "\(drop.patronType) has \(drop.today) patrons today against \(drop.before) in run \(header.runID) (\(String(format: "%.1f", drop.percent)) % fewer; the limit is \(String(format: "%g", policy.maxDropPercent)) %)"
        }
        guard allowDrop else {
            throw .safety("Safety stop: " + problems.joined(separator: "; ") + ". Nothing was deleted or delivered. Check the warehouse query; if the drop is real, run once with --allow-drop.")
        }
        let warning = "safety stop overridden with --allow-drop: " + problems.joined(separator: "; ")
        logger.warning("\(warning)")
        return [warning]
    }

    /// Under the `expire` policy, the last written record of each leaver, with a new expiry.
    func leavers(_ comparison: Comparison, work: URL) async throws(RunFailure) -> LeaverArchive.Found {
        guard rules.leavers == .expire, !comparison.changes.gone.isEmpty, let store, let previous = comparison.previousTrailer else { return .init() }
        do {
            var zips: [String] = []
            for run in previous.archive.reversed() {
                zips += try await store.fetchArchive(run, to: work.path)
            }
            let found = try LeaverArchive.find(comparison.changes.gone, in: zips, expiry: today.adding(days: rules.leaverExpiryDays))
            if !found.notFound.isEmpty {
                logger.warning("\(found.notFound.count) leaver(s) have no archived record to write once more; they are reported and forgotten")
            }
            return found
        } catch {
            throw .history("Cannot read the archived zips for leavers from \(store.description): \(error)")
        }
    }

    /// Stores the delivered run: its archived zips (under `expire`), then the manifest, last, so
    /// that until it is stored the previous history stands. Returns where, or throws the warning.
    func store(_ comparison: Comparison, types: [ManifestHeader.TypeSummary], zips: [BuiltZip]) async throws -> String? {
        guard let store, let manifest = comparison.manifest else { return nil }
        let files = zips.map(\.fileName)
        var archive: [ManifestHeader.ArchivedRun] = []
        if rules.leavers == .expire {
            archive = (comparison.full ? [] : comparison.previousTrailer?.archive ?? []) + [.init(runID: runID, files: files)]
            try await store.archive(zips, runID: runID)
        }
        try manifest.writer.finish(ManifestTrailer(types: types, files: files, archive: archive))
        try await store.storeManifest(from: manifest.path)
        let dropped = (comparison.previousTrailer?.archive ?? []).filter { old in !archive.contains { $0.runID == old.runID } }
        try await store.removeArchives(dropped)
        logger.info("Stored the run history (\(manifest.writer.count) patrons) in \(store.description)")
        return store.description
    }
}

extension RunSummary {
    mutating func record(_ comparison: RunHistory.Comparison) {
        loadKind = comparison.loadKind
        guard comparison.manifest != nil else { return }
        changes = comparison.changes.types
        previousRunID = comparison.previous?.runID
    }

    mutating func record(_ leavers: LeaverArchive.Found) {
        guard let types = changes else { return }
        for (index, type) in types.enumerated() {
            changes?[index].leaversExpired = leavers.linesByType[type.patronType]?.count ?? 0
            changes?[index].leaversNotFound = leavers.notFound.filter { $0.patronType == type.patronType }.map(\.primaryID)
        }
    }
}
