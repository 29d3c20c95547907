import Foundation
import Testing
@testable import PatronBlocks

/// Reads of several statements see one snapshot: a block check never evaluates half of a write,
/// and a limits page agrees with its count.
@Suite struct ReadSnapshotTests {
    /// A writer swaps a patron between two whole summaries (as a synchronization's switch or an
    /// audit's repair does, in one transaction); every read is one or the other.
    @Test func aSummaryIsReadWholeOnSQLite() async throws {
        let location = try await StorageLocation.make(.sqlite)
        guard case .sqlite(let path) = location.storage else { return }
        let storage = try await Storage.open(.sqlite(path: path), summaryCache: BlockCheckSettings().summaryCache, logger: .init(label: "test"))
        let tenant = uniqueTenant()
        try await storage.tenants.installTenant(tenant)
        let user = UUID()
        let due = Date(timeIntervalSince1970: 1_800_000_000)
        let states = [
            UserSummary(id: UUID(), userId: user, openLoans: [OpenLoan(loanId: UUID(), dueDate: due)], openFeesFines: [OpenFeeFine(feeFineId: UUID(), balance: 1)]),
            UserSummary(id: UUID(), userId: user, openLoans: [OpenLoan(loanId: UUID(), dueDate: due), OpenLoan(loanId: UUID(), dueDate: due)], openFeesFines: [OpenFeeFine(feeFineId: UUID(), balance: 2)]),
        ]
        let fingerprints = Set(states.map { "\($0.openLoans.map(\.loanId)) \($0.openFeesFines.map(\.feeFineId))" })
        let database = try #require(storage.sqliteDatabase)
        try await database.write { connection in try connection.transaction { try SQLiteSummaries.store(states[0], userId: user, connection, tenant: tenant, at: Date()) } }
        let mixed = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for round in 0..<3_000 {
                    let state = states[round % 2]
                    try await database.write { connection in try connection.transaction { try SQLiteSummaries.store(state, userId: user, connection, tenant: tenant, at: Date()) } }
                }
                return 0
            }
            group.addTask {
                var mixed = 0
                for _ in 0..<6_000 {
                    guard let read = try await storage.summaries.summary(tenant: tenant, userId: user) else { mixed += 1; continue }
                    if !fingerprints.contains("\(read.openLoans.map(\.loanId)) \(read.openFeesFines.map(\.feeFineId))") { mixed += 1 }
                }
                return mixed
            }
            return try await group.reduce(0, +)
        }
        #expect(mixed == 0, "\(mixed) reads saw half of a write")
    }

    @Test(arguments: Backend.available) func aLimitsPageAgreesWithItsCount(_ backend: Backend) async throws {
        try await withInstalledTenant(backend) { storage, tenant in
            let group = UUID()
            let conditions = BlockCondition.defaults.map(\.id)
            let disagreements = try await withThrowingTaskGroup(of: Int.self) { tasks in
                tasks.addTask {
                    for round in 0..<400 {
                        let limit = BlockLimit(id: UUID(), patronGroupId: group, conditionId: conditions[round % conditions.count], value: 1)
                        try await storage.blockRules.createLimit(limit, tenant: tenant)
                        _ = try await storage.blockRules.deleteLimit(tenant: tenant, id: limit.id)
                    }
                    return 0
                }
                tasks.addTask {
                    var disagreements = 0
                    for _ in 0..<800 {
                        let page = try await storage.blockRules.limits(tenant: tenant, patronGroupId: group, conditionId: nil, offset: 0, limit: 100)
                        if page.limits.count != page.total { disagreements += 1 }
                    }
                    return disagreements
                }
                return try await tasks.reduce(0, +)
            }
            #expect(disagreements == 0, "\(disagreements) pages disagreed with their count")
        }
    }
}
