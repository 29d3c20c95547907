import CSQLite3

/// A prepared statement. Rows are produced one `step()` at a time, so reading a large result costs
/// memory for one row only.
public final class SQLiteStatement {
    let handle: OpaquePointer
    /// The database handle, for error messages. SQLite keeps it valid while a statement of it is
    /// not finalized (`sqlite3_close_v2`), so a statement may outlive its connection object.
    let database: OpaquePointer
    /// Keeps the connection alive while a caller holds the statement; nil for the connection's
    /// own cached statements, which would otherwise keep it alive for ever.
    private let owner: SQLiteConnection?

    convenience init(connection: SQLiteConnection, sql: String) throws(SQLiteError) {
        try self.init(database: connection.handle, owner: connection, sql: sql)
    }

    /// A statement the connection itself keeps.
    convenience init(handleOf connection: SQLiteConnection, sql: String) throws(SQLiteError) {
        try self.init(database: connection.handle, owner: nil, sql: sql)
    }

    private init(database: OpaquePointer, owner: SQLiteConnection?, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(database, sql, -1, &statement, nil)
        guard code == SQLITE_OK else {
            throw SQLiteError(code: code, connection: database)
        }
        // SQLite answers SQL without a statement (empty, or only comments) with success and no
        // statement; its own message for that is "not an error".
        guard let statement else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "the SQL holds no statement (it is empty or only comments)")
        }
        self.handle = statement
        self.database = database
        self.owner = owner
    }

    deinit {
        sqlite3_finalize(handle)
    }

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public var columnNames: [String] {
        (0..<columnCount).map { String(cString: sqlite3_column_name(handle, Int32($0))) }
    }

    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null:
                code = sqlite3_bind_null(handle, index)
            case .integer(let integer):
                code = sqlite3_bind_int64(handle, index, integer)
            case .real(let real):
                code = sqlite3_bind_double(handle, index, real)
            case .text(let text):
                code = text.utf8CString.withUnsafeBufferPointer { buffer in
                    sqlite3_bind_text(handle, index, buffer.baseAddress, Int32(buffer.count - 1), sqliteTransient)
                }
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { raw in
                    sqlite3_bind_blob(handle, index, raw.baseAddress, Int32(raw.count), sqliteTransient)
                }
            }
            guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: database) }
        }
    }

    /// Advances to the next row. Returns false when the statement is done.
    public func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(code: code, connection: database)
        }
    }

    /// Makes the statement ready to run again with new bindings.
    public func reset() {
        sqlite3_reset(handle)
    }

    /// Reset with its bindings cleared: a reused statement holds no read snapshot and no copy of
    /// the last values bound between two uses.
    func release() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    public func isNull(at column: Int) -> Bool {
        sqlite3_column_type(handle, Int32(column)) == SQLITE_NULL
    }

    /// The column as text (SQLite converts numbers), or nil for NULL. Invalid UTF-8 is repaired.
    public func text(at column: Int) -> String? {
        let index = Int32(column)
        guard sqlite3_column_type(handle, index) != SQLITE_NULL,
              let pointer = sqlite3_column_text(handle, index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    public func integer(at column: Int) -> Int64? {
        isNull(at: column) ? nil : sqlite3_column_int64(handle, Int32(column))
    }

    public func real(at column: Int) -> Double? {
        isNull(at: column) ? nil : sqlite3_column_double(handle, Int32(column))
    }

    public func value(at column: Int) -> SQLiteValue {
        let index = Int32(column)
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT: return .text(text(at: column) ?? "")
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard count > 0, let pointer = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        default: return .null
        }
    }
}

/// SQLITE_TRANSIENT: SQLite copies the bound bytes, so the Swift buffer may go away after binding.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
