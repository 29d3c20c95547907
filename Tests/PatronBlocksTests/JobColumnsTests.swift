import Foundation
import Testing
@testable import PatronBlocks

/// How both backends read a stored job's scope back: a user job's id must read back, or the
/// row is refused by name rather than turned into a job for a made-up user.
@Suite struct JobColumnsTests {
    static let user = UUID(uuidString: "5B7E1A3C-1111-4E2B-9C3D-2A8F0E6B7C11")!

    @Test func scopesReadBackAsWritten() throws {
        for scope in [SyncJob.Scope.full, .user(Self.user)] {
            let (kind, userId) = JobColumns.scopeColumns(scope)
            #expect(try JobColumns.decodeScope(kind, userId: userId, job: "j1") == scope)
        }
    }

    @Test(arguments: [nil, "", "not-a-uuid"] as [String?])
    func aUserJobWithoutAReadableUserIsRefused(userId: String?) {
        let error = #expect(throws: UnreadableJobRow.self) { try JobColumns.decodeScope("user", userId: userId, job: "j1") }
        #expect(error?.description.contains("the stored job j1 has an unreadable user_id") == true)
    }
}
