import CSQLite3

/// One SQLite connection. Not thread-safe by design: a connection belongs to one task (or one actor)
/// at a time, which is what SQLite's multi-thread mode requires.
public final class SQLiteConnection {
    public enum Mode: Sendable {
        case readOnly
        case readWrite
        case readWriteCreate
    }

    let handle: OpaquePointer
    public let path: String
    /// The statements `run` and `rows` prepared, by their SQL: a service runs the same few
    /// statements thousands of times a second, and preparing is much of a short query's cost.
    private var statements: [String: SQLiteStatement] = [:]
    private static let statementCacheLimit = 128

    public init(path: String, mode: Mode = .readWriteCreate) throws(SQLiteError) {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        switch mode {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        }
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let error = SQLiteError(code: code, connection: db)
            sqlite3_close_v2(db)
            throw error
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        // Cached statements are finalized first: a statement not finalized keeps the file open.
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// The library version, e.g. "3.40.1".
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    /// Waits up to `milliseconds` for a lock held by another connection instead of failing at once.
    public func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    /// Runs one or more statements that take no parameters and return no rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw SQLiteError(code: code, message: text)
        }
    }

    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// A statement prepared once per connection and reused. It does not keep the connection
    /// alive (the connection holds it), and it is only used by `run`, `forEachRow` and `rows`,
    /// which finish with it before they return, so no caller can find it mid-way through
    /// another query.
    private func cachedStatement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let statement = statements[sql] { return statement }
        let statement = try SQLiteStatement(handleOf: self, sql: sql)
        // Statements are few and fixed; a caller building SQL from values would grow this without end.
        if statements.count >= Self.statementCacheLimit { statements.removeAll(keepingCapacity: true) }
        statements[sql] = statement
        return statement
    }

    /// How many statements this connection keeps prepared (for tests).
    public var cachedStatementCount: Int { statements.count }

    /// Runs a statement with parameters and returns the number of rows it changed.
    @discardableResult
    public func run(_ sql: String, _ bindings: [SQLiteValue] = []) throws(SQLiteError) -> Int {
        let statement = try cachedStatement(sql)
        defer { statement.release() }
        try statement.bind(bindings)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Runs a query through the connection's prepared statement for it and hands each row to
    /// `body`, which reads its columns and must not run the same SQL itself. Two queries stepped
    /// side by side need two statements of their own (`prepare`).
    public func forEachRow(_ sql: String, _ bindings: [SQLiteValue] = [], _ body: (SQLiteStatement) throws -> Void) throws {
        let statement = try cachedStatement(sql)
        defer { statement.release() }
        try statement.bind(bindings)
        while try statement.step() {
            try body(statement)
        }
    }

    /// Runs a query and returns every row. For results of a known, small size only; stream large ones
    /// with `forEachRow`, or `prepare` and `step`.
    public func rows(_ sql: String, _ bindings: [SQLiteValue] = []) throws(SQLiteError) -> [[SQLiteValue]] {
        let statement = try cachedStatement(sql)
        defer { statement.release() }
        try statement.bind(bindings)
        var result: [[SQLiteValue]] = []
        while try statement.step() {
            result.append((0..<statement.columnCount).map { statement.value(at: $0) })
        }
        return result
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// `immediate` takes the write lock up front, so two writers queue instead of deadlocking.
    public func transaction<R>(immediate: Bool = true, _ body: () throws -> R) throws -> R {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}
