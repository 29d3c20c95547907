/// Every environment variable patronload reads, with what it means. `--help` prints this table,
/// and `LoadConfiguration.resolve` is the only reader.
public enum EnvironmentVariable: String, CaseIterable, Sendable {
    case warehouseURL = "DATA_WAREHOUSE_URL"
    case warehouseUser = "DATA_WAREHOUSE_USER"
    case warehousePassword = "DATA_WAREHOUSE_PASSWORD"
    case warehouseHost = "DATA_WAREHOUSE_HOST"
    case warehousePort = "DATA_WAREHOUSE_PORT"
    case warehouseSID = "DATA_WAREHOUSE_SID"
    case cloudConnectorJSON = "DATAWAREHOUSE_CLOUDCONNECTOR_JSON"
    case oracleODBCDriver = "ORACLE_ODBC_DRIVER"
    case oracleLibDir = "ORACLE_LIB_DIR"
    case odbcText = "DATA_WAREHOUSE_ODBC_TEXT"
    case profile = "PATRONLOAD_PROFILE"
    case outputDirectory = "PATRONLOAD_OUTPUT_DIR"
    case workspace = "WORKSPACE"
    case logLevel = "LOG_LEVEL"
    case sentryDSN = "SENTRY_DSN"

    public var help: String {
        switch self {
        case .warehouseURL: "sqlite:PATH, postgres://… or odbc:CONN-STRING"
        case .warehouseUser: "Oracle user (with _PASSWORD, _HOST, _PORT, _SID)"
        case .warehousePassword: "Oracle password"
        case .warehouseHost: "Oracle host"
        case .warehousePort: "Oracle port"
        case .warehouseSID: "Oracle SID"
        case .cloudConnectorJSON: "Oracle as JSON: USER, PASSWORD, HOST, PORT, PATH"
        case .oracleODBCDriver: "Oracle's driver name in odbcinst.ini (default: Oracle)"
        case .oracleLibDir: "Instant Client folder, added to LD_LIBRARY_PATH"
        case .odbcText: "ODBC text binding: utf16 (default) or utf8"
        case .profile: "profile JSON (default: the bundled reference)"
        case .outputDirectory: "local destination folder (default: out)"
        case .workspace: "name in the report subject (default: local)"
        case .logLevel: "trace ... critical (default: info)"
        case .sentryDSN: "error reporting; unset or None: off"
        }
    }
}
