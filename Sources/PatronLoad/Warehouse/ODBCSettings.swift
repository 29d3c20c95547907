import ODBC

/// An ODBC warehouse: a connection string for unixODBC (`DRIVER={…};…` or `DSN=…;`), the text
/// binding, and, for Oracle, the product name the connection test prints.
public struct ODBCSettings: Sendable, Equatable, CustomStringConvertible {
    public var connectionString: String
    public var text: ODBCFetchOptions.Text
    /// Overrides the driver's DBMS name in the connection test ("Oracle Database").
    public var productName: String?

    public init(connectionString: String, text: ODBCFetchOptions.Text = .utf16, productName: String? = nil) {
        self.connectionString = connectionString
        self.text = text
        self.productName = productName
    }

    /// The attribute pairs of the connection string; `{…}` values may hold `;` and `}}`.
    static func attributes(_ connectionString: String) -> [(key: String, value: String, raw: Substring)] {
        var result: [(String, String, Substring)] = []
        var index = connectionString.startIndex
        while index < connectionString.endIndex {
            let start = index
            guard let equals = connectionString[index...].firstIndex(of: "=") else { break }
            let key = connectionString[index..<equals].trimmingCharacters(in: .whitespaces)
            index = connectionString.index(after: equals)
            var value = ""
            if index < connectionString.endIndex, connectionString[index] == "{" {
                index = connectionString.index(after: index)
                while index < connectionString.endIndex {
                    let character = connectionString[index]
                    let following = connectionString.index(after: index)
                    if character == "}" {
                        if following < connectionString.endIndex, connectionString[following] == "}" {
                            value.append("}")
                            index = connectionString.index(after: following)
                            continue
                        }
                        index = following
                        break
                    }
                    value.append(character)
                    index = following
                }
                while index < connectionString.endIndex, connectionString[index] != ";" { index = connectionString.index(after: index) }
            } else {
                let end = connectionString[index...].firstIndex(of: ";") ?? connectionString.endIndex
                value = String(connectionString[index..<end])
                index = end
            }
            result.append((key, value, connectionString[start..<index]))
            if index < connectionString.endIndex { index = connectionString.index(after: index) }
        }
        return result
    }

    private static let secretKeys: Set<String> = ["PWD", "PASSWORD"]

    /// The DRIVER attribute, or the DSN, for messages.
    var driver: String? {
        let attributes = Self.attributes(connectionString)
        return attributes.first { $0.key.uppercased() == "DRIVER" }?.value ?? attributes.first { $0.key.uppercased() == "DSN" }.map { "DSN \($0.value)" }
    }

    /// The string handed to the driver manager. psqlODBC reads a whole result into memory unless
    /// told to use a cursor, so for PostgreSQL drivers patronload asks for one (UseDeclareFetch=1)
    /// unless the string already says.
    public var effectiveConnectionString: String {
        let attributes = Self.attributes(connectionString)
        let isPostgres = attributes.contains { $0.key.uppercased() == "DRIVER" && $0.value.lowercased().contains("postgres") }
        guard isPostgres, !attributes.contains(where: { $0.key.uppercased() == "USEDECLAREFETCH" }) else { return connectionString }
        return connectionString + (connectionString.hasSuffix(";") || connectionString.isEmpty ? "" : ";") + "UseDeclareFetch=1;Fetch=2000;"
    }

    /// Values that must never appear in a message or log.
    var secrets: [String] {
        Self.attributes(connectionString).filter { Self.secretKeys.contains($0.key.uppercased()) && !$0.value.isEmpty }.map(\.value)
    }

    /// The connection string with passwords replaced by `***`.
    public var description: String {
        Self.attributes(connectionString).map { attribute in
            Self.secretKeys.contains(attribute.key.uppercased()) ? "\(attribute.key)=***" : String(attribute.raw)
        }.joined(separator: ";")
    }

    /// Quotes a value for a connection string: braces, with `}` doubled.
    public static func quote(_ value: String) -> String {
        "{" + value.replacingOccurrences(of: "}", with: "}}") + "}"
    }
}

/// Oracle through Oracle's Instant Client ODBC driver, from the seed's DATA_WAREHOUSE_USER,
/// _PASSWORD, _HOST, _PORT and _SID (or the DATAWAREHOUSE_CLOUDCONNECTOR_JSON secret).
public struct OracleSettings: Sendable, Equatable {
    public var user: String
    public var password: String
    public var host: String
    public var port: Int
    public var sid: String
    /// The driver's name in odbcinst.ini (ORACLE_ODBC_DRIVER; default `Oracle`).
    public var driver: String

    public init(user: String, password: String, host: String, port: Int, sid: String, driver: String = "Oracle") {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.sid = sid
        self.driver = driver
    }

    /// A connect descriptor naming the SID, as the reference loader's `makedsn(host, port, sid)`.
    public var odbc: ODBCSettings {
        let descriptor = "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=\(host))(PORT=\(port)))(CONNECT_DATA=(SID=\(sid))))"
        let connection = "DRIVER=\(ODBCSettings.quote(driver));DBQ=\(ODBCSettings.quote(descriptor));UID=\(ODBCSettings.quote(user));PWD=\(ODBCSettings.quote(password));"
        return ODBCSettings(connectionString: connection, text: .utf16, productName: "Oracle Database")
    }
}
