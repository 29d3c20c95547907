import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// A patron type's `rows` rules, end to end: rows left out on purpose are counted apart (not
/// errors, not against maxLeftOutPercent), required columns reject like a missing login ID,
/// `explain` names the rule, `check-profile` the columns, and the history sees an excluded
/// patron as one who left.
@Suite struct RowRulesTests {
    /// The reference profile as JSON, with `rows` (and `userGroupRules`) set on the patron types
    /// given by index and text of the file replaced.
    static func profileData(rows: [Int: String], userGroupRules: [Int: String] = [:], edits: [(String, String)] = []) throws -> Data {
        var text = try String(contentsOf: LoadedProfile.referenceURL(), encoding: .utf8)
        for (old, new) in edits {
            #expect(text.contains(old))
            text = text.replacingOccurrences(of: old, with: new)
        }
        var tree = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        var types = tree["patronTypes"] as! [[String: Any]]
        for (index, json) in rows {
            types[index]["rows"] = try JSONSerialization.jsonObject(with: Data(json.utf8))
        }
        for (index, json) in userGroupRules {
            types[index]["userGroupRules"] = try JSONSerialization.jsonObject(with: Data(json.utf8))
        }
        tree["patronTypes"] = types
        return try JSONSerialization.data(withJSONObject: tree, options: [.prettyPrinted, .sortedKeys])
    }

    /// What loading the profile finds wrong, as `check-profile` prints it (before any warehouse).
    static func problems(rows: String) throws -> [String] {
        let data = try profileData(rows: [0: rows])
        do {
            let profile = try ProfileDecoding.decode(data)
            return (ProfileKeys.unknown(in: data, decoded: profile) + ProfileRules.problems(in: profile)).map(\.description)
        } catch {
            return [error.description]
        }
    }

    /// The profile written to a file with its lookup tables beside it: loaded as a run loads it.
    static func profileFile(in directory: TemporaryDirectory, rows: [Int: String], userGroupRules: [Int: String] = [:],
                            edits: [(String, String)] = []) throws -> String {
        let bundled = try LoadedProfile.referenceURL().deletingLastPathComponent()
        for table in ["staff-departments.csv", "student-departments.csv"] {
            try FileManager.default.copyItem(at: bundled.appendingPathComponent(table), to: directory.appending(table))
        }
        try profileData(rows: rows, userGroupRules: userGroupRules, edits: edits).write(to: directory.appending("profile.json"))
        return directory.appending("profile.json").path
    }

    static func report(_ summary: RunSummary) -> [String] {
        RunReport(summary: summary, workspace: "test", logLines: []).summaryText.split(separator: "\n").map(String.init)
    }

    static let excludeCode99 = #"{"exclude": {"column": "LIBRARY_PERSON_TYPE_CODE", "in": ["99"]}}"#

    @Test func excludedRowsAreCountedApartNotLeftOutAndExplainSaysWhichRule() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.update("staff", login: "S3", ["LIBRARY_PERSON_TYPE_CODE": "99"])
        try warehouse.update("staff", login: "S4", ["LIBRARY_PERSON_TYPE_CODE": " 99 "])
        // Excluded before its missing login ID is noticed: left out on purpose, not rejected.
        try warehouse.add("staff", login: "", id: "150", ["LIBRARY_PERSON_TYPE_CODE": "99"])
        let path = try Self.profileFile(in: directory, rows: [0: Self.excludeCode99])
        let profile = try LoadedProfile.load(from: URL(fileURLWithPath: path))
        let output = directory.appending("out")
        let (summary, _) = await LoadJobTests.run(LoadJobTests.configuration(warehouse: warehouse.path, output: output, profile: profile))

        // 3 of 11 staff rows is far above maxLeftOutPercent (5): delivered, because excluded is not left out.
        #expect(summary.outcome == .delivered)
        let staff = try #require(summary.types.first)
        #expect([staff.read, staff.excludedByRule, staff.written, staff.rejected, staff.leftOut] as [Int] == [11, 3, 8, 0, 0])
        #expect(summary.types.allSatisfy { $0.isBalanced })
        #expect(summary.types.last?.excludedByRule == 0)
        let written = try LoadJobTests.writtenIDs(in: output)
        #expect(Set(written["staff"] ?? []) == Set(["S0", "S1", "S2", "S5", "S6", "S7", "S8", "S9"].map { "\($0)@MIT.EDU" }))
        let lines = Self.report(summary)
        #expect(lines.contains("staff: excluded by the profile's rows rules: 3"))
        #expect(!lines.contains { $0.hasPrefix("student: excluded") })
        #expect(!lines.contains { $0.hasPrefix("Rejected staff rows") })

        let explained = try await Executable.runWithoutBlocking("patronload", ["explain", "S3", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path])
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("  → excluded by the profile's rows rules: patronTypes[0].rows.exclude\n"), "\(explained.stdout)")
        #expect(!explained.stdout.contains("<user>"))
    }

    @Test func includeComparesDatesWithTheRunsDayAndRequiredColumnsReject() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.update("staff", login: "S5", ["APPOINTMENT_END_DATE": "2020-11-01"])
        try warehouse.update("staff", login: "S6", ["APPOINTMENT_END_DATE": "2027-06-30 00:00:00"])
        try warehouse.update("staff", login: "S7", ["APPOINTMENT_END_DATE": "2026-11-22"])   // the run's (pinned) day: ended
        try warehouse.update("student", login: "T2", ["TERM_STREET1": "  "])
        let path = try Self.profileFile(in: directory, rows: [
            0: #"{"include": {"any": [{"column": "APPOINTMENT_END_DATE", "empty": true}, {"column": "APPOINTMENT_END_DATE", "after": "today"}]}}"#,
            1: #"{"requiredColumns": ["TERM_STREET1", "KRB_NAME_UPPERCASE"]}"#,
        ], edits: [("ORG_UNIT_TITLE FROM", "ORG_UNIT_TITLE, APPOINTMENT_END_DATE FROM")])
        let profile = try LoadedProfile.load(from: URL(fileURLWithPath: path))
        let output = directory.appending("out")
        let (summary, _) = await LoadJobTests.run(LoadJobTests.configuration(warehouse: warehouse.path, output: output, profile: profile))

        #expect(summary.outcome == .delivered)
        #expect(summary.types.map(\.excludedByRule) == [2, 0])
        #expect(summary.types.map(\.rejected) == [0, 1])
        #expect(summary.types.map(\.written) == [8, 9])
        let written = try LoadJobTests.writtenIDs(in: output)
        #expect(written["staff"]?.contains("S6@MIT.EDU") == true)
        #expect(written["staff"]?.contains("S5@MIT.EDU") == false && written["staff"]?.contains("S7@MIT.EDU") == false)
        #expect(written["student"]?.contains("T2@MIT.EDU") == false)
        #expect(Self.report(summary).contains("Rejected student rows (institutional ID): 202"))

        // The run a day earlier (`--as-of 2026-11-21`): S7's appointment has not ended yet.
        var earlier = LoadJobTests.configuration(warehouse: warehouse.path, output: directory.appending("earlier"), profile: profile)
        earlier.now = Fixtures.now.addingTimeInterval(-86_400)
        let (dayBefore, _) = await LoadJobTests.run(earlier)
        #expect(dayBefore.types.first?.excludedByRule == 1)
        #expect(try LoadJobTests.writtenIDs(in: directory.appending("earlier"))["staff"]?.contains("S7@MIT.EDU") == true)

        let excluded = try await Executable.runWithoutBlocking("patronload", ["explain", "S7", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path, "--as-of", "2026-11-22"])
        #expect(excluded.stdout.contains("  → excluded by the profile's rows rules: patronTypes[0].rows.include\n"), "\(excluded.stdout)\(excluded.stderr)")
        // A day earlier S7's appointment has not ended: `explain --as-of` moves "today" as the run's does.
        let explainedEarlier = try await Executable.runWithoutBlocking("patronload", ["explain", "S7", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path, "--as-of", "2026-11-21"])
        #expect(explainedEarlier.stdout.contains("  → written as staff S7@MIT.EDU\n"), "\(explainedEarlier.stdout)\(explainedEarlier.stderr)")
        #expect(explainedEarlier.stdout.contains("<expiry_date>2027-05-21Z</expiry_date>"), "the expiry follows --as-of too")
        let rejected = try await Executable.runWithoutBlocking("patronload", ["explain", "T2", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path])
        #expect(rejected.stdout.contains("  → rejected: missing a value in the required column TERM_STREET1\n"), "\(rejected.stdout)\(rejected.stderr)")
    }

    @Test func checkProfileNamesAColumnAConditionReadsThatTheQueryLacks() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let path = try Self.profileFile(in: directory, rows: [
            0: #"{"exclude": {"any": [{"column": "LIBRARY_PERSON_TYPE_CODE", "equals": "99"}, {"column": "ELIGIBLE", "equals": "N"}]}, "requiredColumns": ["EMAIL_ADRESS"]}"#,
        ])
        let result = try await Executable.runWithoutBlocking("patronload", ["check-profile", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path])
        #expect(result.status == 2)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("patronTypes[0].rows.exclude.any[1].column: the staff query returns no column ELIGIBLE (it returns: MIT_ID,") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("patronTypes[0].rows.requiredColumns[0]: the staff query returns no column EMAIL_ADRESS") }, "\(lines)")
        #expect(lines.count == 2, "\(lines)")
    }

    /// The history keeps no record of why a patron is missing: excluded today is gone today.
    @Test func aPatronExcludedAfterBeingLoadedIsALeaver() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let output = directory.appending("out")
        let (first, _) = await LoadJobTests.run(HistoryTests.configuration(warehouse, output: output, day: 0, leavers: .expire))
        #expect(first.outcome == .delivered)

        try warehouse.update("staff", login: "S3", ["LIBRARY_PERSON_TYPE_CODE": "99"])
        let profile = try LoadedProfile.load(from: URL(fileURLWithPath: try Self.profileFile(in: directory, rows: [0: Self.excludeCode99])))
        let (second, _) = await LoadJobTests.run(HistoryTests.configuration(warehouse, output: output, day: 1, leavers: .expire, profile: profile))
        #expect(second.outcome == .delivered)
        #expect(second.types.first?.excludedByRule == 1)
        #expect(second.changes?.first?.gone == 1)
        #expect(second.changes?.first?.leaversExpired == 1)
        let leaver = try #require(try HistoryTests.users(second, type: "staff").first { $0.fields["primary_id"] == "S3@MIT.EDU" })
        #expect(leaver.fields["expiry_date"] == "2026-12-07Z", "written once more, expiring leaverExpiryDays (14) after the run")
    }

    @Test func withoutRowsRulesTheLoginIDAloneIsRequired() throws {
        #expect(try Fixtures.map("staff", ["KRB_NAME_UPPERCASE": " ", "EMAIL_ADDRESS": nil]) == .rejected(institutionalID: "912345678", reason: .missingLoginID))
        guard case .record = try Fixtures.map("staff", ["EMAIL_ADDRESS": nil, "OFFICE_ADDRESS": nil]) else {
            Issue.record("a row with a login ID and empty other columns is written, as today")
            return
        }
    }
}
