import Foundation
import Testing
@testable import PatronLoad

/// `ProfileCondition`, one construct per table, at its boundaries: no warehouse, no files.
@Suite struct ProfileConditionTests {
    static let today = AlmaDate(year: 2026, month: 11, day: 22)
    static let columns = ["CODE", "END_DATE", "OTHER"]

    /// Whether the condition (JSON) holds for a row whose CODE column is `code` and END_DATE `date`.
    static func holds(_ json: String, code: String? = nil, date: String? = nil) throws -> Bool {
        let condition = try JSONDecoder().decode(ProfileCondition.self, from: Data(json.utf8))
        let compiled = try RowCondition(condition, today: today) { (name: String) throws(ProfileError) -> Int in
            guard let index = columns.firstIndex(of: name) else {
                throw .missingColumn(patronType: "test", column: name, available: columns)
            }
            return index
        }
        return compiled.matches([code, date, "x"])
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var json: String
        var value: String?
        var expected: Bool
        var testDescription: String { "\(json) with \(value.map { "\"\($0)\"" } ?? "null") → \(expected)" }
        init(_ json: String, _ value: String?, _ expected: Bool) {
            self.json = json
            self.value = value
            self.expected = expected
        }
    }

    @Test(arguments: [
        Case(#"{"column": "CODE", "equals": "Y"}"#, "Y", true),
        Case(#"{"column": "CODE", "equals": "Y"}"#, "  Y\t", true),
        Case(#"{"column": "CODE", "equals": "Y"}"#, "y", false),
        Case(#"{"column": "CODE", "equals": "Y"}"#, "YY", false),
        Case(#"{"column": "CODE", "equals": "Y"}"#, nil, false),
        Case(#"{"column": "CODE", "equals": ""}"#, nil, true),
        Case(#"{"column": "CODE", "equals": "Y", "ignoreCase": true}"#, " y ", true),
        Case(#"{"column": "CODE", "equals": "École", "ignoreCase": true}"#, "ÉCOLE", true),
        Case(#"{"column": "CODE", "in": ["A", "B"]}"#, "B", true),
        Case(#"{"column": "CODE", "in": ["A", "B"]}"#, "b", false),
        Case(#"{"column": "CODE", "in": ["A", "B"]}"#, "C", false),
        Case(#"{"column": "CODE", "in": ["A", "B"], "ignoreCase": true}"#, "b ", true),
        Case(#"{"column": "CODE", "in": ["A"]}"#, nil, false),
    ])
    func equalsAndIn(_ test: Case) throws {
        #expect(try Self.holds(test.json, code: test.value) == test.expected)
    }

    @Test(arguments: [
        Case(#"{"column": "CODE", "matches": "[0-9]{3}"}"#, "123", true),
        Case(#"{"column": "CODE", "matches": "[0-9]{3}"}"#, " 123 ", true),
        Case(#"{"column": "CODE", "matches": "[0-9]{3}"}"#, "1234", false),
        Case(#"{"column": "CODE", "matches": "[0-9]{3}"}"#, "x123", false),
        Case(#"{"column": "CODE", "matches": "[0-9]*"}"#, nil, true),
        Case(#"{"column": "CODE", "matches": "GR.*"}"#, "grad", false),
        Case(#"{"column": "CODE", "matches": "GR.*", "ignoreCase": true}"#, "grad", true),
    ])
    func matches(_ test: Case) throws {
        #expect(try Self.holds(test.json, code: test.value) == test.expected)
    }

    @Test(arguments: [
        Case(#"{"column": "CODE", "empty": true}"#, nil, true),
        Case(#"{"column": "CODE", "empty": true}"#, "", true),
        Case(#"{"column": "CODE", "empty": true}"#, " \t ", true),
        Case(#"{"column": "CODE", "empty": true}"#, "0", false),
        Case(#"{"column": "CODE", "empty": false}"#, "0", true),
        Case(#"{"column": "CODE", "empty": false}"#, nil, false),
    ])
    func empty(_ test: Case) throws {
        #expect(try Self.holds(test.json, code: test.value) == test.expected)
    }

    @Test(arguments: [
        Case(#"{"column": "END_DATE", "before": "2026-11-22"}"#, "2026-11-21", true),
        Case(#"{"column": "END_DATE", "before": "2026-11-22"}"#, "2026-11-22", false),
        Case(#"{"column": "END_DATE", "before": "2026-11-22"}"#, " 2026-11-21 23:59:59 ", true),
        Case(#"{"column": "END_DATE", "before": "2026-11-22"}"#, "2026-11-21T23:59:59Z", true),
        Case(#"{"column": "END_DATE", "before": "2026-11-22"}"#, "2025-12-31", true),
        Case(#"{"column": "END_DATE", "before": "2026-11-22"}"#, "2026-1-1", false),
        Case(#"{"column": "END_DATE", "before": "2026-11-22"}"#, "20261121", false),
        Case(#"{"column": "END_DATE", "before": "2026-11-22"}"#, "2026-11-210", false),
        Case(#"{"column": "END_DATE", "before": "2026-11-22"}"#, "11/21/2026", false),
        Case(#"{"column": "END_DATE", "before": "2026-11-22"}"#, nil, false),
        Case(#"{"column": "END_DATE", "after": "2026-11-22"}"#, "2026-11-23", true),
        Case(#"{"column": "END_DATE", "after": "2026-11-22"}"#, "2026-11-22 00:00:01", false),
        Case(#"{"column": "END_DATE", "after": "2026-11-22"}"#, "", false),
        Case(#"{"column": "END_DATE", "before": "today"}"#, "2026-11-21", true),
        Case(#"{"column": "END_DATE", "before": "today"}"#, "2026-11-22", false),
        Case(#"{"column": "END_DATE", "after": "today"}"#, "2026-11-23", true),
        Case(#"{"column": "END_DATE", "after": "today"}"#, "2026-11-22", false),
    ])
    func dates(_ test: Case) throws {
        #expect(try Self.holds(test.json, date: test.value) == test.expected)
    }

    struct Combined: CustomTestStringConvertible, Sendable {
        var code: String?
        var date: String?
        var expected: Bool
        var testDescription: String { "CODE \(code ?? "null"), END_DATE \(date ?? "null") → \(expected)" }
    }

    /// "Not eligible (N), or eligible with an appointment that ended before today."
    static let combined = #"""
        {"any": [{"column": "CODE", "equals": "N"},
                 {"all": [{"column": "CODE", "equals": "Y"}, {"not": {"column": "END_DATE", "empty": true}},
                          {"not": {"column": "END_DATE", "after": "today"}}]}]}
        """#

    @Test(arguments: [
        Combined(code: "N", date: nil, expected: true),
        Combined(code: "Y", date: nil, expected: false),
        Combined(code: "Y", date: "2026-11-21", expected: true),
        Combined(code: "Y", date: "2026-11-22", expected: true),
        Combined(code: "Y", date: "2026-11-23", expected: false),
        Combined(code: "X", date: "2026-11-21", expected: false),
    ])
    func allAnyNot(_ test: Combined) throws {
        #expect(try Self.holds(Self.combined, code: test.code, date: test.date) == test.expected)
    }

    /// A condition that cannot compile, within a profile: the path and reason `check-profile`
    /// prints, found before any row is read.
    struct Broken: CustomTestStringConvertible, Sendable {
        var condition: String
        var problem: String
        var testDescription: String { condition }
    }

    @Test(arguments: [
        Broken(condition: #"{"colum": "CODE", "equals": "Y"}"#,
               problem: #"patronTypes[0].rows.exclude: "colum" is not a condition key (a condition has column with one of equals, in, matches, empty, before, after; or all, any or not)"#),
        Broken(condition: #"{"column": "CODE"}"#,
               problem: "patronTypes[0].rows.exclude: column needs one of equals, in, matches, empty, before, after"),
        Broken(condition: #"{"column": "CODE", "equals": "Y", "in": ["Y"]}"#,
               problem: "patronTypes[0].rows.exclude: give one test per condition (found equals and in); combine tests with all or any"),
        Broken(condition: #"{"all": [{"column": "CODE", "equals": "Y"}], "column": "CODE"}"#,
               problem: "patronTypes[0].rows.exclude: all stands alone in its object; found also column"),
        Broken(condition: #"{"column": "CODE", "empty": true, "ignoreCase": true}"#,
               problem: "patronTypes[0].rows.exclude: ignoreCase applies to equals, in and matches, not to empty"),
        Broken(condition: #"{"column": "CODE", "equals": 5}"#,
               problem: "patronTypes[0].rows.exclude.equals: expected a string, found 5"),
        Broken(condition: #"{"not": {"column": "CODE", "matches": "(["}}"#,
               problem: #"patronTypes[0].rows.exclude.not.matches: "([" is not a valid regular expression"#),
        Broken(condition: #"{"any": [{"column": "CODE", "empty": true}, {"column": "END_DATE", "before": "2026-02-30"}]}"#,
               problem: #"patronTypes[0].rows.exclude.any[1].before: "2026-02-30" is neither a date (YYYY-MM-DD) nor "today""#),
        Broken(condition: #"{"column": "END_DATE", "after": "2026-9-1"}"#,
               problem: #"patronTypes[0].rows.exclude.after: "2026-9-1" is neither a date (YYYY-MM-DD) nor "today""#),
        Broken(condition: #"{"all": []}"#,
               problem: "patronTypes[0].rows.exclude.all: is empty; give at least one condition"),
        Broken(condition: #"{"column": "CODE", "in": []}"#,
               problem: "patronTypes[0].rows.exclude.in: is empty, so no row would ever match; list at least one value"),
        Broken(condition: #"{"column": " ", "equals": "Y"}"#,
               problem: "patronTypes[0].rows.exclude.column: is empty; name a column of the query"),
    ])
    func aBrokenConditionIsAProfileProblemWithItsPath(_ test: Broken) throws {
        let problems = try RowRulesTests.problems(rows: #"{"exclude": \#(test.condition)}"#)
        #expect(problems == [test.problem])
    }

    @Test func aValidConditionIsNoProblemAndItsKeysAreKnown() throws {
        #expect(try RowRulesTests.problems(rows: #"{"exclude": \#(Self.combined), "requiredColumns": ["EMAIL_ADDRESS"]}"#) == [])
        #expect(try RowRulesTests.problems(rows: #"{"exclud": {"column": "CODE", "equals": "Y"}}"#) == ["patronTypes[0].rows.exclud: is not a profile setting (did you mean exclude?)"])
    }

    @Test func aConditionRoundTripsThroughJSON() throws {
        let condition = try JSONDecoder().decode(ProfileCondition.self, from: Data(Self.combined.utf8))
        let again = try JSONDecoder().decode(ProfileCondition.self, from: JSONEncoder().encode(condition))
        #expect(again == condition)
    }
}
