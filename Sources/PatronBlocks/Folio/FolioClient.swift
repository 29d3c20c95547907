import AsyncHTTPClient
import Backoff
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A failed call to another FOLIO module.
public struct UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var status: Int?
    public var retryable: Bool

    public var description: String { message }
}

/// FOLIO's loan-storage, feesfines and users APIs as patronblocks reads them: keyset pages in
/// CQL, Okapi headers on every call, timeouts, bounded retries with backoff.
public struct FolioClient: Sendable {
    public let context: UpstreamContext
    let retry: RetryPolicy
    let timeout: TimeAmount
    let logger: Logger

    public init(context: UpstreamContext, retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(200), maxDelay: .seconds(5)),
                timeout: TimeAmount = .seconds(30), logger: Logger) {
        self.context = context
        self.retry = retry
        self.timeout = timeout
        self.logger = logger
    }

    /// One HTTP client for the process; a refused connection fails the attempt at once, so that
    /// `retry` alone decides.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// CQL as FOLIO builds it: open records, keyset by id, one user for a user scope; `before`
    /// bounds a slice of the id space (`KeysetRange`) with the same relation's mirror, which
    /// FOLIO's CQL answers on `id` as it answers `id >`.
    public static func cql(after: UUID?, before: UUID? = nil, userId: UUID?) -> String {
        var clauses = ["status.name==Open"]
        if let userId { clauses.append("userId==\(userId.folio)") }
        if let after { clauses.append("id > \(after.folio)") }
        if let before { clauses.append("id < \(before.folio)") }
        return clauses.joined(separator: " and ") + " sortBy id"
    }

    public func loans(after: UUID?, before: UUID? = nil, userId: UUID?, limit: Int) async throws -> UpstreamPage<UpstreamLoan> {
        UpstreamDecoding.loans(try await page("/loan-storage/loans", LoanPageBody.self, cql: Self.cql(after: after, before: before, userId: userId), limit: limit))
    }

    public func accounts(after: UUID?, before: UUID? = nil, userId: UUID?, limit: Int) async throws -> UpstreamPage<UpstreamAccount> {
        UpstreamDecoding.accounts(try await page("/accounts", AccountPageBody.self, cql: Self.cql(after: after, before: before, userId: userId), limit: limit))
    }

    /// A user's patron group, nil when the user is unknown (404) or has none.
    public func patronGroup(userId: UUID) async throws -> UUID? {
        guard let user = try await get("/users/\(userId.folio)", as: RawUser.self, allowNotFound: true) else { return nil }
        return UpstreamDecoding.uuid(user.patronGroup)
    }

    private func page<Body: Decodable & Sendable>(_ path: String, _ type: Body.Type, cql query: String, limit: Int) async throws -> Body {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? query
        guard let body = try await get("\(path)?limit=\(limit)&query=\(encoded)", as: type, allowNotFound: false) else {
            throw UpstreamError(message: "GET \(path) answered 404", status: 404, retryable: false)
        }
        return body
    }

    private func get<Body: Decodable & Sendable>(_ pathAndQuery: String, as type: Body.Type, allowNotFound: Bool) async throws -> Body? {
        try await send(.GET, pathAndQuery, body: nil, allowNotFound: allowNotFound) { status, body in
            guard let decoded = try? JSONDecoder().decode(type, from: Data(buffer: body)) else {
                throw UpstreamError(message: "GET \(pathAndQuery.prefix { $0 != "?" }) answered something that is not a JSON object", status: status, retryable: false)
            }
            return decoded
        }
    }

    /// POSTs a JSON body (pub-sub registration); any 2xx is success.
    public func post(_ path: String, json: Data) async throws {
        _ = try await send(.POST, path, body: json, allowNotFound: false) { _, _ in () }
    }

    /// One call with Okapi's headers, retried while it fails in a way that may pass (no answer,
    /// 5xx, 429); `read` turns a 2xx answer into the result.
    private func send<Result: Sendable>(_ method: HTTPMethod, _ pathAndQuery: String, body: Data?, allowNotFound: Bool,
                                        read: @Sendable (Int, ByteBuffer) throws -> Result) async throws -> Result? {
        let url = context.baseURL + pathAndQuery
        let name = "\(method.rawValue) \(pathAndQuery.prefix { $0 != "?" })"
        return try await retry.run(retryable: { ($0 as? UpstreamError)?.retryable ?? true }, onRetry: { attempt, error, wait in
            logger.warning("\(name) attempt \(attempt) failed (\(error)); retrying in \(wait)")
        }) { _ in
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "X-Okapi-Tenant", value: context.tenant)
            request.headers.add(name: "Accept", value: "application/json")
            if let token = context.token { request.headers.add(name: "X-Okapi-Token", value: token) }
            request.headers.add(name: "X-Okapi-Url", value: context.baseURL)
            if let id = context.requestID { request.headers.add(name: "X-Okapi-Request-Id", value: id) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let response: HTTPClientResponse
            let answer: ByteBuffer
            do {
                response = try await Self.http.execute(request, timeout: timeout, logger: logger)
                answer = try await response.body.collect(upTo: 64 << 20)
            } catch {
                // A stopping runner is not an upstream failure: nothing to retry or record.
                if Task.isCancelled { throw CancellationError() }
                throw UpstreamError(message: "\(name) did not answer: \(error)", status: nil, retryable: true)
            }
            let status = Int(response.status.code)
            if status == 404 && allowNotFound { return nil }
            guard (200..<300).contains(status) else {
                let text = String(buffer: answer).prefix(300)
                throw UpstreamError(message: "\(name) answered \(status): \(text)", status: status, retryable: status >= 500 || status == 429)
            }
            return try read(status, answer)
        }
    }
}
