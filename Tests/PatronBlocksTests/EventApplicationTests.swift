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

    static func loan(_ id: UUID = loan, of user: UUID = user, status: String? = nil, recall: Bool = false) -> UpstreamLoan {
        UpstreamLoan(id: id, userId: user, dueDate: due, itemStatus: status, dueDateChangedByRecall: recall, createdDate: nil)
    }

    static func fee(_ balance: Decimal, of user: UUID = user) -> UpstreamAccount {
        UpstreamAccount(id: fee, userId: user, feeFineId: nil, loanId: nil, remaining: balance, createdDate: nil)
    }

    @Test func theRebuildFinishesEachPatronWhenTheNextBegins() {
        var rebuild = SummaryRebuild()
        let second = UUID()
        #expect(rebuild.add(Self.loan(), grace: Self.grace, newID: Self.newID) == nil)
        #expect(rebuild.add(Self.fee(4), newID: UUID()) == nil)
        let first = rebuild.add(Self.loan(second, of: Self.other), grace: nil, newID: UUID())
        #expect(first == UserSummary(id: Self.newID, userId: Self.user, openLoans: [OpenLoan(loanId: Self.loan, dueDate: Self.due, gracePeriod: Self.grace)],
                                     openFeesFines: [OpenFeeFine(feeFineId: Self.fee, balance: 4)]))
        #expect(rebuild.finish()?.openLoans.map(\.loanId) == [second])
        #expect(rebuild.finish() == nil, "finished once")
    }

    @Test func aPatronLeftWithNothingOpenIsNoSummary() {
        var rebuild = SummaryRebuild()
        #expect(rebuild.add(Self.fee(0), newID: UUID()) == nil)
        #expect(rebuild.add(Self.fee(1, of: Self.other), newID: UUID()) == nil, "a fee with nothing to pay opens no summary")
        #expect(rebuild.finish()?.userId == Self.other)
    }

    struct LoanRow: Sendable, CustomTestStringConvertible {
        var name: String
        var loan: UpstreamLoan
        var kept: GracePeriod?
        var expected: OpenLoan
        var testDescription: String { name }
    }

    static let loanRows: [LoanRow] = [
        LoanRow(name: "an open loan gets the grace period kept for it", loan: loan(), kept: grace,
                expected: OpenLoan(loanId: loan, dueDate: due, gracePeriod: grace)),
        LoanRow(name: "no grace period kept", loan: loan(), kept: nil, expected: OpenLoan(loanId: loan, dueDate: due)),
        LoanRow(name: "claimed returned, in any case", loan: loan(status: "CLAIMED RETURNED"), kept: nil,
                expected: OpenLoan(loanId: loan, dueDate: due, itemClaimedReturned: true)),
        LoanRow(name: "declared lost", loan: loan(status: "Declared lost"), kept: nil, expected: OpenLoan(loanId: loan, dueDate: due, itemLost: true)),
        LoanRow(name: "aged to lost", loan: loan(status: "Aged to lost"), kept: nil, expected: OpenLoan(loanId: loan, dueDate: due, itemLost: true)),
        LoanRow(name: "another item status is an ordinary loan", loan: loan(status: "Checked out"), kept: nil, expected: OpenLoan(loanId: loan, dueDate: due)),
        LoanRow(name: "recalled", loan: loan(recall: true), kept: nil, expected: OpenLoan(loanId: loan, dueDate: due, recall: true)),
        LoanRow(name: "recalled and declared lost stays lost", loan: loan(status: "Declared lost", recall: true), kept: grace,
                expected: OpenLoan(loanId: loan, dueDate: due, recall: true, itemLost: true, gracePeriod: grace)),
    ]

    @Test(arguments: loanRows) func aStagedLoanBecomesTheLoanFolioDescribes(_ row: LoanRow) {
        var rebuild = SummaryRebuild()
        _ = rebuild.add(row.loan, grace: row.kept, newID: Self.newID)
        #expect(rebuild.finish()?.openLoans == [row.expected])
    }

    @Test func loansComeBeforeFeesAndPatronsInIdOrder() {
        let low = UUID(uuidString: "0fffffff-ffff-4fff-bfff-ffffffffffff")!
        let high = UUID(uuidString: "f0000000-0000-4000-8000-000000000000")!
        #expect(low.folioPrecedes(high) && !high.folioPrecedes(low) && !low.folioPrecedes(low))
        #expect((low.folio < high.folio) == low.folioPrecedes(high), "the order of the stored text")
        #expect(StagedRecords.loanComesNext(loanUser: nil, feeUser: nil) == nil)
        #expect(StagedRecords.loanComesNext(loanUser: low, feeUser: nil) == true)
        #expect(StagedRecords.loanComesNext(loanUser: nil, feeUser: low) == false)
        #expect(StagedRecords.loanComesNext(loanUser: low, feeUser: low) == true, "a patron's loans first")
        #expect(StagedRecords.loanComesNext(loanUser: high, feeUser: low) == false)
        #expect(StagedRecords.loanComesNext(loanUser: low, feeUser: high) == true)
    }

    @Test func manyRandomIdsSortAsTheirText() {
        var generator = SystemRandomNumberGenerator()
        let ids = (0..<500).map { _ in UUID(uuid: (UInt8.random(in: 0...255, using: &generator), UInt8.random(in: 0...255, using: &generator), 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, UInt8.random(in: 0...255, using: &generator))) }
        #expect(ids.sorted { $0.folioPrecedes($1) } == ids.sorted { $0.folio < $1.folio })
    }

    @Test(arguments: [(2, "Days", GracePeriod(duration: 2, intervalId: .days)), (2, nil, nil), (nil, "Days", nil), (2, "Fortnights", nil)] as [(Int?, String?, GracePeriod?)])
    func storedGracePeriodsReadBack(duration: Int?, interval: String?, expected: GracePeriod?) {
        #expect(GracePeriod(stored: duration, interval) == expected)
    }
}
