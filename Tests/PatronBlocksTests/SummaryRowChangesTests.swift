import Foundation
import Testing
@testable import PatronBlocks

/// Which rows an event's write sends: those that are new or differ, with their positions, and
/// the ids of those gone; nothing else.
@Suite struct SummaryRowChangesTests {
    static let user = UUID()
    static let due = Date(timeIntervalSince1970: 1_800_000_000)
    static let loans = (0..<4).map { _ in OpenLoan(loanId: UUID(), dueDate: due) }
    static let fees = (0..<2).map { index in OpenFeeFine(feeFineId: UUID(), balance: Decimal(10 + index)) }

    static func summary(_ loans: [OpenLoan], _ fees: [OpenFeeFine] = SummaryRowChangesTests.fees) -> UserSummary {
        UserSummary(id: UUID(), userId: user, openLoans: loans, openFeesFines: fees)
    }

    @Test func aCheckOutSendsItsLoanAlone() {
        let new = OpenLoan(loanId: UUID(), dueDate: Self.due)
        let rows = SummaryRowChanges(from: Self.summary(Self.loans), to: Self.summary(Self.loans + [new]))
        #expect(rows.loans == [.init(position: 4, loan: new)])
        #expect(rows.goneLoans.isEmpty && rows.fees.isEmpty && rows.goneFees.isEmpty)
    }

    @Test func aChangedLoanIsSentAndTheOthersAreNot() {
        var after = Self.loans
        after[2].recall = true
        let rows = SummaryRowChanges(from: Self.summary(Self.loans), to: Self.summary(after))
        #expect(rows.loans == [.init(position: 2, loan: after[2])])
        #expect(rows.goneLoans.isEmpty)
    }

    /// A check-in from the middle moves the loans after it up: their positions are rewritten.
    @Test func aLoanGoneFromTheMiddleMovesTheRestUp() {
        var after = Self.loans
        after.remove(at: 1)
        let rows = SummaryRowChanges(from: Self.summary(Self.loans), to: Self.summary(after))
        #expect(rows.goneLoans == [Self.loans[1].loanId])
        #expect(rows.loans == [.init(position: 1, loan: Self.loans[2]), .init(position: 2, loan: Self.loans[3])])
    }

    @Test func feesAreComparedAsLoansAre() {
        var after = Self.fees
        after[0].balance = 4
        after.remove(at: 1)
        let added = OpenFeeFine(feeFineId: UUID(), loanId: Self.loans[0].loanId, balance: 1)
        after.append(added)
        let rows = SummaryRowChanges(from: Self.summary(Self.loans), to: Self.summary(Self.loans, after))
        #expect(rows.fees == [.init(position: 0, fee: after[0]), .init(position: 1, fee: added)])
        #expect(rows.goneFees == [Self.fees[1].feeFineId])
        #expect(rows.loans.isEmpty && rows.goneLoans.isEmpty)
    }

    @Test func aNewSummarySendsEveryRowAndNoneIsGone() {
        let rows = SummaryRowChanges(from: nil, to: Self.summary(Self.loans))
        #expect(rows.loans.map(\.loan) == Self.loans && rows.loans.map(\.position) == [0, 1, 2, 3])
        #expect(rows.fees.map(\.fee) == Self.fees)
        #expect(rows.goneLoans.isEmpty && rows.goneFees.isEmpty)
    }

    @Test func aSummaryGoneTakesEveryRow() {
        let rows = SummaryRowChanges(from: Self.summary(Self.loans), to: nil)
        #expect(rows.goneLoans == Self.loans.map(\.loanId) && rows.goneFees == Self.fees.map(\.feeFineId))
        #expect(rows.loans.isEmpty && rows.fees.isEmpty)
        #expect(SummaryRowChanges(from: Self.summary(Self.loans), to: Self.summary(Self.loans)) == SummaryRowChanges(from: nil, to: nil))
    }
}
