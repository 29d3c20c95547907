import Foundation

/// How one live event changes its patron's stored summary, written once for every summary
/// store: whose summary it is (an event of a deleted account names no patron: it is whoever
/// holds the fee), the summary after the event, and whether that has to be written. A store
/// looks up the fee's holder, locks, journals the event, loads the summary and writes what this
/// answers, in one transaction and in that order; or (PostgreSQL, a patron named by the event)
/// loads first and then, in one transaction, locks, checks that the summary is still the one it
/// loaded, journals and writes, and starts again when it is not.
public struct EventApplication: Sendable, Equatable {
    public let event: PatronEvent

    public init(_ event: PatronEvent) {
        self.event = event
    }

    /// The fee whose holder the store looks up first; nil when the event names its patron.
    public var feeToResolve: UUID? {
        guard event.userId == nil, case .feeFineBalanceChanged(let fee, _, _, _, _) = event else { return nil }
        return fee
    }

    /// Whose summary the event changes, given the holder the store found for `feeToResolve`:
    /// nil when nobody's (the event is journaled and changes nothing).
    public func patron(feeHolder: UUID?) -> UUID? {
        event.userId ?? feeHolder
    }

    /// The summary after the event and whether the store writes it (nil after: the patron's
    /// rows go). An event that changes nothing writes nothing, not even a timestamp.
    public struct Change: Sendable, Equatable {
        public var after: UserSummary?
        public var needsWrite: Bool
    }

    public func change(from before: UserSummary?, newID: @autoclosure () -> UUID) -> Change {
        let after = SummaryReducer.apply(event, to: before, newID: newID())
        return Change(after: after, needsWrite: after != before)
    }
}

/// A synchronization's rebuild of summaries from FOLIO's staged records, written once for every
/// store: the store streams each patron's staged loans (with the grace period each loan had here
/// when the synchronization began), then the patron's fees, patrons in id order
/// (`StagedRecords.loanComesNext`); a patron's summary is finished when the next patron's first
/// record arrives, and once more at the end. Memory holds one patron at a time.
public struct SummaryRebuild: Sendable {
    private var user: UUID?
    private var summary: UserSummary?

    public init() {}

    /// Folds one staged loan. Returns the previous patron's summary when this record is another
    /// patron's first (nil when that patron was left with nothing open).
    public mutating func add(_ loan: UpstreamLoan, grace: GracePeriod?, newID: @autoclosure () -> UUID) -> UserSummary? {
        fold(loan.events(grace: grace), of: loan.userId, newID: newID())
    }

    /// Folds one staged fee, as `add(_:grace:newID:)` a loan.
    public mutating func add(_ fee: UpstreamAccount, newID: @autoclosure () -> UUID) -> UserSummary? {
        fold([fee.event], of: fee.userId, newID: newID())
    }

    /// The current patron's summary (nil when nothing is open), and a fresh start.
    public mutating func finish() -> UserSummary? {
        defer { summary = nil }
        guard let summary, !summary.isEmpty else { return nil }
        return summary
    }

    private mutating func fold(_ events: [PatronEvent], of user: UUID, newID: @autoclosure () -> UUID) -> UserSummary? {
        var finished: UserSummary?
        if user != self.user {
            finished = finish()
            self.user = user
        }
        for event in events {
            summary = SummaryReducer.apply(event, to: summary, newID: newID())
        }
        return finished
    }
}
