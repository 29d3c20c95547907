import Foundation

/// What an event does to a patron's summary: pure, shared by live events and the
/// synchronization's rebuild. nil in means no summary yet; nil out means delete it (a summary left
/// with no loans and no fees goes).
public enum SummaryReducer {
    public static func apply(_ event: PatronEvent, to summary: UserSummary?, newID: @autoclosure () -> UUID) -> UserSummary? {
        switch event {
        case .itemCheckedOut(let userId, let loanId, let dueDate, let grace):
            var summary = summary ?? UserSummary(id: newID(), userId: userId)
            if let index = summary.openLoans.firstIndex(where: { $0.loanId == loanId }) {
                // Idempotent. A live check-out that a synchronization also generated describes the
                // same loan: the loan keeps the grace period the live event carried.
                if let grace { summary.openLoans[index].gracePeriod = grace }
            } else {
                summary.openLoans.append(OpenLoan(loanId: loanId, dueDate: dueDate, gracePeriod: grace))
            }
            return summary
        case .itemCheckedIn(_, let loanId, _), .loanClosed(_, let loanId):
            return updating(summary) { $0.openLoans.removeAll { $0.loanId == loanId } }
        case .itemClaimedReturned(_, let loanId):
            return updating(summary, loan: loanId) { $0.itemClaimedReturned = true; $0.itemLost = false }
        case .itemDeclaredLost(_, let loanId), .itemAgedToLost(_, let loanId):
            return updating(summary, loan: loanId) { $0.itemLost = true; $0.itemClaimedReturned = false }
        case .loanDueDateChanged(_, let loanId, let dueDate, let recall):
            return updating(summary, loan: loanId) { loan in
                loan.dueDate = dueDate
                loan.recall = recall
                if !recall { loan.itemLost = false }
            }
        case .feeFineBalanceChanged(let feeFineId, let balance, let userId, let typeId, let loanId):
            if summary == nil {
                // Only a fee with a balance creates a summary, and only for a known patron.
                guard let userId, balance != 0 else { return nil }
                return UserSummary(id: newID(), userId: userId, openFeesFines: [OpenFeeFine(feeFineId: feeFineId, feeFineTypeId: typeId, loanId: loanId, balance: balance)])
            }
            return updating(summary) { summary in
                if balance == 0 || userId == nil {
                    // A zero balance closes the fee; no userId means the account was deleted.
                    summary.openFeesFines.removeAll { $0.feeFineId == feeFineId }
                } else if let index = summary.openFeesFines.firstIndex(where: { $0.feeFineId == feeFineId }) {
                    summary.openFeesFines[index].balance = balance
                    if let typeId { summary.openFeesFines[index].feeFineTypeId = typeId }
                    if let loanId { summary.openFeesFines[index].loanId = loanId }
                } else {
                    summary.openFeesFines.append(OpenFeeFine(feeFineId: feeFineId, feeFineTypeId: typeId, loanId: loanId, balance: balance))
                }
            }
        }
    }

    /// Replays events in order (a drift audit's view of what FOLIO holds, then the live events).
    public static func replay<S: Sequence>(_ events: S, onto summary: UserSummary?, newID: @autoclosure () -> UUID) -> UserSummary? where S.Element == PatronEvent {
        events.reduce(summary) { apply($1, to: $0, newID: newID()) }
    }

    private static func updating(_ summary: UserSummary?, _ change: (inout UserSummary) -> Void) -> UserSummary? {
        guard var summary else { return nil }
        change(&summary)
        return summary.isEmpty ? nil : summary
    }

    /// Loan events for a loan not in the summary change nothing.
    private static func updating(_ summary: UserSummary?, loan loanId: UUID, _ change: (inout OpenLoan) -> Void) -> UserSummary? {
        guard var summary else { return nil }
        guard let index = summary.openLoans.firstIndex(where: { $0.loanId == loanId }) else { return summary }
        change(&summary.openLoans[index])
        return summary
    }
}
