import Foundation

/// A drift audit's request and what it found, kept with its job (an audit is a job of the
/// synchronization's kind: same claim, lease, heartbeat and paging, another last phase).
public struct DriftAudit: Sendable, Equatable {
    /// Whether drifted summaries are rebuilt from FOLIO's records, or only reported.
    public var repair: Bool
    public var report = DriftReport()

    public init(repair: Bool) {
        self.repair = repair
    }
}

/// What kind of difference a summary has with FOLIO's records.
public enum DriftKind: String, Sendable, CaseIterable, Codable {
    case loanMissing = "loan_missing"
    case loanUnexpected = "loan_unexpected"
    case loanDiffering = "loan_differing"
    case feeMissing = "fee_missing"
    case feeUnexpected = "fee_unexpected"
    case feeDiffering = "fee_differing"
}

/// One loan or fee/fine that differs, as one line an operator reads.
public struct DriftDifference: Sendable, Equatable, Codable {
    public var kind: DriftKind
    public var line: String

    public init(_ kind: DriftKind, _ line: String) {
        self.kind = kind
        self.line = line
    }
}

/// The users that drifted, with their differences (JSON: `{userId, differences}`).
public struct UserDrift: Sendable, Equatable, Codable {
    public var userId: UUID
    public var differences: [String]
}

/// An audit's counters and the first drifted users, saved page by page so that a resumed audit
/// goes on counting.
public struct DriftReport: Sendable, Equatable, Codable {
    /// How many drifted users the report lists; the counters count them all.
    public static let listedUsers = 100

    public var usersChecked = 0
    public var usersWithDrift = 0
    public var loansMissing = 0
    public var loansUnexpected = 0
    public var loansDiffering = 0
    public var feesMissing = 0
    public var feesUnexpected = 0
    public var feesDiffering = 0
    public var usersRepaired = 0
    public var drift: [UserDrift] = []
    /// The last user compared (users are compared in id order): where a resumed audit goes on.
    public var comparedThrough: UUID?

    public init() {}

    /// Counts one compared user.
    public mutating func add(userId: UUID, _ differences: [DriftDifference], repaired: Bool) {
        usersChecked += 1
        guard !differences.isEmpty else { return }
        usersWithDrift += 1
        if repaired { usersRepaired += 1 }
        for difference in differences {
            switch difference.kind {
            case .loanMissing: loansMissing += 1
            case .loanUnexpected: loansUnexpected += 1
            case .loanDiffering: loansDiffering += 1
            case .feeMissing: feesMissing += 1
            case .feeUnexpected: feesUnexpected += 1
            case .feeDiffering: feesDiffering += 1
            }
        }
        if drift.count < Self.listedUsers {
            drift.append(UserDrift(userId: userId, differences: differences.map(\.line)))
        }
    }
}

/// Compares a stored summary with FOLIO's records: values in, differences out.
public enum DriftComparison {
    /// FOLIO's view of a patron, as a synchronization would rebuild it: the audit's records
    /// (`folio`, the events a synchronization generates for them, in creation order), then the
    /// live events stored since the audit began (they may be newer than what FOLIO answered),
    /// each loan keeping the grace period it has here (grace periods are ours; FOLIO's loans
    /// carry none), under the summary id it has here (`newID` for a patron with none here).
    public static func folioView(folio: [PatronEvent], live: [PatronEvent], here: UserSummary?, newID: UUID) -> UserSummary? {
        let id = here?.id ?? newID
        guard var view = SummaryReducer.replay(live, onto: SummaryReducer.replay(folio, onto: nil, newID: id), newID: id) else { return nil }
        if let here {
            let graces = Dictionary(here.openLoans.compactMap { loan in loan.gracePeriod.map { (loan.loanId, $0) } }, uniquingKeysWith: { first, _ in first })
            for index in view.openLoans.indices {
                if let grace = graces[view.openLoans[index].loanId] { view.openLoans[index].gracePeriod = grace }
            }
        }
        return view
    }

    /// One user's audit, the same in every store: FOLIO's view of the patron, what differs, and
    /// whether the store writes the view in place of the summary (a repair, and only of drift).
    public struct UserAudit: Sendable, Equatable {
        public var differences: [DriftDifference]
        /// What a repair stores; nil: the patron has nothing open in FOLIO, and its rows go.
        public var view: UserSummary?
        public var writesRepair: Bool
    }

    public static func audit(here: UserSummary?, folio: [PatronEvent], live: [PatronEvent], repair: Bool, newID: UUID) -> UserAudit {
        let view = Self.folioView(folio: folio, live: live, here: here, newID: newID)
        let differences = Self.differences(here: here, folio: view)
        return UserAudit(differences: differences, view: view, writesRepair: repair && !differences.isEmpty)
    }

    /// What differs, loan by loan and fee by fee, in id order. Grace periods, fee types and a
    /// fee's loan are never drift: block limits do not read them from FOLIO.
    public static func differences(here: UserSummary?, folio: UserSummary?) -> [DriftDifference] {
        var result: [DriftDifference] = []
        for (id, ours, theirs) in paired(here?.openLoans ?? [], folio?.openLoans ?? [], by: \.loanId) {
            switch (ours, theirs) {
            case (nil, let theirs?):
                result.append(DriftDifference(.loanMissing, "loan \(id.folio): open in FOLIO (due \(FolioDate.format(theirs.dueDate))), missing here"))
            case (let ours?, nil):
                result.append(DriftDifference(.loanUnexpected, "loan \(id.folio): open here (due \(FolioDate.format(ours.dueDate))), not open in FOLIO"))
            case (let ours?, let theirs?):
                var parts: [String] = []
                if ours.dueDate.epochMilliseconds != theirs.dueDate.epochMilliseconds {
                    parts.append("due date \(FolioDate.format(ours.dueDate)) here, \(FolioDate.format(theirs.dueDate)) in FOLIO")
                }
                if ours.recall != theirs.recall { parts.append(flag("recalled", ours.recall, theirs.recall)) }
                if ours.itemLost != theirs.itemLost { parts.append(flag("item lost", ours.itemLost, theirs.itemLost)) }
                if ours.itemClaimedReturned != theirs.itemClaimedReturned { parts.append(flag("claimed returned", ours.itemClaimedReturned, theirs.itemClaimedReturned)) }
                if !parts.isEmpty { result.append(DriftDifference(.loanDiffering, "loan \(id.folio): " + parts.joined(separator: "; "))) }
            case (nil, nil):
                break
            }
        }
        for (id, ours, theirs) in paired(here?.openFeesFines ?? [], folio?.openFeesFines ?? [], by: \.feeFineId) {
            switch (ours, theirs) {
            case (nil, let theirs?):
                result.append(DriftDifference(.feeMissing, "fee/fine \(id.folio): open in FOLIO (balance \(theirs.balance)), missing here"))
            case (let ours?, nil):
                result.append(DriftDifference(.feeUnexpected, "fee/fine \(id.folio): open here (balance \(ours.balance)), not open in FOLIO"))
            case (let ours?, let theirs?) where ours.balance != theirs.balance:
                result.append(DriftDifference(.feeDiffering, "fee/fine \(id.folio): balance \(ours.balance) here, \(theirs.balance) in FOLIO"))
            default:
                break
            }
        }
        return result
    }

    /// Each id on either side, in id order, with the record of each side that has it.
    private static func paired<Item>(_ here: [Item], _ folio: [Item], by id: (Item) -> UUID) -> [(UUID, Item?, Item?)] {
        let ours = Dictionary(here.map { (id($0), $0) }, uniquingKeysWith: { first, _ in first })
        let theirs = Dictionary(folio.map { (id($0), $0) }, uniquingKeysWith: { first, _ in first })
        return Set(ours.keys).union(theirs.keys).sorted { $0.folio < $1.folio }.map { ($0, ours[$0], theirs[$0]) }
    }

    private static func flag(_ name: String, _ here: Bool, _ folio: Bool) -> String {
        "\(here ? "" : "not ")\(name) here, \(folio ? "" : "not ")\(name) in FOLIO"
    }
}
