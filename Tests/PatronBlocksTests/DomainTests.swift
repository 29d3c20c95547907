import Foundation
import Testing
@testable import PatronBlocks

/// The pure rules: UUIDs and dates as FOLIO writes them, the event table of section 3, the CQL
/// of section 2, and lenient reading of upstream records.
@Suite struct DomainTests {
    @Test func uuidsFollowRFC4122() {
        #expect(FolioUUID.isValid("5a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b47"))
        #expect(FolioUUID.isValid("5A2F9C1E-7D43-1B8E-BF21-0C6D3E8A1B47"))
        for text in ["00000000-0000-0000-0000-000000000000", "5a2f9c1e-7d43-6b8e-9f21-0c6d3e8a1b47", "5a2f9c1e-7d43-4b8e-cf21-0c6d3e8a1b47",
                     "5a2f9c1e7d434b8e9f210c6d3e8a1b47", "5a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b4", "5a2f9c1g-7d43-4b8e-9f21-0c6d3e8a1b47", ""] {
            #expect(!FolioUUID.isValid(text), "\(text)")
        }
        #expect(FolioUUID.parse("5A2F9C1E-7D43-4B8E-9F21-0C6D3E8A1B47")?.folio == "5a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b47")
    }

    @Test func datesReadLenientlyAndWriteOneWay() throws {
        let expected = Date(timeIntervalSince1970: 1_795_000_000.25)
        for text in ["2026-11-18T11:06:40.250+00:00", "2026-11-18T11:06:40.250Z", "2026-11-18T13:06:40.250+02:00", "2026-11-18T11:06:40.250+0000"] {
            let date = try #require(FolioDate.parse(text), "\(text)")
            #expect(abs(date.timeIntervalSince(expected)) < 0.001, "\(text)")
        }
        #expect(FolioDate.parse("2026-11-19T07:06:40Z") != nil)
        #expect(FolioDate.parse("2026-11-19") != nil)
        #expect(FolioDate.parse("yesterday") == nil)
        #expect(FolioDate.format(expected) == "2026-11-18T11:06:40.250+00:00")
    }

    static let user = UUID(), loan = UUID(), fee = UUID(), summaryID = UUID()
    static let due = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func checkOutCreatesAndIsIdempotent() throws {
        let grace = GracePeriod(duration: 2, intervalId: .days)
        let first = try #require(SummaryReducer.apply(.itemCheckedOut(userId: Self.user, loanId: Self.loan, dueDate: Self.due, gracePeriod: nil), to: nil, newID: Self.summaryID))
        #expect(first.openLoans == [OpenLoan(loanId: Self.loan, dueDate: Self.due)])
        #expect(first.id == Self.summaryID, "a new summary takes the id its caller chose")
        let again = SummaryReducer.apply(.itemCheckedOut(userId: Self.user, loanId: Self.loan, dueDate: Self.due.addingTimeInterval(60), gracePeriod: grace), to: first, newID: Self.summaryID)
        #expect(again?.openLoans.count == 1)
        #expect(again?.openLoans.first?.dueDate == Self.due, "the first check-out's due date stays")
        #expect(again?.openLoans.first?.gracePeriod == grace, "a live check-out's grace period wins")
        #expect(again?.id == first.id)
    }

    @Test func loanEventsFollowTheTable() throws {
        let base = try #require(SummaryReducer.apply(.itemCheckedOut(userId: Self.user, loanId: Self.loan, dueDate: Self.due, gracePeriod: nil), to: nil, newID: Self.summaryID))
        let claimed = try #require(SummaryReducer.apply(.itemClaimedReturned(userId: Self.user, loanId: Self.loan), to: base, newID: Self.summaryID))
        #expect(claimed.openLoans[0].itemClaimedReturned && !claimed.openLoans[0].itemLost)
        let lost = try #require(SummaryReducer.apply(.itemDeclaredLost(userId: Self.user, loanId: Self.loan), to: claimed, newID: Self.summaryID))
        #expect(lost.openLoans[0].itemLost && !lost.openLoans[0].itemClaimedReturned)
        let aged = try #require(SummaryReducer.apply(.itemAgedToLost(userId: Self.user, loanId: Self.loan), to: base, newID: Self.summaryID))
        #expect(aged.openLoans[0].itemLost)
        let recalled = try #require(SummaryReducer.apply(.loanDueDateChanged(userId: Self.user, loanId: Self.loan, dueDate: Self.due.addingTimeInterval(-86_400), dueDateChangedByRecall: true), to: lost, newID: Self.summaryID))
        #expect(recalled.openLoans[0].recall && recalled.openLoans[0].itemLost, "a recall leaves lost alone")
        #expect(recalled.openLoans[0].dueDate == Self.due.addingTimeInterval(-86_400))
        let renewed = try #require(SummaryReducer.apply(.loanDueDateChanged(userId: Self.user, loanId: Self.loan, dueDate: Self.due, dueDateChangedByRecall: false), to: recalled, newID: Self.summaryID))
        #expect(!renewed.openLoans[0].recall && !renewed.openLoans[0].itemLost)
        // Events for a loan the summary does not hold change nothing; none creates a summary.
        #expect(SummaryReducer.apply(.itemDeclaredLost(userId: Self.user, loanId: UUID()), to: base, newID: Self.summaryID) == base)
        #expect(SummaryReducer.apply(.itemDeclaredLost(userId: Self.user, loanId: Self.loan), to: nil, newID: Self.summaryID) == nil)
        #expect(SummaryReducer.apply(.itemCheckedIn(userId: Self.user, loanId: Self.loan, returnDate: nil), to: base, newID: Self.summaryID) == nil, "emptied summaries go")
        #expect(SummaryReducer.apply(.loanClosed(userId: Self.user, loanId: Self.loan), to: base, newID: Self.summaryID) == nil)
    }

    @Test func feesAddUpdateAndClose() throws {
        let type = UUID()
        #expect(SummaryReducer.apply(.feeFineBalanceChanged(feeFineId: Self.fee, balance: 0, userId: Self.user, feeFineTypeId: type, loanId: nil), to: nil, newID: Self.summaryID) == nil)
        #expect(SummaryReducer.apply(.feeFineBalanceChanged(feeFineId: Self.fee, balance: 5, userId: nil, feeFineTypeId: type, loanId: nil), to: nil, newID: Self.summaryID) == nil)
        let charged = try #require(SummaryReducer.apply(.feeFineBalanceChanged(feeFineId: Self.fee, balance: Decimal(string: "10.10")!, userId: Self.user, feeFineTypeId: type, loanId: Self.loan), to: nil, newID: Self.summaryID))
        #expect(charged.openFeesFines == [OpenFeeFine(feeFineId: Self.fee, feeFineTypeId: type, loanId: Self.loan, balance: Decimal(string: "10.10")!)])
        let paid = try #require(SummaryReducer.apply(.feeFineBalanceChanged(feeFineId: Self.fee, balance: Decimal(string: "0.10")!, userId: Self.user, feeFineTypeId: nil, loanId: nil), to: charged, newID: Self.summaryID))
        #expect(paid.openFeesFines[0].balance == Decimal(string: "0.10")! && paid.openFeesFines[0].feeFineTypeId == type)
        #expect(SummaryReducer.apply(.feeFineBalanceChanged(feeFineId: Self.fee, balance: 0, userId: Self.user, feeFineTypeId: nil, loanId: nil), to: paid, newID: Self.summaryID) == nil)
        #expect(SummaryReducer.apply(.feeFineBalanceChanged(feeFineId: Self.fee, balance: 3, userId: nil, feeFineTypeId: nil, loanId: nil), to: paid, newID: Self.summaryID) == nil, "a deleted account goes")
    }

    @Test func cqlIsBuiltAsFolioBuildsIt() {
        let after = UUID(uuidString: "c0ffee00-1234-4abc-8def-0123456789ab")!
        #expect(FolioClient.cql(after: nil, userId: nil) == "status.name==Open sortBy id")
        #expect(FolioClient.cql(after: after, userId: nil) == "status.name==Open and id > c0ffee00-1234-4abc-8def-0123456789ab sortBy id")
        #expect(FolioClient.cql(after: nil, userId: userA) == "status.name==Open and userId==\(userA.folio) sortBy id")
        #expect(FolioClient.cql(after: after, userId: userA) == "status.name==Open and userId==\(userA.folio) and id > \(after.folio) sortBy id")
    }

    @Test func upstreamRecordsAreReadLeniently() throws {
        let json = try JSONDecoder().decode(LoanPageBody.self, from: Data("""
            {"loans": [
              {"id": "5a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b47", "userId": "c0ffee00-1234-4abc-8def-0123456789ab", "dueDate": "2026-12-01T10:00:00Z",
               "itemStatus": "CLAIMED RETURNED", "brandNewField": {"nested": [1, 2]}, "metadata": {"createdDate": "2026-11-01T10:00:00.000+00:00"}},
              {"id": "6a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b47", "userId": "not-a-user", "dueDate": "2026-12-01T10:00:00Z"},
              {"id": "7a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b47", "userId": "c0ffee00-1234-4abc-8def-0123456789ab", "dueDate": "2026-12-02T10:00:00Z",
               "item": {"status": {"name": "Declared lost"}}, "dueDateChangedByRecall": true}
              , 17, {"id": 42}
            ], "totalRecords": "5", "resultInfo": {"facets": []}}
            """.utf8))
        let page = UpstreamDecoding.loans(json)
        #expect(page.count == 5 && page.records.count == 2 && page.totalRecords == 5)
        #expect(page.lastID?.folio == "7a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b47", "the keyset goes past unreadable records")
        #expect(page.problems.first == "Loan 6a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b47 skipped: it lacks a valid id, userId or dueDate")
        #expect(page.problems.count == 3, "a record that is not an object, or has an id of another type, is reported")
        #expect(page.records[1].itemStatus == "Declared lost" && page.records[1].dueDateChangedByRecall)
        let events = page.records[0].events(grace: nil)
        #expect(events.map(\.kind) == [.itemCheckedOut, .itemClaimedReturned], "claimed returned in any case")
        #expect(page.records[1].events(grace: nil).map(\.kind) == [.itemCheckedOut, .itemDeclaredLost, .loanDueDateChanged])

        let accounts = try JSONDecoder().decode(AccountPageBody.self, from: Data("""
            {"accounts": [{"id": "8a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b47", "userId": "c0ffee00-1234-4abc-8def-0123456789ab", "remaining": "0.30",
                           "feeFineId": "9523cb96-e752-40c2-89da-60f3961a488d", "unknown": true},
                          {"id": "9a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b47", "userId": "c0ffee00-1234-4abc-8def-0123456789ab", "remaining": 8.64},
                          {"id": "aa2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b47", "userId": "c0ffee00-1234-4abc-8def-0123456789ab"}]}
            """.utf8))
        let fees = UpstreamDecoding.accounts(accounts)
        #expect(fees.records.map(\.remaining) == [Decimal(string: "0.30")!, Decimal(string: "8.64")!], "money never passes through a Double's error")
        #expect(fees.problems.count == 1 && fees.totalRecords == nil)
    }

    @Test func configurationResolvesFlagsOverEnvironment() throws {
        var options = PatronBlocksOptions()
        let defaults = try PatronBlocksConfiguration.resolve(options, environment: [:])
        #expect(defaults.storage == .sqlite(path: "patronblocks.sqlite"))
        #expect(defaults.port == 8081 && defaults.hostname == "127.0.0.1" && defaults.runsSynchronization)

        let environment = ["PATRONBLOCKS_DATABASE_URL": "postgres://pb:secret@db:5432/folio", "PATRONBLOCKS_PORT": "9000",
                           "PATRONBLOCKS_SYNC_PAGE_SIZE": "250", "PATRONBLOCKS_SYNC_PARALLEL_PAGES": "6", "PATRONBLOCKS_SYNC_RUNNER": "off", "PATRONBLOCKS_TENANT": "diku"]
        let fromEnvironment = try PatronBlocksConfiguration.resolve(options, environment: environment)
        #expect(fromEnvironment.storage == .postgres(url: "postgres://pb:secret@db:5432/folio"))
        #expect(fromEnvironment.port == 9000 && fromEnvironment.synchronization.pageSize == 250)
        #expect(defaults.synchronization.parallelPages == 4 && fromEnvironment.synchronization.parallelPages == 6)
        #expect(!fromEnvironment.runsSynchronization && fromEnvironment.tenant == "diku")

        options.port = 7000
        options.database = "sqlite:/var/lib/patronblocks/blocks.sqlite"
        let flags = try PatronBlocksConfiguration.resolve(options, environment: environment)
        #expect(flags.port == 7000 && flags.storage == .sqlite(path: "/var/lib/patronblocks/blocks.sqlite"))

        for (name, value, message) in [("PATRONBLOCKS_PORT", "http", "PATRONBLOCKS_PORT must be a number"),
                                       ("PATRONBLOCKS_DATABASE_URL", "mysql://x", "PATRONBLOCKS_DATABASE_URL must be sqlite:PATH or postgres://"),
                                       ("PATRONBLOCKS_TENANT", "a-b", "PATRONBLOCKS_TENANT may hold"),
                                       ("LOG_LEVEL", "loud", "LOG_LEVEL must be"),
                                       ("PATRONBLOCKS_SYNC_LEASE_SECONDS", "1", "PATRONBLOCKS_SYNC_LEASE_SECONDS must be"),
                                       ("PATRONBLOCKS_SYNC_PARALLEL_PAGES", "0", "PATRONBLOCKS_SYNC_PARALLEL_PAGES must be a number 1…16"),
                                       ("PATRONBLOCKS_SYNC_PARALLEL_PAGES", "17", "PATRONBLOCKS_SYNC_PARALLEL_PAGES must be a number 1…16")] {
            #expect(throws: ConfigurationProblem.self, "\(name)") { try PatronBlocksConfiguration.resolve(PatronBlocksOptions(), environment: [name: value]) }
            do {
                _ = try PatronBlocksConfiguration.resolve(PatronBlocksOptions(), environment: [name: value])
            } catch {
                #expect("\(error)".hasPrefix(message), "\(error)")
            }
        }
    }
}

/// Section 3's concurrency rule on real databases: simultaneous events for one patron all land.
@Suite struct ConcurrentEventTests {
    @Test(arguments: Backend.available) func simultaneousFirstEventsForOnePatronAllLand(_ backend: Backend) async throws {
        try await withInstalledTenant(backend) { storage, tenant in
            let user = UUID()
            let loans = (0..<40).map { _ in UUID() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for loan in loans {
                    group.addTask { try await storage.summaries.record(.itemCheckedOut(userId: user, loanId: loan, dueDate: Date(), gracePeriod: nil), tenant: tenant, at: Date()) }
                }
                for index in 0..<10 {
                    group.addTask {
                        try await storage.summaries.record(.feeFineBalanceChanged(feeFineId: UUID(), balance: Decimal(index + 1), userId: user, feeFineTypeId: nil, loanId: nil), tenant: tenant, at: Date())
                    }
                }
                try await group.waitForAll()
            }
            let summary = try #require(try await storage.summaries.summary(tenant: tenant, userId: user))
            #expect(Set(summary.openLoans.map(\.loanId)) == Set(loans))
            #expect(summary.openFeesFines.count == 10)
            #expect(summary.openFeesFines.map(\.balance).reduce(0, +) == 55)
        }
    }
}

@Suite struct UUIDTextTests {
    @Test func folioTextRoundTripsAndMatchesFoundation() throws {
        for _ in 0..<500 {
            let id = UUID()
            #expect(id.folio == id.uuidString.lowercased())
            #expect(UUID(folio: id.folio) == id)
            #expect(UUID(folio: id.uuidString) == id)
        }
        for text in ["", "5a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b4", "5a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1b477", "5a2f9c1e+7d43-4b8e-9f21-0c6d3e8a1b47",
                     "5a2f9c1e-7d43-4b8e-9f21-0c6d3e8a1bx7", "5a2f9c1e7d43-4b8e-9f21-0c6d3e8a1b47-"] {
            #expect(UUID(folio: text) == nil, "\(text)")
        }
    }
}
