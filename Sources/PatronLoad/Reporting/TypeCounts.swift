/// What happened to one patron type's rows.
public struct TypeCounts: Sendable, Equatable, Codable {
    public var patronType: String
    /// Rows the query returned.
    public var read = 0
    /// Users written to the type's files.
    public var written = 0
    /// Rows left out because they lack the primary login ID (or a column of `rows.requiredColumns`).
    public var rejected = 0
    /// Rows the profile's `rows` rules leave out on purpose: not an error, and not counted
    /// against `maxLeftOutPercent`.
    public var excludedByRule = 0
    /// Rows whose primary_id an earlier type already loaded (student employees).
    public var skippedAsEarlierType = 0
    /// Population `precedence`: rows not written because the same person's row in another type
    /// (the key) has a user group that weighs more.
    public var outranked: [String: Int] = [:]
    /// Population `merge`: rows merged into the same person's row of another type (the key).
    public var mergedInto: [String: Int] = [:]
    /// Rows whose primary_id appeared earlier in the same type (ignoring case).
    public var skippedAsRepeat = 0
    /// Patrons the pre-flight left out (identifier clashes, code sets, required fields).
    public var leftOut = 0
    /// Unchanged patrons not written by a changes-only load.
    public var unchangedNotWritten = 0
    /// Leavers written once more to expire.
    public var leaversWritten = 0
    /// Values (not identifiers) that held characters XML cannot carry, written without them.
    public var repairedValues = 0
    /// Institutional IDs of the first rejected rows, for the report (the log lists all of them).
    public var rejectedExamples: [String] = []

    public static let exampleLimit = 20

    public init(patronType: String) {
        self.patronType = patronType
    }

    mutating func recordRejection(institutionalID: String) {
        rejected += 1
        if rejectedExamples.count < Self.exampleLimit {
            rejectedExamples.append(institutionalID.isEmpty ? "(no institutional ID)" : institutionalID)
        }
    }

    /// Every row is accounted for exactly once.
    public var isBalanced: Bool {
        read == written - leaversWritten + excludedByRule + rejected + skippedAsEarlierType + skippedAsRepeat + leftOut + unchangedNotWritten
            + outranked.values.reduce(0, +) + mergedInto.values.reduce(0, +)
    }
}
