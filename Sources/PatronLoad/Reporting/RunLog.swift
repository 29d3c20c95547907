import Foundation
import Logging
import Synchronization

/// The run's log lines as the report shows them (`<time> - <LEVEL> - <message>`), collected by
/// `RunLogHandler`. Bounded: a run that logs more than `capacity` lines keeps the first ones and
/// says how many were left out.
public final class RunLog: Sendable {
    private struct State {
        var lines: [String] = []
        var dropped = 0
    }

    private let state = Mutex(State())
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func append(_ line: String) {
        state.withLock { state in
            if state.lines.count < capacity {
                state.lines.append(line)
            } else {
                state.dropped += 1
            }
        }
    }

    public var lines: [String] {
        state.withLock { state in
            state.dropped == 0 ? state.lines : state.lines + ["... \(state.dropped) more log lines left out of this report"]
        }
    }
}

/// Writes `<time> - <LEVEL> - <message> key=value` lines to standard error and into a `RunLog`.
/// Configure the level with LOG_LEVEL; patron IDs beyond the rejected rows' institutional IDs are
/// logged at debug only.
public struct RunLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let runLog: RunLog?
    private let writesToStandardError: Bool

    public init(label: String, level: Logger.Level, runLog: RunLog?, writesToStandardError: Bool = true) {
        self.label = label
        self.logLevel = level
        self.runLog = runLog
        self.writesToStandardError = writesToStandardError
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        if let error = event.error { merged["error"] = "\(error)" }
        let suffix = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let line = "\(Self.timestamp()) - \(event.level.rawValue.uppercased()) - \(event.message)\(suffix)"
        if writesToStandardError {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        runLog?.append(line)
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601)
    }
}
