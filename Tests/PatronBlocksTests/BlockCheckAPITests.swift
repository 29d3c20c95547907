import FolioSimulator
import Foundation
import HTTPTypes
import Hummingbird
import Testing
@testable import PatronBlocks

/// `GET /automated-patron-blocks/{userId}`: the lookup order of section 4, the answer's shape,
/// caching, and failing open (logged and counted), with FOLIO's users module simulated.
@Suite struct BlockCheckAPITests {
    static let group = FolioDataset.patronGroups[1]
    static let blocked = UUID(uuidString: "1b2c3d4e-0000-4000-8000-000000000001")!
    static let groupless = UUID(uuidString: "1b2c3d4e-0000-4000-8000-000000000002")!
    static let unknownUpstream = UUID(uuidString: "1b2c3d4e-0000-4000-8000-000000000003")!
    static let noSummary = UUID(uuidString: "1b2c3d4e-0000-4000-8000-000000000004")!
    static let dataset = FolioDataset(users: [
        .init(id: blocked, patronGroup: group), .init(id: groupless, patronGroup: nil), .init(id: noSummary, patronGroup: group),
    ], loans: [], accounts: [])

    static func path(_ user: UUID) -> String { "/automated-patron-blocks/\(user.folio)" }

    static func blocks(_ api: API, _ user: UUID, headers: HTTPFields = [:]) async throws -> [[String: Any]] {
        let answer = try await api.call(.get, path(user), headers: headers)
        #expect(answer.status == .ok, "\(answer.text)")
        return try #require(try answer.json["automatedPatronBlocks"] as? [[String: Any]])
    }

    /// Three loans checked out, one overdue by two days, and a condition that blocks borrowing
    /// and requests at two loans.
    static func prepare(_ service: PatronBlocksComponents, _ api: API) async throws -> String {
        let tenant = try #require(api.tenant)
        for (index, user) in [blocked, groupless, unknownUpstream].enumerated() {
            for day in [-2.0, 5, 6] {
                try await service.storage.summaries.record(.itemCheckedOut(userId: user, loanId: UUID(), dueDate: Date().addingTimeInterval(day * 86_400 + Double(index)), gracePeriod: nil), tenant: tenant, at: Date())
            }
        }
        let condition = "/patron-block-conditions/\(BlockCondition.maximumItemsChargedOut.folio)"
        #expect(try await api.call(.put, condition, body: #"{"blockBorrowing": true, "blockRenewals": false, "blockRequests": true, "message": "Too many items out"}"#).status == .noContent)
        let limit = UUID()
        #expect(try await api.post("/patron-block-limits", #"{"id": "\#(limit.folio)", "patronGroupId": "\#(group.folio)", "conditionId": "\#(BlockCondition.maximumItemsChargedOut.folio)", "value": 2}"#).status == .created)
        return limit.folio
    }

    @Test(arguments: Backend.available) func lookupOrderAndAnswer(_ backend: Backend) async throws {
        try await withSimulator(Self.dataset) { simulator, url in
            try await withService(backend, configure: { $0.runsSynchronization = false; $0.okapiURL = url; $0.okapiToken = "standalone-token" }) { service, api in
                let limit = try await Self.prepare(service, api)

                // No summary: no blocks, and nobody asked upstream.
                #expect(try await Self.blocks(api, Self.noSummary).isEmpty)
                #expect(await simulator.requests.isEmpty)

                let blocks = try await Self.blocks(api, Self.blocked)
                #expect(blocks.count == 1)
                let block = try #require(blocks.first)
                #expect(Set(block.keys) == ["patronBlockConditionId", "blockBorrowing", "blockRenewals", "blockRequests", "message"])
                #expect(block["patronBlockConditionId"] as? String == BlockCondition.maximumItemsChargedOut.folio)
                #expect(block["blockBorrowing"] as? Bool == true && block["blockRenewals"] as? Bool == false && block["blockRequests"] as? Bool == true)
                #expect(block["message"] as? String == "Too many items out")
                let asked = await simulator.requests
                #expect(asked.map(\.path) == ["/users/\(Self.blocked.folio)"])
                #expect(asked.first?.token == "standalone-token" && asked.first?.tenant == api.tenant)

                // A user without a group, or one upstream does not know: no blocks.
                #expect(try await Self.blocks(api, Self.groupless).isEmpty)
                #expect(try await Self.blocks(api, Self.unknownUpstream).isEmpty)

                // Cached: the group is not asked again; a limit changed here applies at once.
                #expect(try await Self.blocks(api, Self.blocked).count == 1)
                #expect(await simulator.requests.count == 3)
                #expect(try await api.call(.put, "/patron-block-limits/\(limit)", body: #"{"id": "\#(limit)", "patronGroupId": "\#(Self.group.folio)", "conditionId": "\#(BlockCondition.maximumItemsChargedOut.folio)", "value": 3}"#).status == .noContent)
                let relaxed = try await Self.blocks(api, Self.blocked)
                #expect(relaxed.first?["blockBorrowing"] as? Bool == true && relaxed.first?["blockRequests"] as? Bool == false, "3 loans, limit 3: borrowing only")
                #expect(try await api.call(.put, "/patron-block-conditions/\(BlockCondition.maximumItemsChargedOut.folio)",
                                           body: #"{"blockBorrowing": false, "blockRenewals": false, "blockRequests": false, "message": ""}"#).status == .noContent)
                #expect(try await Self.blocks(api, Self.blocked).isEmpty)
                #expect(try await Self.checks(api, "failed_open") == 0)

                let invalid = try await api.get("/automated-patron-blocks/not-a-user")
                #expect(invalid.status == .badRequest && invalid.text == #"Invalid user UUID: "not-a-user""#)
            }
        }
    }

    @Test(arguments: Backend.available) func okapisURLAndTokenAreUsedWhenSent(_ backend: Backend) async throws {
        try await withSimulator(Self.dataset) { simulator, url in
            try await withService(backend) { service, api in
                _ = try await Self.prepare(service, api)
                let headers: HTTPFields = [HTTPField.Name("X-Okapi-Url")!: url, HTTPField.Name("X-Okapi-Token")!: "okapi-token",
                                           HTTPField.Name("X-Okapi-Request-Id")!: "42/blocks"]
                #expect(try await Self.blocks(api, Self.blocked, headers: headers).count == 1)
                let asked = await simulator.requests
                #expect(asked.count == 1 && asked.first?.token == "okapi-token" && asked.first?.requestID == "42/blocks")
            }
        }
    }

    @Test(arguments: Backend.available) func aBrokenUpstreamFailsOpenLoggedAndCounted(_ backend: Backend) async throws {
        try await withSimulator(Self.dataset) { simulator, url in
            try await withService(backend, configure: { $0.runsSynchronization = false; $0.okapiURL = url; $0.blockChecks.cacheLifetime = .zero }) { service, api in
                _ = try await Self.prepare(service, api)
                await simulator.inject(.init(kind: .users, status: 500, times: nil))
                #expect(try await Self.blocks(api, Self.blocked).isEmpty)
                #expect(try await Self.checks(api, "failed_open") == 1)
                #expect(await simulator.requests.count == 2, "retried once, then failed open")
                // Recovered, and uncached: the next check blocks again.
                await simulator.clearFaults()
                #expect(try await Self.blocks(api, Self.blocked).count == 1)
                let counts = (failedOpen: try await Self.checks(api, "failed_open"), blocked: try await Self.checks(api, "blocked"), clear: try await Self.checks(api, "clear"))
                #expect(counts == (1, 1, 0))
            }
            // Nowhere to ask for the patron group: fails open too.
            try await withService(backend) { service, api in
                _ = try await Self.prepare(service, api)
                #expect(try await Self.blocks(api, Self.blocked).isEmpty)
                #expect(try await Self.checks(api, "failed_open") == 1)
            }
        }
    }

    /// On PostgreSQL the service's own scrape shows the summaries kept between checks: serving
    /// once the instance listens, and a second check of a patron served from what the first read.
    @Test(.enabled(if: Backend.available.contains(.postgres))) func theMetricsShowTheSummaryCache() async throws {
        try await withSimulator(Self.dataset) { _, url in
            try await withService(.postgres, configure: { $0.runsSynchronization = false; $0.okapiURL = url; $0.okapiToken = "standalone-token" }) { service, api in
                _ = try await Self.prepare(service, api)
                let deadline = ContinuousClock.now + .seconds(30)
                while try await Self.sample(api, "patronblocks_summary_cache_serving ") != 1 {
                    guard ContinuousClock.now < deadline else { Issue.record("the instance never listened"); return }
                    try await Task.sleep(for: .milliseconds(50))
                }
                // The writes of `prepare` are notified after their commits: a read they overtake is
                // not kept, so the patron is checked until a check is served from what one read.
                let hit = #"patronblocks_summary_cache_lookups_total{result="hit"} "#
                let before = try await Self.sample(api, hit) ?? 0
                var hits = before
                while hits == before {
                    guard ContinuousClock.now < deadline else { Issue.record("no check was served from the cache"); return }
                    #expect(try await Self.blocks(api, Self.blocked).count == 1)
                    hits = try await Self.sample(api, hit) ?? 0
                }
                #expect(try await Self.sample(api, "patronblocks_summary_cache_entries ") ?? 0 >= 1)
            }
        }
    }

    /// The value of the metric line that starts with `prefix`, as Prometheus scrapes it.
    static func sample(_ api: API, _ prefix: String) async throws -> Double? {
        let line = try await api.tenant(nil).get("/metrics").text.split(separator: "\n").first { $0.hasPrefix(prefix) }
        return line.flatMap { Double($0.dropFirst(prefix.count)) }
    }

    /// Block checks counted by result, as Prometheus scrapes them.
    static func checks(_ api: API, _ result: String) async throws -> Int {
        let prefix = #"patronblocks_block_checks_total{result=""# + result + #""} "#
        let line = try await api.tenant(nil).get("/metrics").text.split(separator: "\n").first { $0.hasPrefix(prefix) }
        return line.flatMap { Int($0.dropFirst(prefix.count)) } ?? 0
    }
}
