import CODBC

/// One ODBC connection through unixODBC's driver manager, opened with a connection string
/// (`DRIVER={PostgreSQL Unicode};Servername=…;` or `DSN=…;`). Its handles are freed on every path:
/// here in `deinit`, for statements in theirs (a statement keeps its connection alive).
///
/// ODBC calls block; callers run them off the cooperative thread pool. One task uses a
/// connection at a time.
public final class ODBCConnection: @unchecked Sendable {
    private let environment: SQLHENV
    let handle: SQLHDBC
    private var connected = false

    /// Connects. `loginTimeout` bounds how long an unreachable server can hold the call.
    public init(connectionString: String, loginTimeout: Int = 15) throws(ODBCError) {
        var env: SQLHANDLE?
        guard succeeded(SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_ENV), nil, &env)), let env else {
            throw ODBCError(operation: "SQLAllocHandle(ENV)", message: "unixODBC could not allocate an environment")
        }
        _ = SQLSetEnvAttr(env, SQLINTEGER(SQL_ATTR_ODBC_VERSION), SQLPOINTER(bitPattern: UInt(SQL_OV_ODBC3)), 0)
        var dbc: SQLHANDLE?
        guard succeeded(SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_DBC), env, &dbc)), let dbc else {
            let error = ODBCError.read(operation: "SQLAllocHandle(DBC)", handleType: SQLSMALLINT(SQL_HANDLE_ENV), handle: env)
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_ENV), env)
            throw error
        }
        environment = env
        handle = dbc
        _ = SQLSetConnectAttr(dbc, SQLINTEGER(SQL_ATTR_LOGIN_TIMEOUT), SQLPOINTER(bitPattern: UInt(max(1, loginTimeout))), 0)
        var text = wide(connectionString)
        var out = [SQLWCHAR](repeating: 0, count: 1024)
        var outLength: SQLSMALLINT = 0
        let rc = SQLDriverConnectW(dbc, nil, &text, SQLSMALLINT(SQL_NTS), &out, SQLSMALLINT(out.count), &outLength, SQLUSMALLINT(SQL_DRIVER_NOPROMPT))
        // The connection string may hold a password: overwrite our copy as soon as it is used.
        for index in text.indices { text[index] = 0 }
        for index in out.indices { out[index] = 0 }
        guard succeeded(rc) else {
            throw ODBCError.read(operation: "SQLDriverConnect", handleType: SQLSMALLINT(SQL_HANDLE_DBC), handle: dbc)
        }
        connected = true
    }

    deinit {
        if connected { SQLDisconnect(handle) }
        SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_DBC), handle)
        SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_ENV), environment)
    }

    /// `SQLGetInfo` text, e.g. `SQL_DBMS_NAME` → "PostgreSQL".
    public func info(_ type: Int32) -> String? {
        var buffer = [SQLWCHAR](repeating: 0, count: 512)
        var length: SQLSMALLINT = 0
        let rc = SQLGetInfoW(handle, SQLUSMALLINT(type), &buffer, SQLSMALLINT(buffer.count * MemoryLayout<SQLWCHAR>.size), &length)
        guard succeeded(rc) else { return nil }
        let count = min(Int(length) / MemoryLayout<SQLWCHAR>.size, buffer.count)
        return String(decoding: buffer.prefix(count), as: UTF16.self)
    }

    public var dbmsName: String { info(SQL_DBMS_NAME) ?? "unknown" }
    public var dbmsVersion: String { info(SQL_DBMS_VER) ?? "unknown" }
    public var driverName: String { info(SQL_DRIVER_NAME) ?? "unknown" }

    /// Runs a query and returns its result, ready for block fetches.
    public func execute(_ sql: String, options: ODBCFetchOptions = ODBCFetchOptions()) throws(ODBCError) -> ODBCStatement {
        try ODBCStatement(connection: self, sql: sql, options: options)
    }
}
