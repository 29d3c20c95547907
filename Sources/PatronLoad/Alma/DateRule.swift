import Foundation

/// How a patron type's expiry date is found, as a profile writes it:
///
/// - `{"months": 6}` or `{"days": 30}` after the run's day (`expiryMonths` is the first);
/// - `{"column": "APPOINTMENT_END_DATE", "otherwise": rule}`: the column's leading ISO day;
///   a row whose column holds none takes `otherwise` (a simple rule or `byUserGroup`; without
///   it, the profile's `expiryMonths`);
/// - `{"byUserGroup": {"31": {"months": 12}, "STAFF": {"days": 400}}, "otherwise": rule}`: by the
///   user group the patron is written with;
/// - `{"nextOf": ["10-20", "01-31", "04-25"]}`: the first of these month-days strictly after
///   the run's day (a term's end);
/// - `{"fixed": "2027-06-30"}`.
public indirect enum ExpiryRule: Sendable, Equatable, Codable {
    case months(Int)
    case days(Int)
    case column(String, otherwise: ExpiryRule?)
    case byUserGroup([String: ExpiryRule], otherwise: ExpiryRule?)
    case nextOf([String])
    case fixed(String)

    static let kinds = ["months", "days", "column", "byUserGroup", "nextOf", "fixed"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProfileKey.self)
        let keys = container.allKeys.map(\.stringValue)
        let fail = ProfileKey.failure(decoder)
        if let unknown = keys.sorted().first(where: { !(Self.kinds + ["otherwise"]).contains($0) }) {
            throw fail("\"\(unknown)\" is not an expiry rule key (one of \(Self.kinds.joined(separator: ", ")))")
        }
        let named = keys.filter { Self.kinds.contains($0) }
        guard named.count == 1, let name = named.first else {
            throw fail(named.isEmpty ? "an expiry rule needs one of \(Self.kinds.joined(separator: ", "))" : "give one expiry rule (found \(named.sorted().joined(separator: " and ")))")
        }
        if keys.contains("otherwise"), name != "column", name != "byUserGroup" {
            throw fail("otherwise belongs with column or byUserGroup, not with \(name)")
        }
        let key = ProfileKey(name)
        let otherwise = try container.decodeIfPresent(ExpiryRule.self, forKey: ProfileKey("otherwise"))
        switch name {
        case "months": self = .months(try container.decode(Int.self, forKey: key))
        case "days": self = .days(try container.decode(Int.self, forKey: key))
        case "column": self = .column(try container.decode(String.self, forKey: key), otherwise: otherwise)
        case "byUserGroup": self = .byUserGroup(try container.decode([String: ExpiryRule].self, forKey: key), otherwise: otherwise)
        case "nextOf": self = .nextOf(try container.decode([String].self, forKey: key))
        default: self = .fixed(try container.decode(String.self, forKey: key))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ProfileKey.self)
        switch self {
        case .months(let months): try container.encode(months, forKey: ProfileKey("months"))
        case .days(let days): try container.encode(days, forKey: ProfileKey("days"))
        case .column(let column, let otherwise):
            try container.encode(column, forKey: ProfileKey("column"))
            try container.encodeIfPresent(otherwise, forKey: ProfileKey("otherwise"))
        case .byUserGroup(let groups, let otherwise):
            try container.encode(groups, forKey: ProfileKey("byUserGroup"))
            try container.encodeIfPresent(otherwise, forKey: ProfileKey("otherwise"))
        case .nextOf(let days): try container.encode(days, forKey: ProfileKey("nextOf"))
        case .fixed(let day): try container.encode(day, forKey: ProfileKey("fixed"))
        }
    }

    /// The column the rule reads, if any (at any depth), with its JSON path.
    func columnReferences(at path: String) -> [(path: String, column: String)] {
        switch self {
        case .column(let column, let otherwise): [("\(path).column", column)] + (otherwise?.columnReferences(at: "\(path).otherwise") ?? [])
        case .byUserGroup(let groups, let otherwise):
            groups.keys.sorted().flatMap { groups[$0]!.columnReferences(at: "\(path).byUserGroup.\($0)") } + (otherwise?.columnReferences(at: "\(path).otherwise") ?? [])
        default: []
        }
    }

    func problems(at path: String) -> [ProfileProblem] {
        switch self {
        case .months(let count), .days(let count):
            let unit = if case .months = self { "months" } else { "days" }
            return count < 0 ? [ProfileProblem("\(path).\(unit)", "is \(count); it must be 0 or more, or every patron is expired on delivery")] : []
        case .column(let column, let otherwise):
            let empty = column.trimmingCharacters(in: .whitespaces).isEmpty ? [ProfileProblem("\(path).column", "is empty; name a column of the query")] : []
            // A row without the column's day may still take its group's: byUserGroup is allowed here.
            if case .byUserGroup? = otherwise { return empty + otherwise!.problems(at: "\(path).otherwise") }
            return empty + (otherwise.map { Self.simple($0, at: "\(path).otherwise") } ?? [])
        case .byUserGroup(let groups, let otherwise):
            let empty = groups.isEmpty ? [ProfileProblem("\(path).byUserGroup", "is empty; give a rule per user group code")] : []
            return empty + groups.keys.sorted().flatMap { Self.simple(groups[$0]!, at: "\(path).byUserGroup.\($0)") }
                + (otherwise.map { Self.simple($0, at: "\(path).otherwise") } ?? [])
        case .nextOf(let days):
            if days.isEmpty { return [ProfileProblem("\(path).nextOf", "is empty; give at least one MM-DD")] }
            return days.enumerated().compactMap { index, day in
                MonthDay(day) == nil ? ProfileProblem("\(path).nextOf[\(index)]", "\(ProfileRules.quoted(day)) is not a month and day (MM-DD, such as 06-30)") : nil
            }
        case .fixed(let day):
            return AlmaDate(isoDay: day) == nil ? [ProfileProblem("\(path).fixed", "\(ProfileRules.quoted(day)) is not a date (YYYY-MM-DD)")] : []
        }
    }

    /// A rule inside column or byUserGroup gives one day for the whole run: one level of choice
    /// is what the loaders this replaces need, and keeps a row's expiry one lookup away.
    private static func simple(_ rule: ExpiryRule, at path: String) -> [ProfileProblem] {
        switch rule {
        case .column, .byUserGroup: [ProfileProblem(path, "must be months, days, nextOf or fixed here")]
        default: rule.problems(at: path)
        }
    }

    /// The day a rule without column or byUserGroup gives for a run on `today`.
    func day(after today: AlmaDate) -> AlmaDate? {
        switch self {
        case .months(let months): today.adding(months: months)
        case .days(let days): today.adding(days: days)
        case .nextOf(let days): MonthDay.next(of: days.compactMap(MonthDay.init), after: today)
        case .fixed(let day): AlmaDate(isoDay: day)
        case .column, .byUserGroup: nil
        }
    }
}

/// How a patron type's purge date is found: `{"afterExpiryDays": 90}` (after the patron's
/// expiry date), `{"months": 30}` after the run's day (`purgeMonths` is this), or
/// `{"fixed": "2028-06-30"}`. A purge day before the patron's expiry day becomes the expiry day:
/// Alma would otherwise purge a patron who has not expired.
public enum PurgeRule: Sendable, Equatable, Codable {
    case afterExpiryDays(Int)
    case months(Int)
    case fixed(String)

    static let kinds = ["afterExpiryDays", "months", "fixed"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProfileKey.self)
        let keys = container.allKeys.map(\.stringValue)
        guard keys.count == 1, let name = keys.first, Self.kinds.contains(name) else {
            throw ProfileKey.failure(decoder)("a purge rule is one of {\"afterExpiryDays\": N}, {\"months\": N} or {\"fixed\": \"YYYY-MM-DD\"}"
                + (keys.isEmpty ? "" : " (found \(keys.sorted().joined(separator: ", ")))"))
        }
        let key = ProfileKey(name)
        switch name {
        case "afterExpiryDays": self = .afterExpiryDays(try container.decode(Int.self, forKey: key))
        case "months": self = .months(try container.decode(Int.self, forKey: key))
        default: self = .fixed(try container.decode(String.self, forKey: key))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ProfileKey.self)
        switch self {
        case .afterExpiryDays(let days): try container.encode(days, forKey: ProfileKey("afterExpiryDays"))
        case .months(let months): try container.encode(months, forKey: ProfileKey("months"))
        case .fixed(let day): try container.encode(day, forKey: ProfileKey("fixed"))
        }
    }

    func problems(at path: String) -> [ProfileProblem] {
        switch self {
        case .afterExpiryDays(let days) where days < 0: [ProfileProblem("\(path).afterExpiryDays", "is \(days); it must be 0 or more")]
        case .months(let months) where months < 0: [ProfileProblem("\(path).months", "is \(months); it must be 0 or more")]
        case .fixed(let day) where AlmaDate(isoDay: day) == nil: [ProfileProblem("\(path).fixed", "\(ProfileRules.quoted(day)) is not a date (YYYY-MM-DD)")]
        default: []
        }
    }
}

/// `10-20`: a day of the year without its year, for term windows.
struct MonthDay: Sendable, Equatable, Comparable {
    var month: Int
    var day: Int

    init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let month = Int(parts[0]), let day = Int(parts[1]),
              (1...12).contains(month), day >= 1, day <= AlmaDate.daysIn(month: month, year: 2000) else { return nil }
        self.month = month
        self.day = day
    }

    /// This month-day in `year`; Feb 29 in a common year is Feb 28 (the term ends that week).
    func date(in year: Int) -> AlmaDate {
        AlmaDate(year: year, month: month, day: min(day, AlmaDate.daysIn(month: month, year: year)))
    }

    static func < (lhs: MonthDay, rhs: MonthDay) -> Bool { (lhs.month, lhs.day) < (rhs.month, rhs.day) }

    /// The first of `days` strictly after `today`: this year's, or else next year's earliest.
    static func next(of days: [MonthDay], after today: AlmaDate) -> AlmaDate? {
        let thisYear = days.map { $0.date(in: today.year) }.filter { $0 > today }.min()
        return thisYear ?? days.map { $0.date(in: today.year + 1) }.min()
    }
}
