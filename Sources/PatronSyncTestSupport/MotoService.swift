import AsyncHTTPClient
import AWS
import Foundation

/// moto's server as scripts/test.sh starts it: signature checking on, one IAM user's key.
public enum MotoService {
    static let environment = ProcessInfo.processInfo.environment

    public static var isAvailable: Bool {
        environment["PATRONSYNC_TEST_MOTO_URL"] != nil || environment["PATRONSYNC_REQUIRE_SERVICES"] == "1"
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description = "PATRONSYNC_TEST_MOTO_URL is not set: run the tests with `make test`, which starts moto"
    }

    public static func url() throws -> String {
        guard let url = environment["PATRONSYNC_TEST_MOTO_URL"] else { throw Missing() }
        return url
    }

    public static func credentials() throws -> AWSCredentials {
        guard let key = environment["PATRONSYNC_TEST_AWS_ACCESS_KEY_ID"], let secret = environment["PATRONSYNC_TEST_AWS_SECRET_ACCESS_KEY"] else { throw Missing() }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, source: "moto IAM user")
    }

    /// A fresh bucket name per test, so tests never see each other's objects.
    public static func bucketName(_ label: String = "test") -> String {
        "\(label)-\(UUID().uuidString.lowercased().prefix(12))"
    }

    /// Everything moto recorded (sent mail among it), from its own API.
    /// moto serialises its state while other tests change it, and then answers with an error page
    /// instead of JSON: read it again, a few times.
    public static func data() async throws -> [String: Any] {
        var attempt = 0
        while true {
            attempt += 1
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: try url() + "/moto-api/data.json"), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 64 << 20)
            do {
                guard response.status == .ok else { throw MotoStateUnreadable(status: response.status.code) }
                return (try JSONSerialization.jsonObject(with: Data(Array(buffer: body))) as? [String: Any]) ?? [:]
            } catch where attempt < 6 {
                try await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }

    struct MotoStateUnreadable: Error {
        var status: UInt
    }
}

/// Fixed credentials as a provider.
public struct StaticCredentialProvider: CredentialProvider {
    let value: AWSCredentials

    public init(_ value: AWSCredentials) {
        self.value = value
    }

    public func credentials() async throws -> AWSCredentials? { value }
}

extension MotoService {
    /// The raw MIME messages SES (moto) accepted, oldest first.
    public static func sentEmails() async throws -> [String] {
        let ses = try await data()["ses"] as? [String: Any]
        return (ses?["RawMessage"] as? [[String: Any]] ?? []).compactMap { $0["raw_data"] as? String }
    }
}

/// The base64 parts of a MIME message, decoded: what a mail reader would show.
public enum MIMEParts {
    public static func decode(_ raw: String) -> [String] {
        var parts: [String] = []
        var current: [String] = []
        var inBody = false
        for line in raw.components(separatedBy: "\r\n") {
            if line.hasPrefix("--") {
                if !current.isEmpty, let data = Data(base64Encoded: current.joined()) { parts.append(String(decoding: data, as: UTF8.self)) }
                current = []
                inBody = false
            } else if line.isEmpty {
                inBody = true
            } else if inBody {
                current.append(line)
            }
        }
        return parts
    }

    /// A header's RFC 2047 `=?UTF-8?B?…?=` words, each decoded on its own (nil when one is not
    /// whole UTF-8, as a word cut inside a character would be), and the value they spell.
    public static func decodeHeader(_ value: String) -> (words: [String], text: String)? {
        let unfolded = value.replacingOccurrences(of: "\r\n ", with: " ")
        var words: [String] = []
        var text = ""
        for token in unfolded.split(separator: " ", omittingEmptySubsequences: false) {
            guard token.hasPrefix("=?UTF-8?B?"), token.hasSuffix("?=") else { return nil }
            words.append(String(token))
            let payload = token.dropFirst("=?UTF-8?B?".count).dropLast(2)
            guard let data = Data(base64Encoded: String(payload)), let decoded = String(validating: data, as: UTF8.self) else { return nil }
            // Whitespace between adjacent encoded words is not part of the text (RFC 2047 section 6.2).
            text += decoded
        }
        return (words, text)
    }
}
