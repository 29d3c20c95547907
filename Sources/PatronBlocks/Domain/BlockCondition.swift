import Foundation

/// One of FOLIO's six patron block conditions: which actions it blocks and what the patron is
/// told. The six exist from install with fixed ids; only their flags and message change.
public struct BlockCondition: Sendable, Equatable {
    public enum ValueType: String, Sendable {
        case integer = "Integer"
        case double = "Double"
    }

    public var id: UUID
    public var name: String
    public var blockBorrowing: Bool
    public var blockRenewals: Bool
    public var blockRequests: Bool
    public var valueType: ValueType
    public var message: String

    public init(id: UUID, name: String, valueType: ValueType, blockBorrowing: Bool = false, blockRenewals: Bool = false,
                blockRequests: Bool = false, message: String = "") {
        self.id = id
        self.name = name
        self.valueType = valueType
        self.blockBorrowing = blockBorrowing
        self.blockRenewals = blockRenewals
        self.blockRequests = blockRequests
        self.message = message
    }

    public var blocksAnything: Bool { blockBorrowing || blockRenewals || blockRequests }
}

extension BlockCondition {
    public static let maximumItemsChargedOut = UUID(uuidString: "3d7c52dc-c732-4223-8bf8-e5917801386f")!
    public static let maximumLostItems = UUID(uuidString: "72b67965-5b73-4840-bc0b-be8f3f6e047e")!
    public static let maximumOverdueItems = UUID(uuidString: "584fbd4f-6a34-4730-a6ca-73a6a6a9d845")!
    public static let maximumOverdueRecalls = UUID(uuidString: "e5b45031-a202-4abb-917b-e1df9346fe2c")!
    public static let recallOverdueByMaximumDays = UUID(uuidString: "08530ac4-07f2-48e6-9dda-a97bc2bf7053")!
    public static let maximumOutstandingBalance = UUID(uuidString: "cf7a0d5f-a327-4ca1-aa9e-dc55ec006b8a")!

    /// The six, as a fresh install has them: no flags, no message.
    public static let defaults: [BlockCondition] = [
        BlockCondition(id: maximumItemsChargedOut, name: "Maximum number of items charged out", valueType: .integer),
        BlockCondition(id: maximumLostItems, name: "Maximum number of lost items", valueType: .integer),
        BlockCondition(id: maximumOverdueItems, name: "Maximum number of overdue items", valueType: .integer),
        BlockCondition(id: maximumOverdueRecalls, name: "Maximum number of overdue recalls", valueType: .integer),
        BlockCondition(id: recallOverdueByMaximumDays, name: "Recall overdue by maximum number of days", valueType: .integer),
        BlockCondition(id: maximumOutstandingBalance, name: "Maximum outstanding fee/fine balance", valueType: .double),
    ]

    public static func known(_ id: UUID) -> BlockCondition? {
        defaults.first { $0.id == id }
    }

    /// FOLIO's rules for a condition's flags and message, with its messages.
    public func validationProblem() -> String? {
        let hasMessage = !message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        if blocksAnything && !hasMessage { return "Message to be displayed is a required field if one or more blocked actions selected" }
        if !blocksAnything && hasMessage { return "One or more blocked actions must be selected for message to be displayed to be used" }
        return nil
    }
}
