import Foundation
import Logging

/// `patronload explain ID`: for one primary_id or institutional ID, every row of every feed that
/// names it, what the mapping made of each (written, excluded by which `rows` rule, rejected,
/// left out), which rule decided the user group, which feed's row is written (first feed wins:
/// later rows of the same person are skipped, another person's row with the same primary_id is
/// left out), and the `<user>` XML written for it. It prints patron data: it is for the operator
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

    public func explain(_ id: String, logger: Logger) async throws -> [Match] {
        let profile = configuration.profile
        let wanted = PrimaryIDSet.fold(id)
        let wantedWithSuffix = PrimaryIDSet.fold(id + profile.profile.primaryIDSuffix)
        let dates = RunDates(today: AlmaDate(utc: configuration.now), expiryMonths: profile.profile.expiryMonths, purgeMonths: profile.profile.purgeMonths)
        let source = configuration.warehouse.makeSource(logger: logger)
        var matches: [Match] = []
        var winner: (primaryID: String, institutionalID: String, type: String)?
        for type in profile.profile.patronTypes {
            let rules = PreflightRules(profile.profile.preflight)
            let found: [Match] = try await source.withCursor(type.query) { cursor in
                var found: [Match] = []
                var mapper: PatronMapper?
                var number = 0
                while let row = try await cursor.next(), found.count < limit {
                    number += 1
                    if mapper == nil { mapper = try PatronMapper(profile: profile, patronType: type, columns: cursor.columns, today: dates.today) }
                    guard let mapper else { break }
                    let primaryID = mapper.primaryID(of: row).map(PrimaryIDSet.fold)
                    let institutionalID = mapper.institutionalID(of: row)
                    guard primaryID == wanted || primaryID == wantedWithSuffix || institutionalID == id else { continue }
                    var match = Match(patronType: type.name, rowNumber: number, values: Array(zip(cursor.columns, row)).map { ($0.0, $0.1) }, verdict: "", xml: nil)
                    switch mapper.map(row) {
                    case .excluded(_, let rule):
                        match.verdict = "excluded by the profile's rows rules: \(rule)"
                    case .rejected(_, let reason):
                        match.verdict = "rejected: \(reason)"
                    case .record(let record):
                        if let reason = FeedScanner.leftOutReason(record, unwritable: mapper.unwritableValues(row), rules: rules) {
                            match.verdict = "left out: \(reason)"
                        } else if let first = winner, PrimaryIDSet.fold(first.primaryID) == PrimaryIDSet.fold(record.primaryID) {
                            match.verdict = first.institutionalID == record.institutionalID
                                ? "skipped: the same person is written from the \(first.type) row (first feed wins)"
                                : "left out: its primary_id is also that of the \(first.type) patron with institutional ID \(first.institutionalID), a different person"
                        } else {
                            winner = (record.primaryID, record.institutionalID, type.name)
                            match.verdict = "written as \(type.name) \(record.primaryID)"
                            var xml = XMLBytes(capacity: 4096)
                            let builder = AlmaUserBuilder(profile: profile.profile, patronType: type, dates: dates)
                            AlmaUserXMLWriter.write(builder.user(record), into: &xml)
                            match.xml = String(decoding: xml.bytes, as: UTF8.self)
                            match.userGroupSource = mapper.userGroupSource(of: row)
                            match.ruleSources = mapper.fieldSources(of: row)
                            if let path = builder.typeDates.expiry(of: record).path { match.ruleSources.append(("expiryDate", path)) }
                            if let path = builder.typeDates.purgePath { match.ruleSources.append(("purgeDate", path)) }
                        }
                    }
                    found.append(match)
                }
                return found
            }
            matches += found
        }
        return matches
    }
}
