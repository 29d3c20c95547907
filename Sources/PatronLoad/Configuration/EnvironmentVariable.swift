import AWS

/// Every environment variable patronload reads, with what it means. `--help` prints this table
/// and `aws`, and `LoadConfiguration.resolve` is the only reader.
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
    case s3Bucket = "S3_BUCKET_NAME"
    case s3Prefix = "S3_PREFIX"
    case s3PathStyle = "S3_FORCE_PATH_STYLE"
    case sesRecipient = "SES_RECIPIENT_EMAIL"
    case sesSender = "SES_SEND_FROM_EMAIL"
    case sesRegion = "SES_REGION"
    case historyPrefix = "PATRONLOAD_HISTORY_PREFIX"
    case historyDirectory = "PATRONLOAD_HISTORY_DIR"
    case profile = "PATRONLOAD_PROFILE"
    case outputDirectory = "PATRONLOAD_OUTPUT_DIR"
    case workspace = "WORKSPACE"
    case logLevel = "LOG_LEVEL"
    case sentryDSN = "SENTRY_DSN"
    case maxDropPercent = "PATRONLOAD_MAX_DROP_PERCENT"
    case lockFile = "PATRONLOAD_LOCK_FILE"
    case lockStaleHours = "PATRONLOAD_LOCK_STALE_HOURS"
    case folioURL = "FOLIO_URL"
    case folioTenant = "FOLIO_TENANT"
    case folioUsername = "FOLIO_USERNAME"
    case folioPassword = "FOLIO_PASSWORD"
    case folioPasswordFile = "FOLIO_PASSWORD_FILE"

    public var help: String {
        switch self {
        case .warehouseURL: "sqlite:…, postgres://… or odbc:…"
        case .warehouseUser: "Oracle user (with the four below)"
        case .warehousePassword: "Oracle password"
        case .warehouseHost: "Oracle host"
        case .warehousePort: "Oracle port"
        case .warehouseSID: "Oracle SID"
        case .cloudConnectorJSON: "Oracle as one JSON secret (PATH = SID)"
        case .oracleODBCDriver: "its odbcinst.ini name (default: Oracle)"
        case .oracleLibDir: "Instant Client folder (LD_LIBRARY_PATH)"
        case .odbcText: "ODBC text: utf16 (default) or utf8"
        case .s3Bucket: "deliver to this S3 bucket"
        case .s3Prefix: "folder in the bucket that Alma reads"
        case .s3PathStyle: "true: path-style S3 URLs"
        case .sesRecipient: "email the report to (comma-separated)"
        case .sesSender: "email the report from (SES-verified)"
        case .sesRegion: "SES region (default: AWS_REGION)"
        case .historyPrefix: "S3 key prefix of the run history"
        case .historyDirectory: "folder of the run history (local)"
        case .profile: "profile JSON (default: bundled)"
        case .outputDirectory: "local destination (default: out)"
        case .workspace: "report subject's name (default: local)"
        case .logLevel: "trace ... critical (default: info)"
        case .sentryDSN: "Sentry DSN; unset or None: off"
        case .maxDropPercent: "safety stop: a type may shrink this % (20)"
        case .lockFile: "extra run lock file, only without history"
        case .lockStaleHours: "S3 run lock taken over after (12)"
        case .folioURL: "Okapi URL: deliver to FOLIO's user import"
        case .folioTenant: "the FOLIO tenant"
        case .folioUsername: "FOLIO user the loader logs in as"
        case .folioPassword: "its password (or the file below)"
        case .folioPasswordFile: "a file holding the password"
        }
    }

    /// The AWS clients' variables (endpoints, region, credentials), which `resolve` hands to them.
    public static var aws: [(name: String, help: String)] {
        AWSEnvironmentVariable.allCases.map { ($0.rawValue, $0.help) }
    }
}
