import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import PostgresURL

/// A PostgreSQL warehouse through PostgresNIO. Each query gets its own connection, and its rows
/// stream with backpressure: the server sends more only as the run consumes them.
public struct PostgresPatronSource: PatronSource {
    public let settings: PostgresSettings
    private let logger: Logger

    public init(settings: PostgresSettings, logger: Logger = Logger(label: "patronload.postgres")) {
        self.settings = settings
        self.logger = logger
    }

    public var description: String { "PostgreSQL \(settings.description)" }

    public func serverVersion() async throws(WarehouseError) -> ServerVersion {
        let connection = try await connect()
        defer { Task { try? await connection.close() } }
        do {
            let rows = try await connection.query("SHOW server_version", logger: logger)
            for try await row in rows {
                let version = try row.decode(String.self)
                return ServerVersion(product: "PostgreSQL", version: version)
            }
            return ServerVersion(product: "PostgreSQL", version: "unknown")
        } catch {
            throw translate(error, during: "asking for the server version")
        }
    }

    public func openCursor(_ sql: String) async throws(WarehouseError) -> sending any RowCursor {
        let connection = try await connect()
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            var iterator = rows.makeAsyncIterator()
            // The column names come with the rows: read the first one now so that `columns` is
            // known before the caller maps anything.
            let first = try await iterator.next()
            return PostgresRowCursor(connection: connection, iterator: iterator, first: first, source: self)
        } catch {
            try? await connection.close()
            throw translate(error, during: "running the query")
        }
    }

    private func connect() async throws(WarehouseError) -> PostgresConnection {
        let configuration: PostgresConnection.Configuration
        do {
            configuration = try settings.connectionConfiguration()
        } catch {
            throw WarehouseError(.invalidConfiguration, error.message)
        }
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw translate(error, during: "connecting")
        }
    }

    /// One line that says what went wrong and what to fix; never the password.
    func translate(_ error: any Error, during step: String) -> WarehouseError {
        let at = "\(settings.host):\(settings.port)"
        guard let psql = error as? PSQLError else {
            if let warehouse = error as? WarehouseError { return warehouse }
            return WarehouseError(.unreachable, "Cannot reach PostgreSQL at \(at) while \(step): \(Self.describe(error)); check the host, port and firewall")
        }
        let state = psql.serverInfo?[.sqlState]
        let message = (psql.serverInfo?[.message] ?? "\(psql.code)").split(whereSeparator: \.isNewline).joined(separator: " ")
        switch (psql.code, state) {
        case (.server, "28P01"?), (.server, "28000"?):
            return WarehouseError(.authenticationFailed, "PostgreSQL at \(at) refused user \(settings.user) (\(message)); check the user name and password in DATA_WAREHOUSE_URL", code: state)
        case (.server, "3D000"?):
            return WarehouseError(.notFound, "PostgreSQL at \(at): \(message); check the database name in DATA_WAREHOUSE_URL", code: state)
        case (.server, let code?) where code.hasPrefix("42"):
            return WarehouseError(.queryFailed, "The query failed on PostgreSQL at \(at): \(message); fix the query in the profile", code: state)
        case (.server, _):
            return WarehouseError(.readFailed, "PostgreSQL at \(at) failed while \(step): \(message)", code: state)
        case (.sslUnsupported, _):
            return WarehouseError(.unreachable, "PostgreSQL at \(at) does not accept TLS, but sslmode=\(settings.sslMode.rawValue) requires it; enable ssl on the server or change sslmode")
        case (.authMechanismRequiresPassword, _):
            return WarehouseError(.authenticationFailed, "PostgreSQL at \(at) asks user \(settings.user) for a password and DATA_WAREHOUSE_URL has none")
        case (.failedToAddSSLHandler, _):
            return WarehouseError(.unreachable, "The TLS handshake with PostgreSQL at \(at) failed; check sslmode and sslrootcert")
        default:
            let underlying = psql.underlying.map(Self.describe) ?? "\(psql.code)"
            if underlying.lowercased().contains("certificate") || underlying.contains("NIOSSL") || underlying.contains("handshake") {
                return WarehouseError(.unreachable, "The TLS handshake with PostgreSQL at \(at) failed (\(underlying)); check sslmode and sslrootcert")
            }
            return WarehouseError(.unreachable, "Cannot reach PostgreSQL at \(at) while \(step): \(underlying); check the host, port and firewall")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let io = error as? IOError { return io.description }
        if let channel = error as? ChannelError {
            if case .connectTimeout = channel { return "the connection timed out" }
            return "\(channel)"
        }
        if let ssl = error as? NIOSSLError { return "NIOSSL: \(ssl)" }
        if let ssl = error as? BoringSSLError { return "certificate/handshake error: \(ssl)" }
        let text = String(describing: error)
        return text.contains("connection refused") || text.contains("Connection refused") ? "connection refused" : text
    }
}

final class PostgresRowCursor: RowCursor {
    private let connection: PostgresConnection
    private var iterator: PostgresRowSequence.AsyncIterator?
    private var pending: PostgresRow?
    private let source: PostgresPatronSource
    let columns: [String]

    init(connection: PostgresConnection, iterator: PostgresRowSequence.AsyncIterator, first: PostgresRow?, source: PostgresPatronSource) {
        self.connection = connection
        self.iterator = first == nil ? nil : iterator
        self.pending = first
        self.source = source
        self.columns = first.map { $0.map(\.columnName) } ?? []
    }

    func next() async throws(WarehouseError) -> [String?]? {
        let row: PostgresRow
        if let pending {
            row = pending
            self.pending = nil
        } else {
            guard iterator != nil else { return nil }
            do {
                guard let next = try await iterator!.next() else {
                    iterator = nil
                    return nil
                }
                row = next
            } catch {
                iterator = nil
                throw source.translate(error, during: "reading rows")
            }
        }
        var values: [String?] = []
        values.reserveCapacity(columns.count)
        for cell in row {
            values.append(try PostgresText.text(of: cell))
        }
        return values
    }

    func close() async {
        iterator = nil
        try? await connection.close()
    }
}

/// Turns a cell into the text the mapping reads: text as it is, numbers and booleans printed,
/// dates as `2027-06-30`, timestamps as `2027-06-30 14:05:00` (UTC), NULL as nil.
enum PostgresText {
    static func text(of cell: PostgresCell) throws(WarehouseError) -> String? {
        guard cell.bytes != nil else { return nil }
        do {
            switch cell.dataType {
            case .text, .varchar, .bpchar, .name, .uuid, .json, .jsonb, .unknown:
                return try cell.decode(String.self)
            case .int2, .int4, .int8, .oid:
                return String(try cell.decode(Int.self))
            case .float4, .float8:
                return String(try cell.decode(Double.self))
            case .numeric:
                return try numeric(cell)
            case .bool:
                return try cell.decode(Bool.self) ? "true" : "false"
            case .date:
                return day(try cell.decode(Date.self))
            case .timestamp, .timestamptz:
                return timestamp(try cell.decode(Date.self))
            default:
                throw WarehouseError(.readFailed, "Column \(cell.columnName) has PostgreSQL type \(cell.dataType), which patronload does not read; cast it in the query (\(cell.columnName)::text)")
            }
        } catch let error as WarehouseError {
            throw error
        } catch {
            throw WarehouseError(.readFailed, "Column \(cell.columnName) could not be read as \(cell.dataType): \(error)")
        }
    }

    /// NUMERIC as PostgreSQL prints it, scale kept (`12.50`, not `12.5`). Binary form: digit
    /// count, weight, sign, display scale, then base-10000 digits.
    static func numeric(_ cell: PostgresCell) throws(WarehouseError) -> String {
        guard cell.format == .binary else { return String(buffer: cell.bytes!) }
        var buffer = cell.bytes!
        guard let count = buffer.readInteger(as: Int16.self), let weight = buffer.readInteger(as: Int16.self),
              let sign = buffer.readInteger(as: UInt16.self), let scale = buffer.readInteger(as: UInt16.self) else {
            throw WarehouseError(.readFailed, "Column \(cell.columnName) holds a NUMERIC that could not be read")
        }
        if sign == 0xC000 { return "NaN" }
        var digits: [Int] = []
        for _ in 0..<max(0, Int(count)) {
            guard let digit = buffer.readInteger(as: Int16.self) else {
                throw WarehouseError(.readFailed, "Column \(cell.columnName) holds a NUMERIC that could not be read")
            }
            digits.append(Int(digit))
        }
        func group(_ index: Int) -> Int { index >= 0 && index < digits.count ? digits[index] : 0 }
        var integer = ""
        if weight < 0 {
            integer = "0"
        } else {
            for index in 0...Int(weight) {
                let text = String(group(index))
                integer += index == 0 ? text : String(repeating: "0", count: 4 - text.count) + text
            }
        }
        var fraction = ""
        var index = Int(weight) + 1
        while fraction.count < Int(scale) {
            let text = String(group(index))
            fraction += String(repeating: "0", count: 4 - text.count) + text
            index += 1
        }
        fraction = String(fraction.prefix(Int(scale)))
        let magnitude = scale > 0 ? "\(integer).\(fraction)" : integer
        return sign == 0x4000 ? "-" + magnitude : magnitude
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    static func day(_ date: Date) -> String {
        let p = utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", p.year!, p.month!, p.day!)
    }

    static func timestamp(_ date: Date) -> String {
        let p = utc.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        var text = String(format: "%04d-%02d-%02d %02d:%02d:%02d", p.year!, p.month!, p.day!, p.hour!, p.minute!, p.second!)
        let micros = Int((Double(p.nanosecond ?? 0) / 1000).rounded())
        if micros > 0 { text += String(format: ".%06d", micros) }
        return text
    }
}

