import FolioSimulator
import Foundation
import Testing
@testable import PatronBlocks

/// Drift audits run for real: the runner pages the FOLIO simulator as a synchronization does,
/// then compares (and repairs) user by user, on both backends.
@Suite struct DriftAuditTests {
    typealias Run = SynchronizationRunTests
    static let dataset = Run.dataset

    /// Summaries as FOLIO holds them: a full synchronization first.
    static func synchronize(_ storage: Storage, tenant: String, url: String) async throws {
        let sync = SyncJob(id: UUID(), scope: .full, createdAt: Date())
        try await storage.jobs.createJob(sync, tenant: tenant)
        await Run.runner(storage, okapi: url).runOnce()
        #expect(try await storage.jobs.job(tenant: tenant, id: sync.id)?.status == .done)
    }

    static func audit(_ storage: Storage, tenant: String, url: String, scope: SyncJob.Scope = .full, repair: Bool) async throws -> SyncJob {
        let job = SyncJob(id: UUID(), scope: scope, createdAt: Date(), audit: DriftAudit(repair: repair))
        try await storage.jobs.createJob(job, tenant: tenant)
        await Run.runner(storage, okapi: url).runOnce()
        return try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
    }

    struct Drifted {
        var users: Set<UUID> = []
        /// The line each drifted user must show.
        var lines: [UUID: String] = [:]
    }

    /// One patron per kind of drift, each made by an event FOLIO never saw (or a lost one).
    static func makeDrift(_ storage: Storage, tenant: String) async throws -> Drifted {
        var drifted = Drifted()
        var used: Set<UUID> = []
        func plainLoan() throws -> FolioDataset.Loan {
            let loan = try #require(Run.openLoans.first { !used.contains($0.userId) && $0.itemStatus == "Checked out" && !$0.dueDateChangedByRecall })
            used.insert(loan.userId)
            return loan
        }
        func openFee() throws -> FolioDataset.Account {
            let account = try #require(dataset.accounts.first { !used.contains($0.userId) && $0.open && $0.remainingCents != 0 })
            used.insert(account.userId)
            return account
        }
        func record(_ event: PatronEvent, _ user: UUID, _ line: String) async throws {
            try await storage.summaries.record(event, tenant: tenant, at: Date())
            drifted.users.insert(user)
            drifted.lines[user] = line
        }
        let due = { (loan: FolioDataset.Loan) in FolioDate.format(Date(epochMilliseconds: loan.dueDate.epochMilliseconds)) }
        let missing = try plainLoan()
        try await record(.itemCheckedIn(userId: missing.userId, loanId: missing.id, returnDate: nil), missing.userId,
                         "loan \(missing.id.folio): open in FOLIO (due \(due(missing))), missing here")
        let stranger = try #require(dataset.users.first { !used.contains($0.id) }).id
        used.insert(stranger)
        let phantom = UUID()
        try await record(.itemCheckedOut(userId: stranger, loanId: phantom, dueDate: FolioDate.parse("2026-12-05T10:00:00.000Z")!, gracePeriod: nil), stranger,
                         "loan \(phantom.folio): open here (due 2026-12-05T10:00:00.000+00:00), not open in FOLIO")
        let renewed = try plainLoan()
        try await record(.loanDueDateChanged(userId: renewed.userId, loanId: renewed.id, dueDate: FolioDate.parse("2026-12-01T10:00:00.000Z")!, dueDateChangedByRecall: false),
                         renewed.userId, "loan \(renewed.id.folio): due date 2026-12-01T10:00:00.000+00:00 here, \(due(renewed)) in FOLIO")
        let recalled = try plainLoan()
        try await record(.loanDueDateChanged(userId: recalled.userId, loanId: recalled.id, dueDate: recalled.dueDate, dueDateChangedByRecall: true),
                         recalled.userId, "loan \(recalled.id.folio): recalled here, not recalled in FOLIO")
        let lost = try plainLoan()
        try await record(.itemDeclaredLost(userId: lost.userId, loanId: lost.id), lost.userId, "loan \(lost.id.folio): item lost here, not item lost in FOLIO")
        let claimed = try plainLoan()
        try await record(.itemClaimedReturned(userId: claimed.userId, loanId: claimed.id), claimed.userId,
                         "loan \(claimed.id.folio): claimed returned here, not claimed returned in FOLIO")
        let paid = try openFee()
        try await record(.feeFineBalanceChanged(feeFineId: paid.id, balance: 0, userId: paid.userId, feeFineTypeId: nil, loanId: nil), paid.userId,
                         "fee/fine \(paid.id.folio): open in FOLIO (balance \(Decimal(paid.remainingCents) / 100)), missing here")
        let charged = try #require(dataset.users.first { !used.contains($0.id) }).id
        used.insert(charged)
        let extra = UUID()
        try await record(.feeFineBalanceChanged(feeFineId: extra, balance: 7, userId: charged, feeFineTypeId: nil, loanId: nil), charged,
                         "fee/fine \(extra.folio): open here (balance 7), not open in FOLIO")
        let changed = try openFee()
        try await record(.feeFineBalanceChanged(feeFineId: changed.id, balance: 99.99, userId: changed.userId, feeFineTypeId: nil, loanId: nil), changed.userId,
                         "fee/fine \(changed.id.folio): balance 99.99 here, \(Decimal(changed.remainingCents) / 100) in FOLIO")
        return drifted
    }

    static func snapshot(_ storage: Storage, tenant: String, users: [UUID]) async throws -> [UUID: UserSummary] {
        var summaries: [UUID: UserSummary] = [:]
        for user in users { summaries[user] = try await storage.summaries.summary(tenant: tenant, userId: user) }
        return summaries
    }

    static var everyUser: [UUID] { dataset.users.map(\.id) }

    @Test(arguments: Backend.available) func aReportFindsEveryKindOfDriftWithItsLineAndChangesNothing(_ backend: Backend) async throws {
        try await Run.scenario(backend) { storage, tenant, _, url in
            try await Self.synchronize(storage, tenant: tenant, url: url)
            let drifted = try await Self.makeDrift(storage, tenant: tenant)
            let before = try await Self.snapshot(storage, tenant: tenant, users: Self.everyUser)

            let done = try await Self.audit(storage, tenant: tenant, url: url, repair: false)

            #expect(done.status == .done, "\(done.errors)")
            let report = try #require(done.audit?.report)
            #expect(report.usersChecked == Set(ExpectedSummary.all(Self.dataset).keys).union(drifted.users).count)
            #expect(report.usersWithDrift == drifted.users.count && report.usersRepaired == 0)
            #expect([report.loansMissing, report.loansUnexpected, report.loansDiffering, report.feesMissing, report.feesUnexpected, report.feesDiffering] as [Int] == [1, 1, 4, 1, 1, 1])
            #expect(Set(report.drift.map(\.userId)) == drifted.users)
            for entry in report.drift {
                #expect(entry.differences == [drifted.lines[entry.userId] ?? "?"])
            }
            #expect(try await Self.snapshot(storage, tenant: tenant, users: Self.everyUser) == before)
        }
    }

    @Test(arguments: Backend.available) func aRepairRebuildsExactlyTheDriftedUsersAndKeepsGracePeriods(_ backend: Backend) async throws {
        try await Run.scenario(backend) { storage, tenant, _, url in
            try await Self.synchronize(storage, tenant: tenant, url: url)
            let drifted = try await Self.makeDrift(storage, tenant: tenant)
            // A drifted patron's other loan has a grace period, which FOLIO knows nothing of.
            let renewedUser = try #require(drifted.lines.first { $0.value.contains("due date 2026-12-01") }?.key)
            let grace = GracePeriod(duration: 2, intervalId: .days)
            let graced = try #require(try await storage.summaries.summary(tenant: tenant, userId: renewedUser)?.openLoans.first)
            try await storage.summaries.record(.itemCheckedOut(userId: renewedUser, loanId: graced.loanId, dueDate: graced.dueDate, gracePeriod: grace), tenant: tenant, at: Date())
            let before = try await Self.snapshot(storage, tenant: tenant, users: Self.everyUser)

            let done = try await Self.audit(storage, tenant: tenant, url: url, repair: true)

            #expect(done.status == .done, "\(done.errors)")
            #expect(done.audit?.report.usersRepaired == drifted.users.count && done.audit?.report.usersWithDrift == drifted.users.count)
            try await Run.expectMatchesUpstream(storage, tenant: tenant, extraUsers: Array(drifted.users))
            let after = try await Self.snapshot(storage, tenant: tenant, users: Self.everyUser)
            for user in Self.everyUser where !drifted.users.contains(user) {
                #expect(after[user] == before[user], "a user without drift was rewritten")
            }
            #expect(after[renewedUser]?.openLoans.first { $0.loanId == graced.loanId }?.gracePeriod == grace)
            // Nothing left to find.
            let again = try await Self.audit(storage, tenant: tenant, url: url, repair: false)
            #expect(again.audit?.report.usersWithDrift == 0 && again.audit?.report.drift == [])
        }
    }

    @Test(arguments: Backend.available) func aUserAuditComparesThatUserOnly(_ backend: Backend) async throws {
        try await Run.scenario(backend) { storage, tenant, _, url in
            try await Self.synchronize(storage, tenant: tenant, url: url)
            let drifted = try await Self.makeDrift(storage, tenant: tenant)
            let target = try #require(drifted.users.first)
            let done = try await Self.audit(storage, tenant: tenant, url: url, scope: .user(target), repair: true)
            #expect(done.status == .done, "\(done.errors)")
            #expect(done.audit?.report.usersChecked == 1 && done.audit?.report.usersRepaired == 1)
            #expect(done.audit?.report.drift.map(\.userId) == [target])
            let again = try await Self.audit(storage, tenant: tenant, url: url, repair: false)
            #expect(again.audit?.report.usersWithDrift == drifted.users.count - 1)
        }
    }

    /// A check-out and a check-in while the audit waits for FOLIO's accounts, after it has read
    /// the loans: FOLIO's pages predate both, the summaries hold both; neither is drift.
    @Test(arguments: Backend.available) func eventsDuringAnAuditAreNotDrift(_ backend: Backend) async throws {
        try await Run.scenario(backend) { storage, tenant, simulator, url in
            try await Self.synchronize(storage, tenant: tenant, url: url)
            await simulator.resetRequests()
            // The totals are the first accounts request; the first page is the second.
            await simulator.inject(FolioSimulator.Fault(kind: .accounts, status: nil, delay: .seconds(2), fromPage: 2, times: 1))
            let job = SyncJob(id: UUID(), scope: .full, createdAt: Date(), audit: DriftAudit(repair: false))
            try await storage.jobs.createJob(job, tenant: tenant)
            let runner = Run.runner(storage, okapi: url)
            async let ran: Void = runner.runOnce()

            let deadline = ContinuousClock.now + .seconds(20)
            while await simulator.requests.filter({ $0.path == "/accounts" }).count < 2 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let returned = try #require(Run.openLoans.first)
            var data = await simulator.data
            data.loans = data.loans.map { var loan = $0; if loan.id == returned.id { loan.open = false }; return loan }
            await simulator.replaceDataset(data)
            try await storage.summaries.record(.itemCheckedIn(userId: returned.userId, loanId: returned.id, returnDate: Date()), tenant: tenant, at: Date())
            let borrower = try #require(Self.dataset.users.last).id
            let new = FolioDataset.Loan(id: UUID(), userId: borrower, dueDate: Date().addingTimeInterval(86_400), createdDate: Date())
            await simulator.addLoan(new)
            try await storage.summaries.record(.itemCheckedOut(userId: borrower, loanId: new.id, dueDate: new.dueDate, gracePeriod: nil), tenant: tenant, at: Date())
            await ran

            let done = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(done.status == .done, "\(done.errors)")
            #expect(done.audit?.report.usersWithDrift == 0, "\(done.audit?.report.drift ?? [])")
        }
    }

    @Test(arguments: Backend.available) func aFailingUpstreamFailsTheAuditAndChangesNothing(_ backend: Backend) async throws {
        try await Run.scenario(backend) { storage, tenant, simulator, url in
            try await Self.synchronize(storage, tenant: tenant, url: url)
            _ = try await Self.makeDrift(storage, tenant: tenant)
            let before = try await Self.snapshot(storage, tenant: tenant, users: Self.everyUser)
            await simulator.resetRequests()
            await simulator.inject(FolioSimulator.Fault(kind: .accounts, status: 500, fromPage: 3, times: nil))

            let failed = try await Self.audit(storage, tenant: tenant, url: url, repair: true)

            #expect(failed.status == .failed)
            #expect(failed.errors.count == 1 && failed.errors[0].contains("answered 500") && !failed.errors[0].contains("\n"), "\(failed.errors)")
            #expect(failed.audit?.report.usersChecked == 0 && failed.audit?.report.usersRepaired == 0)
            #expect(try await Self.snapshot(storage, tenant: tenant, users: Self.everyUser) == before)
        }
    }

    @Test(arguments: [("90m", 5_400), ("12h", 43_200), ("1d", 86_400), ("60s", 60)] as [(String, Int64)])
    func auditIntervalsParse(_ text: String, _ seconds: Int64) {
        #expect(AuditInterval.parse(text) == .seconds(seconds))
    }

    @Test(arguments: ["", "d", "10", "59s", "0m", "-1h", "1w", "1.5h", "400d"])
    func auditIntervalsRefused(_ text: String) {
        #expect(AuditInterval.parse(text) == nil)
    }

    /// `--audit-every`: one full audit per interval and tenant, however many instances schedule.
    @Test(arguments: Backend.available) func aScheduledAuditIsCreatedOncePerInterval(_ backend: Backend) async throws {
        try await withInstalledTenant(backend) { storage, tenant in
            var settings = SynchronizationSettings()
            settings.auditEvery = .seconds(3_600)
            settings.auditRepair = true
            let runners = (0..<2).map { _ in SynchronizationRunner(storage: storage, settings: settings, standaloneOkapiURL: nil, standaloneToken: nil, logger: .init(label: "test")) }
            for runner in runners + runners { await runner.scheduleAudit(tenant: tenant) }
            guard case .claimed(let claimed) = try await storage.jobs.claimNextJob(tenant: tenant, runner: "r", now: Date(), lease: 60, maxAttempts: 3) else {
                Issue.record("no audit was scheduled")
                return
            }
            #expect(claimed.job.scope == .full && claimed.job.audit?.repair == true)
            #expect(try await storage.audits.finishAudit(tenant: tenant, job: claimed.job, runner: "r", now: Date()))
            #expect(try await storage.jobs.claimNextJob(tenant: tenant, runner: "r", now: Date(), lease: 60, maxAttempts: 3) == .nothingToDo, "a second audit was scheduled")
            // Without --audit-every, nothing is scheduled.
            let other = uniqueTenant()
            try await storage.tenants.installTenant(other)
            await SynchronizationRunner(storage: storage, settings: SynchronizationSettings(), standaloneOkapiURL: nil, standaloneToken: nil, logger: .init(label: "test")).scheduleAudit(tenant: other)
            #expect(try await storage.jobs.claimNextJob(tenant: other, runner: "r", now: Date(), lease: 60, maxAttempts: 3) == .nothingToDo)
        }
    }
}
