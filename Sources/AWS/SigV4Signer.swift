import Crypto
import Foundation

/// A request as SigV4 sees it: method, the path as it goes on the wire (already encoded), the
/// query as raw pairs, headers, and the payload's SHA-256 (hex) or `UNSIGNED-PAYLOAD`.
public struct SigningRequest: Sendable, Equatable {
    public var method: String
    /// The encoded path, e.g. `/bucket/prefix/staff_2026-11-22_02.00.00.zip`.
    public var path: String
    /// Raw (unencoded) query pairs; `?delete` is `("delete", "")`.
    public var query: [(String, String)]
    public var headers: [(String, String)]
    public var payloadHash: String

    public init(method: String, path: String, query: [(String, String)] = [], headers: [(String, String)], payloadHash: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }

    public static func == (lhs: SigningRequest, rhs: SigningRequest) -> Bool {
        lhs.method == rhs.method && lhs.path == rhs.path && lhs.payloadHash == rhs.payloadHash
            && lhs.query.elementsEqual(rhs.query, by: ==) && lhs.headers.elementsEqual(rhs.headers, by: ==)
    }
}

/// AWS Signature Version 4, each step exposed so that tests can check it against AWS's test suite:
/// the canonical request, the string to sign, the signature and the Authorization header.
public struct SigV4Signer: Sendable {
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    public var service: String
    public var region: String
    /// S3 signs the path as sent; every other service encodes it once more.
    public var encodesPathTwice: Bool

    public init(service: String, region: String, encodesPathTwice: Bool? = nil) {
        self.service = service
        self.region = region
        self.encodesPathTwice = encodesPathTwice ?? (service != "s3")
    }

    public func canonicalRequest(_ request: SigningRequest) -> String {
        let path = encodesPathTwice ? AWSPercentEncoding.encode(request.path, keepingSlashes: true) : request.path
        let query = Self.canonicalQuery(request.query)
        let headers = Self.canonicalHeaders(request.headers)
        return [
            request.method,
            path.isEmpty ? "/" : path,
            query,
            headers.map { "\($0.name):\($0.value)\n" }.joined(),
            headers.map(\.name).joined(separator: ";"),
            request.payloadHash,
        ].joined(separator: "\n")
    }

    /// Names and values encoded, sorted by name then value (byte order: they are ASCII now).
    static func canonicalQuery(_ pairs: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = pairs.map { (AWSPercentEncoding.encode($0.0), AWSPercentEncoding.encode($0.1)) }
        let sorted = encoded.sorted { lhs, rhs in
            lhs.name == rhs.name ? lhs.value < rhs.value : lhs.name < rhs.name
        }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    public func signedHeaders(_ request: SigningRequest) -> String {
        Self.canonicalHeaders(request.headers).map(\.name).joined(separator: ";")
    }

    /// Lower-case names, sorted; values trimmed with inner runs of spaces folded; repeated
    /// headers joined with commas in the order given.
    static func canonicalHeaders(_ headers: [(String, String)]) -> [(name: String, value: String)] {
        var merged: [String: [String]] = [:]
        var order: [String] = []
        for (name, value) in headers {
            let key = name.lowercased()
            if merged[key] == nil { order.append(key) }
            let folded = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[key, default: []].append(folded.trimmingCharacters(in: .whitespaces))
        }
        return order.sorted().map { ($0, merged[$0]!.joined(separator: ",")) }
    }

    public func scope(date: String) -> String {
        "\(date)/\(region)/\(service)/aws4_request"
    }

    public func stringToSign(_ request: SigningRequest, amzDate: String) -> String {
        let hash = SHA256.hash(data: Data(canonicalRequest(request).utf8)).hex
        return ["AWS4-HMAC-SHA256", amzDate, scope(date: String(amzDate.prefix(8))), hash].joined(separator: "\n")
    }

    public func signature(_ request: SigningRequest, amzDate: String, secretAccessKey: String) -> String {
        let date = String(amzDate.prefix(8))
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let code = HMAC<SHA256>.authenticationCode(for: Data(stringToSign(request, amzDate: amzDate).utf8), using: key)
        return Data(code).hex
    }

    public func authorization(_ request: SigningRequest, amzDate: String, credentials: AWSCredentials) -> String {
        let signature = signature(request, amzDate: amzDate, secretAccessKey: credentials.secretAccessKey)
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(date: String(amzDate.prefix(8)))), SignedHeaders=\(signedHeaders(request)), Signature=\(signature)"
    }

    /// `20261122T020000Z`.
    public static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", p.year!, p.month!, p.day!, p.hour!, p.minute!, p.second!)
    }
}

extension Sequence where Element == UInt8 {
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Digest {
    public var hex: String { Array(self).hex }
}
