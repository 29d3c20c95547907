import Foundation
import Testing
@testable import PatronBlocks

/// The rules both summary stores follow, without a database: whose summary a live event
/// changes and whether anything is written, and the synchronization's rebuild patron by patron
/// with grace periods put back.
@Suite struct EventApplicationTests {
    static let user = UUID(uuidString: "11111111-1111-4111-8111-111111111111")!
    static let other = UUID(uuidString: "22222222-2222-4222-8222-222222222222")!
    static let loan = UUID(uuidString: "33333333-3333-4333-8333-333333333333")!
    static let fee = UUID(uuidString: "44444444-4444-4444-8444-444444444444")!
    static let summaryID = UUID(uuidString: "55555555-5555-4555-8555-555555555555")!
    static let newID = UUID(uuidString: "66666666-6666-4666-8666-666666666666")!
    static let due = Date(timeIntervalSince1970: 1_800_000_000)
    static let grace = GracePeriod(duration: 3, intervalId: .days)

    static let withLoan = UserSummary(id: summaryID, userId: user, openLoans: [OpenLoan(loanId: loan, dueDate: due)])
    static let withFee = UserSummary(id: summaryID, userId: user, openFeesFines: [OpenFeeFine(feeFineId: fee, balance: 5)])

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var event: PatronEvent
        var before: UserSummary?
        var after: UserSummary?
        var needsWrite: Bool
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "a first check-out creates the summary under the caller's id",
            event: .itemCheckedOut(userId: user, loanId: loan, dueDate: due, gracePeriod: nil), before: nil,
            after: UserSummary(id: newID, userId: user, openLoans: [OpenLoan(loanId: loan, dueDate: due)]), needsWrite: true),
        Row(name: "the same check-out again writes nothing",
            event: .itemCheckedOut(userId: user, loanId: loan, dueDate: due, gracePeriod: nil), before: withLoan, after: withLoan, needsWrite: false),
        Row(name: "a check-in of a loan not held writes nothing",
            event: .itemCheckedIn(userId: user, loanId: other, returnDate: nil), before: withLoan, after: withLoan, needsWrite: false),
        Row(name: "a loan event for a patron with no summary writes nothing",
            event: .itemDeclaredLost(userId: user, loanId: loan), before: nil, after: nil, needsWrite: false),
        Row(name: "the last loan checked in deletes the summary",
            event: .itemCheckedIn(userId: user, loanId: loan, returnDate: due), before: withLoan, after: nil, needsWrite: true),
        Row(name: "a fee of a deleted account closes it",
            event: .feeFineBalanceChanged(feeFineId: fee, balance: 2, userId: nil, feeFineTypeId: nil, loanId: nil), before: withFee, after: nil, needsWrite: true),
        Row(name: "a fee's new balance is written",
            event: .feeFineBalanceChanged(feeFineId: fee, balance: 2, userId: user, feeFineTypeId: nil, loanId: nil), before: withFee,
            after: UserSummary(id: summaryID, userId: user, openFeesFines: [OpenFeeFine(feeFineId: fee, balance: 2)]), needsWrite: true),
    ]

    @Test(arguments: rows) func change(_ row: Row) {
        let change = EventApplication(row.event).change(from: row.before, newID: Self.newID)
        #expect(change.after == row.after)
        #expect(change.needsWrite == row.needsWrite)
    }

    @Test func onlyAnEventWithoutItsPatronIsResolvedByItsFee() {
        let deleted = EventApplication(.feeFineBalanceChanged(feeFineId: Self.fee, balance: 0, userId: nil, feeFineTypeId: nil, loanId: nil))
        #expect(deleted.feeToResolve == Self.fee)
        #expect(deleted.patron(feeHolder: Self.other) == Self.other)
        #expect(deleted.patron(feeHolder: nil) == nil, "a fee nobody holds changes no summary")
        let named = EventApplication(.feeFineBalanceChanged(feeFineId: Self.fee, balance: 1, userId: Self.user, feeFineTypeId: nil, loanId: nil))
        #expect(named.feeToResolve == nil)
        #expect(named.patron(feeHolder: Self.other) == Self.user)
        let checkOut = EventApplication(.itemCheckedOut(userId: Self.user, loanId: Self.loan, dueDate: Self.due, gracePeriod: nil))
        #expect(checkOut.feeToResolve == nil && checkOut.patron(feeHolder: nil) == Self.user)
    }

    @Test func theRebuildFinishesEachPatronWhenTheNextBegins() {
        var rebuild = SummaryRebuild()
        let second = UUID()
        #expect(rebuild.add(.itemCheckedOut(userId: Self.user, loanId: Self.loan, dueDate: Self.due, gracePeriod: nil), of: Self.user, grace: Self.grace, newID: Self.newID) == nil)
        #expect(rebuild.add(.feeFineBalanceChanged(feeFineId: Self.fee, balance: 4, userId: Self.user, feeFineTypeId: nil, loanId: nil), of: Self.user, grace: nil, newID: UUID()) == nil)
        let first = rebuild.add(.itemCheckedOut(userId: Self.other, loanId: second, dueDate: Self.due, gracePeriod: nil), of: Self.other, grace: nil, newID: UUID())
        #expect(first == UserSummary(id: Self.newID, userId: Self.user, openLoans: [OpenLoan(loanId: Self.loan, dueDate: Self.due, gracePeriod: Self.grace)],
                                     openFeesFines: [OpenFeeFine(feeFineId: Self.fee, balance: 4)]))
        #expect(rebuild.finish()?.openLoans.map(\.loanId) == [second])
        #expect(rebuild.finish() == nil, "finished once")
    }

    @Test func aPatronLeftWithNothingOpenIsNoSummary() {
        var rebuild = SummaryRebuild()
        _ = rebuild.add(.itemCheckedOut(userId: Self.user, loanId: Self.loan, dueDate: Self.due, gracePeriod: nil), of: Self.user, grace: nil, newID: UUID())
        _ = rebuild.add(.loanClosed(userId: Self.user, loanId: Self.loan), of: Self.user, grace: nil, newID: UUID())
        #expect(rebuild.add(.feeFineBalanceChanged(feeFineId: Self.fee, balance: 1, userId: Self.other, feeFineTypeId: nil, loanId: nil), of: Self.other, grace: nil, newID: UUID()) == nil)
        #expect(rebuild.finish()?.userId == Self.other)
    }

    struct GraceRow: Sendable, CustomTestStringConvertible {
        var name: String
        var event: PatronEvent
        var kept: GracePeriod?
        var expected: PatronEvent
        var testDescription: String { name }
    }

    static let graceRows: [GraceRow] = [
        GraceRow(name: "a staged check-out gets the kept grace period",
                 event: .itemCheckedOut(userId: user, loanId: loan, dueDate: due, gracePeriod: nil), kept: grace,
                 expected: .itemCheckedOut(userId: user, loanId: loan, dueDate: due, gracePeriod: grace)),
        GraceRow(name: "a check-out carrying its own keeps it",
                 event: .itemCheckedOut(userId: user, loanId: loan, dueDate: due, gracePeriod: GracePeriod(duration: 1, intervalId: .hours)), kept: grace,
                 expected: .itemCheckedOut(userId: user, loanId: loan, dueDate: due, gracePeriod: GracePeriod(duration: 1, intervalId: .hours))),
        GraceRow(name: "no grace period kept",
                 event: .itemCheckedOut(userId: user, loanId: loan, dueDate: due, gracePeriod: nil), kept: nil,
                 expected: .itemCheckedOut(userId: user, loanId: loan, dueDate: due, gracePeriod: nil)),
        GraceRow(name: "other events are left alone",
                 event: .loanDueDateChanged(userId: user, loanId: loan, dueDate: due, dueDateChangedByRecall: true), kept: grace,
                 expected: .loanDueDateChanged(userId: user, loanId: loan, dueDate: due, dueDateChangedByRecall: true)),
    ]

    @Test(arguments: graceRows) func gracePeriodsAreReattached(_ row: GraceRow) {
        #expect(SummaryRebuild.reattaching(row.kept, to: row.event) == row.expected)
    }

    @Test(arguments: [(2, "Days", GracePeriod(duration: 2, intervalId: .days)), (2, nil, nil), (nil, "Days", nil), (2, "Fortnights", nil)] as [(Int?, String?, GracePeriod?)])
    func storedGracePeriodsReadBack(duration: Int?, interval: String?, expected: GracePeriod?) {
        #expect(GracePeriod(stored: duration, interval) == expected)
    }
}
