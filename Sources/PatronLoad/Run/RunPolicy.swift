import Foundation

/// The run's decisions, written once: values in, a decision out; no I/O and no clock read (the
/// caller passes today). `LoadJob` asks; the tests walk each rule along its boundaries.
public struct RunPolicy: Sendable, Equatable {
    /// The safety stop's share (percent) a patron type may shrink since the last delivered run.
    public var maxDropPercent: Double
    /// The safety stop ignores a drop of fewer patrons than this, whatever its share: small
    /// types move by a handful.
    public var minimumDrop: Int
    /// The pre-flight may leave out at most this share (percent) of a patron type.
    public var maxLeftOutPercent: Double
    /// With `--only-changes`, a full load is due once the last one is this many days old.
    public var fullLoadEveryDays: Int
    /// Alma reads at most this many zips per import.
    public var maxZipsPerRun: Int
    /// An S3 run lock older than this is taken over.
    public var lockStaleAfter: TimeInterval

    public init(maxDropPercent: Double = 20, minimumDrop: Int = 10, maxLeftOutPercent: Double = 5, fullLoadEveryDays: Int = 7,
                maxZipsPerRun: Int = PackagingLimits().maxZipsPerRun, lockStaleAfter: TimeInterval = 12 * 3600) {
        self.maxDropPercent = maxDropPercent
        self.minimumDrop = minimumDrop
        self.maxLeftOutPercent = maxLeftOutPercent
        self.fullLoadEveryDays = fullLoadEveryDays
        self.maxZipsPerRun = maxZipsPerRun
        self.lockStaleAfter = lockStaleAfter
    }

    /// A patron type that shrank past the safety stop.
    public struct Drop: Sendable, Equatable {
        public var patronType: String
        public var before: Int
        public var today: Int
        public var percent: Double
    }

    /// The types that shrank more than `maxDropPercent` **and** by at least `minimumDrop`
    /// patrons; `today` lacks a type that is gone altogether (it counts as 0).
    public func drops(before: [(patronType: String, patrons: Int)], today: [String: Int]) -> [Drop] {
        before.compactMap { last in
            guard last.patrons > 0 else { return nil }
            let now = today[last.patronType] ?? 0
            let drop = last.patrons - now
            let percent = Double(drop) / Double(last.patrons) * 100
            guard percent > maxDropPercent, drop >= minimumDrop else { return nil }
            return Drop(patronType: last.patronType, before: last.patrons, today: now, percent: percent)
        }
    }

    /// Whether leaving out `leftOut` of a type's `mapped` patrons is a broken feed, not a few bad
    /// rows. A type with nothing mapped leaves nobody out.
    public func leavesOutTooMany(_ leftOut: Int, of mapped: Int) -> Bool {
        guard mapped > 0 else { return false }
        return Double(leftOut) * 100 / Double(mapped) > maxLeftOutPercent
    }

    /// Full or changes-only: a changes-only load needs a last full load younger than
    /// `fullLoadEveryDays`.
    /// `lastFullLoad` is the history's `YYYY-MM-DD`, nil without history.
    public func loadKind(onlyChanges: Bool, lastFullLoad: String?, today: AlmaDate) -> LoadKind {
        guard onlyChanges else { return .full(reason: "every run is a full load unless --only-changes is given") }
        guard let lastFullLoad else { return .full(reason: "there is no run history yet") }
        guard let last = AlmaDate(isoDay: lastFullLoad) else {
            return .full(reason: "the history's last full load (\(lastFullLoad)) is not a date")
        }
        let age = today.daysSinceEpoch - last.daysSinceEpoch
        if age >= fullLoadEveryDays {
            return .full(reason: "the last full load (\(lastFullLoad)) is \(age) days old; one is due every \(fullLoadEveryDays)")
        }
        return .changesOnly(lastFullLoad: lastFullLoad)
    }

    /// Whether a run of `zips` files fits one Alma import.
    public func fits(zips: Int) -> Bool {
        zips <= maxZipsPerRun
    }

    /// Whether a lock taken at `since` may be taken over at `now`. A lock of unknown age is never
    /// stale: only a known age lets a run take it over.
    public func lockIsStale(since: Date?, now: Date) -> Bool {
        guard let since else { return false }
        return now.timeIntervalSince(since) > lockStaleAfter
    }
}
