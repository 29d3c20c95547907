/// How a patron in today's feed compares with the last delivered run.
public enum ChangeStatus: UInt8, Sendable {
    /// Not compared: not written today (a duplicate, or left out).
    case none
    case new
    case changed
    case unchanged
}

/// One patron type's changes since the last delivered run.
public struct TypeChanges: Sendable, Equatable {
    public var patronType: String
    public var new = 0
    public var changed = 0
    public var unchanged = 0
    public var gone = 0
    /// Patrons left out by today's pre-flight whose last entry is kept (they are still in the feed).
    public var keptFromLastRun = 0
    /// How many changed patrons changed in each field group.
    public var changedFields: [String: Int] = [:]
    public var newExamples: [String] = []
    public var changedExamples: [String] = []
    public var goneExamples: [String] = []
    /// Leavers written once more to expire (policy `expire`), and those whose last record was
    /// not in the archive.
    public var leaversExpired = 0
    public var leaversNotFound: [String] = []

    public static let exampleLimit = 10

    public init(patronType: String) {
        self.patronType = patronType
    }
}

/// A patron gone from the feed since the last delivered run.
public struct GoneEntry: Sendable, Equatable {
    public var patronType: String
    public var primaryID: String
    public var idHash: Hash128
}

public struct ChangeSet: Sendable {
    public var types: [TypeChanges]
    /// Per patron type, per ordinal.
    public var statuses: [[ChangeStatus]]
    public var gone: [GoneEntry]
    public var previous: ManifestHeader?
}

/// Compares today's feed with the last run's manifest in one merge over both, ordered by the
/// hash of the primary_id, and writes the next manifest as it goes (kept only if the run is
/// delivered). Memory: today's hashes, never the last run's whole manifest.
enum ChangeDetector {
    static func compare(scans: [ScannedType], decisions: FeedDecisions, previous: ManifestReader?, writer: ManifestWriter?) throws -> ChangeSet {
        var types = scans.map { TypeChanges(patronType: $0.patronType.name) }
        var statuses = decisions.decisions.map { Array(repeating: ChangeStatus.none, count: $0.count) }
        var gone: [GoneEntry] = []
        let typeNames = scans.map(\.patronType.name)

        // Today's patrons: one row per primary_id, the written one where there is one.
        var current: [(hash: Hash128, row: RowReference, writes: Bool)] = []
        for scan in scans {
            for (ordinal, entry) in scan.entries.enumerated() {
                let decision = decisions.decisions[scan.typeIndex][ordinal]
                guard decision == .write || decision == .leftOut else { continue }
                current.append((entry.idHash, RowReference(type: scan.typeIndex, ordinal: ordinal), decision == .write))
            }
        }
        current.sort { $0.hash == $1.hash ? ($0.writes != $1.writes ? $0.writes : $0.row < $1.row) : $0.hash < $1.hash }

        func primaryID(_ row: RowReference) -> String {
            scans[row.type].primaryID(row.ordinal)
        }
        func note(_ examples: inout [String], _ value: @autoclosure () throws -> String) rethrows {
            if examples.count < TypeChanges.exampleLimit { examples.append(try value()) }
        }
        func recordGone(_ entry: ManifestEntry, _ hash: Hash128) {
            gone.append(GoneEntry(patronType: entry.type, primaryID: entry.primaryID, idHash: hash))
            if let index = typeNames.firstIndex(of: entry.type) {
                types[index].gone += 1
                note(&types[index].goneExamples, entry.primaryID)
            }
        }

        var previousEntry = try previous?.next()
        var lastHash: Hash128?
        for item in current {
            if item.hash == lastHash { continue }
            lastHash = item.hash
            while let (entry, hash) = previousEntry, hash < item.hash {
                recordGone(entry, hash)
                previousEntry = try previous?.next()
            }
            let scanEntry = scans[item.row.type].entries[item.row.ordinal]
            let typeName = typeNames[item.row.type]
            if let (entry, hash) = previousEntry, hash == item.hash {
                if item.writes {
                    if entry.digest == scanEntry.digest && entry.type == typeName {
                        statuses[item.row.type][item.row.ordinal] = .unchanged
                        types[item.row.type].unchanged += 1
                    } else {
                        statuses[item.row.type][item.row.ordinal] = .changed
                        types[item.row.type].changed += 1
                        var groups = PatronRecord.changedGroups(entry.fieldHashes, scanEntry.fieldHashes).map(\.label)
                        if entry.type != typeName { groups.append("patron type (was \(entry.type))") }
                        if groups.isEmpty { groups = ["other"] }
                        for group in groups { types[item.row.type].changedFields[group, default: 0] += 1 }
                        note(&types[item.row.type].changedExamples, "\(primaryID(item.row)) (\(groups.joined(separator: ", ")))")
                    }
                    try writer?.append(ManifestEntry(type: typeName, primaryID: primaryID(item.row), digest: scanEntry.digest, fieldHashes: scanEntry.fieldHashes), idHash: item.hash)
                } else {
                    // Left out today but still in the feed: Alma keeps what it had, and so does the history.
                    types[item.row.type].keptFromLastRun += 1
                    try writer?.append(entry, idHash: hash)
                }
                previousEntry = try previous?.next()
            } else if item.writes {
                statuses[item.row.type][item.row.ordinal] = .new
                types[item.row.type].new += 1
                let id = primaryID(item.row)
                note(&types[item.row.type].newExamples, id)
                try writer?.append(ManifestEntry(type: typeName, primaryID: id, digest: scanEntry.digest, fieldHashes: scanEntry.fieldHashes), idHash: item.hash)
            }
        }
        while let (entry, hash) = previousEntry {
            recordGone(entry, hash)
            previousEntry = try previous?.next()
        }
        return ChangeSet(types: types, statuses: statuses, gone: gone, previous: previous?.header)
    }
}
