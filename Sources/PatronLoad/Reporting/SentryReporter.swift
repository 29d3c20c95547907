import AsyncHTTPClient
import AWS
import Foundation
import NIOCore

/// Sends the error that ended a run to Sentry (SENTRY_DSN), as one event through Sentry's
/// envelope endpoint. No SDK: one HTTP POST.
public struct SentryReporter: Sendable {
    public struct DSN: Sendable, Equatable {
        public var publicKey: String
        public var endpoint: String
        public var projectID: String

        /// `https://PUBLIC_KEY@HOST[:PORT]/[PATH/]PROJECT_ID`; nil for unset or `None` (the
        /// reference deployment's way to turn it off).
        public init?(_ text: String?) throws {
            guard let text, !text.isEmpty, text != "None" else { return nil }
            guard let url = URL(string: text), let scheme = url.scheme, let host = url.host, let key = url.user, !key.isEmpty else {
                throw ConfigurationError("SENTRY_DSN is not a Sentry DSN (https://KEY@HOST/PROJECT)")
            }
            let parts = url.path.split(separator: "/")
            guard let project = parts.last else {
                throw ConfigurationError("SENTRY_DSN names no project (https://KEY@HOST/PROJECT)")
            }
            publicKey = key
            projectID = String(project)
            let path = parts.dropLast().map { "/\($0)" }.joined()
            endpoint = "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")\(path)/api/\(project)/envelope/"
        }
    }

    public let dsn: DSN
    let environment: String
    let client: HTTPClient

    public init(dsn: DSN, environment: String, client: HTTPClient = AWSHTTPClient.sharedClient) {
        self.dsn = dsn
        self.environment = environment
        self.client = client
    }

    /// Returns the event's id.
    @discardableResult
    public func capture(message: String, stage: String, runID: String, release: String = "patronload") async throws -> String {
        let eventID = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let now = Date()
        let event: [String: Any] = [
            "event_id": eventID,
            "timestamp": now.timeIntervalSince1970,
            "platform": "other",
            "level": "error",
            "logger": "patronload",
            "environment": environment,
            "release": release,
            "message": ["formatted": message],
            "exception": ["values": [["type": "PatronLoadFailure", "value": message]]],
            "tags": ["stage": stage, "run": runID],
        ]
        let eventData = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])
        let header = try JSONSerialization.data(withJSONObject: ["event_id": eventID, "sent_at": now.formatted(.iso8601)], options: [.sortedKeys])
        let itemHeader = try JSONSerialization.data(withJSONObject: ["type": "event", "length": eventData.count], options: [.sortedKeys])
        var body = Data()
        for part in [header, itemHeader, eventData] {
            body.append(part)
            body.append(0x0A)
        }
        var request = HTTPClientRequest(url: dsn.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-sentry-envelope")
        request.headers.add(name: "X-Sentry-Auth", value: "Sentry sentry_version=7, sentry_key=\(dsn.publicKey), sentry_client=patronload/1.0")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(15))
        _ = try await response.body.collect(upTo: 1 << 16)
        guard (200..<300).contains(response.status.code) else {
            throw ConfigurationError("Sentry answered \(response.status.code)")
        }
        return eventID
    }
}
