import Foundation
import Logging

/// What patronblocks tells mod-pubsub when a tenant installs it (reference section 5): the event
/// types it publishes, itself as their publisher, and its eight subscriptions, each to its
/// handler. Calls go through Okapi with the `_tenant` request's URL and token.
public struct PubSubRegistration: Sendable {
    public struct EventType: Sendable, Equatable {
        public var eventType: String
        public var description: String
    }

    public static let published: [EventType] = [
        EventType(eventType: "ITEM_CHECKED_OUT", description: "Item has been checked out"),
        EventType(eventType: "ITEM_CHECKED_IN", description: "Item has been checked in"),
        EventType(eventType: "ITEM_DECLARED_LOST", description: "Item has been declared lost"),
        EventType(eventType: "LOAN_DUE_DATE_CHANGED", description: "Loan due date has been changed"),
        EventType(eventType: "FEE_FINE_BALANCE_CHANGED", description: "Fee/fine balance has changed"),
    ]

    /// The events patronblocks consumes, in the order FOLIO's module declares them.
    public static let subscribed: [PatronEvent.Kind] = [
        .feeFineBalanceChanged, .itemCheckedOut, .itemCheckedIn, .itemDeclaredLost, .itemAgedToLost, .itemClaimedReturned, .loanDueDateChanged, .loanClosed,
    ]

    public static func callbackAddress(_ kind: PatronEvent.Kind) -> String {
        "/automated-patron-blocks/handlers/\(kind.handler)"
    }

    let client: FolioClient
    let moduleId: String

    public init(context: UpstreamContext, moduleId: String, logger: Logger) {
        client = FolioClient(context: context, retry: .init(maxAttempts: 3, baseDelay: .milliseconds(100), maxDelay: .seconds(1)), logger: logger)
        self.moduleId = moduleId
    }

    /// Registers everything; the first call that fails ends it with an error that names the call.
    public func register() async throws {
        let descriptors: [[String: Any]] = Self.published.map { ["eventType": $0.eventType, "description": $0.description, "eventTTL": 1, "signed": false] }
        for descriptor in descriptors {
            try await post("/pubsub/event-types", descriptor)
        }
        try await post("/pubsub/event-types/declare/publisher", ["moduleId": moduleId, "eventDescriptors": descriptors])
        try await post("/pubsub/event-types/declare/subscriber", [
            "moduleId": moduleId,
            "subscriptionDefinitions": Self.subscribed.map { ["eventType": $0.rawValue, "callbackAddress": Self.callbackAddress($0)] },
        ])
    }

    private func post(_ path: String, _ body: [String: Any]) async throws {
        do {
            try await client.post(path, json: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        } catch let error as UpstreamError {
            throw PubSubRegistrationError(message: "Registering with mod-pubsub failed: \(error.message)")
        }
    }
}

public struct PubSubRegistrationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
