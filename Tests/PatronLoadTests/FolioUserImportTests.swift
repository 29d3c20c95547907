import Foundation
import Backoff
import Logging
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// patronload's FOLIO user-import client against the user-import test double (FOLIO cannot run
/// here; the double follows shared/reference/folio-user-import.md).
@Suite struct FolioUserImportTests {
    static let mapping: FolioMapping = {
        var mapping = FolioMapping(sourceType: "mit", externalSystemIdType: "INST_ID", barcodeType: "BARCODE")
        mapping.patronGroups = ["STAFF": "staff", "UG": "undergrad"]
        mapping.addressTypes = ["work": "Work", "home": "Home"]
        return mapping
    }()

    static func user(_ login: String, institutionalID: String, barcode: String = "", group: String = "STAFF", email: String = "",
                     addressType: String = "work", lastName: String = "Marsh") -> AlmaUser {
        var identifiers = [AlmaUser.Identifier(type: CodeValue("INST_ID"), value: institutionalID, status: "ACTIVE")]
        if !barcode.isEmpty { identifiers.append(.init(type: CodeValue("BARCODE"), value: barcode, status: "ACTIVE")) }
        return AlmaUser(
            recordType: CodeValue("PUBLIC"), primaryID: login + "@MIT.EDU", firstName: "Ada", middleName: "", lastName: lastName, gender: nil,
            userGroup: CodeValue(group), catalogerLevel: nil, preferredLanguage: nil,
            expiryDate: AlmaDate(year: 2027, month: 6, day: 30), purgeDate: AlmaDate(year: 2028, month: 6, day: 30),
            accountType: CodeValue("EXTERNAL"), externalID: "SIS", status: CodeValue("ACTIVE"),
            addresses: [.init(line1: "77 Massachusetts Ave", line2: "Room 14", city: "Cambridge", stateProvince: "MA", postalCode: "02139", types: [CodeValue(addressType)])],
            emails: email.isEmpty ? [] : [.init(address: email, types: [CodeValue("work")], preferred: true)],
            phones: [.init(number: "617-253-1000", types: [CodeValue("office")], preferred: true)],
            preferredFirstName: "", preferredMiddleName: "", preferredLastName: "", isResearcher: nil,
            identifiers: identifiers, roles: [], statistics: [])
    }

    static func client(_ double: FolioUserImportTestDouble, password: String? = nil) -> (FolioUserImportClient, FolioSession) {
        let logger = Logger(label: "test.folio")
        let session = FolioSession(url: double.url, tenant: double.tenant,
                                   credentials: .init(username: double.username, password: password ?? double.password), logger: logger)
        let client = FolioUserImportClient(url: double.url, tenant: double.tenant, session: session,
                                           retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50)),
                                           logger: logger)
        return (client, session)
    }

    @Test func anAlmaUserBecomesAFolioUserByName() throws {
        let record = try #require(Self.mapping.record(for: Self.user("ADA", institutionalID: "900001", barcode: "39080001", email: "ada@mit.edu")))
        #expect(record.username == "ADA@MIT.EDU" && record.externalSystemId == "900001" && record.barcode == "39080001")
        #expect(record.active && record.patronGroup == "staff" && record.expirationDate == "2027-06-30")
        #expect(record.personal.email == "ada@mit.edu" && record.personal.phone == "617-253-1000" && record.personal.preferredContactTypeId == "email")
        let address = try #require(record.personal.addresses?.first)
        #expect(address.addressTypeId == "Work" && address.addressLine2 == "Room 14" && address.primaryAddress)
        // No institutional ID: FOLIO could never match the user again.
        var withoutID = Self.user("BOB", institutionalID: "")
        withoutID.identifiers.removeAll()
        #expect(Self.mapping.record(for: withoutID) == nil)
        let leaver = record.leaver(expiring: AlmaDate(year: 2026, month: 12, day: 1))
        #expect(!leaver.active && leaver.expirationDate == "2026-12-01")
    }

    @Test func departmentsMobilePhonesAndCustomFieldsComeFromTheUsersFields() throws {
        var mapping = Self.mapping
        mapping.departmentsFromStatistics = true
        mapping.mobilePhoneType = "mobile"
        mapping.customFields = ["jobcat": .jobCategory, "campus": .campusCode]
        var user = Self.user("ADA", institutionalID: "900001")
        user.statistics = [.init(category: CodeValue("6", desc: "Electrical Engineering"), categoryType: CodeValue("DEPT")),
                           .init(category: CodeValue("18"), categoryType: CodeValue("DEPT")),
                           .init(category: CodeValue("6", desc: "Electrical Engineering"), categoryType: CodeValue("DEPT"))]
        user.phones.append(.init(number: "617-555-0100", types: [CodeValue("mobile")], preferred: false))
        user.jobCategory = CodeValue("LIB", desc: "Librarian")
        let record = try #require(mapping.record(for: user))
        #expect(record.departments == ["Electrical Engineering", "18"])
        #expect(record.personal.phone == "617-253-1000" && record.personal.mobilePhone == "617-555-0100")
        #expect(record.customFields == ["jobcat": "Librarian"], "a field the user does not have is left out")
        let reference = FolioReferenceData(patronGroups: ["staff"], addressTypes: ["Work"], departments: ["Electrical Engineering"])
        #expect(reference.problems(with: record) == [#"its departments "18" are not departments in FOLIO"#])
    }

    @Test func aFullLoadThenChangesAreCreatedThenUpdated() async throws {
        let double = try await FolioUserImportTestDouble.start()
        defer { Task { await double.shutdown() } }
        let (client, _) = Self.client(double)
        let users = (1...3).compactMap { Self.mapping.record(for: Self.user("U\($0)", institutionalID: "90000\($0)", barcode: "3908000\($0)")) }
        let first = try await client.send(FolioImportRequest(users: users, updateOnlyPresentFields: false, sourceType: "mit"))
        #expect(first.createdRecords == 3 && first.updatedRecords == 0 && first.failedUsers == [])
        let stored = double.current.users
        #expect(stored.map(\.externalSystemId) == ["mit_900001", "mit_900002", "mit_900003"])
        #expect(Set(stored.compactMap(\.patronGroupId)) == [double.current.groups["staff"]!], "the group name resolved to its id")
        #expect(stored.allSatisfy { $0.addressTypeIds == [double.current.addressTypes["Work"]!] })

        var changed = users[1]
        changed.personal.email = "new@mit.edu"
        let second = try await client.send(FolioImportRequest(users: [changed], updateOnlyPresentFields: false, sourceType: "mit"))
        #expect(second.createdRecords == 0 && second.updatedRecords == 1)
        #expect(double.current.users.first { $0.externalSystemId == "mit_900002" }?.email == "new@mit.edu")
        #expect(double.current.users.count == 3)
    }

    @Test func unknownNamesAreFoundBeforeSending() async throws {
        let double = try await FolioUserImportTestDouble.start()
        defer { Task { await double.shutdown() } }
        let (client, _) = Self.client(double)
        let reference = try await client.referenceData()
        #expect(reference.patronGroups.contains("staff") && reference.addressTypes.contains("Work"))
        let good = try #require(Self.mapping.record(for: Self.user("A", institutionalID: "1")))
        #expect(reference.problems(with: good) == [])
        let unknownGroup = try #require(Self.mapping.record(for: Self.user("B", institutionalID: "2", group: "VISITOR")))
        #expect(reference.problems(with: unknownGroup) == [#"its patron group "VISITOR" is not a patron group in FOLIO"#])
        let unknownAddress = try #require(Self.mapping.record(for: Self.user("C", institutionalID: "3", addressType: "dorm")))
        #expect(reference.problems(with: unknownAddress) == [#"its address type "dorm" is not an address type in FOLIO (FOLIO would drop the address)"#])
        var twoProblems = good
        twoProblems.personal.preferredContactTypeId = "002"
        twoProblems.personal.lastName = ""
        #expect(reference.problems(with: twoProblems).count == 2)
        // mod-users refuses two addresses of one type: they never reach it, the first is sent.
        var twoAddresses = Self.user("D", institutionalID: "4")
        twoAddresses.addresses.append(twoAddresses.addresses[0])
        twoAddresses.addresses[1].line1 = "Second street"
        twoAddresses.addresses[1].preferred = false
        let sent = try #require(Self.mapping.record(for: twoAddresses))
        #expect(sent.personal.addresses?.map(\.addressLine1) == [twoAddresses.addresses[0].line1])
        #expect(reference.problems(with: sent) == [])
        // What the check prevents: FOLIO fails the user in its answer.
        let answer = try await client.send(FolioImportRequest(users: [unknownGroup], updateOnlyPresentFields: false, sourceType: nil))
        #expect(answer.failedUsers?.first?.errorMessage == "Patron group does not exist in the system: [VISITOR]")
    }

    @Test func customFieldsAndTheirOptionsAreCheckedBeforeSending() async throws {
        let double = try await FolioUserImportTestDouble.start()
        defer { Task { await double.shutdown() } }
        double.change { $0.customFields = ["jobcat": ["Librarian", "Faculty"], "note": nil] }
        let (client, _) = Self.client(double)
        let reference = try await client.referenceData(customFields: true)
        #expect(reference.customFields == ["jobcat": .options(["Librarian", "Faculty"]), "note": .text])
        var user = try #require(Self.mapping.record(for: Self.user("CF", institutionalID: "77")))
        user.customFields = ["jobcat": "Librarian", "note": "anything"]
        #expect(reference.problems(with: user) == [])
        user.customFields = ["jobcat": "Janitor", "color": "blue"]
        #expect(reference.problems(with: user) == [#"its custom field "color" is not a custom field of FOLIO's users"#,
                                                   #"its custom field "jobcat" has "Janitor", which is not one of that field's options in FOLIO"#])
        // Without the check, FOLIO fails the user.
        let answer = try await client.send(FolioImportRequest(users: [user], updateOnlyPresentFields: false, sourceType: nil))
        #expect(answer.failedUsers?.first?.errorMessage == "Custom fields do not exist in the system: [color].")
        // A profile without custom fields never asks for them.
        #expect(try await client.referenceData().customFields == nil)
    }

    @Test func aBatchAnswered500IsSentAgain() async throws {
        let double = try await FolioUserImportTestDouble.start()
        defer { Task { await double.shutdown() } }
        double.change { $0.failImports = 1 }
        let (client, _) = Self.client(double)
        let users = [try #require(Self.mapping.record(for: Self.user("R", institutionalID: "7")))]
        let answer = try await client.send(FolioImportRequest(users: users, updateOnlyPresentFields: false, sourceType: "mit"))
        #expect(answer.createdRecords == 1)
        #expect(double.requests.filter { $0.path == "/user-import" }.count == 2)
        // Failing every time: the error says what FOLIO said.
        double.change { $0.failImports = 10 }
        await #expect {
            _ = try await client.send(FolioImportRequest(users: users, updateOnlyPresentFields: false, sourceType: "mit"))
        } throws: { error in
            "\(error)".contains("answered 500: Failed to import users. Failed to list address types.")
        }
    }

    @Test func aUserFOLIORefusesIsNamedWithItsMessage() async throws {
        let double = try await FolioUserImportTestDouble.start()
        defer { Task { await double.shutdown() } }
        let (client, _) = Self.client(double)
        let first = try #require(Self.mapping.record(for: Self.user("SAME", institutionalID: "100", barcode: "B1")))
        _ = try await client.send(FolioImportRequest(users: [first], updateOnlyPresentFields: false, sourceType: "mit"))
        // Another person with the same username: FOLIO's unique index refuses the create.
        let clash = try #require(Self.mapping.record(for: Self.user("SAME", institutionalID: "200")))
        let answer = try await client.send(FolioImportRequest(users: [clash], updateOnlyPresentFields: false, sourceType: "mit"))
        #expect(answer.failedRecords == 1 && answer.createdRecords == 0)
        #expect(answer.failedUsers == [.init(username: "SAME@MIT.EDU", externalSystemId: "mit_200", errorMessage: "Failed to create new user with externalSystemId: mit_200")])
    }

    @Test func tokensAreRenewedBeforeTheyExpireAndABadPasswordSaysSo() async throws {
        let double = try await FolioUserImportTestDouble.start()
        defer { Task { await double.shutdown() } }
        // Tokens that live 30 s are within the session's one-minute margin at once: every call
        // after the login renews through the refresh token instead of logging in again.
        double.change { $0.accessLifetime = 30 }
        let (client, session) = Self.client(double)
        _ = try await client.referenceData()
        #expect(await session.logins == 1)
        #expect(await session.refreshes == 2, "one refresh before each of the two calls after the first")
        #expect(double.current.logins == 1 && double.current.refreshes == 2)
        #expect(double.requests.allSatisfy { $0.path.hasPrefix("/authn") || $0.header("x-okapi-token")?.hasPrefix("access-") == true })

        // A server with only the deprecated login: its header token is used.
        let legacy = try await FolioUserImportTestDouble.start()
        defer { Task { await legacy.shutdown() } }
        legacy.change { $0.legacyLoginOnly = true }
        let (old, oldSession) = Self.client(legacy)
        #expect(try await old.referenceData().patronGroups.contains("staff"))
        #expect(await oldSession.logins == 1 && legacy.requests.contains { $0.path == "/authn/login" })

        let (refused, _) = Self.client(double, password: "wrong")
        await #expect {
            _ = try await refused.referenceData()
        } throws: { error in
            "\(error)".contains("FOLIO refused the login of patronload to tenant diku: 422")
        }
    }

    @Test func everyRequestBodyIsValidPerFOLIOsSchemas() async throws {
        let double = try await FolioUserImportTestDouble.start()
        defer { Task { await double.shutdown() } }
        let (client, _) = Self.client(double)
        var users = (1...4).compactMap { Self.mapping.record(for: Self.user("S\($0)", institutionalID: "50\($0)", barcode: "B50\($0)", email: "s\($0)@mit.edu")) }
        users.append(users[0].leaver(expiring: AlmaDate(year: 2026, month: 12, day: 1)))
        _ = try await client.send(FolioImportRequest(users: Array(users.prefix(4)), updateOnlyPresentFields: true, sourceType: "mit"))
        _ = try await client.send(FolioImportRequest(users: [users[4]], updateOnlyPresentFields: false, sourceType: nil))
        let bodies = double.requests.filter { $0.path == "/user-import" }.map(\.body)
        #expect(bodies.count == 2)
        for body in bodies {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            #expect(json["deactivateMissingUsers"] as? Bool == false, "never deactivate with batches")
        }
        let (status, output) = try await Self.validate(bodies)
        #expect(status == 0, "\(output)")
    }

    /// python3's jsonschema (draft 4, as FOLIO's RAML schemas are) on each request body, with
    /// the schemas' relative `$ref`s resolved from the reference folder.
    static func validate(_ bodies: [[UInt8]]) async throws -> (status: Int32, output: String) {
        let directory = TemporaryDirectory()
        for (index, body) in bodies.enumerated() {
            try Data(body).write(to: directory.url.appendingPathComponent("body-\(index).json"))
        }
        // Copies of mod-user-import v3.11.0's schemas (Fixtures/folio-user-import/SOURCE).
        let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/folio-user-import").path
        let script = """
        import json, os, sys, glob, jsonschema
        base = sys.argv[1]
        schema = json.load(open(os.path.join(base, 'userdataimportCollection.json')))
        resolver = jsonschema.RefResolver('file://' + base + '/', schema)
        for path in sorted(glob.glob(os.path.join(sys.argv[2], '*.json'))):
            jsonschema.Draft4Validator(schema, resolver=resolver).validate(json.load(open(path)))
        print('ok')
        """
        return try await Python.run(script, [schemas, directory.url.path])
    }
}
