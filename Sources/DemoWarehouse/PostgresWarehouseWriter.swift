import Logging
import NIOCore
import PostgresNIO

/// Loads a generated warehouse into PostgreSQL with COPY: the reference views as tables (TEXT
/// columns) in a schema of their own, so a test or a benchmark can point `search_path` at it.
public enum PostgresWarehouseWriter {
    public static func write(_ generator: DemoPatronGenerator, schema: String, connection: PostgresConnection, logger: Logger) async throws {
        try await write(generator.tables, schema: schema, connection: connection, logger: logger)
    }

    /// Any shape's tables, each named after the table in lower case.
    public static func write(_ tables: [DemoTable], schema: String, connection: PostgresConnection, logger: Logger) async throws {
        precondition(schema.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "schema names here are generated identifiers")
        try await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"), logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: logger)
        // COPY quotes the table name as one identifier, so the schema comes from search_path.
        try await connection.query(PostgresQuery(unsafeSQL: "SET search_path TO \(schema)"), logger: logger)
        for table in tables {
            try await copy(table.columns, count: table.count, row: table.row, into: table.name.lowercased(), connection: connection, logger: logger)
        }
    }

    static func copy(_ columns: [String], count: Int, row makeRow: @escaping @Sendable (Int) -> [String?], into table: String, connection: PostgresConnection, logger: Logger) async throws {
        let definition = columns.map { "\($0.lowercased()) TEXT" }.joined(separator: ", ")
        try await connection.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (\(definition))"), logger: logger)
        try await connection.copyFrom(table: table, columns: columns.map { $0.lowercased() }, logger: logger) { writer in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(1 << 20)
            for index in 0..<count {
                let row = makeRow(index)
                for (index, value) in row.enumerated() {
                    if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                    guard let value else {
                        buffer.writeStaticString("\\N")
                        continue
                    }
                    for byte in value.utf8 {
                        switch byte {
                        case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                        case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
                        case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
                        case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
                        default: buffer.writeInteger(byte)
                        }
                    }
                }
                buffer.writeInteger(UInt8(ascii: "\n"))
                if buffer.readableBytes >= 1 << 20 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
    }
}
