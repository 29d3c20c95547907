import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A login to FOLIO as its clients make one today: `/authn/login-with-expiry` (the access and
/// refresh tokens come as cookies, with their expiry in the body), renewed through
/// `/authn/refresh` a minute before the access token expires. The deprecated `/authn/login`
/// (token in a header) is used only when the server offers nothing else.
public actor FolioSession {
    public struct Credentials: Sendable, Equatable, CustomStringConvertible {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }

        /// Never the password: configurations are printed in errors and debug logs.
        public var description: String { "\(username) (password hidden)" }
    }

    let url: String
    let tenant: String
    let credentials: Credentials
    let http: HTTPClient
    let logger: Logger
    let now: @Sendable () -> Date

    private var accessToken: String?
    private var accessExpires: Date?
    private var refreshToken: String?
    private var refreshExpires: Date?
    /// How many logins and refreshes this session made (tests and the debug log read it).
    public private(set) var logins = 0
    public private(set) var refreshes = 0

    public init(url: String, tenant: String, credentials: Credentials, http: HTTPClient = .shared, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.tenant = tenant
        self.credentials = credentials
        self.http = http
        self.logger = logger
        self.now = now
    }

    /// A token good for at least another minute.
    public func token() async throws -> String {
        let margin: TimeInterval = 60
        if let accessToken, accessExpires.map({ $0.timeIntervalSince(now()) > margin }) ?? true { return accessToken }
        if let refreshToken, let refreshExpires, refreshExpires.timeIntervalSince(now()) > margin, try await refresh(refreshToken) {
            return accessToken!
        }
        try await login()
        return accessToken!
    }

    /// Forgets the access token after FOLIO refused it (it may have been revoked).
    public func invalidate() {
        accessToken = nil
        accessExpires = nil
    }

    private func login() async throws {
        logins += 1
        let body = try JSONSerialization.data(withJSONObject: ["username": credentials.username, "password": credentials.password])
        let response = try await post("/authn/login-with-expiry", body: body, cookie: nil)
        if response.status == 404 {
            try await legacyLogin(body)
            return
        }
        guard response.status == 201 || response.status == 200 else {
            throw FolioError("FOLIO refused the login of \(credentials.username) to tenant \(tenant): \(response.status) \(response.text.prefix(300))",
                             status: response.status, retryable: response.status >= 500)
        }
        try take(response)
    }

    private func legacyLogin(_ body: Data) async throws {
        let response = try await post("/authn/login", body: body, cookie: nil)
        guard (200...201).contains(response.status), let token = response.headers.first(name: "x-okapi-token") else {
            throw FolioError("FOLIO refused the login of \(credentials.username) to tenant \(tenant): \(response.status) \(response.text.prefix(300))",
                             status: response.status, retryable: response.status >= 500)
        }
        logger.warning("FOLIO offers only the deprecated /authn/login; its token does not expire on a schedule patronload can see")
        accessToken = token
        accessExpires = nil
        refreshToken = nil
    }

    /// False when FOLIO no longer takes the refresh token (a new login follows).
    private func refresh(_ token: String) async throws -> Bool {
        refreshes += 1
        let response = try await post("/authn/refresh", body: Data(), cookie: "folioRefreshToken=\(token)")
        guard response.status == 201 || response.status == 200 else {
            logger.debug("FOLIO refused the refresh token (\(response.status)); logging in again")
            refreshToken = nil
            return false
        }
        try take(response)
        return true
    }

    /// The tokens from the cookies and their expiry from the body.
    private func take(_ response: FolioHTTPResponse) throws {
        var cookies: [String: String] = [:]
        for header in response.headers[canonicalForm: "set-cookie"] {
            let pair = header.split(separator: ";", maxSplits: 1).first ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { cookies[parts[0].trimmingCharacters(in: .whitespaces)] = String(parts[1]) }
        }
        guard let access = cookies["folioAccessToken"] else {
            throw FolioError("FOLIO's login answered \(response.status) without a folioAccessToken cookie", status: response.status, retryable: false)
        }
        let expiry = (try? JSONSerialization.jsonObject(with: Data(response.text.utf8))) as? [String: Any]
        accessToken = access
        accessExpires = (expiry?["accessTokenExpiration"] as? String).flatMap(Self.date)
        refreshToken = cookies["folioRefreshToken"] ?? refreshToken
        refreshExpires = (expiry?["refreshTokenExpiration"] as? String).flatMap(Self.date) ?? refreshExpires
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter.date(from: text)
    }

    private func post(_ path: String, body: Data, cookie: String?) async throws -> FolioHTTPResponse {
        var request = HTTPClientRequest(url: url + path)
        request.method = .POST
        request.headers.add(name: "X-Okapi-Tenant", value: tenant)
        request.headers.add(name: "Content-Type", value: "application/json")
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await FolioHTTPResponse.read(http, request, timeout: .seconds(30))
    }
}

/// An answer read whole (FOLIO's answers to these calls are small).
struct FolioHTTPResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var text: String

    static func read(_ http: HTTPClient, _ request: HTTPClientRequest, timeout: TimeAmount) async throws -> FolioHTTPResponse {
        do {
            let response = try await http.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 16 << 20)
            return FolioHTTPResponse(status: Int(response.status.code), headers: response.headers, text: String(buffer: body))
        } catch let error as FolioError {
            throw error
        } catch {
            throw FolioError("\(request.method.rawValue) \(request.url) did not answer: \(error)", retryable: true)
        }
    }
}
