import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// The population rules end to end over the tiny warehouse: S1 (staff, group 12) is also a
/// graduate student (group 32); which user is written, what the report counts, what `explain`
/// says, and what a changes-only run that follows sends.
@Suite struct PopulationLoadTests {
    static func warehouse(in directory: TemporaryDirectory) throws -> TinyWarehouse {
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.update("staff", login: "S1", ["OFFICE_PHONE": "617-253-0000", "LEGAL_MIDDLE_NAME": "Q"])
        try warehouse.add("student", login: "S1", id: "101", ["STUDENT_YEAR": "G", "TERM_PHONE1": "617-555-0101", "EMAIL_ADDRESS": "S1@MIT.EDU"])
        return warehouse
    }

    static func profilePath(_ population: String?, in directory: TemporaryDirectory) throws -> String {
        let edits = population.map { [("\"patronTypes\": [", "\"population\": \($0), \"patronTypes\": [")] } ?? []
        return try ProfileEdits.file(in: directory, [:], edits: edits)
    }

    static func profile(_ population: String?, in directory: TemporaryDirectory) throws -> LoadedProfile {
        try LoadedProfile.load(from: URL(fileURLWithPath: try profilePath(population, in: directory)))
    }

    static func run(_ warehouse: TinyWarehouse, _ profile: LoadedProfile, output: URL, day: Int, onlyChanges: Bool = false) async -> RunSummary {
        await LoadJobTests.run(HistoryTests.configuration(warehouse, output: output, day: day, onlyChanges: onlyChanges, profile: profile)).0
    }

    /// Each written user's XML, by primary_id.
    static func xml(_ summary: RunSummary, type: String) throws -> [String: String] {
        var users: [String: String] = [:]
        for zip in summary.zips where zip.patronType == type {
            let archive = try ZipArchiveReader(path: summary.delivered.first { $0.name == zip.fileName }?.location ?? zip.path)
            for entry in archive.entries {
                let text = String(decoding: try archive.data(of: entry), as: UTF8.self)
                for user in text.components(separatedBy: "<user>").dropFirst() {
                    let id = user.components(separatedBy: "<primary_id>")[1].components(separatedBy: "</primary_id>")[0]
                    users[id] = "<user>" + user.components(separatedBy: "</user>")[0] + "</user>"
                }
            }
        }
        return users
    }

    @Test func firstFeedWinsSpelledOutWritesWhatTheDefaultWrites() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.warehouse(in: directory)
        let implicit = await Self.run(warehouse, try Self.profile(nil, in: TemporaryDirectory()), output: directory.appending("a"), day: 0)
        let explicit = await Self.run(warehouse, try Self.profile(#"{"rule": "firstFeedWins"}"#, in: TemporaryDirectory()), output: directory.appending("b"), day: 0)
        #expect(explicit.outcome == .delivered)
        #expect(explicit.types == implicit.types)
        #expect(explicit.counts(for: "student")?.skippedAsEarlierType == 1)
        for type in ["staff", "student"] {
            #expect(try Self.xml(explicit, type: type) == Self.xml(implicit, type: type))
        }
    }

    @Test func precedenceWritesTheHeavierGroupAndAMovedPersonIsChangedOnceNotALeaver() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.warehouse(in: directory)
        let output = directory.appending("out")
        // First run: first feed wins, S1 is staff.
        let first = await Self.run(warehouse, try Self.profile(nil, in: TemporaryDirectory()), output: output, day: 0, onlyChanges: true)
        #expect(try Self.xml(first, type: "staff")["S1@MIT.EDU"] != nil)

        let precedence = try Self.profile(#"{"rule": "precedence", "userGroupWeights": {"32": 10, "12": 5}}"#, in: TemporaryDirectory())
        let second = await Self.run(warehouse, precedence, output: output, day: 1, onlyChanges: true)
        #expect(second.outcome == .delivered)
        let staff = try #require(second.counts(for: "staff"))
        let student = try #require(second.counts(for: "student"))
        #expect(staff.outranked == ["student": 1] && staff.skippedAsEarlierType == 0 && student.skippedAsEarlierType == 0)
        #expect(staff.isBalanced && student.isBalanced)
        let s1 = try #require(Self.xml(second, type: "student")["S1@MIT.EDU"])
        #expect(s1.contains(">32</user_group>") && s1.contains("617-555-0101") && !s1.contains("617-253-0000"), "the student row alone")
        // The history keeps one entry per person: S1 moved from staff to student is one change, not a leaver and a newcomer.
        let changes = try #require(second.changes)
        #expect(changes.map(\.gone) == [0, 0] && changes.map(\.new) == [0, 0])
        #expect(changes[1].changed == 1 && changes[1].changedExamples.first?.contains("patron type (was staff)") == true)
        #expect(try Self.xml(second, type: "student").keys.sorted() == ["S1@MIT.EDU"])
        let report = RunReport(summary: second, workspace: "", logLines: []).summaryText(namingPatrons: false)
        #expect(report.contains("staff: skipped: same person with a higher-weight group in student: 1"), "\(report)")

        let third = await Self.run(warehouse, precedence, output: output, day: 2, onlyChanges: true)
        #expect(third.changes?.map(\.changed) == [0, 0] && third.changes?.map(\.gone) == [0, 0] && third.zips.isEmpty)
    }

    @Test func mergeWritesOneUserUnderTheWinnerWithTheOthersValuesAndFollowsTheirChanges() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.warehouse(in: directory)
        let output = directory.appending("out")
        let profile = try Self.profile(#"{"rule": "merge", "winner": "student"}"#, in: TemporaryDirectory())
        let first = await Self.run(warehouse, profile, output: output, day: 0, onlyChanges: true)
        #expect(first.outcome == .delivered)
        #expect(first.types.map(\.written) == [9, 11])
        #expect(first.counts(for: "staff")?.mergedInto == ["student": 1] && first.types.allSatisfy(\.isBalanced))
        #expect(try Self.xml(first, type: "staff")["S1@MIT.EDU"] == nil)
        let s1 = try #require(Self.xml(first, type: "student")["S1@MIT.EDU"])
        #expect(s1.contains("<middle_name>Q</middle_name>"), "filled from staff")
        #expect(s1.contains(">32</user_group>"), "the winner's group")
        #expect(s1.contains("<line1>101 Main St</line1>") && s1.contains("<line1>E101</line1>"))
        #expect(s1.components(separatedBy: "<email_address>").count == 2, "the same email once: \(s1)")
        #expect(s1.contains("617-555-0101") && s1.contains("617-253-0000"))
        #expect(s1.components(separatedBy: "preferred=\"true\"").count - 1 == 3, "one preferred address, email and phone: \(s1)")
        let report = RunReport(summary: first, workspace: "", logLines: []).summaryText(namingPatrons: false)
        #expect(report.contains("staff: merged into the same person's student user: 1"), "\(report)")

        let second = await Self.run(warehouse, profile, output: output, day: 1, onlyChanges: true)
        #expect(second.changes?.map(\.changed) == [0, 0] && second.changes?.map(\.gone) == [0, 0] && second.zips.isEmpty)

        // A change in the losing feed's row is a change of the merged person.
        try warehouse.update("staff", login: "S1", ["OFFICE_PHONE": "617-253-9999"])
        let third = await Self.run(warehouse, profile, output: output, day: 2, onlyChanges: true)
        #expect(third.changes?.map(\.changed) == [0, 1] && third.changes?.map(\.gone) == [0, 0])
        #expect(try Self.xml(third, type: "student")["S1@MIT.EDU"]?.contains("617-253-9999") == true)
        #expect(third.changes?[1].changedExamples == ["S1@MIT.EDU (phones)"])
    }

    @Test func explainSaysWhichFeedWonAndWhereMergedFieldsCameFrom() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.warehouse(in: directory)
        let (mergeFolder, precedenceFolder) = (TemporaryDirectory(), TemporaryDirectory())
        let merge = try Self.profilePath(#"{"rule": "merge", "winner": "student"}"#, in: mergeFolder)
        let merged = try await Executable.runWithoutBlocking("patronload", ["explain", "S1", "--warehouse", "sqlite:\(warehouse.path)", "--profile", merge])
        #expect(merged.status == 0, "\(merged.stderr)")
        let lines = merged.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("  → merged into the student user (population merge, student wins): its values fill what the student row lacks"), "\(merged.stdout)")
        #expect(lines.contains("  → written as student S1@MIT.EDU (population merge: student's values first, merged with staff)"))
        #expect(lines.contains("  middle_name: population merge: from the staff row") && lines.contains("  phones: population merge: from the staff row"))
        #expect(lines.filter { $0.hasPrefix("<user>") }.count == 1)

        let precedence = try Self.profilePath(#"{"rule": "precedence", "userGroupWeights": {"32": 10, "12": 5}}"#, in: precedenceFolder)
        let ranked = try await Executable.runWithoutBlocking("patronload", ["explain", "S1", "--warehouse", "sqlite:\(warehouse.path)", "--profile", precedence])
        let rankedLines = ranked.stdout.split(separator: "\n").map(String.init)
        #expect(rankedLines.contains("  → skipped: same person with a higher-weight group in student (population precedence: 12 weighs 5 against 32 weighs 10)"), "\(ranked.stdout)")
        #expect(rankedLines.contains("  → written as student S1@MIT.EDU (population precedence: 32 weighs 10, outranking staff's 12 weighs 5)"))
    }
}
