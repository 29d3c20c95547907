import FolioSimulator
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing
@testable import PatronBlocks

/// The FOLIO simulator on a free loopback port for the length of a test.
func withSimulator<R: Sendable>(_ dataset: FolioDataset, _ body: @Sendable (FolioSimulator, String) async throws -> R) async throws -> R {
    let simulator = FolioSimulator(dataset: dataset)
    return try await withServer({ onRunning in simulator.application(port: 0, onRunning: onRunning) }) { url in try await body(simulator, url) }
}

/// The Okapi + mod-pubsub test double on a free loopback port for the length of a test.
func withPubSubDouble<R: Sendable>(_ body: @Sendable (OkapiPubSubTestDouble, String) async throws -> R) async throws -> R {
    let double = OkapiPubSubTestDouble()
    return try await withServer({ onRunning in double.application(port: 0, onRunning: onRunning) }) { url in try await body(double, url) }
}

/// Runs an application on a free port while `body` runs, with its base URL, then shuts it down
/// gracefully: the listener closes before the connections do. Cancelling it instead could accept a
/// connection that a client was still opening (a cancelled page fetch's, when a sliced paging
/// stops) while the server no longer takes connections, and NIO stops the process on that
/// (`Deinited NIOAsyncWriter without calling finish()`).
func withServer<App: ApplicationProtocol, R: Sendable>(_ make: (@escaping @Sendable (Int) async -> Void) -> App, _ body: @Sendable (String) async throws -> R) async throws -> R {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let services = ServiceGroup(configuration: .init(services: [make { port in portContinuation.yield(port) }], logger: Logger(label: "test.server")))
    return try await withThrowingTaskGroup(of: R?.self) { group in
        group.addTask {
            try await services.run()
            return nil
        }
        defer { group.cancelAll() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw Backend.Missing(description: "the server did not start") }
        let result: Result<R, any Error>
        do {
            result = .success(try await body("http://127.0.0.1:\(port)"))
        } catch {
            result = .failure(error)
        }
        await services.triggerGracefulShutdown()
        // The server's end, or five seconds for requests still being answered; then cancelled.
        group.addTask {
            try? await Task.sleep(for: .seconds(5))
            return nil
        }
        _ = try? await group.next()
        return try result.get()
    }
}

/// What a user's summary must hold after a sync, computed from the simulator's data by the rules
/// of the reference (section 2, step 4), independently of the service's reducer.
struct ExpectedSummary: Equatable, CustomStringConvertible {
    struct Loan: Equatable, Comparable {
        var loanId: String
        /// Milliseconds: the simulator's JSON carries that precision.
        var dueDate: Int64
        var recall: Bool
        var itemLost: Bool
        var claimedReturned: Bool

        static func < (a: Loan, b: Loan) -> Bool { a.loanId < b.loanId }
    }

    struct Fee: Equatable, Comparable {
        var feeFineId: String
        var feeFineTypeId: String?
        var loanId: String?
        var balance: Decimal

        static func < (a: Fee, b: Fee) -> Bool { a.feeFineId < b.feeFineId }
    }

    var loans: [Loan]
    var fees: [Fee]

    var description: String { "\(loans.count) loans \(loans.map { $0.loanId.prefix(8) }), \(fees.count) fees" }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// A date as it reaches the service: through the simulator's JSON, to the nearest millisecond.
    static func upstreamMilliseconds(_ date: Date) -> Int64 { milliseconds(date) }

    init(loans: [Loan], fees: [Fee]) {
        self.loans = loans.sorted()
        self.fees = fees.sorted()
    }

    init(_ summary: UserSummary) {
        self.init(
            loans: summary.openLoans.map {
                Loan(loanId: $0.loanId.uuidString.lowercased(), dueDate: Self.milliseconds($0.dueDate), recall: $0.recall,
                     itemLost: $0.itemLost, claimedReturned: $0.itemClaimedReturned)
            },
            fees: summary.openFeesFines.map {
                Fee(feeFineId: $0.feeFineId.uuidString.lowercased(), feeFineTypeId: $0.feeFineTypeId?.uuidString.lowercased(),
                    loanId: $0.loanId?.uuidString.lowercased(), balance: $0.balance)
            }
        )
    }

    /// Every user's expected summary; users with nothing open have none.
    static func all(_ dataset: FolioDataset) -> [UUID: ExpectedSummary] {
        var loans: [UUID: [Loan]] = [:]
        var fees: [UUID: [Fee]] = [:]
        for loan in dataset.loans where loan.open {
            let claimed = loan.itemStatus.lowercased() == "claimed returned"
            let lost = loan.itemStatus == "Declared lost" || loan.itemStatus == "Aged to lost"
            loans[loan.userId, default: []].append(Loan(
                loanId: loan.id.uuidString.lowercased(), dueDate: upstreamMilliseconds(loan.dueDate), recall: loan.dueDateChangedByRecall,
                itemLost: lost, claimedReturned: claimed
            ))
        }
        for account in dataset.accounts where account.open && account.remainingCents != 0 {
            fees[account.userId, default: []].append(Fee(
                feeFineId: account.id.uuidString.lowercased(), feeFineTypeId: account.feeFineId.uuidString.lowercased(),
                loanId: account.loanId?.uuidString.lowercased(), balance: Decimal(account.remainingCents) / 100
            ))
        }
        var result: [UUID: ExpectedSummary] = [:]
        for user in Set(loans.keys).union(fees.keys) {
            result[user] = ExpectedSummary(loans: loans[user] ?? [], fees: fees[user] ?? [])
        }
        return result
    }
}

/// Checks every user's stored summary against the expectation; returns the mismatches, to name.
func mismatches(_ storage: Storage, tenant: String, users: [UUID], expected: [UUID: ExpectedSummary]) async throws -> [String] {
    var problems: [String] = []
    for user in users {
        let stored = try await storage.summaries.summary(tenant: tenant, userId: user).map(ExpectedSummary.init)
        if stored != expected[user] {
            problems.append("\(user.uuidString.lowercased()): stored \(stored.map { "\($0)" } ?? "none"), expected \(expected[user].map { "\($0)" } ?? "none")")
        }
    }
    return problems
}
