/// A patron type's `expiry` and `purge` rules worked out for one run: every day a rule can give
/// is computed once from the run's as-of day, so a patron's dates cost a lookup at most (and,
/// for an expiry column, reading the ISO day the scan kept).
struct TypeDates: Sendable {
    private indirect enum Expiry: Sendable {
        case day(AlmaDate, path: String?)
        /// The record's column day, else `otherwise` (a day or by user group).
        case column(otherwise: Expiry, columnPath: String)
        case byUserGroup([String: (AlmaDate, String)], otherwise: AlmaDate, otherwisePath: String)
    }

    private enum Purge: Sendable {
        case day(AlmaDate)
        case afterExpiry(days: Int)
    }

    private let expiry: Expiry
    private let purge: Purge
    /// The purge rule's JSON path, for `explain`; nil without one.
    let purgePath: String?

    init(_ type: PatronProfile.PatronType, path: String, dates: RunDates) {
        let today = dates.today
        let fallbackPath = "expiryMonths"
        func day(_ rule: ExpiryRule?, _ rulePath: String) -> (AlmaDate, String) {
            guard let rule, let day = rule.day(after: today) else { return (dates.expiry, fallbackPath) }
            return (day, rulePath)
        }
        func byUserGroup(_ groups: [String: ExpiryRule], otherwise: ExpiryRule?, at rulePath: String) -> Expiry {
            let (fallback, fallbackPath) = day(otherwise, "\(rulePath).otherwise")
            var days: [String: (AlmaDate, String)] = [:]
            for (group, rule) in groups {
                days[group] = day(rule, "\(rulePath).byUserGroup.\(group)")
            }
            return .byUserGroup(days, otherwise: fallback, otherwisePath: fallbackPath)
        }
        switch type.expiry {
        case nil:
            expiry = .day(dates.expiry, path: nil)
        case .column(_, .byUserGroup(let groups, let otherwise)?)?:
            expiry = .column(otherwise: byUserGroup(groups, otherwise: otherwise, at: "\(path).expiry.otherwise"), columnPath: "\(path).expiry.column")
        case .column(_, let otherwise)?:
            let (fallback, fallbackPath) = day(otherwise, "\(path).expiry.otherwise")
            expiry = .column(otherwise: .day(fallback, path: fallbackPath), columnPath: "\(path).expiry.column")
        case .byUserGroup(let groups, let otherwise)?:
            expiry = byUserGroup(groups, otherwise: otherwise, at: "\(path).expiry")
        case let rule?:
            let (date, rulePath) = day(rule, "\(path).expiry")
            expiry = .day(date, path: rulePath)
        }
        switch type.purge {
        case nil: purge = .day(dates.purge)
        case .afterExpiryDays(let days)?: purge = .afterExpiry(days: days)
        case .months(let months)?: purge = .day(today.adding(months: months))
        case .fixed(let day)?: purge = .day(AlmaDate(isoDay: day) ?? dates.purge)
        }
        purgePath = type.purge == nil ? nil : "\(path).purge"
    }

    /// The record's expiry day, and the JSON path of the rule that gave it (nil without a rule).
    func expiry(of record: PatronRecord) -> (day: AlmaDate, path: String?) {
        Self.expiry(expiry, of: record)
    }

    private static func expiry(_ expiry: Expiry, of record: PatronRecord) -> (day: AlmaDate, path: String?) {
        switch expiry {
        case .day(let day, let path):
            return (day, path)
        case .column(let otherwise, let columnPath):
            if let text = record.details?.expiryDate, !text.isEmpty, let day = AlmaDate(isoDay: text) {
                return (day, columnPath)
            }
            return Self.expiry(otherwise, of: record)
        case .byUserGroup(let days, let otherwise, let otherwisePath):
            if let (day, path) = days[record.userGroup.code] { return (day, path) }
            return (otherwise, otherwisePath)
        }
    }

    /// The purge day for a patron expiring on `expiry`: never before it, or Alma would purge a
    /// patron who has not expired.
    func purge(expiring expiry: AlmaDate) -> AlmaDate {
        let day = switch purge {
        case .day(let day): day
        case .afterExpiry(let days): expiry.adding(days: days)
        }
        return max(day, expiry)
    }
}
