import Foundation
import Logging
import ServiceLifecycle

/// Runs synchronization jobs in the background: claims the oldest open job of a tenant (one in
/// progress per tenant, across every instance), keeps a heartbeat, pages through open loans and
/// accounts upstream, stages each page with the job's counters, and rebuilds the summaries at
/// once at the end. On graceful shutdown it stops at a page boundary and gives the job back, so
/// another runner resumes it from there.
public final class SynchronizationRunner: Service, Sendable {
    let storage: Storage
    let settings: SynchronizationSettings
    let directory: UpstreamDirectory
    let signal = WakeSignal()
    let metrics: PatronBlocksMetrics?
    let logger: Logger

    public init(storage: Storage, settings: SynchronizationSettings, standaloneOkapiURL: String?, standaloneToken: String?,
                metrics: PatronBlocksMetrics? = nil, logger: Logger) {
        self.storage = storage
        self.settings = settings
        self.metrics = metrics
        self.directory = UpstreamDirectory(standaloneURL: standaloneOkapiURL, standaloneToken: standaloneToken)
        self.logger = logger
    }

    /// A `/run` or `/start` call: remember how to reach FOLIO for the tenant, and wake up.
    public func wake(_ context: UpstreamContext?) async {
        if let context { await directory.update(context) }
        await signal.signal()
    }

    /// Every step of the loop reaches the database (tenants, claims, the job, the pruning), and
    /// any of them can be the statement a closing pool leaves unanswered once the service group
    /// is cancelled: the loop is waited for only `cancellationGrace` after that.
    public func run() async throws {
        let ended = await waitUnlessCancelled(grace: settings.cancellationGrace) {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                await self.runOnce()
                await cancelWhenGracefulShutdown { await self.signal.wait(timeout: self.settings.pollInterval) }
            }
        }
        if ended == nil {
            logger.warning("Cancelled while the synchronization runner waited on storage: a job it held stays claimed until its lease runs out, then another runner takes it over")
        }
    }

    /// Works through every installed tenant's open jobs.
    public func runOnce() async {
        let tenants: [String]
        do {
            tenants = try await storage.tenants.installedTenants()
        } catch {
            logger.error("Cannot list tenants: \(error)")
            return
        }
        for tenant in tenants {
            await scheduleAudit(tenant: tenant)
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let outcome: ClaimOutcome
                do {
                    outcome = try await storage.jobs.claimNextJob(tenant: tenant, runner: settings.runnerID, now: Date(), lease: settings.lease, maxAttempts: settings.maxAttempts)
                } catch {
                    logger.error("Cannot claim a synchronization job", metadata: ["tenant": "\(tenant)", "error": "\(error)"])
                    break
                }
                guard case .claimed(let claimed) = outcome else { break }
                await execute(claimed, tenant: tenant)
            }
            await pruneEvents(tenant: tenant)
        }
    }

    /// With `--audit-every`, a full audit when the tenant had none for that long (whichever
    /// instance creates it; the storage lets one of them).
    func scheduleAudit(tenant: String) async {
        guard let every = settings.auditEvery else { return }
        let now = Date()
        let (seconds, attoseconds) = every.components
        let notBefore = now.addingTimeInterval(-(Double(seconds) + Double(attoseconds) / 1e18))
        do {
            if try await storage.audits.scheduleAudit(SyncJob(id: UUID(), scope: .full, createdAt: now, audit: DriftAudit(repair: settings.auditRepair)), tenant: tenant, notBefore: notBefore) {
                logger.info("Scheduled a full drift audit", metadata: ["tenant": "\(tenant)", "repair": "\(settings.auditRepair)"])
            }
        } catch {
            logger.error("Cannot schedule a drift audit: \(OperatorMessage.line(error))", metadata: ["tenant": "\(tenant)"])
        }
    }

    /// The events journal keeps only what a running or resumable job will replay; without this it
    /// grew forever while no synchronization ran.
    func pruneEvents(tenant: String) async {
        do {
            let deleted = try await storage.sync.pruneEvents(tenant: tenant)
            if deleted > 0 { logger.debug("Pruned the events journal", metadata: ["tenant": "\(tenant)", "events": "\(deleted)"]) }
        } catch {
            logger.warning("Cannot prune the events journal: \(OperatorMessage.line(error))", metadata: ["tenant": "\(tenant)"])
        }
    }

    /// Runs one claimed job with its heartbeat beside it.
    func execute(_ claimed: ClaimedJob, tenant: String) async {
        var jobLogger = self.logger
        jobLogger[metadataKey: "tenant"] = "\(tenant)"
        jobLogger[metadataKey: "job.id"] = "\(claimed.job.id.folio)"
        let logger = jobLogger
        logger.info("\(claimed.job.audit == nil ? "Synchronization" : "Drift audit") started (\(claimed.job.scope == .full ? "full" : "user"), attempt \(claimed.attempt), from \(claimed.progress.phase.rawValue))")
        metrics?.syncStarted()
        let work = SynchronizationWork(claimed: claimed, tenant: tenant, runner: self, logger: logger)
        enum Lane: Sendable { case heartbeat, work(SynchronizationWork.Ready?) }
        let ready = await withTaskGroup(of: Lane.self) { group -> SynchronizationWork.Ready? in
            group.addTask {
                await self.beat(jobId: claimed.job.id, tenant: tenant, logger: logger)
                return .heartbeat
            }
            group.addTask { .work(await work.prepare()) }
            // Whichever ends first stops the other (a lost claim stops the work), and both have
            // ended before the last step: no beat lands after the switch marked the job done.
            var ready: SynchronizationWork.Ready?
            while let lane = await group.next() {
                group.cancelAll()
                if case .work(let result) = lane { ready = result }
            }
            return ready
        }
        if let ready { await work.finish(ready) }
        if let metrics {
            // done, failed, or open again (handed back at shutdown, or lost to another runner).
            let status = try? await storage.jobs.job(tenant: tenant, id: claimed.job.id)?.status
            metrics.syncEnded(status ?? .open)
        }
    }

    private func beat(jobId: UUID, tenant: String, logger: Logger) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: settings.heartbeatInterval)
            guard !Task.isCancelled else { return }
            do {
                if try await !storage.jobs.heartbeat(tenant: tenant, jobId: jobId, runner: settings.runnerID, now: Date()) {
                    logger.warning("Lost the synchronization job to another runner")
                    return
                }
            } catch {
                logger.warning("Heartbeat failed: \(error)")
            }
        }
    }
}
