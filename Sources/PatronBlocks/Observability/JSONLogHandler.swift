import Foundation
import Logging
import Synchronization

/// How log records are written: swift-log's text lines, or one JSON object per line.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}

/// One JSON object per line on standard error (`time`, `level`, `label`, `source`, `message`, and
/// every metadata key at the top level), which log shippers (CloudWatch, Loki, Elastic) index
/// without parsing rules. `request.id`, `tenant` and `job.id` become fields to filter on.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let write: @Sendable (String) -> Void

    public init(label: String, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = metadata.merging(event.metadata ?? [:]) { $1 }.mapValues(Self.json)
        object["time"] = Date().formatted(Self.timeFormat)
        object["level"] = event.level.rawValue
        object["label"] = label
        object["source"] = event.source
        object["message"] = "\(event.message)"
        if let error = event.error { object["error"] = "\(error)" }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        write(String(decoding: data, as: UTF8.self))
    }

    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): "\(convertible)"
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }

    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let lock = Mutex(())

    /// One `write` per record, under a lock, so that records of concurrent tasks never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        lock.withLock { _ in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
}
