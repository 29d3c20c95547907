import Foundation
import Testing
@testable import PatronLoad

/// "Skipped (earlier type)" is explained where it is read: in the report itself.
@Suite struct SkippedAsEarlierTypeTests {
    static func summary(_ types: [TypeCounts]) -> RunSummary {
        var summary = RunSummary(runID: "2026-11-22_02.00.00", startedAt: Fixtures.now, finishedAt: Fixtures.now, outcome: .delivered,
                                 warehouse: "w", destination: "d", profile: "p")
        summary.types = types
        return summary
    }

    /// A staff row the pre-flight leaves out, whose person is written as a student, is counted
    /// under staff: that is the case the note spells out.
    @Test func aStaffRowLeftOutForTheStudentRowCountsAsSkippedUnderStaff() throws {
        let (decisions, _) = try FeedAnalysisTests.run([
            ("staff", [FeedAnalysisTests.Row(id: "A@MIT.EDU", institution: "1", email: "")]),
            ("student", [FeedAnalysisTests.Row(id: "A@MIT.EDU", institution: "1")]),
        ], preflight: PatronProfile.Preflight(requiredFields: [.email]))
        #expect(decisions.count(.duplicateOfEarlierType, type: 0) == 1)
        #expect(decisions.count(.write, type: 1) == 1)
    }

    @Test func theReportSaysWhatTheColumnCounts() {
        var staff = TypeCounts(patronType: "staff")
        staff.read = 3
        staff.written = 2
        staff.skippedAsEarlierType = 1
        let text = RunReport(summary: Self.summary([staff, TypeCounts(patronType: "student")]), workspace: "test", logLines: []).summaryText
        #expect(text.contains("\nSkipped (earlier type): rows not written because the same person (same primary_id ignoring case, same institutional ID) is written from another type's row: usually an earlier type's (a student employee is written as staff); when the pre-flight left the earlier type's row out, the later type's row is written and the earlier one is counted here."))
    }

    @Test func noNoteWhenNothingWasSkipped() {
        let text = RunReport(summary: Self.summary([TypeCounts(patronType: "staff")]), workspace: "test", logLines: []).summaryText
        #expect(text.contains("Skipped (earlier type)"), "the column is there")
        #expect(!text.contains("rows not written because"))
    }
}
