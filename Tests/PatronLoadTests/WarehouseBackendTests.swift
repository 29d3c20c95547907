import PatronSyncTestSupport
import DemoWarehouse
import Foundation
import PostgresNIO
import Testing
@testable import PatronLoad

/// The same load against every backend, and each backend's failure messages, against real
/// servers and drivers: an SQLite file, PostgreSQL started by scripts/test.sh, and unixODBC with
/// Debian's SQLite3 and PostgreSQL Unicode drivers.
@Suite(.enabled(if: TestServices.postgresAvailable, "needs PostgreSQL: run `make test`"))
struct WarehouseBackendTests {
    static let generator = DemoPatronGenerator(spec: .init(staff: 700, students: 1_100, seed: 77))

    /// Users as the XML holds them, one `<user>…</user>` line each, per patron type, sorted: the
    /// order rows come in may differ between servers, the users may not.
    static func users(in output: URL) throws -> [String: [String]] {
        var byType: [String: [String]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: output.path) where name.hasSuffix(".zip") {
            let archive = try ZipArchiveReader(path: output.appendingPathComponent(name).path)
            for entry in archive.entries {
                let lines = String(decoding: try archive.data(of: entry), as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("<user>") }
                byType[String(name.prefix { $0 != "_" }), default: []] += lines.map(String.init)
            }
        }
        return byType.mapValues { $0.sorted() }
    }

    @Test func everyBackendProducesTheSamePatrons() async throws {
        let directory = TemporaryDirectory()
        let sqlite = directory.appending("warehouse.sqlite").path
        try DemoWarehouseWriter.writeSQLite(Self.generator, to: sqlite)
        let schema = try await TestServices.loadPostgresWarehouse(Self.generator)

        let backends: [(String, WarehouseLocation)] = [
            ("sqlite", .sqlite(path: sqlite)),
            ("postgres", try TestServices.postgresLocation(schema: schema)),
            ("odbc-sqlite", TestServices.odbcSQLiteLocation(path: sqlite)),
            ("odbc-postgres", try TestServices.odbcPostgresLocation(schema: schema)),
        ]
        var results: [String: ([String: [String]], [TypeCounts])] = [:]
        for (name, location) in backends {
            var configuration = LoadJobTests.configuration(warehouse: sqlite, output: directory.appending(name))
            configuration.warehouse = location
            let (summary, _) = await LoadJobTests.run(configuration)
            #expect(summary.outcome == .delivered, "\(name): \(summary.outcome)")
            results[name] = (try Self.users(in: directory.appending(name)), summary.types)
        }
        let reference = try #require(results["sqlite"])
        #expect(reference.0["staff"]?.count == reference.1[0].written)
        #expect((reference.0["student"]?.count ?? 0) > 900)
        for (name, _) in backends.dropFirst() {
            let result = try #require(results[name])
            #expect(result.1 == reference.1, "\(name) counts differ")
            #expect(result.0["staff"] == reference.0["staff"], "\(name) staff users differ")
            #expect(result.0["student"] == reference.0["student"], "\(name) student users differ")
        }
    }

    @Test func connectionTestNamesEachProductAndVersion() async throws {
        let directory = TemporaryDirectory()
        let sqlite = directory.appending("w.sqlite").path
        try DemoWarehouseWriter.writeSQLite(DemoPatronGenerator(spec: .init(staff: 1, students: 1)), to: sqlite)
        let cases: [(WarehouseLocation, String)] = [
            (.sqlite(path: sqlite), "SQLite"),
            (try TestServices.postgresLocation(schema: "public"), "PostgreSQL"),
            (TestServices.odbcSQLiteLocation(path: sqlite), "SQLite"),
            (try TestServices.odbcPostgresLocation(schema: nil), "PostgreSQL"),
        ]
        for (location, product) in cases {
            let version = try await location.makeSource().serverVersion()
            #expect(version.product == product)
            #expect(version.version.first?.isNumber == true, "\(location): \(version)")
        }
    }

    // MARK: - Failures: one line, what to fix, no password

    static func failure(_ location: WarehouseLocation, profile: LoadedProfile = Fixtures.profile) async throws -> (WarehouseError.Kind?, String, [String]) {
        let directory = TemporaryDirectory()
        var configuration = LoadJobTests.configuration(warehouse: "unused", output: directory.appending("out"), profile: profile)
        configuration.warehouse = location
        let (summary, runLog) = await LoadJobTests.run(configuration)
        guard case .failed(let stage, let message) = summary.outcome else {
            Issue.record("expected a failure, got \(summary.outcome)")
            return (nil, "", [])
        }
        #expect(stage == .warehouse || stage == .configuration)
        #expect(!message.contains("\n"), "the message is one line")
        // The kind comes from the source itself; the job wraps the message.
        do {
            _ = try await location.makeSource().serverVersion()
            return (nil, message, runLog.lines)
        } catch {
            return (error.kind, message, runLog.lines)
        }
    }

    @Test func wrongPasswordIsAnAuthenticationFailureOnEveryPostgresPath() async throws {
        let password = "wrong-\(UUID().uuidString.prefix(8))"
        for location in [
            try TestServices.postgresLocation(schema: "public") { $0.password = password },
            try TestServices.odbcPostgresLocation(schema: nil, password: password),
        ] {
            let (kind, message, log) = try await Self.failure(location)
            #expect(kind == .authenticationFailed, "\(location)")
            #expect(message.contains("password"), "\(message)")
            #expect(!message.contains(password) && !log.joined().contains(password))
        }
    }

    @Test func anUnreachableHostSaysSo() async throws {
        for location in [
            try TestServices.postgresLocation(schema: "public") { $0.port = 1 },
            try TestServices.odbcPostgresLocation(schema: nil, port: 1),
        ] {
            let (kind, message, _) = try await Self.failure(location)
            #expect(kind == .unreachable, "\(location): \(message)")
            #expect(message.contains("127.0.0.1") || message.contains("localhost"), "\(message)")
        }
    }

    @Test func aMissingDriverSaysHowToRegisterIt() async throws {
        let password = "oracle-secret-\(UUID().uuidString.prefix(6))"
        let location = WarehouseLocation.oracle(OracleSettings(user: "patronload", password: password, host: "127.0.0.1", port: 1521, sid: "DW", driver: "Oracle Instant Client Not Installed"))
        let (kind, message, log) = try await Self.failure(location)
        #expect(kind == .driverMissing)
        #expect(message.contains("`Oracle Instant Client Not Installed` is not installed or not registered") && message.contains("odbcinst.ini"))
        #expect(!message.contains(password) && !log.joined().contains(password))
    }

    @Test func aQueryNamingAMissingColumnFailsOnEveryBackend() async throws {
        let directory = TemporaryDirectory()
        let sqlite = directory.appending("w.sqlite").path
        try DemoWarehouseWriter.writeSQLite(DemoPatronGenerator(spec: .init(staff: 5, students: 5)), to: sqlite)
        let schema = try await TestServices.loadPostgresWarehouse(DemoPatronGenerator(spec: .init(staff: 5, students: 5)))
        var profile = Fixtures.profile
        profile.profile.patronTypes[0].query = "SELECT MIT_ID, NO_SUCH_COLUMN FROM LIBRARY_EMPLOYEE"
        for location in [
            WarehouseLocation.sqlite(path: sqlite), try TestServices.postgresLocation(schema: schema),
            TestServices.odbcSQLiteLocation(path: sqlite), try TestServices.odbcPostgresLocation(schema: schema),
        ] {
            let (_, message, _) = try await Self.failure(location, profile: profile)
            #expect(message.lowercased().contains("no_such_column"), "\(location): \(message)")
            #expect(message.contains("fix the query in the profile"), "\(message)")
        }
    }

    // MARK: - TLS

    @Test func tlsIsUsedAndVerifiedWhenAsked() async throws {
        let ca = try #require(TestServices.postgresCA)
        let verified = try TestServices.postgresLocation(schema: "public") {
            $0.sslMode = .verifyFull
            $0.sslRootCertificate = ca
        }
        #expect(try await verified.makeSource().serverVersion().product == "PostgreSQL")
        // The server's certificate comes from a throwaway CA that the system does not trust.
        let untrusted = try TestServices.postgresLocation(schema: "public") { $0.sslMode = .verifyFull }
        let error = await #expect(throws: WarehouseError.self) { try await untrusted.makeSource().serverVersion() }
        #expect(error?.message.contains("TLS handshake") == true, "\(String(describing: error))")
        let plain = try TestServices.postgresLocation(schema: "public") { $0.sslMode = .disable }
        #expect(try await plain.makeSource().serverVersion().product == "PostgreSQL")
        // The server really encrypts: the session reports ssl = true.
        let source = verified.makeSource()
        let cursor = try await source.openCursor("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        let row = try await cursor.next()
        await cursor.close()
        #expect(row == ["true"])
    }

    // MARK: - Types

    @Test func numbersDatesAndNullsMapToText() async throws {
        let schema = "types_" + UUID().uuidString.prefix(8).lowercased()
        try await TestServices.withPostgres { connection in
            try await connection.query(PostgresQuery(unsafeSQL: """
                CREATE SCHEMA \(schema);
                """), logger: .init(label: "t"))
            try await connection.query(PostgresQuery(unsafeSQL: """
                CREATE TABLE \(schema).typed (i integer, big bigint, n numeric(10,2), neg numeric, d date, ts timestamp, b boolean, t varchar(20), nothing text)
                """), logger: .init(label: "t"))
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO \(schema).typed VALUES (42, 9000000001, 12.50, -0.000120, '2027-06-30', '2027-06-30 14:05:07', true, 'Zoë 王', NULL)
                """), logger: .init(label: "t"))
        }
        let sql = "SELECT i, big, n, neg, d, ts, b, t, nothing FROM typed"
        let native = try await TestServices.postgresLocation(schema: schema).makeSource()
        let nativeCursor = try await native.openCursor(sql)
        let nativeRow = try await nativeCursor.next()
        await nativeCursor.close()
        #expect(nativeRow == ["42", "9000000001", "12.50", "-0.000120", "2027-06-30", "2027-06-30 14:05:07", "true", "Zoë 王", nil])
        let odbc = try TestServices.odbcPostgresLocation(schema: schema).makeSource()
        let odbcCursor = try await odbc.openCursor(sql)
        #expect(odbcCursor.columns == ["i", "big", "n", "neg", "d", "ts", "b", "t", "nothing"])
        let odbcRow = try await odbcCursor.next()
        await odbcCursor.close()
        // psqlODBC prints booleans as 1/0; everything else reads the same.
        #expect(odbcRow == ["42", "9000000001", "12.50", "-0.000120", "2027-06-30", "2027-06-30 14:05:07", "1", "Zoë 王", nil])
    }

    @Test func anEmptyResultIsAnEmptyTypeNotAnError() async throws {
        let schema = try await TestServices.loadPostgresWarehouse(DemoPatronGenerator(spec: .init(staff: 50, students: 0)))
        let directory = TemporaryDirectory()
        var configuration = LoadJobTests.configuration(warehouse: "unused", output: directory.appending("out"))
        configuration.warehouse = try TestServices.postgresLocation(schema: schema)
        let (summary, _) = await LoadJobTests.run(configuration)
        #expect(summary.outcome == .delivered)
        #expect(summary.counts(for: "student")?.read == 0)
        #expect(summary.zips.map(\.patronType) == ["staff"])
    }
}
