import FolioSimulator
import Backoff
import Foundation
import HTTPTypes
import Logging
import PatronSyncTestSupport
import Testing
@testable import PatronBlocks

/// Section 2 of the reference, run for real: a runner pages through the FOLIO simulator over
/// HTTP and rebuilds summaries in SQLite and in PostgreSQL.
@Suite struct SynchronizationRunTests {
    static let token = "sync-test-token"
    static let dataset = FolioDataset.generate(users: 120, loans: 900, accounts: 260, seed: 11)
    static let openLoans = dataset.loans.filter(\.open)

    static func runner(_ storage: Storage, okapi: String?, id: String = "runner-\(UUID().uuidString.prefix(6))",
                       lease: TimeInterval = 60, attempts: Int = 3, parallelPages: Int = 1) -> SynchronizationRunner {
        var settings = SynchronizationSettings()
        settings.pageSize = 50
        // One chain unless a test asks for slices: the request-by-request expectations are FOLIO's.
        settings.parallelPages = parallelPages
        settings.lease = lease
        settings.heartbeatInterval = .milliseconds(200)
        settings.pollInterval = .milliseconds(200)
        settings.maxAttempts = attempts
        settings.retry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(40))
        settings.runnerID = id
        var logger = Logger(label: "test.runner")
        logger.logLevel = .critical
        return SynchronizationRunner(storage: storage, settings: settings, standaloneOkapiURL: okapi, standaloneToken: token, logger: logger)
    }

    /// Waits until the job satisfies `condition` (or fails the test after `seconds`).
    static func wait(for jobId: UUID, tenant: String, in storage: Storage, seconds: Double = 30,
                     until condition: (SyncJob) -> Bool) async throws -> SyncJob {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let job = try await storage.jobs.job(tenant: tenant, id: jobId), condition(job) { return job }
            try await Task.sleep(for: .milliseconds(20))
        }
        let job = try await storage.jobs.job(tenant: tenant, id: jobId)
        Issue.record("job never reached the state; last seen \(String(describing: job))")
        throw Backend.Missing(description: "timed out")
    }

    static func expectMatchesUpstream(_ storage: Storage, tenant: String, _ dataset: FolioDataset = dataset,
                                      extraUsers: [UUID] = [], ignoring: Set<UUID> = [], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let users = (dataset.users.map(\.id) + extraUsers).filter { !ignoring.contains($0) }
        let problems = try await mismatches(storage, tenant: tenant, users: users, expected: ExpectedSummary.all(dataset))
        #expect(problems.isEmpty, "\(problems.count) summaries differ: \(problems.prefix(3))", sourceLocation: sourceLocation)
    }

    /// Runs `body` with installed tenant storage and the simulator serving `dataset`.
    static func scenario(_ backend: Backend, dataset: FolioDataset = dataset,
                         _ body: @Sendable (Storage, String, FolioSimulator, String) async throws -> Void) async throws {
        try await withInstalledTenant(backend) { storage, tenant in
            try await withSimulator(dataset) { simulator, url in
                try await body(storage, tenant, simulator, url)
            }
        }
    }

    @Test(arguments: Backend.available) func fullSyncRebuildsEverySummaryFromUpstream(_ backend: Backend) async throws {
        try await Self.scenario(backend) { storage, tenant, simulator, url in
            // A summary upstream knows nothing of goes; a loan's grace period stays.
            let stale = UUID()
            try await storage.summaries.record(.itemCheckedOut(userId: stale, loanId: UUID(), dueDate: Date(), gracePeriod: nil), tenant: tenant, at: Date())
            let graced = try #require(Self.openLoans.first)
            let grace = GracePeriod(duration: 3, intervalId: .hours)
            try await storage.summaries.record(.itemCheckedOut(userId: graced.userId, loanId: graced.id, dueDate: Date(timeIntervalSince1970: 0), gracePeriod: grace), tenant: tenant, at: Date())
            let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(job, tenant: tenant)

            await Self.runner(storage, okapi: url).runOnce()

            let done = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(done.status == .done, "\(done.errors)")
            #expect(done.errors.isEmpty)
            #expect(done.totalNumberOfLoans == 900 && done.numberOfProcessedLoans == 900)
            #expect(done.totalNumberOfFeesFines == 260 && done.numberOfProcessedFeesFines == 260)
            try await Self.expectMatchesUpstream(storage, tenant: tenant, extraUsers: [stale])
            let summary = try #require(try await storage.summaries.summary(tenant: tenant, userId: graced.userId))
            #expect(summary.openLoans.first { $0.loanId == graced.id }?.gracePeriod == grace)

            // The totals come first (limit=0), then keyset pages exactly as FOLIO builds them.
            let requests = await simulator.requests
            let loans = requests.filter { $0.path == "/loan-storage/loans" }
            let pages = 900 / 50 + 1  // the last full page is followed by an empty one
            #expect(loans.count == 1 + pages)
            #expect(loans[0].limit == 0 && loans[0].query == "status.name==Open sortBy id")
            #expect(loans[1].limit == 50 && loans[1].query == "status.name==Open sortBy id")
            #expect(loans[2].query == "status.name==Open and id > \(Self.openLoans[49].id.folio) sortBy id")
            let accounts = requests.filter { $0.path == "/accounts" }
            #expect(accounts.count == 1 + 6)
            #expect(requests.allSatisfy { $0.tenant == tenant && $0.token == Self.token })
        }
    }

    /// Found by the contract fuzzer: one loan id under two patrons, both with grace periods.
    @Test(arguments: Backend.available) func aLoanIdUnderTwoPatronsDoesNotStopASync(_ backend: Backend) async throws {
        try await Self.scenario(backend) { storage, tenant, _, url in
            let loan = UUID()
            for user in [UUID(), UUID()] {
                try await storage.summaries.record(.itemCheckedOut(userId: user, loanId: loan, dueDate: Date(), gracePeriod: GracePeriod(duration: 1, intervalId: .days)), tenant: tenant, at: Date())
            }
            let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(job, tenant: tenant)
            await Self.runner(storage, okapi: url).runOnce()
            let done = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(done.status == .done, "\(done.errors)")
            try await Self.expectMatchesUpstream(storage, tenant: tenant)
        }
    }

    @Test(arguments: Backend.available) func userSyncRebuildsOnlyThatUser(_ backend: Backend) async throws {
        try await Self.scenario(backend) { storage, tenant, simulator, url in
            let target = try #require(Self.dataset.accounts.first { account in Self.openLoans.contains { $0.userId == account.userId } }?.userId)
            let other = try #require(Self.dataset.users.first { $0.id != target }?.id)
            let staleLoan = UUID(), otherLoan = UUID()
            try await storage.summaries.record(.itemCheckedOut(userId: target, loanId: staleLoan, dueDate: Date(), gracePeriod: nil), tenant: tenant, at: Date())
            try await storage.summaries.record(.itemCheckedOut(userId: other, loanId: otherLoan, dueDate: Date(), gracePeriod: nil), tenant: tenant, at: Date())
            let job = SyncJob(id: UUID(), scope: .user(target), createdAt: Date())
            try await storage.jobs.createJob(job, tenant: tenant)

            await Self.runner(storage, okapi: url).runOnce()

            let done = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(done.status == .done, "\(done.errors)")
            let expected = ExpectedSummary.all(Self.dataset)[target]
            #expect(done.totalNumberOfLoans == expected?.loans.count && done.numberOfProcessedLoans == expected?.loans.count)
            #expect(done.totalNumberOfFeesFines == expected?.fees.count)
            #expect(try await storage.summaries.summary(tenant: tenant, userId: target).map(ExpectedSummary.init) == expected)
            // Everyone else is untouched, stale or not.
            #expect(try await storage.summaries.summary(tenant: tenant, userId: other)?.openLoans.map(\.loanId) == [otherLoan])
            let requests = await simulator.requests
            #expect(requests.allSatisfy { $0.query?.hasPrefix("status.name==Open and userId==\(target.folio)") == true })

            // A user upstream knows nothing of: the summary goes.
            let unknown = UUID()
            try await storage.summaries.record(.itemCheckedOut(userId: unknown, loanId: UUID(), dueDate: Date(), gracePeriod: nil), tenant: tenant, at: Date())
            let second = SyncJob(id: UUID(), scope: .user(unknown), createdAt: Date())
            try await storage.jobs.createJob(second, tenant: tenant)
            await Self.runner(storage, okapi: url).runOnce()
            #expect(try await storage.jobs.job(tenant: tenant, id: second.id)?.status == .done)
            #expect(try await storage.summaries.summary(tenant: tenant, userId: unknown) == nil)
        }
    }

    @Test(arguments: Backend.available) func aPageThatFailsOnceIsRetried(_ backend: Backend) async throws {
        try await Self.scenario(backend) { storage, tenant, simulator, url in
            await simulator.inject(.init(kind: .accounts, status: 500, fromPage: 3, times: 1))
            await simulator.inject(.init(kind: .loans, status: 503, fromPage: 5, times: 2))
            let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(job, tenant: tenant)
            await Self.runner(storage, okapi: url).runOnce()
            let done = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(done.status == .done, "\(done.errors)")
            #expect(done.errors.isEmpty)
            try await Self.expectMatchesUpstream(storage, tenant: tenant)
            let requests = await simulator.requests
            let accountRequests = requests.filter { $0.path == "/accounts" }.count
            #expect(accountRequests == 8)
            let loanRequests = requests.filter { $0.path == "/loan-storage/loans" }.count
            #expect(loanRequests == 22)
        }
    }

    @Test(arguments: Backend.available) func anUnreadableUpstreamFailsTheJobAndKeepsEverySummary(_ backend: Backend) async throws {
        try await Self.scenario(backend) { storage, tenant, simulator, url in
            let first = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(first, tenant: tenant)
            await Self.runner(storage, okapi: url).runOnce()
            #expect(try await storage.jobs.job(tenant: tenant, id: first.id)?.status == .done)

            // Upstream changes completely, but its accounts cannot be read past the first page.
            let changed = FolioDataset.generate(users: 60, loans: 400, accounts: 200, seed: 99)
            await simulator.replaceDataset(changed)
            await simulator.resetRequests()
            await simulator.inject(.init(kind: .accounts, status: 503, fromPage: 3, times: nil))
            let second = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(second, tenant: tenant)
            await Self.runner(storage, okapi: url).runOnce()

            let failed = try #require(try await storage.jobs.job(tenant: tenant, id: second.id))
            #expect(failed.status == .failed)
            #expect(failed.errors.last?.contains("answered 503") == true, "\(failed.errors)")
            #expect(failed.numberOfProcessedLoans == 400 && failed.numberOfProcessedFeesFines == 50)
            // Three attempts at the failing page, then it stops.
            #expect(await simulator.requests.filter { $0.path == "/accounts" }.count == 2 + 3)
            try await Self.expectMatchesUpstream(storage, tenant: tenant)
            for user in changed.users.prefix(20) {
                #expect(try await storage.summaries.summary(tenant: tenant, userId: user.id) == nil)
            }

            // A 4xx is not retried.
            await simulator.clearFaults()
            await simulator.resetRequests()
            await simulator.inject(.init(kind: .loans, status: 400, fromPage: 2, times: nil))
            let third = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(third, tenant: tenant)
            await Self.runner(storage, okapi: url).runOnce()
            let refused = try #require(try await storage.jobs.job(tenant: tenant, id: third.id))
            #expect(refused.status == .failed)
            #expect(refused.errors.last?.contains("answered 400") == true)
            #expect(await simulator.requests.filter { $0.path == "/loan-storage/loans" }.count == 2)
            try await Self.expectMatchesUpstream(storage, tenant: tenant)
        }
    }

    @Test(arguments: Backend.available) func withoutAWayToFolioTheJobFailsClearly(_ backend: Backend) async throws {
        try await Self.scenario(backend) { storage, tenant, _, _ in
            let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(job, tenant: tenant)
            await Self.runner(storage, okapi: nil).runOnce()
            let failed = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(failed.status == .failed)
            #expect(failed.errors == ["No way to reach FOLIO for tenant \(tenant): call /run with X-Okapi-Url, or configure PATRONBLOCKS_OKAPI_URL"])

            // Nothing listening: retried, then failed with the reason.
            let unreachable = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(unreachable, tenant: tenant)
            await Self.runner(storage, okapi: "http://127.0.0.1:9").runOnce()
            let refused = try #require(try await storage.jobs.job(tenant: tenant, id: unreachable.id))
            #expect(refused.status == .failed)
            #expect(refused.errors.last?.contains("did not answer") == true, "\(refused.errors)")
        }
    }

    @Test(arguments: Backend.available) func liveEventsDuringAFullSyncAreNotLost(_ backend: Backend) async throws {
        try await Self.scenario(backend) { storage, tenant, simulator, url in
            await simulator.inject(.init(kind: .loans, status: nil, delay: .milliseconds(40), times: nil))
            let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(job, tenant: tenant)
            let runner = Self.runner(storage, okapi: url)
            let run = Task { await runner.runOnce() }

            let midway = try await Self.wait(for: job.id, tenant: tenant, in: storage) { $0.numberOfProcessedLoans >= 100 }
            #expect(midway.status == .inProgress)
            #expect(midway.numberOfProcessedLoans < 900, "counters advance page by page")
            #expect(midway.totalNumberOfLoans == 900, "totals are known before processing")

            // A new patron checks out; an upstream loan is returned; a fee is paid down; an
            // upstream loan is checked out again live with a grace period.
            let newcomer = UUID(), newLoan = UUID()
            let grace = GracePeriod(duration: 1, intervalId: .weeks)
            try await storage.summaries.record(.itemCheckedOut(userId: newcomer, loanId: newLoan, dueDate: Date(), gracePeriod: grace), tenant: tenant, at: Date())
            let returned = Self.openLoans[10]
            try await storage.summaries.record(.itemCheckedIn(userId: returned.userId, loanId: returned.id, returnDate: Date()), tenant: tenant, at: Date())
            let fee = try #require(Self.dataset.accounts.last)
            try await storage.summaries.record(.feeFineBalanceChanged(feeFineId: fee.id, balance: Decimal(string: "0.05")!, userId: fee.userId, feeFineTypeId: fee.feeFineId, loanId: fee.loanId), tenant: tenant, at: Date())
            let regraced = Self.openLoans[700]
            try await storage.summaries.record(.itemCheckedOut(userId: regraced.userId, loanId: regraced.id, dueDate: regraced.dueDate, gracePeriod: grace), tenant: tenant, at: Date())

            await run.value
            let done = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(done.status == .done, "\(done.errors)")

            let summaryOfNewcomer = try await storage.summaries.summary(tenant: tenant, userId: newcomer)
            #expect(summaryOfNewcomer?.openLoans.map(\.loanId) == [newLoan])
            #expect(summaryOfNewcomer?.openLoans.first?.gracePeriod == grace)
            #expect(try await storage.summaries.summary(tenant: tenant, userId: returned.userId)?.openLoans.contains { $0.loanId == returned.id } != true)
            let paid = try await storage.summaries.summary(tenant: tenant, userId: fee.userId)?.openFeesFines.first { $0.feeFineId == fee.id }
            #expect(paid?.balance == Decimal(string: "0.05")!)
            let regracedLoan = try await storage.summaries.summary(tenant: tenant, userId: regraced.userId)?.openLoans.first { $0.loanId == regraced.id }
            #expect(regracedLoan?.gracePeriod == grace)
            try await Self.expectMatchesUpstream(storage, tenant: tenant, ignoring: [returned.userId, fee.userId])
        }
    }

    @Test(arguments: Backend.available) func aStoppedRunnerGivesTheJobBackAndAnotherResumesIt(_ backend: Backend) async throws {
        try await Self.scenario(backend) { storage, tenant, simulator, url in
            await simulator.inject(.init(kind: .loans, status: nil, delay: .milliseconds(40), times: nil))
            let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(job, tenant: tenant)
            let first = Self.runner(storage, okapi: url, id: "first")
            let run = Task { await first.runOnce() }
            _ = try await Self.wait(for: job.id, tenant: tenant, in: storage) { $0.numberOfProcessedLoans >= 100 }
            run.cancel()
            await run.value

            let released = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(released.status == .open)
            #expect(released.numberOfProcessedLoans >= 100 && released.numberOfProcessedLoans < 900)

            let before = await simulator.requests.count
            await Self.runner(storage, okapi: url, id: "second").runOnce()
            let done = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(done.status == .done, "\(done.errors)")
            #expect(done.numberOfProcessedLoans == 900)
            try await Self.expectMatchesUpstream(storage, tenant: tenant)
            let resumed = await simulator.requests.dropFirst(before).filter { $0.path == "/loan-storage/loans" }
            #expect(resumed.first?.query?.contains(" and id > ") == true, "resumes after the last stored page")
            #expect(!resumed.contains { $0.limit == 0 })
        }
    }

    /// The loan pages a run still asks for when `stored` loans were stored, paging `slices`
    /// slices of 50-loan pages: each slice's loans over 50, plus its last short page, less the
    /// full pages stored. A slice that had finished is asked once more (after its last id, an
    /// empty page), so up to `slices` more.
    static func loanPagesLeft(slices: Int, stored: Int) -> ClosedRange<Int> {
        let perSlice = KeysetRange.split(into: slices).map { range in openLoans.filter { range.contains($0.id) }.count / 50 + 1 }
        let left = perSlice.reduce(0, +) - stored / 50
        return left...(left + slices)
    }

    /// A `patronblocks` process in the middle of a full synchronization (slow loan pages, 100 of
    /// 900 loans stored), with the storage it shares with the test.
    static func withInstanceMidSync(
        _ backend: Backend, arguments: [String],
        _ body: @Sendable (_ storage: Storage, _ simulator: FolioSimulator, _ url: String, _ tenant: String, _ job: SyncJob, _ instance: Executable.Running) async throws -> Void
    ) async throws {
        let location = try await StorageLocation.make(backend)
        let tenant = uniqueTenant()
        let database: String = switch location.storage {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): url
        }
        try await location.withStorage { storage in
            try await storage.tenants.installTenant(tenant)
            try await withSimulator(Self.dataset) { simulator, url in
                await simulator.inject(.init(kind: .loans, status: nil, delay: .milliseconds(80), times: nil))
                let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
                try await storage.jobs.createJob(job, tenant: tenant)
                let folder = TemporaryDirectory("patronblocks-instance")
                let instance = try Executable.launch("patronblocks", [
                    "--database", database, "--okapi-url", url, "--port", "0", "--page-size", "50", "--poll-seconds", "1",
                ] + arguments, in: folder.url)
                _ = try await Self.wait(for: job.id, tenant: tenant, in: storage) { $0.numberOfProcessedLoans >= 100 }
                try await body(storage, simulator, url, tenant, job, instance)
            }
        }
    }

    @Test(arguments: Backend.available) func aKilledInstanceIsResumedByAnother(_ backend: Backend) async throws {
        try await Self.withInstanceMidSync(backend, arguments: ["--okapi-token", Self.token, "--lease-seconds", "5"]) { storage, simulator, url, tenant, job, instance in
            instance.kill()
            let stuck = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(stuck.status == .inProgress, "\(instance.output)")
            #expect(stuck.numberOfProcessedLoans < 900)
            // Within the lease another instance leaves the job alone...
            #expect(try await storage.jobs.claimNextJob(tenant: tenant, runner: "early", now: Date(), lease: 60, maxAttempts: 3) == .busy)
            // ...and after it, takes it over where the dead one stopped.
            try await Task.sleep(for: .milliseconds(1_500))
            let before = await simulator.requests.count
            await Self.runner(storage, okapi: url, id: "survivor", lease: 1).runOnce()
            let done = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(done.status == .done, "\(done.errors)")
            #expect(done.numberOfProcessedLoans == 900 && done.numberOfProcessedFeesFines == 260)
            try await Self.expectMatchesUpstream(storage, tenant: tenant)
            // The instance paged four slices (its default); each goes on after its last stored page.
            let resumed = await simulator.requests.dropFirst(before).filter { $0.path == "/loan-storage/loans" }
            #expect(Self.loanPagesLeft(slices: 4, stored: stuck.numberOfProcessedLoans).contains(resumed.count), "\(resumed.map(\.query))")
        }
    }

    /// SIGTERM, as an orchestrator sends on a deploy: the instance finishes its page, hands the
    /// job back with its progress, exits 0, and the next instance goes on from there.
    @Test(arguments: Backend.available) func aGracefulShutdownHandsTheJobBack(_ backend: Backend) async throws {
        try await Self.withInstanceMidSync(backend, arguments: []) { storage, simulator, url, tenant, job, instance in
            let status = await instance.terminate()
            #expect(status == 0, "\(instance.output)")
            #expect(instance.output.contains("Shutting down: the synchronization stops and can be resumed"))
            let handedBack = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(handedBack.status == .open, "\(handedBack)")
            #expect(handedBack.numberOfProcessedLoans >= 100 && handedBack.numberOfProcessedLoans < 900)

            let before = await simulator.requests.count
            await Self.runner(storage, okapi: url, id: "next").runOnce()
            let done = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(done.status == .done, "\(done.errors)")
            #expect(done.numberOfProcessedLoans == 900, "a page stored before the stop and read again would count twice")
            try await Self.expectMatchesUpstream(storage, tenant: tenant)
            // The instance paged four slices (its default); each goes on after its last stored page.
            let resumed = await simulator.requests.dropFirst(before).filter { $0.path == "/loan-storage/loans" }
            #expect(Self.loanPagesLeft(slices: 4, stored: handedBack.numberOfProcessedLoans).contains(resumed.count), "\(resumed.map(\.query))")
        }
    }

    @Test(arguments: Backend.available) func twoInstancesRacingRunAJobOnce(_ backend: Backend) async throws {
        let location = try await StorageLocation.make(backend)
        let tenant = uniqueTenant()
        try await location.withStorage { one in
            try await location.withStorage { two in
                try await one.tenants.installTenant(tenant)
                try await withSimulator(Self.dataset) { simulator, url in
                    await simulator.inject(.init(kind: .loans, status: nil, delay: .milliseconds(5), times: nil))
                    let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
                    try await one.jobs.createJob(job, tenant: tenant)
                    async let first: Void = Self.runner(one, okapi: url, id: "one").runOnce()
                    async let second: Void = Self.runner(two, okapi: url, id: "two").runOnce()
                    _ = await (first, second)
                    #expect(try await one.jobs.job(tenant: tenant, id: job.id)?.status == .done)
                    let counts = await simulator.requests.filter { $0.limit == 0 }
                    #expect(counts.count == 2, "one runner counted loans and accounts once: \(counts.map(\.path))")
                    try await Self.expectMatchesUpstream(two, tenant: tenant)

                    // Sixteen claims at once from two instances: exactly one wins.
                    let next = SyncJob(id: UUID(), scope: .full, createdAt: Date())
                    try await two.jobs.createJob(next, tenant: tenant)
                    let outcomes = try await withThrowingTaskGroup(of: ClaimOutcome.self) { group in
                        for index in 0..<16 {
                            let storage = index % 2 == 0 ? one : two
                            group.addTask { try await storage.jobs.claimNextJob(tenant: tenant, runner: "claimer-\(index)", now: Date(), lease: 60, maxAttempts: 3) }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    #expect(outcomes.filter { if case .claimed = $0 { true } else { false } }.count == 1)
                    #expect(outcomes.filter { $0 == .busy }.count == 15)
                }
            }
        }
    }

    @Test(arguments: Backend.available) func leasesHeartbeatsAndAttempts(_ backend: Backend) async throws {
        try await withInstalledTenant(backend) { storage, tenant in
            let start = Date()
            let older = SyncJob(id: UUID(), scope: .full, createdAt: start)
            let newer = SyncJob(id: UUID(), scope: .user(userA), createdAt: start.addingTimeInterval(1))
            try await storage.jobs.createJob(newer, tenant: tenant)
            try await storage.jobs.createJob(older, tenant: tenant)

            // The oldest open job first, one at a time.
            guard case .claimed(let a) = try await storage.jobs.claimNextJob(tenant: tenant, runner: "a", now: start, lease: 60, maxAttempts: 2) else {
                Issue.record("nothing claimed"); return
            }
            #expect(a.job.id == older.id && a.attempt == 1 && a.job.status == .inProgress)
            #expect(try await storage.jobs.job(tenant: tenant, id: older.id)?.status == .inProgress)
            #expect(try await storage.jobs.claimNextJob(tenant: tenant, runner: "b", now: start.addingTimeInterval(30), lease: 60, maxAttempts: 2) == .busy)
            #expect(try await storage.jobs.heartbeat(tenant: tenant, jobId: older.id, runner: "a", now: start.addingTimeInterval(50)))
            #expect(try await storage.jobs.claimNextJob(tenant: tenant, runner: "b", now: start.addingTimeInterval(100), lease: 60, maxAttempts: 2) == .busy)

            // a falls silent: after the lease b takes the job over, and a learns it lost it.
            guard case .claimed(let b) = try await storage.jobs.claimNextJob(tenant: tenant, runner: "b", now: start.addingTimeInterval(111), lease: 60, maxAttempts: 2) else {
                Issue.record("not taken over"); return
            }
            #expect(b.job.id == older.id && b.attempt == 2)
            #expect(try await storage.jobs.heartbeat(tenant: tenant, jobId: older.id, runner: "a", now: start.addingTimeInterval(112)) == false)
            #expect(try await storage.jobs.saveProgress(tenant: tenant, job: a.job, progress: a.progress, runner: "a", now: start.addingTimeInterval(112)) == false)
            #expect(try await storage.sync.stagePage(tenant: tenant, jobId: older.id, page: .loans([]), job: a.job, progress: a.progress, runner: "a", now: start.addingTimeInterval(112)) == false)

            // b dies too: the job has had its attempts and fails with the reason; the next one runs.
            guard case .claimed(let c) = try await storage.jobs.claimNextJob(tenant: tenant, runner: "c", now: start.addingTimeInterval(300), lease: 60, maxAttempts: 2) else {
                Issue.record("the next job was not claimed"); return
            }
            #expect(c.job.id == newer.id)
            let failed = try #require(try await storage.jobs.job(tenant: tenant, id: older.id))
            #expect(failed.status == .failed)
            #expect(failed.errors.last?.hasPrefix("The synchronization stopped: its runner sent no heartbeat since") == true, "\(failed.errors)")

            // A released job goes back to open with its progress, for the next claim.
            var progress = c.progress
            progress.phase = .accounts
            var job = c.job
            job.numberOfProcessedLoans = 42
            #expect(try await storage.jobs.saveProgress(tenant: tenant, job: job, progress: progress, runner: "c", now: start.addingTimeInterval(301)))
            try await storage.jobs.release(tenant: tenant, jobId: newer.id, runner: "c")
            #expect(try await storage.jobs.job(tenant: tenant, id: newer.id)?.status == .open)
            guard case .claimed(let d) = try await storage.jobs.claimNextJob(tenant: tenant, runner: "d", now: start.addingTimeInterval(302), lease: 60, maxAttempts: 2) else {
                Issue.record("released job not claimed"); return
            }
            #expect(d.progress.phase == .accounts && d.job.numberOfProcessedLoans == 42 && d.attempt == 2)
            let idle = uniqueTenant("idle")
            try await storage.tenants.installTenant(idle)
            #expect(try await storage.jobs.claimNextJob(tenant: idle, runner: "e", now: start, lease: 60, maxAttempts: 2) == .nothingToDo)
        }
    }

    /// The whole path as FOLIO drives it: create a job, Okapi's timer calls /start with its URL
    /// and token, the job is watched through GET until done, and the summaries answer.
    @Test(arguments: Backend.available) func folioDrivesASyncThroughTheAPI(_ backend: Backend) async throws {
        try await withSimulator(Self.dataset) { simulator, url in
            try await withService(backend, configure: { $0.synchronization.pageSize = 100 }) { service, api in
                let created = try await api.post("/automated-patron-blocks/synchronization/job", #"{"scope": "full"}"#)
                let id = try #require(try created.json["id"] as? String)
                let start = try await api.call(.post, "/automated-patron-blocks/synchronization/start", headers: [
                    HTTPField.Name("X-Okapi-Url")!: url, HTTPField.Name("X-Okapi-Token")!: "okapi-timer-token",
                    HTTPField.Name("X-Okapi-Request-Id")!: "123456/patron-blocks",
                ])
                #expect(start.status == .accepted)
                var job: [String: Any] = [:]
                // Done in a second or two alone; the whole suite side by side on two cores has
                // taken more than 30 s.
                let deadline = ContinuousClock.now + .seconds(120)
                while ContinuousClock.now < deadline {
                    job = try await api.get("/automated-patron-blocks/synchronization/job/\(id)").json
                    if job["status"] as? String == "done" || job["status"] as? String == "failed" { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(job["status"] as? String == "done", "\(job)")
                #expect(job["numberOfProcessedLoans"] as? Int == 900 && job["totalNumberOfFeesFines"] as? Int == 260)
                let requests = await simulator.requests
                #expect(!requests.isEmpty && requests.allSatisfy { $0.token == "okapi-timer-token" && $0.tenant == api.tenant })
                #expect(requests.allSatisfy { $0.requestID == "123456/patron-blocks" })
                let expected = ExpectedSummary.all(Self.dataset)
                let user = try #require(expected.keys.first)
                let summary = try await api.get("/user-summary/\(user.folio)")
                #expect(summary.status == .ok)
                #expect((try summary.json["openLoans"] as? [Any])?.count == expected[user]?.loans.count)
                try await Self.expectMatchesUpstream(service.storage, tenant: try #require(api.tenant))
            }
        }
    }
}
