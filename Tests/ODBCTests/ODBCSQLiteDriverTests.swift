import Foundation
@testable import ODBC
import SQLite
import Testing

/// The wrapper against a real driver: Debian's SQLite3 ODBC driver (libsqliteodbc), registered
/// in /etc/odbcinst.ini as `SQLite3` by its package.
@Suite(.enabled(if: ODBCDrivers.has("SQLite3"), "libsqliteodbc is installed by scripts/test.sh"))
struct ODBCSQLiteDriverTests {
    private static func database(rows: Int = 3) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("odbc-\(UUID().uuidString).sqlite").path
        let db = try SQLiteConnection(path: path)
        try db.execute("CREATE TABLE people (id INTEGER, name TEXT, note TEXT, score REAL)")
        try db.transaction {
            let insert = try db.prepare("INSERT INTO people VALUES (?, ?, ?, ?)")
            for index in 0..<rows {
                try insert.bind([.integer(Int64(index)), .text(index % 3 == 0 ? "Zoë Ł. 王 \(index)" : "P\(index)"), index % 2 == 0 ? .null : .text("n\(index)"), .real(Double(index) + 0.5)])
                _ = try insert.step()
            }
        }
        return path
    }

    @Test(arguments: ODBCFetchOptions.Text.allCases)
    func readsTextNullsAndNumbers(text: ODBCFetchOptions.Text) throws {
        let path = try Self.database()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let connection = try ODBCConnection(connectionString: "DRIVER={SQLite3};Database=\(path);")
        #expect(connection.dbmsName == "SQLite")
        // The driver links its own SQLite, which need not be the system's.
        #expect(connection.dbmsVersion.hasPrefix("3."))
        let statement = try connection.execute("SELECT id, name, note, score FROM people ORDER BY id", options: ODBCFetchOptions(text: text))
        #expect(statement.columns.map(\.name) == ["id", "name", "note", "score"])
        var rows: [[String?]] = []
        while let block = try statement.fetchBlock() { rows += block }
        #expect(rows == [["0", "Zoë Ł. 王 0", nil, "0.5"], ["1", "P1", "n1", "1.5"], ["2", "P2", nil, "2.5"]])
    }

    @Test func fetchesInBlocksAndSeesEveryRowOnce() throws {
        let path = try Self.database(rows: 1_000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let connection = try ODBCConnection(connectionString: "DRIVER={SQLite3};Database=\(path);")
        let statement = try connection.execute("SELECT id, name FROM people ORDER BY id", options: ODBCFetchOptions(blockBytes: 16 * 1024))
        #expect(statement.rowsPerBlock > 1 && statement.rowsPerBlock < 1_000)
        var blocks = 0
        var ids: [String?] = []
        while let block = try statement.fetchBlock() {
            blocks += 1
            ids += block.map { $0[0] }
        }
        #expect(blocks == (1_000 + statement.rowsPerBlock - 1) / statement.rowsPerBlock)
        #expect(ids == (0..<1_000).map { String($0) })
    }

    @Test func aValueLongerThanItsSlotIsAnErrorNotATruncation() throws {
        let path = try Self.database(rows: 0)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try SQLiteConnection(path: path)
        try db.run("INSERT INTO people (id, name) VALUES (1, ?)", [.text(String(repeating: "x", count: 5_000))])
        let connection = try ODBCConnection(connectionString: "DRIVER={SQLite3};Database=\(path);")
        let statement = try connection.execute("SELECT name FROM people", options: ODBCFetchOptions(maxCharacters: 1_000))
        let error = #expect(throws: ODBCError.self) { try statement.fetchBlock() }
        #expect(error?.message.contains("longer than") == true)
    }

    @Test func badSQLCarriesTheDriversDiagnostic() throws {
        let path = try Self.database()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let connection = try ODBCConnection(connectionString: "DRIVER={SQLite3};Database=\(path);")
        let error = #expect(throws: ODBCError.self) { try connection.execute("SELECT no_such_column FROM people") }
        #expect(error?.operation == "SQLExecDirect")
        #expect(error?.message.contains("no such column: no_such_column") == true)
        #expect(error?.sqlState?.count == 5)
    }

    @Test func aMissingDriverIsIM002() throws {
        let error = #expect(throws: ODBCError.self) {
            try ODBCConnection(connectionString: "DRIVER={No Such Driver};Database=/tmp/x;")
        }
        #expect(error?.sqlState == "01000" || error?.sqlState == "IM002")
        #expect(error?.operation == "SQLDriverConnect")
    }
}

enum ODBCDrivers {
    /// Whether unixODBC has a driver registered under `name` (in /etc/odbcinst.ini).
    static func has(_ name: String) -> Bool {
        let requireServices = ProcessInfo.processInfo.environment["PATRONSYNC_REQUIRE_SERVICES"] == "1"
        guard let ini = try? String(contentsOfFile: "/etc/odbcinst.ini", encoding: .utf8) else { return requireServices }
        return ini.contains("[\(name)]") || requireServices
    }
}

@Suite struct UTF16TextTests {
    @Test(arguments: ["", "plain ASCII", "Zoë Żółw", "王 Παπαδόπουλος", "emoji 🎉 and 𝄞", "\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}"])
    func matchesTheStandardLibrary(text: String) {
        let units = Array(text.utf16)
        var scratch: [UInt8] = []
        let decoded = units.withUnsafeBufferPointer { UTF16Text.string($0, scratch: &scratch) }
        #expect(decoded == text)
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() {
        let units: [UInt16] = [0x41, 0xD800, 0x42, 0xDC00]
        var scratch: [UInt8] = []
        let decoded = units.withUnsafeBufferPointer { UTF16Text.string($0, scratch: &scratch) }
        #expect(decoded == String(decoding: units, as: UTF16.self))
    }
}
