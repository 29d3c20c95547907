import Foundation
import SQLite
import Testing
@testable import PatronBlocks

/// A synchronization that staged FOLIO's records as events (before staging kept the records
/// themselves) cannot be resumed from that staging: the upgrade sends it back to the start of
/// its paging, and leaves finished jobs as they were.
@Suite struct StagingMigrationTests {
    @Test func aJobStagedTheEarlierWayStartsItsPagingAgain() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("staging-\(UUID().folio).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let connection = try SQLiteConnection(path: path)
        try connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        let before = try #require(SQLiteSchema.migrations.firstIndex { $0.contains("CREATE TABLE sync_loans") })
        for (index, sql) in SQLiteSchema.migrations.prefix(before).enumerated() {
            try connection.execute(sql)
            try connection.run("INSERT INTO schema_version (version) VALUES (?)", [.integer(Int64(index + 1))])
        }
        let (running, done) = (UUID(), UUID())
        for (id, status, phase) in [(running, "in-progress", "accounts"), (done, "done", "rebuilding")] {
            try connection.run("""
                INSERT INTO sync_jobs (tenant, id, scope, status, created_at, phase, last_loan_id, last_account_id, processed_loans, processed_fees)
                VALUES ('t', ?, 'full', ?, 0, ?, ?, ?, 500, 20)
                """, [.text(id.folio), .text(status), .text(phase), .text(UUID().folio), .text(UUID().folio)])
        }
        try connection.run("INSERT INTO sync_events (tenant, job_id, seq, user_id, created_at, loan_id, payload) VALUES ('t', ?, 1, ?, 0, NULL, 'O|x')",
                           [.text(running.folio), .text(UUID().folio)])

        try SQLiteSchema.migrate(connection)

        let rows = try connection.rows("SELECT id, phase, loan_cursors, account_cursors, processed_loans, processed_fees FROM sync_jobs ORDER BY status")
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0[0].text ?? "", Array($0.dropFirst())) })
        #expect(byID[running.folio] == [.text("starting"), .null, .null, .integer(0), .integer(0)])
        #expect(byID[done.folio]?.first == .text("rebuilding") && byID[done.folio]?[3] == .integer(500), "a finished job keeps its record")
        let tables = Set(try connection.rows("SELECT name FROM sqlite_master WHERE type = 'table'").compactMap { $0.first?.text })
        #expect(!tables.contains("sync_events"))
        #expect(tables.isSuperset(of: ["sync_loans", "sync_fees", "sync_user_loans", "sync_user_fees", "sync_graces"]))
    }
}
