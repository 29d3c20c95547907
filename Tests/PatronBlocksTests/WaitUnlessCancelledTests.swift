import FolioSimulator
import Foundation
import HTTPTypes
import Synchronization
import Testing
@testable import PatronBlocks

/// A cancelled service stops waiting for a job whose statements postgres-nio may never answer.
/// What is measured is that each wait ends; a wait that never ended fails at the time limit
/// instead of holding the run.
@Suite(.timeLimit(.minutes(5))) struct WaitUnlessCancelledTests {
    /// A wait that only the test ends, deaf to cancellation, as an unanswered statement is.
    final class Gate: Sendable {
        private let waiting = Mutex<CheckedContinuation<Void, Never>?>(nil)
        private let opened = Mutex(false)

        func pass() async {
            await withCheckedContinuation { continuation in
                let open = opened.withLock { opened in
                    if !opened { waiting.withLock { $0 = continuation } }
                    return opened
                }
                if open { continuation.resume() }
            }
        }

        func open() {
            opened.withLock { $0 = true }
            waiting.withLock { $0.take() }?.resume()
        }
    }

    @Test func workThatEndsGivesItsValue() async {
        #expect(await waitUnlessCancelled(grace: .seconds(1)) { 42 } == 42)
    }

    /// What a stop at a page boundary does: the work sees the cancellation, hands its job back
    /// and ends within the grace, and its value is waited for.
    @Test func workThatEndsWithinTheGraceIsWaitedFor() async throws {
        let waiting = Task {
            await waitUnlessCancelled(grace: .seconds(60)) {
                try? await Task.sleep(for: .seconds(3_600))
                return Task.isCancelled ? 7 : 0
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        #expect(await waiting.value == 7)
    }

    @Test func aCancelledWaitEndsWhileTheWorkDoesNot() async throws {
        let gate = Gate()
        let sawCancellation = Mutex(false)
        let finished = Mutex(false)
        let waiting = Task {
            await waitUnlessCancelled(grace: .milliseconds(100)) {
                await gate.pass()
                sawCancellation.withLock { $0 = Task.isCancelled }
                finished.withLock { $0 = true }
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        #expect(await waiting.value == nil)
        #expect(!finished.withLock { $0 }, "the wait ended before the work")
        // The work was cancelled with the wait, and ends on its own once it can.
        gate.open()
        let deadline = ContinuousClock.now + .seconds(30)
        while !finished.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(finished.withLock { $0 } && sawCancellation.withLock { $0 })
    }

    @Test func aWaitCancelledBeforeItBeginsEndsAfterTheGrace() async {
        let gate = Gate()
        defer { gate.open() }
        await withTaskGroup(of: Int?.self) { group in
            group.cancelAll()
            group.addTask { await waitUnlessCancelled(grace: .milliseconds(100)) { await gate.pass(); return 1 } }
            #expect(await group.next() == .some(nil))
        }
    }

    static let dataset = FolioDataset.generate(users: 600, loans: 6000, accounts: 600, seed: 5)

    /// A service group cancels its services when the code around it throws. Cancelled at a
    /// random moment of a synchronization (paging, the switch, or after), the service ends: a
    /// switch cancelled while its pool closed used to wait for good. The default grace (10 s)
    /// is kept, as an operator has it.
    @Test(.enabled(if: Backend.available.contains(.postgres))) func aServiceCancelledDuringASynchronizationEnds() async throws {
        struct Stop: Error {}
        let statuses = Mutex<[String]>([])
        for _ in 0..<8 {
            let began = ContinuousClock.now
            await #expect(throws: Stop.self) {
                try await withSimulator(Self.dataset) { _, url in
                    try await withService(.postgres, configure: { $0.synchronization.pageSize = 100 }) { _, api in
                        let created = try await api.post("/automated-patron-blocks/synchronization/job", #"{"scope": "full"}"#)
                        let id = try #require(try created.json["id"] as? String)
                        _ = try await api.call(.post, "/automated-patron-blocks/synchronization/start", headers: [
                            HTTPField.Name("X-Okapi-Url")!: url, HTTPField.Name("X-Okapi-Token")!: "okapi-timer-token",
                        ])
                        try await Task.sleep(for: .seconds(Double.random(in: 0.1...2.5)))
                        let status = try await api.get("/automated-patron-blocks/synchronization/job/\(id)").json["status"] as? String ?? "-"
                        statuses.withLock { $0.append(status) }
                        throw Stop()
                    }
                }
            }
            #expect(ContinuousClock.now - began < .seconds(60), "a cancelled service took \(ContinuousClock.now - began) to end")
        }
        // Stopped while the job was running at least once (the switch comes at its end).
        let seen = statuses.withLock { $0 }
        #expect(seen.count == 8 && seen.contains("in-progress"), "\(seen)")
    }
}
