import Foundation

/// What a synchronization keeps of FOLIO's state until the rebuild: the loans and fees FOLIO
/// holds, as read (`UpstreamLoan`, `UpstreamAccount`), ordered by patron. A patron's summary is
/// built from them by turning each record into the events FOLIO sends for it and folding those
/// through `SummaryReducer`, so the event rules stay in one place.
extension UpstreamLoan {
    /// Where the loan sorts among its patron's loans: its creation, else its due date.
    public var stagingTime: Date { createdDate ?? dueDate }

    /// The events FOLIO sends for the loan as it stands now: the check-out (with the grace
    /// period the loan had here, which FOLIO's loans do not carry), then its item's state, then
    /// a recall's due date.
    public func events(grace: GracePeriod?) -> [PatronEvent] {
        var events = [PatronEvent.itemCheckedOut(userId: userId, loanId: id, dueDate: dueDate, gracePeriod: grace)]
        switch itemStatus {
        case let status? where status.lowercased() == "claimed returned":
            events.append(.itemClaimedReturned(userId: userId, loanId: id))
        case "Declared lost":
            events.append(.itemDeclaredLost(userId: userId, loanId: id))
        case "Aged to lost":
            events.append(.itemAgedToLost(userId: userId, loanId: id))
        default:
            break
        }
        if dueDateChangedByRecall {
            events.append(.loanDueDateChanged(userId: userId, loanId: id, dueDate: dueDate, dueDateChangedByRecall: true))
        }
        return events
    }
}

extension UpstreamAccount {
    /// Where the fee sorts among its patron's fees: its creation, else first.
    public var stagingTime: Date { createdDate ?? Date(timeIntervalSince1970: 0) }

    /// The balance event FOLIO sends for the fee as it stands now.
    public var event: PatronEvent {
        .feeFineBalanceChanged(feeFineId: id, balance: remaining, userId: userId, feeFineTypeId: feeFineId, loanId: loanId)
    }
}

/// One page of FOLIO's records, staged as read.
public enum StagedPage: Sendable, Equatable {
    case loans([UpstreamLoan])
    case accounts([UpstreamAccount])
}

/// The events of one patron's staged records, as a rebuild folds them: loans before fees (a
/// summary's loans and fees are separate lists, so this gives what FOLIO's own order gives).
public enum StagedRecords {
    public static func events(loans: [UpstreamLoan], fees: [UpstreamAccount]) -> [PatronEvent] {
        loans.flatMap { $0.events(grace: nil) } + fees.map(\.event)
    }

    /// Which of two streams ordered by patron a rebuild reads next: the one at the lower patron
    /// (in the stores' order, `UUID.folioPrecedes`), loans first for the same patron; nil when
    /// both are done.
    public static func loanComesNext(loanUser: UUID?, feeUser: UUID?) -> Bool? {
        switch (loanUser, feeUser) {
        case (nil, nil): nil
        case (_?, nil): true
        case (nil, _?): false
        case let (loan?, fee?): !fee.folioPrecedes(loan)
        }
    }
}

extension UUID {
    /// The order both stores keep ids in: SQLite compares the lower-case text, PostgreSQL the
    /// bytes, and both agree with comparing the bytes.
    public func folioPrecedes(_ other: UUID) -> Bool {
        withUnsafeBytes(of: uuid) { a in
            withUnsafeBytes(of: other.uuid) { b in
                for index in 0..<16 where a[index] != b[index] { return a[index] < b[index] }
                return false
            }
        }
    }
}
