import Foundation
import Logging
import ServiceLifecycle

/// One job's run, page by page: a synchronization, or a drift audit (which pages FOLIO the
/// same way, then compares user by user instead of switching; see `compare`).
struct SynchronizationWork {
    let claimed: ClaimedJob
    let tenant: String
    let runner: SynchronizationRunner
    let logger: Logger

    var storage: Storage { runner.storage }
    var settings: SynchronizationSettings { runner.settings }

    enum Stop: Error {
        case claimLost
        case shuttingDown
    }

    /// Where the paging (and an audit's comparison) left the job: what the last step finishes.
    struct Ready: Sendable {
        var job: SyncJob
        var progress: SyncProgress
    }

    /// Everything but the last step, run beside the heartbeat; nil when the job stopped, failed
    /// or was lost (each handled here).
    func prepare() async -> Ready? {
        var job = claimed.job
        var progress = claimed.progress
        return await handlingStops(&job) { job in
            guard let context = await runner.directory.context(for: tenant) else {
                job.errors.append("No way to reach FOLIO for tenant \(tenant): call /run with X-Okapi-Url, or configure PATRONBLOCKS_OKAPI_URL")
                try await storage.sync.failSync(tenant: tenant, job: job, runner: settings.runnerID, now: Date())
                return nil
            }
            let client = FolioClient(context: context, retry: settings.retry, logger: logger)
            let userId: UUID? = if case .user(let id) = job.scope { id } else { nil }

            if progress.phase == .starting {
                let (jobId, scope) = (job.id, job.scope)
                progress.eventMarker = try await step("Starting the \(job.name)") {
                    try await storage.sync.beginSync(tenant: tenant, jobId: jobId, scope: scope)
                }
                // Real totals before any processing: a page of none counts them.
                job.totalNumberOfLoans = try await client.loans(after: nil, userId: userId, limit: 0).totalRecords ?? 0
                job.totalNumberOfFeesFines = try await client.accounts(after: nil, userId: userId, limit: 0).totalRecords ?? 0
                progress.phase = .loans
                try await save(job, progress)
            }
            if progress.phase == .loans {
                try await pageThroughLoans(client, userId: userId, &job, &progress)
                progress.phase = .accounts
                try await save(job, progress)
            }
            if progress.phase == .accounts {
                try await pageThroughAccounts(client, userId: userId, &job, &progress)
                progress.phase = .rebuilding
                let (ready, readyProgress) = (job, progress)
                guard try await step("Ordering the staged records", {
                    try await storage.sync.sealStaging(tenant: tenant, jobId: ready.id, job: ready, progress: readyProgress, runner: settings.runnerID, now: Date())
                }) else {
                    throw Stop.claimLost
                }
            }
            if job.audit != nil {
                try await compare(&job, progress, eventMarker: progress.eventMarker ?? 0)
            }
            return Ready(job: job, progress: progress)
        } ?? nil
    }

    /// The last step, once the heartbeat has stopped: the switch (or an audit's end) marks the
    /// job done, and a beat after it would read as a lost job. The step checks the claim itself.
    func finish(_ ready: Ready) async {
        var job = ready.job
        let marker = ready.progress.eventMarker ?? 0
        _ = await handlingStops(&job) { job in
            let finished = job
            if job.audit != nil {
                guard try await step("Ending the drift audit", {
                    try await storage.audits.finishAudit(tenant: tenant, job: finished, runner: settings.runnerID, now: Date())
                }) else {
                    throw Stop.claimLost
                }
                let report = job.audit?.report ?? DriftReport()
                logger.info("Drift audit done: \(report.usersChecked) users checked, \(report.usersWithDrift) with drift, \(report.usersRepaired) repaired")
                return
            }
            guard try await step("Switching the rebuilt summaries", {
                try await storage.sync.finishSync(tenant: tenant, job: finished, eventMarker: marker, runner: settings.runnerID, now: Date())
            }) else {
                throw Stop.claimLost
            }
            logger.info("Synchronization done: \(job.numberOfProcessedLoans) loans, \(job.numberOfProcessedFeesFines) fees/fines")
        }
    }

    /// Runs `body`; a stop, a lost claim or a failure ends the job as it must, and gives nil.
    private func handlingStops<R>(_ job: inout SyncJob, _ body: (inout SyncJob) async throws -> R) async -> R? {
        do {
            return try await body(&job)
        } catch let error where error is CancellationError || Stop.shuttingDown == error as? Stop || Task.isCancelled || Task.isShuttingDownGracefully {
            // Stopped between or inside a page: what is staged stays, and the next runner goes on
            // from the last stored page.
            logger.info("Shutting down: the \(job.name) stops and can be resumed")
            // A fresh task: the release must reach the database although this one is cancelled.
            let (storage, runnerID, tenant, jobId) = (storage, settings.runnerID, tenant, job.id)
            await Task { try? await storage.jobs.release(tenant: tenant, jobId: jobId, runner: runnerID) }.value
        } catch Stop.claimLost {
            logger.warning("Another runner took the \(job.name) over; this one stops")
        } catch {
            // The upstream could not be read completely, or storage failed: the summaries stay
            // as they were. The operator reads one line in the job; the log has the whole error.
            let line = OperatorMessage.line(error)
            job.errors.append(line)
            logger.error("\(job.name.prefix(1).uppercased() + job.name.dropFirst()) failed: \(line)", metadata: ["error": "\(String(reflecting: (error as? StepFailure)?.underlying ?? error))"])
            try? await storage.sync.failSync(tenant: tenant, job: job, runner: settings.runnerID, now: Date())
        }
        return nil
    }

    /// A storage step that failed, named for the operator.
    struct StepFailure: Error, CustomStringConvertible {
        var step: String
        var underlying: any Error
        var description: String { "\(step) failed: \(OperatorMessage.line(underlying))" }
    }

    /// Runs one storage step; its failure (not a stop or a cancellation) says which step it was.
    func step<R>(_ name: String, _ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let error where error is CancellationError || error is Stop {
            throw error
        } catch {
            throw StepFailure(step: name, underlying: error)
        }
    }

    func save(_ job: SyncJob, _ progress: SyncProgress) async throws {
        guard try await storage.jobs.saveProgress(tenant: tenant, job: job, progress: progress, runner: settings.runnerID, now: Date()) else {
            throw Stop.claimLost
        }
    }

    func checkShutdown() throws {
        if Task.isShuttingDownGracefully || Task.isCancelled { throw Stop.shuttingDown }
    }

    private func pageThroughLoans(_ client: FolioClient, userId: UUID?, _ job: inout SyncJob, _ progress: inout SyncProgress) async throws {
        progress.loans = progress.loans.planned(slices: slices(userId))
        try await pageThrough(progress.loans, { after, range in
            try await client.loans(after: after, before: range.before, userId: userId, limit: settings.pageSize)
        }) { slice, page in
            job.errors += page.problems
            job.numberOfProcessedLoans += page.count
            runner.metrics?.syncProcessed(loans: page.count, feesFines: 0)
            if let last = page.lastID { progress.loans.last[slice] = last }
            return .loans(page.records)
        } stage: { staged in
            try await stage(staged, job, progress)
        }
    }

    private func pageThroughAccounts(_ client: FolioClient, userId: UUID?, _ job: inout SyncJob, _ progress: inout SyncProgress) async throws {
        progress.accounts = progress.accounts.planned(slices: slices(userId))
        try await pageThrough(progress.accounts, { after, range in
            try await client.accounts(after: after, before: range.before, userId: userId, limit: settings.pageSize)
        }) { slice, page in
            job.errors += page.problems
            job.numberOfProcessedFeesFines += page.count
            runner.metrics?.syncProcessed(loans: 0, feesFines: page.count)
            if let last = page.lastID { progress.accounts.last[slice] = last }
            return .accounts(page.records)
        } stage: { staged in
            try await stage(staged, job, progress)
        }
    }

    /// One user's records are a few pages at most: one chain.
    private func slices(_ userId: UUID?) -> Int {
        userId == nil ? settings.parallelPages : 1
    }

    /// Keyset paging, one chain per slice of the id space, side by side: each chain's next page is
    /// fetched as soon as its current one is read, while pages are stored one at a time in the
    /// order they arrive. Memory stays at a page per chain plus the one being stored. A page is
    /// counted, and its slice's cursor moved, only with the transaction that stores it, so the
    /// stored progress names exactly the stored pages.
    private func pageThrough<Record: Sendable>(
        _ cursors: PagingCursors,
        _ fetch: @escaping @Sendable (UUID?, KeysetRange) async throws -> UpstreamPage<Record>,
        account: (Int, UpstreamPage<Record>) -> StagedPage,
        stage: (StagedPage) async throws -> Void
    ) async throws {
        let ranges = cursors.ranges
        let pageSize = settings.pageSize
        try await withThrowingTaskGroup(of: (Int, UpstreamPage<Record>).self) { chains in
            for slice in ranges.indices {
                let (after, range) = (cursors.resumeAfter(slice), ranges[slice])
                chains.addTask { (slice, try await fetch(after, range)) }
            }
            while let (slice, page) = try await chains.next() {
                try checkShutdown()
                if page.count >= pageSize, let last = page.lastID {
                    let range = ranges[slice]
                    chains.addTask { (slice, try await fetch(last, range)) }
                }
                try await stage(account(slice, page))
            }
        }
    }

    private func stage(_ page: StagedPage, _ job: SyncJob, _ progress: SyncProgress) async throws {
        guard try await step("Storing a page", {
            try await storage.sync.stagePage(tenant: tenant, jobId: job.id, page: page, job: job, progress: progress, runner: settings.runnerID, now: Date())
        }) else {
            throw Stop.claimLost
        }
    }
}
