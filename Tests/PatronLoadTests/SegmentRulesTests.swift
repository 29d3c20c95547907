import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// A type's `segments`: further addresses, emails, phones, identifiers, statistics, notes and
/// roles, each element with its own condition; written in Alma's schema, carried in the record
/// file, compared with the last run group by group, and further identifiers checked for clashes.
@Suite struct SegmentRulesTests {
    static let studentSegments = #"""
    {"addresses": [{"when": {"column": "STUDENT_YEAR", "in": ["1", "2", "3", "4", "U"]}, "type": "home",
                    "line1": "TERM_STREET2", "city": {"value": "Springfield"}, "startDate": "today", "endDate": "expiry", "note": "Permanent"}],
     "emails": [{"address": {"template": "{KRB_NAME_UPPERCASE}@alum.example.edu", "transform": ["lower"]}, "type": "personal"},
                {"address": "EMAIL_ADDRESS", "type": "school"}],
     "phones": [{"number": "TERM_PHONE2",
                 "type": {"rules": [{"when": {"column": "TERM_PHONE2", "matches": "617.*"}, "then": {"value": "office"}}], "otherwise": {"value": "mobile"}}}],
     "identifiers": [{"type": "NETID", "value": {"column": "KRB_NAME_UPPERCASE", "transform": ["lower"]}}],
     "statistics": [{"category": "STUDENT_YEAR", "desc": {"value": "Year"}, "categoryType": "YEAR"}],
     "notes": [{"when": {"column": "STUDENT_YEAR", "equals": "G"}, "type": "OTHER",
                "text": {"template": "Graduate student, department {HOME_DEPARTMENT}"}, "userViewable": true}],
     "roles": [{"type": "200", "scope": {"rules": [{"when": {"column": "HOME_DEPARTMENT", "equals": "6"}, "then": {"value": "01MIT_ENG"}}]}}]}
    """#

    static func warehouse(in directory: TemporaryDirectory) throws -> TinyWarehouse {
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.update("student", login: "T1", ["TERM_STREET2": "12 Elm St", "TERM_PHONE1": "6170000001", "TERM_PHONE2": "6175551234", "HOME_DEPARTMENT": "6"])
        try warehouse.update("student", login: "T2", ["STUDENT_YEAR": "G", "TERM_STREET2": "3 Oak Ave", "TERM_PHONE1": "6170000002", "TERM_PHONE2": "555 0101", "HOME_DEPARTMENT": "18"])
        return warehouse
    }

    /// The `<user>` element of `primaryID` in the run's zips of `type`.
    static func userXML(_ summary: RunSummary, type: String, primaryID: String) throws -> String {
        for zip in summary.zips where zip.patronType == type {
            let path = summary.delivered.first { $0.name == zip.fileName }?.location ?? zip.path
            let archive = try ZipArchiveReader(path: path)
            for entry in archive.entries {
                let text = String(decoding: try archive.data(of: entry), as: UTF8.self)
                if let user = text.components(separatedBy: "<user>").first(where: { $0.contains("<primary_id>\(primaryID)</primary_id>") }) {
                    return "<user>" + user
                }
            }
        }
        throw ConfigurationError("no user \(primaryID)")
    }

    @Test func aLoadWritesEverySegmentKindAndBothSchemasAcceptThem() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.warehouse(in: directory)
        let path = try ProfileEdits.file(in: directory, [1: ["segments": Self.studentSegments]])
        let profile = try LoadedProfile.load(from: URL(fileURLWithPath: path))
        let (summary, _) = await LoadJobTests.run(LoadJobTests.configuration(warehouse: warehouse.path, output: directory.appending("out"), profile: profile))
        #expect(summary.outcome == .delivered)

        let t1 = try Self.userXML(summary, type: "student", primaryID: "T1@MIT.EDU")
        // The type's own address stays first and preferred; the further one follows, not preferred.
        #expect(t1.contains(#"<address preferred="true" segment_type="External"><line1>201 Main St</line1>"#), "\(t1)")
        #expect(t1.contains(#"<address preferred="false" segment_type="External"><line1>12 Elm St</line1><city>Springfield</city><address_note>Permanent</address_note><start_date>"#), "\(t1)")
        #expect(t1.contains("<address_types><address_type>home</address_type></address_types>"))
        // The alumni email is added; the second is the type's own email again, so it is not repeated.
        #expect(t1.contains(#"<email preferred="false" segment_type="External"><email_address>t1@alum.example.edu</email_address><email_types><email_type>personal</email_type>"#), "\(t1)")
        #expect(t1.components(separatedBy: "<email_address>t1@mit.edu</email_address>").count == 2, "the type's email once")
        #expect(t1.contains(#"<phone preferred="false" preferred_sms="false" segment_type="External"><phone_number>617-555-1234</phone_number><phone_types><phone_type desc="Office">office</phone_type>"#), "\(t1)")
        #expect(t1.contains(#"<user_identifier segment_type="External"><id_type>NETID</id_type><value>t1</value><status>ACTIVE</status></user_identifier>"#), "\(t1)")
        #expect(t1.contains(#"<user_statistic segment_type="External"><statistic_category desc="Year">2</statistic_category><category_type>YEAR</category_type>"#), "\(t1)")
        #expect(t1.contains("<user_notes/>"), "no note: T1 is not a graduate student")
        #expect(t1.contains("<user_role><status desc=\"Active\">ACTIVE</status><scope>01MIT_ENG</scope><role_type>200</role_type><parameters/></user_role>"), "\(t1)")

        let t2 = try Self.userXML(summary, type: "student", primaryID: "T2@MIT.EDU")
        #expect(t2.components(separatedBy: "<address ").count == 2, "the address's condition does not hold for a graduate student: the type's own only")
        #expect(t2.contains("<phone_number>555 0101</phone_number><phone_types><phone_type>mobile</phone_type>"), "\(t2)")
        #expect(t2.contains(#"<user_notes><user_note segment_type="External"><note_type>OTHER</note_type><note_text>Graduate student, department 18</note_text><user_viewable>true</user_viewable><popup_note>false</popup_note></user_note></user_notes>"#), "\(t2)")
        #expect(t2.components(separatedBy: "<user_role>").count == 2, "no scope for department 18: the profile's role only")

        let t3 = try Self.userXML(summary, type: "student", primaryID: "T3@MIT.EDU")
        #expect(t3.contains("<phones/>"), "no number in any phone column: no phone, not an empty one")
        let staff = try Self.userXML(summary, type: "staff", primaryID: "S1@MIT.EDU")
        #expect(!staff.contains("NETID") && staff.contains("<user_notes/>"), "staff have no segments")

        if XMLLint.isAvailable {
            let alma = try #require(XMLLint.almaSchema, "Alma's rest_users.xsd: set ALMA_XSD_DIR")
            #expect(try XMLLint.almaProblems(in: summary, schema: alma, scratch: directory) == [], "Alma's schema")
            let own = try #require(LoadConfiguration.bundledSchemaPath)
            for delivered in summary.delivered {
                let archive = try ZipArchiveReader(path: delivered.location)
                for entry in archive.entries {
                    let file = directory.appending("own-" + entry.name)
                    try Data(try archive.data(of: entry)).write(to: file)
                    let result = try XMLLint.validate(file: file.path, schema: own)
                    #expect(result.ok, "patronload's schema: \(result.output.suffix(1500))")
                }
            }
        }
    }

    /// A record with segments reads back whole; one without keeps its exact bytes; a segment
    /// changes only its own group in the comparison with the last run.
    @Test func segmentsTravelInTheRecordFileAndChangeOnlyTheirGroup() throws {
        let record = try Fixtures.record("staff", [:])
        #expect(record.segments == nil)
        #expect(record.serialized().bytes.filter { $0 == 0x09 }.count == 20, "a record without segments: 21 fields, as before")
        var segments = PatronRecord.Segments()
        segments.emails = [.init(address: "a@example.edu", type: "personal", preferred: false)]
        var withEmail = record
        withEmail.segments = segments
        #expect(PatronRecord(serialized: withEmail.serialized().bytes[...]) == withEmail)
        #expect(PatronRecord.changedGroups(record.serialized().fieldHashes, withEmail.serialized().fieldHashes).map(\.label) == ["email"])

        var everything = PatronRecord.Segments()
        everything.addresses = [.init(lines: ["1 A St", "", "", "Town", "", "", "USA"], type: "home", preferred: true, note: "n", startDate: .today, endDate: nil)]
        everything.phones = [.init(number: "555", type: "", preferred: false)]
        everything.identifiers = [.init(type: "NETID", value: "x\tz")]
        everything.statistics = [.init(category: "C", desc: "", categoryType: "")]
        everything.notes = [.init(type: "OTHER", text: "line\nbreak \u{1F}unit", userViewable: true, popup: false)]
        everything.roles = [.init(type: "200", scope: "S", status: "")]
        var full = record
        full.segments = everything
        full.details = .init(status: "INACTIVE")
        var decoded = try #require(PatronRecord(serialized: full.serialized().bytes[...]))
        #expect(decoded.segments?.notes.first?.text == "line\nbreak unit", "separators inside a value are dropped")
        decoded.segments?.notes[0].text = "line\nbreak \u{1F}unit"
        #expect(decoded == full)
        for (change, group) in [({ (s: inout PatronRecord.Segments) in s.identifiers = [] }, "identifiers"),
                                ({ (s: inout PatronRecord.Segments) in s.addresses[0].lines[3] = "City" }, "address"),
                                ({ (s: inout PatronRecord.Segments) in s.statistics = [] }, "department"),
                                ({ (s: inout PatronRecord.Segments) in s.phones = [] }, "phones"),
                                ({ (s: inout PatronRecord.Segments) in s.roles[0].scope = "T" }, "other fields")] {
            var changed = full
            change(&changed.segments!)
            #expect(PatronRecord.changedGroups(full.serialized().fieldHashes, changed.serialized().fieldHashes).map(\.label) == [group])
        }
    }

    /// A further identifier is an identifier: another patron holding the same value (as any
    /// identifier or primary_id) is a clash the pre-flight names, with the identifier's type.
    @Test func aFurtherIdentifierThatIsAnotherPatronsBarcodeIsAClash() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.update("staff", login: "S1", ["ORG_UNIT_TITLE": "3203"])
        let path = try ProfileEdits.file(in: directory, [0: ["segments": #"{"identifiers": [{"type": "ALT", "value": {"column": "ORG_UNIT_TITLE", "emptyValues": ["Unknown"]}}]}"#]])
        let profile = try LoadedProfile.load(from: URL(fileURLWithPath: path))
        var configuration = LoadJobTests.configuration(warehouse: warehouse.path, output: directory.appending("out"), profile: profile)
        configuration.maxLeftOutPercent = 20   // one student of ten
        let (summary, _) = await LoadJobTests.run(configuration)
        #expect(summary.outcome == .delivered)
        let lines = summary.preflight
        #expect(lines.contains("student T3@MIT.EDU (institutional ID 203) left out: its barcode 3203 is also the identifier ALT of staff S1@MIT.EDU (institutional ID 101); Alma would refuse it as already taken"), "\(lines)")
        #expect(try HistoryTests.ids(summary, type: "student").contains("T3@MIT.EDU") == false)
        #expect(try Self.userXML(summary, type: "staff", primaryID: "S1@MIT.EDU").contains("<id_type>ALT</id_type><value>3203</value>"))
    }

    @Test(arguments: [
        (#"{"emails": [{"address": "A", "typ": "work"}]}"#, "patronTypes[0].segments.emails[0].typ: is not a profile setting (did you mean type?)"),
        (#"{"notes": [{"type": "OTHER", "text": {"template": "no column"}}]}"#, "patronTypes[0].segments.notes[0].text.template: names no column"),
        (#"{"roles": [{"type": "200", "scope": "S", "when": {"column": "A", "matches": "("}}]}"#, "patronTypes[0].segments.roles[0].when"),
        (#"{"identifiers": [{"value": "A"}]}"#, "patronTypes[0].segments.identifiers[0].type: is missing"),
        (#"{"roles": [{"type": 200, "scope": "S"}]}"#, "patronTypes[0].segments.roles[0].type: expected a code or a value rule"),
    ])
    func aMalformedSegmentIsAProblemWithItsPath(segments: String, expected: String) throws {
        let problems = try ProfileEdits.problems(type: ["segments": segments])
        #expect(problems.contains { $0.hasPrefix(expected) }, "\(problems)")
    }

    @Test(arguments: [
        (studentSegments, true),
        (#"{"emails": [{"address": "A", "type": {"column": "B"}, "preferred": true}]}"#, true),
        (#"{"emails": [{"type": "work"}]}"#, false),
        (#"{"notes": [{"type": "OTHER", "text": "A", "popup": "yes"}]}"#, false),
        (#"{"phone": []}"#, false),
    ])
    func theSchemaDescribesSegments(segments: String, valid: Bool) async throws {
        let result = try await ProfileSchemaTests.validate(try ProfileEdits.data([1: ["segments": segments]]))
        #expect((result.status == 0) == valid, "\(result.message)")
    }

    @Test func checkProfileNamesTheColumnsSegmentsLack() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let path = try ProfileEdits.file(in: directory, [1: [
            "segments": #"{"phones": [{"number": "MOBILE"}], "notes": [{"when": {"column": "VISA", "empty": false}, "type": "OTHER", "text": {"value": "Visa"}}]}"#,
        ]])
        let result = try await Executable.runWithoutBlocking("patronload", ["check-profile", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path])
        #expect(result.status == 2)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("patronTypes[1].segments.phones[0].number: the student query returns no column MOBILE") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("patronTypes[1].segments.notes[0].when.column: the student query returns no column VISA") }, "\(lines)")
        #expect(lines.count == 2, "\(lines)")
    }

    @Test func explainNamesTheRulesOfTheSegmentsWritten() async throws {
        let directory = TemporaryDirectory()
        let arguments = ["explain", "T1", "--warehouse", "sqlite:\(try Self.warehouse(in: directory).path)",
                         "--profile", try ProfileEdits.file(in: directory, [1: ["segments": Self.studentSegments]]), "--as-of", "2026-11-22"]
        let result = try await Executable.runWithoutBlocking("patronload", arguments)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("  segments.phones[0]: patronTypes[1].segments.phones[0].type.rules[0]"), "\(result.stdout)\(result.stderr)")
        #expect(lines.contains("  segments.roles[0]: patronTypes[1].segments.roles[0].scope.rules[0]"), "\(result.stdout)")
        #expect(!lines.contains { $0.hasPrefix("  segments.notes[0]") }, "its condition does not hold")
    }

    /// Merging users unites notes and roles as it unites the other segments.
    @Test func mergeUnitesNotesAndRoles() throws {
        var winner = try AlmaUserBuilder(profile: LoadedProfile.reference().profile, patronType: LoadedProfile.reference().profile.patronTypes[0],
                                         dates: RunDates(today: AlmaDate(isoDay: "2026-11-22")!, expiryMonths: 6, purgeMonths: 30))
            .user(Fixtures.record("staff", [:]))
        var other = winner
        winner.notes = [.init(type: CodeValue("OTHER"), text: "a", userViewable: false, popup: false)]
        other.notes = [.init(type: CodeValue("OTHER"), text: "a", userViewable: false, popup: false), .init(type: CodeValue("OTHER"), text: "b", userViewable: true, popup: false)]
        other.roles.append(.init(status: CodeValue("ACTIVE"), scope: CodeValue("LIB2"), roleType: CodeValue("200")))
        let (merged, filled) = UserMerge.merge(winner, [other])
        #expect(merged.notes.map(\.text) == ["a", "b"])
        #expect(merged.roles.map(\.scope.code) == [winner.roles[0].scope.code, "LIB2"])
        #expect(filled.map(\.field) == ["user_notes", "user_roles"])
    }

    /// FOLIO takes one address per type: a further address of the type's own type is not sent;
    /// Alma's three-letter country becomes FOLIO's two-letter one, and an unknown one none.
    @Test func folioGetsOneAddressPerTypeWithItsCountry() throws {
        let profile = try LoadedProfile.reference().profile
        var record = try Fixtures.record("staff", [:])
        var segments = PatronRecord.Segments()
        segments.addresses = [.init(lines: ["2 B St", "", "", "", "", "", ""], type: profile.codes.addressType.code, preferred: false, note: "", startDate: nil, endDate: nil),
                              .init(lines: ["3 C St", "", "", "", "", "", "can"], type: "home", preferred: false, note: "", startDate: nil, endDate: nil)]
        record.segments = segments
        record.details = .init(country: "ZZZ")
        let user = AlmaUserBuilder(profile: profile, patronType: profile.patronTypes[0], dates: RunDates(today: AlmaDate(isoDay: "2026-11-22")!, expiryMonths: 6, purgeMonths: 30)).user(record)
        #expect(user.addresses.map(\.line1) == [record.line1, "2 B St", "3 C St"])
        let folio = try #require(FolioMapping(sourceType: nil, externalSystemIdType: profile.codes.institutionalIDType.code, barcodeType: nil).record(for: user))
        #expect(folio.personal.addresses?.map(\.addressLine1) == [record.line1, "3 C St"])
        #expect(folio.personal.addresses?.map(\.countryId) == [nil, "CA"])
        #expect(CountryCodes.alpha2("USA") == "US" && CountryCodes.alpha2("gb") == "GB" && CountryCodes.alpha2("UK") == nil)
    }
}
