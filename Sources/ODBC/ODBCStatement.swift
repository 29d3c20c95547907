import CODBC

/// A result column as the driver describes it.
public struct ODBCColumn: Sendable, Equatable {
    public var name: String
    public var sqlType: Int16
    public var size: UInt
    public var nullable: Bool
}

/// A query's result, fetched in blocks: every column is bound to an array (column-wise binding),
/// so one `SQLFetch` brings up to `rowsPerBlock` rows. Values come back as text: character data
/// as the driver gives it, numbers as the driver formats them, dates and timestamps formatted
/// here (`2027-06-30`, `2027-06-30 14:05:00`), NULL as nil.
public final class ODBCStatement: @unchecked Sendable {
    private let connection: ODBCConnection
    private let handle: SQLHSTMT
    public let columns: [ODBCColumn]
    public private(set) var rowsPerBlock: Int
    private let bindings: [Binding]
    private let rowsFetched: UnsafeMutablePointer<SQLULEN>
    private let rowStatus: UnsafeMutablePointer<SQLUSMALLINT>
    private var finished = false
    private var scratch: [UInt8] = []

    private struct Binding {
        enum Kind { case text(wide: Bool, capacityBytes: Int), date, timestamp }
        var kind: Kind
        var elementSize: Int
        var buffer: UnsafeMutableRawPointer
        var indicators: UnsafeMutablePointer<SQLLEN>
    }

    init(connection: ODBCConnection, sql: String, options: ODBCFetchOptions) throws(ODBCError) {
        var raw: SQLHANDLE?
        guard succeeded(SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_STMT), connection.handle, &raw)), let raw else {
            throw ODBCError.read(operation: "SQLAllocHandle(STMT)", handleType: SQLSMALLINT(SQL_HANDLE_DBC), handle: connection.handle)
        }
        func fail(_ operation: String) -> ODBCError {
            let error = ODBCError.read(operation: operation, handleType: SQLSMALLINT(SQL_HANDLE_STMT), handle: raw)
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_STMT), raw)
            return error
        }
        var text = wide(sql)
        guard succeeded(SQLExecDirectW(raw, &text, SQLINTEGER(SQL_NTS))) else { throw fail("SQLExecDirect") }

        var count: SQLSMALLINT = 0
        guard succeeded(SQLNumResultCols(raw, &count)) else { throw fail("SQLNumResultCols") }
        var columns: [ODBCColumn] = []
        for index in 1...max(1, Int(count)) where count > 0 {
            var name = [SQLWCHAR](repeating: 0, count: 256)
            var nameLength: SQLSMALLINT = 0
            var type: SQLSMALLINT = 0
            var size: SQLULEN = 0
            var digits: SQLSMALLINT = 0
            var nullable: SQLSMALLINT = 0
            guard succeeded(SQLDescribeColW(raw, SQLUSMALLINT(index), &name, SQLSMALLINT(name.count), &nameLength, &type, &size, &digits, &nullable)) else {
                throw fail("SQLDescribeCol")
            }
            columns.append(ODBCColumn(name: String(decoding: name.prefix(min(Int(nameLength), name.count)), as: UTF16.self),
                                      sqlType: type, size: size, nullable: nullable != SQLSMALLINT(SQL_NO_NULLS)))
        }

        // Size each column's slot, then choose how many rows fit the block budget.
        var kinds: [(Binding.Kind, Int)] = []
        for column in columns {
            switch Int32(column.sqlType) {
            case SQL_TYPE_DATE, SQL_DATE:
                kinds.append((.date, MemoryLayout<SQL_DATE_STRUCT>.stride))
            case SQL_TYPE_TIMESTAMP, SQL_TIMESTAMP:
                kinds.append((.timestamp, MemoryLayout<SQL_TIMESTAMP_STRUCT>.stride))
            default:
                let declared = column.size == 0 || column.size > UInt(options.maxCharacters) ? options.maxCharacters : Int(column.size)
                // Numbers print wider than their precision (sign, point, exponent).
                let characters = max(declared, 40)
                let bytes = options.text == .utf16 ? (characters + 1) * 2 : characters * 4 + 1
                kinds.append((.text(wide: options.text == .utf16, capacityBytes: bytes), bytes))
            }
        }
        let rowBytes = max(1, kinds.reduce(0) { $0 + $1.1 + MemoryLayout<SQLLEN>.stride })
        var rows = max(1, min(options.maxRowsPerBlock, options.blockBytes / rowBytes))
        _ = SQLSetStmtAttr(raw, SQLINTEGER(SQL_ATTR_ROW_BIND_TYPE), SQLPOINTER(bitPattern: UInt(SQL_BIND_BY_COLUMN)), 0)
        if !succeeded(SQLSetStmtAttr(raw, SQLINTEGER(SQL_ATTR_ROW_ARRAY_SIZE), SQLPOINTER(bitPattern: UInt(rows)), 0)) {
            rows = 1
        }
        // A driver may lower the array size (01S02): bind for what it actually uses.
        var actual: SQLULEN = 0
        if succeeded(SQLGetStmtAttr(raw, SQLINTEGER(SQL_ATTR_ROW_ARRAY_SIZE), &actual, 0, nil)), actual >= 1 {
            rows = Int(actual)
        }

        rowsFetched = .allocate(capacity: 1)
        rowsFetched.initialize(to: 0)
        rowStatus = .allocate(capacity: rows)
        rowStatus.initialize(repeating: 0, count: rows)
        _ = SQLSetStmtAttr(raw, SQLINTEGER(SQL_ATTR_ROWS_FETCHED_PTR), UnsafeMutableRawPointer(rowsFetched), 0)
        _ = SQLSetStmtAttr(raw, SQLINTEGER(SQL_ATTR_ROW_STATUS_PTR), UnsafeMutableRawPointer(rowStatus), 0)

        var bindings: [Binding] = []
        for (offset, (kind, size)) in kinds.enumerated() {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size * rows, alignment: 8)
            let indicators = UnsafeMutablePointer<SQLLEN>.allocate(capacity: rows)
            indicators.initialize(repeating: 0, count: rows)
            bindings.append(Binding(kind: kind, elementSize: size, buffer: buffer, indicators: indicators))
            let cType: Int32
            switch kind {
            case .text(let wide, _): cType = wide ? SQL_C_WCHAR : SQL_C_CHAR
            case .date: cType = SQL_C_TYPE_DATE
            case .timestamp: cType = SQL_C_TYPE_TIMESTAMP
            }
            if !succeeded(SQLBindCol(raw, SQLUSMALLINT(offset + 1), SQLSMALLINT(cType), buffer, SQLLEN(size), indicators)) {
                let error = ODBCError.read(operation: "SQLBindCol", handleType: SQLSMALLINT(SQL_HANDLE_STMT), handle: raw)
                Self.release(bindings, rowsFetched, rowStatus)
                SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_STMT), raw)
                throw error
            }
        }
        self.connection = connection
        self.handle = raw
        self.columns = columns
        self.rowsPerBlock = rows
        self.bindings = bindings
    }

    deinit {
        SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_STMT), handle)
        Self.release(bindings, rowsFetched, rowStatus)
    }

    private static func release(_ bindings: [Binding], _ fetched: UnsafeMutablePointer<SQLULEN>, _ status: UnsafeMutablePointer<SQLUSMALLINT>) {
        for binding in bindings {
            binding.buffer.deallocate()
            binding.indicators.deallocate()
        }
        fetched.deallocate()
        status.deallocate()
    }

    /// The next block of rows, or nil when the result is exhausted.
    public func fetchBlock() throws(ODBCError) -> [[String?]]? {
        guard !finished, !columns.isEmpty else { return nil }
        let rc = SQLFetch(handle)
        if rc == SQLRETURN(SQL_NO_DATA) {
            finished = true
            return nil
        }
        guard succeeded(rc) else {
            finished = true
            throw ODBCError.read(operation: "SQLFetch", handleType: SQLSMALLINT(SQL_HANDLE_STMT), handle: handle)
        }
        let count = Int(rowsFetched.pointee)
        var rows: [[String?]] = []
        rows.reserveCapacity(count)
        for row in 0..<count {
            let status = Int32(rowStatus[row])
            guard status == SQL_ROW_SUCCESS || status == SQL_ROW_SUCCESS_WITH_INFO else {
                throw ODBCError(operation: "SQLFetch", message: "row \(row + 1) of the block failed (status \(status))")
            }
            var values: [String?] = []
            values.reserveCapacity(bindings.count)
            for (column, binding) in bindings.enumerated() {
                values.append(try value(binding, row: row, column: column))
            }
            rows.append(values)
        }
        return rows
    }

    private func value(_ binding: Binding, row: Int, column: Int) throws(ODBCError) -> String? {
        let indicator = binding.indicators[row]
        if indicator == SQLLEN(SQL_NULL_DATA) { return nil }
        let slot = binding.buffer + row * binding.elementSize
        switch binding.kind {
        case .text(let wide, let capacity):
            let terminator = wide ? 2 : 1
            guard indicator != SQLLEN(SQL_NO_TOTAL), indicator >= 0, indicator <= capacity - terminator else {
                throw ODBCError(operation: "SQLFetch", message: "a value in column \(columns[column].name) is longer than \((capacity - terminator) / (wide ? 2 : 4)) characters; shorten or cast it in the query", sqlState: "01004")
            }
            if wide {
                let units = slot.bindMemory(to: SQLWCHAR.self, capacity: indicator / 2)
                return UTF16Text.string(UnsafeBufferPointer(start: units, count: indicator / 2), scratch: &scratch)
            }
            let bytes = slot.bindMemory(to: UInt8.self, capacity: indicator)
            return String(decoding: UnsafeBufferPointer(start: bytes, count: indicator), as: UTF8.self)
        case .date:
            let date = slot.load(as: SQL_DATE_STRUCT.self)
            return Self.pad(Int(date.year), 4) + "-" + Self.pad(Int(date.month), 2) + "-" + Self.pad(Int(date.day), 2)
        case .timestamp:
            let t = slot.load(as: SQL_TIMESTAMP_STRUCT.self)
            var text = Self.pad(Int(t.year), 4) + "-" + Self.pad(Int(t.month), 2) + "-" + Self.pad(Int(t.day), 2)
                + " " + Self.pad(Int(t.hour), 2) + ":" + Self.pad(Int(t.minute), 2) + ":" + Self.pad(Int(t.second), 2)
            if t.fraction > 0 {
                // fraction is in nanoseconds: print microseconds, as PostgreSQL does.
                text += "." + Self.pad(Int(t.fraction) / 1000, 6)
            }
            return text
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
