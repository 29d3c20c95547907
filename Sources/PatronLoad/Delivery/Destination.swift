import Foundation
import Logging

/// What delivery did: the old zips it removed and the new ones it wrote.
public struct DeliveryResult: Sendable, Equatable {
    public var removed: [String]
    public var delivered: [DeliveredFile]
    /// The delivered files where they now lie on this machine, for the run history to archive:
    /// a local folder moved them into place, S3 and FOLIO sent copies and left them in staging.
    public var files: [BuiltZip]

    public init(removed: [String], delivered: [DeliveredFile], files: [BuiltZip]) {
        self.removed = removed
        self.delivered = delivered
        self.files = files
    }
}

/// A delivery failure, with what had already happened, so the report can say exactly where the
/// destination was left.
public struct DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var removed: [String]
    public var delivered: [DeliveredFile]

    public init(_ message: String, removed: [String] = [], delivered: [DeliveredFile] = []) {
        self.message = message
        self.removed = removed
        self.delivered = delivered
    }

    public var description: String {
        var text = message
        text += removed.isEmpty ? "; no old zip was removed" : "; \(removed.count) old zip(s) had been removed"
        text += delivered.isEmpty ? ", no new zip was delivered" : ", \(delivered.count) new zip(s) had been delivered (\(delivered.map(\.name).joined(separator: ", ")))"
        return text
    }
}

/// Where Alma picks the zips up. One implementation per backend: a local folder (the embedded
/// default) or an S3 prefix.
public protocol Destination: Sendable {
    var description: String { get }

    /// A folder to build this run's files in before delivery, on the same file system as the
    /// destination where that makes the final move atomic. Readable by its owner only: it holds
    /// patron records.
    func stagingDirectory(runID: String) throws -> URL

    /// Staging folders that earlier runs to this destination left behind (killed before they
    /// could clean up). Asked only under the destination's lock, so none belongs to a live run.
    func leftoverStagingDirectories() -> [URL]

    /// The lock that keeps two runs from delivering here at once, whatever history each keeps.
    func runLock(staleAfter: TimeInterval) -> any RunLock

    /// Removes the old `.zip` files of the destination, then writes the new ones. Called only with
    /// files that are fully built and checked.
    func deliver(_ zips: [BuiltZip], logger: Logger) async throws(DeliveryError) -> DeliveryResult
}

extension FileManager {
    /// A new folder only its owner can read: staging folders hold patron records.
    func createPrivateDirectory(at url: URL) throws {
        try createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// The sub-folders of `directory` whose names start with `prefix`; none when it cannot be listed.
    func subfolders(of directory: URL, prefix: String = "") -> [URL] {
        let names = (try? contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().filter { $0.hasPrefix(prefix) }.map { directory.appendingPathComponent($0, isDirectory: true) }
    }
}
