import Foundation

/// The staging form of an event: a short `|`-separated line. A full synchronization stages over a
/// million of them, and JSON coding was a quarter of its time; this form is written and read
/// back only by the synchronization itself.
extension PatronEvent {
    public var compact: String {
        // Whole milliseconds: Double seconds lost FOLIO's `.021` (read back `.020999…`).
        func time(_ date: Date) -> String { String(date.epochMilliseconds) }
        switch self {
        case .itemCheckedOut(let user, let loan, let due, let grace):
            return "O|\(user.folio)|\(loan.folio)|\(time(due))|\(grace.map { "\($0.duration)|\($0.intervalId.rawValue)" } ?? "|")"
        case .itemCheckedIn(let user, let loan, let returned):
            return "I|\(user.folio)|\(loan.folio)|\(returned.map(time) ?? "")"
        case .loanClosed(let user, let loan): return "C|\(user.folio)|\(loan.folio)"
        case .itemClaimedReturned(let user, let loan): return "R|\(user.folio)|\(loan.folio)"
        case .itemDeclaredLost(let user, let loan): return "L|\(user.folio)|\(loan.folio)"
        case .itemAgedToLost(let user, let loan): return "A|\(user.folio)|\(loan.folio)"
        case .loanDueDateChanged(let user, let loan, let due, let recall):
            return "D|\(user.folio)|\(loan.folio)|\(time(due))|\(recall ? 1 : 0)"
        case .feeFineBalanceChanged(let fee, let balance, let user, let type, let loan):
            return "F|\(fee.folio)|\(balance)|\(user?.folio ?? "")|\(type?.folio ?? "")|\(loan?.folio ?? "")"
        }
    }

    public init?(compact: String) {
        let fields = compact.split(separator: "|", omittingEmptySubsequences: false)
        guard fields.count >= 3 else { return nil }
        func uuid(_ index: Int) -> UUID? { index < fields.count && !fields[index].isEmpty ? UUID(folio: String(fields[index])) : nil }
        func date(_ index: Int) -> Date? {
            guard index < fields.count else { return nil }
            if let milliseconds = Int64(fields[index]) { return Date(epochMilliseconds: milliseconds) }
            // Staged by an earlier version (Double seconds), for a job resumed across an upgrade.
            return Double(fields[index]).map { Date(epochMilliseconds: Int64(($0 * 1000).rounded())) }
        }
        if fields[0] == "F" {
            guard let fee = uuid(1), let balance = Decimal(string: String(fields[2])) else { return nil }
            self = .feeFineBalanceChanged(feeFineId: fee, balance: balance, userId: uuid(3), feeFineTypeId: uuid(4), loanId: uuid(5))
            return
        }
        guard let user = uuid(1), let loan = uuid(2) else { return nil }
        switch fields[0] {
        case "O":
            guard let due = date(3), fields.count == 6 else { return nil }
            let grace = Int(fields[4]).flatMap { duration in GracePeriod.Interval(rawValue: String(fields[5])).map { GracePeriod(duration: duration, intervalId: $0) } }
            self = .itemCheckedOut(userId: user, loanId: loan, dueDate: due, gracePeriod: grace)
        case "I": self = .itemCheckedIn(userId: user, loanId: loan, returnDate: date(3))
        case "C": self = .loanClosed(userId: user, loanId: loan)
        case "R": self = .itemClaimedReturned(userId: user, loanId: loan)
        case "L": self = .itemDeclaredLost(userId: user, loanId: loan)
        case "A": self = .itemAgedToLost(userId: user, loanId: loan)
        case "D":
            guard let due = date(3), fields.count == 5 else { return nil }
            self = .loanDueDateChanged(userId: user, loanId: loan, dueDate: due, dueDateChangedByRecall: fields[4] == "1")
        default: return nil
        }
    }
}

extension PatronEvent {
    /// A staged event read back; one that cannot be read fails the synchronization.
    init(staged payload: String) throws {
        guard let event = PatronEvent(compact: payload) else { throw StagingError(payload: payload) }
        self = event
    }
}

/// A staged event that cannot be read back: the staging was written by something else.
struct StagingError: Error, CustomStringConvertible {
    var payload: String
    var description: String { "A staged synchronization event cannot be read (\(payload.prefix(80))); request a new synchronization" }
}
