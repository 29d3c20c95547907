import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A request as the server received it.
public struct RecordedRequest: Sendable {
    public var method: String
    public var uri: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var path: String { String(uri.prefix { $0 != "?" }) }
}

/// What the server does with a request.
public enum Reply: Sendable {
    case respond(status: Int, headers: [(String, String)] = [], body: [UInt8] = [])
    /// Closes the connection as soon as the request's head arrives: the client is left mid-upload.
    case dropConnection
}

/// A small HTTP/1.1 server on a free loopback port for tests: a stand-in for endpoints that are
/// not AWS (the ECS credentials endpoint, a Sentry receiver) and the front of the fault proxy.
/// `decide` sees the head first (to drop a connection mid-upload); `respond` sees the whole request.
public final class LocalHTTPServer: Sendable {
    public typealias Decide = @Sendable (RecordedRequest) -> Reply?
    public typealias Respond = @Sendable (RecordedRequest) async -> Reply

    private let channel: any Channel
    private let recorded = NIOLockedValueBox<[RecordedRequest]>([])
    public let port: Int

    public var url: String { "http://127.0.0.1:\(port)" }

    public var requests: [RecordedRequest] { recorded.withLockedValue { $0 } }

    public init(decide: @escaping Decide = { _ in nil }, respond: @escaping Respond) async throws {
        let recorded = self.recorded
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(decide: decide, respond: respond, record: { request in
                        recorded.withLockedValue { $0.append(request) }
                    }))
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    public func shutdown() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let decide: Decide
        let respond: Respond
        let record: @Sendable (RecordedRequest) -> Void
        var current: RecordedRequest?
        var dropping = false

        init(decide: @escaping Decide, respond: @escaping Respond, record: @escaping @Sendable (RecordedRequest) -> Void) {
            self.decide = decide
            self.respond = respond
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                let request = RecordedRequest(method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: [])
                if case .dropConnection? = decide(request) {
                    dropping = true
                    record(request)
                    context.close(promise: nil)
                    return
                }
                current = request
            case .body(var buffer):
                guard !dropping else { return }
                current?.body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard !dropping, let request = current else { return }
                current = nil
                record(request)
                let respond = respond
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let eventLoop = context.eventLoop
                Task {
                    let reply = await respond(request)
                    eventLoop.execute {
                        let (handler, context) = loopBound.value
                        handler.write(reply, keepAlive: request.header("connection")?.lowercased() != "close", isHead: request.method == "HEAD", context: context)
                    }
                }
            }
        }

        func write(_ reply: Reply, keepAlive: Bool, isHead: Bool, context: ChannelHandlerContext) {
            switch reply {
            case .dropConnection:
                context.close(promise: nil)
            case .respond(let status, let headers, let body):
                var head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status))
                // A HEAD answer carries the length of the body it does not send.
                for (name, value) in headers where name.lowercased() == "content-length" ? isHead : name.lowercased() != "transfer-encoding" {
                    head.headers.add(name: name, value: value)
                }
                if !isHead || !head.headers.contains(name: "Content-Length") {
                    head.headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
                }
                if !keepAlive { head.headers.replaceOrAdd(name: "Connection", value: "close") }
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                if !body.isEmpty {
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
                }
                let flushed = context.writeAndFlush(wrapOutboundOut(.end(nil)))
                if !keepAlive {
                    let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                    flushed.whenComplete { _ in bound.value.close(promise: nil) }
                }
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
