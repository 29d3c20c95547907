import Testing
@testable import PatronLoad

@Suite struct PatronMapperTests {
    @Test func primaryIDIsLoginPlusSuffix() throws {
        let user = try Fixtures.user("staff", ["KRB_NAME_UPPERCASE": " JDOE "])
        #expect(user.primaryID == "JDOE@MIT.EDU")
    }

    @Test(arguments: [nil, "", "   "] as [String?])
    func rowWithoutLoginIsRejectedByInstitutionalID(login: String?) throws {
        let outcome = try Fixtures.map("student", ["KRB_NAME_UPPERCASE": login, "MIT_ID": "900000123"])
        #expect(outcome == .rejected(institutionalID: "900000123", reason: .missingLoginID))
    }

    @Test(arguments: [
        ("6175551234", "617-555-1234"),
        (" 6175551234 ", "617-555-1234"),
        ("16175551234", "16175551234"),       // eleven digits stay as they are
        ("617-555-1234", "617-555-1234"),
        ("6175551234 x12", "6175551234 x12"),
        ("(617) 555-1234", "(617) 555-1234"),
        ("617555123", "617555123"),
    ])
    func phones(raw: String, written: String) throws {
        let user = try Fixtures.user("staff", ["OFFICE_PHONE": raw])
        #expect(user.phones.map(\.number) == [written])
        #expect(user.phones.first?.preferred == true)
        #expect(user.phones.first?.types == [CodeValue("office", desc: "Office")])
    }

    @Test func emptyPhoneIsDropped() throws {
        #expect(try Fixtures.user("staff", ["OFFICE_PHONE": "  "]).phones.isEmpty)
        #expect(try Fixtures.user("staff", [:]).phones.isEmpty)
    }

    @Test(arguments: [
        // office, term1, term2 → (preferred, home)
        ("6170000001", "6170000002", "6170000003", ["617-000-0001", "617-000-0002"]),
        ("6170000001", nil, "6170000003", ["617-000-0001"]),
        (nil, "6170000002", "6170000003", ["617-000-0002"]),
        (nil, nil, "6170000003", ["617-000-0003"]),
        (nil, nil, nil, []),
    ] as [(String?, String?, String?, [String])])
    func studentPhonePrecedence(office: String?, term1: String?, term2: String?, expected: [String]) throws {
        let user = try Fixtures.user("student", ["OFFICE_PHONE": office, "TERM_PHONE1": term1, "TERM_PHONE2": term2])
        #expect(user.phones.map(\.number) == expected)
        #expect(user.phones.first.map { $0.preferred && $0.types == [CodeValue("office", desc: "Office")] } ?? true)
        if user.phones.count == 2 {
            #expect(user.phones[1].preferred == false)
            #expect(user.phones[1].types == [CodeValue("home", desc: "Home")])
        }
    }

    @Test func namesAreTrimmedLegalNamesAndPreferredOnlyWhenDifferent() throws {
        let user = try Fixtures.user("staff", [
            "LEGAL_FIRST_NAME": " José ", "LEGAL_MIDDLE_NAME": nil, "LEGAL_LAST_NAME": "Müller",
            "PREFERRED_FIRST_NAME": "JOSÉ", "PREFERRED_MIDDLE_NAME": "Q", "PREFERRED_LAST_NAME": " Miller ",
        ])
        #expect(user.firstName == "José")
        #expect(user.middleName == "")
        #expect(user.lastName == "Müller")
        #expect(user.preferredFirstName == "")        // same name ignoring case: left out
        #expect(user.preferredMiddleName == "Q")
        #expect(user.preferredLastName == "Miller")
    }

    @Test func emailOrNone() throws {
        #expect(try Fixtures.user("staff", ["EMAIL_ADDRESS": "jdoe@mit.edu"]).emails.map(\.address) == ["jdoe@mit.edu"])
        #expect(try Fixtures.user("staff", ["EMAIL_ADDRESS": ""]).emails.isEmpty)
        #expect(try Fixtures.user("staff", ["EMAIL_ADDRESS": nil]).emails.isEmpty)
    }

    @Test(arguments: [
        ("3912345", ["02": "912345678", "01": "3912345"]),
        ("NONE", ["02": "912345678"]),
        ("none", ["02": "912345678"]),
        ("", ["02": "912345678"]),
    ])
    func identifiers(barcode: String, expected: [String: String]) throws {
        let user = try Fixtures.user("student", ["LIBRARY_ID": barcode])
        #expect(Dictionary(uniqueKeysWithValues: user.identifiers.map { ($0.type.code, $0.value) }) == expected)
        #expect(user.identifiers.allSatisfy { $0.status == "ACTIVE" })
        #expect(user.identifiers.first?.type == CodeValue("02", desc: "MIT ID"))
    }

    @Test func staffGroupGenderAddressAndDepartment() throws {
        let user = try Fixtures.user("staff", [
            "LIBRARY_PERSON_TYPE_CODE": "12", "LIBRARY_PERSON_TYPE": "Staff",
            "OFFICE_ADDRESS": "E25-131", "ORG_UNIT_ID": "10000600", "ORG_UNIT_TITLE": "Libraries",
        ])
        #expect(user.userGroup == CodeValue("12", desc: "Staff"))
        #expect(user.gender == CodeValue(""))
        #expect(user.isResearcher == false)
        #expect(user.addresses.first?.line1 == "E25-131")
        #expect(user.addresses.first?.line3 == "MIT")
        #expect(user.addresses.first?.postalCode == "00000")
        #expect(user.statistics.first?.category == CodeValue("LIBR", desc: "Libraries"))
        #expect(user.statistics.first?.categoryType == CodeValue("DEPT", desc: "Department"))
        #expect(user.expiryDate == AlmaDate(year: 2027, month: 5, day: 22))
        #expect(user.purgeDate == AlmaDate(year: 2029, month: 5, day: 22))
        #expect(user.roles.first?.scope == CodeValue("01MIT_INST", desc: "Massachusetts Institute of Technology"))
    }

    @Test func staffDefaultsWhenTheWarehouseHasNothing() throws {
        let user = try Fixtures.user("staff", ["ORG_UNIT_ID": "55555555", "ORG_UNIT_TITLE": nil])
        #expect(user.addresses.first?.line1 == "NO ADDRESS ON FILE IN DATA WAREHOUSE")
        #expect(user.statistics.first?.category == CodeValue("ZQ", desc: "Unknown"))
        // The title is used as desc whether or not the lookup knew the unit.
        let titled = try Fixtures.user("staff", ["ORG_UNIT_ID": "55555555", "ORG_UNIT_TITLE": "New Lab"])
        #expect(titled.statistics.first?.category == CodeValue("ZQ", desc: "New Lab"))
    }

    @Test(arguments: [
        ("1", "6", "31"), ("4", "6", "31"), ("U", "6", "31"), ("u", "6", "31"),
        ("G", "6", "32"), ("g", "6", "32"), ("X", "6", ""), ("", "6", ""),
        ("G", "NIU", "54"), ("1", "NIW", "54"), ("X", "NIH", "54"), ("G", "NIX", "32"), ("G", "niu", "32"), ("G", "NIUU", "32"),
    ])
    func studentUserGroup(year: String, department: String, expected: String) throws {
        let user = try Fixtures.user("student", ["STUDENT_YEAR": year, "HOME_DEPARTMENT": department])
        #expect(user.userGroup == CodeValue(expected))
        #expect(user.gender == nil)
        #expect(user.isResearcher == nil)
    }

    @Test func studentAddressAndDepartment() throws {
        let user = try Fixtures.user("student", [
            "TERM_STREET1": "70 Amherst St", "TERM_STREET2": "Apt 4", "TERM_CITY": "Cambridge", "TERM_STATE": "MA", "TERM_ZIP": "02139",
            "HOME_DEPARTMENT": "6",
        ])
        let address = try #require(user.addresses.first)
        #expect([address.line1, address.line3, address.city, address.stateProvince, address.postalCode] == ["70 Amherst St", "Apt 4", "Cambridge", "MA", "02139"])
        #expect(address.types == [CodeValue("work", desc: "Work")])
        #expect(address.note == "User Address Type: Mailing address")
        #expect(user.statistics.first?.category == CodeValue("EE", desc: "Electrical Engineering and Computer Science"))
        let unknown = try Fixtures.user("student", ["HOME_DEPARTMENT": "99Z"])
        #expect(unknown.statistics.first?.category.code == "ZZ")
        #expect(unknown.addresses.first?.line1 == "NO ADDRESS ON FILE IN DATA WAREHOUSE")
        #expect(unknown.addresses.first?.city == "")
    }

    @Test func columnsMatchIgnoringCase() throws {
        let (columns, row) = Fixtures.staffRow(["KRB_NAME_UPPERCASE": "ABC"])
        let mapper = try PatronMapper(profile: Fixtures.profile, patronType: Fixtures.type("staff"), columns: columns.map { $0.lowercased() }, today: Fixtures.dates.today)
        #expect(mapper.primaryID(of: row) == "ABC@MIT.EDU")
    }

    @Test func aMissingColumnIsNamed() throws {
        let (columns, _) = Fixtures.staffRow([:])
        let error = #expect(throws: ProfileError.self) {
            try PatronMapper(profile: Fixtures.profile, patronType: Fixtures.type("staff"), columns: columns.filter { $0 != "ORG_UNIT_ID" }, today: Fixtures.dates.today)
        }
        #expect(error?.description.contains("no column ORG_UNIT_ID") == true)
    }

    @Test func idSetIgnoresCase() {
        var ids = PrimaryIDSet()
        let first = ids.insert("JDOE@MIT.EDU")
        let again = ids.insert("jdoe@mit.edu")
        #expect(first && !again)
        #expect(ids.contains("JDoe@Mit.Edu"))
        #expect(!ids.contains("JDOE2@MIT.EDU"))
        let nonASCII = ids.insert("ŁUKASZ@MIT.EDU")
        #expect(nonASCII && ids.contains("łukasz@mit.edu"))
        #expect(ids.count == 2)
    }
}
