/// How text crosses the driver boundary, and how many rows one fetch brings.
public struct ODBCFetchOptions: Sendable, Equatable {
    public enum Text: String, Sendable, Equatable, CaseIterable {
        /// SQL_C_WCHAR: the driver converts to UTF-16, whatever the database's encoding. Works
        /// with every Unicode driver (PostgreSQL Unicode, SQLite3, Oracle's); the default.
        case utf16
        /// SQL_C_CHAR, read as UTF-8: for ANSI drivers on a UTF-8 database.
        case utf8
    }

    public var text: Text
    /// Memory one block of rows may take; rows per fetch follow from the columns' widths.
    public var blockBytes: Int
    public var maxRowsPerBlock: Int
    /// Longest value read from a column whose driver reports no size (unbounded text).
    public var maxCharacters: Int

    public init(text: Text = .utf16, blockBytes: Int = 4 << 20, maxRowsPerBlock: Int = 512, maxCharacters: Int = 4000) {
        self.text = text
        self.blockBytes = blockBytes
        self.maxRowsPerBlock = maxRowsPerBlock
        self.maxCharacters = maxCharacters
    }
}
