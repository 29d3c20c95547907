import Foundation

/// The stored form of an event: one flat JSON object, the kind and the fields it uses.
extension PatronEvent: Codable {
    private enum CodingKeys: String, CodingKey {
        case kind, userId, loanId, dueDate, gracePeriod, returnDate, dueDateChangedByRecall, feeFineId, balance, feeFineTypeId
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(Kind.self, forKey: .kind)
        func user() throws -> UUID { try c.decode(UUID.self, forKey: .userId) }
        func loan() throws -> UUID { try c.decode(UUID.self, forKey: .loanId) }
        func date(_ key: CodingKeys) throws -> Date { Date(storedSeconds: try c.decode(Double.self, forKey: key)) }
        switch kind {
        case .itemCheckedOut:
            self = .itemCheckedOut(userId: try user(), loanId: try loan(), dueDate: try date(.dueDate), gracePeriod: try c.decodeIfPresent(GracePeriod.self, forKey: .gracePeriod))
        case .itemCheckedIn:
            self = .itemCheckedIn(userId: try user(), loanId: try loan(), returnDate: try c.decodeIfPresent(Double.self, forKey: .returnDate).map(Date.init(storedSeconds:)))
        case .loanClosed: self = .loanClosed(userId: try user(), loanId: try loan())
        case .itemClaimedReturned: self = .itemClaimedReturned(userId: try user(), loanId: try loan())
        case .itemDeclaredLost: self = .itemDeclaredLost(userId: try user(), loanId: try loan())
        case .itemAgedToLost: self = .itemAgedToLost(userId: try user(), loanId: try loan())
        case .loanDueDateChanged:
            self = .loanDueDateChanged(userId: try user(), loanId: try loan(), dueDate: try date(.dueDate), dueDateChangedByRecall: try c.decode(Bool.self, forKey: .dueDateChangedByRecall))
        case .feeFineBalanceChanged:
            guard let balance = Decimal(string: try c.decode(String.self, forKey: .balance)) else {
                throw DecodingError.dataCorruptedError(forKey: .balance, in: c, debugDescription: "not a decimal")
            }
            self = .feeFineBalanceChanged(feeFineId: try c.decode(UUID.self, forKey: .feeFineId), balance: balance,
                                          userId: try c.decodeIfPresent(UUID.self, forKey: .userId),
                                          feeFineTypeId: try c.decodeIfPresent(UUID.self, forKey: .feeFineTypeId),
                                          loanId: try c.decodeIfPresent(UUID.self, forKey: .loanId))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        switch self {
        case .itemCheckedOut(let user, let loan, let due, let grace):
            try c.encode(user, forKey: .userId); try c.encode(loan, forKey: .loanId)
            try c.encode(due.storedSeconds, forKey: .dueDate); try c.encodeIfPresent(grace, forKey: .gracePeriod)
        case .itemCheckedIn(let user, let loan, let returned):
            try c.encode(user, forKey: .userId); try c.encode(loan, forKey: .loanId)
            try c.encodeIfPresent(returned?.storedSeconds, forKey: .returnDate)
        case .loanClosed(let user, let loan), .itemClaimedReturned(let user, let loan), .itemDeclaredLost(let user, let loan), .itemAgedToLost(let user, let loan):
            try c.encode(user, forKey: .userId); try c.encode(loan, forKey: .loanId)
        case .loanDueDateChanged(let user, let loan, let due, let recall):
            try c.encode(user, forKey: .userId); try c.encode(loan, forKey: .loanId)
            try c.encode(due.storedSeconds, forKey: .dueDate); try c.encode(recall, forKey: .dueDateChangedByRecall)
        case .feeFineBalanceChanged(let fee, let balance, let user, let type, let loan):
            try c.encode(fee, forKey: .feeFineId); try c.encode("\(balance)", forKey: .balance)
            try c.encodeIfPresent(user, forKey: .userId); try c.encodeIfPresent(type, forKey: .feeFineTypeId); try c.encodeIfPresent(loan, forKey: .loanId)
        }
    }

    /// The loan the event is about, when it is about one.
    public var loanId: UUID? {
        switch self {
        case .itemCheckedOut(_, let loan, _, _), .itemCheckedIn(_, let loan, _), .loanClosed(_, let loan), .itemClaimedReturned(_, let loan),
             .itemDeclaredLost(_, let loan), .itemAgedToLost(_, let loan), .loanDueDateChanged(_, let loan, _, _):
            loan
        case .feeFineBalanceChanged(_, _, _, _, let loan):
            loan
        }
    }
}
