/// What happens to each mapped row, decided across the whole feed before anything is written.
public enum Decision: UInt8, Sendable {
    case write
    /// Its primary_id (ignoring case) and institutional ID belong to a patron of an earlier type.
    case duplicateOfEarlierType
    /// The same patron appeared earlier in the same type.
    case repeatInType
    /// Left out by the pre-flight; `FeedDecisions.leftOut` says why.
    case leftOut
    /// Population `precedence`: the same person is written from another type's row, whose user
    /// group weighs more.
    case outranked
    /// Population `merge`: the same person is written from another type's row, with this row's
    /// values filling what that row lacks.
    case mergedIntoOtherType
}

public enum IdentifierKind: Sendable, Hashable {
    case primaryID
    case institutionalID
    case barcode
    /// The record's `segments.identifiers[slot]` (at most 16 are checked per patron).
    case other(slot: Int)

    static let otherSlots = 16

    /// As a report names it; a further identifier is named with its type by the report.
    public var label: String {
        switch self {
        case .primaryID: "primary_id"
        case .institutionalID: "institutional ID"
        case .barcode: "barcode"
        case .other: "identifier"
        }
    }
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
    /// For a person in several types under `precedence` or `merge`: the row written → the other
    /// types' rows of the same person (outranked, or merged into it), in load order. Holds only
    /// such persons: a few percent of a campus, never the feed.
    public var sharedPersons: [RowReference: [RowReference]] = [:]

    public init(decisions: [[Decision]], leftOut: [LeftOut], sharedPersons: [RowReference: [RowReference]] = [:]) {
        self.decisions = decisions
        self.leftOut = leftOut
        self.sharedPersons = sharedPersons
    }

    public func count(_ decision: Decision, type: Int) -> Int {
        decisions[type].reduce(0) { $0 + ($1 == decision ? 1 : 0) }
    }
}

/// The feed-wide pre-flight, over hashes: rows the profile's rules reject; then one patron per
/// primary_id (the first valid row in load order; a later row with the same institutional ID is
/// the same person, a different one is a clash); then identifiers that collide across patrons and
/// identifier types, or equal another patron's primary_id. Identifier hashes are 64-bit to keep a
/// million patrons small; a group of equal hashes is confirmed against the values themselves,
/// which `value` reads (only for the rare groups).
public enum FeedAnalysis {
    public typealias ValueReader = (RowReference, IdentifierKind) throws -> String

    /// `userGroup` reads a row's user group code, for `precedence`: only for persons in several types.
    public static func decide(_ types: [ScannedType], population: PatronProfile.Population? = nil,
                              userGroup: ((RowReference) throws -> String)? = nil, value: ValueReader) throws -> FeedDecisions {
        var decisions = types.map { Array(repeating: Decision.write, count: $0.entries.count) }
        var leftOut: [LeftOut] = []
        var sharedPersons: [RowReference: [RowReference]] = [:]
        let population = population ?? PatronProfile.Population(rule: .firstFeedWins)
        let winnerType = population.winner.flatMap { name in types.first { $0.patronType.name == name }?.typeIndex }
        var populationFailure: (any Error)?

        // 1. The profile's rules.
        for type in types {
            for (ordinal, message) in type.violations.sorted(by: { $0.key < $1.key }) {
                decisions[type.typeIndex][ordinal] = .leftOut
                leftOut.append(LeftOut(row: RowReference(type: type.typeIndex, ordinal: ordinal), reason: .rule(message)))
            }
        }

        // 2. One patron per primary_id (128-bit hashes: no check needed).
        var byID: [(hash: Hash128, row: PackedRow)] = []
        byID.reserveCapacity(types.reduce(0) { $0 + $1.entries.count })
        for type in types {
            for (ordinal, entry) in type.entries.enumerated() {
                byID.append((entry.idHash, PackedRow(type: type.typeIndex, ordinal: ordinal)))
            }
        }
        HashOrder.sort(&byID, key: { $0.hash.high }) { $0.hash == $1.hash ? $0.row.bits < $1.row.bits : $0.hash < $1.hash }
        forEachGroup(byID.count, same: { byID[$0].hash == byID[$1].hash }) { range in
            let group = byID[range].map { $0.row.reference }
            // The first row the rules accept keeps the ID; with none, every row stays left out.
            guard let keeper = group.first(where: { decisions[$0.type][$0.ordinal] == .write }) else { return }
            let keeperInstitution = types[keeper.type].entries[keeper.ordinal].institutionalIDHash
            let validBefore = group.filter { decisions[$0.type][$0.ordinal] == .write }
            for row in group where row != keeper {
                if types[row.type].entries[row.ordinal].institutionalIDHash == keeperInstitution {
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
            guard population.rule != .firstFeedWins, populationFailure == nil else { return }
            // The person's first valid row in each type, in load order: the keeper comes first.
            var candidates = [keeper]
            for row in validBefore where row.type != candidates.last!.type
                && types[row.type].entries[row.ordinal].institutionalIDHash == keeperInstitution {
                candidates.append(row)
            }
            guard candidates.count > 1 else { return }
            do {
                var choices: [PopulationChoice.Candidate] = []
                for row in candidates {
                    var code = ""
                    if population.rule == .precedence { code = try userGroup?(row) ?? "" }
                    choices.append(PopulationChoice.Candidate(type: row.type, userGroup: code))
                }
                let chosen = PopulationChoice.chosen(choices, population: population, winnerType: winnerType)
                let written = candidates[chosen]
                let others = candidates.filter { $0 != written }
                decisions[written.type][written.ordinal] = .write
                for row in others {
                    decisions[row.type][row.ordinal] = population.rule == .merge ? .mergedIntoOtherType : .outranked
                }
                // A candidate's later rows in its own type repeat it, whichever row is written.
                for row in group where !candidates.contains(row) && decisions[row.type][row.ordinal] == .duplicateOfEarlierType
                    && candidates.contains(where: { $0.type == row.type }) {
                    decisions[row.type][row.ordinal] = .repeatInType
                }
                sharedPersons[written] = others
            } catch {
                populationFailure = error
            }
        }
        byID = []
        if let populationFailure { throw populationFailure }

        // 3. Identifiers across patrons and identifier types, among the rows still to be written.
        // A merged row's identifiers are written too, on its person's user: they count as that
        // person's (its primary_id is the person's already).
        var mergedInto: [RowReference: RowReference] = [:]
        for (written, others) in sharedPersons {
            for row in others where decisions[row.type][row.ordinal] == .mergedIntoOtherType { mergedInto[row] = written }
        }
        func person(of item: PackedRow) -> RowReference { mergedInto[item.reference] ?? item.reference }
        var values: [(hash: UInt64, item: PackedRow)] = []
        // At most three identifiers a row and the further ones: reserved at once, where growing
        // by doubling held the old and the new list together (the run's peak memory).
        values.reserveCapacity(types.reduce(0) { $0 + 3 * $1.entries.count + $1.otherIdentifiers.count })
        for type in types {
            for (ordinal, entry) in type.entries.enumerated() {
                let decision = decisions[type.typeIndex][ordinal]
                guard decision == .write || decision == .mergedIntoOtherType else { continue }
                if decision == .write {
                    values.append((entry.idHash.low, PackedRow(type: type.typeIndex, ordinal: ordinal, kind: .primaryID)))
                }
                if entry.institutionalIDHash != ScanEntry.none {
                    values.append((entry.institutionalIDHash, PackedRow(type: type.typeIndex, ordinal: ordinal, kind: .institutionalID)))
                }
                if entry.barcodeHash != ScanEntry.none {
                    values.append((entry.barcodeHash, PackedRow(type: type.typeIndex, ordinal: ordinal, kind: .barcode)))
                }
            }
            for other in type.otherIdentifiers {
                let decision = decisions[type.typeIndex][Int(other.ordinal)]
                guard decision == .write || decision == .mergedIntoOtherType else { continue }
                values.append((other.hash, PackedRow(type: type.typeIndex, ordinal: Int(other.ordinal), kind: .other(slot: Int(other.slot)))))
            }
        }
        HashOrder.sort(&values, key: { $0.hash }) { $0.hash == $1.hash ? $0.item.bits < $1.item.bits : $0.hash < $1.hash }
        var failure: (any Error)?
        forEachGroup(values.count, same: { values[$0].hash == values[$1].hash }) { range in
            guard failure == nil else { return }
            let candidates = values[range].map(\.item)
            guard Set(candidates.map(person(of:))).count > 1 else { return }
            do {
                // Equal hashes; confirm with the values, folded as Alma compares them.
                var byValue: [String: [PackedRow]] = [:]
                for item in candidates {
                    byValue[PrimaryIDSet.fold(try value(item.reference, item.kind)), default: []].append(item)
                }
                for group in byValue.values where Set(group.map(person(of:))).count > 1 {
                    // A primary_id owns its value; otherwise the first patron in load order does.
                    let owner = group.first { $0.kind == .primaryID } ?? group.min { $0.bits < $1.bits }!
                    for item in group where person(of: item) != person(of: owner)
                        && [.write, .mergedIntoOtherType].contains(decisions[item.type][item.ordinal]) {
                        decisions[item.type][item.ordinal] = .leftOut
                        leftOut.append(LeftOut(row: item.reference, reason: .identifier(item.kind, equals: owner.kind, of: owner.reference)))
                    }
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        leftOut.sort { $0.row < $1.row }
        return FeedDecisions(decisions: decisions, leftOut: leftOut, sharedPersons: sharedPersons)
    }

    private static func forEachGroup(_ count: Int, same: (Int, Int) -> Bool, _ body: (Range<Int>) -> Void) {
        var start = 0
        while start < count {
            var end = start + 1
            while end < count && same(start, end) { end += 1 }
            if end - start > 1 { body(start..<end) }
            start = end
        }
    }
}

/// A row reference, and an identifier kind, in eight bytes: the analysis sorts millions of them.
/// Type in the top 24 bits, then the ordinal (34 bits), then the kind (6 bits: 0 primary_id,
/// 1 institutional ID, 2 barcode, 3 + slot a further identifier).
struct PackedRow {
    let bits: UInt64

    init(type: Int, ordinal: Int, kind: IdentifierKind = .primaryID) {
        let kindBits: UInt64 = switch kind {
        case .primaryID: 0
        case .institutionalID: 1
        case .barcode: 2
        case .other(let slot): 3 + UInt64(slot)
        }
        bits = UInt64(type) << 40 | UInt64(ordinal) << 6 | kindBits
    }

    var type: Int { Int(bits >> 40) }
    var ordinal: Int { Int((bits >> 6) & 0x3_FFFF_FFFF) }
    var kind: IdentifierKind {
        switch bits & 0x3F {
        case 0: .primaryID
        case 1: .institutionalID
        case 2: .barcode
        case let other: .other(slot: Int(other) - 3)
        }
    }
    var reference: RowReference { RowReference(type: type, ordinal: ordinal) }
}
