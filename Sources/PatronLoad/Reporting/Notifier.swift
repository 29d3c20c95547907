import Foundation

/// Where the run's report goes after the run: a file beside the output (the embedded default),
/// or email.
public protocol Notifier: Sendable {
    var description: String { get }
    func send(_ report: RunReport) async throws
}

/// Writes the report to `<directory>/patronload_<run>.report.txt`.
public struct FileNotifier: Notifier {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public var description: String { "report file in \(directory.path)" }

    public func send(_ report: RunReport) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("patronload_\(report.summary.runID).report.txt")
        try Data(report.text.utf8).write(to: file, options: .atomic)
    }
}
