import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection that sends bytes exactly as told, as a slow or half-finished client would:
/// the HTTP clients tests use otherwise always send whole requests. Reads never block a thread
/// (the service's handlers share the test's cooperative pool).
final class RawConnection: @unchecked Sendable {
    private let socket: Int32
    private(set) var received: [UInt8] = []

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        // Connecting to loopback completes once the kernel queues the connection (the backlog),
        // whether or not the service has accepted it yet.
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { close(socket); throw Failure(description: "connect: errno \(errno)") }
    }

    deinit { close(socket) }

    /// Sends the text; false when the peer has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    enum ReadResult { case data, closed, nothing }

    private func readAvailable() -> ReadResult {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count > 0 { received += buffer[0..<count]; return .data }
        if count == 0 { return .closed }
        return errno == EAGAIN || errno == EWOULDBLOCK ? .nothing : .closed
    }

    /// Waits until the peer closes the connection; true if it did within `limit`.
    func closedByPeer(within limit: Duration) async throws -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if readAvailable() == .closed { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    /// Waits for a whole response head and returns its status line, or nil after `limit`.
    func statusLine(within limit: Duration) async throws -> String? {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if readAvailable() == .closed, !headComplete { return nil }
            if headComplete { return String(decoding: received.prefix { $0 != 13 }, as: UTF8.self) }
            try await Task.sleep(for: .milliseconds(25))
        }
        return nil
    }

    private var headComplete: Bool {
        received.count >= 4 && (0...(received.count - 4)).contains { received[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) }
    }

    /// Forgets what was read, before the next request on a kept-alive connection.
    func clear() { received = [] }
}
