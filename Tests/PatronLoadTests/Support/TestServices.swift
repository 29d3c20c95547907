import DemoWarehouse
import Foundation
import Logging
import PostgresNIO
@testable import PatronLoad

/// The services scripts/test.sh starts. Under the test script (PATRONSYNC_REQUIRE_SERVICES=1) a
/// missing service fails its tests; a developer running `swift test` alone skips them.
enum TestServices {
    static let environment = ProcessInfo.processInfo.environment
    static var requireServices: Bool { environment["PATRONSYNC_REQUIRE_SERVICES"] == "1" }

    static var postgresAvailable: Bool { environment["PATRONSYNC_TEST_POSTGRES_URL"] != nil || requireServices }

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static func postgres() throws -> PostgresSettings {
        guard let url = environment["PATRONSYNC_TEST_POSTGRES_URL"] else {
            throw Missing(description: "PATRONSYNC_TEST_POSTGRES_URL is not set: run the tests with `make test`, which starts PostgreSQL")
        }
        return try PostgresSettings(url: url)
    }

    static var postgresCA: String? { environment["PATRONSYNC_TEST_POSTGRES_CA"] }

    static func withPostgres<R>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        let logger = Logger(label: "test.postgres")
        let connection = try await PostgresConnection.connect(configuration: try postgres().connectionConfiguration(), id: 1, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Loads a generated warehouse into a fresh schema and returns its name.
    static func loadPostgresWarehouse(_ generator: DemoPatronGenerator) async throws -> String {
        let schema = "w_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await withPostgres { connection in
            try await PostgresWarehouseWriter.write(generator, schema: String(schema), connection: connection, logger: Logger(label: "test.postgres"))
        }
        return String(schema)
    }

    static func postgresLocation(schema: String, mutate: (inout PostgresSettings) -> Void = { _ in }) throws -> WarehouseLocation {
        var settings = try postgres()
        settings.searchPath = schema
        mutate(&settings)
        return .postgres(settings)
    }

    /// The same server through psqlODBC's Unicode driver.
    static func odbcPostgresLocation(schema: String?, password: String? = nil, port: Int? = nil) throws -> WarehouseLocation {
        let settings = try postgres()
        var connection = "DRIVER={PostgreSQL Unicode};Servername=\(settings.host);Port=\(port ?? settings.port);Database=\(settings.database);Uid=\(settings.user);Pwd=\(password ?? settings.password ?? "");"
        if let schema { connection += "ConnSettings=SET search_path TO \(schema);" }
        return .odbc(ODBCSettings(connectionString: connection))
    }

    static func odbcSQLiteLocation(path: String) -> WarehouseLocation {
        .odbc(ODBCSettings(connectionString: "DRIVER={SQLite3};Database=\(path);"))
    }
}
