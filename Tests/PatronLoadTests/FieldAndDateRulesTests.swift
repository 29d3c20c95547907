import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// A patron type's `fields`, `expiry` and `purge` rules, end to end: a load over the tiny
/// warehouse writes what the rules say (valid against Alma's schema), `explain` names the rule
/// behind each field and date, and `check-profile` the columns and lookup columns they lack.
@Suite struct FieldAndDateRulesTests {
    static let staffFields = #"""
    {
      "lastName": {"rules": [{"when": {"column": "LEGAL_LAST_NAME", "empty": true}, "then": {"value": "UNKNOWN"}}],
                   "otherwise": {"column": "LEGAL_LAST_NAME", "transform": ["upper"]}},
      "email": {"template": "{KRB_NAME_UPPERCASE}@MIT.EDU", "transform": ["lower"]},
      "userTitle": {"lookup": {"table": "titles.csv", "key": {"column": "POSITION_TITLE"}, "column": "code"}},
      "jobCategory": {"column": "POSITION_TITLE", "emptyValues": ["NONE"], "transform": ["firstWord"]},
      "campusCode": {"value": "MAIN"},
      "status": {"rules": [{"when": {"column": "APPOINTMENT_END_DATE", "before": "today"}, "then": {"value": "INACTIVE"}}]},
      "birthDate": {"column": "BIRTH_DATE"},
      "gender": {"rules": [{"when": {"column": "LIBRARY_PERSON_TYPE_CODE", "equals": "31"}, "then": {"value": "OTHER"}}]}
    }
    """#

    static let studentFields = #"{"firstName": {"column": "LEGAL_FIRST_NAME", "transform": ["firstWord"]}}"#
    static let titles = "title,code,desc\nProfessor of Physics,PROF,Professor\nLecturer,LECT,Lecturer\n"
    static let staffQuery = ("ORG_UNIT_TITLE FROM LIBRARY_EMPLOYEE", "ORG_UNIT_TITLE, APPOINTMENT_END_DATE, POSITION_TITLE, DIRECTORY_TITLE AS BIRTH_DATE FROM LIBRARY_EMPLOYEE")

    static let staffAddress = #"{"line1": "OFFICE_ADDRESS", "line1Default": "NO ADDRESS ON FILE IN DATA WAREHOUSE", "line3": {"value": "MIT"}, "postalCode": {"value": "00000"}, "startDate": "today", "endDate": "expiry"}"#

    static func profile(in directory: TemporaryDirectory) throws -> String {
        try ProfileEdits.file(in: directory, [
            0: ["fields": staffFields, "expiry": #"{"column": "APPOINTMENT_END_DATE", "otherwise": {"nextOf": ["06-30"]}}"#, "purge": #"{"afterExpiryDays": 90}"#,
                "statusDate": #""today""#, "address": Self.staffAddress],
            1: ["fields": studentFields, "expiry": #"{"byUserGroup": {"31": {"nextOf": ["10-20", "01-31", "04-25"]}, "32": {"months": 12}}, "otherwise": {"months": 6}}"#],
        ], edits: [staffQuery], tables: ["titles.csv": titles])
    }

    static func warehouse(in directory: TemporaryDirectory) throws -> TinyWarehouse {
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.update("staff", login: "S1", ["POSITION_TITLE": "Professor of Physics", "APPOINTMENT_END_DATE": "2027-08-31 00:00:00", "DIRECTORY_TITLE": "1980-02-29"])
        try warehouse.update("staff", login: "S2", ["POSITION_TITLE": "NONE", "APPOINTMENT_END_DATE": "2026-11-01", "LEGAL_LAST_NAME": " "])
        try warehouse.update("staff", login: "S3", ["POSITION_TITLE": "Janitor", "LIBRARY_PERSON_TYPE_CODE": "31", "DIRECTORY_TITLE": "not a date"])
        try warehouse.update("student", login: "T1", ["STUDENT_YEAR": "G", "LEGAL_FIRST_NAME": "Mary Ann"])
        return warehouse
    }

    @Test func aLoadWritesWhatTheRulesSayAndAlmasSchemaAcceptsIt() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.warehouse(in: directory)
        let profile = try LoadedProfile.load(from: URL(fileURLWithPath: try Self.profile(in: directory)))
        let output = directory.appending("out")
        let (summary, _) = await LoadJobTests.run(LoadJobTests.configuration(warehouse: warehouse.path, output: output, profile: profile))
        #expect(summary.outcome == .delivered)
        #expect(summary.types.map(\.written) == [10, 10])

        let staff = Dictionary(uniqueKeysWithValues: try HistoryTests.users(summary, type: "staff").map { ($0.fields["primary_id"]!, $0) })
        let s1 = try #require(staff["S1@MIT.EDU"]?.fields)
        #expect(s1["last_name"] == "LAST101")
        #expect(staff["S1@MIT.EDU"]?.emails == ["s1@mit.edu"])
        #expect(s1["user_title"] == "PROF" && s1["job_category"] == "Professor" && s1["campus_code"] == "MAIN")
        #expect(s1["status"] == "ACTIVE" && s1["birth_date"] == "1980-02-29Z" && s1["gender"] == "")
        #expect(s1["expiry_date"] == "2027-08-31Z" && s1["purge_date"] == "2027-11-29Z")
        #expect(s1["status_date"] == "2026-11-22Z" && s1["start_date"] == "2026-11-22Z" && s1["end_date"] == "2027-08-31Z")
        let s2 = try #require(staff["S2@MIT.EDU"]?.fields)
        #expect(s2["last_name"] == "UNKNOWN" && s2["status"] == "INACTIVE")
        #expect(s2["job_category"] == nil && s2["user_title"] == nil, "NONE is empty: no element")
        #expect(s2["expiry_date"] == "2026-11-01Z", "the column's day, though past")
        let s3 = try #require(staff["S3@MIT.EDU"]?.fields)
        #expect(s3["gender"] == "OTHER" && s3["user_title"] == nil && s3["job_category"] == "Janitor" && s3["birth_date"] == nil)
        #expect(s3["expiry_date"] == "2027-06-30Z", "no appointment end: the next June 30")
        #expect(s3["purge_date"] == "2027-09-28Z")

        let students = Dictionary(uniqueKeysWithValues: try HistoryTests.users(summary, type: "student").map { ($0.fields["primary_id"]!, $0.fields) })
        #expect(students["T0@MIT.EDU"]?["expiry_date"] == "2027-01-31Z", "group 31: the next term end after 2026-11-22")
        #expect(students["T1@MIT.EDU"]?["expiry_date"] == "2027-11-22Z" && students["T1@MIT.EDU"]?["first_name"] == "Mary")
        #expect(students["T0@MIT.EDU"]?["purge_date"] == "2029-05-22Z", "purgeMonths, as without rules")
        #expect(students["T0@MIT.EDU"]?["user_title"] == nil && students["T0@MIT.EDU"]?["status"] == "ACTIVE")
        #expect(students["T0@MIT.EDU"]?["status_date"] == nil && students["T0@MIT.EDU"]?["start_date"] == nil)

        if XMLLint.isAvailable, let alma = XMLLint.almaSchema {
            #expect(try XMLLint.almaProblems(in: summary, schema: alma, scratch: directory) == [], "Alma's schema")
        }
    }

    @Test func explainNamesTheRuleBehindEachFieldAndDate() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.warehouse(in: directory)
        let path = try Self.profile(in: directory)
        let result = try await Executable.runWithoutBlocking("patronload", ["explain", "S2", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path, "--as-of", "2026-11-22"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        for line in [
            "  lastName: patronTypes[0].fields.lastName.rules[0]",
            "  email: patronTypes[0].fields.email",
            "  userTitle: patronTypes[0].fields.userTitle (default)",
            "  status: patronTypes[0].fields.status.rules[0]",
            "  birthDate: patronTypes[0].fields.birthDate",
            "  gender: patronTypes[0].fields.gender (no rule matched)",
            "  expiryDate: patronTypes[0].expiry.column",
            "  purgeDate: patronTypes[0].purge",
        ] {
            #expect(lines.contains(line), "\(line) in \(result.stdout)")
        }
        let student = try await Executable.runWithoutBlocking("patronload", ["explain", "T1", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path, "--as-of", "2026-11-22"])
        #expect(student.stdout.contains("  expiryDate: patronTypes[1].expiry.byUserGroup.32\n"), "\(student.stdout)")
    }

    @Test func checkProfileNamesTheColumnsAndLookupColumnsRulesLack() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let path = try ProfileEdits.file(in: directory, [0: [
            "fields": #"{"email": {"template": "{KRB_NAME}@MIT.EDU"}, "userTitle": {"lookup": {"table": "titles.csv", "key": {"column": "MIT_ID"}, "column": "label"}}, "jobCategory": {"lookup": {"table": "jobs.csv", "key": {"column": "MIT_ID"}}}}"#,
            "expiry": #"{"column": "END_DATE"}"#,
        ]], tables: ["titles.csv": Self.titles])
        let result = try await Executable.runWithoutBlocking("patronload", ["check-profile", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path])
        #expect(result.status == 2)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("patronTypes[0].fields.email.template: the staff query returns no column KRB_NAME (it returns: MIT_ID,") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("patronTypes[0].expiry.column: the staff query returns no column END_DATE") }, "\(lines)")
        #expect(lines.contains("patronTypes[0].fields.userTitle.lookup.column: titles.csv has no column label (its header: title, code, desc)"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("patronTypes[0].fields.jobCategory.lookup.table: cannot read ") }, "\(lines)")
        #expect(lines.count == 4, "\(lines)")
    }

    /// `fields.userGroupDesc` gives the user group's desc whichever source gave the code; empty,
    /// the source's own desc stays (staff: LIBRARY_PERSON_TYPE); no code, no desc.
    @Test(arguments: [
        (["LIBRARY_PERSON_TYPE_CODE": "12", "LIBRARY_PERSON_TYPE": "Staff", "ORG_UNIT_TITLE": "Support Staff"], "12", "Support Staff"),
        (["LIBRARY_PERSON_TYPE_CODE": "12", "LIBRARY_PERSON_TYPE": "Staff", "ORG_UNIT_TITLE": nil], "12", "Staff"),
        (["LIBRARY_PERSON_TYPE_CODE": nil, "LIBRARY_PERSON_TYPE": nil, "ORG_UNIT_TITLE": "Orphan"], "", ""),
    ] as [([String: String?], String, String?)])
    func theUserGroupDescComesFromItsRule(values: [String: String?], code: String, desc: String?) throws {
        let data = try ProfileEdits.data([0: ["fields": #"{"userGroupDesc": {"column": "ORG_UNIT_TITLE"}}"#]])
        let profile = LoadedProfile(profile: try ProfileDecoding.decode(data), lookups: Fixtures.profile.lookups, source: "test")
        let (columns, row) = Fixtures.staffRow(values)
        let mapper = try PatronMapper(profile: profile, patronType: profile.profile.patronTypes[0], columns: columns, today: Fixtures.dates.today)
        guard case .record(let record) = mapper.map(row) else { Issue.record("expected a record"); return }
        #expect(record.userGroup == CodeValue(code, desc: desc))
    }
}
