import Foundation
import Testing
@testable import PatronLoad

@Suite struct WarehouseLocationTests {
    @Test func parsesEachScheme() throws {
        #expect(try WarehouseLocation(url: "sqlite:demo/w.sqlite") == .sqlite(path: "demo/w.sqlite"))
        #expect(try WarehouseLocation(url: "sqlite:///srv/w.sqlite") == .sqlite(path: "/srv/w.sqlite"))
        guard case .postgres(let settings) = try WarehouseLocation(url: "postgres://lib%40reader:p%3Ass@db.example.edu:6432/warehouse?sslmode=verify-full&search_path=patrons") else {
            Issue.record("expected postgres"); return
        }
        #expect(settings.user == "lib@reader" && settings.password == "p:ss")
        #expect(settings.host == "db.example.edu" && settings.port == 6432 && settings.database == "warehouse")
        #expect(settings.sslMode == .verifyFull && settings.searchPath == "patrons")
        // Decoded once: a password that holds `%41` literally is sent as `%41`, not `A`.
        guard case .postgres(let literal) = try WarehouseLocation(url: "postgres://r%2541der:50%2541%25@db/w%2520h") else {
            Issue.record("expected postgres"); return
        }
        #expect(literal.user == "r%41der" && literal.password == "50%41%" && literal.database == "w%20h")
        guard case .odbc(let odbc) = try WarehouseLocation(url: "odbc:DSN=warehouse;UID=u;PWD={s;e}}cret};", odbcText: .utf8) else {
            Issue.record("expected odbc"); return
        }
        #expect(odbc.connectionString == "DSN=warehouse;UID=u;PWD={s;e}}cret};")
        #expect(odbc.text == .utf8)
        #expect(odbc.secrets == ["s;e}cret"])
    }

    @Test func aMistypedURLIsNotEchoed() {
        // An Oracle-style `user/password@host:port/SID` given as the URL: the password stays out.
        for url in ["patronload/s3cr3t-pw@dw.example.edu:1521/DWPROD", "patronload/s3cr3t-pw"] {
            #expect { try WarehouseLocation(url: url) } throws: { error in
                "\(error)".contains("DATA_WAREHOUSE_URL has no scheme") && !"\(error)".contains("s3cr3t-pw")
            }
        }
    }

    @Test func descriptionsNeverHoldThePassword() throws {
        let postgres = try WarehouseLocation(url: "postgres://reader:hunter2@db:5432/w")
        #expect(!postgres.description.contains("hunter2"))
        #expect(postgres.description == "postgres://reader@db:5432/w?sslmode=prefer")
        let odbc = try WarehouseLocation(url: "odbc:DRIVER={PostgreSQL Unicode};Servername=db;Uid=reader;Pwd=hunter2;Port=5432;")
        #expect(odbc.description == "odbc:DRIVER={PostgreSQL Unicode};Servername=db;Uid=reader;Pwd=***;Port=5432")
        let oracle = WarehouseLocation.oracle(OracleSettings(user: "u", password: "hunter2", host: "h", port: 1521, sid: "ORCL"))
        #expect(!oracle.description.contains("hunter2"))
    }

    @Test(arguments: [
        ("mysql://x", "unknown scheme `mysql`"),
        ("postgres://db/w", "names no user"),
        ("postgres://u@db/w?sslmode=always", "sslmode=always"),
        ("postgres://u@db/w?ssl=true", "unknown option ssl"),
        ("odbc:", "needs a connection string"),
    ])
    func badURLsSayWhatToFix(url: String, message: String) {
        #expect { try WarehouseLocation(url: url) } throws: { "\($0)".contains(message) }
    }

    @Test func postgresDriversStreamThroughACursor() {
        #expect(ODBCSettings(connectionString: "DRIVER={PostgreSQL Unicode};Servername=db").effectiveConnectionString == "DRIVER={PostgreSQL Unicode};Servername=db;UseDeclareFetch=1;Fetch=2000;")
        #expect(ODBCSettings(connectionString: "DRIVER={PostgreSQL Unicode};UseDeclareFetch=0;").effectiveConnectionString == "DRIVER={PostgreSQL Unicode};UseDeclareFetch=0;")
        #expect(ODBCSettings(connectionString: "DRIVER={SQLite3};Database=x;").effectiveConnectionString == "DRIVER={SQLite3};Database=x;")
    }

    @Test func seedVariablesMeanOracleThroughODBC() throws {
        let location = try LoadConfiguration.resolveWarehouse(flag: nil, environment: [
            "DATA_WAREHOUSE_USER": "patronload", "DATA_WAREHOUSE_PASSWORD": "pw;}x", "DATA_WAREHOUSE_HOST": "dw.example.edu",
            "DATA_WAREHOUSE_PORT": "1521", "DATA_WAREHOUSE_SID": "DWPROD",
        ])
        guard case .odbc(let settings) = location else { Issue.record("expected ODBC"); return }
        #expect(settings.productName == "Oracle Database")
        #expect(settings.connectionString == "DRIVER={Oracle};DBQ={(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=dw.example.edu)(PORT=1521))(CONNECT_DATA=(SID=DWPROD)))};UID={patronload};PWD={pw;}}x};")
        #expect(settings.secrets == ["pw;}x"])
    }

    @Test func theCloudConnectorSecretWorksToo() throws {
        let json = #"{"USER": "u", "PASSWORD": "p", "HOST": "h", "PORT": "1521", "PATH": "SID1"}"#
        let location = try LoadConfiguration.resolveWarehouse(flag: nil, environment: ["DATAWAREHOUSE_CLOUDCONNECTOR_JSON": json, "ORACLE_ODBC_DRIVER": "Oracle 21 ODBC driver"])
        guard case .odbc(let settings) = location else { Issue.record("expected ODBC"); return }
        #expect(settings.connectionString.hasPrefix("DRIVER={Oracle 21 ODBC driver};DBQ={(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=h)(PORT=1521))(CONNECT_DATA=(SID=SID1)))}"))
        let broken = #"{"USER": "u", "PASSWORD": "sekrit"}"#
        #expect {
            try LoadConfiguration.resolveWarehouse(flag: nil, environment: ["DATAWAREHOUSE_CLOUDCONNECTOR_JSON": broken])
        } throws: { error in
            "\(error)".contains("USER, PASSWORD, HOST, PORT and PATH") && !"\(error)".contains("sekrit")
        }
    }

    @Test func aPartialOracleSetNamesWhatIsMissing() {
        #expect {
            try LoadConfiguration.resolveWarehouse(flag: nil, environment: ["DATA_WAREHOUSE_USER": "u", "DATA_WAREHOUSE_HOST": "h"])
        } throws: { error in
            "\(error)" == "DATA_WAREHOUSE_PASSWORD, DATA_WAREHOUSE_PORT, DATA_WAREHOUSE_SID are required with DATA_WAREHOUSE_USER, DATA_WAREHOUSE_HOST (Oracle through ODBC)"
        }
    }

    @Test func theURLWinsOverTheOracleSet() throws {
        let location = try LoadConfiguration.resolveWarehouse(flag: nil, environment: ["DATA_WAREHOUSE_URL": "sqlite:x.db", "DATA_WAREHOUSE_USER": "u"])
        #expect(location == .sqlite(path: "x.db"))
    }
}
