import Foundation

/// A patron group's limit for one condition: a count of loans, a number of days, or money.
public struct BlockLimit: Sendable, Equatable {
    public var id: UUID
    public var patronGroupId: UUID
    public var conditionId: UUID
    public var value: Decimal

    public init(id: UUID, patronGroupId: UUID, conditionId: UUID, value: Decimal) {
        self.id = id
        self.patronGroupId = patronGroupId
        self.conditionId = conditionId
        self.value = value
    }

    public static let maximumValue = Decimal(999_999)
    public static let maximumBalance = Decimal(string: "999999.99")!

    /// FOLIO's range rules and messages: whole numbers 0…999,999 for the counting conditions,
    /// money 0.00…999,999.99 (at most two decimals) for the balance.
    public static func valueProblem(_ value: Decimal?, conditionId: UUID) -> String? {
        if conditionId == BlockCondition.maximumOutstandingBalance {
            let message = "Must be blank or a number from 0.00 to 999999.99"
            guard let value, value >= 0, value <= maximumBalance, (value * 100).isWhole else { return message }
            return nil
        }
        let message = "Must be blank or an integer from 0 to 999999"
        guard let value, value >= 0, value <= maximumValue, value.isWhole else { return message }
        return nil
    }
}

extension Decimal {
    var isWhole: Bool {
        var copy = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &copy, 0, .plain)
        return rounded == self
    }
}
