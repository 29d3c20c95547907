import Foundation

/// Where a destination that is not a local folder (S3, FOLIO) builds its runs' files: one temp
/// folder per destination holds its runs' staging folders, so that a run under the destination's
/// lock knows which leftovers are its own.
struct RemoteStaging: Sendable {
    let root: URL

    /// `key` names the destination (bucket and prefix, FOLIO host and tenant).
    init(key: String) {
        let name = key.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("patronload-staging", isDirectory: true)
            .appendingPathComponent(String(String(name).suffix(120)), isDirectory: true)
    }

    func directory(runID: String) throws -> URL {
        let staging = root.appendingPathComponent("\(runID)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createPrivateDirectory(at: staging)
        return staging
    }

    func leftovers() -> [URL] {
        FileManager.default.subfolders(of: root)
    }
}
