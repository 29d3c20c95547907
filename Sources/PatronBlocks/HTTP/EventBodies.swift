import Foundation

/// The handler bodies pub-sub delivers, as FOLIO's event schemas define them, read into events.
/// Properties the reducer does not use (`metadata`, newer fields) are ignored: pub-sub payloads
/// grow between releases, and refusing them would lose the event.
enum EventBodies {
    static func event(_ kind: PatronEvent.Kind, _ body: [String: Any]) throws -> PatronEvent {
        let fields = JSONFields(body)
        switch kind {
        case .itemCheckedOut:
            return .itemCheckedOut(userId: try fields.uuid("userId"), loanId: try fields.uuid("loanId"), dueDate: try fields.date("dueDate"),
                                   gracePeriod: try gracePeriod(fields))
        case .itemCheckedIn:
            return .itemCheckedIn(userId: try fields.uuid("userId"), loanId: try fields.uuid("loanId"), returnDate: try fields.optionalDate("returnDate"))
        case .loanClosed:
            return .loanClosed(userId: try fields.uuid("userId"), loanId: try fields.uuid("loanId"))
        case .itemClaimedReturned:
            return .itemClaimedReturned(userId: try fields.uuid("userId"), loanId: try fields.uuid("loanId"))
        case .itemDeclaredLost:
            return .itemDeclaredLost(userId: try fields.uuid("userId"), loanId: try fields.uuid("loanId"))
        case .itemAgedToLost:
            return .itemAgedToLost(userId: try fields.uuid("userId"), loanId: try fields.uuid("loanId"))
        case .loanDueDateChanged:
            return .loanDueDateChanged(userId: try fields.uuid("userId"), loanId: try fields.uuid("loanId"), dueDate: try fields.date("dueDate"),
                                       dueDateChangedByRecall: try fields.bool("dueDateChangedByRecall"))
        case .feeFineBalanceChanged:
            return .feeFineBalanceChanged(feeFineId: try fields.uuid("feeFineId"), balance: try fields.decimal("balance"),
                                          userId: try fields.optionalUUID("userId"), feeFineTypeId: try fields.optionalUUID("feeFineTypeId"),
                                          loanId: try fields.optionalUUID("loanId"))
        }
    }

    /// `{"duration": 2, "intervalId": "Days"}`; both required when the object is sent.
    private static func gracePeriod(_ fields: JSONFields) throws -> GracePeriod? {
        guard let grace = try fields.optionalObject("gracePeriod") else { return nil }
        let duration = try grace.integer("duration")
        guard (0...Int(Int32.max)).contains(duration) else {
            throw APIError.validation("must be from 0 to 2147483647", key: "gracePeriod.duration", value: "\(duration)")
        }
        guard let text = try grace.optionalString("intervalId") else { throw APIError.validation("must not be null", key: "gracePeriod.intervalId", value: "null") }
        guard let interval = GracePeriod.Interval(rawValue: text) else {
            throw APIError.validation("must be one of Minutes, Hours, Days, Weeks, Months", key: "gracePeriod.intervalId", value: text)
        }
        return GracePeriod(duration: duration, intervalId: interval)
    }
}
