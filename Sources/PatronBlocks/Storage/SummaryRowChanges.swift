import Foundation

/// The loan and fee rows a summary's write must touch: those of `after` that are new or differ
/// from `before` (a row's position is part of it), and the ids of `before`'s that are gone. An
/// event changes one row or two of a patron's, so its write sends those and no others.
///
/// `before` must be what the database holds, which the write ensures by checking the version it
/// was read at: rows the write does not send stay as they are.
struct SummaryRowChanges: Equatable {
    struct PositionedLoan: Equatable {
        var position: Int
        var loan: OpenLoan
    }

    struct PositionedFee: Equatable {
        var position: Int
        var fee: OpenFeeFine
    }

    var goneLoans: [UUID] = []
    var loans: [PositionedLoan] = []
    var goneFees: [UUID] = []
    var fees: [PositionedFee] = []

    init(from before: UserSummary?, to after: UserSummary?) {
        let loansBefore = Dictionary(before?.openLoans.enumerated().map { ($1.loanId, PositionedLoan(position: $0, loan: $1)) } ?? [], uniquingKeysWith: { first, _ in first })
        let feesBefore = Dictionary(before?.openFeesFines.enumerated().map { ($1.feeFineId, PositionedFee(position: $0, fee: $1)) } ?? [], uniquingKeysWith: { first, _ in first })
        for (position, loan) in (after?.openLoans ?? []).enumerated() {
            let row = PositionedLoan(position: position, loan: loan)
            if loansBefore[loan.loanId] != row { loans.append(row) }
        }
        for (position, fee) in (after?.openFeesFines ?? []).enumerated() {
            let row = PositionedFee(position: position, fee: fee)
            if feesBefore[fee.feeFineId] != row { fees.append(row) }
        }
        let loansAfter = Set(after?.openLoans.map(\.loanId) ?? [])
        let feesAfter = Set(after?.openFeesFines.map(\.feeFineId) ?? [])
        goneLoans = before?.openLoans.map(\.loanId).filter { !loansAfter.contains($0) } ?? []
        goneFees = before?.openFeesFines.map(\.feeFineId).filter { !feesAfter.contains($0) } ?? []
    }
}
