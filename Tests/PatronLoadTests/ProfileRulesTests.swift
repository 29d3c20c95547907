import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// A profile that would write wrong files is refused before the run, naming the JSON path.
@Suite struct ProfileRulesTests {
    static let reference = Fixtures.profile.profile

    @Test func theReferenceProfileHasNoProblem() {
        #expect(ProfileRules.problems(in: Self.reference) == [])
    }

    static let broken: [(String, @Sendable (inout PatronProfile) -> Void, ProfileProblem)] = [
        ("root with a space", { $0.rootElement = "user Records" },
         ProfileProblem("rootElement", "\"user Records\" is not an XML element name (letters, digits, -, _ and ., starting with a letter or _); Alma's schema names users")),
        ("root with markup", { $0.rootElement = "users><x" },
         ProfileProblem("rootElement", "\"users><x\" is not an XML element name (letters, digits, -, _ and ., starting with a letter or _); Alma's schema names users")),
        ("root starting with a digit", { $0.rootElement = "1users" },
         ProfileProblem("rootElement", "\"1users\" is not an XML element name (letters, digits, -, _ and ., starting with a letter or _); Alma's schema names users")),
        ("empty root", { $0.rootElement = "" },
         ProfileProblem("rootElement", "\"\" is not an XML element name (letters, digits, -, _ and ., starting with a letter or _); Alma's schema names users")),
        ("negative expiry", { $0.expiryMonths = -1 },
         ProfileProblem("expiryMonths", "is -1; it must be 0 or more, or every patron is expired on delivery")),
        ("purge before expiry", { $0.purgeMonths = 3 },
         ProfileProblem("purgeMonths", "is 3, less than expiryMonths (6); Alma would purge patrons before they expire")),
        ("left-out share above 100", { $0.preflight = .init(maxLeftOutPercent: 150) },
         ProfileProblem("preflight.maxLeftOutPercent", "is 150; it must be from 0 to 100")),
        ("negative left-out share", { $0.preflight = .init(maxLeftOutPercent: -0.5) },
         ProfileProblem("preflight.maxLeftOutPercent", "is -0.5; it must be from 0 to 100")),
        ("negative leaver expiry", { $0.history = .init(leaverExpiryDays: -2) },
         ProfileProblem("history.leaverExpiryDays", "is -2; it must be 0 or more")),
        ("full load every 0 days", { $0.history = .init(fullLoadEveryDays: 0) },
         ProfileProblem("history.fullLoadEveryDays", "is 0; it must be 1 or more")),
        ("no patron types", { $0.patronTypes = [] }, ProfileProblem("patronTypes", "is empty")),
        ("a type name with a space", { $0.patronTypes[1].name = "grad student" },
         ProfileProblem("patronTypes[1].name", "\"grad student\" must use only letters, digits, - and _")),
        ("two types of one name", { $0.patronTypes[1].name = $0.patronTypes[0].name },
         ProfileProblem("patronTypes[1].name", "\"staff\" is already the name of an earlier type")),
        ("an empty query", { $0.patronTypes[0].query = "  ;\n" },
         ProfileProblem("patronTypes[0].query", "is empty; give the SELECT that returns this type's patrons")),
        // Found when the profile loads, not when the run reaches that type.
        ("a user group override that is no regular expression", { $0.patronTypes[1].userGroup.overrides = [.init(column: "HOME_DEPARTMENT", pattern: "NI[UV", code: "54")] },
         ProfileProblem("patronTypes[1].userGroup.overrides[0].pattern", "\"NI[UV\" is not a regular expression")),
    ]

    @Test(arguments: broken)
    func aProfileThatWouldWriteWrongFilesIsRefused(_ name: String, _ change: @Sendable (inout PatronProfile) -> Void, _ expected: ProfileProblem) {
        var profile = Self.reference
        change(&profile)
        #expect(ProfileRules.problems(in: profile) == [expected], "\(name)")
    }

    @Test(arguments: ["users", "userRecords", "_x", "a-b.c_1", "Élèves", "ユーザー"])
    func xmlNamesAreAccepted(_ name: String) {
        var profile = Self.reference
        profile.rootElement = name
        #expect(ProfileRules.problems(in: profile) == [])
    }

    @Test func aPurgeAtExpiryAndAZeroExpiryAreAllowed() {
        var profile = Self.reference
        profile.expiryMonths = 0
        profile.purgeMonths = 0
        profile.preflight = .init(maxLeftOutPercent: 100)
        #expect(ProfileRules.problems(in: profile) == [])
    }

    /// The reference profile's JSON with one value replaced, given as JSON text.
    static func json(replacing path: [Any], with value: String) throws -> Data {
        let data = try JSONEncoder().encode(reference)
        let marker = "__replaced__"
        func replace(_ tree: Any, _ path: ArraySlice<Any>) -> Any {
            guard let key = path.first else { return marker }
            if let index = key as? Int, var list = tree as? [Any] {
                list[index] = replace(list[index], path.dropFirst())
                return list
            }
            var object = tree as! [String: Any]
            object[key as! String] = replace(object[key as! String] ?? [String: Any](), path.dropFirst())
            return object
        }
        let tree = replace(try JSONSerialization.jsonObject(with: data), path[...])
        let text = String(decoding: try JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys]), as: UTF8.self)
        return Data(text.replacingOccurrences(of: "\"\(marker)\"", with: value).utf8)
    }

    static let undecodable: [([String], String, String)] = [
        (["expiryMonths"], "1.5", "expiryMonths: expected an integer, found 1.5"),
        (["purgeMonths"], "1e30", "purgeMonths: expected an integer, found 1e+30"),
        (["expiryMonths"], "\"6\"", "expiryMonths: expected an integer, found a string \"6\""),
        (["history", "fullLoadEveryDays"], "7.25", "history.fullLoadEveryDays: expected an integer, found 7.25"),
        (["preflight", "maxLeftOutPercent"], "\"five\"", "preflight.maxLeftOutPercent: expected a number, found a string \"five\""),
        (["rootElement"], "null", "rootElement: expected a string, found null"),
        (["patronTypes", "1", "clearGender"], "\"no\"", "patronTypes[1].clearGender: expected true or false, found a string \"no\""),
        (["patronTypes", "0", "columns", "email"], "42", "patronTypes[0].columns.email: expected a string, found 42"),
        (["patronTypes", "1", "address", "line1"], "5", "patronTypes[1].address.line1: expected a column name or a value rule ({\"value\": \"…\"}, {\"firstNonEmpty\": […]}, …), found 5"),
        (["patronTypes", "0", "address", "line3"], "{\"text\": \"MIT\"}", "patronTypes[0].address.line3: \"text\" is not a value rule key (a value rule has one of column, value, template, firstNonEmpty, lookup, rules; with transform or emptyValues)"),
        (["history", "leavers"], "\"delete\"", "history.leavers: Cannot initialize LeaverPolicy from invalid String value delete"),
    ]

    @Test(arguments: undecodable)
    func aValueOfTheWrongKindNamesItsPath(_ path: [String], _ value: String, _ expected: String) throws {
        let data = try Self.json(replacing: path.map { (Int($0).map { $0 as Any }) ?? ($0 as Any) }, with: value)
        #expect(throws: ProfileProblem.self) { try ProfileDecoding.decode(data) }
        do {
            _ = try ProfileDecoding.decode(data)
        } catch {
            #expect("\(error)" == expected)
        }
    }

    @Test func twoNumbersWhereIntegersBelongNameOneOfThem() throws {
        var text = String(decoding: try Self.json(replacing: ["expiryMonths"], with: "2.5"), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"purgeMonths\":30", with: "\"purgeMonths\":30.5")
        #expect(text.contains("30.5"))
        do {
            _ = try ProfileDecoding.decode(Data(text.utf8))
            Issue.record("decoded a profile with 2.5 months")
        } catch {
            #expect(["expiryMonths: expected an integer, found 2.5", "purgeMonths: expected an integer, found 30.5"].contains("\(error)"))
        }
    }

    @Test func aMissingKeyAndBrokenJSONAreNamed() throws {
        var object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(Self.reference)) as! [String: Any]
        var types = object["patronTypes"] as! [[String: Any]]
        types[1]["columns"] = (types[1]["columns"] as! [String: Any]).filter { $0.key != "barcode" }
        object["patronTypes"] = types
        let missing = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: ProfileProblem("patronTypes[1].columns.barcode", "is missing")) { try ProfileDecoding.decode(missing) }
        #expect(throws: ProfileProblem("", "is not valid JSON (Invalid value around character 29.)")) {
            try ProfileDecoding.decode(Data(#"{"name": "x", "rootElement": }"#.utf8))
        }
    }

    /// The one line an operator sees, and the exit code, for a profile that would write wrong files.
    @Test func theCommandRefusesTheProfileWithOneLineAndExitCode2() async throws {
        let directory = TemporaryDirectory()
        let data = try Self.json(replacing: ["rootElement"], with: "\"user records\"")
        try data.write(to: directory.appending("profile.json"))
        let result = try await Executable.runWithoutBlocking("patronload", ["--warehouse", "sqlite:w.sqlite", "--profile", "profile.json"], in: directory.url)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("patronload: The profile /"))
        #expect(result.stderr.hasSuffix("/profile.json is not valid: rootElement: \"user records\" is not an XML element name (letters, digits, -, _ and ., starting with a letter or _); Alma's schema names users\n"))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["profile.json"])
    }
}
