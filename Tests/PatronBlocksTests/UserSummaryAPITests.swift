import Foundation
import Hummingbird
import Testing
@testable import PatronBlocks

/// `GET /user-summary/{userId}`: the exact shape FOLIO's schema closes, and its 400 and 404.
@Suite struct UserSummaryAPITests {
    @Test(arguments: Backend.available) func summaryHasFolioShape(_ backend: Backend) async throws {
        try await withService(backend) { service, api in
            let tenant = try #require(api.tenant)
            let loanWithGrace = UUID(), plainLoan = UUID(), fee = UUID(), feeType = UUID()
            let due = try #require(FolioDate.parse("2026-12-01T10:00:00.000+00:00"))
            try await service.storage.summaries.record(.itemCheckedOut(userId: userA, loanId: loanWithGrace, dueDate: due, gracePeriod: GracePeriod(duration: 2, intervalId: .days)), tenant: tenant, at: Date())
            try await service.storage.summaries.record(.itemCheckedOut(userId: userA, loanId: plainLoan, dueDate: due, gracePeriod: nil), tenant: tenant, at: Date())
            try await service.storage.summaries.record(.itemDeclaredLost(userId: userA, loanId: plainLoan), tenant: tenant, at: Date())
            try await service.storage.summaries.record(.feeFineBalanceChanged(feeFineId: fee, balance: Decimal(string: "12.35")!, userId: userA, feeFineTypeId: feeType, loanId: plainLoan), tenant: tenant, at: Date())

            let answer = try await api.get("/user-summary/\(userA.folio)")
            #expect(answer.status == .ok)
            let body = try answer.json
            #expect(Set(body.keys) == ["id", "userId", "openLoans", "openFeesFines"])
            #expect(body["userId"] as? String == userA.folio)
            let loans = try #require(body["openLoans"] as? [[String: Any]])
            #expect(loans.count == 2)
            let graced = try #require(loans.first { $0["loanId"] as? String == loanWithGrace.folio })
            #expect(Set(graced.keys) == ["loanId", "dueDate", "recall", "itemLost", "itemClaimedReturned", "gracePeriod"])
            #expect(graced["dueDate"] as? String == "2026-12-01T10:00:00.000+00:00")
            let grace = try #require(graced["gracePeriod"] as? [String: Any])
            #expect(grace["duration"] as? Int == 2 && grace["intervalId"] as? String == "Days")
            let lost = try #require(loans.first { $0["loanId"] as? String == plainLoan.folio })
            #expect(Set(lost.keys) == ["loanId", "dueDate", "recall", "itemLost", "itemClaimedReturned"])
            #expect(lost["itemLost"] as? Bool == true && lost["recall"] as? Bool == false && lost["itemClaimedReturned"] as? Bool == false)
            let fees = try #require(body["openFeesFines"] as? [[String: Any]])
            #expect(fees.count == 1)
            #expect(Set(fees[0].keys) == ["feeFineId", "feeFineTypeId", "loanId", "balance"])
            #expect(fees[0]["feeFineId"] as? String == fee.folio && fees[0]["loanId"] as? String == plainLoan.folio)
            // A JSON number, exactly as stored.
            #expect(answer.text.contains(#""balance":12.35"#))
        }
    }

    @Test(arguments: Backend.available) func malformedAndUnknownUsers(_ backend: Backend) async throws {
        try await withService(backend) { _, api in
            for text in ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "5a2f9c1e-7d43-4b8e-7f21-0c6d3e8a1b47"] {
                let answer = try await api.get("/user-summary/\(text)")
                #expect(answer.status == .badRequest, "\(text)")
                #expect(answer.text == #"Invalid user ID: "\#(text)""#)
            }
            let unknown = try await api.get("/user-summary/\(userB.folio)")
            #expect(unknown.status == .notFound)
            #expect(unknown.text == "User summary for user ID \(userB.folio) not found")
        }
    }

    @Test(arguments: Backend.available) func summariesStayInTheirTenant(_ backend: Backend) async throws {
        try await withService(backend) { service, api in
            let tenant = try #require(api.tenant)
            let other = uniqueTenant("other")
            try await service.storage.tenants.installTenant(other)
            try await service.storage.summaries.record(.itemCheckedOut(userId: userA, loanId: UUID(), dueDate: Date(), gracePeriod: nil), tenant: tenant, at: Date())
            #expect(try await api.get("/user-summary/\(userA.folio)").status == .ok)
            #expect(try await api.tenant(other).get("/user-summary/\(userA.folio)").status == .notFound)
        }
    }

    @Test(arguments: Backend.available) func emptiedSummaryIsDeleted(_ backend: Backend) async throws {
        try await withService(backend) { service, api in
            let tenant = try #require(api.tenant)
            let loan = UUID()
            try await service.storage.summaries.record(.itemCheckedOut(userId: userA, loanId: loan, dueDate: Date(), gracePeriod: nil), tenant: tenant, at: Date())
            #expect(try await api.get("/user-summary/\(userA.folio)").status == .ok)
            try await service.storage.summaries.record(.itemCheckedIn(userId: userA, loanId: loan, returnDate: Date()), tenant: tenant, at: Date())
            #expect(try await api.get("/user-summary/\(userA.folio)").status == .notFound)
        }
    }
}
