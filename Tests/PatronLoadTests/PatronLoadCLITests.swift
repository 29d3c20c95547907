import PatronSyncTestSupport
import DemoWarehouse
import Foundation
import Testing
import AWS
@testable import PatronLoad

/// The `patronload` executable as an operator meets it: flags, exit codes, the one line on
/// standard error when something is wrong.
@Suite struct PatronLoadCLITests {
    @Test func helpExplainsFlagsEnvironmentAndExitCodes() async throws {
        let result = try await Executable.runWithoutBlocking("patronload", ["--help"])
        #expect(result.status == 0)
        for text in ["--database-connection-test", "--dry-run", "DATA_WAREHOUSE_URL", "DATA_WAREHOUSE_SID", "ORACLE_LIB_DIR", "WORKSPACE", "LOG_LEVEL", "Exit codes"] {
            #expect(result.stdout.contains(text), "--help lacks \(text)")
        }
    }

    /// `--help` names every variable the run reads: patronload's own table, the AWS clients' table,
    /// and any variable a source file reads by a literal name.
    @Test func helpNamesEveryEnvironmentVariableTheRunReads() async throws {
        let help = try await Executable.runWithoutBlocking("patronload", ["--help"]).stdout
        var names = EnvironmentVariable.allCases.map(\.rawValue) + AWSEnvironmentVariable.allCases.map(\.rawValue)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let read = try Regex(#"environment\[\s*"([A-Z][A-Z0-9_]*)"\s*\]"#)
        for folder in ["Sources/AWS", "Sources/PatronLoad", "Sources/patronload"] {
            let url = root.appendingPathComponent(folder)
            for case let file as String in FileManager.default.enumerator(atPath: url.path)! where file.hasSuffix(".swift") {
                let text = try String(contentsOf: url.appendingPathComponent(file), encoding: .utf8)
                names += text.matches(of: read).compactMap { $0.output[1].substring.map(String.init) }
            }
        }
        #expect(names.contains("AWS_ENDPOINT_URL_S3") && names.contains("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") && names.contains("LD_LIBRARY_PATH"))
        for name in Set(names) {
            #expect(help.range(of: "\\b\(name)\\b", options: .regularExpression) != nil, "--help does not name \(name)")
        }
        // Each meaning stays on its variable's line (help wraps at 80 columns).
        for (name, meaning) in EnvironmentVariable.allCases.map({ ($0.rawValue, $0.help) }) + EnvironmentVariable.aws {
            #expect(help.range(of: "\(name) +\(NSRegularExpression.escapedPattern(for: meaning))\n", options: .regularExpression) != nil, "\(name)'s meaning is wrapped")
        }
    }

    @Test func aMissingSettingIsOneLineAndExitCode2() async throws {
        let result = try await Executable.runWithoutBlocking("patronload", [])
        #expect(result.status == 2)
        #expect(result.stderr == "patronload: DATA_WAREHOUSE_URL is required (set it in the environment or pass --warehouse), or DATA_WAREHOUSE_USER, DATA_WAREHOUSE_PASSWORD, DATA_WAREHOUSE_HOST, DATA_WAREHOUSE_PORT and DATA_WAREHOUSE_SID for Oracle\n")
    }

    @Test func theConnectionTestPrintsTheReferenceLine() async throws {
        let directory = TemporaryDirectory()
        let path = directory.appending("w.sqlite").path
        try DemoWarehouseWriter.writeSQLite(DemoPatronGenerator(spec: .init(staff: 3, students: 3)), to: path)
        let result = try await Executable.runWithoutBlocking("patronload", ["-t"], environment: ["DATA_WAREHOUSE_URL": "sqlite:\(path)"], in: directory.url)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("Successfully connected to SQLite version: 3."))
        // No files, no report: a connection test only connects.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["w.sqlite"])
    }

    @Test func aWarehouseFailureExitsWith3() async throws {
        let directory = TemporaryDirectory()
        let result = try await Executable.runWithoutBlocking("patronload", ["--warehouse", "sqlite:missing.sqlite"], in: directory.url)
        #expect(result.status == 3)
        let last = result.stderr.split(separator: "\n").last.map(String.init)
        #expect(last == "patronload: The SQLite warehouse missing.sqlite does not exist; check DATA_WAREHOUSE_URL (create a demo one with `make demo-warehouse`)")
    }

    @Test(.enabled(if: TestServices.postgresAvailable))
    func aWrongPasswordNeverReachesTheOutput() async throws {
        var settings = try TestServices.postgres()
        let password = "Wr0ng-\(UUID().uuidString.prefix(8))"
        settings.password = password
        let url = "postgres://\(settings.user):\(password)@\(settings.host):\(settings.port)/\(settings.database)"
        let directory = TemporaryDirectory()
        let result = try await Executable.runWithoutBlocking("patronload", [], environment: ["DATA_WAREHOUSE_URL": url, "LOG_LEVEL": "trace"], in: directory.url)
        #expect(result.status == 3)
        #expect(result.stderr.contains("refused user \(settings.user)"))
        #expect(!result.stderr.contains(password) && !result.stdout.contains(password))
        let reports = directory.appending("out/reports")
        for file in try FileManager.default.contentsOfDirectory(atPath: reports.path) {
            #expect(!(try String(contentsOf: reports.appendingPathComponent(file), encoding: .utf8)).contains(password))
        }
    }

    @Test func oracleLibDirIsOnTheLoaderPathBeforeTheDriverLoads() async throws {
        let directory = TemporaryDirectory()
        let path = directory.appending("w.sqlite").path
        try DemoWarehouseWriter.writeSQLite(DemoPatronGenerator(spec: .init(staff: 1, students: 1)), to: path)
        let result = try await Executable.runWithoutBlocking("patronload", ["-t"], environment: [
            "DATA_WAREHOUSE_URL": "sqlite:\(path)", "ORACLE_LIB_DIR": "/opt/oracle/instantclient_21_12", "LOG_LEVEL": "debug", "LD_LIBRARY_PATH": "/usr/local/lib",
        ])
        #expect(result.status == 0)
        #expect(result.stderr.contains("Oracle client libraries from /opt/oracle/instantclient_21_12 (LD_LIBRARY_PATH=/opt/oracle/instantclient_21_12:/usr/local/lib)"))
    }

    @Test func aFullRunExits0AndLeavesZips() async throws {
        let directory = TemporaryDirectory()
        let path = directory.appending("w.sqlite").path
        try DemoWarehouseWriter.writeSQLite(DemoPatronGenerator(spec: .init(staff: 50, students: 80)), to: path)
        let result = try await Executable.runWithoutBlocking("patronload", ["--warehouse", "sqlite:\(path)", "--output-dir", "out", "--workspace", "test"], in: directory.url)
        #expect(result.status == 0, "\(result.stderr)")
        let zips = try FileManager.default.contentsOfDirectory(atPath: directory.appending("out").path).filter { $0.hasSuffix(".zip") }
        #expect(zips.count == 2)
        #expect(result.stdout.contains(": delivered"))
    }
}
