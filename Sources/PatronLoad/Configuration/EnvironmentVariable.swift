/// Every environment variable patronload reads, with what it means. `--help` prints this table,
/// and `LoadConfiguration.resolve` is the only reader.
public enum EnvironmentVariable: String, CaseIterable, Sendable {
    case warehouseURL = "DATA_WAREHOUSE_URL"
    case profile = "PATRONLOAD_PROFILE"
    case outputDirectory = "PATRONLOAD_OUTPUT_DIR"
    case workspace = "WORKSPACE"
    case logLevel = "LOG_LEVEL"
    case sentryDSN = "SENTRY_DSN"

    public var help: String {
        switch self {
        case .warehouseURL: "warehouse to read: sqlite:PATH"
        case .profile: "profile JSON (default: the bundled reference)"
        case .outputDirectory: "local destination folder (default: out)"
        case .workspace: "name in the report subject (default: local)"
        case .logLevel: "trace ... critical (default: info)"
        case .sentryDSN: "error reporting; unset or None: off"
        }
    }
}
