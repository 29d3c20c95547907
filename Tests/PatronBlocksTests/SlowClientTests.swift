import Foundation
import Logging
import ServiceLifecycle
import Testing
@testable import PatronBlocks

/// A busy library's desk must get its block check while broken or hostile clients hold
/// connections: each request has a read deadline and the service a connection cap.
@Suite struct SlowClientTests {
    /// How long a request that must be answered may take. These tests are about which connections
    /// are kept or closed, not about speed: the whole suite in parallel on two cores kept a health
    /// check waiting more than 5 s. A connection the server closes still ends the wait at once.
    static let answerWithin: Duration = .seconds(30)

    @Test func aNormalRequestIsServedWhileSlowClientsHoldEveryConnection() async throws {
        try await Self.withServer { configuration in
            configuration.connections.maxConnections = 4
            configuration.connections.requestReadTimeout = .seconds(1)
            configuration.connections.idleTimeout = .seconds(30)
        } _: { port in
            // More slow clients than the cap: four are served (and stall), two wait in the backlog.
            // One at a time: the server accepts a burst of queued connections in one read (up to
            // four), and the cap is checked between reads.
            var slow: [RawConnection] = []
            let firstSent = ContinuousClock.now
            for _ in 0..<6 {
                let client = try RawConnection(port: port)
                client.send("GET /admin/health HTTP/1.1\r\nHost: desk\r\n")
                slow.append(client)
                try await Task.sleep(for: .milliseconds(40))
            }
            // They keep trickling header lines, which resets an idle timeout but not the deadline.
            let trickle = Task { [slow] in
                for line in 0..<20 {
                    try await Task.sleep(for: .milliseconds(250))
                    for client in slow { client.send("X-Slow-\(line): 1\r\n") }
                }
            }
            defer { trickle.cancel() }

            let started = ContinuousClock.now
            let desk = try RawConnection(port: port)
            desk.send("GET /admin/health HTTP/1.1\r\nHost: desk\r\n\r\n")
            // The cap holds: the desk waits while the slow clients have every connection. That
            // lasts until the first one's read deadline (1 s from its first byte); a test delayed
            // past it by a loaded machine cannot see the cap, and only the rest is checked.
            let capWindow = min(.milliseconds(600), firstSent + .milliseconds(850) - ContinuousClock.now)
            if capWindow > .milliseconds(100) {
                #expect(try await desk.statusLine(within: capWindow) == nil, "served past the connection cap")
            }
            // ...and is served once the deadline has closed them.
            let status = try await desk.statusLine(within: .seconds(8))
            #expect(status == "HTTP/1.1 200 OK", "no answer while slow clients held the connections")
            let waited = ContinuousClock.now - started
            #expect(waited < .seconds(6), "served after \(waited)")
            for (index, client) in slow.enumerated() {
                #expect(try await client.closedByPeer(within: .seconds(5)), "slow client \(index) still connected")
            }
        }
    }

    @Test func aKeptAliveConnectionMayWaitLongerThanTheReadDeadlineBetweenRequests() async throws {
        try await withService(.sqlite, live: true, configure: { configuration in
            configuration.runsSynchronization = false
            configuration.connections.requestReadTimeout = .seconds(1)
            configuration.connections.idleTimeout = .seconds(30)
        }) { _, api in
            let client = try RawConnection(port: try #require(api.port))
            client.send("GET /admin/health HTTP/1.1\r\nHost: desk\r\n\r\n")
            #expect(try await client.statusLine(within: Self.answerWithin) == "HTTP/1.1 200 OK")
            client.clear()
            // The deadline runs from a request's first byte, not from the last response.
            try await Task.sleep(for: .milliseconds(1_800))
            client.send("GET /admin/health HTTP/1.1\r\nHost: desk\r\n\r\n")
            #expect(try await client.statusLine(within: Self.answerWithin) == "HTTP/1.1 200 OK")
        }
    }

    @Test func aConnectionIdleLongerThanTheIdleTimeoutIsClosed() async throws {
        try await withService(.sqlite, live: true, configure: { configuration in
            configuration.runsSynchronization = false
            configuration.connections.requestReadTimeout = .seconds(10)
            configuration.connections.idleTimeout = .seconds(1)
        }) { _, api in
            let client = try RawConnection(port: try #require(api.port))
            client.send("GET /admin/health HTTP/1.1\r\nHost: desk\r\n\r\n")
            #expect(try await client.statusLine(within: Self.answerWithin) == "HTTP/1.1 200 OK")
            #expect(try await client.closedByPeer(within: .seconds(5)))
        }
    }

    /// The service as the executable runs it (HummingbirdTesting's live mode rebuilds the
    /// server configuration without its connection cap).
    static func withServer(configure: (inout PatronBlocksConfiguration) -> Void, _ body: @Sendable (Int) async throws -> Void) async throws {
        let location = try await StorageLocation.make(.sqlite)
        var configuration = location.configuration
        configuration.port = 0
        configuration.runsSynchronization = false
        configure(&configuration)
        let components = try await PatronBlocksComponents.make(configuration)
        let (ports, listening) = AsyncStream<Int>.makeStream()
        let app = components.application { channel in listening.yield(channel.localAddress?.port ?? 0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test.slow-clients")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var next = ports.makeAsyncIterator()
            let port = try #require(await next.next())
            do {
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        _ = location
    }

    @Test(arguments: [(nil as Int?, 1_024), (256, 192), (20_000, 1_024), (40, 8)])
    func theDefaultCapLeavesRoomUnderTheOpenFileLimit(limit: Int?, expected: Int) {
        #expect(ConnectionSettings.defaultMaxConnections(openFileLimit: limit) == expected)
    }

    @Test func theLimitsAreSettingsWithRanges() throws {
        var options = PatronBlocksOptions()
        options.maxConnections = 50
        var configuration = try PatronBlocksConfiguration.resolve(options, environment: ["PATRONBLOCKS_REQUEST_READ_TIMEOUT": "3", "PATRONBLOCKS_IDLE_TIMEOUT": "120"])
        #expect(configuration.connections.maxConnections == 50)
        #expect(configuration.connections.requestReadTimeout == .seconds(3))
        #expect(configuration.connections.idleTimeout == .seconds(120))
        configuration = try PatronBlocksConfiguration.resolve(PatronBlocksOptions(), environment: [:])
        #expect(configuration.connections.requestReadTimeout == .seconds(10) && configuration.connections.idleTimeout == .seconds(60))
        #expect(throws: ConfigurationProblem.self) { try PatronBlocksConfiguration.resolve(PatronBlocksOptions(), environment: ["PATRONBLOCKS_MAX_CONNECTIONS": "0"]) }
        #expect(throws: ConfigurationProblem.self) { try PatronBlocksConfiguration.resolve(PatronBlocksOptions(), environment: ["PATRONBLOCKS_REQUEST_READ_TIMEOUT": "soon"]) }
    }
}
