import Foundation

/// A PostgreSQL warehouse, parsed from `postgres://user:password@host:port/database?options`.
/// Options: `sslmode` (disable, prefer (default), require, verify-ca, verify-full), `sslrootcert`
/// (a PEM file of trusted CAs), `search_path` (schemas holding the views), `connect_timeout` (s).
public struct PostgresSettings: Sendable, Equatable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode = .prefer
    public var sslRootCertificate: String?
    public var searchPath: String?
    public var connectTimeout: Int = 10

    public init(host: String, port: Int = 5432, user: String, password: String?, database: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    public init(url: String) throws(WarehouseError) {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw WarehouseError(.invalidConfiguration, "DATA_WAREHOUSE_URL is not a valid postgres:// URL; use postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let user = components.user, !user.isEmpty else {
            throw WarehouseError(.invalidConfiguration, "DATA_WAREHOUSE_URL names no user; use postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        self.init(
            host: host,
            port: components.port ?? 5432,
            user: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: String(components.path.drop { $0 == "/" }).removingPercentEncoding ?? user
        )
        if database.isEmpty { database = self.user }
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw WarehouseError(.invalidConfiguration, "DATA_WAREHOUSE_URL has sslmode=\(value); use one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert": sslRootCertificate = value
            case "search_path": searchPath = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw WarehouseError(.invalidConfiguration, "DATA_WAREHOUSE_URL has connect_timeout=\(value); use a number of seconds")
                }
                connectTimeout = seconds
            case "application_name": break
            default:
                throw WarehouseError(.invalidConfiguration, "DATA_WAREHOUSE_URL has an unknown option \(item.name); patronload knows sslmode, sslrootcert, search_path and connect_timeout")
            }
        }
    }

    /// The URL without the password.
    public var description: String {
        var options: [String] = ["sslmode=\(sslMode.rawValue)"]
        if let searchPath { options.append("search_path=\(searchPath)") }
        return "postgres://\(user)@\(host):\(port)/\(database)?\(options.joined(separator: "&"))"
    }
}
