import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Sits between a client and a real server (moto) and, on demand, breaks requests the way
/// networks and services break them: a 500 instead of forwarding, or a connection dropped while
/// the client is still sending. Everything else is forwarded untouched (the Host header too, so
/// SigV4 signatures still verify at the server).
public final class FaultInjectingProxy: Sendable {
    public enum Fault: Sendable, Equatable {
        case status(Int)
        case dropConnection
    }

    public struct Rule: Sendable {
        public var method: String?
        public var pathContains: String?
        public var queryContains: String?
        public var fault: Fault
        /// How many matching requests to break; nil breaks every one.
        public var times: Int?

        public init(method: String? = nil, pathContains: String? = nil, queryContains: String? = nil, fault: Fault, times: Int? = 1) {
            self.method = method
            self.pathContains = pathContains
            self.queryContains = queryContains
            self.fault = fault
            self.times = times
        }

        func matches(_ request: RecordedRequest) -> Bool {
            (method.map { $0 == request.method } ?? true)
                && (pathContains.map { request.path.contains($0) } ?? true)
                && (queryContains.map { request.uri.dropFirst(request.path.count).contains($0) } ?? true)
        }
    }

    private let server: LocalHTTPServer
    private let rules: NIOLockedValueBox<[Rule]>
    private let injected: NIOLockedValueBox<[String]>
    public let upstream: String

    public var url: String { server.url }

    /// Requests that reached the proxy, faulted or not.
    public var requests: [RecordedRequest] { server.requests }

    /// `METHOD path` of each request the proxy broke, in order.
    public var faults: [String] { injected.withLockedValue { $0 } }

    public init(upstream: String) async throws {
        let rules = NIOLockedValueBox<[Rule]>([])
        let injected = NIOLockedValueBox<[String]>([])
        self.rules = rules
        self.injected = injected
        self.upstream = upstream
        @Sendable func take(_ request: RecordedRequest) -> Fault? {
            rules.withLockedValue { rules in
                guard let index = rules.firstIndex(where: { $0.matches(request) }) else { return nil }
                let fault = rules[index].fault
                if let times = rules[index].times {
                    if times <= 1 { rules.remove(at: index) } else { rules[index].times = times - 1 }
                }
                injected.withLockedValue { $0.append("\(request.method) \(request.path)") }
                return fault
            }
        }
        server = try await LocalHTTPServer(decide: { request in
            // Decided on the head, so that a drop happens while the body is still on its way.
            let wouldDrop = rules.withLockedValue { $0.first(where: { $0.matches(request) })?.fault == .dropConnection }
            return wouldDrop ? (take(request) == .dropConnection ? .dropConnection : nil) : nil
        }, respond: { request in
            if case .status(let status)? = take(request) {
                let body = Array("<Error><Code>InternalError</Code><Message>injected by the test proxy</Message></Error>".utf8)
                return .respond(status: status, headers: [("Content-Type", "application/xml")], body: body)
            }
            return await Self.forward(request, to: upstream)
        })
    }

    public func inject(_ rule: Rule) {
        rules.withLockedValue { $0.append(rule) }
    }

    public func shutdown() async {
        await server.shutdown()
    }

    private static func forward(_ request: RecordedRequest, to upstream: String) async -> Reply {
        var forwarded = HTTPClientRequest(url: upstream + request.uri)
        forwarded.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers where !["content-length", "transfer-encoding", "connection"].contains(name.lowercased()) {
            forwarded.headers.add(name: name, value: value)
        }
        if !request.body.isEmpty || ["PUT", "POST"].contains(request.method) {
            forwarded.body = .bytes(ByteBuffer(bytes: request.body))
        }
        do {
            let response = try await HTTPClient.shared.execute(forwarded, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 64 << 20)
            return .respond(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Array(buffer: body))
        } catch {
            return .respond(status: 502, body: Array("proxy: \(error)".utf8))
        }
    }
}
