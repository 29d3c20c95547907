import AWS
import Foundation
import Logging
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// What keeps a nightly job safe to leave alone: the safety stop against a shrinking feed, and the
/// lock that keeps two runs from overlapping (a file beside local history, an S3 object beside S3
/// history).
@Suite struct OperationsTests {
    static func zips(_ output: URL) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasSuffix(".zip") })
    }

    /// 10 staff and 50 students, delivered on day 0 with history.
    static func delivered(_ directory: TemporaryDirectory) async throws -> (TinyWarehouse, URL) {
        let warehouse = try TinyWarehouse.standard(in: directory)
        for index in 20..<60 { try warehouse.add("student", login: "T\(index)", id: "\(500 + index)") }
        let output = directory.appending("out")
        let (first, _) = await LoadJobTests.run(HistoryTests.configuration(warehouse, output: output, day: 0))
        #expect(first.outcome == .delivered)
        return (warehouse, output)
    }

    @Test func aTypeThatShrankPastTheLimitStopsTheRunBeforeDelivery() async throws {
        let directory = TemporaryDirectory()
        let (warehouse, output) = try await Self.delivered(directory)
        let yesterday = try Self.zips(output)
        // A broken view: 15 of 50 students are gone.
        for index in 20..<35 { try warehouse.remove("student", login: "T\(index)") }

        let (stopped, log) = await LoadJobTests.run(HistoryTests.configuration(warehouse, output: output, day: 1))
        guard case .failed(let stage, let message) = stopped.outcome else { Issue.record("not stopped: \(stopped.outcome)"); return }
        #expect(stage == .safety)
        #expect(message == "Safety stop: student has 35 patrons today against 50 in run 2026-11-22_02.00.00 (30.0 % fewer; the limit is 20 %). Nothing was deleted or delivered. Check the warehouse query; if the drop is real, run once with --allow-drop.")
        #expect(try Self.zips(output) == yesterday, "yesterday's files are untouched")
        #expect(log.lines.contains { $0.contains("Safety stop") })
        let reports = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("reports").path)
        #expect(reports.count == 2, "the stop is reported")

        // A higher limit lets it through; so does --allow-drop, with a warning in the report.
        var relaxed = HistoryTests.configuration(warehouse, output: output, day: 1, mode: .dryRun)
        relaxed.maxDropPercent = 35
        #expect(await LoadJobTests.run(relaxed).0.outcome == .dryRun)
        var allowed = HistoryTests.configuration(warehouse, output: output, day: 1)
        allowed.allowDrop = true
        let (delivered, _) = await LoadJobTests.run(allowed)
        #expect(delivered.outcome == .delivered)
        #expect(delivered.warnings.contains { $0.hasPrefix("safety stop overridden with --allow-drop: student has 35 patrons today against 50") })
        // The next run compares with the delivered one: no stop.
        #expect(await LoadJobTests.run(HistoryTests.configuration(warehouse, output: output, day: 2)).0.outcome == .delivered)
    }

    @Test func smallDropsAndRunsWithoutHistoryDoNotStop() async throws {
        let directory = TemporaryDirectory()
        let (warehouse, output) = try await Self.delivered(directory)
        // 9 of 50 (18 %) under a 5 % limit: fewer than 10 patrons is no alarm.
        for index in 20..<29 { try warehouse.remove("student", login: "T\(index)") }
        var strict = HistoryTests.configuration(warehouse, output: output, day: 1)
        strict.maxDropPercent = 5
        #expect(await LoadJobTests.run(strict).0.outcome == .delivered)
        // A whole type gone is always a stop (here all 10 staff).
        for index in 0..<10 { try warehouse.remove("staff", login: "S\(index)") }
        let (stopped, _) = await LoadJobTests.run(HistoryTests.configuration(warehouse, output: output, day: 2))
        guard case .failed(.safety, let message) = stopped.outcome else { Issue.record("\(stopped.outcome)"); return }
        #expect(message.contains("staff has 0 patrons today against 10"))
        // Without history there is nothing to compare with.
        var noHistory = HistoryTests.configuration(warehouse, output: directory.appending("fresh"), day: 2)
        noHistory.history = nil
        #expect(await LoadJobTests.run(noHistory).0.outcome == .delivered)
    }

    @Test func aSecondRunWhileOneHoldsTheLockDoesNothing() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let output = directory.appending("out")
        let configuration = HistoryTests.configuration(warehouse, output: output, day: 0)
        let lock = try #require(configuration.makeRunLock(credentials: StaticCredentialProvider(.init(accessKeyID: "x", secretAccessKey: "y")), logger: Logger(label: "test")) as? LocalRunLock)
        #expect(lock.path == output.appendingPathComponent("history/patronload.lock").path)
        let held = try await lock.acquire(LockHolder(runID: "2026-11-22_01.00.00", host: "batch-1", pid: 4242))

        let (blocked, _) = await LoadJobTests.run(configuration)
        guard case .failed(.lock, let message) = blocked.outcome else { Issue.record("\(blocked.outcome)"); await held.release(); return }
        #expect(message.hasPrefix("Another patronload run is in progress (run 2026-11-22_01.00.00, pid 4242 on batch-1, since "))
        #expect(message.contains("it holds \(lock.path)"))
        #expect((try? Self.zips(output))?.isEmpty ?? true, "nothing was built or delivered")
        // A dry run changes nothing and does not need the lock.
        #expect(await LoadJobTests.run(HistoryTests.configuration(warehouse, output: output, day: 0, mode: .dryRun)).0.outcome == .dryRun)

        await held.release()
        #expect(await LoadJobTests.run(configuration).0.outcome == .delivered)
        // Released at the end of a run: the next one takes it.
        #expect(await LoadJobTests.run(HistoryTests.configuration(warehouse, output: output, day: 1)).0.outcome == .delivered)
    }

    @Test func theExecutableExitsWithEightWhenLocked() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let output = directory.appending("out")
        let held = try await LocalRunLock(path: output.appendingPathComponent("history/patronload.lock").path).acquire(LockHolder(runID: "other"))
        let result = try await Executable.runWithoutBlocking("patronload", ["--warehouse", "sqlite:\(warehouse.path)", "--output-dir", output.path, "--log-level", "error"])
        await held.release()
        #expect(result.status == 8, "\(result.stderr)")
        #expect(result.stderr.contains("Another patronload run is in progress (run other"), "\(result.stderr)")

        // A lock that cannot be taken at all is not another run: exit code 7, not 8.
        let unusable = try await Executable.runWithoutBlocking("patronload", ["--warehouse", "sqlite:\(warehouse.path)", "--output-dir", output.path, "--no-history", "--log-level", "error"],
                                          environment: ["PATRONLOAD_LOCK_FILE": "/proc/patronload-cannot-be-here/patronload.lock"])
        #expect(unusable.status == 7, "\(unusable.stderr)")
        #expect(unusable.stderr.contains("Cannot take the run lock /proc/patronload-cannot-be-here/patronload.lock"), "\(unusable.stderr)")
    }
}

/// The run lock on S3, against moto: a conditional write, and a stale lock taken over.
@Suite(.enabled(if: MotoService.isAvailable, "needs moto: run `make test`"))
struct S3RunLockTests {
    @Test func onlyOneRunHoldsTheLockAndAStaleOneIsTakenOver() async throws {
        let s3 = S3Client(configuration: S3Configuration(endpoint: AWSEndpoint(region: "us-east-1", custom: try MotoService.url())),
                          credentials: StaticCredentialProvider(try MotoService.credentials()), logger: Logger(label: "test"))
        let bucket = MotoService.bucketName("lock")
        try await s3.createBucket(bucket)
        let lock = S3RunLock(bucket: bucket, key: "alma-history/patronload.lock", client: s3, staleAfter: 12 * 3600)

        let first = try await lock.acquire(LockHolder(runID: "first", host: "task-a", pid: 1))
        #expect(first.note == nil)
        await #expect(throws: RunLockError.self) { _ = try await lock.acquire(LockHolder(runID: "second", host: "task-b", pid: 2)) }
        do {
            _ = try await lock.acquire(LockHolder(runID: "second", host: "task-b", pid: 2))
        } catch let error as RunLockError {
            #expect("\(error)".contains("(run first, pid 1 on task-a"), "\(error)")
        }
        await first.release()
        let second = try await lock.acquire(LockHolder(runID: "second", host: "task-b", pid: 2))
        await second.release()

        // A run killed 13 hours ago left its lock: the next run takes it over and says so.
        _ = try await s3.putObject(bucket: bucket, key: "alma-history/patronload.lock",
                                   bytes: [UInt8](try JSONEncoder.iso.encode(LockHolder(runID: "killed", host: "task-c", pid: 3, since: Date().addingTimeInterval(-13 * 3600)))))
        let taken = try await lock.acquire(LockHolder(runID: "next", host: "task-d", pid: 4))
        #expect(taken.note?.hasPrefix("took over a stale run lock at s3://\(bucket)/alma-history/patronload.lock (run killed, pid 3 on task-c") == true)
        await taken.release()
        #expect(try await s3.headObject(bucket: bucket, key: "alma-history/patronload.lock") == nil)

        // A lock whose holder cannot be read has no known age: it is held, not taken over.
        _ = try await s3.putObject(bucket: bucket, key: "alma-history/patronload.lock", bytes: Array("not a holder".utf8))
        await #expect { _ = try await lock.acquire(LockHolder(runID: "eager", host: "task-e", pid: 5)) } throws: { error in
            guard case .held(_, let holder, _)? = error as? RunLockError else { return false }
            return holder == "holder unknown"
        }
        #expect(try await s3.getObject(bucket: bucket, key: "alma-history/patronload.lock") == Array("not a holder".utf8))
    }

    @Test func aLockThatCannotBeWrittenIsNotAnotherRun() async throws {
        let s3 = S3Client(configuration: S3Configuration(endpoint: AWSEndpoint(region: "us-east-1", custom: try MotoService.url())),
                          credentials: StaticCredentialProvider(try MotoService.credentials()), logger: Logger(label: "test"))
        let lock = S3RunLock(bucket: MotoService.bucketName("no-such-bucket"), key: "h/patronload.lock", client: s3, staleAfter: 3600)
        await #expect { _ = try await lock.acquire(LockHolder(runID: "lonely")) } throws: { error in
            guard case .unusable(let location, _)? = error as? RunLockError else { return false }
            return location.hasSuffix("/h/patronload.lock")
        }
    }

    /// Two runs that deliver to one folder exclude each other whatever history each keeps: none,
    /// or another folder's.
    @Test func theDestinationLockHoldsWhateverTheHistory() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let output = directory.appending("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let held = try await LocalDestinationLockProbe.take(output)
        for history in [nil, HistoryLocation.local(directory: directory.appending("elsewhere").path)] {
            var configuration = HistoryTests.configuration(warehouse, output: output, day: 0)
            configuration.history = history
            let (summary, _) = await LoadJobTests.run(configuration)
            guard case .failed(.lock, let message) = summary.outcome else {
                Issue.record("delivered beside a run that holds the destination: \(summary.outcome)")
                continue
            }
            #expect(message.contains("it holds \(output.appendingPathComponent(".patronload.lock").path)"))
            #expect(try OperationsTests.zips(output).isEmpty)
        }
        await held.release()
        var free = HistoryTests.configuration(warehouse, output: output, day: 0)
        free.history = nil
        #expect(await LoadJobTests.run(free).0.outcome == .delivered)
    }

    @Test(.enabled(if: MotoService.isAvailable, "needs moto: run `make test`"))
    func theS3DestinationLockIsKeyedByBucketAndPrefix() async throws {
        let setup = try await S3DeliveryTests.setUp(staff: 5, students: 5)
        // Another run, with no history, is delivering to s3://bucket/alma/.
        _ = try await setup.s3.putObject(bucket: setup.bucket, key: "alma.patronload.lock",
                                         bytes: [UInt8](try JSONEncoder.iso.encode(LockHolder(runID: "other", host: "task-b", pid: 7))))
        let (summary, _) = await LoadJobTests.run(try S3DeliveryTests.configuration(setup, withHistory: true))
        guard case .failed(.lock, let message) = summary.outcome else {
            Issue.record("delivered beside a run that holds the prefix: \(summary.outcome)")
            return
        }
        #expect(message.contains("run other, pid 7 on task-b"))
        #expect(message.contains("s3://\(setup.bucket)/alma.patronload.lock"))
    }
}
