import Foundation
import PostgresNIO
import Testing
@testable import PatronBlocks

/// The events journal holds what a running (or handed-back) job will replay, and nothing more.
@Suite struct EventsJournalTests {
    static func eventIDs(_ storage: Storage, tenant: String) async throws -> [Int64] {
        if let sqlite = storage.sqliteDatabase {
            return try sqlite.read { connection in
                try connection.rows("SELECT id FROM events WHERE tenant = ? ORDER BY id", [.text(tenant)]).compactMap { $0.first?.integer }
            }
        }
        let postgres = try #require(storage.postgresHandle)
        var ids: [Int64] = []
        for try await id in try await postgres.client.query(PostgresQuery(unsafeSQL: "SELECT id FROM \(PostgresHandle.schema(tenant)).events ORDER BY id"), logger: postgres.logger).decode(Int64.self) {
            ids.append(id)
        }
        return ids
    }

    @Test(arguments: Backend.available) func theJournalKeepsOnlyWhatARunningJobReplays(_ backend: Backend) async throws {
        try await withInstalledTenant(backend) { storage, tenant in
            let user = UUID()
            func event() async throws {
                try await storage.summaries.record(.itemCheckedOut(userId: user, loanId: UUID(), dueDate: Date(), gracePeriod: nil), tenant: tenant, at: Date())
            }
            for _ in 0..<5 { try await event() }
            // No job: nothing to replay, so nothing is journaled.
            #expect(try await Self.eventIDs(storage, tenant: tenant) == [])
            #expect(try await storage.sync.pruneEvents(tenant: tenant) == 0)

            for _ in 0..<3 { try await event() }
            let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(job, tenant: tenant)
            guard case .claimed(let claimed) = try await storage.jobs.claimNextJob(tenant: tenant, runner: "r", now: Date(), lease: 60, maxAttempts: 3) else {
                Issue.record("not claimed")
                return
            }
            // A job that has not begun has no marker: what comes before it is in what it reads.
            try await event()
            #expect(try await Self.eventIDs(storage, tenant: tenant) == [])
            let marker = try await storage.sync.beginSync(tenant: tenant, jobId: claimed.job.id, scope: .full)
            for _ in 0..<4 { try await event() }
            // The four after the job's marker are journaled, and stay once the job is handed back.
            #expect(try await Self.eventIDs(storage, tenant: tenant).count == 4)
            #expect(try await storage.sync.pruneEvents(tenant: tenant) == 0)
            try await storage.jobs.release(tenant: tenant, jobId: claimed.job.id, runner: "r")
            #expect(try await storage.sync.pruneEvents(tenant: tenant) == 0)
            let kept = try await Self.eventIDs(storage, tenant: tenant)
            #expect(kept.count == 4 && kept.allSatisfy { $0 > marker })
            // The job fails: its events are no one's any more.
            guard case .claimed(let again) = try await storage.jobs.claimNextJob(tenant: tenant, runner: "r", now: Date(), lease: 60, maxAttempts: 3) else {
                Issue.record("not claimed again")
                return
            }
            try await storage.sync.failSync(tenant: tenant, job: again.job, runner: "r", now: Date())
            #expect(try await storage.sync.pruneEvents(tenant: tenant) == 4)
            // The summaries are untouched by pruning.
            #expect(try await storage.summaries.summary(tenant: tenant, userId: user)?.openLoans.count == 13)
        }
    }
}
