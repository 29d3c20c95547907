import ArgumentParser
import FolioSimulator
import Foundation
import Hummingbird

/// Serves generated FOLIO loans, accounts and users for demos and benchmarks of patronblocks.
@main
struct FolioSimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folio-simulator",
        abstract: "A stand-in for FOLIO's loan-storage, feesfines and users APIs, seeded with generated data.",
        discussion: """
            Serves GET /loan-storage/loans, GET /accounts and GET /users/{id} with the CQL subset \
            patronblocks sends. Requests must carry X-Okapi-Tenant (any value). Use --fail to make \
            pages fail, e.g. --fail accounts:3:500 fails the third accounts request with a 500 once, \
            --fail loans:2:503:5 fails five requests from the second on.
            """
    )

    @Option(name: .shortAndLong, help: "Address to bind.") var hostname = "127.0.0.1"
    @Option(name: .shortAndLong, help: "Port to listen on.") var port = 9130
    @Option(help: "How many users.") var users = 10_000
    @Option(help: "How many open loans (a tenth as many closed ones are added, which no query returns).") var loans = 50_000
    @Option(help: "How many open fee/fine accounts.") var accounts = 10_000
    @Option(help: "Seed of the generated data; the same seed gives the same data.") var seed: UInt64 = 7
    @Option(help: "Delay every loans and accounts page by this many milliseconds (to watch a sync progress).") var delayMs = 0
    @Option(help: "kind:page:status[:times] — kind is loans, accounts or users.") var fail: [String] = []

    func run() async throws {
        var faults: [FolioSimulator.Fault] = []
        for text in fail {
            let parts = text.split(separator: ":").map(String.init)
            guard parts.count == 3 || parts.count == 4, let kind = FolioSimulator.Fault.Kind(rawValue: parts[0]),
                  let page = Int(parts[1]), let status = Int(parts[2]), (400...599).contains(status),
                  let times = parts.count == 4 ? Int(parts[3]) : 1
            else { throw ValidationError("--fail \(text): expected kind:page:status[:times], e.g. accounts:3:500") }
            faults.append(.init(kind: kind, status: status, fromPage: page, times: times))
        }
        let started = ContinuousClock.now
        let dataset = FolioDataset.generate(users: users, loans: loans, accounts: accounts, seed: seed)
        let simulator = FolioSimulator(dataset: dataset)
        for fault in faults { await simulator.inject(fault) }
        if delayMs > 0 {
            await simulator.inject(.init(kind: .loans, status: nil, delay: .milliseconds(delayMs), times: nil))
            await simulator.inject(.init(kind: .accounts, status: nil, delay: .milliseconds(delayMs), times: nil))
        }
        print("Generated \(dataset.users.count) users, \(loans) open loans, \(accounts) accounts in \(started.duration(to: .now))")
        let app = simulator.application(hostname: hostname, port: port) { port in
            print("folio-simulator listening on http://\(hostname):\(port)")
        }
        try await app.runService()
    }
}
