import Foundation

/// python3 on a script (the JSON Schema checks use its jsonschema), polled rather than waited on:
/// a cooperative thread blocked in `waitUntilExit` starves other tests' tasks on two cores. Its
/// output goes to a file, which nothing has to drain while the test waits.
enum Python {
    static func run(_ script: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("python-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        return (process.terminationStatus, String(decoding: try Data(contentsOf: file), as: UTF8.self))
    }
}
