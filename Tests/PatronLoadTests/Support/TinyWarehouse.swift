import PatronSyncTestSupport
import DemoWarehouse
import Foundation
import SQLite

/// A small SQLite warehouse with the reference views' tables, row by row under the test's
/// control, so that a test can add, edit and remove patrons between runs and know exactly what
/// changed.
final class TinyWarehouse {
    let path: String
    private let connection: SQLiteConnection

    init(in directory: TemporaryDirectory) throws {
        path = directory.appending("tiny.sqlite").path
        connection = try SQLiteConnection(path: path)
        for (table, columns) in [("LIBRARY_EMPLOYEE", DemoPatronGenerator.staffColumns), ("LIBRARY_STUDENT", DemoPatronGenerator.studentColumns)] {
            try connection.execute("CREATE TABLE \(table) (\(columns.map { "\($0) TEXT" }.joined(separator: ", ")))")
        }
    }

    private static func table(_ type: String) -> (String, [String]) {
        type == "staff" ? ("LIBRARY_EMPLOYEE", DemoPatronGenerator.staffColumns) : ("LIBRARY_STUDENT", DemoPatronGenerator.studentColumns)
    }

    /// Adds a patron: `login`, `id` (institutional) and whatever else the test sets.
    func add(_ type: String, login: String, id: String, _ values: [String: String] = [:]) throws {
        let (table, columns) = Self.table(type)
        var row: [String: String] = [
            "KRB_NAME_UPPERCASE": login, "MIT_ID": id, "LIBRARY_ID": "3\(id)", "EMAIL_ADDRESS": "\(login.lowercased())@mit.edu",
            "LEGAL_FIRST_NAME": "First\(id)", "LEGAL_LAST_NAME": "Last\(id)", "OFFICE_ADDRESS": "E\(id)", "TERM_STREET1": "\(id) Main St",
            "LIBRARY_PERSON_TYPE_CODE": "12", "LIBRARY_PERSON_TYPE": "Staff", "STUDENT_YEAR": "2", "HOME_DEPARTMENT": "6",
        ]
        row.merge(values) { $1 }
        try connection.run("INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
                           columns.map { SQLiteValue(row[$0]) })
    }

    func update(_ type: String, login: String, _ values: [String: String]) throws {
        let (table, _) = Self.table(type)
        for (column, value) in values {
            try connection.run("UPDATE \(table) SET \(column) = ? WHERE KRB_NAME_UPPERCASE = ?", [.text(value), .text(login)])
        }
    }

    func remove(_ type: String, login: String) throws {
        let (table, _) = Self.table(type)
        try connection.run("DELETE FROM \(table) WHERE KRB_NAME_UPPERCASE = ?", [.text(login)])
    }

    /// Raw SQL, for values a Swift String cannot hold (bytes that are not UTF-8).
    func execute(_ sql: String) throws {
        try connection.execute(sql)
    }

    /// Ten staff (S0…S9) and ten students (T0…T9).
    static func standard(in directory: TemporaryDirectory) throws -> TinyWarehouse {
        let warehouse = try TinyWarehouse(in: directory)
        for index in 0..<10 {
            try warehouse.add("staff", login: "S\(index)", id: "10\(index)")
            try warehouse.add("student", login: "T\(index)", id: "20\(index)")
        }
        return warehouse
    }
}
