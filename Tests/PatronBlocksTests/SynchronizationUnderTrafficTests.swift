import FolioSimulator
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
@testable import PatronBlocks

/// A full synchronization while the circulation desks are busy (issue 20): check-outs arrive over
/// HTTP during every phase, the switch included, on one instance and on three that share the
/// database. The job must end done, no event may be answered 5xx, and every acknowledged
/// check-out must be in the summaries afterwards. One synchronization at a time: four of 10,000
/// loans at once on two cores would leave the desks idle.
@Suite(.serialized) struct SynchronizationUnderTrafficTests {
    static let token = "traffic-test-token"
    static let dataset = FolioDataset.generate(users: 1_500, loans: 10_000, accounts: 400, seed: 20)

    /// What the desks did: the check-outs answered 204, and every other answer.
    final class Desks: Sendable {
        struct CheckOut: Sendable { var userId: UUID, loanId: UUID, dueDate: Date }
        let acknowledged = Mutex<[CheckOut]>([])
        let refused = Mutex<[String]>([])
        let stop = Atomic<Bool>(false)
    }

    @Test(arguments: Backend.available) func aFullSyncFinishesWhileDesksCheckOut(_ backend: Backend) async throws {
        try await Self.run(backend, instances: 1)
    }

    @Test(arguments: Backend.available) func threeInstancesFinishASyncWhileDesksCheckOut(_ backend: Backend) async throws {
        try await Self.run(backend, instances: 3)
    }

    static func run(_ backend: Backend, instances: Int) async throws {
        let location = try await StorageLocation.make(backend)
        let tenant = uniqueTenant()
        try await withSimulator(Self.dataset) { simulator, url in
            var configuration = location.configuration
            configuration.tenant = tenant
            configuration.port = 0
            configuration.okapiURL = url
            configuration.okapiToken = Self.token
            configuration.synchronization.pageSize = 500
            configuration.synchronization.pollInterval = .milliseconds(200)
            configuration.synchronization.heartbeatInterval = .milliseconds(500)
            // Loan pages a little slow (2 s in all), so that even a busy machine's desks meet the
            // synchronization in every phase.
            await simulator.inject(.init(kind: .loans, status: nil, delay: .milliseconds(100), times: nil))
            try await withServices(instances, configuration, tenant: tenant) { services, apis in
                let created = try await apis[0].post("/automated-patron-blocks/synchronization/job", #"{"scope": "full"}"#)
                let text = try #require(try created.json["id"] as? String)
                let id = try #require(UUID(uuidString: text))
                let desks = Desks()
                // Three desks, each posting one check-out at a time, round the instances.
                let traffic = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for desk in 0..<3 {
                            group.addTask { await Self.checkOut(desk: desk, apis: apis, simulator: simulator, desks: desks) }
                        }
                    }
                }
                let beforeSync = desks.acknowledged.withLock(\.count)
                for api in apis {
                    #expect(try await api.post("/automated-patron-blocks/synchronization/start").status == .accepted)
                }
                let storage = services[0].storage
                var job: SyncJob?
                let deadline = ContinuousClock.now + .seconds(150)
                while ContinuousClock.now < deadline {
                    job = try await storage.jobs.job(tenant: tenant, id: id)
                    if job?.status == .done || job?.status == .failed { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                let duringSync = desks.acknowledged.withLock(\.count) - beforeSync
                desks.stop.store(true, ordering: .relaxed)
                await traffic.value

                #expect(job?.status == .done, "\(job.map { "\($0.status): \($0.errors)" } ?? "no job")")
                #expect(job?.errors.isEmpty == true, "\(job?.errors ?? [])")
                #expect(job?.numberOfProcessedLoans ?? 0 >= 10_000)
                #expect(desks.refused.withLock { $0 }.isEmpty, "\(desks.refused.withLock { $0.prefix(5) })")
                #expect(duringSync >= 20, "the desks were busy during the synchronization: \(duringSync) check-outs")

                // Every acknowledged check-out is there, with its due date to the millisecond...
                let checkOuts = desks.acknowledged.withLock { $0 }
                var missing: [String] = []
                for (user, loans) in Dictionary(grouping: checkOuts, by: \.userId) {
                    let summary = try await storage.summaries.summary(tenant: tenant, userId: user)
                    for loan in loans where summary?.openLoans.first(where: { $0.loanId == loan.loanId })?.dueDate.epochMilliseconds != loan.dueDate.epochMilliseconds {
                        missing.append(loan.loanId.folio)
                    }
                }
                #expect(missing.isEmpty, "\(missing.count) of \(checkOuts.count) acknowledged check-outs missing: \(missing.prefix(3))")
                // ...and every summary is what upstream says now.
                let upstream = await simulator.data
                let problems = try await mismatches(storage, tenant: tenant, users: upstream.users.map(\.id), expected: ExpectedSummary.all(upstream))
                #expect(problems.isEmpty, "\(problems.count) summaries differ: \(problems.prefix(3))")
                _ = location
            }
        }
    }

    /// One desk: adds a loan upstream (as circulation does), then posts its check-out event, until
    /// told to stop. The desks serve 40 busy patrons, so that the switch replays events of patrons
    /// whose next event is under way. Due dates are whole seconds: this test is about the locks.
    static func checkOut(desk: Int, apis: [API], simulator: FolioSimulator, desks: Desks) async {
        var number = 0
        while !desks.stop.load(ordering: .relaxed) {
            number += 1
            let user = dataset.users[(desk * 13 + number * 3) % 40].id
            let now = Date()
            let due = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + 14 * 86_400).rounded(.down))
            let loan = FolioDataset.Loan(id: UUID(), userId: user, dueDate: due, createdDate: now)
            await simulator.addLoan(loan)
            let body = #"{"userId": "\#(user.folio)", "loanId": "\#(loan.id.folio)", "dueDate": "\#(FolioDate.format(due))"}"#
            do {
                let answer = try await apis[(desk + number) % apis.count].post("/automated-patron-blocks/handlers/item-checked-out", body)
                if answer.status == .noContent {
                    desks.acknowledged.withLock { $0.append(.init(userId: user, loanId: loan.id, dueDate: due)) }
                } else {
                    desks.refused.withLock { $0.append("\(answer.status): \(answer.text.prefix(200))") }
                }
            } catch {
                desks.refused.withLock { $0.append("no answer: \(error)") }
            }
        }
    }

    /// `count` instances of the service on one storage location, each listening on its own port.
    static func withServices(_ count: Int, _ configuration: PatronBlocksConfiguration, tenant: String,
                             _ body: @escaping @Sendable ([PatronBlocksComponents], [API]) async throws -> Void) async throws {
        guard count > 0 else { return try await body([], []) }
        let service = try await PatronBlocksComponents.make(configuration)
        try await service.application().test(.live) { client in
            let api = API(client: client, tenant: tenant)
            try await withServices(count - 1, configuration, tenant: tenant) { services, apis in
                try await body([service] + services, [api] + apis)
            }
        }
    }
}
