import Foundation
import SQLite

/// A warehouse in an SQLite file: the embedded default, for demos, tests and small institutions
/// that export their views to a file.
public struct SQLitePatronSource: PatronSource {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var description: String { "SQLite file \(path)" }

    public func serverVersion() async throws(WarehouseError) -> ServerVersion {
        let connection = try open()
        do {
            let version = try connection.rows("SELECT sqlite_version()").first?.first?.text ?? SQLiteConnection.libraryVersion
            return ServerVersion(product: "SQLite", version: version)
        } catch {
            throw WarehouseError(.readFailed, "Cannot read the SQLite warehouse \(path): \(error.message)", code: String(error.code))
        }
    }

    public func openCursor(_ sql: String) async throws(WarehouseError) -> sending any RowCursor {
        let connection = try open()
        do {
            let statement = try connection.prepare(sql)
            return SQLiteRowCursor(connection: connection, statement: statement)
        } catch {
            throw WarehouseError(.queryFailed, "The query failed on \(description): \(error.message); fix the query in the profile", code: String(error.code))
        }
    }

    private func open() throws(WarehouseError) -> SQLiteConnection {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw WarehouseError(.notFound, "The SQLite warehouse \(path) does not exist; check DATA_WAREHOUSE_URL (create a demo one with `make demo-warehouse`)")
        }
        // SQLite opens a folder and then calls each read a "disk I/O error".
        guard !isFolder.boolValue else {
            throw WarehouseError(.invalidConfiguration, "The SQLite warehouse \(path) is a folder, not a database file; check DATA_WAREHOUSE_URL (sqlite:PATH names the file)")
        }
        // SQLite takes an empty file for an empty database, and the first query then misses its table.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue == 0 {
            throw WarehouseError(.invalidConfiguration, "The SQLite warehouse \(path) is an empty file (0 bytes), not a database; check DATA_WAREHOUSE_URL")
        }
        do {
            let connection = try SQLiteConnection(path: path, mode: .readOnly)
            connection.setBusyTimeout(milliseconds: 5_000)
            // SQLite reads the file's header only at the first query; read it now, so that a file
            // that is not a database is not reported as a problem of the profile's query.
            _ = try connection.rows("PRAGMA schema_version")
            return connection
        } catch {
            throw Self.openFailure(error, path: path)
        }
    }

    /// What a failure to open or first read the file means, in the operator's terms.
    static func openFailure(_ error: SQLiteError, path: String) -> WarehouseError {
        switch error.code & 0xFF {
        case SQLiteError.notADatabase:
            WarehouseError(.invalidConfiguration, "The file \(path) is not an SQLite database (or is encrypted); check DATA_WAREHOUSE_URL", code: String(error.code))
        case SQLiteError.cannotOpen:
            WarehouseError(.unreachable, "Cannot open the SQLite warehouse \(path): \(error.message); check that the user running patronload may read it", code: String(error.code))
        default:
            WarehouseError(.unreachable, "Cannot open the SQLite warehouse \(path): \(error.message)", code: String(error.code))
        }
    }
}

final class SQLiteRowCursor: RowCursor {
    private let connection: SQLiteConnection
    private var statement: SQLiteStatement?
    let columns: [String]

    init(connection: SQLiteConnection, statement: SQLiteStatement) {
        self.connection = connection
        self.statement = statement
        self.columns = statement.columnNames
    }

    func next() async throws(WarehouseError) -> [String?]? {
        guard let statement else { return nil }
        do {
            guard try statement.step() else {
                self.statement = nil
                return nil
            }
        } catch {
            self.statement = nil
            throw WarehouseError(.readFailed, "Reading from SQLite file \(connection.path) failed: \(error.message)", code: String(error.code))
        }
        var row: [String?] = []
        row.reserveCapacity(columns.count)
        for column in 0..<columns.count {
            row.append(statement.text(at: column))
        }
        return row
    }

    func close() async {
        statement = nil
    }
}
