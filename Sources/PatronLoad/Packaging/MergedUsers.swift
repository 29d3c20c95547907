/// Completes the users of one patron type that population `merge` made from several types'
/// records: while the type is rendered in file order, each merged-in record is read by its
/// offset (a reader of its own per type, so the walk is not disturbed), built with its own type's
/// rules, and merged in. Holds only the merged persons' references, never the feed.
final class MergedUsers {
    /// Ordinal in the rendered type → the same person's rows in other types, in load order.
    private let merged: [Int: [RowReference]]
    private let scans: [ScannedType]
    private let builders: [Int: AlmaUserBuilder]
    private var readers: [Int: RecordFileReader] = [:]

    init(type: Int, scans: [ScannedType], decisions: FeedDecisions, profile: PatronProfile, dates: RunDates) {
        var merged: [Int: [RowReference]] = [:]
        var builders: [Int: AlmaUserBuilder] = [:]
        for (written, others) in decisions.sharedPersons where written.type == type {
            let rows = others.filter { decisions.decisions[$0.type][$0.ordinal] == .mergedIntoOtherType }
            guard !rows.isEmpty else { continue }
            merged[written.ordinal] = rows
            for row in rows where builders[row.type] == nil {
                builders[row.type] = AlmaUserBuilder(profile: profile, patronType: scans[row.type].patronType, dates: dates)
            }
        }
        self.merged = merged
        self.scans = scans
        self.builders = builders
    }

    /// The user written for the record at `ordinal`: `user` itself unless others were merged into it.
    func user(_ user: AlmaUser, ordinal: Int) throws -> AlmaUser {
        try mergedUser(user, ordinal: ordinal) ?? user
    }

    /// The merged user for the record at `ordinal`, or nil when no other row was merged into it:
    /// the renderer then writes the user it built without copying it through here (a user is
    /// some thirty references, each retained and released on a copy).
    func mergedUser(_ user: borrowing AlmaUser, ordinal: Int) throws -> AlmaUser? {
        guard let rows = merged[ordinal] else { return nil }
        return UserMerge.merge(copy user, try rows.map(otherUser)).user
    }

    private func otherUser(_ row: RowReference) throws -> AlmaUser {
        let scan = scans[row.type]
        let reader = try readers[row.type] ?? RecordFileReader(path: scan.recordsPath)
        readers[row.type] = reader
        guard let record = try reader.record(at: scan.entries[row.ordinal].offset) else {
            throw PackagingError.io(path: scan.recordsPath, reason: "record \(row.ordinal) does not read back")
        }
        return builders[row.type]!.user(record)
    }
}
