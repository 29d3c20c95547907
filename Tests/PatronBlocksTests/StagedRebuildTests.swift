import Foundation
import PostgresNIO
import Testing
@testable import PatronBlocks

/// The switch reads the staged records wherever the staging left them, and folds a record
/// staged twice once.
@Suite struct StagedRebuildTests {
    static func claim(_ storage: Storage, tenant: String) async throws -> ClaimedJob {
        try await storage.jobs.createJob(SyncJob(id: UUID(), scope: .full, createdAt: Date()), tenant: tenant)
        guard case .claimed(let claimed) = try await storage.jobs.claimNextJob(tenant: tenant, runner: "r", now: Date(), lease: 60, maxAttempts: 3) else {
            throw Backend.Missing(description: "the job was not claimed")
        }
        return claimed
    }

    static func loan(_ user: UUID, due: TimeInterval = 1_800_000_000) -> UpstreamLoan {
        UpstreamLoan(id: UUID(), userId: user, dueDate: Date(timeIntervalSince1970: due), itemStatus: "Checked out", dueDateChangedByRecall: false,
                     createdDate: Date(timeIntervalSince1970: 1_790_000_000))
    }

    @Test(arguments: Backend.available) func aRecordStagedTwiceCountsOnce(_ backend: Backend) async throws {
        try await withInstalledTenant(backend) { storage, tenant in
            let claimed = try await Self.claim(storage, tenant: tenant)
            let (job, progress) = (claimed.job, claimed.progress)
            let marker = try await storage.sync.beginSync(tenant: tenant, jobId: job.id, scope: .full)
            let (user, other) = (UUID(), UUID())
            let twice = Self.loan(user), once = Self.loan(user, due: 1_800_000_100), elsewhere = Self.loan(other)
            let fee = UpstreamAccount(id: UUID(), userId: user, feeFineId: nil, loanId: twice.id, remaining: Decimal(string: "2.50")!, createdDate: Date(timeIntervalSince1970: 1_790_000_000))
            for page: StagedPage in [.loans([twice, once]), .loans([twice, elsewhere]), .accounts([fee]), .accounts([fee])] {
                #expect(try await storage.sync.stagePage(tenant: tenant, jobId: job.id, page: page, job: job, progress: progress, runner: "r", now: Date()))
            }
            #expect(try await storage.sync.sealStaging(tenant: tenant, jobId: job.id, job: job, progress: progress, runner: "r", now: Date()))
            #expect(try await storage.sync.finishSync(tenant: tenant, job: job, eventMarker: marker, runner: "r", now: Date()))
            let summary = try #require(try await storage.summaries.summary(tenant: tenant, userId: user))
            #expect(Set(summary.openLoans.map(\.loanId)) == [twice.id, once.id] && summary.openLoans.count == 2)
            #expect(summary.openFeesFines.map(\.feeFineId) == [fee.id] && summary.openFeesFines.first?.balance == Decimal(string: "2.50")!)
            #expect(try await storage.summaries.summary(tenant: tenant, userId: other)?.openLoans.map(\.loanId) == [elsewhere.id])
        }
    }

    /// A runner that lost the job (taken over, or the job cancelled) stores nothing of its page:
    /// the progress and the rows are written together only while the job is still its own.
    @Test(arguments: Backend.available) func aPageFromARunnerThatLostTheJobIsNotStored(_ backend: Backend) async throws {
        try await withInstalledTenant(backend) { storage, tenant in
            let claimed = try await Self.claim(storage, tenant: tenant)
            let (job, progress) = (claimed.job, claimed.progress)
            let marker = try await storage.sync.beginSync(tenant: tenant, jobId: job.id, scope: .full)
            let (kept, lost) = (Self.loan(UUID()), Self.loan(UUID()))
            let fee = UpstreamAccount(id: UUID(), userId: lost.userId, feeFineId: nil, loanId: nil, remaining: 1, createdDate: Date(timeIntervalSince1970: 1_790_000_000))
            #expect(try await storage.sync.stagePage(tenant: tenant, jobId: job.id, page: .loans([kept]), job: job, progress: progress, runner: "r", now: Date()))
            var stale = job
            stale.numberOfProcessedLoans = 99
            for page: StagedPage in [.loans([lost]), .accounts([fee])] {
                #expect(try await storage.sync.stagePage(tenant: tenant, jobId: job.id, page: page, job: stale, progress: progress, runner: "someone-else", now: Date()) == false)
            }
            #expect(try await storage.jobs.job(tenant: tenant, id: job.id)?.numberOfProcessedLoans == 0, "the lost runner's progress is not written")
            #expect(try await storage.sync.sealStaging(tenant: tenant, jobId: job.id, job: job, progress: progress, runner: "r", now: Date()))
            #expect(try await storage.sync.finishSync(tenant: tenant, job: job, eventMarker: marker, runner: "r", now: Date()))
            #expect(try await storage.summaries.summary(tenant: tenant, userId: kept.userId)?.openLoans.map(\.loanId) == [kept.id])
            #expect(try await storage.summaries.summary(tenant: tenant, userId: lost.userId) == nil)
        }
    }

    /// An earlier version ordered a synchronization's records into the tables keyed by patron
    /// before the switch; a job it sealed and this version switches loses none of them.
    @Test(.enabled(if: Backend.available.contains(.postgres))) func recordsSealedByAnEarlierVersionAreRead() async throws {
        try await withInstalledTenant(.postgres) { storage, tenant in
            let claimed = try await Self.claim(storage, tenant: tenant)
            let (job, progress) = (claimed.job, claimed.progress)
            let marker = try await storage.sync.beginSync(tenant: tenant, jobId: job.id, scope: .full)
            let (sealed, paged) = (Self.loan(UUID()), Self.loan(UUID()))
            #expect(try await storage.sync.stagePage(tenant: tenant, jobId: job.id, page: .loans([paged]), job: job, progress: progress, runner: "r", now: Date()))
            let postgres = try #require(storage.postgresHandle)
            try await postgres.client.query(PostgresQuery(unsafeSQL: """
                INSERT INTO \(PostgresHandle.schema(tenant)).sync_user_loans (job_id, user_id, created_at, loan_id, due_date, item_status, recall)
                VALUES ($1, $2, now(), $3, now(), NULL, false)
                """, binds: try PostgresBindings.values(job.id, sealed.userId, sealed.id)), logger: postgres.logger)
            #expect(try await storage.sync.sealStaging(tenant: tenant, jobId: job.id, job: job, progress: progress, runner: "r", now: Date()))
            #expect(try await storage.sync.finishSync(tenant: tenant, job: job, eventMarker: marker, runner: "r", now: Date()))
            for loan in [sealed, paged] {
                #expect(try await storage.summaries.summary(tenant: tenant, userId: loan.userId)?.openLoans.map(\.loanId) == [loan.id])
            }
        }
    }
}
