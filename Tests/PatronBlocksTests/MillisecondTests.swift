import FolioSimulator
import Foundation
import Testing
@testable import PatronBlocks

/// FOLIO's due dates keep their milliseconds exactly, through an event and through a
/// synchronization, on both backends: `.999` must not come back `.998`, nor `.021` as `.020`.
@Suite struct MillisecondTests {
    static let stamps = ["2026-11-22T10:00:20.999+00:00", "2026-11-22T10:00:20.021+00:00", "2026-11-22T10:00:20.001+00:00",
                         "2027-03-01T23:59:59.999+00:00", "2026-12-31T00:00:00.021+00:00"]

    @Test func textRoundTripsToTheMillisecond() throws {
        for stamp in Self.stamps {
            let date = try #require(FolioDate.parse(stamp))
            #expect(FolioDate.format(date) == stamp)
            #expect(Date(epochMilliseconds: date.epochMilliseconds) == date)
            let event = PatronEvent.itemCheckedOut(userId: UUID(), loanId: UUID(), dueDate: date, gracePeriod: nil)
            #expect(try JSONDecoder().decode(PatronEvent.self, from: JSONEncoder().encode(event)) == event, "journal form")
        }
        // A date that is not a whole millisecond is written as the nearest one.
        #expect(FolioDate.format(Date(timeIntervalSince1970: 1_795_341_620.998_9)) == "2026-11-22T10:00:20.999+00:00")
    }

    @Test(arguments: Backend.available) func anEventsDueDatesKeepTheirMilliseconds(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            let user = UUID()
            for stamp in Self.stamps {
                let answer = try await api.post("/automated-patron-blocks/handlers/item-checked-out",
                                                #"{"userId": "\#(user.folio)", "loanId": "\#(UUID().folio)", "dueDate": "\#(stamp)"}"#)
                #expect(answer.status == .noContent, "\(answer.text)")
            }
            let loans = try await api.get("/user-summary/\(user.folio)").json["openLoans"] as? [[String: Any]]
            #expect(Set(loans?.compactMap { $0["dueDate"] as? String } ?? []) == Set(Self.stamps))
        }
    }

    @Test(arguments: Backend.available) func aSynchronizationsDueDatesKeepTheirMilliseconds(_ backend: Backend) async throws {
        let user = FolioDataset.User(id: UUID(), patronGroup: nil)
        let loans = try Self.stamps.map { stamp in
            FolioDataset.Loan(id: UUID(), userId: user.id, dueDate: try #require(FolioDate.parse(stamp)), createdDate: Date())
        }
        let dataset = FolioDataset(users: [user], loans: loans, accounts: [])
        try await SynchronizationRunTests.scenario(backend, dataset: dataset) { storage, tenant, _, url in
            // The patron already holds one of the loans: the synchronization replaces it.
            try await storage.summaries.record(.itemCheckedOut(userId: user.id, loanId: loans[0].id, dueDate: loans[0].dueDate, gracePeriod: nil), tenant: tenant, at: Date())
            let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(job, tenant: tenant)
            await SynchronizationRunTests.runner(storage, okapi: url).runOnce()
            #expect(try await storage.jobs.job(tenant: tenant, id: job.id)?.status == .done)
            let summary = try #require(try await storage.summaries.summary(tenant: tenant, userId: user.id))
            #expect(Set(summary.openLoans.map { FolioDate.format($0.dueDate) }) == Set(Self.stamps))
        }
    }
}
