/// A user-group override: the code a type's users get when a column's value matches a pattern
/// whole. Each distinct value is matched once: override columns (departments, programmes) hold a
/// few hundred values over a whole feed, and the regex engine, asked for every row, cost more
/// than the rest of the row's mapping.
final class OverridePattern {
    let column: Int
    let code: String
    private let regex: Regex<AnyRegexOutput>
    private var matched: [String: Bool] = [:]
    /// Beyond this many distinct values (a column that is not a category), values are matched
    /// without being kept, so the memory stays bounded whatever the column holds.
    static let keptValues = 4_096

    init(column: Int, regex: Regex<AnyRegexOutput>, code: String) {
        self.column = column
        self.regex = regex
        self.code = code
    }

    func matches(_ value: String) -> Bool {
        if let known = matched[value] { return known }
        let matches = (try? regex.wholeMatch(in: value)) != nil
        if matched.count < Self.keptValues { matched[value] = matches }
        return matches
    }
}
