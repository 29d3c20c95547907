import Foundation
import Logging

/// Delivers to a folder: the embedded default, and what an SFTP or mounted-share pickup reads.
/// Files are built in a hidden staging folder inside it, so the final step is a rename.
public struct LocalDirectoryDestination: Destination {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public var description: String { "local folder \(directory.path)" }

    static let stagingPrefix = ".staging-"

    public func stagingDirectory(runID: String) throws -> URL {
        let staging = directory.appendingPathComponent(Self.stagingPrefix + runID, isDirectory: true)
        try FileManager.default.createPrivateDirectory(at: staging)
        return staging
    }

    public func leftoverStagingDirectories() -> [URL] {
        FileManager.default.subfolders(of: directory, prefix: Self.stagingPrefix)
    }

    /// In the folder itself (Alma's pickup reads only `.zip` files): every run that delivers here
    /// finds it, whichever history it keeps.
    public func runLock(staleAfter: TimeInterval) -> any RunLock {
        LocalRunLock(path: directory.appendingPathComponent(".patronload.lock").path)
    }

    public func deliver(_ zips: [BuiltZip], logger: Logger) async throws(DeliveryError) -> DeliveryResult {
        let manager = FileManager.default
        var removed: [String] = []
        var delivered: [DeliveredFile] = []
        var moved: [BuiltZip] = []
        let existing: [String]
        do {
            existing = try manager.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw DeliveryError("Cannot list \(directory.path): \(error.localizedDescription)")
        }
        for name in existing.sorted() where name.lowercased().hasSuffix(".zip") {
            do {
                try manager.removeItem(at: directory.appendingPathComponent(name))
                removed.append(name)
                logger.info("Removed old zip \(name)")
            } catch {
                throw DeliveryError("Cannot remove the old zip \(name) from \(directory.path): \(error.localizedDescription)", removed: removed)
            }
        }
        for zip in zips {
            let target = directory.appendingPathComponent(zip.fileName)
            do {
                // rename(2) replaces atomically; the staging folder is on the same file system.
                if rename(zip.path, target.path) != 0 {
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
            } catch {
                throw DeliveryError("Cannot move \(zip.fileName) into \(directory.path): \(error.localizedDescription)", removed: removed, delivered: delivered)
            }
            delivered.append(DeliveredFile(name: zip.fileName, location: target.path, bytes: zip.bytes))
            var placed = zip
            placed.path = target.path
            moved.append(placed)
            logger.info("Delivered \(zip.fileName) (\(zip.bytes) bytes)")
        }
        return DeliveryResult(removed: removed, delivered: delivered, files: moved)
    }
}
