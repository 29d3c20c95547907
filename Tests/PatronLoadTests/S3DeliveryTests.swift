import AWS
import DemoWarehouse
import Foundation
import Logging
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// The nightly run delivering to S3 and reporting by SES, against moto's server with signature
/// checking on; faults come from a proxy between patronload and moto.
@Suite(.enabled(if: MotoService.isAvailable, "needs moto: run `make test`"))
struct S3DeliveryTests {
    static let prefix = "alma"

    struct Setup {
        let directory: TemporaryDirectory
        let warehouse: String
        let bucket = MotoService.bucketName("patrons")
        let sender = "patronload-\(UUID().uuidString.prefix(8).lowercased())@example.edu"
        let s3: S3Client
    }

    static func setUp(staff: Int = 300, students: Int = 500) async throws -> Setup {
        let directory = TemporaryDirectory()
        let warehouse = directory.appending("w.sqlite").path
        try DemoWarehouseWriter.writeSQLite(DemoPatronGenerator(spec: .init(staff: staff, students: students, seed: 11)), to: warehouse)
        let s3 = S3Client(configuration: S3Configuration(endpoint: AWSEndpoint(region: "us-east-1", custom: try MotoService.url())),
                          credentials: StaticCredentialProvider(try MotoService.credentials()), logger: Logger(label: "test"))
        let setup = Setup(directory: directory, warehouse: warehouse, s3: s3)
        try await s3.createBucket(setup.bucket)
        // Yesterday's zips, what Alma renamed, a nested folder and another prefix.
        for key in ["alma/staff_2026-11-21_02.00.00.zip", "alma/student_2026-11-21_02.00.00.ZIP", "alma/staff_2026-11-20_02.00.00.zip.handled",
                    "alma/archive/keep.zip", "other/student.zip"] {
            _ = try await s3.putObject(bucket: setup.bucket, key: key, bytes: Array("old".utf8))
        }
        let ses = SESClient(endpoint: AWSEndpoint(region: "us-east-1", custom: try MotoService.url()), credentials: StaticCredentialProvider(try MotoService.credentials()), logger: Logger(label: "test"))
        try await ses.verifyEmailIdentity(setup.sender)
        return setup
    }

    static func configuration(_ setup: Setup, endpoint: String? = nil, secret: String? = nil, mode: RunMode = .load, sender: String? = nil, withHistory: Bool = false, day: Int = 0) throws -> LoadConfiguration {
        let credentials = try MotoService.credentials()
        let url = try endpoint ?? MotoService.url()
        var configuration = LoadJobTests.configuration(warehouse: setup.warehouse, output: setup.directory.appending("unused"), mode: mode)
        configuration.destination = .s3(bucket: setup.bucket, prefix: prefix, configuration: S3Configuration(endpoint: AWSEndpoint(region: "us-east-1", custom: url)))
        configuration.notifiers = [.ses(from: sender ?? setup.sender, to: ["systems@example.edu"], endpoint: AWSEndpoint(region: "us-east-1", custom: url))]
        configuration.workspace = "test"
        configuration.awsEnvironment = ["AWS_ACCESS_KEY_ID": credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": secret ?? credentials.secretAccessKey, "HOME": setup.directory.path]
        configuration.awsRetry = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10), maxDelay: .milliseconds(40))
        if withHistory {
            configuration.history = .s3(bucket: setup.bucket, prefix: "alma-history", configuration: S3Configuration(endpoint: AWSEndpoint(region: "us-east-1", custom: url)))
        }
        configuration.now = Fixtures.now.addingTimeInterval(Double(day) * 86_400)
        return configuration
    }

    static func keys(_ setup: Setup) async throws -> Set<String> {
        Set(try await setup.s3.listObjects(bucket: setup.bucket, prefix: "").map(\.key))
    }

    /// The report email moto recorded for this sender, decoded.
    static func email(from sender: String) async throws -> String? {
        guard let message = try await MotoService.sentEmails().last(where: { $0.contains("From: \(sender)") }) else { return nil }
        return message + "\n" + MIMEParts.decode(message).joined(separator: "\n")
    }

    @Test func deliversToS3RemovesOnlyOldZipsAndEmailsTheReport() async throws {
        let setup = try await Self.setUp()
        // A dry run with the same clock builds byte-identical zips: what should land.
        var dryConfiguration = try Self.configuration(setup, mode: .dryRun)
        dryConfiguration.dryRunOutput = setup.directory.appending("dry-run").path
        let (dry, _) = await LoadJobTests.run(dryConfiguration)
        let staging = try #require(dry.dryRunFiles)

        let (summary, _) = await LoadJobTests.run(try Self.configuration(setup))
        #expect(summary.outcome == .delivered, "\(summary.outcome)")
        #expect(Set(summary.removed) == ["staff_2026-11-21_02.00.00.zip", "student_2026-11-21_02.00.00.ZIP"])
        #expect(try await Self.keys(setup) == [
            "alma/staff_2026-11-22_02.00.00.zip", "alma/student_2026-11-22_02.00.00.zip",
            "alma/staff_2026-11-20_02.00.00.zip.handled", "alma/archive/keep.zip", "other/student.zip",
        ])
        for name in ["staff_2026-11-22_02.00.00.zip", "student_2026-11-22_02.00.00.zip"] {
            let landed = try await setup.s3.getObject(bucket: setup.bucket, key: "alma/\(name)")
            let built = [UInt8](try Data(contentsOf: URL(fileURLWithPath: staging).appendingPathComponent(name)))
            #expect(landed == built, "\(name) differs from what was built")
        }
        #expect(summary.delivered.map(\.location).sorted() == ["s3://\(setup.bucket)/alma/staff_2026-11-22_02.00.00.zip", "s3://\(setup.bucket)/alma/student_2026-11-22_02.00.00.zip"])

        let email = try #require(try await Self.email(from: setup.sender))
        #expect(email.contains("Subject: TEST Patronload file creation 2026-11-22"))
        #expect(email.contains("patronload run 2026-11-22_02.00.00: delivered"))
        #expect(email.contains("<th>Patron type</th>") && email.contains("<td>staff</td><td align=\"right\">300</td>"))
        #expect(email.contains("Successfully connected to SQLite version"), "the log is in the email")
    }

    @Test func aWrongSecretIsRefusedAndNothingIsTouched() async throws {
        let setup = try await Self.setUp(staff: 20, students: 20)
        let before = try await Self.keys(setup)
        let (summary, _) = await LoadJobTests.run(try Self.configuration(setup, secret: "not-the-secret"))
        guard case .failed(let stage, let message) = summary.outcome else { Issue.record("expected failure"); return }
        #expect(stage == .delivery)
        #expect(message.contains("SignatureDoesNotMatch") && message.contains("no old zip was removed"))
        #expect(!message.contains("not-the-secret"))
        #expect(try await Self.keys(setup) == before)
    }

    @Test func transientFaultsAreRetriedAndTheReportSaysSo() async throws {
        let setup = try await Self.setUp(staff: 200, students: 200)
        let proxy = try await FaultInjectingProxy(upstream: try MotoService.url())
        defer { Task { await proxy.shutdown() } }
        proxy.inject(.init(method: "PUT", pathContains: "staff_2026-11-22", fault: .status(500), times: 2))
        proxy.inject(.init(method: "PUT", pathContains: "student_2026-11-22", fault: .dropConnection, times: 1))
        proxy.inject(.init(method: "POST", queryContains: "delete", fault: .status(503), times: 1))
        let (summary, runLog) = await LoadJobTests.run(try Self.configuration(setup, endpoint: proxy.url))
        #expect(summary.outcome == .delivered, "\(summary.outcome)")
        #expect(proxy.faults.count == 4, "\(proxy.faults)")
        let retries = runLog.lines.filter { $0.contains("retrying in") }
        #expect(retries.count == 4)
        #expect(retries.contains { $0.contains("PutObject attempt 1 failed (500") })
        #expect(retries.contains { $0.contains("PutObject attempt 1 failed (no answer)") })
        #expect(try await Self.keys(setup).contains("alma/student_2026-11-22_02.00.00.zip"))
        let email = try #require(try await Self.email(from: setup.sender))
        #expect(email.contains("DeleteObjects attempt 1 failed (503"))
    }

    @Test func anUploadThatKeepsFailingIsReportedAndLeavesNothingHalfWritten() async throws {
        let setup = try await Self.setUp(staff: 200, students: 200)
        let proxy = try await FaultInjectingProxy(upstream: try MotoService.url())
        defer { Task { await proxy.shutdown() } }
        proxy.inject(.init(method: "PUT", pathContains: "student_2026-11-22", fault: .status(500), times: nil))
        let (summary, _) = await LoadJobTests.run(try Self.configuration(setup, endpoint: proxy.url))
        guard case .failed(let stage, let message) = summary.outcome else { Issue.record("expected failure"); return }
        #expect(stage == .delivery)
        #expect(message.contains("Uploading student_2026-11-22_02.00.00.zip"))
        #expect(message.contains("after 4 attempts"))
        #expect(message.contains("2 old zip(s) had been removed") && message.contains("1 new zip(s) had been delivered (staff_2026-11-22_02.00.00.zip)"))
        #expect(Set(summary.removed) == ["staff_2026-11-21_02.00.00.zip", "student_2026-11-21_02.00.00.ZIP"])
        #expect(summary.delivered.map(\.name) == ["staff_2026-11-22_02.00.00.zip"])
        let keys = try await Self.keys(setup)
        #expect(!keys.contains("alma/student_2026-11-22_02.00.00.zip"))
        #expect(try await setup.s3.listMultipartUploads(bucket: setup.bucket).isEmpty)
        let email = try #require(try await Self.email(from: setup.sender))
        #expect(email.contains("FAILED during delivery"))
        #expect(email.contains("Subject: TEST Patronload file creation 2026-11-22 FAILED"))
    }

    @Test func theHistoryLivesInS3OutsideThePrefixAndSurvivesAFailedDelivery() async throws {
        let setup = try await Self.setUp(staff: 150, students: 150)
        let (first, _) = await LoadJobTests.run(try Self.configuration(setup, withHistory: true, day: 0))
        #expect(first.outcome == .delivered)
        #expect(first.historyStored == "history in s3://\(setup.bucket)/alma-history/")
        let stored = try #require(try await setup.s3.headObject(bucket: setup.bucket, key: "alma-history/manifest.bin.gz"))

        // A delivery that keeps failing stores nothing: the manifest is the one from the first run.
        let proxy = try await FaultInjectingProxy(upstream: try MotoService.url())
        defer { Task { await proxy.shutdown() } }
        proxy.inject(.init(method: "PUT", pathContains: "student_2026-11-23", fault: .status(500), times: nil))
        let (failed, _) = await LoadJobTests.run(try Self.configuration(setup, endpoint: proxy.url, withHistory: true, day: 1))
        guard case .failed(let stage, _) = failed.outcome else { Issue.record("expected failure"); return }
        #expect(stage == .delivery)
        #expect(try await setup.s3.headObject(bucket: setup.bucket, key: "alma-history/manifest.bin.gz")?.etag == stored.etag)

        // The next run compares with the first, read back from S3.
        let (third, _) = await LoadJobTests.run(try Self.configuration(setup, withHistory: true, day: 2))
        #expect(third.outcome == .delivered)
        #expect(third.previousRunID == "2026-11-22_02.00.00")
        #expect(third.changes?.allSatisfy { $0.new == 0 && $0.changed == 0 && $0.gone == 0 } == true)
        #expect(third.changes?.map(\.unchanged) == first.types.map(\.written))
        // Nothing of the history is where Alma reads.
        #expect(try await Self.keys(setup).filter { $0.hasPrefix("alma/") && $0.contains("manifest") }.isEmpty)
    }

    @Test func aReportEmailThatFailsLeavesTheDeliveredOutcome() async throws {
        let setup = try await Self.setUp(staff: 20, students: 20)
        let (summary, _) = await LoadJobTests.run(try Self.configuration(setup, sender: "unverified-\(UUID().uuidString.prefix(6))@example.edu"))
        #expect(summary.outcome == .delivered)
        // (A dead dry run's folder another test plants may be reported by this run too.)
        let own = summary.warnings.filter { !$0.contains("that killed dry runs left behind") }
        #expect(own.count == 1)
        #expect(own.first?.contains("MessageRejected") == true)
    }
}

@Suite struct SentryTests {
    @Test func aFailedRunIsSentAsAnEnvelope() async throws {
        let receiver = try await LocalHTTPServer { _ in .respond(status: 200, body: Array(#"{"id":"x"}"#.utf8)) }
        defer { Task { await receiver.shutdown() } }
        let directory = TemporaryDirectory()
        var configuration = LoadJobTests.configuration(warehouse: directory.appending("missing.sqlite").path, output: directory.appending("out"))
        configuration.sentry = try SentryReporter.DSN("http://publickey123@127.0.0.1:\(receiver.port)/42")
        configuration.workspace = "prod"
        let (summary, runLog) = await LoadJobTests.run(configuration)
        guard case .failed = summary.outcome else { Issue.record("expected failure"); return }
        let request = try #require(receiver.requests.first)
        #expect(request.method == "POST" && request.uri == "/api/42/envelope/")
        #expect(request.header("X-Sentry-Auth")?.contains("sentry_key=publickey123") == true)
        let lines = String(decoding: request.body, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 3)
        let item = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any]
        #expect(item?["type"] as? String == "event")
        let event = try #require(try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any])
        #expect(event["environment"] as? String == "prod" && event["level"] as? String == "error")
        #expect((event["tags"] as? [String: String])?["stage"] == "warehouse")
        let value = ((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first?["value"] as? String
        #expect(value?.contains("does not exist") == true)
        #expect(runLog.lines.contains { $0.contains("Sent the failure to Sentry") })
    }

    @Test func aSuccessfulRunSendsNothing() async throws {
        let receiver = try await LocalHTTPServer { _ in .respond(status: 200) }
        defer { Task { await receiver.shutdown() } }
        let directory = TemporaryDirectory()
        let warehouse = try LoadJobTests.generate(staff: 10, students: 10, in: directory)
        var configuration = LoadJobTests.configuration(warehouse: warehouse, output: directory.appending("out"))
        configuration.sentry = try SentryReporter.DSN("http://k@127.0.0.1:\(receiver.port)/1")
        let (summary, _) = await LoadJobTests.run(configuration)
        #expect(summary.outcome == .delivered)
        #expect(receiver.requests.isEmpty)
    }

    @Test(arguments: [nil, "", "None"] as [String?])
    func unsetOrNoneIsOff(dsn: String?) throws {
        #expect(try SentryReporter.DSN(dsn) == nil)
    }

    @Test func dsnsParse() throws {
        let dsn = try #require(try SentryReporter.DSN("https://abc@o123.ingest.sentry.io/4505"))
        #expect(dsn.endpoint == "https://o123.ingest.sentry.io/api/4505/envelope/" && dsn.publicKey == "abc" && dsn.projectID == "4505")
        #expect(throws: ConfigurationError.self) { try SentryReporter.DSN("https://o123.ingest.sentry.io/4505") }
    }
}
