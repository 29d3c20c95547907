import Foundation
import PatronSyncTestSupport
import Testing

/// `patronload explain ID`: one patron's rows in every feed, which one is written, and its XML.
@Suite struct ExplainTests {
    @Test func aStudentEmployeeIsWrittenFromTheStaffRowAndSkippedAsAStudent() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.add("student", login: "s1", id: "101")     // S1 is staff with institutional ID 101
        try warehouse.add("student", login: "S1", id: "999")     // another person claiming S1@MIT.EDU
        let result = try await Executable.runWithoutBlocking("patronload", ["explain", "S1@mit.edu", "--warehouse", "sqlite:\(warehouse.path)"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "staff row 2:")
        #expect(lines.contains("  KRB_NAME_UPPERCASE = \"S1\""))
        #expect(lines.contains("  → written as staff S1@MIT.EDU"))
        #expect(lines.contains("  → skipped: the same person is written from the staff row (first feed wins)"))
        #expect(lines.contains("  → left out: its primary_id is also that of the staff patron with institutional ID 101, a different person"))
        let xml = try #require(lines.first { $0.hasPrefix("<user>") })
        #expect(xml.contains("<primary_id>S1@MIT.EDU</primary_id>") && xml.hasSuffix("</user>"))
        #expect(lines.filter { $0.hasPrefix("<user>") }.count == 1)
    }

    @Test func anInstitutionalIDFindsItsPatronAndAnUnknownIDIsExit1() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let found = try await Executable.runWithoutBlocking("patronload", ["explain", "203", "--warehouse", "sqlite:\(warehouse.path)"])
        #expect(found.status == 0)
        #expect(found.stdout.hasPrefix("student row 4:\n"))
        #expect(found.stdout.contains("  → written as student T3@MIT.EDU"))
        let missing = try await Executable.runWithoutBlocking("patronload", ["explain", "NOBODY", "--warehouse", "sqlite:\(warehouse.path)"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "patronload: no row of any feed names NOBODY\n")
        #expect(missing.stdout.isEmpty)
    }

    /// The run treats institutional IDs that differ only in case as one person: so does explain,
    /// both in finding rows and in telling the same person from a clash.
    @Test func institutionalIDsCompareIgnoringCase() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.update("staff", login: "S1", ["MIT_ID": "ab101"])
        try warehouse.add("student", login: "S1", id: "AB101")
        let result = try await Executable.runWithoutBlocking("patronload", ["explain", "Ab101", "--warehouse", "sqlite:\(warehouse.path)"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("  → written as staff S1@MIT.EDU"), "\(result.stdout)")
        #expect(lines.contains("  → skipped: the same person is written from the staff row (first feed wins)"), "\(result.stdout)")
        #expect(!lines.contains { $0.contains("a different person") }, "\(result.stdout)")
    }
}
