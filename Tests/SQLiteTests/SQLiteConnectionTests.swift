import Foundation
import SQLite
import Testing

@Suite struct SQLiteConnectionTests {
    private func database() throws -> (SQLiteConnection, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-\(UUID().uuidString).db").path
        return (try SQLiteConnection(path: path), path)
    }

    @Test func bindsAndReadsEveryType() throws {
        let (db, path) = try database()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try db.execute("CREATE TABLE t (a TEXT, b INTEGER, c REAL, d BLOB, e TEXT)")
        try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.text("Zoë & 王"), .integer(42), .real(1.5), .blob([0, 1, 255]), .null])
        let rows = try db.rows("SELECT a, b, c, d, e FROM t")
        #expect(rows == [[.text("Zoë & 王"), .integer(42), .real(1.5), .blob([0, 1, 255]), .null]])
        let statement = try db.prepare("SELECT b, c, e FROM t")
        #expect(try statement.step())
        #expect(statement.text(at: 0) == "42")          // numbers read as text, as the warehouse reader wants
        #expect(statement.text(at: 1) == "1.5")
        #expect(statement.text(at: 2) == nil)
        #expect(statement.columnNames == ["b", "c", "e"])
        #expect(try !statement.step())
    }

    @Test func reusesTheStatementsOfRunAndRowsAndFollowsSchemaChanges() throws {
        let (db, path) = try database()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try db.execute("CREATE TABLE t (a INTEGER)")
        for value in 1...3 { try db.run("INSERT INTO t VALUES (?)", [.integer(Int64(value))]) }
        #expect(try db.rows("SELECT * FROM t WHERE a > ?", [.integer(1)]) == [[.integer(2)], [.integer(3)]])
        #expect(try db.rows("SELECT * FROM t WHERE a > ?", [.integer(2)]) == [[.integer(3)]])
        #expect(db.cachedStatementCount == 2)
        // A cached statement is prepared again by SQLite when the table it reads changed.
        try db.execute("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'")
        #expect(try db.rows("SELECT * FROM t WHERE a > ?", [.integer(2)]) == [[.integer(3), .text("x")]])
        // A failed run leaves the statement ready for the next one.
        try db.execute("CREATE UNIQUE INDEX t_a ON t (a)")
        #expect(throws: SQLiteError.self) { try db.run("INSERT INTO t (a) VALUES (?)", [.integer(3)]) }
        #expect(try db.run("INSERT INTO t (a) VALUES (?)", [.integer(4)]) == 1)
    }

    @Test func forEachRowStreamsThroughTheCachedStatementAndReleasesItOnAThrow() throws {
        struct Stop: Error {}
        let (db, path) = try database()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try db.execute("CREATE TABLE t (a INTEGER)")
        for value in 1...3 { try db.run("INSERT INTO t VALUES (?)", [.integer(Int64(value))]) }
        let sql = "SELECT a FROM t WHERE a > ? ORDER BY a"
        var seen: [Int64] = []
        try db.forEachRow(sql, [.integer(1)]) { seen.append($0.integer(at: 0) ?? -1) }
        #expect(seen == [2, 3])
        #expect(throws: Stop.self) { try db.forEachRow(sql, [.integer(0)]) { _ in throw Stop() } }
        #expect(try db.rows(sql, [.integer(2)]) == [[.integer(3)]], "the same statement, reset after the throw")
        #expect(db.cachedStatementCount == 2, "one statement for the query, one for the inserts")
    }

    @Test func aCachedStatementHoldsNoSnapshotAndNoConnection() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let writer = try SQLiteConnection(path: path)
        try writer.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (a INTEGER)")
        try writer.run("INSERT INTO t VALUES (1)")
        weak var released: SQLiteConnection?
        do {
            let reader = try SQLiteConnection(path: path, mode: .readWrite)
            released = reader
            #expect(try reader.rows("SELECT a FROM t") == [[.integer(1)]])
            // A reader still in its snapshot would keep a full checkpoint from finishing.
            try writer.run("INSERT INTO t VALUES (2)")
            let checkpoint = try writer.rows("PRAGMA wal_checkpoint(TRUNCATE)")
            #expect(checkpoint.first?.first == .integer(0), "busy: \(checkpoint)")
            #expect(try reader.rows("SELECT count(*) FROM t") == [[.integer(2)]])
        }
        #expect(released == nil)
    }

    @Test func stepsThroughALargeResultOneRowAtATime() throws {
        let (db, path) = try database()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try db.execute("CREATE TABLE n (v INTEGER)")
        try db.transaction {
            let insert = try db.prepare("INSERT INTO n VALUES (?)")
            for value in 0..<10_000 {
                try insert.bind([.integer(Int64(value))])
                _ = try insert.step()
            }
        }
        let statement = try db.prepare("SELECT v FROM n ORDER BY v")
        var sum: Int64 = 0
        var count = 0
        while try statement.step() {
            sum += statement.integer(at: 0) ?? 0
            count += 1
        }
        #expect(count == 10_000)
        #expect(sum == 49_995_000)
    }

    @Test func errorsCarryTheMessage() throws {
        let (db, path) = try database()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: SQLiteError.self) { try db.prepare("SELECT nope FROM missing") }
        #expect(error?.message == "no such table: missing")
        try db.execute("CREATE TABLE u (id TEXT PRIMARY KEY)")
        try db.run("INSERT INTO u VALUES ('a')")
        let duplicate = #expect(throws: SQLiteError.self) { try db.run("INSERT INTO u VALUES ('a')") }
        #expect(duplicate?.isConstraintViolation == true)
    }

    @Test(arguments: ["", " \n ", "-- a comment", "/* a comment */;"])
    func sqlWithoutAStatementSaysSo(_ sql: String) throws {
        let (db, path) = try database()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: SQLiteError.self) { try db.prepare(sql) }
        #expect(error?.message == "the SQL holds no statement (it is empty or only comments)")
    }

    @Test func aFailedTransactionRollsBack() throws {
        let (db, path) = try database()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try db.execute("CREATE TABLE u (id TEXT PRIMARY KEY)")
        #expect(throws: SQLiteError.self) {
            try db.transaction {
                try db.run("INSERT INTO u VALUES ('a')")
                try db.run("INSERT INTO u VALUES ('a')")
            }
        }
        #expect(try db.rows("SELECT count(*) FROM u") == [[.integer(0)]])
    }

    @Test func readOnlyConnectionsCannotWriteOrCreate() throws {
        let (db, path) = try database()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try db.execute("CREATE TABLE u (id TEXT)")
        let reader = try SQLiteConnection(path: path, mode: .readOnly)
        #expect(throws: SQLiteError.self) { try reader.run("INSERT INTO u VALUES ('x')") }
        #expect(throws: SQLiteError.self) { try SQLiteConnection(path: path + ".missing", mode: .readOnly) }
    }
}
