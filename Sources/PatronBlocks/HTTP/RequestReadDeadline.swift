import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// HTTP/1 with a deadline on reading each request: a connection whose request (head and body)
/// has not fully arrived within `timeout` of its first byte (or of the connection opening) is
/// closed. Hummingbird's idle timeout starts again with every part read, so without this a client
/// that sends its head or body a few bytes at a time holds the connection as long as it likes.
struct DeadlineHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1Channel.Configuration
    let timeout: TimeAmount

    static func builder(_ settings: ConnectionSettings) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            DeadlineHTTP1Channel(responder: responder, configuration: .init(idleTimeout: .init(settings.idleTimeout)),
                                 timeout: .init(settings.requestReadTimeout))
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        // One deadline per connection, seen by two handlers: raw bytes start it, the decoded end
        // of a request stops it.
        let deadline = RequestDeadline(timeout: timeout)
        var configuration = configuration
        configuration.additionalChannelHandlers = { [RequestEndWatcher(deadline)] }
        let http1 = HTTP1Channel(responder: responder, configuration: configuration)
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(FirstByteWatcher(deadline), position: .first)
        }.flatMap { http1.setup(channel: channel, logger: logger) }
    }

    func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: responder, configuration: configuration).handle(value: value, logger: logger)
    }
}

/// The deadline of the request being read on one connection. Used on the connection's event
/// loop only.
final class RequestDeadline: @unchecked Sendable {
    private let timeout: TimeAmount
    private var scheduled: Scheduled<Void>?
    private var readingRequest = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    /// The connection opened, or bytes arrived: a request is being read from now on.
    func requestBegins(_ context: ChannelHandlerContext) {
        guard !readingRequest else { return }
        readingRequest = true
        scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            self?.scheduled = nil
            context.close(promise: nil)
        }
    }

    /// The request's last part was read: the service has it all.
    func requestRead() {
        readingRequest = false
        scheduled?.cancel()
        scheduled = nil
    }
}

final class FirstByteWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let deadline: RequestDeadline

    init(_ deadline: RequestDeadline) {
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { deadline.requestBegins(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        deadline.requestBegins(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deadline.requestBegins(context)
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline.requestRead()
        context.fireChannelInactive()
    }
}

final class RequestEndWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let deadline: RequestDeadline

    init(_ deadline: RequestDeadline) {
        self.deadline = deadline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) { deadline.requestRead() }
        context.fireChannelRead(data)
    }
}
