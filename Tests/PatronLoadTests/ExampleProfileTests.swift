import DemoWarehouse
import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// The example profiles in examples/profiles/, each over the demo warehouse shape of its name:
/// a load writes what their rules say for the hand-written people at the head of each table
/// (so the rules are proven, not only schema-valid), every file passes Alma's schema, and
/// `check-profile` finds nothing wrong with the profile against its warehouse.
@Suite struct ExampleProfileTests {
    static func profileURL(_ shape: DemoShape) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/profiles/\(shape.rawValue)/profile.json").standardized
    }

    struct Load {
        let directory: TemporaryDirectory
        let warehouse: String
        let summary: RunSummary

        /// The users of a type by primary_id.
        func users(_ type: String) throws -> [String: UserXMLReader.ParsedUser] {
            Dictionary(uniqueKeysWithValues: try HistoryTests.users(summary, type: type).map { ($0.fields["primary_id"]!, $0) })
        }
    }

    /// The shape generated into a temporary SQLite file and loaded with its profile on the
    /// tests' fixed day, 2026-11-22.
    static func load(_ shape: DemoShape, staff: Int = 60, students: Int = 90) async throws -> Load {
        let directory = TemporaryDirectory()
        let warehouse = directory.appending("\(shape.rawValue).sqlite").path
        try DemoWarehouseWriter.writeSQLite(shape.tables(staff: staff, students: students, seed: 2026), to: warehouse)
        let profile = try LoadedProfile.load(from: profileURL(shape))
        let (summary, _) = await LoadJobTests.run(LoadJobTests.configuration(warehouse: warehouse, output: directory.appending("out"), profile: profile))
        if XMLLint.isAvailable {
            let alma = try #require(XMLLint.almaSchema, "Alma's rest_users.xsd: set ALMA_XSD_DIR")
            #expect(try XMLLint.almaProblems(in: summary, schema: alma, scratch: directory) == [], "Alma's schema")
        }
        return Load(directory: directory, warehouse: warehouse, summary: summary)
    }

    @Test func singleViewLoadsTheEligibleWithGroupsStatusAndDatesFromTheView() async throws {
        let load = try await Self.load(.singleView)
        #expect(load.summary.outcome == .delivered, "\(load.summary.outcome)")
        let counts = try #require(load.summary.types.first)
        #expect(counts.patronType == "patron" && counts.excludedByRule > 0 && counts.leftOut == 0 && counts.isBalanced, "\(counts)")
        let users = try load.users("patron")
        #expect(users.count == counts.written)

        let law = try #require(users["avega1@hvu.example"])
        #expect(law.fields["user_group"] == "LAW", "DEGREE JD: the first rule, though the career is GRAD")
        #expect(law.emails == ["avega1@hvu.example"], "no campus email: the template")
        #expect(law.fields["expiry_date"] == "2028-05-15Z" && law.fields["purge_date"] == "2029-05-15Z", "expected graduation, purge a year later")
        #expect(law.fields["status"] == "ACTIVE" && law.fields["statistic_category"] == "LAW")

        let held = try #require(users["bokafor2@hvu.example"]?.fields)
        #expect(held["user_group"] == "FACULTY" && held["status"] == "INACTIVE" && held["status_date"] == "2026-11-22Z")
        #expect(held["expiry_date"] == "2029-06-30Z" && held["statistic_category"] == "SCI")
        #expect(users["bokafor2@hvu.example"]?.emails == ["bisi.okafor@hvu.example"])

        #expect(users["cnoel3@hvu.example"] == nil, "LIBRARY_ELIGIBLE N")
        #expect(users["dlin4@hvu.example"]?.fields["user_group"] == "UGRAD")
        #expect(users["dlin4@hvu.example"]?.fields["expiry_date"] == "2027-11-22Z", "no graduation date: twelve months")
        let ended = try #require(users["efischer5@hvu.example"]?.fields, "eligible y, in lower case")
        #expect(ended["user_group"] == "STAFF" && ended["status"] == "INACTIVE" && ended["expiry_date"] == "2026-10-31Z")
        #expect(users["fnakamura6@hvu.example"]?.fields["user_group"] == "GRAD")
        #expect(users["fnakamura6@hvu.example"]?.fields["statistic_category"] == "OTHER", "a department the table lacks")
        #expect(users["gbrandt7@hvu.example"]?.fields["user_group"] == "AFFIL", "no rule: the AFFILIATION column's table")
    }

    @Test func consortiumMemberLoadsGroupExpiryTermsFillInsAndFallbackAddresses() async throws {
        let load = try await Self.load(.consortiumMember)
        #expect(load.summary.outcome == .delivered, "\(load.summary.outcome)")
        #expect(load.summary.types.map(\.patronType) == ["employee", "student"])
        #expect(load.summary.types.allSatisfy { $0.leftOut == 0 && $0.isBalanced }, "\(load.summary.types)")

        let employees = try load.users("employee")
        let harper = try #require(employees["mharper@cpc.example"]?.fields)
        #expect(harper["first_name"] == "Mary" && harper["user_group"] == "FACULTY")
        #expect(harper["user_title"] == "Professor of History" && harper["job_category"] == "Professor")
        #expect(harper["expiry_date"] == "2028-11-22Z" && harper["purge_date"] == "2029-05-21Z", "faculty: 24 months, purge 180 days later")
        let reyes = try #require(employees["jreyes@cpc.example"])
        #expect(reyes.emails == ["jo.reyes@mailbox.example"], "work email NONE: the personal one")
        #expect(reyes.fields["email_type"] == "personal" && harper["email_type"] == "work", "typed by the address's domain")
        #expect(reyes.fields["user_title"] == nil && reyes.fields["job_category"] == "Staff", "title NONE: left out, and the fill-in")
        #expect(reyes.identifiers["BARCODE"] == nil && reyes.fields["expiry_date"] == "2027-06-30Z")
        let emeritus = try #require(employees["okwame@cpc.example"]?.fields)
        #expect(emeritus["first_name"] == "Kwame" && emeritus["user_group"] == "EMERITUS" && emeritus["expiry_date"] == "2030-06-30Z")
        #expect(emeritus["user_title"] == nil, "a title of one space")
        let temporary = try #require(employees["tpark@cpc.example"]?.fields)
        #expect(temporary["user_group"] == "TEMP" && temporary["expiry_date"] == "2027-02-22Z" && temporary["job_category"] == "Library")
        #expect(temporary["country"] == "USA", "a fixed country")

        let students = try load.users("student")
        let patel = try #require(students["kpatel@cpc.example"])
        #expect(patel.emails == ["kavya.p@mailbox.example"], "campus email NONE: the home one")
        #expect(patel.fields["line1"] == "14 Elm Hall" && patel.fields["state_province"] == "IA")
        #expect(patel.fields["expiry_date"] == "2026-12-20Z", "the next term end after 2026-11-22")
        #expect(patel.fields["country"] == "USA" && patel.fields["postal_code"] == "52241", "the local address, in the US")
        #expect(patel.fields["statistic_category"] == nil, "the country is the address's, no longer a statistic")
        let gagnon = try #require(students["lgagnon@cpc.example"]?.fields)
        #expect(gagnon["line1"] == "44 rue Sainte-Catherine" && gagnon["city"] == "Montréal" && gagnon["state_province"] == "QC", "no local address: permanent, province for state")
        #expect(gagnon["user_group"] == "GRAD" && gagnon["expiry_date"] == "2027-08-31Z" && gagnon["country"] == "CAN")
        #expect(gagnon["postal_code"] == "H2X 1K4")
        let flores = try #require(students["mflores@cpc.example"]?.fields)
        #expect(flores["first_name"] == "María" && flores["line1"] == "Av. Juárez 120" && flores["state_province"] == "Jalisco")
        #expect(flores["user_group"] == "CONTED" && flores["expiry_date"] == "2027-03-22Z" && flores["country"] == "MEX")
        let andersen = try #require(students["aandersen@cpc.example"]?.fields)
        #expect(andersen["line1"] == "3 Birch Hall" && andersen["country"] == "USA", "a local address: its country, not the permanent one's")
    }

    @Test func twoFeedsMergedWritesAStudentEmployeeOnceWithRuleGroupsAndFallbackAddresses() async throws {
        let load = try await Self.load(.twoFeedsMerged)
        #expect(load.summary.outcome == .delivered, "\(load.summary.outcome)")
        #expect(load.summary.types.map(\.patronType) == ["employee", "student"])
        #expect(load.summary.types.allSatisfy { $0.leftOut == 0 && $0.isBalanced }, "\(load.summary.types)")
        #expect(load.summary.counts(for: "employee")?.mergedInto == ["student": 1], "the student employee only")

        let employees = try load.users("employee")
        let okoroUser = try #require(employees["aokoro1@riverbend.example"])
        let okoro = okoroUser.fields
        #expect(okoro["user_group"] == "FACULTY" && okoro["email_type"] == "work" && okoro["country"] == "USA")
        #expect(okoroUser.addresses == ["12 Science Hall", "5 Pine St"], "the office, then the home address from segments")
        #expect(okoroUser.identifiers["NETID"] == "aokoro1")
        #expect(employees["cdiaz3@riverbend.example"]?.addresses == ["9 Birch Ln"], "no office: home is the address, and no second one")
        let diaz = try #require(employees["cdiaz3@riverbend.example"]?.fields)
        #expect(diaz["user_group"] == "PARTTIME", "staff below half time: the rule over job code and FTE")
        #expect(diaz["line1"] == "9 Birch Ln" && diaz["city"] == "Albany" && diaz["postal_code"] == "97321", "an office street of one space: home")
        #expect(employees["bsato2@riverbend.example"] == nil, "written once, as a student")

        let students = try load.users("student")
        let lee = try #require(students["dlee1@riverbend.example"]?.fields)
        #expect(lee["user_group"] == "LAW", "a JD in the graduate career")
        #expect(students["dlee1@riverbend.example"]?.addresses == ["4 Law Commons", "300 Main St"], "the dorm, then the permanent address")
        #expect(lee["expiry_date"] == "2027-11-22Z")
        let sato = try #require(students["bsato2@riverbend.example"])
        #expect(sato.fields["user_group"] == "UNDERGRAD" && sato.fields["first_name"] == "Benjamin", "the student record wins")
        #expect(sato.fields["expiry_date"] == "2026-12-15Z")
        #expect(sato.emails == ["bsato2@riverbend.example", "ben.sato@mailbox.example"], "the HR email added after the student's")
        #expect(sato.phones == ["541-555-0102"], "the student has none: the HR phone")
        #expect(sato.addresses == ["18 River Hall", "1200 Elm St", "77 Alder Ave"], "dorm, permanent, then the HR home address the merge adds")
        #expect(sato.identifiers["NETID"] == "bsato2", "one NETID: both rows give the same, written once")
        #expect(students["efox3@riverbend.example"]?.addresses == ["42 Cedar Rd"], "no dorm: the permanent address is the address, once")
        let fox = try #require(students["efox3@riverbend.example"]?.fields)
        #expect(fox["line1"] == "42 Cedar Rd" && fox["city"] == "Eugene" && fox["user_group"] == "UNDERGRAD", "no dorm: the permanent address")
    }

    @Test(arguments: [DemoShape.singleView, .consortiumMember, .twoFeedsMerged])
    func checkProfileFindsNothingWrongAndTheSchemaAccepts(shape: DemoShape) async throws {
        let directory = TemporaryDirectory()
        let warehouse = directory.appending("warehouse.sqlite").path
        try DemoWarehouseWriter.writeSQLite(shape.tables(staff: 5, students: 5, seed: 1), to: warehouse)
        let result = try await Executable.runWithoutBlocking("patronload", ["check-profile", "--warehouse", "sqlite:\(warehouse)", "--profile", Self.profileURL(shape).path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let schema = try await ProfileSchemaTests.validate(Self.profileURL(shape))
        #expect(schema.status == 0, "\(schema.message)")
    }

    @Test func explainSaysWhyAnIneligiblePersonIsNotLoaded() async throws {
        let directory = TemporaryDirectory()
        let warehouse = directory.appending("warehouse.sqlite").path
        try DemoWarehouseWriter.writeSQLite(DemoShape.singleView.tables(staff: 5, students: 5, seed: 1), to: warehouse)
        let result = try await Executable.runWithoutBlocking("patronload", ["explain", "700000003", "--warehouse", "sqlite:\(warehouse)",
                                                                            "--profile", Self.profileURL(.singleView).path, "--as-of", "2026-11-22"])
        #expect(result.stdout.contains("excluded by the profile's rows rules: patronTypes[0].rows.include"), "\(result.stdout)\(result.stderr)")
    }

    @Test func theSameSeedGivesTheSameTables() {
        for shape in DemoShape.allCases {
            let first = shape.tables(staff: 30, students: 30, seed: 7)
            let again = shape.tables(staff: 30, students: 30, seed: 7)
            let other = shape.tables(staff: 30, students: 30, seed: 8)
            #expect(first.map { Array($0.rows) } == again.map { Array($0.rows) }, "\(shape)")
            #expect(first.map { Array($0.rows) } != other.map { Array($0.rows) }, "\(shape)")
            #expect(first.allSatisfy { table in table.rows.allSatisfy { $0.count == table.columns.count } }, "\(shape)")
        }
    }
}
