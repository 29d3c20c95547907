import Foundation

/// The JSON shapes FOLIO's schemas define, exactly: closed objects, optional fields left out.
enum Representation {
    static func summary(_ summary: UserSummary) -> [String: Any] {
        [
            "id": summary.id.folio,
            "userId": summary.userId.folio,
            "openLoans": summary.openLoans.map { loan -> [String: Any] in
                var json: [String: Any] = [
                    "loanId": loan.loanId.folio, "dueDate": FolioDate.format(loan.dueDate), "recall": loan.recall,
                    "itemLost": loan.itemLost, "itemClaimedReturned": loan.itemClaimedReturned,
                ]
                if let grace = loan.gracePeriod {
                    json["gracePeriod"] = ["duration": grace.duration, "intervalId": grace.intervalId.rawValue]
                }
                return json
            },
            "openFeesFines": summary.openFeesFines.map { fee -> [String: Any] in
                var json: [String: Any] = ["feeFineId": fee.feeFineId.folio, "balance": NSDecimalNumber(decimal: fee.balance)]
                if let type = fee.feeFineTypeId { json["feeFineTypeId"] = type.folio }
                if let loan = fee.loanId { json["loanId"] = loan.folio }
                return json
            },
        ]
    }

    private static func counters(_ job: SyncJob) -> [String: Any] {
        [
            "id": job.id.folio, "status": job.status.rawValue,
            "totalNumberOfLoans": job.totalNumberOfLoans, "totalNumberOfFeesFines": job.totalNumberOfFeesFines,
            "numberOfProcessedLoans": job.numberOfProcessedLoans, "numberOfProcessedFeesFines": job.numberOfProcessedFeesFines,
            "errors": job.errors,
        ]
    }

    /// The design's request form: scope `full` or `user:{uuid}`.
    static func request(_ job: SyncJob) -> [String: Any] {
        var json = counters(job)
        json["scope"] = requestScope(job.scope)
        return json
    }

    static func requestScope(_ scope: SyncJob.Scope) -> String {
        switch scope {
        case .full: "full"
        case .user(let id): "user:\(id.folio)"
        }
    }

    /// A drift audit as created: its request and status.
    static func auditCreated(_ job: SyncJob) -> [String: Any] {
        var json: [String: Any] = ["id": job.id.folio, "repair": job.audit?.repair ?? false, "status": job.status.rawValue]
        addScope(job.scope, to: &json)
        return json
    }

    /// A drift audit: its request, status, counters and the first drifted users.
    static func audit(_ job: SyncJob) -> [String: Any] {
        let report = job.audit?.report ?? DriftReport()
        var json = auditCreated(job)
        json.merge([
            "usersChecked": report.usersChecked, "usersWithDrift": report.usersWithDrift,
            "loansMissing": report.loansMissing, "loansUnexpected": report.loansUnexpected, "loansDiffering": report.loansDiffering,
            "feesMissing": report.feesMissing, "feesUnexpected": report.feesUnexpected, "feesDiffering": report.feesDiffering,
            "usersRepaired": report.usersRepaired, "errors": job.errors,
            "drift": report.drift.map { ["userId": $0.userId.folio, "differences": $0.differences] as [String: Any] },
        ] as [String: Any]) { _, new in new }
        return json
    }

    /// `scope` `full` or `user`, with `userId`.
    private static func addScope(_ scope: SyncJob.Scope, to json: inout [String: Any]) {
        switch scope {
        case .full:
            json["scope"] = "full"
        case .user(let id):
            json["scope"] = "user"
            json["userId"] = id.folio
        }
    }

    /// FOLIO's job form: scope `full` or `user`, with `userId`.
    static func job(_ job: SyncJob) -> [String: Any] {
        var json = counters(job)
        addScope(job.scope, to: &json)
        return json
    }

    static func condition(_ condition: BlockCondition) -> [String: Any] {
        [
            "id": condition.id.folio, "name": condition.name, "blockBorrowing": condition.blockBorrowing,
            "blockRenewals": condition.blockRenewals, "blockRequests": condition.blockRequests,
            "valueType": condition.valueType.rawValue, "message": condition.message,
        ]
    }

    static func limit(_ limit: BlockLimit) -> [String: Any] {
        ["id": limit.id.folio, "patronGroupId": limit.patronGroupId.folio, "conditionId": limit.conditionId.folio, "value": NSDecimalNumber(decimal: limit.value)]
    }
}
