import Foundation
import SQLite

/// Writes a generated warehouse: as an SQLite file with the reference views as tables, or as CSV
/// files that `psql \copy` or any other warehouse can import.
public enum DemoWarehouseWriter {
    public static let staffTable = "LIBRARY_EMPLOYEE"
    public static let studentTable = "LIBRARY_STUDENT"

    public static func writeSQLite(_ generator: DemoPatronGenerator, to path: String) throws {
        try writeSQLite(generator.tables, to: path)
    }

    /// Any shape's tables, in a new SQLite file (an existing one is replaced).
    public static func writeSQLite(_ tables: [DemoTable], to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        let connection = try SQLiteConnection(path: path, mode: .readWriteCreate)
        try connection.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        for table in tables {
            try writeTable(table.name, columns: table.columns, rows: table.rows, to: connection)
        }
    }

    static func writeTable<S: Sequence>(_ table: String, columns: [String], rows: S, to connection: SQLiteConnection) throws where S.Element == [String?] {
        try connection.execute("CREATE TABLE \(table) (\(columns.map { "\($0) TEXT" }.joined(separator: ", ")))")
        let insert = try connection.prepare("INSERT INTO \(table) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))")
        try connection.execute("BEGIN")
        for row in rows {
            try insert.bind(row.map { SQLiteValue($0) })
            while try insert.step() {}
        }
        try connection.execute("COMMIT")
    }

    /// `library_employee.csv` and `library_student.csv` in `directory`, with a header row; NULL is
    /// an unquoted empty field and an empty string a quoted one (PostgreSQL's CSV convention).
    public static func writeCSV(_ generator: DemoPatronGenerator, to directory: URL) throws {
        try writeCSV(generator.tables, to: directory)
    }

    /// One file per table, named after it in lower case (`library_employee.csv`).
    public static func writeCSV(_ tables: [DemoTable], to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for table in tables {
            try writeCSVFile(directory.appendingPathComponent(table.name.lowercased() + ".csv"), columns: table.columns, rows: table.rows)
        }
    }

    static func writeCSVFile<S: Sequence>(_ url: URL, columns: [String], rows: S) throws where S.Element == [String?] {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var buffer = columns.joined(separator: ",") + "\n"
        for row in rows {
            buffer += row.map { value -> String in
                guard let value else { return "" }
                return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }.joined(separator: ",") + "\n"
            if buffer.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(buffer.utf8))
                buffer = ""
            }
        }
        try handle.write(contentsOf: Data(buffer.utf8))
    }
}
