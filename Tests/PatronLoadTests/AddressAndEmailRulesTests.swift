import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// Address fields given as value rules (with the address's country), and the email's type by
/// rule: read as before for the plain forms, written as the rules say (valid against Alma's
/// schema), named by `explain` and checked by `check-profile`.
@Suite struct AddressAndEmailRulesTests {
    /// A column, a fixed value and a rule; the first two write back exactly as they were read.
    @Test func plainFormsStayAndOtherRulesAreAccepted() throws {
        let sources = try JSONDecoder().decode([FieldSource].self, from: Data(#"["X", {"value": "MIT"}, {"firstNonEmpty": [{"column": "A"}, {"column": "B"}]}, {"value": " x ", "transform": ["trim"]}]"#.utf8))
        #expect(sources[0] == .column("X") && sources[1] == .value("MIT"))
        #expect(sources[2] == .rule(ValueRule(.firstNonEmpty([ValueRule(.column("A")), ValueRule(.column("B"))]))))
        #expect(sources[3] == .rule(ValueRule(.value(" x "), transforms: [.trim])))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(Array(sources.prefix(2))), as: UTF8.self) == #"["X",{"value":"MIT"}]"#)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(FieldSource.self, from: Data(#"{"colum": "A"}"#.utf8)) }
    }

    @Test(arguments: [
        (#"{"line1": {"firstNonEmpty": [{"column": "A"}, "B"]}, "line1Default": "x"}"#, false),
        (#"{"line1": {"firstNonEmpty": [{"column": "A"}, {"column": "B"}]}, "line1Default": "x", "country": {"lookup": {"table": "c.csv", "key": {"column": "C"}}}}"#, true),
        (#"{"line1": "A", "line1Default": "x", "city": {"value": "Cambridge"}, "country": "C"}"#, true),
        (#"{"line1": "A", "line1Default": "x", "country": {"colum": "C"}}"#, false),
        (#"{"line1": "A", "line1Default": "x", "county": "C"}"#, false),
    ])
    func theSchemaDescribesAddressRules(address: String, valid: Bool) async throws {
        let result = try await ProfileSchemaTests.validate(try ProfileEdits.data([1: ["address": address]]))
        #expect((result.status == 0) == valid, "\(result.message)")
    }

    @Test func aMalformedAddressRuleIsAProblemWithItsPath() throws {
        let problems = try ProfileEdits.problems(type: ["address": #"{"line1": {"template": "no column"}, "line1Default": "x"}"#])
        #expect(problems.contains { $0.hasPrefix("patronTypes[0].address.line1.template: names no column") }, "\(problems)")
    }

    /// A record with a country or an email type reads back whole; one without keeps the 29
    /// fields of a record file written before them.
    @Test func countryAndEmailTypeTravelInTheRecordFile() throws {
        var record = try Fixtures.record("staff", [:])
        record.details = .init(status: "ACTIVE")
        #expect(record.serialized().bytes.filter { $0 == 0x09 }.count == 28)
        var typed = record
        typed.details?.country = "CAN"
        typed.details?.emailType = "work"
        #expect(PatronRecord(serialized: typed.serialized().bytes[...]) == typed)
        #expect(PatronRecord(serialized: record.serialized().bytes[...]) == record)
        #expect(PatronRecord.changedGroups(record.serialized().fieldHashes, typed.serialized().fieldHashes).map(\.label) == ["email", "address"])
        // One of the later details alone changes its own group only.
        for (change, group) in [({ (d: inout PatronRecord.Details) in d.emailType = "work" }, "email"),
                                ({ (d: inout PatronRecord.Details) in d.country = "CAN" }, "address"),
                                ({ (d: inout PatronRecord.Details) in d.enrollmentDate = "2025-09-01" }, "other fields")] {
            var one = record
            change(&one.details!)
            #expect(PatronRecord.changedGroups(record.serialized().fieldHashes, one.serialized().fieldHashes).map(\.label) == [group])
        }
    }

    static let studentAddress = #"""
    {"line1": {"firstNonEmpty": [{"column": "TERM_STREET1"}, {"column": "TERM_STREET2"}]}, "line1Default": "NO ADDRESS",
     "city": {"column": "TERM_CITY", "emptyValues": ["NONE"], "transform": ["upper"]},
     "country": {"lookup": {"table": "countries.csv", "key": {"column": "TERM_STATE"}, "column": "code", "default": "USA"}}}
    """#
    static let staffFields = #"{"emailType": {"rules": [{"when": {"column": "EMAIL_ADDRESS", "matches": ".*@mit\\.edu"}, "then": {"value": "work"}}], "otherwise": {"value": "personal"}}}"#

    static func profile(in directory: TemporaryDirectory) throws -> String {
        try ProfileEdits.file(in: directory, [0: ["fields": staffFields], 1: ["address": studentAddress]],
                              tables: ["countries.csv": "state,code,desc\nON,CAN,Canada\n"])
    }

    static func warehouse(in directory: TemporaryDirectory) throws -> TinyWarehouse {
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.update("staff", login: "S1", ["EMAIL_ADDRESS": "s1@mailbox.example"])
        try warehouse.update("student", login: "T1", ["TERM_STREET1": " ", "TERM_STREET2": "Box 9", "TERM_CITY": "toronto", "TERM_STATE": "ON"])
        try warehouse.update("student", login: "T2", ["TERM_CITY": "NONE"])
        return warehouse
    }

    @Test func aLoadWritesTheRulesAddressAndEmailTypeAndAlmasSchemaAcceptsThem() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.warehouse(in: directory)
        let profile = try LoadedProfile.load(from: URL(fileURLWithPath: try Self.profile(in: directory)))
        let (summary, _) = await LoadJobTests.run(LoadJobTests.configuration(warehouse: warehouse.path, output: directory.appending("out"), profile: profile))
        #expect(summary.outcome == .delivered)

        let staff = Dictionary(uniqueKeysWithValues: try HistoryTests.users(summary, type: "staff").map { ($0.fields["primary_id"]!, $0.fields) })
        #expect(staff["S1@MIT.EDU"]?["email_type"] == "personal", "not the institution's domain")
        #expect(staff["S2@MIT.EDU"]?["email_type"] == "work")
        #expect(staff["S2@MIT.EDU"]?["country"] == nil, "no country rule: no element")
        let students = Dictionary(uniqueKeysWithValues: try HistoryTests.users(summary, type: "student").map { ($0.fields["primary_id"]!, $0.fields) })
        let t1 = try #require(students["T1@MIT.EDU"])
        #expect(t1["line1"] == "Box 9" && t1["city"] == "TORONTO" && t1["country"] == "CAN")
        #expect(t1["email_type"] == profile.profile.codes.emailType.code, "no emailType rule: the code")
        let t2 = try #require(students["T2@MIT.EDU"])
        #expect(t2["line1"]?.hasSuffix(" Main St") == true && t2["city"] == nil && t2["country"] == "USA", "NONE is empty; the lookup's default")

        if XMLLint.isAvailable {
            let alma = try #require(XMLLint.almaSchema, "Alma's rest_users.xsd: set ALMA_XSD_DIR")
            #expect(try XMLLint.almaProblems(in: summary, schema: alma, scratch: directory) == [], "Alma's schema")
        }
    }

    @Test(arguments: [
        ("S1", "  emailType: patronTypes[0].fields.emailType.otherwise"),
        ("T1", "  address.line1: patronTypes[1].address.line1.firstNonEmpty[1]"),
        ("T1", "  address.country: patronTypes[1].address.country"),
    ])
    func explainNamesTheEmailTypeAndAddressRules(id: String, line: String) async throws {
        let directory = TemporaryDirectory()
        let arguments = ["explain", id, "--warehouse", "sqlite:\(try Self.warehouse(in: directory).path)",
                         "--profile", try Self.profile(in: directory), "--as-of", "2026-11-22"]
        let result = try await Executable.runWithoutBlocking("patronload", arguments)
        #expect(result.stdout.split(separator: "\n").contains(Substring(line)), "\(result.stdout)\(result.stderr)")
    }

    @Test func checkProfileNamesTheColumnsAddressRulesLack() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let path = try ProfileEdits.file(in: directory, [1: [
            "address": #"{"line1": "TERM_STREET1", "line1Default": "x", "city": {"firstNonEmpty": [{"column": "TERM_CITY"}, {"column": "HOME_CITY"}]}}"#,
        ]])
        let result = try await Executable.runWithoutBlocking("patronload", ["check-profile", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path])
        #expect(result.status == 2)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("patronTypes[1].address.city.firstNonEmpty[1].column: the student query returns no column HOME_CITY") }, "\(lines)")
        #expect(lines.count == 1, "\(lines)")
    }
}
