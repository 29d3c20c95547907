import Foundation
import Testing
@testable import PatronBlocks

/// Section 4's rules, table-driven: every condition at limit − 1, limit and limit + 1, for each
/// of the three flags, with claimed-returned, lost, grace periods and money in cents.
@Suite struct BlockEvaluatorTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let user = UUID(uuidString: "5a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b47")!
    static let group = UUID(uuidString: "bdc2b6d4-5ceb-4a12-ab46-249b9a68473e")!

    static func loan(overdueMinutes: Double = -60, recall: Bool = false, lost: Bool = false, claimed: Bool = false, grace: GracePeriod? = nil) -> OpenLoan {
        OpenLoan(loanId: UUID(), dueDate: now.addingTimeInterval(-overdueMinutes * 60), recall: recall, itemLost: lost, itemClaimedReturned: claimed, gracePeriod: grace)
    }

    /// Every flag set on the condition, so the result shows the limit's own answer per action.
    static func blocks(_ conditionId: UUID, limit: Decimal, loans: [OpenLoan] = [], fees: [OpenFeeFine] = [],
                       flags: (Bool, Bool, Bool) = (true, true, true)) -> (borrowing: Bool, renewals: Bool, requests: Bool) {
        var condition = BlockCondition.known(conditionId)!
        (condition.blockBorrowing, condition.blockRenewals, condition.blockRequests) = flags
        condition.message = "Blocked by \(condition.name)"
        let summary = UserSummary(id: UUID(), userId: user, openLoans: loans, openFeesFines: fees)
        let result = BlockEvaluator.evaluate(summary, limits: [BlockLimit(id: UUID(), patronGroupId: group, conditionId: conditionId, value: limit)],
                                             conditions: BlockCondition.defaults.map { $0.id == conditionId ? condition : $0 }, now: now)
        #expect(result.count <= 1)
        if let block = result.first {
            #expect(block.patronBlockConditionId == conditionId && block.message == condition.message)
        }
        return (result.first?.blockBorrowing ?? false, result.first?.blockRenewals ?? false, result.first?.blockRequests ?? false)
    }

    struct Row: CustomTestStringConvertible, Sendable {
        var condition: UUID
        var limit: Decimal
        var loans: @Sendable () -> [OpenLoan]
        var fees: [OpenFeeFine] = []
        var expected: (Bool, Bool, Bool)
        var label: String
        var testDescription: String { label }
    }

    /// Five counted loans (or overdue loans, lost loans, overdue recalls) against limits 4, 5, 6.
    static let rows: [Row] = {
        var rows: [Row] = []
        let counts: [(UUID, String, @Sendable () -> OpenLoan)] = [
            (BlockCondition.maximumLostItems, "lost", { loan(lost: true) }),
            (BlockCondition.maximumOverdueItems, "overdue", { loan(overdueMinutes: 90) }),
            (BlockCondition.maximumOverdueRecalls, "overdue recalls", { loan(overdueMinutes: 90, recall: true) }),
        ]
        for (id, name, make) in counts {
            for (limit, over) in [(4, true), (5, false), (6, false)] {
                rows.append(Row(condition: id, limit: Decimal(limit), loans: { (0..<5).map { _ in make() } }, expected: (over, over, over), label: "5 \(name), limit \(limit)"))
            }
        }
        // Charged out: borrowing blocks at the limit (≥), renewals and requests above it (>).
        for (limit, expected) in [(4, (true, true, true)), (5, (true, false, false)), (6, (false, false, false))] {
            rows.append(Row(condition: BlockCondition.maximumItemsChargedOut, limit: Decimal(limit), loans: { (0..<5).map { _ in loan() } }, expected: expected,
                            label: "5 charged out, limit \(limit)"))
        }
        // Recall overdue by days: 3 days and 1 minute overdue is 4 started days.
        let days: Double = 3 * 1440 + 1
        for (limit, over) in [(3, true), (4, false), (5, false)] {
            rows.append(Row(condition: BlockCondition.recallOverdueByMaximumDays, limit: Decimal(limit), loans: { [loan(overdueMinutes: days, recall: true)] },
                            expected: (over, over, over), label: "recall 4 started days overdue, limit \(limit)"))
        }
        // Money: 10.10 + 0.20 + 0.05 = 10.35 exactly.
        let fees = [OpenFeeFine(feeFineId: UUID(), balance: Decimal(string: "10.10")!), OpenFeeFine(feeFineId: UUID(), balance: Decimal(string: "0.20")!),
                    OpenFeeFine(feeFineId: UUID(), balance: Decimal(string: "0.05")!)]
        for (limit, over) in [("10.34", true), ("10.35", false), ("10.36", false)] {
            rows.append(Row(condition: BlockCondition.maximumOutstandingBalance, limit: Decimal(string: limit)!, loans: { [] }, fees: fees,
                            expected: (over, over, over), label: "balance 10.35, limit \(limit)"))
        }
        return rows
    }()

    @Test(arguments: rows) func limitMinusOneLimitAndLimitPlusOne(_ row: Row) {
        let result = Self.blocks(row.condition, limit: row.limit, loans: row.loans(), fees: row.fees)
        #expect(result.borrowing == row.expected.0 && result.renewals == row.expected.1 && result.requests == row.expected.2,
                "\(row.label): \(result)")
    }

    @Test(arguments: [(true, false, false), (false, true, false), (false, false, true), (false, false, false)])
    func eachFlagIsTheLimitsResultAndTheConditionsFlag(_ flags: (Bool, Bool, Bool)) {
        let loans = (0..<3).map { _ in Self.loan(overdueMinutes: 120) }
        let over = Self.blocks(BlockCondition.maximumOverdueItems, limit: 2, loans: loans, flags: flags)
        #expect(over.borrowing == flags.0 && over.renewals == flags.1 && over.requests == flags.2)
        let under = Self.blocks(BlockCondition.maximumOverdueItems, limit: 3, loans: loans, flags: flags)
        #expect(!under.borrowing && !under.renewals && !under.requests)
    }

    @Test func claimedReturnedLoansNeverCount() {
        let loans = [Self.loan(), Self.loan(overdueMinutes: 600, recall: true, claimed: true), Self.loan(overdueMinutes: 600, claimed: true)]
        #expect(Self.blocks(BlockCondition.maximumItemsChargedOut, limit: 1).borrowing == false)
        #expect(Self.blocks(BlockCondition.maximumItemsChargedOut, limit: 1, loans: loans) == (true, false, false))
        #expect(Self.blocks(BlockCondition.maximumOverdueItems, limit: 0, loans: loans).borrowing == false)
        #expect(Self.blocks(BlockCondition.maximumOverdueRecalls, limit: 0, loans: loans).borrowing == false)
        #expect(Self.blocks(BlockCondition.recallOverdueByMaximumDays, limit: 0, loans: loans).borrowing == false)
        // A fee of a claimed-returned loan is left out of the balance.
        let claimed = Self.loan(claimed: true)
        let fees = [OpenFeeFine(feeFineId: UUID(), loanId: claimed.loanId, balance: 50), OpenFeeFine(feeFineId: UUID(), loanId: UUID(), balance: Decimal(string: "4.99")!),
                    OpenFeeFine(feeFineId: UUID(), balance: Decimal(string: "0.01")!)]
        #expect(Self.blocks(BlockCondition.maximumOutstandingBalance, limit: 5, loans: [claimed], fees: fees).borrowing == false)
        #expect(Self.blocks(BlockCondition.maximumOutstandingBalance, limit: Decimal(string: "4.99")!, loans: [claimed], fees: fees).borrowing)
    }

    @Test func lostLoansCountAsLostAndAsCharged() {
        let loans = [Self.loan(lost: true), Self.loan(lost: true), Self.loan()]
        #expect(Self.blocks(BlockCondition.maximumLostItems, limit: 1, loans: loans).borrowing)
        #expect(Self.blocks(BlockCondition.maximumLostItems, limit: 2, loans: loans).borrowing == false)
        #expect(Self.blocks(BlockCondition.maximumItemsChargedOut, limit: 3, loans: loans).borrowing)
    }

    @Test(arguments: [
        (GracePeriod(duration: 30, intervalId: .minutes), 30.0, false), (GracePeriod(duration: 30, intervalId: .minutes), 31.0, true),
        (GracePeriod(duration: 2, intervalId: .hours), 120.0, false), (GracePeriod(duration: 2, intervalId: .hours), 121.0, true),
        (GracePeriod(duration: 1, intervalId: .days), 1440.0, false), (GracePeriod(duration: 1, intervalId: .days), 1441.0, true),
        (GracePeriod(duration: 1, intervalId: .weeks), 10080.0, false), (GracePeriod(duration: 1, intervalId: .weeks), 10081.0, true),
        (GracePeriod(duration: 1, intervalId: .months), 31 * 1440.0, false), (GracePeriod(duration: 1, intervalId: .months), 31 * 1440 + 1.0, true),
    ])
    func overdueOnlyAfterTheGracePeriod(_ grace: GracePeriod, _ minutes: Double, _ overdue: Bool) {
        let loan = Self.loan(overdueMinutes: minutes, recall: true, grace: grace)
        #expect((BlockEvaluator.overdueMinutes(loan, now: Self.now) > 0) == overdue)
        #expect(Self.blocks(BlockCondition.maximumOverdueItems, limit: 0, loans: [loan]).borrowing == overdue)
        #expect(Self.blocks(BlockCondition.maximumOverdueRecalls, limit: 0, loans: [loan]).borrowing == overdue)
    }

    @Test func overdueCountsWholeMinutesAndDaysRoundUp() {
        #expect(BlockEvaluator.overdueMinutes(Self.loan(overdueMinutes: 0.99), now: Self.now) == 0, "under a minute is not overdue")
        #expect(BlockEvaluator.overdueMinutes(Self.loan(overdueMinutes: 1.5), now: Self.now) == 1)
        #expect(BlockEvaluator.overdueMinutes(Self.loan(overdueMinutes: -5), now: Self.now) == 0)
        #expect(BlockEvaluator.overdueDays(Self.loan(overdueMinutes: 1), now: Self.now) == 1)
        #expect(BlockEvaluator.overdueDays(Self.loan(overdueMinutes: 1440), now: Self.now) == 1)
        #expect(BlockEvaluator.overdueDays(Self.loan(overdueMinutes: 1441), now: Self.now) == 2)
        // The days rule looks at each recall: one far overdue is enough, a far-overdue non-recall is not.
        let loans = [Self.loan(overdueMinutes: 10 * 1440), Self.loan(overdueMinutes: 2 * 1440, recall: true)]
        #expect(Self.blocks(BlockCondition.recallOverdueByMaximumDays, limit: 2, loans: loans).borrowing == false)
        #expect(Self.blocks(BlockCondition.recallOverdueByMaximumDays, limit: 1, loans: loans).borrowing)
    }

    @Test func moneyIsDecimal() {
        // 0.1 + 0.2 in binary floating point is 0.30000000000000004 and would be over 0.30.
        let fees = [OpenFeeFine(feeFineId: UUID(), balance: Decimal(string: "0.1")!), OpenFeeFine(feeFineId: UUID(), balance: Decimal(string: "0.2")!)]
        #expect(BlockEvaluator.outstandingBalance(UserSummary(id: UUID(), userId: Self.user, openFeesFines: fees)) == Decimal(string: "0.3")!)
        #expect(Self.blocks(BlockCondition.maximumOutstandingBalance, limit: Decimal(string: "0.30")!, fees: fees).borrowing == false)
        #expect(Self.blocks(BlockCondition.maximumOutstandingBalance, limit: Decimal(string: "0.29")!, fees: fees).borrowing)
    }

    @Test func limitsOfOtherConditionsAndManyLimitsAreEachEvaluated() {
        var conditions = BlockCondition.defaults
        for index in conditions.indices {
            conditions[index].blockBorrowing = true
            conditions[index].message = "m\(index)"
        }
        let summary = UserSummary(id: UUID(), userId: Self.user, openLoans: [Self.loan(overdueMinutes: 90, lost: true)], openFeesFines: [OpenFeeFine(feeFineId: UUID(), balance: 3)])
        let limits = [
            BlockLimit(id: UUID(), patronGroupId: Self.group, conditionId: BlockCondition.maximumOutstandingBalance, value: 2),
            BlockLimit(id: UUID(), patronGroupId: Self.group, conditionId: BlockCondition.maximumItemsChargedOut, value: 1),
            BlockLimit(id: UUID(), patronGroupId: Self.group, conditionId: BlockCondition.maximumLostItems, value: 5),
        ]
        let blocks = BlockEvaluator.evaluate(summary, limits: limits, conditions: conditions, now: Self.now)
        #expect(blocks.map(\.patronBlockConditionId) == [BlockCondition.maximumItemsChargedOut, BlockCondition.maximumOutstandingBalance])
        #expect(blocks.map(\.message) == ["m0", "m5"])
        #expect(BlockEvaluator.evaluate(summary, limits: limits, conditions: BlockCondition.defaults, now: Self.now).isEmpty, "no flags, no blocks")
    }
}
