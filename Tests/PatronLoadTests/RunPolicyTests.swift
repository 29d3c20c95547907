import Foundation
import Testing
@testable import PatronLoad

/// Each of the run's decisions at its boundaries, without I/O or a clock.
@Suite struct RunPolicyTests {
    static let policy = RunPolicy(maxDropPercent: 20, minimumDrop: 10, maxLeftOutPercent: 5, fullLoadEveryDays: 7, maxZipsPerRun: 20, lockStaleAfter: 3600)

    @Test(arguments: [
        (100, 80, false),   // exactly 20 % fewer: allowed
        (100, 79, true),    // 21 %: stops
        (40, 31, false),    // 22.5 % but only 9 fewer: a small type moving by a handful
        (50, 40, false),    // 20 % and 10 fewer: not more than the share
        (50, 39, true),     // 22 % and 11 fewer
        (1000, 0, true),    // the type came back empty
        (0, 0, false),      // nothing before: nothing to compare
        (100, 150, false),  // growth never stops a run
    ])
    func safetyStop(before: Int, today: Int, stops: Bool) {
        let drops = Self.policy.drops(before: [("staff", before)], today: ["staff": today])
        #expect(drops.isEmpty == !stops)
    }

    @Test func aTypeGoneFromTodaysFeedCountsAsEmpty() {
        let drops = Self.policy.drops(before: [("staff", 100), ("student", 50)], today: ["staff": 100])
        #expect(drops == [RunPolicy.Drop(patronType: "student", before: 50, today: 0, percent: 100)])
    }

    @Test(arguments: [
        (5, 100, false),    // exactly 5 %: allowed
        (6, 100, true),
        (1, 19, true),      // 5.3 %
        (0, 0, false),      // an empty type leaves nobody out
        (1, 20, false),
    ])
    func leftOutShare(leftOut: Int, mapped: Int, stops: Bool) {
        #expect(Self.policy.leavesOutTooMany(leftOut, of: mapped) == stops)
    }

    @Test(arguments: [
        (false, "2026-11-20", "full"),        // --only-changes not given
        (true, nil, "full"),                  // no history yet
        (true, "2026-11-16", "changes"),      // 6 days old
        (true, "2026-11-15", "full"),         // 7 days: due
        (true, "not-a-date", "full"),         // a history that cannot say: full
    ] as [(Bool, String?, String)])
    func fullLoadDue(onlyChanges: Bool, lastFullLoad: String?, expected: String) {
        let kind = Self.policy.loadKind(onlyChanges: onlyChanges, lastFullLoad: lastFullLoad, today: AlmaDate(year: 2026, month: 11, day: 22))
        switch kind {
        case .full: #expect(expected == "full")
        case .changesOnly(let last): #expect(expected == "changes" && last == lastFullLoad)
        }
    }

    @Test(arguments: [(20, true), (21, false), (0, true)])
    func fitsAlmasLimit(zips: Int, fits: Bool) {
        #expect(Self.policy.fits(zips: zips) == fits)
    }

    @Test(arguments: [
        (3600.0, false),   // exactly the limit: still held
        (3601.0, true),
        (-5.0, false),     // a holder's clock ahead of ours
    ])
    func lockStaleness(age: Double, stale: Bool) {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(Self.policy.lockIsStale(since: now.addingTimeInterval(-age), now: now) == stale)
    }

    @Test func aLockOfUnknownAgeIsNeverStale() {
        #expect(!Self.policy.lockIsStale(since: nil, now: Date()))
    }
}
