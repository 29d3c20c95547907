import CODBC
import Foundation

/// What an ODBC call reported: the call, and each diagnostic record's SQLSTATE, native error and
/// message, as `SQLGetDiagRec` returns them.
public struct ODBCError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Record: Sendable, Equatable {
        public var sqlState: String
        public var nativeError: Int32
        public var message: String
    }

    public var operation: String
    public var records: [Record]

    public init(operation: String, records: [Record]) {
        self.operation = operation
        self.records = records
    }

    init(operation: String, message: String, sqlState: String = "HY000") {
        self.init(operation: operation, records: [Record(sqlState: sqlState, nativeError: 0, message: message)])
    }

    /// The first record's SQLSTATE, e.g. `28000` (invalid authorization) or `IM002` (no driver).
    public var sqlState: String? { records.first?.sqlState }

    /// The records' messages on one line (drivers end some with newlines).
    public var message: String {
        guard !records.isEmpty else { return "\(operation) failed with no diagnostic" }
        return records.map { $0.message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ") }
            .joined(separator: "; ")
    }

    public var description: String {
        "\(operation) failed: " + (records.isEmpty ? "no diagnostic" : records.map { "[\($0.sqlState)] \($0.message)" }.joined(separator: "; "))
    }

    /// Reads every diagnostic record of a handle after a failed call.
    static func read(operation: String, handleType: SQLSMALLINT, handle: SQLHANDLE?) -> ODBCError {
        var records: [Record] = []
        var number: SQLSMALLINT = 1
        while number < 20 {
            var state = [SQLWCHAR](repeating: 0, count: 6)
            var native: SQLINTEGER = 0
            var text = [SQLWCHAR](repeating: 0, count: 1024)
            var length: SQLSMALLINT = 0
            let rc = SQLGetDiagRecW(handleType, handle, number, &state, &native, &text, SQLSMALLINT(text.count), &length)
            guard rc == SQLRETURN(SQL_SUCCESS) || rc == SQLRETURN(SQL_SUCCESS_WITH_INFO) else { break }
            records.append(Record(
                sqlState: String(decoding: state.prefix(5), as: UTF16.self),
                nativeError: native,
                message: String(decoding: text.prefix(min(Int(length), text.count - 1)), as: UTF16.self)
            ))
            number += 1
        }
        return ODBCError(operation: operation, records: records)
    }
}

@inline(__always)
func succeeded(_ rc: SQLRETURN) -> Bool {
    rc == SQLRETURN(SQL_SUCCESS) || rc == SQLRETURN(SQL_SUCCESS_WITH_INFO)
}

/// A NUL-terminated UTF-16 copy of a Swift string, as the ODBC `W` functions take.
func wide(_ text: String) -> [SQLWCHAR] {
    Array(text.utf16) + [0]
}
