import NIOPosix
import ODBC

/// A warehouse reached through unixODBC: Oracle (Instant Client's driver) in production, any
/// other driver registered in odbcinst.ini. ODBC calls block, so they run on NIO's thread pool,
/// never on the cooperative threads that render and compress; rows arrive a block at a time.
public struct ODBCPatronSource: PatronSource {
    public let settings: ODBCSettings

    public init(settings: ODBCSettings) {
        self.settings = settings
    }

    public var description: String { "ODBC \(settings.description)" }

    public func serverVersion() async throws(WarehouseError) -> ServerVersion {
        let settings = settings
        do {
            return try await NIOThreadPool.singleton.runIfActive {
                let connection = try ODBCConnection(connectionString: settings.effectiveConnectionString)
                return ServerVersion(product: settings.productName ?? connection.dbmsName, version: connection.dbmsVersion)
            }
        } catch {
            throw translate(error, querying: false)
        }
    }

    public func openCursor(_ sql: String) async throws(WarehouseError) -> sending any RowCursor {
        let settings = settings
        let statement: ODBCStatement
        do {
            let connection = try await NIOThreadPool.singleton.runIfActive {
                try ODBCConnection(connectionString: settings.effectiveConnectionString)
            }
            do {
                statement = try await NIOThreadPool.singleton.runIfActive {
                    try connection.execute(sql, options: ODBCFetchOptions(text: settings.text))
                }
            } catch {
                throw translate(error, querying: true)
            }
        } catch let error as WarehouseError {
            throw error
        } catch {
            throw translate(error, querying: false)
        }
        return ODBCRowCursor(statement: statement, source: self)
    }

    /// One line per failure, what to fix, and no password (drivers sometimes quote the
    /// connection string back).
    func translate(_ error: any Error, querying: Bool) -> WarehouseError {
        guard let odbc = error as? ODBCError else {
            return WarehouseError(.unreachable, redact("ODBC failed: \(error)"))
        }
        let message = redact(odbc.message)
        let state = odbc.sqlState ?? ""
        let lower = message.lowercased()
        if state == "IM002" || lower.contains("can't open lib") || lower.contains("file not found") || lower.contains("data source name not found") {
            let driver = settings.driver.map { "`\($0)`" } ?? "named in the connection string"
            return WarehouseError(.driverMissing, "The ODBC driver \(driver) is not installed or not registered (\(message)); install it and register it in /etc/odbcinst.ini (docs/patronload.md: Oracle in the image; README: Warehouses)", code: state)
        }
        if querying {
            return WarehouseError(.queryFailed, "The query failed on \(description): \(message); fix the query in the profile", code: state)
        }
        if state.hasPrefix("28") || lower.contains("password authentication failed") || lower.contains("ora-01017") || lower.contains("invalid username/password") {
            return WarehouseError(.authenticationFailed, "The warehouse refused the login (\(message)); check the user name and password", code: state)
        }
        // ORA-12505 and ORA-12514: the listener answered, but knows no such SID or service.
        if lower.contains("ora-12505") || lower.contains("ora-12514") {
            return WarehouseError(.unreachable, "The Oracle listener at \(description) does not know the database asked for (\(message)); check DATA_WAREHOUSE_SID, or give a service name in DATA_WAREHOUSE_URL", code: state)
        }
        if state.hasPrefix("08") || state == "HYT00" || lower.contains("could not connect") || lower.contains("connection refused") || lower.contains("ora-125") {
            return WarehouseError(.unreachable, "Cannot reach the warehouse through \(description) (\(message)); check the host, port and firewall", code: state)
        }
        return WarehouseError(.readFailed, "ODBC \(odbc.operation) failed on \(description): [\(state)] \(message)", code: state)
    }

    func redact(_ text: String) -> String {
        settings.secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }
}

final class ODBCRowCursor: RowCursor {
    private var statement: ODBCStatement?
    private let source: ODBCPatronSource
    private var block: [[String?]] = []
    private var position = 0
    let columns: [String]

    init(statement: ODBCStatement, source: ODBCPatronSource) {
        self.statement = statement
        self.source = source
        self.columns = statement.columns.map(\.name)
    }

    func next() async throws(WarehouseError) -> [String?]? {
        if position < block.count {
            defer { position += 1 }
            return block[position]
        }
        guard let statement else { return nil }
        do {
            guard let next = try await NIOThreadPool.singleton.runIfActive({ try statement.fetchBlock() }), !next.isEmpty else {
                self.statement = nil
                return nil
            }
            block = next
            position = 1
            return next[0]
        } catch {
            self.statement = nil
            throw source.translate(error, querying: true)
        }
    }

    func close() async {
        // Freeing the statement and connection handles may talk to the server: off the cooperative pool.
        if let statement {
            self.statement = nil
            _ = try? await NIOThreadPool.singleton.runIfActive { withExtendedLifetime(statement) {} }
        }
    }
}
