import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronBlocks

/// The `patronblocks` executable as an operator meets it: the embedded default, and clear
/// refusals of settings it cannot use.
@Suite struct PatronBlocksCLITests {
    @Test func withNoArgumentsItServesOnAnSQLiteFileInTheWorkingDirectory() async throws {
        let folder = TemporaryDirectory("patronblocks-cli")
        // Only the port is chosen, so that tests do not collide on 8081.
        let instance = try Executable.launch("patronblocks", [], environment: ["PATRONBLOCKS_PORT": "0", "PATRONBLOCKS_TENANT": "diku"], in: folder.url)
        defer { instance.kill() }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, !instance.output.contains("patronblocks listening on") {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(instance.output.contains("patronblocks listening on"), "\(instance.output)")
        #expect(instance.output.contains("with SQLite file patronblocks.sqlite"))
        // Standalone with no way to FOLIO's users module: said at start, not only in troubleshooting.
        #expect(instance.output.contains("without PATRONBLOCKS_OKAPI_URL: block checks"), "\(instance.output)")
        #expect(FileManager.default.fileExists(atPath: folder.appending("patronblocks.sqlite").path))
        instance.kill()
        // The tenant was installed before the server took requests.
        let storage = try await Storage.open(.sqlite(path: folder.appending("patronblocks.sqlite").path), summaryCache: BlockCheckSettings().summaryCache, logger: .init(label: "test"))
        #expect(try await storage.tenants.installedTenants() == ["diku"])
    }

    @Test func badSettingsStopItWithTheirName() async throws {
        let folder = TemporaryDirectory("patronblocks-settings")
        let notAKeySet = folder.appending("jwks.json").path
        try #"{"keys": [{"kty": "RSA", "kid": "k1"}]}"#.write(toFile: notAKeySet, atomically: true, encoding: .utf8)
        for (arguments, environment, message) in [
            (["--database", "mysql://db/folio"], [String: String](), "PATRONBLOCKS_DATABASE_URL must be sqlite:PATH or postgres://"),
            (["--port", "70000"], [:], "PATRONBLOCKS_PORT must be 0…65535"),
            ([], ["PATRONBLOCKS_SYNC_PAGE_SIZE": "lots"], "PATRONBLOCKS_SYNC_PAGE_SIZE must be a number"),
            (["--tenant", "diku; drop"], [:], "PATRONBLOCKS_TENANT may hold letters, digits and _ only"),
            (["--database", "postgres://u:p@127.0.0.1:1/db?sslmode=sometimes"], [:], "PATRONBLOCKS_DATABASE_URL: the URL has sslmode=sometimes"),
            (["--jwks-file", notAKeySet, "--port", "0"], [:], "PATRONBLOCKS_JWKS_FILE does not hold a usable JWK set"),
            ([], ["PATRONBLOCKS_LOG_FORMAT": "xml"], "PATRONBLOCKS_LOG_FORMAT must be text or json, not xml"),
            (["--audit-every", "30s"], [:], "PATRONBLOCKS_AUDIT_EVERY must be a duration of at least 1m, like 90m, 12h or 1d, not 30s"),
            (["--audit-repair"], [:], "--audit-repair (PATRONBLOCKS_AUDIT_REPAIR) needs --audit-every (PATRONBLOCKS_AUDIT_EVERY)"),
        ] {
            let result = try await Executable.runWithoutBlocking("patronblocks", arguments, environment: environment, in: FileManager.default.temporaryDirectory)
            #expect(result.status == 2, "\(arguments) \(environment)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
    }

    @Test func jsonLogsAreOneObjectPerLine() async throws {
        let folder = TemporaryDirectory("patronblocks-json-logs")
        let instance = try Executable.launch("patronblocks", ["--log-format", "json", "--port", "0", "--tenant", "diku"], in: folder.url)
        defer { instance.kill() }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, !instance.output.contains("patronblocks listening on") {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(await instance.terminate() == 0)
        let lines = instance.output.split(separator: "\n").map(String.init)
        let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!lines.isEmpty && records.count == lines.count, "every line is a JSON object: \(instance.output)")
        let listening = try #require(records.first { ($0["message"] as? String)?.hasPrefix("patronblocks listening on") == true })
        #expect(listening["level"] as? String == "info" && listening["label"] as? String == "patronblocks")
        #expect((listening["time"] as? String).flatMap { try? Date($0, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) } != nil, "\(listening)")
    }

    @Test func dashHIsHelpAndHostnameIsLongOnly() async throws {
        let help = try await Executable.runWithoutBlocking("patronblocks", ["-h"], in: FileManager.default.temporaryDirectory)
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.stdout.contains("USAGE: patronblocks") && help.stdout.contains("--hostname <hostname>"), "\(help.stdout)")
        #expect(!help.stdout.contains("-h, --hostname"))
    }

    @Test func theOkapiTokenFlagStillWorksButWarnsAndTheFileIsRead() async throws {
        let result = try await Executable.runWithoutBlocking("patronblocks", ["--okapi-token", "secret-token-value", "--port", "70000"], in: FileManager.default.temporaryDirectory)
        #expect(result.status == 2)
        #expect(result.stderr.contains("warning: --okapi-token is deprecated"), "\(result.stderr)")
        #expect(!result.stderr.contains("secret-token-value"))
        let folder = TemporaryDirectory("patronblocks-token")
        let file = folder.appending("token").path
        try "file-token\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try PatronBlocksConfiguration.resolve(PatronBlocksOptions(), environment: ["PATRONBLOCKS_OKAPI_TOKEN_FILE": file]).okapiToken == "file-token")
        #expect(try PatronBlocksConfiguration.resolve(PatronBlocksOptions(), environment: ["PATRONBLOCKS_OKAPI_TOKEN": "env", "PATRONBLOCKS_OKAPI_TOKEN_FILE": file]).okapiToken == "env")
    }

    @Test func anUnreachableDatabaseStopsStartUpAtOnce() async throws {
        let result = try await Executable.runWithoutBlocking("patronblocks", ["--database", "postgres://blocks:secret-password@127.0.0.1:1/folio", "--port", "0"],
                                        in: FileManager.default.temporaryDirectory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("Cannot connect to PostgreSQL at 127.0.0.1:1/folio"), "\(result.stderr)")
        #expect(!result.stderr.contains("secret-password") && !result.stdout.contains("secret-password"))
        #expect(result.duration < .seconds(20))
    }
}
