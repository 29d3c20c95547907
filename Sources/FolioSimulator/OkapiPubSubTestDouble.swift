import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A test double of Okapi fronting mod-pubsub, following the contract of the reference's
/// section 5: it takes `POST /pubsub/event-types`, `…/declare/publisher` and
/// `…/declare/subscriber` with X-Okapi-Tenant and X-Okapi-Token, checks each body's shape (a
/// malformed one answers 422 as mod-pubsub does), records what was registered, fails on demand,
/// and delivers an event as pub-sub does: a POST of the payload to each subscriber's callback.
public actor OkapiPubSubTestDouble {
    public struct Subscription: Sendable, Equatable {
        public var moduleId: String
        public var eventType: String
        public var callbackAddress: String
    }

    public struct Call: Sendable, Equatable {
        public var path: String
        public var tenant: String?
        public var token: String?
        public var body: String
    }

    public private(set) var calls: [Call] = []
    public private(set) var eventTypes: [String: [String: String]] = [:]
    public private(set) var publishers: [String: [String]] = [:]
    public private(set) var subscriptions: [Subscription] = []
    private var failures: [String: Int] = [:]

    public init() {}

    /// Every call to `path` answers `status` from now on (0: answer normally again).
    public func fail(_ path: String, status: Int) {
        failures[path] = status == 0 ? nil : status
    }

    public nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        for path in ["/pubsub/event-types", "/pubsub/event-types/declare/publisher", "/pubsub/event-types/declare/subscriber"] {
            router.post(RouterPath(stringLiteral: path)) { request, context in
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                return try await self.handle(path, request: request, body: String(buffer: body))
            }
        }
        return router
    }

    public nonisolated func application(port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "okapi-pubsub-double"),
                    onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: Logger(label: "okapi-pubsub-double"))
    }

    private func handle(_ path: String, request: Request, body: String) throws -> Response {
        let tenant = request.headers[HTTPField.Name("X-Okapi-Tenant")!]
        let token = request.headers[HTTPField.Name("X-Okapi-Token")!]
        calls.append(Call(path: path, tenant: tenant, token: token, body: body))
        if let status = failures[path] { return Self.answer(status, "Simulated mod-pubsub failure") }
        guard tenant != nil else { return Self.answer(400, "No X-Okapi-Tenant header") }
        guard token != nil else { return Self.answer(401, "Missing X-Okapi-Token") }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return Self.answer(400, "Body is not JSON") }
        switch path {
        case "/pubsub/event-types":
            guard let descriptor = Self.eventDescriptor(json) else { return Self.answer(422, "Invalid event descriptor") }
            eventTypes[descriptor["eventType"]!] = descriptor
        case "/pubsub/event-types/declare/publisher":
            guard let module = json["moduleId"] as? String, let list = json["eventDescriptors"] as? [[String: Any]] else { return Self.answer(422, "Invalid publisher declaration") }
            let descriptors = list.compactMap(Self.eventDescriptor)
            guard descriptors.count == list.count else { return Self.answer(422, "Invalid event descriptor") }
            publishers[module] = descriptors.compactMap { $0["eventType"] }
        default:
            guard let module = json["moduleId"] as? String, let list = json["subscriptionDefinitions"] as? [[String: Any]] else { return Self.answer(422, "Invalid subscriber declaration") }
            for definition in list {
                guard let type = definition["eventType"] as? String, let callback = definition["callbackAddress"] as? String, callback.hasPrefix("/") else {
                    return Self.answer(422, "Invalid subscription definition")
                }
                subscriptions.removeAll { $0.moduleId == module && $0.eventType == type }
                subscriptions.append(Subscription(moduleId: module, eventType: type, callbackAddress: callback))
            }
        }
        return Self.answer(201, body)
    }

    private static func eventDescriptor(_ json: [String: Any]) -> [String: String]? {
        guard let type = json["eventType"] as? String, !type.isEmpty, let ttl = json["eventTTL"] as? Int, ttl > 0, json["signed"] is Bool else { return nil }
        return ["eventType": type, "description": json["description"] as? String ?? "", "eventTTL": "\(ttl)"]
    }

    private static func answer(_ status: Int, _ text: String) -> Response {
        Response(status: HTTPResponse.Status(code: status), body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Delivers an event as pub-sub does: its payload POSTed to each subscriber's callback on
    /// `moduleURL`, with the tenant. Returns the status of each delivery.
    public func publish(eventType: String, payload: String, tenant: String, moduleURL: String) async throws -> [Int] {
        var statuses: [Int] = []
        for subscription in subscriptions where subscription.eventType == eventType {
            var request = HTTPClientRequest(url: moduleURL + subscription.callbackAddress)
            request.method = .POST
            request.headers.add(name: "X-Okapi-Tenant", value: tenant)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: payload))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            statuses.append(Int(response.status.code))
        }
        return statuses
    }
}
