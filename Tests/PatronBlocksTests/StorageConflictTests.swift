import Foundation
import PostgresNIO
import Synchronization
import Testing
@testable import PatronBlocks

/// Conflicts between transactions on a real PostgreSQL server: a deadlock costs the victim one
/// more attempt, not a failure; what the operator reads is one line in the server's words.
@Suite(.enabled(if: Backend.available.contains(.postgres))) struct StorageConflictTests {
    final class Attempts: Sendable {
        let count = Atomic<Int>(0)
    }

    /// Both transactions hold their first lock before either asks for its second (a sleep alone
    /// missed that on a loaded machine, and no deadlock happened); a retry does not wait again.
    actor Barrier {
        private var arrived = 0
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func arrive() async {
            arrived += 1
            if arrived == 2 {
                waiting.forEach { $0.resume() }
                waiting.removeAll()
            } else if arrived < 2 {
                await withCheckedContinuation { waiting.append($0) }
            }
        }
    }

    @Test func aDeadlockIsRetriedAsAWholeTransaction() async throws {
        let location = try await StorageLocation.make(.postgres)
        try await location.withStorage { storage in
            let postgres = try #require(storage.postgresHandle)
            let attempts = Attempts()
            let barrier = Barrier()
            // Two transactions take two locks in opposite orders and meet in the middle: PostgreSQL
            // must pick one as the deadlock's victim, which then runs again after the other.
            func crossing(_ first: Int64, _ second: Int64) async throws -> Int64 {
                try await postgres.transaction { connection in
                    attempts.count.add(1, ordering: .relaxed)
                    for try await _ in try await connection.query("SELECT pg_advisory_xact_lock(\(first))", logger: postgres.logger) {}
                    await barrier.arrive()
                    for try await _ in try await connection.query("SELECT pg_advisory_xact_lock(\(second))", logger: postgres.logger) {}
                    return first
                }
            }
            async let one = crossing(20_001, 20_002)
            async let two = crossing(20_002, 20_001)
            #expect(try await [one, two] == [20_001, 20_002])
            #expect(attempts.count.load(ordering: .relaxed) == 3, "the victim ran once more")
        }
    }

    @Test func operatorsReadTheServersWordsOnOneLine() async throws {
        let location = try await StorageLocation.make(.postgres)
        try await location.withStorage { storage in
            let postgres = try #require(storage.postgresHandle)
            do {
                try await postgres.transaction { connection in
                    for try await _ in try await connection.query("SELECT 1 / 0", logger: postgres.logger) {}
                }
                Issue.record("1 / 0 did not fail")
            } catch {
                #expect(OperatorMessage.line(error) == "PostgreSQL: division by zero (SQLSTATE 22012)")
                #expect(String(reflecting: error).contains("PostgresTransactionError"), "the log keeps the whole error")
            }
            let conflict = StorageConflict(kind: .deadlock, attempts: 3, underlying: CancellationError())
            let step = SynchronizationWork.StepFailure(step: "Switching the rebuilt summaries", underlying: conflict)
            #expect(OperatorMessage.line(step) == "Switching the rebuilt summaries failed: deadlock with a live event; retried 3 times")
        }
    }
}
