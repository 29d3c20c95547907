import DemoWarehouse
import Foundation
import Logging
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// `patronload check-profile` and `--as-of`: a profile's problems before the night meets them,
/// and a run pinned to a date.
@Suite struct ProfileCheckTests {
    static func warehouse(in directory: TemporaryDirectory) throws -> String {
        let path = directory.appending("w.sqlite").path
        try DemoWarehouseWriter.writeSQLite(DemoPatronGenerator(spec: .init(staff: 3, students: 3)), to: path)
        return path
    }

    /// The reference profile with text replaced, its lookup tables beside it.
    static func profile(in directory: TemporaryDirectory, _ edits: [(String, String)]) throws -> String {
        let bundled = try LoadedProfile.referenceURL().deletingLastPathComponent()
        var json = try String(contentsOf: bundled.appendingPathComponent("reference.json"), encoding: .utf8)
        for (old, new) in edits {
            #expect(json.contains(old))
            json = json.replacingOccurrences(of: old, with: new)
        }
        for table in ["staff-departments.csv", "student-departments.csv"] {
            try FileManager.default.copyItem(at: bundled.appendingPathComponent(table), to: directory.appending(table))
        }
        try Data(json.utf8).write(to: directory.appending("profile.json"))
        return directory.appending("profile.json").path
    }

    @Test func theReferenceProfilePassesWithItsColumnsCounted() async throws {
        let directory = TemporaryDirectory()
        let result = try await Executable.runWithoutBlocking("patronload", ["check-profile", "--warehouse", "sqlite:\(try Self.warehouse(in: directory))"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout == "The profile (bundled reference) has no problem: staff: 16 columns, student: 20 columns\n")
    }

    @Test func everyProblemIsOneLineWithItsPathAndExit2() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.warehouse(in: directory)
        let profile = try Self.profile(in: directory, [
            ("\"email\": \"EMAIL_ADDRESS\"", "\"email\": \"EMAIL_ADRESS\""),
            ("\"maxLeftOutPercent\": 5,", "\"maxLeftOutPercent\": 5, \"requiredFeilds\": [\"email\"],"),
            ("\"expiryMonths\": 6", "\"expiryMonths\": -1"),
        ])
        let result = try await Executable.runWithoutBlocking("patronload", ["check-profile", "--warehouse", "sqlite:\(warehouse)", "--profile", profile])
        #expect(result.status == 2)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("preflight.requiredFeilds: is not a profile setting (did you mean requiredFields?)"))
        #expect(lines.contains { $0.hasPrefix("expiryMonths: ") })
        #expect(lines.contains { $0.hasPrefix("patronTypes[0].columns.email: the staff query returns no column EMAIL_ADRESS (it returns: MIT_ID, EMAIL_ADDRESS,") })
        #expect(lines.contains { $0.hasPrefix("patronTypes[1].columns.email: the student query returns no column EMAIL_ADRESS") })
        #expect(lines.count == 4, "\(lines)")
    }

    @Test func aQueryThatFailsIsNamedAndAnUnreachableWarehouseIsExit3() async throws {
        let directory = TemporaryDirectory()
        let profile = try Self.profile(in: directory, [("FROM LIBRARY_EMPLOYEE", "FROM LIBRARY_EMPLOYEES")])
        let failing = try await Executable.runWithoutBlocking("patronload", ["check-profile", "--warehouse", "sqlite:\(try Self.warehouse(in: directory))", "--profile", profile])
        #expect(failing.status == 2)
        #expect(failing.stdout.hasPrefix("patronTypes[0].query: "), "\(failing.stdout)")
        #expect(failing.stdout.contains("LIBRARY_EMPLOYEES"))
        let unreachable = try await Executable.runWithoutBlocking("patronload", ["check-profile", "--warehouse", "sqlite:missing.sqlite"], in: directory.url)
        #expect(unreachable.status == 3)
        #expect(unreachable.stderr.contains("missing.sqlite does not exist"))
    }

    /// PostgreSQL names a result's columns with its first row: the check reads that one row.
    @Test(.enabled(if: TestServices.postgresAvailable))
    func onPostgreSQLTheColumnsComeWithTheFirstRow() async throws {
        let schema = try await TestServices.loadPostgresWarehouse(DemoPatronGenerator(spec: .init(staff: 3, students: 3)))
        let check = ProfileCheck(profilePath: nil, warehouse: try TestServices.postgresLocation(schema: schema))
        let outcome = await check.run(logger: Logger(label: "test"))
        #expect(outcome.problems == [])
        #expect(outcome.checked == ["staff: 16 columns", "student: 20 columns"])
    }

    @Test(arguments: [
        ("2025-03-01", "2025-03-01"),
        ("2024-02-29", "2024-02-29"),
    ])
    func asOfPinsTheRunsDay(text: String, day: String) throws {
        var options = LoadOptions()
        options.warehouse = "sqlite:x.sqlite"
        options.asOf = text
        let now = Date(timeIntervalSince1970: 1_795_000_000)   // 2026-11-18, 11:06:40 UTC
        let configuration = try LoadConfiguration.resolve(options: options, environment: [:], now: now)
        #expect(AlmaDate(utc: configuration.now).isoDay == day)
        // The time of day stays the clock's, so run IDs stay distinct.
        #expect(LoadJob.stamp(configuration.now).hasSuffix("_11.06.40"))
    }

    @Test(arguments: ["2025-02-29", "2025-3-1x", "yesterday"])
    func anAsOfThatIsNotADateIsRefused(text: String) {
        var options = LoadOptions()
        options.warehouse = "sqlite:x.sqlite"
        options.asOf = text
        #expect(throws: ConfigurationError.self) { try LoadConfiguration.resolve(options: options, environment: [:]) }
    }

    @Test func aRunAsOfADateWritesThatDaysFilesAndDates() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.warehouse(in: directory)
        let result = try await Executable.runWithoutBlocking("patronload", ["--warehouse", "sqlite:\(warehouse)", "--as-of", "2025-03-01", "--dry-run",
                                                       "--dry-run-output", directory.appending("kept").path], in: directory.url)
        #expect(result.status == 0, "\(result.stderr)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: directory.appending("kept").path).sorted()
        #expect(kept.count == 2 && kept.allSatisfy { $0.contains("_2025-03-01_") }, "\(kept)")
        let archive = try ZipArchiveReader(path: directory.appending("kept").appendingPathComponent(kept[0]).path)
        let users = try UserXMLReader.parse(try archive.data(of: archive.entries[0])).users
        #expect(users.first?.fields["expiry_date"]?.hasPrefix("2025-09-01") == true, "\(users.first?.fields ?? [:])")
    }
}
