import Foundation

/// A circulation or fees/fines event, as FOLIO's modules publish them and the synchronization
/// generates them.
public enum PatronEvent: Sendable, Equatable {
    case itemCheckedOut(userId: UUID, loanId: UUID, dueDate: Date, gracePeriod: GracePeriod?)
    case itemCheckedIn(userId: UUID, loanId: UUID, returnDate: Date?)
    case loanClosed(userId: UUID, loanId: UUID)
    case itemClaimedReturned(userId: UUID, loanId: UUID)
    case itemDeclaredLost(userId: UUID, loanId: UUID)
    case itemAgedToLost(userId: UUID, loanId: UUID)
    case loanDueDateChanged(userId: UUID, loanId: UUID, dueDate: Date, dueDateChangedByRecall: Bool)
    /// No `userId`: the account was deleted; the summary holding the fee is found by its id.
    case feeFineBalanceChanged(feeFineId: UUID, balance: Decimal, userId: UUID?, feeFineTypeId: UUID?, loanId: UUID?)

    public enum Kind: String, Sendable, CaseIterable, Codable {
        case itemCheckedOut = "ITEM_CHECKED_OUT"
        case itemCheckedIn = "ITEM_CHECKED_IN"
        case loanClosed = "LOAN_CLOSED"
        case itemClaimedReturned = "ITEM_CLAIMED_RETURNED"
        case itemDeclaredLost = "ITEM_DECLARED_LOST"
        case itemAgedToLost = "ITEM_AGED_TO_LOST"
        case loanDueDateChanged = "LOAN_DUE_DATE_CHANGED"
        case feeFineBalanceChanged = "FEE_FINE_BALANCE_CHANGED"

        /// The handler path segment: `/automated-patron-blocks/handlers/<name>`.
        public var handler: String {
            switch self {
            case .itemCheckedOut: "item-checked-out"
            case .itemCheckedIn: "item-checked-in"
            case .loanClosed: "loan-closed"
            case .itemClaimedReturned: "item-claimed-returned"
            case .itemDeclaredLost: "item-declared-lost"
            case .itemAgedToLost: "item-aged-to-lost"
            case .loanDueDateChanged: "loan-due-date-changed"
            case .feeFineBalanceChanged: "fee-fine-balance-changed"
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .itemCheckedOut: .itemCheckedOut
        case .itemCheckedIn: .itemCheckedIn
        case .loanClosed: .loanClosed
        case .itemClaimedReturned: .itemClaimedReturned
        case .itemDeclaredLost: .itemDeclaredLost
        case .itemAgedToLost: .itemAgedToLost
        case .loanDueDateChanged: .loanDueDateChanged
        case .feeFineBalanceChanged: .feeFineBalanceChanged
        }
    }

    /// The patron the event is about, when it says.
    public var userId: UUID? {
        switch self {
        case .itemCheckedOut(let user, _, _, _), .itemCheckedIn(let user, _, _), .loanClosed(let user, _),
             .itemClaimedReturned(let user, _), .itemDeclaredLost(let user, _), .itemAgedToLost(let user, _),
             .loanDueDateChanged(let user, _, _, _):
            user
        case .feeFineBalanceChanged(_, _, let user, _, _):
            user
        }
    }
}
