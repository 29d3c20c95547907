import FolioSimulator
import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import Logging
import PostgresNIO
import PostgresURL
import PatronSyncTestSupport
import Synchronization
import Testing
@testable import PatronBlocks

/// What an operator runs patronblocks with: health and readiness, Prometheus metrics, access
/// control for standalone deployments, and the body limit.
@Suite struct OperationsAPITests {
    @Test(arguments: Backend.available) func healthAndReadiness(_ backend: Backend) async throws {
        try await withService(backend) { service, api in
            let open = api.tenant(nil)
            let live = try await open.get("/admin/health")
            let liveStatus = try live.json["status"] as? String
            #expect(live.status == .ok && liveStatus == "UP")
            let ready = try await open.get("/admin/health/ready")
            #expect(ready.status == .ok)
            let body = try ready.json
            #expect(body["status"] as? String == "UP" && body["tenants"] as? Int == 1)
            #expect(body["storage"] as? String == service.storageDescription)
        }
    }

    /// Readiness follows the storage: a PostgreSQL database that goes away makes the service
    /// unready (503) while it stays alive.
    @Test(.enabled(if: Backend.available.contains(.postgres))) func readinessFailsWhenTheDatabaseGoesAway() async throws {
        try await withService(.postgres) { service, api in
            guard case .postgres(let url) = service.configuration.storage else { return }
            let database = String(try #require(URLComponents(string: url)?.path.dropFirst()))
            let server = try PostgresSettings(url: try Backend.postgresServerURL()).connectionConfiguration()
            let connection = try await PostgresConnection.connect(configuration: server, id: 9, logger: .init(label: "test"))
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(database) WITH (FORCE)"), logger: .init(label: "test"))
            try await connection.close()
            let open = api.tenant(nil)
            let ready = try await open.get("/admin/health/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(try ready.json["status"] as? String == "DOWN")
            #expect(try await open.get("/admin/health").status == .ok, "alive, only not ready")
        }
    }

    @Test func metricsCountRequestsChecksEventsAndSyncs() async throws {
        let dataset = FolioDataset.generate(users: 40, loans: 200, accounts: 50, seed: 3)
        try await withSimulator(dataset) { _, url in
            try await withService(.sqlite, configure: { $0.okapiURL = url; $0.synchronization.pageSize = 50; $0.synchronization.pollInterval = .seconds(60) }) { service, api in
                let user = UUID()
                #expect(try await api.post("/automated-patron-blocks/handlers/item-checked-out", #"{"userId": "\#(user.folio)", "loanId": "\#(UUID().folio)", "dueDate": "2026-12-01T10:00:00Z"}"#).status == .noContent)
                #expect(try await api.get("/automated-patron-blocks/\(user.folio)").status == .ok)
                #expect(try await api.get("/automated-patron-blocks/\(UUID().folio)").status == .ok)
                #expect(try await api.get("/user-summary/nope").status == .badRequest)
                let job = try #require(try await api.post("/automated-patron-blocks/synchronization/job", #"{"scope": "full"}"#).json["id"] as? String)
                #expect(try await api.post("/automated-patron-blocks/synchronization/start").status == .accepted)
                let deadline = ContinuousClock.now + .seconds(20)
                while ContinuousClock.now < deadline, try await api.get("/automated-patron-blocks/synchronization/job/\(job)").json["status"] as? String != "done" {
                    try await Task.sleep(for: .milliseconds(50))
                }
                // The job reads `done` a moment before its runner counts it as finished.
                var scrape = try await api.tenant(nil).get("/metrics")
                while ContinuousClock.now < deadline, !scrape.text.contains(#"patronblocks_sync_jobs_finished_total{status="done"} 1"#) {
                    try await Task.sleep(for: .milliseconds(50))
                    scrape = try await api.tenant(nil).get("/metrics")
                }
                #expect(scrape.status == .ok && scrape.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = scrape.text
                let lines = text.split(separator: "\n").map(String.init)
                func value(_ prefix: String) -> Double? {
                    lines.first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
                }
                #expect(value(#"patronblocks_events_total{type="ITEM_CHECKED_OUT"}"#) == 1)
                #expect(value(#"patronblocks_block_checks_total{result="clear"}"#) == 2)
                #expect(value("patronblocks_block_check_duration_seconds_count") == 2)
                #expect(value(#"patronblocks_sync_records_processed_total{kind="loans"}"#) == 200)
                #expect(value(#"patronblocks_sync_records_processed_total{kind="fees_fines"}"#) == 50)
                #expect(value(#"patronblocks_sync_jobs_finished_total{status="done"}"#) == 1)
                #expect(value("patronblocks_sync_jobs_in_progress") == 0)
                #expect(lines.contains { $0.hasPrefix("patronblocks_http_requests_total{") && $0.contains(#"route="/automated-patron-blocks/{userId}""#) && $0.contains(#"status="200""#) && $0.hasSuffix(" 2") }, "\(text)")
                #expect(lines.contains { $0.hasPrefix("patronblocks_http_requests_total{") && $0.contains(#"route="/user-summary/{userId}""#) && $0.contains(#"status="400""#) })
                #expect(lines.contains { $0.hasPrefix("patronblocks_http_request_duration_seconds_bucket{") })
                _ = service
            }
        }
    }

    static let secret = "a-shared-secret-of-at-least-32-bytes!"

    @Test func withTokensConfiguredEveryAPICallNeedsOne() async throws {
        try await withService(.sqlite, configure: { $0.runsSynchronization = false; $0.access.tokens = ["first-token-0123456789", "second-token-0123456789"] }) { _, api in
            let path = "/patron-block-conditions"
            let missing = try await api.get(path)
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate] == #"Bearer realm="patronblocks""#)
            #expect(missing.text == "A bearer token is required: Authorization: Bearer <token>")
            let wrong = try await api.call(.get, path, headers: [.authorization: "Bearer guessed-token-0123456789"])
            #expect(wrong.status == .unauthorized && wrong.text == "The bearer token is not valid")
            for token in ["first-token-0123456789", "second-token-0123456789"] {
                #expect(try await api.call(.get, path, headers: [.authorization: "Bearer \(token)"]).status == .ok)
            }
            #expect(try await api.call(.get, path, headers: [.authorization: "Basic Zmlyc3Q6dG9rZW4="]).status == .unauthorized)
            // The tenant interface is protected too; probes, metrics and the contract are not.
            #expect(try await api.post("/_/tenant", #"{"module_to": "m-1.0.0"}"#).status == .unauthorized)
            for open in ["/admin/health", "/admin/health/ready", "/metrics", "/patronsync/openapi.json"] {
                #expect(try await api.tenant(nil).get(open).status == .ok, "\(open)")
            }
        }
    }

    struct TestClaims: JWTPayload {
        var exp: ExpirationClaim
        var iss: IssuerClaim?
        var aud: AudienceClaim?
        var tenant: String?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    @Test func jwtsAreVerifiedBySecretOrByAKeySet() async throws {
        let hmac = JWTKeyCollection()
        await hmac.add(hmac: HMACKey(from: Self.secret), digestAlgorithm: .sha256)
        let key = ES256PrivateKey()
        let idp = JWTKeyCollection()
        await idp.add(ecdsa: key, kid: "idp-1")
        let (x, y) = try #require(key.publicKey.parameters)
        let jwks = #"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "idp-1", "alg": "ES256", "use": "sig", "x": "\#(x)", "y": "\#(y)"}]}"#

        try await withService(.sqlite, configure: {
            $0.runsSynchronization = false
            $0.access.jwtSecret = Self.secret
            $0.access.jwks = jwks
            $0.access.issuer = "https://idp.example.edu"
            $0.access.audience = "patronblocks"
        }) { _, api in
            let tenant = try #require(api.tenant)
            func status(_ token: String) async throws -> HTTPResponse.Status {
                try await api.call(.get, "/patron-block-conditions", headers: [.authorization: "Bearer \(token)"]).status
            }
            let good = TestClaims(exp: .init(value: Date().addingTimeInterval(300)), iss: "https://idp.example.edu", aud: "patronblocks", tenant: tenant)
            #expect(try await status(try await hmac.sign(good)) == .ok)
            #expect(try await status(try await idp.sign(good, kid: "idp-1")) == .ok)

            var expired = good
            expired.exp = .init(value: Date().addingTimeInterval(-60))
            #expect(try await status(try await hmac.sign(expired)) == .unauthorized)
            let stranger = JWTKeyCollection()
            await stranger.add(hmac: HMACKey(from: "another-secret-that-is-long-enough-xx"), digestAlgorithm: .sha256)
            #expect(try await status(try await stranger.sign(good)) == .unauthorized)
            var otherIssuer = good
            otherIssuer.iss = "https://evil.example.com"
            #expect(try await status(try await hmac.sign(otherIssuer)) == .unauthorized)
            var otherAudience = good
            otherAudience.aud = "another-service"
            #expect(try await status(try await hmac.sign(otherAudience)) == .unauthorized)
            var otherTenant = good
            otherTenant.tenant = "another_tenant"
            let forbidden = try await api.call(.get, "/patron-block-conditions", headers: [.authorization: "Bearer \(try await hmac.sign(otherTenant))"])
            #expect(forbidden.status == .forbidden && forbidden.text == "This token is for tenant another_tenant, not \(tenant)")
            // A token with alg none is never accepted.
            let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            let payload = Data(#"{"exp":4102444800,"iss":"https://idp.example.edu","aud":"patronblocks"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            #expect(try await status("\(header).\(payload).") == .unauthorized)
            #expect(try await status("not.a.jwt") == .unauthorized)
        }
    }

    @Test func oversizedBodiesAreRefusedBeforeTheyAreRead() async throws {
        try await withService(.sqlite, configure: { $0.runsSynchronization = false; $0.maxBodyBytes = 2_048 }) { _, api in
            let big = #"{"scope": "full", "padding": ""# + String(repeating: "x", count: 3_000) + #""}"#
            let answer = try await api.post("/automated-patron-blocks/synchronization/request", big)
            #expect(answer.status == .contentTooLarge)
            #expect(answer.text == "The request body is larger than 2048 bytes")
            #expect(try await api.post("/automated-patron-blocks/synchronization/request", #"{"scope": "full"}"#).status == .created)
        }
    }

    @Test func jsonLogRecordsCarryTheirMetadataAsFields() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "patronblocks") { label in JSONLogHandler(label: label) { line in lines.withLock { $0.append(line) } } }
        logger[metadataKey: "request.id"] = "7/blocks"
        logger.warning("Heartbeat \"late\"\nagain", metadata: ["tenant": "diku", "pages": .array(["1", "2"])])
        logger.debug("not at info")
        let written = lines.withLock { $0 }
        #expect(written.count == 1 && !written[0].contains("\n"))
        let record = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any])
        #expect(record["message"] as? String == "Heartbeat \"late\"\nagain")
        #expect(record["level"] as? String == "warning" && record["label"] as? String == "patronblocks")
        #expect(record["request.id"] as? String == "7/blocks" && record["tenant"] as? String == "diku")
        #expect(record["pages"] as? [String] == ["1", "2"])
    }

    @Test func accessSettingsAreCheckedAtStartUp() throws {
        let directory = TemporaryDirectory("access")
        let tokens = directory.appending("tokens").path
        try "first-token-0123456789\n\nsecond-token-0123456789\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        var options = PatronBlocksOptions()
        options.apiTokensFile = tokens
        // The flag's file wins over the variables; without it, the variable and its file count together.
        let resolved = try PatronBlocksConfiguration.resolve(options, environment: ["PATRONBLOCKS_API_TOKENS": "third-token-0123456789"])
        #expect(resolved.access.tokens == ["first-token-0123456789", "second-token-0123456789"])
        #expect(resolved.access.isEnabled)
        let merged = try PatronBlocksConfiguration.resolve(PatronBlocksOptions(), environment: ["PATRONBLOCKS_API_TOKENS": "third-token-0123456789", "PATRONBLOCKS_API_TOKENS_FILE": tokens])
        #expect(merged.access.tokens == ["third-token-0123456789", "first-token-0123456789", "second-token-0123456789"])
        let secretFile = directory.appending("secret").path
        try "from-the-file-0123456789-0123456789\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        var secretOptions = PatronBlocksOptions()
        secretOptions.jwtSecretFile = secretFile
        let secret = try PatronBlocksConfiguration.resolve(secretOptions, environment: ["PATRONBLOCKS_JWT_SECRET": "from-the-environment-0123456789-0123"])
        #expect(secret.access.jwtSecret == "from-the-file-0123456789-0123456789")
        #expect(try PatronBlocksConfiguration.resolve(PatronBlocksOptions(), environment: [:]).access.isEnabled == false)
        for (environment, message) in [
            (["PATRONBLOCKS_API_TOKENS": "short"], "PATRONBLOCKS_API_TOKENS: a token of 5 characters is too easy to guess"),
            (["PATRONBLOCKS_JWT_SECRET": "too-short"], "PATRONBLOCKS_JWT_SECRET must be at least 32 bytes"),
            (["PATRONBLOCKS_JWKS_FILE": "/nonexistent/jwks.json"], "PATRONBLOCKS_JWKS_FILE: cannot read /nonexistent/jwks.json"),
            (["PATRONBLOCKS_MAX_BODY_BYTES": "10"], "PATRONBLOCKS_MAX_BODY_BYTES must be"),
        ] {
            #expect(throws: ConfigurationProblem.self) { try PatronBlocksConfiguration.resolve(PatronBlocksOptions(), environment: environment) }
            do { _ = try PatronBlocksConfiguration.resolve(PatronBlocksOptions(), environment: environment) } catch {
                #expect("\(error)".hasPrefix(message), "\(error)")
            }
        }
    }
}
