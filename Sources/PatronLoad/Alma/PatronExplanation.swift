import Foundation
import Logging

/// `patronload explain ID`: for one primary_id or institutional ID, every row of every feed that
/// names it, what the mapping made of each (written, excluded by which `rows` rule, rejected,
/// left out), which rule decided the user group, which feed's row is written (by the profile's
/// population rule; another person's row with the same primary_id is left out), which feed each
/// merged field came from, and the `<user>` XML written for it. It prints patron data: it is for the operator
/// at the terminal, never for a log.
public struct PatronExplanation: Sendable {
    public var configuration: LoadConfiguration
    /// Matching rows shown per patron type, at most.
    public var limit = 10

    public init(configuration: LoadConfiguration) {
        self.configuration = configuration
    }

    public struct Match: Sendable {
        public var patronType: String
        public var rowNumber: Int
        public var values: [(column: String, value: String?)]
        public var verdict: String
        /// Where the user group came from, for a type with `userGroupRules`.
        public var userGroupSource: String?
        /// Each field or date a `fields`, `expiry` or `purge` rule decided, with the rule's JSON path.
        public var ruleSources: [(field: String, path: String)] = []
        public var xml: String?
    }

    /// A valid record found, with what is needed to explain it should it be written.
    private struct Found {
        var match: Int
        var typeIndex: Int
        var record: PatronRecord
        var userGroupSource: String?
        var ruleSources: [(field: String, path: String)]
    }

    public func explain(_ id: String, logger: Logger) async throws -> [Match] {
        let profile = configuration.profile
        let wanted = PrimaryIDSet.fold(id)
        let wantedWithSuffix = PrimaryIDSet.fold(id + profile.profile.primaryIDSuffix)
        let dates = RunDates(today: AlmaDate(utc: configuration.now), expiryMonths: profile.profile.expiryMonths, purgeMonths: profile.profile.purgeMonths)
        let source = configuration.warehouse.makeSource(logger: logger)
        var matches: [Match] = []
        var valid: [Found] = []
        for (typeIndex, type) in profile.profile.patronTypes.enumerated() {
            let rules = PreflightRules(profile.profile.preflight)
            let first = matches.count
            let found: [(Match, Found?)] = try await source.withCursor(type.query) { cursor in
                var found: [(Match, Found?)] = []
                var mapper: PatronMapper?
                var number = 0
                while let row = try await cursor.next(), found.count < limit {
                    number += 1
                    if mapper == nil { mapper = try PatronMapper(profile: profile, patronType: type, columns: cursor.columns, today: dates.today) }
                    guard let mapper else { break }
                    let primaryID = mapper.primaryID(of: row).map(PrimaryIDSet.fold)
                    // Institutional IDs compare as the run compares them: ignoring case.
                    let institutionalID = PrimaryIDSet.fold(mapper.institutionalID(of: row))
                    guard primaryID == wanted || primaryID == wantedWithSuffix || institutionalID == wanted else { continue }
                    var match = Match(patronType: type.name, rowNumber: number, values: Array(zip(cursor.columns, row)).map { ($0.0, $0.1) }, verdict: "", xml: nil)
                    var candidate: Found?
                    switch mapper.map(row) {
                    case .excluded(_, let rule):
                        match.verdict = "excluded by the profile's rows rules: \(rule)"
                    case .rejected(_, let reason):
                        match.verdict = "rejected: \(reason)"
                    case .record(let record):
                        if let reason = FeedScanner.leftOutReason(record, unwritable: mapper.unwritableValues(row), rules: rules) {
                            match.verdict = "left out: \(reason)"
                        } else {
                            candidate = Found(match: 0, typeIndex: typeIndex, record: record, userGroupSource: mapper.userGroupSource(of: row),
                                              ruleSources: mapper.fieldSources(of: row))
                        }
                    }
                    found.append((match, candidate))
                }
                return found
            }
            for (offset, (match, candidate)) in found.enumerated() {
                matches.append(match)
                if var candidate {
                    candidate.match = first + offset
                    valid.append(candidate)
                }
            }
        }
        decide(valid, into: &matches, dates: dates)
        return matches
    }

    /// The run's decision over the valid records found (`FeedAnalysis` step 2 and the population
    /// rule), worded for each row, and the written user's XML.
    private func decide(_ valid: [Found], into matches: inout [Match], dates: RunDates) {
        // An institutional ID may find rows of several primary_ids: each is a patron of its own.
        var order: [String] = []
        var byID: [String: [Found]] = [:]
        for found in valid {
            let id = PrimaryIDSet.fold(found.record.primaryID)
            if byID[id] == nil { order.append(id) }
            byID[id, default: []].append(found)
        }
        for id in order { decide(person: byID[id]!, into: &matches, dates: dates) }
    }

    private func decide(person valid: [Found], into matches: inout [Match], dates: RunDates) {
        let profile = configuration.profile.profile
        guard let keeper = valid.first else { return }
        let population = profile.populationRule
        // The person's first valid row in each type, in load order; rows naming another person
        // with the same primary_id are clashes.
        var candidates: [Found] = [keeper]
        for found in valid.dropFirst() {
            if PrimaryIDSet.fold(found.record.institutionalID) != PrimaryIDSet.fold(keeper.record.institutionalID) {
                matches[found.match].verdict = "left out: its primary_id is also that of the \(profile.patronTypes[keeper.typeIndex].name) patron with institutional ID \(keeper.record.institutionalID), a different person"
            } else if population.rule != .firstFeedWins && found.typeIndex != candidates.last!.typeIndex {
                candidates.append(found)
            }
        }
        let winnerType = population.winner.flatMap { name in profile.patronTypes.firstIndex { $0.name == name } }
        let chosen = candidates[PopulationChoice.chosen(candidates.map { .init(type: $0.typeIndex, userGroup: $0.record.userGroup.code) },
                                                        population: population, winnerType: winnerType)]
        let chosenType = profile.patronTypes[chosen.typeIndex]
        let others = candidates.filter { $0.match != chosen.match }
        for found in valid where matches[found.match].verdict.isEmpty {
            guard found.match != chosen.match else { continue }
            if others.contains(where: { $0.match == found.match }) {
                matches[found.match].verdict = population.rule == .merge
                    ? "merged into the \(chosenType.name) user (population merge, \(population.winner ?? "") wins): its values fill what the \(chosenType.name) row lacks"
                    : "skipped: same person with a higher-weight group in \(chosenType.name) (population precedence: \(weight(found, population)) against \(weight(chosen, population)))"
            } else {
                matches[found.match].verdict = "skipped: the same person is written from the \(chosenType.name) row" + (population.rule == .firstFeedWins ? " (first feed wins)" : "")
            }
        }
        var match = matches[chosen.match]
        let builder = AlmaUserBuilder(profile: profile, patronType: chosenType, dates: dates)
        var user = builder.user(chosen.record)
        match.verdict = "written as \(chosenType.name) \(chosen.record.primaryID)"
        match.userGroupSource = chosen.userGroupSource
        match.ruleSources = chosen.ruleSources
        if let path = builder.typeDates.expiry(of: chosen.record).path { match.ruleSources.append(("expiryDate", path)) }
        if let path = builder.typeDates.purgePath { match.ruleSources.append(("purgeDate", path)) }
        switch population.rule {
        case .firstFeedWins:
            break
        case .precedence where !others.isEmpty:
            match.verdict += " (population precedence: \(weight(chosen, population)), outranking "
                + others.map { "\(profile.patronTypes[$0.typeIndex].name)'s \(weight($0, population))" }.joined(separator: ", ") + ")"
        case .merge where !others.isEmpty:
            let names = others.map { profile.patronTypes[$0.typeIndex].name }
            match.verdict += " (population merge: \(chosenType.name)'s values first, merged with \(names.joined(separator: ", ")))"
            let otherUsers = others.map { AlmaUserBuilder(profile: profile, patronType: profile.patronTypes[$0.typeIndex], dates: dates).user($0.record) }
            let merged = UserMerge.merge(user, otherUsers)
            user = merged.user
            for filled in merged.filled {
                match.ruleSources.append((filled.field, "population merge: from the \(names[filled.from]) row"))
            }
        default:
            break
        }
        var xml = XMLBytes(capacity: 4096)
        AlmaUserXMLWriter.write(user, into: &xml)
        match.xml = String(decoding: xml.bytes, as: UTF8.self)
        matches[chosen.match] = match
    }

    private func weight(_ found: Found, _ population: PatronProfile.Population) -> String {
        let code = found.record.userGroup.code
        return "\(code.isEmpty ? "(no group)" : code) weighs \(ProfileRules.number(population.weight(of: code)))"
    }
}
