import Foundation
import Logging
import PatronSyncTestSupport
import PostgresNIO
import SQLite
import Testing
@testable import PatronBlocks

/// The upgrade to sliced paging: a job that an earlier version left part-way through its loans,
/// with one last id stored, is resumed in that one slice after that id.
@Suite struct CursorMigrationTests {
    static let lastLoan = UUID(uuidString: "3f2a9c1e-7d43-4b8e-9f21-0c6d3e8a1b47")!

    static func expectResumesInOneSlice(_ storage: Storage, tenant: String, job: UUID) async throws {
        guard case .claimed(let claimed) = try await storage.jobs.claimNextJob(tenant: tenant, runner: "r", now: Date(), lease: 60, maxAttempts: 3) else {
            Issue.record("the job was not claimed")
            return
        }
        #expect(claimed.job.id == job && claimed.progress.phase == .loans)
        #expect(claimed.progress.loans == PagingCursors(last: [Self.lastLoan]))
        #expect(claimed.progress.loans.planned(slices: 4).ranges == [.all] && claimed.progress.loans.resumeAfter(0) == Self.lastLoan)
        #expect(claimed.progress.accounts.isFresh)
    }

    @Test func sqlite() async throws {
        let folder = TemporaryDirectory("cursor-migration")
        let path = folder.appending("patronblocks.sqlite").path
        let job = UUID()
        do {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            for (index, sql) in SQLiteSchema.migrations.dropLast().enumerated() {
                try connection.execute(sql)
                try connection.run("INSERT INTO schema_version (version) VALUES (?)", [.integer(Int64(index + 1))])
            }
            try connection.run("INSERT INTO tenants (tenant, installed_at) VALUES ('t', 0)")
            try connection.run("""
                INSERT INTO sync_jobs (tenant, id, scope, status, created_at, phase, last_loan_id, last_account_id, processed_loans)
                VALUES ('t', ?, 'full', 'open', 0, 'loans', ?, NULL, 500)
                """, [.text(job.folio), .text(Self.lastLoan.folio)])
        }
        let storage = try await Storage.open(.sqlite(path: path), summaryCache: BlockCheckSettings().summaryCache, logger: Logger(label: "test"))
        try await Self.expectResumesInOneSlice(storage, tenant: "t", job: job)
    }

    @Test(.enabled(if: Backend.available.contains(.postgres))) func postgres() async throws {
        try await withInstalledTenant(.postgres) { storage, tenant in
            // The tenant's schema as the previous version left it: one uuid column per kind.
            let postgres = try #require(storage.postgresHandle)
            let s = PostgresHandle.schema(tenant)
            let job = UUID()
            for sql in [
                "ALTER TABLE \(s).sync_jobs RENAME COLUMN loan_cursors TO last_loan_id",
                "ALTER TABLE \(s).sync_jobs RENAME COLUMN account_cursors TO last_account_id",
                "ALTER TABLE \(s).sync_jobs ALTER COLUMN last_loan_id TYPE uuid USING last_loan_id::uuid, ALTER COLUMN last_account_id TYPE uuid USING last_account_id::uuid",
                "UPDATE public.patronblocks_tenants SET schema_version = \(try #require(PostgresSchema.migrations(s).firstIndex { $0.contains("RENAME COLUMN last_loan_id") })) WHERE tenant = '\(tenant)'",
                """
                INSERT INTO \(s).sync_jobs (id, scope, status, created_at, phase, last_loan_id, processed_loans)
                VALUES ('\(job.folio)', 'full', 'open', now(), 'loans', '\(Self.lastLoan.folio)', 500)
                """,
            ] {
                try await postgres.client.query(PostgresQuery(unsafeSQL: sql), logger: postgres.logger)
            }
            try await storage.tenants.installTenant(tenant)
            try await Self.expectResumesInOneSlice(storage, tenant: tenant, job: job)
        }
    }
}
