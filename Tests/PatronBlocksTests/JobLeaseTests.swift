import Foundation
import Testing
@testable import PatronBlocks

/// The claim's rules without a database: when a tenant is busy, when a silent runner's job is
/// taken back, and when it fails instead, each at its boundary (a 60 s lease, three claims).
@Suite struct JobLeaseTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let rules = JobLease(duration: 60, maxAttempts: 3)
    static let first = UUID(uuidString: "11111111-1111-4111-8111-111111111111")!
    static let second = UUID(uuidString: "22222222-2222-4222-8222-222222222222")!

    static func holder(_ id: UUID = first, beatSecondsAgo: TimeInterval?, attempts: Int, errors: [String] = []) -> JobLease.Holder {
        JobLease.Holder(jobId: id, heartbeat: beatSecondsAgo.map { now.addingTimeInterval(-$0) }, attempts: attempts, errors: errors)
    }

    static func stopped(secondsAgo: TimeInterval, attempts: Int) -> String {
        StaleJob.message(since: now.addingTimeInterval(-secondsAgo), attempts: attempts)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var inProgress: [JobLease.Holder]
        var expected: JobLease.Review
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "nothing in progress", inProgress: [], expected: .takeBack([])),
        Row(name: "beat 1 s ago", inProgress: [holder(beatSecondsAgo: 1, attempts: 1)], expected: .busy),
        Row(name: "beat 59.999 s ago", inProgress: [holder(beatSecondsAgo: 59.999, attempts: 3)], expected: .busy),
        Row(name: "beat exactly a lease ago", inProgress: [holder(beatSecondsAgo: 60, attempts: 1)], expected: .takeBack([.reopen(jobId: first)])),
        Row(name: "beat 61 s ago", inProgress: [holder(beatSecondsAgo: 61, attempts: 1)], expected: .takeBack([.reopen(jobId: first)])),
        Row(name: "a beat from another instance's clock ahead of ours", inProgress: [holder(beatSecondsAgo: -5, attempts: 1)], expected: .busy),
        Row(name: "never beat", inProgress: [holder(beatSecondsAgo: nil, attempts: 1)], expected: .takeBack([.reopen(jobId: first)])),
        Row(name: "silent after 2 of 3 claims", inProgress: [holder(beatSecondsAgo: 61, attempts: 2)], expected: .takeBack([.reopen(jobId: first)])),
        Row(name: "silent after 3 of 3 claims", inProgress: [holder(beatSecondsAgo: 61, attempts: 3, errors: ["page 4 failed"])],
            expected: .takeBack([.fail(jobId: first, errors: ["page 4 failed", stopped(secondsAgo: 61, attempts: 3)])])),
        Row(name: "silent after 4 claims (fewer allowed since)", inProgress: [holder(beatSecondsAgo: 600, attempts: 4)],
            expected: .takeBack([.fail(jobId: first, errors: [stopped(secondsAgo: 600, attempts: 4)])])),
        Row(name: "never beat, out of claims", inProgress: [holder(beatSecondsAgo: nil, attempts: 3)],
            expected: .takeBack([.fail(jobId: first, errors: [StaleJob.message(since: Date(timeIntervalSince1970: 0), attempts: 3)])])),
        Row(name: "one silent, one live: busy, nothing taken back", inProgress: [holder(beatSecondsAgo: 61, attempts: 3), holder(second, beatSecondsAgo: 1, attempts: 1)],
            expected: .busy),
        Row(name: "two silent", inProgress: [holder(beatSecondsAgo: 61, attempts: 3), holder(second, beatSecondsAgo: 120, attempts: 1)],
            expected: .takeBack([.fail(jobId: first, errors: [stopped(secondsAgo: 61, attempts: 3)]), .reopen(jobId: second)])),
    ]

    @Test(arguments: rows) func review(_ row: Row) {
        #expect(Self.rules.review(inProgress: row.inProgress, now: Self.now) == row.expected)
    }

    @Test(arguments: [(1, 3, true), (2, 3, true), (3, 3, false), (1, 1, false)])
    func theThirdClaimIsTheLast(attempts: Int, maxAttempts: Int, reopened: Bool) {
        let review = JobLease(duration: 60, maxAttempts: maxAttempts).review(inProgress: [Self.holder(beatSecondsAgo: 60, attempts: attempts)], now: Self.now)
        guard case .takeBack(let takeBacks) = review, let takeBack = takeBacks.first else {
            Issue.record("expected a take-back, got \(review)")
            return
        }
        #expect((takeBack == .reopen(jobId: Self.first)) == reopened)
    }

    @Test func aClaimCountsOneMoreAttemptAndKeepsTheProgress() {
        var progress = SyncProgress()
        progress.phase = .accounts
        progress.loans = PagingCursors(last: [Self.second, nil])
        let job = SyncJob(id: Self.first, scope: .full, createdAt: Self.now.addingTimeInterval(-3600))
        let claimed = Self.rules.claim(job, progress: progress, attempts: 2, runner: "runner-b")
        #expect(claimed.job.status == .inProgress)
        #expect(claimed.job.id == Self.first && claimed.job.createdAt == job.createdAt)
        #expect(claimed.attempt == 3)
        #expect(claimed.runner == "runner-b")
        #expect(claimed.progress == progress, "a job taken back resumes where its last runner stopped")
    }
}
