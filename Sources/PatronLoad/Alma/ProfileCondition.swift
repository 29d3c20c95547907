import Foundation

/// A declarative test of one warehouse row, as a profile writes it:
///
/// - `{"column": "X", "equals": "v"}`, `{"column": "X", "in": ["a", "b"]}`,
///   `{"column": "X", "matches": "regex"}` (the whole value must match, as in `userGroup.overrides`);
/// - `{"column": "X", "empty": true}` (no value, or only white space) or `false`;
/// - `{"column": "X", "before": "2026-09-01"}` or `"after"`, with a date or `"today"` (the run's
///   as-of day): the column's text must begin with an ISO date (`2026-08-31`, `2026-08-31 00:00:00`);
///   a value that does not is neither before nor after any day;
/// - `{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}`.
///
/// Values are compared without their surrounding white space, and case matters (`"Y"` is not
/// `"y"`) unless the test says `"ignoreCase": true` (for `equals`, `in` and `matches`): warehouse
/// codes are usually exact, and a rule that silently folded case would hide a code that changed.
public indirect enum ProfileCondition: Sendable, Equatable, Codable {
    case column(String, Test, ignoreCase: Bool)
    case all([ProfileCondition])
    case any([ProfileCondition])
    case not(ProfileCondition)

    public enum Test: Sendable, Equatable {
        case equals(String)
        case oneOf([String])
        case matches(String)
        case empty(Bool)
        /// A `YYYY-MM-DD` day, or `today`.
        case before(String)
        case after(String)
    }

    private typealias Key = ProfileKey

    static let tests = ["equals", "in", "matches", "empty", "before", "after"]
    static let combinations = ["all", "any", "not"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let keys = container.allKeys.map(\.stringValue)
        func fail(_ message: String) -> DecodingError {
            .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: message))
        }
        let known = Set(["column", "ignoreCase"] + Self.tests + Self.combinations)
        if let unknown = keys.sorted().first(where: { !known.contains($0) }) {
            throw fail("\"\(unknown)\" is not a condition key (a condition has column with one of \(Self.tests.joined(separator: ", ")); or all, any or not)")
        }
        let combination = keys.filter { Self.combinations.contains($0) }
        let tests = keys.filter { Self.tests.contains($0) }
        if let first = combination.first {
            guard keys.count == 1 else {
                throw fail("\(first) stands alone in its object; found also \(keys.filter { $0 != first }.sorted().joined(separator: ", "))")
            }
            switch first {
            case "all": self = .all(try container.decode([ProfileCondition].self, forKey: Key("all")))
            case "any": self = .any(try container.decode([ProfileCondition].self, forKey: Key("any")))
            default: self = .not(try container.decode(ProfileCondition.self, forKey: Key("not")))
            }
            return
        }
        guard keys.contains("column") else {
            throw fail("a condition needs column (with one of \(Self.tests.joined(separator: ", "))), or all, any or not")
        }
        guard tests.count == 1, let name = tests.first else {
            throw fail(tests.isEmpty ? "column needs one of \(Self.tests.joined(separator: ", "))"
                : "give one test per condition (found \(tests.sorted().joined(separator: " and "))); combine tests with all or any")
        }
        let key = Key(name)
        let test: Test = switch name {
        case "equals": .equals(try container.decode(String.self, forKey: key))
        case "in": .oneOf(try container.decode([String].self, forKey: key))
        case "matches": .matches(try container.decode(String.self, forKey: key))
        case "empty": .empty(try container.decode(Bool.self, forKey: key))
        case "before": .before(try container.decode(String.self, forKey: key))
        default: .after(try container.decode(String.self, forKey: key))
        }
        let ignoreCase = try container.decodeIfPresent(Bool.self, forKey: Key("ignoreCase")) ?? false
        if ignoreCase, !["equals", "in", "matches"].contains(name) {
            throw fail("ignoreCase applies to equals, in and matches, not to \(name)")
        }
        self = .column(try container.decode(String.self, forKey: Key("column")), test, ignoreCase: ignoreCase)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch self {
        case .all(let conditions): try container.encode(conditions, forKey: Key("all"))
        case .any(let conditions): try container.encode(conditions, forKey: Key("any"))
        case .not(let condition): try container.encode(condition, forKey: Key("not"))
        case .column(let column, let test, let ignoreCase):
            try container.encode(column, forKey: Key("column"))
            if ignoreCase { try container.encode(true, forKey: Key("ignoreCase")) }
            switch test {
            case .equals(let value): try container.encode(value, forKey: Key("equals"))
            case .oneOf(let values): try container.encode(values, forKey: Key("in"))
            case .matches(let pattern): try container.encode(pattern, forKey: Key("matches"))
            case .empty(let empty): try container.encode(empty, forKey: Key("empty"))
            case .before(let day): try container.encode(day, forKey: Key("before"))
            case .after(let day): try container.encode(day, forKey: Key("after"))
            }
        }
    }

    /// Every column the condition reads, with the JSON path that names it (under `path`).
    func columnReferences(at path: String) -> [(path: String, column: String)] {
        switch self {
        case .column(let column, _, _): [("\(path).column", column)]
        case .all(let conditions): conditions.enumerated().flatMap { $1.columnReferences(at: "\(path).all[\($0)]") }
        case .any(let conditions): conditions.enumerated().flatMap { $1.columnReferences(at: "\(path).any[\($0)]") }
        case .not(let condition): condition.columnReferences(at: "\(path).not")
        }
    }

    /// What would stop the condition from compiling, each with its JSON path: found when the
    /// profile loads, before any row is read.
    func problems(at path: String) -> [ProfileProblem] {
        switch self {
        case .all(let conditions), .any(let conditions):
            let name = if case .all = self { "all" } else { "any" }
            if conditions.isEmpty { return [ProfileProblem("\(path).\(name)", "is empty; give at least one condition")] }
            return conditions.enumerated().flatMap { $1.problems(at: "\(path).\(name)[\($0)]") }
        case .not(let condition):
            return condition.problems(at: "\(path).not")
        case .column(let column, let test, let ignoreCase):
            var problems: [ProfileProblem] = []
            if column.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append(ProfileProblem("\(path).column", "is empty; name a column of the query"))
            }
            switch test {
            case .oneOf(let values) where values.isEmpty:
                problems.append(ProfileProblem("\(path).in", "is empty, so no row would ever match; list at least one value"))
            case .matches(let pattern):
                do {
                    _ = try Self.regex(pattern, ignoreCase: ignoreCase)
                } catch {
                    problems.append(ProfileProblem("\(path).matches", "\(ProfileRules.quoted(pattern)) is not a valid regular expression"))
                }
            case .before(let day), .after(let day):
                // Compared as text with the row's ISO day, so only the padded form can match.
                if day != "today" && (AlmaDate(isoDay: day) == nil || !ISODay.isPadded(day)) {
                    let key = if case .before = test { "before" } else { "after" }
                    problems.append(ProfileProblem("\(path).\(key)", "\(ProfileRules.quoted(day)) is neither a date (YYYY-MM-DD) nor \"today\""))
                }
            default:
                break
            }
            return problems
        }
    }

    static func regex(_ pattern: String, ignoreCase: Bool) throws -> Regex<AnyRegexOutput> {
        let regex = try Regex(pattern)
        return ignoreCase ? regex.ignoresCase() : regex
    }
}

/// A `ProfileCondition` compiled against one query's columns and the run's as-of day: regular
/// expressions built and column positions resolved once, before the first row; evaluating a row
/// reads values and compares, with no parsing, clock or date formatting.
struct RowCondition {
    private indirect enum Node {
        case test(position: Int, Check)
        case all([Node])
        case any([Node])
        case not(Node)
    }

    private enum Check {
        case equals(String, ignoreCase: Bool)
        case oneOf(Set<String>, ignoreCase: Bool)
        case matches(Regex<AnyRegexOutput>)
        case empty(Bool)
        case before(String)
        case after(String)
    }

    private let root: Node

    /// `position` gives a column's index in the query's row (throwing for a missing column).
    init(_ condition: ProfileCondition, today: AlmaDate, position: (String) throws(ProfileError) -> Int) throws(ProfileError) {
        root = try Self.compile(condition, today: today, position: position)
    }

    private static func compile(_ condition: ProfileCondition, today: AlmaDate, position: (String) throws(ProfileError) -> Int) throws(ProfileError) -> Node {
        switch condition {
        case .all(let conditions):
            var nodes: [Node] = []
            for condition in conditions { nodes.append(try compile(condition, today: today, position: position)) }
            return .all(nodes)
        case .any(let conditions):
            var nodes: [Node] = []
            for condition in conditions { nodes.append(try compile(condition, today: today, position: position)) }
            return .any(nodes)
        case .not(let condition):
            return .not(try compile(condition, today: today, position: position))
        case .column(let column, let test, let ignoreCase):
            let check: Check
            switch test {
            case .equals(let value): check = .equals(ignoreCase ? value.lowercased() : value, ignoreCase: ignoreCase)
            case .oneOf(let values): check = .oneOf(Set(values.map { ignoreCase ? $0.lowercased() : $0 }), ignoreCase: ignoreCase)
            case .matches(let pattern):
                // The profile's rules reject an invalid pattern when it loads; this is the backstop.
                guard let regex = try? ProfileCondition.regex(pattern, ignoreCase: ignoreCase) else {
                    throw .invalid(file: "profile", reason: "\(ProfileRules.quoted(pattern)) is not a valid regular expression")
                }
                check = .matches(regex)
            case .empty(let empty): check = .empty(empty)
            case .before(let day): check = .before(day == "today" ? today.isoDay : day)
            case .after(let day): check = .after(day == "today" ? today.isoDay : day)
            }
            return .test(position: try position(column), check)
        }
    }

    func matches(_ row: [String?]) -> Bool {
        Self.evaluate(root, row)
    }

    private static func evaluate(_ node: Node, _ row: [String?]) -> Bool {
        switch node {
        case .all(let nodes): return nodes.allSatisfy { evaluate($0, row) }
        case .any(let nodes): return nodes.contains { evaluate($0, row) }
        case .not(let node): return !evaluate(node, row)
        case .test(let position, let check):
            let value = PatronMapper.trimmed(row[position])
            switch check {
            case .equals(let wanted, let ignoreCase): return (ignoreCase ? value.lowercased() : value) == wanted
            case .oneOf(let wanted, let ignoreCase): return wanted.contains(ignoreCase ? value.lowercased() : value)
            case .matches(let regex): return (try? regex.wholeMatch(in: value)) != nil
            case .empty(let empty): return value.isEmpty == empty
            case .before(let day): return isoDay(value).map { $0 < day } ?? false
            case .after(let day): return isoDay(value).map { $0 > day } ?? false
            }
        }
    }

    /// The value's leading `YYYY-MM-DD`, or nil: ISO days compare as text, so no date is parsed.
    private static func isoDay(_ value: String) -> String? {
        let utf8 = value.utf8
        guard utf8.count >= 10 else { return nil }
        for (offset, byte) in utf8.prefix(10).enumerated() {
            let isDash = offset == 4 || offset == 7
            guard isDash ? byte == UInt8(ascii: "-") : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
        }
        if utf8.count > 10, let next = utf8.dropFirst(10).first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) { return nil }
        // Ten ASCII bytes: a small String, stored inline.
        return String(value.prefix(10))
    }
}

/// `2026-09-01`, not `2026-9-1`: conditions compare days as text.
enum ISODay {
    static func isPadded(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        return bytes.enumerated().allSatisfy { index, byte in index == 4 || index == 7 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    }
}
