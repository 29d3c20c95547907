import Foundation

/// How long after the due date a loan is not yet overdue.
public struct GracePeriod: Sendable, Equatable, Hashable, Codable {
    public enum Interval: String, Sendable, Codable, CaseIterable {
        case minutes = "Minutes", hours = "Hours", days = "Days", weeks = "Weeks", months = "Months"

        /// FOLIO counts a month as 31 days here.
        public var minutes: Int {
            switch self {
            case .minutes: 1
            case .hours: 60
            case .days: 1440
            case .weeks: 10080
            case .months: 31 * 1440
            }
        }
    }

    public var duration: Int
    public var intervalId: Interval

    public init(duration: Int, intervalId: Interval) {
        self.duration = duration
        self.intervalId = intervalId
    }

    public var minutes: Int { duration * intervalId.minutes }
}

public struct OpenLoan: Sendable, Equatable, Hashable {
    public var loanId: UUID
    public var dueDate: Date
    public var recall: Bool
    public var itemLost: Bool
    public var itemClaimedReturned: Bool
    public var gracePeriod: GracePeriod?

    public init(loanId: UUID, dueDate: Date, recall: Bool = false, itemLost: Bool = false, itemClaimedReturned: Bool = false, gracePeriod: GracePeriod? = nil) {
        self.loanId = loanId
        self.dueDate = dueDate
        self.recall = recall
        self.itemLost = itemLost
        self.itemClaimedReturned = itemClaimedReturned
        self.gracePeriod = gracePeriod
    }
}

public struct OpenFeeFine: Sendable, Equatable, Hashable {
    public var feeFineId: UUID
    public var feeFineTypeId: UUID?
    public var loanId: UUID?
    public var balance: Decimal

    public init(feeFineId: UUID, feeFineTypeId: UUID? = nil, loanId: UUID? = nil, balance: Decimal) {
        self.feeFineId = feeFineId
        self.feeFineTypeId = feeFineTypeId
        self.loanId = loanId
        self.balance = balance
    }
}

/// One patron's open loans and fees/fines: what block limits are evaluated against.
public struct UserSummary: Sendable, Equatable {
    public var id: UUID
    public var userId: UUID
    public var openLoans: [OpenLoan]
    public var openFeesFines: [OpenFeeFine]

    public init(id: UUID, userId: UUID, openLoans: [OpenLoan] = [], openFeesFines: [OpenFeeFine] = []) {
        self.id = id
        self.userId = userId
        self.openLoans = openLoans
        self.openFeesFines = openFeesFines
    }

    public var isEmpty: Bool { openLoans.isEmpty && openFeesFines.isEmpty }
}
