import NIOCore
import NIOPosix
import Testing
@testable import PatronBlocks

/// The summary notifications' probe waits on postgres-nio futures that a connection closed by the
/// server can leave unanswered for good. Before `awaitBounded`, such a wait held the listener, and
/// with it every test and shutdown that waited for the listener to stop.
/// What is measured is that each wait ends, not how fast: under a loaded CI machine the timer
/// fires late. A wait that never ended would fail at the time limit instead of holding the run.
@Suite(.timeLimit(.minutes(10))) struct BoundedWaitTests {
    struct Late: Error, Equatable {}

    @Test func anAnsweredFutureGivesItsValue() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let value = try await PostgresSummaryNotifications.awaitBounded(loop.makeSucceededFuture(42), within: .seconds(5), else: Late())
        #expect(value == 42)
    }

    @Test func aFutureNeverAnsweredEndsAtTheTimeout() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let unanswered = loop.makePromise(of: Int.self)
        // Answered at the end only so that NIO does not report the promise as leaked.
        defer { unanswered.succeed(0) }
        await #expect(throws: Late()) {
            try await PostgresSummaryNotifications.awaitBounded(unanswered.futureResult, within: .milliseconds(100), else: Late())
        }
    }

    @Test func aCancelledWaitEndsAtOnce() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let unanswered = loop.makePromise(of: Int.self)
        defer { unanswered.succeed(0) }
        // Longer than the suite's time limit: only the cancellation can end it in time.
        let waiting = Task {
            try await PostgresSummaryNotifications.awaitBounded(unanswered.futureResult, within: .seconds(3_600), else: Late())
        }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
    }

    @Test func aFailedFutureGivesItsError() async throws {
        struct Refused: Error, Equatable {}
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        await #expect(throws: Refused()) {
            try await PostgresSummaryNotifications.awaitBounded(loop.makeFailedFuture(Refused()) as EventLoopFuture<Int>, within: .seconds(5), else: Late())
        }
    }
}
