import AWS
import Foundation

/// Where the run history lives so that the next run can read it wherever the job runs: beside a
/// local destination, or under an S3 key outside the prefix Alma reads. The manifest is stored
/// last, so a run that fails half-way leaves the previous history whole.
public protocol HistoryStore: Sendable {
    var description: String { get }
    /// Copies the manifest to `path`; false when there is none yet.
    func fetchManifest(to path: String) async throws -> Bool
    func storeManifest(from path: String) async throws
    func archive(_ zips: [BuiltZip], runID: String) async throws
    /// Local copies of an archived run's zips.
    func fetchArchive(_ run: ManifestHeader.ArchivedRun, to directory: String) async throws -> [String]
    func removeArchives(_ runs: [ManifestHeader.ArchivedRun]) async throws
}

/// `<folder>/manifest.bin.gz` and `<folder>/archive/<run>/<zip>`.
public struct LocalHistoryStore: HistoryStore {
    public let directory: URL
    /// Copies a file into the history; a test puts a failing one here to play a full disk.
    var copy: @Sendable (_ from: String, _ to: String) throws -> Void = { try FileManager.default.copyItem(atPath: $0, toPath: $1) }

    public init(directory: URL) {
        self.directory = directory
    }

    public var description: String { "history in \(directory.path)" }
    var manifest: URL { directory.appendingPathComponent("manifest.bin.gz") }

    public func fetchManifest(to path: String) async throws -> Bool {
        guard FileManager.default.fileExists(atPath: manifest.path) else { return false }
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: manifest.path, toPath: path)
        return true
    }

    public func storeManifest(from path: String) async throws {
        let temporary = directory.appendingPathComponent(".manifest.bin.gz.partial")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: temporary)
            try copy(path, temporary.path)
        } catch {
            // A half-written copy is of no use to any run, and it takes the space a retry needs.
            try? FileManager.default.removeItem(at: temporary)
            throw HistoryError.notStored(location: manifest.path, reason: FileFailure.reason(error))
        }
        if rename(temporary.path, manifest.path) != 0 {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw HistoryError.notStored(location: manifest.path, reason: FileFailure.reason(errno: code))
        }
    }

    public func archive(_ zips: [BuiltZip], runID: String) async throws {
        let folder = directory.appendingPathComponent("archive/\(runID)")
        var target = folder
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for zip in zips {
                target = folder.appendingPathComponent(zip.fileName)
                try? FileManager.default.removeItem(at: target)
                try copy(zip.path, target.path)
            }
        } catch {
            if target != folder { try? FileManager.default.removeItem(at: target) }
            throw HistoryError.notStored(location: folder.path, reason: FileFailure.reason(error))
        }
    }

    public func fetchArchive(_ run: ManifestHeader.ArchivedRun, to directory: String) async throws -> [String] {
        run.files.map { self.directory.appendingPathComponent("archive/\(run.runID)/\($0)").path }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }

    public func removeArchives(_ runs: [ManifestHeader.ArchivedRun]) async throws {
        for run in runs {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent("archive/\(run.runID)"))
        }
    }
}

/// `s3://bucket/<prefix>/manifest.bin.gz` and `…/archive/<run>/<zip>`; the prefix must lie
/// outside the one Alma reads.
public struct S3HistoryStore: HistoryStore {
    public let bucket: String
    public let prefix: String
    let client: S3Client

    public init(bucket: String, prefix: String, client: S3Client) {
        self.bucket = bucket
        self.prefix = prefix.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.client = client
    }

    public var description: String { "history in s3://\(bucket)/\(prefix)/" }
    var manifestKey: String { "\(prefix)/manifest.bin.gz" }

    public func fetchManifest(to path: String) async throws -> Bool {
        guard try await client.headObject(bucket: bucket, key: manifestKey) != nil else { return false }
        try await client.download(bucket: bucket, key: manifestKey, to: path)
        return true
    }

    public func storeManifest(from path: String) async throws {
        _ = try await client.upload(bucket: bucket, key: manifestKey, file: path, contentType: "application/octet-stream")
    }

    public func archive(_ zips: [BuiltZip], runID: String) async throws {
        for zip in zips {
            _ = try await client.upload(bucket: bucket, key: "\(prefix)/archive/\(runID)/\(zip.fileName)", file: zip.path)
        }
    }

    public func fetchArchive(_ run: ManifestHeader.ArchivedRun, to directory: String) async throws -> [String] {
        var paths: [String] = []
        for file in run.files {
            let path = "\(directory)/\(run.runID)-\(file)"
            try await client.download(bucket: bucket, key: "\(prefix)/archive/\(run.runID)/\(file)", to: path)
            paths.append(path)
        }
        return paths
    }

    public func removeArchives(_ runs: [ManifestHeader.ArchivedRun]) async throws {
        let keys = runs.flatMap { run in run.files.map { "\(prefix)/archive/\(run.runID)/\($0)" } }
        guard !keys.isEmpty else { return }
        _ = try await client.deleteObjects(bucket: bucket, keys: keys)
    }
}
