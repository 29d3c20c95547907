import ArgumentParser
import Foundation
import PatronLoad

/// The options every patronload command reads the warehouse and the profile with: declared once.
struct SourceOptions: ParsableArguments {
    @Option(help: "Warehouse: sqlite:PATH, postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=…, or odbc:CONNECTION-STRING. (env: DATA_WAREHOUSE_URL; or the DATA_WAREHOUSE_USER/PASSWORD/HOST/PORT/SID set for Oracle)")
    var warehouse: String?

    @Option(help: "Profile JSON with the queries, columns, codes and lookups. (env: PATRONLOAD_PROFILE; default: the bundled reference profile)")
    var profile: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical. (env: LOG_LEVEL; default: info)")
    var logLevel: String?

    /// The run's settings, or the one line and exit code 2 a command ends with.
    static func resolve(_ options: LoadOptions) throws -> LoadConfiguration {
        do {
            return try LoadConfiguration.resolve(options: options, environment: ProcessInfo.processInfo.environment)
        } catch {
            printError("patronload: \(error)")
            throw ExitCode(ExitStatus.configuration.rawValue)
        }
    }

    /// The settings these options give; a command adds its own.
    var loadOptions: LoadOptions {
        var options = LoadOptions()
        options.warehouse = warehouse
        options.profile = profile
        options.logLevel = logLevel
        return options
    }
}
