@_exported import Backoff
import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A request body: bytes in memory, or a byte range of a file streamed from disk (so a 2 GB zip
/// never sits in memory), re-read on every attempt.
public enum AWSBody: Sendable {
    case empty
    case bytes([UInt8])
    case file(path: String, range: Range<Int64>)

    var count: Int64 {
        switch self {
        case .empty: 0
        case .bytes(let bytes): Int64(bytes.count)
        case .file(_, let range): Int64(range.count)
        }
    }
}

/// A response whose body was read (AWS's answers to the calls used here are small).
public struct AWSResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
}

/// Signs and sends requests to one AWS service, retrying what is worth retrying: 5xx, throttling,
/// and connections that fail or break. Each attempt is signed anew (fresh date, fresh
/// credentials) and its body re-read from the start.
public struct AWSHTTPClient: Sendable {
    public let service: String
    public let endpoint: AWSEndpoint
    public let credentials: any CredentialProvider
    public let retry: RetryPolicy
    public let timeout: TimeAmount
    let client: HTTPClient
    let logger: Logger

    public init(service: String, endpoint: AWSEndpoint, credentials: any CredentialProvider, retry: RetryPolicy = RetryPolicy(),
                timeout: TimeAmount = .seconds(120), client: HTTPClient = AWSHTTPClient.sharedClient, logger: Logger) {
        self.service = service
        self.endpoint = endpoint
        self.credentials = credentials
        self.retry = retry
        self.timeout = timeout
        self.client = client
        self.logger = logger
    }

    public var signer: SigV4Signer { SigV4Signer(service: service, region: endpoint.region) }

    /// One HTTP client for the process. AsyncHTTPClient by default retries a failed connection
    /// until the request's deadline; here a refused or unreachable endpoint fails the attempt at
    /// once, so that `RetryPolicy` alone decides how often and how long to try.
    public static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(120))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Sends one request. `base` is the scheme and host (`https://bucket.s3.us-east-1.amazonaws.com`),
    /// `path` the encoded path. Non-2xx answers become `AWSError` with the service's code.
    public func send(
        operation: String,
        method: HTTPMethod,
        base: String,
        path: String,
        query: [(String, String)] = [],
        headers extraHeaders: [(String, String)] = [],
        body: AWSBody = .empty,
        payloadHash: String? = nil,
        signsPayloadHeader: Bool = false,
        responseFile: String? = nil
    ) async throws -> AWSResponse {
        let hash: String
        if let payloadHash {
            hash = payloadHash
        } else {
            switch body {
            case .empty: hash = SigV4Signer.emptyPayloadHash
            case .bytes(let bytes): hash = SHA256.hash(data: bytes).hex
            case .file: hash = SigV4Signer.unsignedPayload
            }
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await attemptOnce(operation: operation, method: method, base: base, path: path, query: query,
                                             headers: extraHeaders, body: body, payloadHash: hash, signsPayloadHeader: signsPayloadHeader,
                                             responseFile: responseFile)
            } catch var error as AWSError {
                error.attempts = attempt
                guard error.retryable, attempt < retry.maxAttempts else { throw error }
                let delay = retry.delay(afterAttempt: attempt)
                logger.warning("\(operation) attempt \(attempt) failed (\(error.status.map(String.init) ?? "no answer")\(error.code.map { " \($0)" } ?? "")); retrying in \(delay)")
                try await Task.sleep(for: delay)
            }
        }
    }

    private func attemptOnce(
        operation: String, method: HTTPMethod, base: String, path: String, query: [(String, String)],
        headers extra: [(String, String)], body: AWSBody, payloadHash: String, signsPayloadHeader: Bool, responseFile: String?
    ) async throws -> AWSResponse {
        guard let credentials = try await credentials.credentials() else {
            throw AWSError(operation: operation, message: "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run as an ECS task with a task role, or use ~/.aws/credentials")
        }
        guard let host = URL(string: base)?.host else {
            throw AWSError(operation: operation, message: "invalid endpoint \(base)")
        }
        let port = URL(string: base)?.port
        let hostHeader = port.map { "\(host):\($0)" } ?? host
        let amzDate = SigV4Signer.amzDate(Date())
        var headers: [(String, String)] = [("host", hostHeader), ("x-amz-date", amzDate)]
        if signsPayloadHeader { headers.append(("x-amz-content-sha256", payloadHash)) }
        if let token = credentials.sessionToken { headers.append(("x-amz-security-token", token)) }
        headers += extra
        let signing = SigningRequest(method: method.rawValue, path: path, query: query, headers: headers, payloadHash: payloadHash)
        let authorization = signer.authorization(signing, amzDate: amzDate, credentials: credentials)

        let queryString = query.map { "\(AWSPercentEncoding.encode($0.0))=\(AWSPercentEncoding.encode($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: base + path + (queryString.isEmpty ? "" : "?" + queryString))
        request.method = method
        for (name, value) in headers where name != "host" {
            request.headers.add(name: name, value: value)
        }
        request.headers.replaceOrAdd(name: "Host", value: hostHeader)
        request.headers.add(name: "Authorization", value: authorization)
        switch body {
        case .empty:
            if method == .PUT || method == .POST { request.headers.replaceOrAdd(name: "Content-Length", value: "0") }
        case .bytes(let bytes):
            request.body = .bytes(ByteBuffer(bytes: bytes))
        case .file(let file, let range):
            request.body = .stream(FileChunks(path: file, range: range), length: .known(Int64(range.count)))
        }

        let response: HTTPClientResponse
        var bytes = ByteBuffer()
        do {
            response = try await client.execute(request, timeout: timeout, logger: logger)
            if let responseFile, (200..<300).contains(response.status.code) {
                // Large objects (a history, an archived zip) go straight to disk.
                _ = FileManager.default.createFile(atPath: responseFile, contents: nil)
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: responseFile))
                defer { try? handle.close() }
                for try await chunk in response.body {
                    try handle.write(contentsOf: Data(chunk.readableBytesView))
                }
            } else {
                bytes = try await response.body.collect(upTo: 16 << 20)
            }
        } catch let error as FileChunks.ReadError {
            throw AWSError(operation: operation, message: error.description, retryable: false)
        } catch {
            // No answer: a refused or broken connection, a timeout. Worth another try.
            throw AWSError(operation: operation, message: "\(Self.describe(error))", retryable: true)
        }
        let status = Int(response.status.code)
        let payload = Array(buffer: bytes)
        guard (200..<300).contains(status) else {
            let details = AWSErrorBody.parse(payload)
            let code = details.code
            let retryable = status >= 500 || status == 429 || ["Throttling", "ThrottlingException", "SlowDown", "RequestTimeout", "RequestTimeTooSkewed", "InternalError", "ServiceUnavailable", "TooManyRequestsException"].contains(code ?? "")
            throw AWSError(operation: operation, status: status, code: code, message: details.message ?? "HTTP \(status)", retryable: retryable)
        }
        return AWSResponse(status: status, headers: response.headers, body: payload)
    }

    static func describe(_ error: any Error) -> String {
        if let client = error as? HTTPClientError {
            return "\(client)"
        }
        return "\(error)"
    }
}
