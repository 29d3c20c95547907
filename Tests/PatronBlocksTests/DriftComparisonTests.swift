import Foundation
import Testing
@testable import PatronBlocks

/// The audit's comparison, values in, differences out: one row per kind of drift, and what is
/// never drift.
@Suite struct DriftComparisonTests {
    static let user = UUID(uuidString: "11111111-1111-4111-8111-111111111111")!
    static let loan = UUID(uuidString: "22222222-2222-4222-8222-222222222222")!
    static let fee = UUID(uuidString: "33333333-3333-4333-8333-333333333333")!
    static let summaryID = UUID(uuidString: "44444444-4444-4444-8444-444444444444")!
    static let due = FolioDate.parse("2026-12-03T10:00:00.000Z")!
    static let earlier = FolioDate.parse("2026-12-01T10:00:00.000Z")!

    static func summary(loans: [OpenLoan] = [], fees: [OpenFeeFine] = []) -> UserSummary {
        UserSummary(id: summaryID, userId: user, openLoans: loans, openFeesFines: fees)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var here: UserSummary?
        var folio: UserSummary?
        var expected: [DriftDifference]
        var testDescription: String { name }
    }

    static let l = loan.folio, f = fee.folio
    static let rows: [Row] = [
        Row(name: "same", here: summary(loans: [OpenLoan(loanId: loan, dueDate: due)]), folio: summary(loans: [OpenLoan(loanId: loan, dueDate: due)]), expected: []),
        Row(name: "no summary on either side", here: nil, folio: nil, expected: []),
        Row(name: "loan missing", here: nil, folio: summary(loans: [OpenLoan(loanId: loan, dueDate: due)]),
            expected: [DriftDifference(.loanMissing, "loan \(l): open in FOLIO (due 2026-12-03T10:00:00.000+00:00), missing here")]),
        Row(name: "loan unexpected", here: summary(loans: [OpenLoan(loanId: loan, dueDate: due)]), folio: nil,
            expected: [DriftDifference(.loanUnexpected, "loan \(l): open here (due 2026-12-03T10:00:00.000+00:00), not open in FOLIO")]),
        Row(name: "due date", here: summary(loans: [OpenLoan(loanId: loan, dueDate: earlier)]), folio: summary(loans: [OpenLoan(loanId: loan, dueDate: due)]),
            expected: [DriftDifference(.loanDiffering, "loan \(l): due date 2026-12-01T10:00:00.000+00:00 here, 2026-12-03T10:00:00.000+00:00 in FOLIO")]),
        Row(name: "recall", here: summary(loans: [OpenLoan(loanId: loan, dueDate: due)]), folio: summary(loans: [OpenLoan(loanId: loan, dueDate: due, recall: true)]),
            expected: [DriftDifference(.loanDiffering, "loan \(l): not recalled here, recalled in FOLIO")]),
        Row(name: "lost", here: summary(loans: [OpenLoan(loanId: loan, dueDate: due, itemLost: true)]), folio: summary(loans: [OpenLoan(loanId: loan, dueDate: due)]),
            expected: [DriftDifference(.loanDiffering, "loan \(l): item lost here, not item lost in FOLIO")]),
        Row(name: "claimed returned and due date, one line", here: summary(loans: [OpenLoan(loanId: loan, dueDate: earlier)]),
            folio: summary(loans: [OpenLoan(loanId: loan, dueDate: due, itemClaimedReturned: true)]),
            expected: [DriftDifference(.loanDiffering, "loan \(l): due date 2026-12-01T10:00:00.000+00:00 here, 2026-12-03T10:00:00.000+00:00 in FOLIO; not claimed returned here, claimed returned in FOLIO")]),
        Row(name: "grace period is ours", here: summary(loans: [OpenLoan(loanId: loan, dueDate: due, gracePeriod: GracePeriod(duration: 1, intervalId: .days))]),
            folio: summary(loans: [OpenLoan(loanId: loan, dueDate: due)]), expected: []),
        Row(name: "fee missing", here: summary(), folio: summary(fees: [OpenFeeFine(feeFineId: fee, balance: 12.5)]),
            expected: [DriftDifference(.feeMissing, "fee/fine \(f): open in FOLIO (balance 12.5), missing here")]),
        Row(name: "fee unexpected", here: summary(fees: [OpenFeeFine(feeFineId: fee, balance: 3)]), folio: nil,
            expected: [DriftDifference(.feeUnexpected, "fee/fine \(f): open here (balance 3), not open in FOLIO")]),
        Row(name: "fee balance", here: summary(fees: [OpenFeeFine(feeFineId: fee, balance: 10)]), folio: summary(fees: [OpenFeeFine(feeFineId: fee, balance: 12.5)]),
            expected: [DriftDifference(.feeDiffering, "fee/fine \(f): balance 10 here, 12.5 in FOLIO")]),
        Row(name: "fee type and loan are not drift", here: summary(fees: [OpenFeeFine(feeFineId: fee, feeFineTypeId: UUID(), balance: 10)]),
            folio: summary(fees: [OpenFeeFine(feeFineId: fee, loanId: loan, balance: 10)]), expected: []),
    ]

    @Test(arguments: rows) func differences(_ row: Row) {
        #expect(DriftComparison.differences(here: row.here, folio: row.folio) == row.expected)
    }

    @Test func folioViewReplaysLiveEventsAndKeepsOurGracePeriodsAndSummaryID() throws {
        let grace = GracePeriod(duration: 2, intervalId: .hours)
        let here = UserSummary(id: Self.summaryID, userId: Self.user, openLoans: [OpenLoan(loanId: Self.loan, dueDate: Self.due, gracePeriod: grace)])
        let other = UUID()
        // FOLIO answered the loan before its renewal and without a loan checked out since.
        let folio: [PatronEvent] = [.itemCheckedOut(userId: Self.user, loanId: Self.loan, dueDate: Self.earlier, gracePeriod: nil)]
        let live: [PatronEvent] = [
            .loanDueDateChanged(userId: Self.user, loanId: Self.loan, dueDate: Self.due, dueDateChangedByRecall: false),
            .itemCheckedOut(userId: Self.user, loanId: other, dueDate: Self.due, gracePeriod: nil),
        ]
        let view = try #require(DriftComparison.folioView(folio: folio, live: live, here: here, newID: UUID()))
        #expect(view.id == here.id)
        #expect(view.openLoans.map(\.loanId) == [Self.loan, other])
        #expect(view.openLoans[0] == OpenLoan(loanId: Self.loan, dueDate: Self.due, gracePeriod: grace))
        #expect(DriftComparison.differences(here: here, folio: view) == [
            DriftDifference(.loanMissing, "loan \(other.folio): open in FOLIO (due 2026-12-03T10:00:00.000+00:00), missing here"),
        ])
        #expect(DriftComparison.folioView(folio: [], live: [], here: here, newID: UUID()) == nil)
        let unknown = UUID()
        #expect(DriftComparison.folioView(folio: folio, live: [], here: nil, newID: unknown)?.id == unknown, "a patron with no summary here gets the id its caller chose")
    }

    /// A repair writes FOLIO's view only where something drifted; a report never writes.
    @Test(arguments: [(false, false, false), (false, true, false), (true, false, false), (true, true, true)])
    func aRepairWritesOnlyDrift(drifted: Bool, repair: Bool, writes: Bool) {
        let here = Self.summary(loans: [OpenLoan(loanId: Self.loan, dueDate: Self.due)])
        let folio: [PatronEvent] = [.itemCheckedOut(userId: Self.user, loanId: Self.loan, dueDate: drifted ? Self.earlier : Self.due, gracePeriod: nil)]
        let audit = DriftComparison.audit(here: here, folio: folio, live: [], repair: repair, newID: UUID())
        #expect(audit.differences.isEmpty == !drifted)
        #expect(audit.writesRepair == writes)
        #expect(audit.view?.openLoans.map(\.dueDate) == [drifted ? Self.earlier : Self.due])
    }

    @Test func aRepairOfAPatronWithNothingOpenInFolioRemovesTheSummary() {
        let audit = DriftComparison.audit(here: Self.summary(fees: [OpenFeeFine(feeFineId: Self.fee, balance: 3)]), folio: [], live: [], repair: true, newID: UUID())
        #expect(audit.writesRepair && audit.view == nil)
        #expect(audit.differences.map(\.kind) == [.feeUnexpected])
    }

    @Test func theReportCountsEveryUserAndListsTheFirstHundred() {
        var report = DriftReport()
        for index in 0..<150 {
            report.add(userId: UUID(), index.isMultiple(of: 3) ? [] : [DriftDifference(.feeDiffering, "x"), DriftDifference(.loanMissing, "y")], repaired: true)
        }
        #expect(report.usersChecked == 150 && report.usersWithDrift == 100 && report.usersRepaired == 100)
        #expect(report.feesDiffering == 100 && report.loansMissing == 100 && report.loansUnexpected == 0)
        #expect(report.drift.count == DriftReport.listedUsers && report.drift[0].differences == ["x", "y"])
    }
}
