import AsyncHTTPClient
import Foundation
import NIOCore

/// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
public struct EnvironmentCredentialProvider: CredentialProvider {
    let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func credentials() async throws -> AWSCredentials? {
        guard let key = environment[.accessKeyID] else { return nil }
        guard let secret = environment[.secretAccessKey] else {
            throw CredentialError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        }
        let token = environment[.sessionToken]
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token, source: "environment")
    }
}

/// The ECS container credentials endpoint: what an ECS task (the nightly job) uses. Relative URIs
/// go to 169.254.170.2; full URIs may carry an authorization token (or a file holding it).
public struct ECSCredentialProvider: CredentialProvider {
    let environment: [String: String]
    let client: HTTPClient
    let host: String

    public init(environment: [String: String], client: HTTPClient = .shared, host: String = "http://169.254.170.2") {
        self.environment = environment
        self.client = client
        self.host = host
    }

    public func credentials() async throws -> AWSCredentials? {
        let url: String
        if let relative = environment[.containerCredentialsRelativeURI] {
            url = host + relative
        } else if let full = environment[.containerCredentialsFullURI] {
            url = full
        } else {
            return nil
        }
        var request = HTTPClientRequest(url: url)
        if let token = try authorizationToken() {
            request.headers.add(name: "Authorization", value: token)
        }
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(5))
            body = try await response.body.collect(upTo: 1 << 16)
        } catch {
            throw CredentialError("The ECS credentials endpoint \(url) did not answer: \(error)")
        }
        guard response.status == .ok else {
            throw CredentialError("The ECS credentials endpoint \(url) answered \(response.status.code)")
        }
        struct Payload: Decodable {
            var AccessKeyId: String
            var SecretAccessKey: String
            var Token: String?
            var Expiration: String?
        }
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(Array(buffer: body))) else {
            throw CredentialError("The ECS credentials endpoint \(url) answered something that is not credentials")
        }
        return AWSCredentials(
            accessKeyID: payload.AccessKeyId,
            secretAccessKey: payload.SecretAccessKey,
            sessionToken: payload.Token,
            expiration: payload.Expiration.flatMap { try? Date($0, strategy: .iso8601) },
            source: "ECS container credentials"
        )
    }

    private func authorizationToken() throws -> String? {
        if let file = environment[.containerAuthorizationTokenFile] {
            do {
                return try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw CredentialError("Cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(file)")
            }
        }
        return environment[.containerAuthorizationToken]
    }
}

/// The shared credentials file (~/.aws/credentials, or AWS_SHARED_CREDENTIALS_FILE), profile
/// AWS_PROFILE or `default`.
public struct SharedCredentialsFileProvider: CredentialProvider {
    let path: String
    let profile: String

    public init(environment: [String: String]) {
        let home = environment[.home] ?? NSHomeDirectory()
        path = environment[.sharedCredentialsFile] ?? "\(home)/.aws/credentials"
        profile = environment[.profile] ?? "default"
    }

    public func credentials() async throws -> AWSCredentials? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var section = ""
        var values: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == profile, let equals = line.firstIndex(of: "=") else { continue }
            values[line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        guard let key = values["aws_access_key_id"], let secret = values["aws_secret_access_key"] else { return nil }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: values["aws_session_token"], source: "\(path) [\(profile)]")
    }
}

/// Asks each provider in turn; the first that has credentials wins.
public struct CredentialChain: CredentialProvider {
    public let providers: [any CredentialProvider]

    public init(_ providers: [any CredentialProvider]) {
        self.providers = providers
    }

    /// Environment, then the ECS endpoint, then the shared file: the order AWS's SDKs use.
    public static func standard(environment: [String: String], client: HTTPClient = .shared) -> CredentialChain {
        CredentialChain([
            EnvironmentCredentialProvider(environment: environment),
            ECSCredentialProvider(environment: environment, client: client),
            SharedCredentialsFileProvider(environment: environment),
        ])
    }

    public func credentials() async throws -> AWSCredentials? {
        for provider in providers {
            if let credentials = try await provider.credentials() { return credentials }
        }
        return nil
    }
}

/// Caches credentials and fetches new ones before the old expire (five minutes ahead by
/// default). Callers that arrive during a refresh share it.
public actor RefreshingCredentialProvider: CredentialProvider {
    private let base: any CredentialProvider
    private let margin: TimeInterval
    private let now: @Sendable () -> Date
    private var cached: AWSCredentials?
    private var refreshing: Task<AWSCredentials?, any Error>?
    public private(set) var fetches = 0

    public init(_ base: any CredentialProvider, refreshMargin: TimeInterval = 300, now: @escaping @Sendable () -> Date = Date.init) {
        self.base = base
        self.margin = refreshMargin
        self.now = now
    }

    public func credentials() async throws -> AWSCredentials? {
        if let cached, cached.expiration.map({ $0.timeIntervalSince(now()) > margin }) ?? true {
            return cached
        }
        if let refreshing { return try await refreshing.value }
        let base = base
        let task = Task { try await base.credentials() }
        refreshing = task
        defer { refreshing = nil }
        let fresh = try await task.value
        fetches += 1
        cached = fresh
        return fresh
    }
}
