import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import PatronBlocks

/// A request helper over HummingbirdTesting's client: JSON in, status, text and JSON out, with
/// the test's tenant in X-Okapi-Tenant unless told otherwise.
struct API: Sendable {
    typealias Send = @Sendable (HTTPRequest.Method, String, HTTPFields, ByteBuffer?) async throws -> Answer
    let send: Send
    let tenant: String?
    /// The port when the service really listens (`live: true`).
    let port: Int?

    init(client: some TestClientProtocol, tenant: String?) {
        self.send = { method, path, headers, body in
            try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
                Answer(status: response.status, headers: response.headers, text: String(buffer: response.body))
            }
        }
        self.tenant = tenant
        self.port = client.port
    }

    private init(send: @escaping Send, tenant: String?, port: Int?) {
        self.send = send
        self.tenant = tenant
        self.port = port
    }

    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var text: String

        var json: [String: Any] {
            get throws {
                try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
            }
        }

        var contentType: String? { headers[.contentType] }
    }

    func tenant(_ other: String?) -> API { API(send: send, tenant: other, port: port) }

    func call(_ method: HTTPRequest.Method, _ path: String, body: String? = nil, headers extra: HTTPFields = [:]) async throws -> Answer {
        var headers = extra
        if let tenant { headers[HTTPField.Name("X-Okapi-Tenant")!] = tenant }
        if body != nil { headers[.contentType] = "application/json" }
        return try await send(method, path, headers, body.map { ByteBuffer(string: $0) })
    }

    func get(_ path: String) async throws -> Answer { try await call(.get, path) }
    func post(_ path: String, _ body: String? = nil) async throws -> Answer { try await call(.post, path, body: body) }
}

/// A FOLIO 422 body: `{"errors": [{"message", "type", "code", "parameters": [{"key", "value"}]}]}`.
func validationError(_ answer: API.Answer) throws -> (message: String, key: String?) {
    #expect(answer.status == .unprocessableContent, "\(answer.status): \(answer.text)")
    let errors = try #require(try answer.json["errors"] as? [[String: Any]])
    let first = try #require(errors.first)
    let parameters = first["parameters"] as? [[String: Any]]
    #expect(first["type"] != nil && first["code"] != nil)
    return (try #require(first["message"] as? String), parameters?.first?["key"] as? String)
}

/// Starts the service on a backend with a freshly installed tenant and runs `body` against it
/// through HummingbirdTesting's router client (the app's services and start-up migrations run).
func withService(
    _ backend: Backend,
    live: Bool = false,
    logger: Logger? = nil,
    configure: @Sendable (inout PatronBlocksConfiguration) -> Void = { $0.runsSynchronization = false },
    _ body: @Sendable (PatronBlocksComponents, API) async throws -> Void
) async throws {
    let location = try await StorageLocation.make(backend)
    var configuration = location.configuration
    let tenant = uniqueTenant()
    configuration.tenant = tenant
    configuration.port = 0
    configure(&configuration)
    let service = try await PatronBlocksComponents.make(configuration, logger: logger)
    try await service.application().test(live ? .live : .router) { client in
        try await body(service, API(client: client, tenant: tenant))
        _ = location
    }
}

let userA = UUID(uuidString: "5a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b47")!
let userB = UUID(uuidString: "c0ffee00-1234-4abc-8def-0123456789ab")!
