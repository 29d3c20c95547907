import Foundation
import PatronSyncTestSupport
import Testing
@testable import AWS

@Suite struct CredentialProviderTests {
    @Test func environmentWithSessionToken() async throws {
        let provider = EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_SESSION_TOKEN": "tok"])
        let credentials = try #require(try await provider.credentials())
        #expect(credentials.accessKeyID == "AKIA1" && credentials.secretAccessKey == "s3cr3t" && credentials.sessionToken == "tok")
        #expect(!credentials.description.contains("s3cr3t") && !credentials.description.contains("tok"))
        #expect(try await EnvironmentCredentialProvider(environment: [:]).credentials() == nil)
        await #expect(throws: CredentialError.self) {
            try await EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": "AKIA1"]).credentials()
        }
    }

    @Test func sharedCredentialsFileWithProfiles() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("credentials-\(UUID())")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("""
        # comment
        [default]
        aws_access_key_id = AKIADEFAULT
        aws_secret_access_key = defaultsecret

        [patronload]
        aws_access_key_id=AKIAPATRON
        aws_secret_access_key=patronsecret
        aws_session_token = patrontoken
        """.utf8).write(to: file)
        let byDefault = try await SharedCredentialsFileProvider(environment: ["AWS_SHARED_CREDENTIALS_FILE": file.path]).credentials()
        #expect(byDefault?.accessKeyID == "AKIADEFAULT")
        let named = try await SharedCredentialsFileProvider(environment: ["AWS_SHARED_CREDENTIALS_FILE": file.path, "AWS_PROFILE": "patronload"]).credentials()
        #expect(named?.accessKeyID == "AKIAPATRON" && named?.sessionToken == "patrontoken")
        #expect(try await SharedCredentialsFileProvider(environment: ["AWS_SHARED_CREDENTIALS_FILE": file.path, "AWS_PROFILE": "none"]).credentials() == nil)
    }

    /// A local stand-in for the ECS task's credentials endpoint, answering as ECS does.
    static func ecsEndpoint(expiresIn seconds: TimeInterval, status: Int = 200) async throws -> LocalHTTPServer {
        try await LocalHTTPServer { request in
            let expiration = Date().addingTimeInterval(seconds).formatted(.iso8601)
            let body = #"{"AccessKeyId": "ASIAECS\#(request.header("authorization") ?? "")", "SecretAccessKey": "ecssecret", "Token": "ecstoken", "Expiration": "\#(expiration)"}"#
            return .respond(status: status, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
        }
    }

    @Test func ecsContainerEndpointWithRelativeAndFullURIs() async throws {
        let server = try await Self.ecsEndpoint(expiresIn: 3600)
        defer { Task { await server.shutdown() } }
        let relative = ECSCredentialProvider(environment: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"], host: server.url)
        let credentials = try #require(try await relative.credentials())
        #expect(credentials.accessKeyID == "ASIAECS" && credentials.sessionToken == "ecstoken")
        #expect(credentials.expiration.map { $0.timeIntervalSinceNow > 3000 } == true)
        #expect(server.requests.last?.uri == "/v2/credentials/abc")

        let full = ECSCredentialProvider(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Basic xyz"])
        #expect(try await full.credentials()?.accessKeyID == "ASIAECSBasic xyz")
        #expect(try await ECSCredentialProvider(environment: [:]).credentials() == nil)
    }

    @Test func anECSEndpointThatFailsSaysSo() async throws {
        let server = try await Self.ecsEndpoint(expiresIn: 3600, status: 500)
        defer { Task { await server.shutdown() } }
        let provider = ECSCredentialProvider(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds"])
        let error = await #expect(throws: CredentialError.self) { try await provider.credentials() }
        #expect(error?.message.contains("answered 500") == true)
    }

    @Test func refreshesBeforeExpiryAndSharesOneFetch() async throws {
        // Credentials valid for four minutes are inside the five-minute margin: fetched every time.
        let short = try await Self.ecsEndpoint(expiresIn: 240)
        defer { Task { await short.shutdown() } }
        let refreshing = RefreshingCredentialProvider(ECSCredentialProvider(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": short.url + "/c"]))
        _ = try await refreshing.credentials()
        _ = try await refreshing.credentials()
        #expect(await refreshing.fetches == 2)

        // An hour's credentials are fetched once, however many callers ask at once.
        let long = try await Self.ecsEndpoint(expiresIn: 3600)
        defer { Task { await long.shutdown() } }
        let cached = RefreshingCredentialProvider(ECSCredentialProvider(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": long.url + "/c"]))
        try await withThrowingTaskGroup(of: AWSCredentials?.self) { group in
            for _ in 0..<20 { group.addTask { try await cached.credentials() } }
            for try await credentials in group { #expect(credentials?.accessKeyID == "ASIAECS") }
        }
        #expect(await cached.fetches == 1)
        #expect(long.requests.count == 1)
    }

    @Test func theChainTakesTheFirstThatAnswers() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("credentials-\(UUID())")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("[default]\naws_access_key_id=AKIAFILE\naws_secret_access_key=x\n".utf8).write(to: file)
        let fromFile = CredentialChain.standard(environment: ["AWS_SHARED_CREDENTIALS_FILE": file.path])
        #expect(try await fromFile.credentials()?.accessKeyID == "AKIAFILE")
        let fromEnvironment = CredentialChain.standard(environment: ["AWS_SHARED_CREDENTIALS_FILE": file.path, "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "y"])
        #expect(try await fromEnvironment.credentials()?.accessKeyID == "AKIAENV")
    }
}
