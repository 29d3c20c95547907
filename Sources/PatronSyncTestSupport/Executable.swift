import Foundation

/// Runs a product built beside the tests (`swift build --build-tests` builds the executables too).
public enum Executable {
    public static func url(_ name: String) throws -> URL {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
        candidates.append(packageRoot.appendingPathComponent(".build/debug"))
        for folder in candidates {
            let file = folder.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: file.path) { return file }
        }
        throw NotBuilt(description: "\(name) is not built: run `swift build` first")
    }

    /// The product, set up to run in a clean environment: only what the test gives, so the
    /// developer's settings cannot leak in.
    static func process(_ name: String, _ arguments: [String], environment: [String: String], in directory: URL?) throws -> Process {
        let process = Process()
        process.executableURL = try url(name)
        process.arguments = arguments
        var env = ["PATH": "/usr/bin:/bin", "HOME": FileManager.default.temporaryDirectory.path]
        env.merge(environment) { $1 }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        return process
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// From launch to exit, taken where the exit is reaped: what a test may hold the product
        /// to, whatever the load kept the test itself from looking sooner.
        public var duration: Duration = .zero
    }

    public struct NotBuilt: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs to the end without blocking a thread: the exit resumes the test (Foundation's
    /// termination handler), where `waitUntilExit` would hold a cooperative thread (two cores give
    /// two) and starve every other test's tasks meanwhile, among them the ones that watch a run
    /// to signal it mid-render. Output goes to files, not pipes, so stdout and stderr fill at
    /// once: a product that fills one pipe while a test drains the other would wait forever.
    public static func runWithoutBlocking(_ name: String, _ arguments: [String], environment: [String: String] = [:],
                                          in directory: URL? = nil) async throws -> Result {
        var started: Started?
        let launched = ContinuousClock.now
        let exited = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ContinuousClock.Instant, any Error>) in
            do {
                started = try start(name, arguments, environment: environment, in: directory) { _ in continuation.resume(returning: .now) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
        var result = try started!.result()
        result.duration = launched.duration(to: exited)
        return result
    }

    /// A process writing stdout and stderr to files of their own.
    private struct Started {
        var process: Process
        var folder: URL
        var handles: [FileHandle]

        func result() throws -> Result {
            defer {
                for handle in handles { try? handle.close() }
                try? FileManager.default.removeItem(at: folder)
            }
            return Result(status: process.terminationStatus,
                          stdout: String(decoding: try Data(contentsOf: folder.appendingPathComponent("stdout")), as: UTF8.self),
                          stderr: String(decoding: try Data(contentsOf: folder.appendingPathComponent("stderr")), as: UTF8.self))
        }
    }

    private static func start(_ name: String, _ arguments: [String], environment: [String: String], in directory: URL?,
                              onExit: @escaping @Sendable (Process) -> Void) throws -> Started {
        let process = try process(name, arguments, environment: environment, in: directory)
        process.terminationHandler = onExit
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let out = folder.appendingPathComponent("stdout"), err = folder.appendingPathComponent("stderr")
        for file in [out, err] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        do {
            try process.run()
        } catch {
            try? outHandle.close(); try? errHandle.close()
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        return Started(process: process, folder: folder, handles: [outHandle, errHandle])
    }
}

extension Executable {
    /// A product running in the background, its output in a log file; stop it with `kill`.
    public final class Running: @unchecked Sendable {
        public let process: Process
        public let log: URL

        init(process: Process, log: URL) {
            self.process = process
            self.log = log
        }

        public var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        /// Asks the process to stop (SIGTERM, as an orchestrator does) and waits for it; its exit
        /// status, or nil when it was still running after `deadline` (then it is killed).
        ///
        /// It polls instead of `waitUntilExit`: blocking a cooperative thread here can starve an
        /// in-process server (the FOLIO simulator) that the dying process is still talking to.
        @discardableResult
        public func terminate(deadline: Duration = .seconds(30)) async -> Int32? {
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGTERM) }
            return await exitStatus(within: deadline)
        }

        /// What `signal(_:when:within:)` saw.
        public enum Watch: Sendable, Equatable {
            /// The condition held and the signal was sent.
            case signalled
            /// The process ended before the condition held.
            case exitedFirst
            /// Neither happened before the deadline; nothing was sent.
            case timedOut
        }

        /// Sends `signal` the moment `condition` holds, watching from a thread of its own: a task
        /// on the cooperative pool (two threads on two cores) can wait many seconds behind other
        /// tests' blocking work, long enough for a run to finish between two looks.
        public func signal(_ signal: Int32, when condition: @escaping @Sendable () -> Bool, within deadline: Duration) async -> Watch {
            await withCheckedContinuation { (continuation: CheckedContinuation<Watch, Never>) in
                let process = self.process
                Thread.detachNewThread {
                    let clock = ContinuousClock()
                    let end = clock.now.advanced(by: deadline)
                    while clock.now < end {
                        if condition() {
                            // A process that ended since the last look is not signalled (its pid may be reused).
                            guard process.isRunning else { return continuation.resume(returning: .exitedFirst) }
                            Foundation.kill(process.processIdentifier, signal)
                            return continuation.resume(returning: .signalled)
                        }
                        guard process.isRunning else { return continuation.resume(returning: .exitedFirst) }
                        usleep(2_000)
                    }
                    continuation.resume(returning: .timedOut)
                }
            }
        }

        /// Waits for the process to end; its exit status, or nil when it was still running after
        /// `deadline` (then it is killed). Polls, for the reason `terminate` gives.
        public func exitStatus(within deadline: Duration) async -> Int32? {
            let clock = ContinuousClock()
            let end = clock.now.advanced(by: deadline)
            while process.isRunning {
                guard clock.now < end else {
                    kill()
                    return nil
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return process.terminationStatus
        }

        /// Stops the process the way a crash or an OOM kill would: no shutdown code runs.
        public func kill() {
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        deinit {
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        }
    }

    public static func launch(_ name: String, _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> Running {
        let process = try process(name, arguments, environment: environment, in: directory)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return Running(process: process, log: log)
    }
}
