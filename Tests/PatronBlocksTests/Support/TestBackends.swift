import Foundation
import Logging
import PostgresNIO
import PostgresURL
import PatronSyncTestSupport
import Testing
@testable import PatronBlocks

/// The two storage backends every behaviour is tested on: an SQLite file in a temp folder, and a
/// fresh database on the PostgreSQL server scripts/test.sh starts.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static let environment = ProcessInfo.processInfo.environment

    /// Under the test script (PATRONSYNC_REQUIRE_SERVICES=1) PostgreSQL is required, and a missing
    /// server fails its tests; a developer's `swift test` alone runs SQLite only.
    static var available: [Backend] {
        environment["PATRONSYNC_TEST_POSTGRES_URL"] != nil || environment["PATRONSYNC_REQUIRE_SERVICES"] == "1" ? allCases : [.sqlite]
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static func postgresServerURL() throws -> String {
        guard let url = environment["PATRONSYNC_TEST_POSTGRES_URL"] else {
            throw Missing(description: "PATRONSYNC_TEST_POSTGRES_URL is not set: run the tests with `make test`, which starts PostgreSQL")
        }
        return url
    }

    /// A new, empty database on the test server; its URL.
    static func createPostgresDatabase() async throws -> String {
        let server = try postgresServerURL()
        let name = "pb_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        let logger = Logger(label: "test.postgres")
        let configuration = try PostgresSettings(url: server).connectionConfiguration()
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        var components = URLComponents(string: server)!
        components.path = "/\(name)"
        return components.string!
    }
}

/// One storage location both backends can open more than once, as two instances of the service
/// would (two SQLite handles on one file, two PostgreSQL pools on one database).
struct StorageLocation: Sendable {
    let backend: Backend
    let storage: PatronBlocksConfiguration.Storage
    /// Keeps the SQLite file's folder until the location is gone.
    let directory: TemporaryDirectory?

    static func make(_ backend: Backend) async throws -> StorageLocation {
        switch backend {
        case .sqlite:
            let directory = TemporaryDirectory("patronblocks")
            return StorageLocation(backend: backend, storage: .sqlite(path: directory.appending("patronblocks.sqlite").path), directory: directory)
        case .postgres:
            return StorageLocation(backend: backend, storage: .postgres(url: try await Backend.createPostgresDatabase()), directory: nil)
        }
    }

    var configuration: PatronBlocksConfiguration {
        var configuration = PatronBlocksConfiguration()
        configuration.storage = storage
        configuration.logLevel = .warning
        return configuration
    }

    /// Opens the storage, runs `body` with it, and closes it (the PostgreSQL pool runs meanwhile).
    func withStorage<R: Sendable>(_ body: @Sendable (Storage) async throws -> R) async throws -> R {
        var logger = Logger(label: "test.storage")
        logger.logLevel = .warning
        switch storage {
        case .sqlite:
            return try await body(try await Storage.open(storage, summaryCache: BlockCheckSettings().summaryCache, logger: logger))
        case .postgres:
            let postgres = try await Storage.open(storage, summaryCache: BlockCheckSettings().summaryCache, logger: logger)
            return try await withThrowingTaskGroup(of: R?.self) { group in
                for service in postgres.services {
                    group.addTask {
                        try? await service.run()
                        return nil
                    }
                }
                defer { group.cancelAll() }
                return try await body(postgres)
            }
        }
    }
}

/// A tenant name per test, so nothing a test leaves behind can meet another test.
func uniqueTenant(_ prefix: String = "t") -> String {
    prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
}

/// What most backend-parameterised tests begin with: a fresh storage location of `backend`,
/// opened, and a tenant of the test's own installed in it.
func withInstalledTenant<R: Sendable>(_ backend: Backend, _ body: @Sendable (Storage, String) async throws -> R) async throws -> R {
    let location = try await StorageLocation.make(backend)
    return try await location.withStorage { storage in
        let tenant = uniqueTenant()
        try await storage.tenants.installTenant(tenant)
        return try await body(storage, tenant)
    }
}

extension Storage {
    /// The SQLite file under the stores, for a test that reads its rows; nil on PostgreSQL.
    var sqliteDatabase: SQLiteDatabase? {
        if case .sqlite(let database) = database { database } else { nil }
    }

    /// The PostgreSQL pool under the stores, for a test that runs its own statements; nil on SQLite.
    var postgresHandle: PostgresHandle? {
        if case .postgres(let handle) = database { handle } else { nil }
    }
}
