import Foundation
import NIOCore
import PostgresNIO

/// A `timestamptz` that keeps FOLIO's milliseconds. PostgresNIO's own `Date` coding goes through
/// Double microseconds and truncates (`.999` is stored `.998999`); this one writes whole
/// milliseconds as whole microseconds, and reads them back to the millisecond.
struct PostgresTimestamp: Sendable, Equatable, PostgresNonThrowingEncodable, PostgresArrayEncodable, PostgresDecodable, PostgresArrayDecodable {
    var date: Date

    init(_ date: Date) {
        self.date = date
    }

    /// PostgreSQL counts from 2000-01-01.
    private static let epochOffsetMicroseconds: Int64 = 946_684_800_000_000

    static var psqlType: PostgresDataType { .timestamptz }
    static var psqlFormat: PostgresFormat { .binary }
    static var psqlArrayType: PostgresDataType { .timestamptzArray }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(date.epochMilliseconds * 1000 - Self.epochOffsetMicroseconds)
    }

    init<JSONDecoder: PostgresJSONDecoder>(from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>) throws {
        guard type == .timestamptz || type == .timestamp else { throw PostgresDecodingError.Code.typeMismatch }
        guard buffer.readableBytes == 8, let microseconds = buffer.readInteger(as: Int64.self) else { throw PostgresDecodingError.Code.failure }
        date = Date(epochMilliseconds: Int64((Double(microseconds + Self.epochOffsetMicroseconds) / 1000).rounded()))
    }
}
