import Foundation
import Testing
@testable import PatronBlocks

/// What a store writes for an event is what the reducer says, whatever the store's statements:
/// PostgreSQL writes only the rows that changed, in one statement with the journal entry, and
/// prepares its statements once per connection and tenant.
@Suite struct EventWriteTests {
    static let due = Date(timeIntervalSince1970: 1_800_000_000.123)

    /// A patron's loans and fees coming and going, in an order that moves rows' positions, down to
    /// nothing; a fee event without its patron (a deleted account) is resolved by the fee's holder.
    static func events(user: UUID) -> [PatronEvent] {
        let loans = (0..<4).map { _ in UUID() }
        let fee = UUID(), other = UUID(), type = UUID()
        return [
            .itemCheckedOut(userId: user, loanId: loans[0], dueDate: due, gracePeriod: GracePeriod(duration: 2, intervalId: .days)),
            .itemCheckedOut(userId: user, loanId: loans[1], dueDate: due.addingTimeInterval(60), gracePeriod: nil),
            .itemCheckedOut(userId: user, loanId: loans[2], dueDate: due.addingTimeInterval(120), gracePeriod: nil),
            .feeFineBalanceChanged(feeFineId: fee, balance: Decimal(string: "12.50")!, userId: user, feeFineTypeId: type, loanId: loans[1]),
            .feeFineBalanceChanged(feeFineId: other, balance: 3, userId: user, feeFineTypeId: nil, loanId: nil),
            .itemCheckedIn(userId: user, loanId: loans[0], returnDate: due),
            .loanDueDateChanged(userId: user, loanId: loans[2], dueDate: due.addingTimeInterval(3_600), dueDateChangedByRecall: true),
            .itemDeclaredLost(userId: user, loanId: loans[1]),
            .itemCheckedOut(userId: user, loanId: loans[3], dueDate: due, gracePeriod: nil),
            .itemCheckedOut(userId: user, loanId: loans[3], dueDate: due, gracePeriod: nil),
            .feeFineBalanceChanged(feeFineId: fee, balance: 7, userId: user, feeFineTypeId: nil, loanId: nil),
            .feeFineBalanceChanged(feeFineId: fee, balance: Decimal(string: "2.25")!, userId: nil, feeFineTypeId: nil, loanId: nil),
            .itemClaimedReturned(userId: user, loanId: loans[2]),
            .feeFineBalanceChanged(feeFineId: other, balance: 0, userId: user, feeFineTypeId: nil, loanId: nil),
            .loanClosed(userId: user, loanId: loans[1]),
            .itemCheckedIn(userId: user, loanId: loans[2], returnDate: nil),
            .itemCheckedIn(userId: user, loanId: loans[3], returnDate: nil),
        ]
    }

    @Test(arguments: Backend.available) func eachEventLeavesTheSummaryTheReducerGives(_ backend: Backend) async throws {
        try await withInstalledTenant(backend) { storage, tenant in
            let user = UUID()
            var expected: UserSummary?
            for event in Self.events(user: user) {
                let returned = try await storage.summaries.record(event, tenant: tenant, at: Date())
                expected = SummaryReducer.apply(event, to: expected, newID: returned?.id ?? UUID())
                #expect(returned == expected, "\(event.kind)")
                #expect(try await storage.summaries.summary(tenant: tenant, userId: user) == expected, "\(event.kind) as read back")
            }
            #expect(expected == nil, "everything was closed in the end")
        }
    }

    /// Two tenants' statements share the pool's connections under names of their own: a read in
    /// one tenant never runs the other's prepared statement, also for the longest tenant names
    /// that differ only at their end, and after a tenant is purged and installed again on
    /// connections that had prepared its statements.
    @Test(arguments: Backend.available) func eachTenantReadsItsOwnSchema(_ backend: Backend) async throws {
        let location = try await StorageLocation.make(backend)
        try await location.withStorage { storage in
            let prefix = String(repeating: "t", count: TenantName.maximumLength - uniqueTenant("").count)
            let first = uniqueTenant(prefix), second = uniqueTenant(prefix)
            #expect(first.count == TenantName.maximumLength)
            try await storage.tenants.installTenant(first)
            try await storage.tenants.installTenant(second)
            let user = UUID()
            try await storage.summaries.record(.itemCheckedOut(userId: user, loanId: UUID(), dueDate: Self.due, gracePeriod: nil), tenant: first, at: Date())
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let mine = try await storage.summaries.summary(tenant: first, userId: user)
                        let theirs = try await storage.summaries.summary(tenant: second, userId: user)
                        #expect(mine?.openLoans.count == 1)
                        #expect(theirs == nil)
                    }
                }
                try await group.waitForAll()
            }
            try await storage.tenants.purgeTenant(first)
            try await storage.tenants.installTenant(first)
            for _ in 0..<20 {
                #expect(try await storage.summaries.summary(tenant: first, userId: user) == nil)
            }
            try await storage.summaries.record(.itemCheckedOut(userId: user, loanId: UUID(), dueDate: Self.due, gracePeriod: nil), tenant: first, at: Date())
            #expect(try await storage.summaries.summary(tenant: first, userId: user)?.openLoans.count == 1)
        }
    }
}
