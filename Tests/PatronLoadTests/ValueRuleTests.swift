import Foundation
import Testing
@testable import PatronLoad

/// Each value rule construct on its own, over a four-column row: what it gives, and which rule
/// `explain` says decided.
@Suite struct ValueRuleTests {
    static let columns = ["A", "B", "C", "D"]
    static let titles = try! LookupTable(csv: "code,title,desc\nPROF,Professor,Faculty\nLECT,Lecturer,\n", source: "titles.csv")

    static func compile(_ json: String) throws -> RowValue {
        let rule = try JSONDecoder().decode(ValueRule.self, from: Data(json.utf8))
        #expect(rule.problems(at: "rule") == [])
        return try RowValue(rule, path: "rule", today: AlmaDate(year: 2026, month: 11, day: 22), tables: ["titles.csv": titles]) { (name: String) throws(ProfileError) -> Int in
            guard let index = columns.firstIndex(of: name) else { throw .missingColumn(patronType: "test", column: name, available: columns) }
            return index
        }
    }

    @Test(arguments: [
        (#"{"column": "A"}"#, [" Doe ", nil, nil, nil], "Doe"),
        (#"{"value": "MIT"}"#, [nil, nil, nil, nil], "MIT"),
        (#"{"template": "{A}@MIT.EDU"}"#, ["jdoe", nil, nil, nil], "jdoe@MIT.EDU"),
        (#"{"template": "{A}@MIT.EDU"}"#, [" ", nil, nil, nil], ""),
        (#"{"template": "{A}, {B} {C}", "transform": ["trim"]}"#, ["Doe", "Jane", nil, nil], "Doe, Jane"),
        (#"{"template": "{{{A}}}"}"#, ["x", nil, nil, nil], "{x}"),
        (#"{"firstNonEmpty": [{"column": "A"}, {"column": "B"}, {"value": "none"}]}"#, ["", "b", nil, nil], "b"),
        (#"{"firstNonEmpty": [{"column": "A", "emptyValues": ["NONE"]}, {"column": "B"}]}"#, ["none", "b", nil, nil], "b"),
        (#"{"firstNonEmpty": [{"column": "A"}, {"column": "B"}]}"#, [nil, nil, nil, nil], ""),
        (#"{"lookup": {"table": "titles.csv", "key": {"column": "A"}}}"#, ["PROF", nil, nil, nil], "Professor"),
        (#"{"lookup": {"table": "titles.csv", "key": {"column": "A"}, "column": "desc"}}"#, ["PROF", nil, nil, nil], "Faculty"),
        (#"{"lookup": {"table": "titles.csv", "key": {"column": "A"}, "default": "Staff"}}"#, ["JANITOR", nil, nil, nil], "Staff"),
        (#"{"lookup": {"table": "titles.csv", "key": {"column": "A"}}}"#, ["JANITOR", nil, nil, nil], ""),
        (#"{"lookup": {"table": "titles.csv", "key": {"column": "A"}, "default": "Staff"}}"#, [nil, nil, nil, nil], "Staff"),
        (#"{"rules": [{"when": {"column": "A", "equals": "G"}, "then": {"value": "GRAD"}}, {"when": {"column": "A", "in": ["U", "V"]}, "then": {"column": "B"}}], "otherwise": {"value": "OTHER"}}"#, ["V", "ug", nil, nil], "ug"),
        (#"{"rules": [{"when": {"column": "A", "equals": "G"}, "then": {"value": "GRAD"}}], "otherwise": {"value": "OTHER"}}"#, ["X", nil, nil, nil], "OTHER"),
        (#"{"rules": [{"when": {"column": "A", "equals": "G"}, "then": {"value": "GRAD"}}]}"#, ["X", nil, nil, nil], ""),
        (#"{"column": "A", "transform": ["upper"]}"#, ["Doe", nil, nil, nil], "DOE"),
        (#"{"column": "A", "transform": ["lower"]}"#, ["DOE", nil, nil, nil], "doe"),
        (#"{"column": "A", "transform": ["firstWord"]}"#, ["Mary Ann", nil, nil, nil], "Mary"),
        (#"{"column": "A", "transform": [{"replace": {"pattern": "[^0-9]", "with": ""}}]}"#, ["(617) 253-1000", nil, nil, nil], "6172531000"),
        (#"{"column": "A", "transform": [{"replace": {"pattern": "^(\\w+), (\\w+)$", "with": "$2 $1"}}, "upper"]}"#, ["Doe, Jane", nil, nil, nil], "JANE DOE"),
        (#"{"column": "A", "emptyValues": ["NONE", "n/a"]}"#, ["N/A", nil, nil, nil], ""),
        (#"{"value": " ", "emptyValues": [" "]}"#, [nil, nil, nil, nil], ""),
    ] as [(String, [String?], String)])
    func eachConstructGivesItsValue(rule: String, row: [String?], expected: String) throws {
        #expect(try Self.compile(rule).value(row) == expected)
    }

    @Test(arguments: [
        (["G", "x", nil, nil], "rule.rules[0]"),
        (["U", "", nil, nil], "rule.rules[1]"),
        (["U", "b", nil, nil], "rule.rules[1].firstNonEmpty[1]"),
        (["Z", nil, nil, nil], "rule.otherwise"),
    ] as [([String?], String)])
    func theDecidingRuleIsNamed(row: [String?], path: String) throws {
        let value = try Self.compile(#"{"rules": [{"when": {"column": "A", "equals": "G"}, "then": {"value": "GRAD"}}, {"when": {"column": "A", "equals": "U"}, "then": {"firstNonEmpty": [{"column": "C"}, {"column": "B"}]}}], "otherwise": {"value": "OTHER"}}"#)
        #expect(value.decidingPath(row) == path)
    }

    @Test(arguments: [
        (#"{"lastName": {"column": "A", "transform": [{"replace": {"pattern": "([a-z", "with": ""}}]}}"#,
         #"patronTypes[0].fields.lastName.transform[0].replace.pattern: "([a-z" is not a valid regular expression"#),
        (#"{"email": {"template": "{KRB_NAME@MIT.EDU"}}"#, "patronTypes[0].fields.email.template: has a { without its }; write {{ for a literal brace"),
        (#"{"email": {"template": "MIT.EDU"}}"#, "patronTypes[0].fields.email.template: names no column in braces; use value for a fixed text"),
        (#"{"status": {"rules": [{"when": {"column": "A", "matches": "("}, "then": {"value": "INACTIVE"}}]}}"#,
         #"patronTypes[0].fields.status.rules[0].when.matches: "(" is not a valid regular expression"#),
        (#"{"userTitle": {"firstNonEmpty": []}}"#, "patronTypes[0].fields.userTitle.firstNonEmpty: is empty; give at least one value rule"),
        (#"{"lastName": {"colum": "A"}}"#, #"patronTypes[0].fields.lastName: "colum" is not a value rule key (a value rule has one of column, value, template, firstNonEmpty, lookup, rules; with transform or emptyValues)"#),
        (#"{"lastName": {"column": "A", "value": "x"}}"#, "patronTypes[0].fields.lastName: give one source per value rule (found column and value); combine them with firstNonEmpty or rules"),
        (#"{"lastName": {"column": "A", "transform": ["title"]}}"#, #"patronTypes[0].fields.lastName.transform[0]: "title" is not a transform (one of trim, upper, lower, firstWord, or {"replace": …})"#),
        (#"{"lastName": {"column": "A", "otherwise": {"value": "x"}}}"#, "patronTypes[0].fields.lastName: otherwise belongs with rules, not with column"),
        (#"{"jobTitle": {"column": "A"}}"#, "patronTypes[0].fields.jobTitle: is not a profile setting"),
        (#"{"userTitle": {"lookup": {"table": "t.csv", "key": {"column": "A"}, "value": "x"}}}"#, #"patronTypes[0].fields.userTitle.lookup: "value" is not a key of a lookup (its keys: table, key, column, default)"#),
    ])
    func aBadRuleIsAProblemWithItsPath(fields: String, problem: String) throws {
        let problems = try ProfileEdits.problems(type: ["fields": fields])
        #expect(problems.contains { $0.hasPrefix(problem) }, "\(problems)")
    }

    @Test func aLookupTableIsReadOnceAndItsMissingColumnIsAProblem() throws {
        let table = try LookupTable(csv: "key,code\n\"A,1\",x\nB,y\nB,z\n", source: "t.csv")
        #expect(table.values(of: nil) == ["A,1": "x", "B": "y"])
        #expect(table.values(of: "CODE") != nil)
        #expect(table.values(of: "desc") == nil)
        #expect(throws: ProfileError.self) { try LookupTable(csv: "key\nA\n", source: "t.csv") }
        #expect(throws: ProfileError.self) { try LookupTable(csv: "key,code\nA,1,2\n", source: "t.csv") }
    }

    /// A department table (statisticCategory.lookup) picks the same row of a repeated key as a
    /// value rule's lookup does: the first.
    @Test func aRepeatedKeyTakesItsFirstRowInBothKindsOfTable() throws {
        let csv = "key,code,desc\nB,y,Why\nB,z,Zed\n"
        #expect(try LookupTable(csv: csv, source: "t.csv").values(of: nil)?["B"] == "y")
        #expect(try DepartmentLookup(csv: csv, source: "t.csv")["B"] == .init(code: "y", description: "Why"))
    }
}
