/// What happens to each mapped row, decided across the whole feed before anything is written.
public enum Decision: UInt8, Sendable {
    case write
    /// Its primary_id (ignoring case) and institutional ID belong to a patron of an earlier type.
    case duplicateOfEarlierType
    /// The same patron appeared earlier in the same type.
    case repeatInType
    /// Left out by the pre-flight; `FeedDecisions.leftOut` says why.
    case leftOut
}

public enum IdentifierKind: String, Sendable {
    case primaryID = "primary_id"
    case institutionalID = "institutional ID"
    case barcode
}

/// A reference to one mapped row: its patron type and its ordinal within the type.
public struct RowReference: Hashable, Comparable, Sendable {
    public var type: Int
    public var ordinal: Int

    public static func < (lhs: RowReference, rhs: RowReference) -> Bool {
        (lhs.type, lhs.ordinal) < (rhs.type, rhs.ordinal)
    }
}

public struct LeftOut: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// A rule of the profile (code sets, required fields).
        case rule(String)
        /// Another patron (different institutional ID) has the same primary_id ignoring case.
        case primaryIDClash(with: RowReference)
        /// This patron's identifier equals another patron's primary_id or identifier.
        case identifier(IdentifierKind, equals: IdentifierKind, of: RowReference)
    }

    public var row: RowReference
    public var reason: Reason
}

public struct FeedDecisions: Sendable {
    public var decisions: [[Decision]]
    public var leftOut: [LeftOut]

    public func count(_ decision: Decision, type: Int) -> Int {
        decisions[type].reduce(0) { $0 + ($1 == decision ? 1 : 0) }
    }
}

/// The feed-wide pre-flight, as pure code over hashes: rows the profile's rules reject; then one
/// patron per primary_id (the first valid row in load order; a later row with the same
/// institutional ID is the same person, a different one is a clash); then identifiers that
/// collide across patrons and identifier types, or equal another patron's primary_id.
public enum FeedAnalysis {
    public static func decide(_ types: [ScannedType]) -> FeedDecisions {
        var decisions = types.map { Array(repeating: Decision.write, count: $0.entries.count) }
        var leftOut: [LeftOut] = []

        // 1. The profile's rules.
        for type in types {
            for (ordinal, message) in type.violations.sorted(by: { $0.key < $1.key }) {
                decisions[type.typeIndex][ordinal] = .leftOut
                leftOut.append(LeftOut(row: RowReference(type: type.typeIndex, ordinal: ordinal), reason: .rule(message)))
            }
        }

        // 2. One patron per primary_id.
        var byID: [(hash: Hash128, row: RowReference)] = []
        byID.reserveCapacity(types.reduce(0) { $0 + $1.entries.count })
        for type in types {
            for (ordinal, entry) in type.entries.enumerated() {
                byID.append((entry.idHash, RowReference(type: type.typeIndex, ordinal: ordinal)))
            }
        }
        byID.sort { $0.hash == $1.hash ? $0.row < $1.row : $0.hash < $1.hash }
        var start = 0
        while start < byID.count {
            var end = start + 1
            while end < byID.count && byID[end].hash == byID[start].hash { end += 1 }
            if end - start > 1 {
                let group = byID[start..<end].map(\.row)
                // The first row the rules accept keeps the ID; with none, every row stays left out.
                if let keeper = group.first(where: { decisions[$0.type][$0.ordinal] == .write }) {
                    let keeperInstitution = types[keeper.type].entries[keeper.ordinal].institutionalIDHash
                    for row in group where row != keeper {
                        let institution = types[row.type].entries[row.ordinal].institutionalIDHash
                        if institution == keeperInstitution {
                            if decisions[row.type][row.ordinal] == .leftOut {
                                // The same person, loaded from the valid row: not left out after all.
                                leftOut.removeAll { $0.row == row }
                            }
                            decisions[row.type][row.ordinal] = row.type == keeper.type ? .repeatInType : .duplicateOfEarlierType
                        } else if decisions[row.type][row.ordinal] == .write {
                            decisions[row.type][row.ordinal] = .leftOut
                            leftOut.append(LeftOut(row: row, reason: .primaryIDClash(with: keeper)))
                        }
                    }
                }
            }
            start = end
        }

        // 3. Identifiers across patrons and identifier types, among the rows still to be written.
        var values: [(hash: Hash128, kind: IdentifierKind, row: RowReference)] = []
        for type in types {
            for (ordinal, entry) in type.entries.enumerated() where decisions[type.typeIndex][ordinal] == .write {
                let row = RowReference(type: type.typeIndex, ordinal: ordinal)
                values.append((entry.idHash, .primaryID, row))
                if entry.institutionalIDHash != ScanEntry.none { values.append((entry.institutionalIDHash, .institutionalID, row)) }
                if entry.barcodeHash != ScanEntry.none { values.append((entry.barcodeHash, .barcode, row)) }
            }
        }
        values.sort { $0.hash == $1.hash ? $0.row < $1.row : $0.hash < $1.hash }
        start = 0
        while start < values.count {
            var end = start + 1
            while end < values.count && values[end].hash == values[start].hash { end += 1 }
            if end - start > 1 {
                let group = values[start..<end]
                // A primary_id owns its value; otherwise the first patron in load order does.
                let owner = group.first { $0.kind == .primaryID } ?? group.first!
                for value in group where value.row != owner.row && decisions[value.row.type][value.row.ordinal] == .write {
                    decisions[value.row.type][value.row.ordinal] = .leftOut
                    leftOut.append(LeftOut(row: value.row, reason: .identifier(value.kind, equals: owner.kind, of: owner.row)))
                }
            }
            start = end
        }
        leftOut.sort { $0.row < $1.row }
        return FeedDecisions(decisions: decisions, leftOut: leftOut)
    }
}
