import Foundation
import NIOSSL
import PostgresNIO

/// A PostgreSQL URL that cannot be used, with what to fix.
public struct PostgresSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

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

    public init(url: String) throws(PostgresSettingsError) {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw PostgresSettingsError("not a valid postgres:// URL; use postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        // Decoded exactly once, from the encoded parts: `user` and `password` are already decoded,
        // and decoding them again would turn a password containing `%41` into one with `A`.
        guard let encodedUser = components.percentEncodedUser, let user = encodedUser.removingPercentEncoding, !user.isEmpty else {
            throw PostgresSettingsError("the URL names no user; use postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        let encodedPath = String(components.percentEncodedPath.drop { $0 == "/" })
        self.init(
            host: host,
            port: components.port ?? 5432,
            user: user,
            password: components.percentEncodedPassword.map { $0.removingPercentEncoding ?? $0 },
            database: encodedPath.removingPercentEncoding ?? encodedPath
        )
        if database.isEmpty { database = self.user }
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw PostgresSettingsError("the URL has sslmode=\(value); use one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert": sslRootCertificate = value
            case "search_path": searchPath = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw PostgresSettingsError("the URL has connect_timeout=\(value); use a number of seconds")
                }
                connectTimeout = seconds
            case "application_name": break
            default:
                throw PostgresSettingsError("the URL has an unknown option \(item.name); the options are sslmode, sslrootcert, search_path and connect_timeout")
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

extension PostgresSettings {
    /// PostgresNIO's configuration for these settings, TLS included.
    public func connectionConfiguration() throws(PostgresSettingsError) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: try tls()
        )
        configuration.options.connectTimeout = .seconds(Int64(connectTimeout))
        if let searchPath {
            configuration.options.additionalStartupParameters = [("search_path", searchPath)]
        }
        return configuration
    }

    private func tls() throws(PostgresSettingsError) -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable:
            return .disable
        case .prefer, .require:
            // libpq's meaning: encrypt, but verify the server only when a root certificate is given.
            tls.certificateVerification = sslRootCertificate == nil ? .none : .noHostnameVerification
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if let file = sslRootCertificate {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
            } catch {
                throw PostgresSettingsError("Cannot read sslrootcert \(file): \(error)")
            }
        }
        do {
            let context = try NIOSSLContext(configuration: tls)
            return sslMode == .prefer ? .prefer(context) : .require(context)
        } catch {
            throw PostgresSettingsError("Cannot set up TLS for PostgreSQL: \(error)")
        }
    }

    /// The same settings for a connection pool.
    public func clientConfiguration() throws(PostgresSettingsError) -> PostgresClient.Configuration {
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable: break
        case .prefer, .require: tlsConfiguration.certificateVerification = sslRootCertificate == nil ? .none : .noHostnameVerification
        case .verifyCA: tlsConfiguration.certificateVerification = .noHostnameVerification
        case .verifyFull: tlsConfiguration.certificateVerification = .fullVerification
        }
        if let file = sslRootCertificate {
            do {
                tlsConfiguration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
            } catch {
                throw PostgresSettingsError("Cannot read sslrootcert \(file): \(error)")
            }
        }
        let tls: PostgresClient.Configuration.TLS = switch sslMode {
        case .disable: .disable
        case .prefer: .prefer(tlsConfiguration)
        default: .require(tlsConfiguration)
        }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(Int64(connectTimeout))
        if let searchPath { configuration.options.additionalStartupParameters = [("search_path", searchPath)] }
        return configuration
    }

}
