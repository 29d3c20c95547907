import Foundation

/// The seed's ORACLE_LIB_DIR: the Instant Client folder whose libraries Oracle's ODBC driver
/// loads. The dynamic loader reads LD_LIBRARY_PATH only when a process starts, so patronload
/// puts the folder on it and starts itself again, once.
enum OracleLibraryPath {
    static let marker = "PATRONLOAD_ORACLE_LIB_DIR_APPLIED"

    static func apply(environment: [String: String]) {
        guard let folder = environment["ORACLE_LIB_DIR"], !folder.isEmpty, folder != "None", environment[marker] == nil else { return }
        let current = environment["LD_LIBRARY_PATH"] ?? ""
        setenv(marker, folder, 1)
        guard !current.split(separator: ":").contains(Substring(folder)) else { return }
        setenv("LD_LIBRARY_PATH", current.isEmpty ? folder : "\(folder):\(current)", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed: go on; the driver's own error will say what it could not load.
    }
}
