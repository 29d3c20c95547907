import Foundation

/// One block the check reports: a condition whose limit the patron is over, with the actions
/// it blocks (the limit's result AND the condition's flag) and the condition's message.
public struct AutomatedBlock: Sendable, Equatable {
    public var patronBlockConditionId: UUID
    public var blockBorrowing: Bool
    public var blockRenewals: Bool
    public var blockRequests: Bool
    public var message: String

    public init(patronBlockConditionId: UUID, blockBorrowing: Bool, blockRenewals: Bool, blockRequests: Bool, message: String) {
        self.patronBlockConditionId = patronBlockConditionId
        self.blockBorrowing = blockBorrowing
        self.blockRenewals = blockRenewals
        self.blockRequests = blockRequests
        self.message = message
    }
}

/// FOLIO's block rules (reference section 4), pure: a summary, the patron group's limits and the
/// conditions in, the blocks out. Loans claimed returned never count.
public enum BlockEvaluator {
    public static func evaluate(_ summary: UserSummary, limits: [BlockLimit], conditions: [BlockCondition], now: Date) -> [AutomatedBlock] {
        let counted = summary.openLoans.filter { !$0.itemClaimedReturned }
        let overdue = counted.filter { overdueMinutes($0, now: now) > 0 }
        var blocks: [AutomatedBlock] = []
        // In the conditions' fixed order, so answers are stable.
        for condition in conditions {
            for limit in limits where limit.conditionId == condition.id {
                let over: (borrowing: Bool, renewals: Bool, requests: Bool)
                switch condition.id {
                case BlockCondition.maximumItemsChargedOut:
                    let count = Decimal(counted.count)
                    over = (count >= limit.value, count > limit.value, count > limit.value)
                case BlockCondition.maximumLostItems:
                    let result = Decimal(counted.filter(\.itemLost).count) > limit.value
                    over = (result, result, result)
                case BlockCondition.maximumOverdueItems:
                    let result = Decimal(overdue.count) > limit.value
                    over = (result, result, result)
                case BlockCondition.maximumOverdueRecalls:
                    let result = Decimal(overdue.filter(\.recall).count) > limit.value
                    over = (result, result, result)
                case BlockCondition.recallOverdueByMaximumDays:
                    let result = overdue.filter(\.recall).contains { Decimal(overdueDays($0, now: now)) > limit.value }
                    over = (result, result, result)
                case BlockCondition.maximumOutstandingBalance:
                    let result = outstandingBalance(summary) > limit.value
                    over = (result, result, result)
                default:
                    continue
                }
                let block = AutomatedBlock(
                    patronBlockConditionId: condition.id,
                    blockBorrowing: over.borrowing && condition.blockBorrowing,
                    blockRenewals: over.renewals && condition.blockRenewals,
                    blockRequests: over.requests && condition.blockRequests,
                    message: condition.message
                )
                if block.blockBorrowing || block.blockRenewals || block.blockRequests { blocks.append(block) }
            }
        }
        return blocks
    }

    /// Whole minutes past the due date, or 0 while within the loan's grace period.
    public static func overdueMinutes(_ loan: OpenLoan, now: Date) -> Int {
        guard loan.dueDate < now else { return 0 }
        let minutes = Int((now.timeIntervalSince(loan.dueDate) / 60).rounded(.down))
        return minutes > (loan.gracePeriod?.minutes ?? 0) ? minutes : 0
    }

    /// Days overdue, a started day counting as one.
    public static func overdueDays(_ loan: OpenLoan, now: Date) -> Int {
        let minutes = overdueMinutes(loan, now: now)
        return (minutes + 1439) / 1440
    }

    /// The sum of the open fees, less those of loans claimed returned, in decimal arithmetic.
    public static func outstandingBalance(_ summary: UserSummary) -> Decimal {
        let claimed = Set(summary.openLoans.filter(\.itemClaimedReturned).map(\.loanId))
        return summary.openFeesFines.filter { fee in fee.loanId.map { !claimed.contains($0) } ?? true }.reduce(Decimal(0)) { $0 + $1.balance }
    }
}
