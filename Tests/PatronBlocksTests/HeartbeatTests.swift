import Backoff
import FolioSimulator
import Foundation
import Logging
import Testing
@testable import PatronBlocks

/// The heartbeat ends before the last step: "Lost the synchronization job to another runner"
/// means a real take-over, never a job this runner just finished.
@Suite struct HeartbeatTests {
    static let dataset = FolioDataset.generate(users: 20, loans: 120, accounts: 30, seed: 5)

    static func runner(_ storage: Storage, okapi: String, id: String, records: LogRecords) -> SynchronizationRunner {
        var settings = SynchronizationSettings()
        settings.pageSize = 50
        // Beats as often as it can, so that one lands on the switch if it may.
        settings.heartbeatInterval = .milliseconds(1)
        settings.retry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10), maxDelay: .milliseconds(20))
        settings.runnerID = id
        var logger = Logger(label: "test.heartbeat") { _ in RecordingLogHandler(records: records) }
        logger.logLevel = .info
        return SynchronizationRunner(storage: storage, settings: settings, standaloneOkapiURL: okapi, standaloneToken: nil, logger: logger)
    }

    static func lost(_ records: LogRecords) -> [String] {
        records.all.map(\.message).filter { $0.hasPrefix("Lost the synchronization job") || $0.hasPrefix("Another runner took") }
    }

    @Test(arguments: Backend.available) func finishedJobsAreNeverReportedLost(_ backend: Backend) async throws {
        try await SynchronizationRunTests.scenario(backend, dataset: Self.dataset) { storage, tenant, _, url in
            let records = LogRecords()
            let runner = Self.runner(storage, okapi: url, id: "beating", records: records)
            for round in 0..<12 {
                let job = SyncJob(id: UUID(), scope: round.isMultiple(of: 3) ? .full : .user(Self.dataset.users[round].id), createdAt: Date(),
                                  audit: round.isMultiple(of: 4) ? DriftAudit(repair: false) : nil)
                try await storage.jobs.createJob(job, tenant: tenant)
                await runner.runOnce()
                #expect(try await storage.jobs.job(tenant: tenant, id: job.id)?.status == .done)
            }
            #expect(Self.lost(records) == [], "\(Self.lost(records))")
        }
    }

    @Test(arguments: Backend.available) func aRealTakeOverIsStillReported(_ backend: Backend) async throws {
        try await SynchronizationRunTests.scenario(backend, dataset: Self.dataset) { storage, tenant, simulator, url in
            let records = LogRecords()
            let runner = Self.runner(storage, okapi: url, id: "slow", records: records)
            // The first loans page answers slowly: the job is taken over meanwhile.
            await simulator.inject(FolioSimulator.Fault(kind: .loans, status: nil, delay: .seconds(2), fromPage: 2, times: 1))
            let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(job, tenant: tenant)
            guard case .claimed(let claimed) = try await storage.jobs.claimNextJob(tenant: tenant, runner: "slow", now: Date(), lease: 60, maxAttempts: 3) else {
                Issue.record("not claimed")
                return
            }
            async let ran: Void = runner.execute(claimed, tenant: tenant)
            while await simulator.requests.filter({ $0.path == "/loan-storage/loans" }).count < 2 {
                try await Task.sleep(for: .milliseconds(10))
            }
            // Another runner, an hour on, finds no heartbeat within its lease and takes the job.
            let other = try await storage.jobs.claimNextJob(tenant: tenant, runner: "other", now: Date().addingTimeInterval(3_600), lease: 60, maxAttempts: 3)
            guard case .claimed = other else {
                Issue.record("not taken over: \(other)")
                return
            }
            await ran
            #expect(Self.lost(records).contains("Lost the synchronization job to another runner"), "\(records.all.map(\.message))")
        }
    }
}
