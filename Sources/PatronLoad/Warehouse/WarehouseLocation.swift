import Foundation
import Logging
import ODBC
@_exported import PostgresURL

/// Which warehouse to read, from `DATA_WAREHOUSE_URL` (or `--warehouse`), or from the seed's
/// Oracle settings.
public enum WarehouseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresSettings)
    case odbc(ODBCSettings)

    /// `sqlite:PATH`, `postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=…`, or
    /// `odbc:<connection string>` (e.g. `odbc:DRIVER={PostgreSQL Unicode};Servername=…;`).
    public init(url: String, odbcText: ODBCFetchOptions.Text = .utf16) throws(WarehouseError) {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        if let rest = trimmed.dropPrefix("sqlite://") ?? trimmed.dropPrefix("sqlite:") {
            guard !rest.isEmpty else {
                throw WarehouseError(.invalidConfiguration, "DATA_WAREHOUSE_URL `sqlite:` needs a file path, e.g. sqlite:demo/warehouse.sqlite")
            }
            self = .sqlite(path: rest)
        } else if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            do {
                self = .postgres(try PostgresSettings(url: trimmed))
            } catch {
                throw WarehouseError(.invalidConfiguration, "DATA_WAREHOUSE_URL: \(error.message)")
            }
        } else if let rest = trimmed.dropPrefix("odbc:") {
            guard rest.contains("=") else {
                throw WarehouseError(.invalidConfiguration, "DATA_WAREHOUSE_URL `odbc:` needs a connection string, e.g. odbc:DSN=warehouse; or odbc:DRIVER={PostgreSQL Unicode};Servername=…;")
            }
            self = .odbc(ODBCSettings(connectionString: rest, text: odbcText))
        } else {
            // Only something shaped like a scheme is echoed: a mistyped value may hold a password.
            let head = trimmed.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            let looksLikeScheme = trimmed.contains(":") && !head.isEmpty && head.count <= 16 && head.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" }
            let named = looksLikeScheme ? "an unknown scheme `\(head)`" : "no scheme"
            throw WarehouseError(.invalidConfiguration, "DATA_WAREHOUSE_URL has \(named); use sqlite:PATH, postgres://… or odbc:CONNECTION-STRING")
        }
    }

    public static func oracle(_ settings: OracleSettings) -> WarehouseLocation {
        .odbc(settings.odbc)
    }

    /// The location without credentials, for logs.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let settings): settings.description
        case .odbc(let settings): "odbc:\(settings.description)"
        }
    }

    public func makeSource(logger: Logger = Logger(label: "patronload.warehouse")) -> any PatronSource {
        switch self {
        case .sqlite(let path): SQLitePatronSource(path: path)
        case .postgres(let settings): PostgresPatronSource(settings: settings, logger: logger)
        case .odbc(let settings): ODBCPatronSource(settings: settings)
        }
    }
}

extension String {
    func dropPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
