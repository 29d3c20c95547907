import DemoWarehouse
import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// A whole run delivering to FOLIO's user import (the test double; FOLIO cannot run here): the
/// history, changes-only runs, the reference-data check, refused users and dry runs work as for
/// Alma.
@Suite struct FolioDeliveryTests {
    static let folioSection = #"{"updateOnlyPresentFields": false, "sourceType": "mit", "patronGroups": {"12": "staff", "31": "undergrad"}, "addressTypes": {"work": "Work"}, "batchSize": 7}"#

    static func profile(in directory: TemporaryDirectory, folio: String = folioSection) throws -> LoadedProfile {
        try LoadedProfile.load(from: URL(fileURLWithPath: try profilePath(in: directory, folio: folio)))
    }

    /// The reference profile with a `folio` section, beside its lookup tables.
    static func profilePath(in directory: TemporaryDirectory, folio: String = folioSection) throws -> String {
        let file = directory.appending("folio-profile.json")
        if FileManager.default.fileExists(atPath: file.path) { return file.path }
        let bundled = try LoadedProfile.referenceURL().deletingLastPathComponent()
        for table in ["staff-departments.csv", "student-departments.csv"] {
            try FileManager.default.copyItem(at: bundled.appendingPathComponent(table), to: directory.appending(table))
        }
        var tree = try JSONSerialization.jsonObject(with: Data(contentsOf: LoadedProfile.referenceURL())) as! [String: Any]
        tree["folio"] = try JSONSerialization.jsonObject(with: Data(folio.utf8))
        try JSONSerialization.data(withJSONObject: tree, options: [.prettyPrinted, .sortedKeys]).write(to: file)
        return file.path
    }

    static func configuration(_ warehouse: TinyWarehouse, _ double: FolioUserImportTestDouble, output: URL, day: Int, profile: LoadedProfile,
                              mode: RunMode = .load, onlyChanges: Bool = false) -> LoadConfiguration {
        var configuration = HistoryTests.configuration(warehouse, output: output, day: day, mode: mode, onlyChanges: onlyChanges, profile: profile)
        configuration.destination = .folio(url: double.url, tenant: double.tenant, credentials: .init(username: double.username, password: double.password))
        return configuration
    }

    /// Ten staff and ten students, a FOLIO double, and the reference profile with a folio section.
    static func setUp() async throws -> (TemporaryDirectory, TinyWarehouse, FolioUserImportTestDouble, LoadedProfile) {
        let directory = try TemporaryDirectory()
        return (directory, try TinyWarehouse.standard(in: directory), try await FolioUserImportTestDouble.start(), try Self.profile(in: directory))
    }

    @Test func aFullLoadThenOnlyTheChangesLandInFOLIO() async throws {
        let (directory, warehouse, double, profile) = try await Self.setUp()
        defer { Task { await double.shutdown() } }
        let output = directory.appending("out")

        let (first, _) = await LoadJobTests.run(Self.configuration(warehouse, double, output: output, day: 0, profile: profile))
        #expect(first.outcome == .delivered, "\(first.outcome)")
        #expect(double.current.users.count == 20)
        #expect(Set(double.current.users.map(\.externalSystemId)) == Set((0..<10).flatMap { ["mit_10\($0)", "mit_20\($0)"] }))
        #expect(double.current.users.first { $0.username == "S1@MIT.EDU" }?.patronGroupId == double.current.groups["staff"])
        #expect(double.current.users.first { $0.username == "T1@MIT.EDU" }?.patronGroupId == double.current.groups["undergrad"])
        // Batches of 7, one request at a time: 10 staff in 2, 10 students in 2.
        #expect(double.requests.filter { $0.path == "/user-import" }.count == 4)
        #expect(first.delivered.count == 4 && first.delivered.allSatisfy { $0.location.contains("created") })
        #expect(first.historyStored != nil)

        try warehouse.update("staff", login: "S3", ["EMAIL_ADDRESS": "changed@mit.edu"])
        let (second, _) = await LoadJobTests.run(Self.configuration(warehouse, double, output: output, day: 1, profile: profile, onlyChanges: true))
        #expect(second.outcome == .delivered, "\(second.outcome)")
        let imports = double.requests.filter { $0.path == "/user-import" }
        #expect(imports.count == 5, "one more request, with the one change")
        let last = try #require(try JSONSerialization.jsonObject(with: Data(imports.last!.body)) as? [String: Any])
        #expect((last["users"] as? [[String: Any]])?.map { $0["username"] as? String } == ["S3@MIT.EDU"])
        #expect(double.current.users.first { $0.username == "S3@MIT.EDU" }?.email == "changed@mit.edu")

        // Every body the runs sent is valid per FOLIO's own schemas.
        let validation = try await FolioUserImportTests.validate(imports.map(\.body))
        #expect(validation.status == 0, "\(validation.output)")
    }

    @Test func aLeaverIsSentOnceMoreInactiveWithEverythingFOLIOHad() async throws {
        let (directory, warehouse, double, profile) = try await Self.setUp()
        defer { Task { await double.shutdown() } }
        let output = directory.appending("out")
        var first = Self.configuration(warehouse, double, output: output, day: 0, profile: profile)
        first.historyRules.leavers = .expire
        #expect(await LoadJobTests.run(first).0.outcome == .delivered)
        #expect(double.current.users.first { $0.username == "T7@MIT.EDU" }?.active == true)

        try warehouse.remove("student", login: "T7")
        var second = Self.configuration(warehouse, double, output: output, day: 1, profile: profile, onlyChanges: true)
        second.historyRules.leavers = .expire
        let (summary, _) = await LoadJobTests.run(second)
        #expect(summary.outcome == .delivered, "\(summary.outcome)")
        #expect(summary.types.first(where: { $0.patronType == "student" })?.leaversWritten == 1)
        let last = try #require(double.requests.filter { $0.path == "/user-import" }.last)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(last.body)) as? [String: Any])
        let users = try #require(body["users"] as? [[String: Any]])
        #expect(users.count == 1)
        let leaver = try #require(users.first)
        #expect(leaver["username"] as? String == "T7@MIT.EDU" && leaver["active"] as? Bool == false)
        // Expiring leaverExpiryDays (14) after the second run's day, 2026-11-23.
        #expect(leaver["expirationDate"] as? String == "2026-12-07")
        // Whole, as FOLIO was last sent it: a FOLIO update replaces the user.
        #expect((leaver["personal"] as? [String: Any])?["email"] as? String == "t7@mit.edu")
        #expect(double.current.users.first { $0.username == "T7@MIT.EDU" }?.active == false)
        #expect(double.current.users.count == 20)

        // Once: the third run sends nothing for the leaver.
        var third = Self.configuration(warehouse, double, output: output, day: 2, profile: profile, onlyChanges: true)
        third.historyRules.leavers = .expire
        let before = double.requests.filter { $0.path == "/user-import" }.count
        #expect(await LoadJobTests.run(third).0.outcome == .delivered)
        #expect(double.requests.filter { $0.path == "/user-import" }.count == before)
    }

    @Test func anUnknownGroupIsAReasonLineAndARefusedUserFailsTheRun() async throws {
        let directory = try TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.update("staff", login: "S4", ["LIBRARY_PERSON_TYPE_CODE": "99"])
        let double = try await FolioUserImportTestDouble.start()
        defer { Task { await double.shutdown() } }
        let output = directory.appending("out")
        let (summary, _) = await LoadJobTests.run(Self.configuration(warehouse, double, output: output, day: 0, profile: try Self.profile(in: directory)))
        #expect(summary.outcome == .delivered, "\(summary.outcome)")
        #expect(summary.preflight.contains { $0.contains("S4@MIT.EDU left out of FOLIO: its patron group \"99\" is not a patron group in FOLIO") }, "\(summary.preflight)")
        #expect(!double.current.users.contains { $0.username == "S4@MIT.EDU" } && double.current.users.count == 19)

        // A FOLIO user already holds T5's username under another externalSystemId: FOLIO refuses
        // the create, and the run says who and why.
        double.change { $0.users.append(.init(id: UUID().uuidString, username: "T5@MIT.EDU", externalSystemId: "other_1", barcode: nil, active: true,
                                              patronGroupId: nil, addressTypeIds: [], email: nil, expirationDate: nil)) }
        double.change { $0.users.removeAll { $0.externalSystemId == "mit_205" } }
        let (second, _) = await LoadJobTests.run(Self.configuration(warehouse, double, output: output, day: 1, profile: try Self.profile(in: directory)))
        guard case .failed(let stage, let message) = second.outcome else {
            Issue.record("a refused user must fail the run: \(second.outcome)")
            return
        }
        #expect(stage == .delivery)
        #expect(message.contains("FOLIO refused 1 user(s): T5@MIT.EDU (externalSystemId mit_205): Failed to create new user with externalSystemId: mit_205"), "\(message)")
        #expect(second.historyStored == nil, "not remembered: the next run sends the refused user again")
    }

    /// The single-view example is a profile for both destinations: its users land in FOLIO too,
    /// every body valid per FOLIO's schemas.
    @Test func theSingleViewExampleDeliversToFOLIO() async throws {
        let directory = TemporaryDirectory()
        let warehouse = directory.appending("single-view.sqlite").path
        try DemoWarehouseWriter.writeSQLite(DemoShape.singleView.tables(staff: 60, students: 90, seed: 2026), to: warehouse)
        let double = try await FolioUserImportTestDouble.start()
        defer { Task { await double.shutdown() } }
        double.change { state in
            for group in ["law", "graduate", "undergrad", "faculty", "staff", "affiliate"] { state.groups[group] = UUID().uuidString.lowercased() }
            state.addressTypes = ["Campus": UUID().uuidString.lowercased()]
        }
        var configuration = LoadJobTests.configuration(warehouse: warehouse, output: directory.appending("out"),
                                                       profile: try LoadedProfile.load(from: ExampleProfileTests.profileURL(.singleView)))
        configuration.destination = .folio(url: double.url, tenant: double.tenant, credentials: .init(username: double.username, password: double.password))
        let (summary, _) = await LoadJobTests.run(configuration)
        #expect(summary.outcome == .delivered, "\(summary.outcome)")
        let written = summary.types.reduce(0) { $0 + $1.written }
        #expect(written > 0 && double.current.users.count == written)
        #expect(summary.preflight.filter { $0.contains("left out of FOLIO") } == [])
        #expect(double.current.users.allSatisfy { $0.externalSystemId.hasPrefix("hvu_") && $0.patronGroupId != nil })
        let validation = try await FolioUserImportTests.validate(double.requests.filter { $0.path == "/user-import" }.map(\.body))
        #expect(validation.status == 0, "\(validation.output)")
    }

    /// FOLIO-only fields come from the same value rules as Alma's: here the enrollment date.
    @Test func anEnrollmentDateRuleReachesFOLIO() async throws {
        let (directory, warehouse, double, _) = try await Self.setUp()
        defer { Task { await double.shutdown() } }
        let path = try Self.profilePath(in: directory)
        var tree = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        var types = tree["patronTypes"] as! [[String: Any]]
        types[0]["fields"] = ["enrollmentDate": ["value": "2025-09-01 00:00:00"]]
        tree["patronTypes"] = types
        try JSONSerialization.data(withJSONObject: tree).write(to: URL(fileURLWithPath: path))
        let profile = try LoadedProfile.load(from: URL(fileURLWithPath: path))
        let (summary, _) = await LoadJobTests.run(Self.configuration(warehouse, double, output: directory.appending("out"), day: 0, profile: profile))
        #expect(summary.outcome == .delivered, "\(summary.outcome)")
        let bodies = double.requests.filter { $0.path == "/user-import" }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }
        let users = bodies.flatMap { $0["users"] as? [[String: Any]] ?? [] }
        #expect(users.filter { ($0["username"] as? String)?.hasPrefix("S") == true }.allSatisfy { $0["enrollmentDate"] as? String == "2025-09-01" })
        #expect(users.filter { ($0["username"] as? String)?.hasPrefix("T") == true }.allSatisfy { $0["enrollmentDate"] == nil }, "students have no rule")
        #expect(users.count == 20)
    }

    @Test func aDryRunKeepsTheRequestBodiesAndSendsNothing() async throws {
        let directory = try TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let double = try await FolioUserImportTestDouble.start()
        defer { Task { await double.shutdown() } }
        var configuration = Self.configuration(warehouse, double, output: directory.appending("out"), day: 0, profile: try Self.profile(in: directory), mode: .dryRun)
        let kept = directory.appending("bodies")
        configuration.dryRunOutput = kept.path
        let (summary, _) = await LoadJobTests.run(configuration)
        #expect(summary.outcome == .dryRun, "\(summary.outcome)")
        #expect(double.requests.filter { $0.path == "/user-import" }.isEmpty)
        let files = try FileManager.default.contentsOfDirectory(atPath: kept.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count == 4 && files.first?.hasPrefix("folio_staff_") == true)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: kept.appendingPathComponent(files[0]))) as? [String: Any])
        #expect(body["deactivateMissingUsers"] as? Bool == false && body["sourceType"] as? String == "mit" && body["totalRecords"] as? Int == 7)
    }

    @Test func settingsComeFromTheEnvironmentAndThePasswordNeverFromAFlag() throws {
        let directory = try TemporaryDirectory()
        var options = LoadOptions()
        options.warehouse = "sqlite:" + directory.appending("none.sqlite").path
        options.profile = try Self.profilePath(in: directory)
        options.folioURL = "https://okapi.example.edu"
        options.folioTenant = "diku"
        let passwordFile = directory.appending("password")
        try "from-a-file\n".write(to: passwordFile, atomically: true, encoding: .utf8)
        let configuration = try LoadConfiguration.resolve(options: options, environment: ["FOLIO_USERNAME": "loader", "FOLIO_PASSWORD_FILE": passwordFile.path])
        #expect(configuration.destination == .folio(url: "https://okapi.example.edu", tenant: "diku", credentials: .init(username: "loader", password: "from-a-file")))
        #expect(!"\(configuration.destination)".contains("from-a-file"))
        #expect(throws: ConfigurationError.self) { try LoadConfiguration.resolve(options: options, environment: ["FOLIO_USERNAME": "loader"]) }
        options.profile = nil
        #expect(throws: ConfigurationError.self) { try LoadConfiguration.resolve(options: options, environment: ["FOLIO_USERNAME": "loader", "FOLIO_PASSWORD": "x"]) }
    }
}
