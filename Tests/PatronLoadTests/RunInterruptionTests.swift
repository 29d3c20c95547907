import AWS
import DemoWarehouse
import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// A real `patronload` process stopped mid-render, as ECS, Kubernetes, systemd or the OOM killer
/// stop it: SIGTERM must end in a FAILED report with nothing of patrons left on disk; after
/// SIGKILL, which runs no code, the next run removes what was left. Yesterday's zips survive both.
@Suite(.serialized) struct RunInterruptionTests {
    static let yesterday = ["staff_2026-11-21_02.00.00.zip", "student_2026-11-21_02.00.00.zip"]

    /// Big enough that a debug build is still rendering when the signal lands.
    static func bigWarehouse(in directory: TemporaryDirectory) throws -> String {
        let path = directory.appending("big.sqlite").path
        try DemoWarehouseWriter.writeSQLite(DemoPatronGenerator(spec: .init(staff: 12_000, students: 24_000, seed: 5)), to: path)
        return path
    }

    static func smallWarehouse(in directory: TemporaryDirectory) throws -> String {
        let path = directory.appending("small.sqlite").path
        try DemoWarehouseWriter.writeSQLite(DemoPatronGenerator(spec: .init(staff: 20, students: 30, seed: 5)), to: path)
        return path
    }

    /// Every file a run staged under `root` (zips being built, patron record files).
    static func stagedFiles(under root: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var files: [String] = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let relative = url.path.dropFirst(root.path.count)
            if relative.contains("/.staging-") || relative.contains("/patronload-") { files.append(String(relative)) }
        }
        return files.sorted()
    }

    /// Launches a run and sends it `signal` once it is writing zips: past the scan, mid-render.
    /// Zips already staged (`ignoring`, an earlier run's leftovers) do not count.
    static func launchAndSignalWhenRendering(_ signal: Int32, _ arguments: [String], environment: [String: String], in directory: TemporaryDirectory,
                                             stagingRoot: URL, ignoring: Set<String> = []) async throws -> Executable.Running {
        let running = try Executable.launch("patronload", arguments, environment: environment, in: directory.url)
        let watch = await running.signal(signal, when: {
            stagedFiles(under: stagingRoot).contains { $0.hasSuffix(".zip") && !ignoring.contains($0) }
        }, within: .seconds(180))
        switch watch {
        case .signalled: break
        case .exitedFirst: Issue.record("patronload ended before it rendered: \(running.output.suffix(2000))")
        case .timedOut: Issue.record("patronload did not start rendering in time")
        }
        return running
    }

    static func seedYesterday(in output: URL) throws {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        for name in yesterday { try Data("old".utf8).write(to: output.appendingPathComponent(name)) }
    }

    static func yesterdayIntact(in output: URL) -> Bool {
        yesterday.allSatisfy { (try? String(contentsOf: output.appendingPathComponent($0), encoding: .utf8)) == "old" }
    }

    /// The destination's lock is free when another holder can take it at once.
    static func lockIsFree(_ output: URL) async -> Bool {
        guard let held = try? await LocalDestinationLockProbe.take(output) else { return false }
        await held.release()
        return true
    }

    @Test func sigtermStopsCleanlyReportsAndLeavesNoPatronData() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.bigWarehouse(in: directory)
        let output = directory.appending("out")
        try Self.seedYesterday(in: output)

        let running = try await Self.launchAndSignalWhenRendering(SIGTERM, ["--warehouse", "sqlite:\(warehouse)", "--output-dir", output.path, "--no-history"],
                                                                  environment: [:], in: directory, stagingRoot: output)
        let status = await running.exitStatus(within: .seconds(60))
        #expect(status == 9, "\(running.output.suffix(3000))")
        #expect(Self.stagedFiles(under: output) == [])
        #expect(Self.yesterdayIntact(in: output))
        #expect(await Self.lockIsFree(output))
        let reports = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("reports").path)
        let report = try String(contentsOf: output.appendingPathComponent("reports").appendingPathComponent(try #require(reports.first)), encoding: .utf8)
        #expect(report.contains("Stopped by SIGTERM during the rendering of"), "\(report.prefix(2000))")
        #expect(report.contains("no old zip was removed and no new zip was delivered"))
        #expect(running.output.contains("patronload: Stopped by SIGTERM"))
    }

    @Test func afterSigkillTheNextRunRemovesWhatWasLeft() async throws {
        let directory = TemporaryDirectory()
        let output = directory.appending("out")
        try Self.seedYesterday(in: output)

        let running = try await Self.launchAndSignalWhenRendering(SIGKILL, ["--warehouse", "sqlite:\(try Self.bigWarehouse(in: directory))", "--output-dir", output.path],
                                                                  environment: [:], in: directory, stagingRoot: output)
        #expect(await running.exitStatus(within: .seconds(60)) != nil)
        // What SIGKILL leaves: a staging folder with patron records in clear text.
        #expect(Self.stagedFiles(under: output).contains { $0.hasSuffix(".records") })
        #expect(Self.yesterdayIntact(in: output))
        #expect(await Self.lockIsFree(output))

        let next = try await Executable.runWithoutBlocking("patronload", ["--warehouse", "sqlite:\(try Self.smallWarehouse(in: directory))", "--output-dir", output.path], in: directory.url)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(Self.stagedFiles(under: output) == [])
        #expect(next.stdout.contains("Warning: removed 1 staging folder(s) that stopped runs left behind (.staging-"), "\(next.stdout)")
        #expect(await Self.lockIsFree(output))
    }

    @Test(.enabled(if: MotoService.isAvailable, "needs moto: run `make test`"))
    func s3RunsCleanUpAfterSigkillAndReportSigterm() async throws {
        let setup = try await S3DeliveryTests.setUp(staff: 20, students: 30)
        let directory = setup.directory
        let temp = directory.appending("tmp")
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        let credentials = try MotoService.credentials()
        let environment = [
            "TMPDIR": temp.path, "S3_BUCKET_NAME": setup.bucket, "S3_PREFIX": S3DeliveryTests.prefix,
            "AWS_ENDPOINT_URL": try MotoService.url(), "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
            "SES_RECIPIENT_EMAIL": "systems@example.edu", "SES_SEND_FROM_EMAIL": setup.sender, "WORKSPACE": "test",
            // A killed task cannot delete its S3 locks: the next run takes them over once stale.
            "PATRONLOAD_LOCK_STALE_HOURS": "0.0003",
        ]
        let big = ["--warehouse", "sqlite:\(try Self.bigWarehouse(in: directory))"]
        let oldKeys = try await S3DeliveryTests.keys(setup)

        let killed = try await Self.launchAndSignalWhenRendering(SIGKILL, big, environment: environment, in: directory, stagingRoot: temp)
        #expect(await killed.exitStatus(within: .seconds(60)) != nil)
        let leftovers = Self.stagedFiles(under: temp)
        #expect(leftovers.contains { $0.hasSuffix(".records") })
        #expect(try await S3DeliveryTests.keys(setup).contains("alma.patronload.lock"))
        try await Task.sleep(for: .seconds(1.5))

        let stopped = try await Self.launchAndSignalWhenRendering(SIGTERM, big, environment: environment, in: directory, stagingRoot: temp,
                                                                  ignoring: Set(leftovers))
        // The second run found the first one's leftovers under the lock and removed them.
        #expect(await stopped.exitStatus(within: .seconds(60)) == 9, "\(stopped.output.suffix(3000))")
        #expect(Self.stagedFiles(under: temp) == [])
        #expect(try await S3DeliveryTests.keys(setup) == oldKeys)
        let email = try #require(try await S3DeliveryTests.email(from: setup.sender))
        #expect(email.contains("TEST Patronload file creation 2026") && email.contains("FAILED"))
        #expect(email.contains("Stopped by SIGTERM"))
        #expect(email.contains("removed 1 staging folder(s) that stopped runs left behind"))
        #expect(email.contains("took over a stale run lock at s3://\(setup.bucket)/alma.patronload.lock"))
        // The S3 lock was released: a run now goes through.
        let next = try await Executable.runWithoutBlocking("patronload", ["--warehouse", "sqlite:\(setup.warehouse)"], environment: environment, in: directory.url)
        #expect(next.status == 0, "\(next.stderr)")
    }
}

/// Takes the lock a local destination's runs take, as another run would.
enum LocalDestinationLockProbe {
    static func take(_ output: URL) async throws -> any HeldRunLock {
        try await LocalDirectoryDestination(directory: output).runLock(staleAfter: 3600).acquire(LockHolder(runID: "probe"))
    }
}
