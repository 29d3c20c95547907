/// One generated table: its name, its columns and row `i` as a pure function of `i`, so that any
/// size streams into SQLite, CSV or PostgreSQL without being held in memory.
public struct DemoTable: Sendable {
    public var name: String
    public var columns: [String]
    public var count: Int
    public var row: @Sendable (Int) -> [String?]

    public init(name: String, columns: [String], count: Int, row: @escaping @Sendable (Int) -> [String?]) {
        self.name = name
        self.columns = columns
        self.count = count
        self.row = row
    }

    public var rows: LazyMapSequence<Range<Int>, [String?]> {
        (0..<count).lazy.map(row)
    }
}
