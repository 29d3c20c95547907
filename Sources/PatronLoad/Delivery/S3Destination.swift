import AWS
import Foundation
import Logging

/// Delivers to `s3://bucket/prefix/`, where Alma's import profile reads. Files are built in a
/// local temp folder; delivery removes the old `.zip` objects directly under the prefix (paging
/// the listing), uploads the new ones from disk, and checks each landed whole (size and ETag).
public struct S3Destination: Destination {
    public let bucket: String
    /// Without a trailing slash: `alma/patrons`.
    public let prefix: String
    let client: S3Client

    public init(bucket: String, prefix: String, client: S3Client) {
        self.bucket = bucket
        self.prefix = prefix.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.client = client
    }

    public var description: String { "s3://\(bucket)/\(prefix)/" }

    var staging: RemoteStaging { RemoteStaging(key: "\(bucket)-\(prefix)") }

    var stagingRoot: URL { staging.root }

    public func stagingDirectory(runID: String) throws -> URL {
        try staging.directory(runID: runID)
    }

    public func leftoverStagingDirectories() -> [URL] {
        staging.leftovers()
    }

    /// Beside the prefix, not in it: Alma reads the prefix, and the lock is keyed by bucket and
    /// prefix so that every run delivering here meets it, whichever history it keeps.
    public func runLock(staleAfter: TimeInterval) -> any RunLock {
        S3RunLock(bucket: bucket, key: "\(prefix).patronload.lock", client: client, staleAfter: staleAfter)
    }

    func key(_ name: String) -> String { "\(prefix)/\(name)" }

    /// The `.zip` objects Alma would read: directly under the prefix, any letter case.
    public func currentZips() async throws -> [S3Object] {
        // Listed by the bare prefix and filtered here: the same objects, and a query value
        // without a `/` in it.
        try await client.listObjects(bucket: bucket, prefix: prefix).filter { object in
            guard object.key.hasPrefix(prefix + "/") else { return false }
            let name = object.key.dropFirst(prefix.count + 1)
            return !name.contains("/") && name.lowercased().hasSuffix(".zip")
        }
    }

    public func deliver(_ zips: [BuiltZip], logger: Logger) async throws(DeliveryError) -> DeliveryResult {
        var removed: [String] = []
        var delivered: [DeliveredFile] = []
        let old: [S3Object]
        do {
            old = try await currentZips()
        } catch {
            throw DeliveryError("Cannot list \(description): \(error)")
        }
        if !old.isEmpty {
            do {
                let failures = try await client.deleteObjects(bucket: bucket, keys: old.map(\.key))
                let failed = Set(failures.map(\.key))
                removed = old.map(\.key).filter { !failed.contains($0) }.map { String($0.dropFirst(prefix.count + 1)) }
                guard failures.isEmpty else {
                    throw DeliveryError("S3 did not remove \(failures.map { "\($0.key) (\($0.reason))" }.joined(separator: ", ")) from \(description)", removed: removed)
                }
            } catch let error as DeliveryError {
                throw error
            } catch {
                throw DeliveryError("Cannot remove the old zips from \(description): \(error)", removed: removed)
            }
            for name in removed { logger.info("Removed old zip \(name) from \(description)") }
        }
        for zip in zips {
            let key = key(zip.fileName)
            do {
                let upload = try await client.upload(bucket: bucket, key: key, file: zip.path)
                guard let landed = try await client.headObject(bucket: bucket, key: key) else {
                    throw DeliveryError("\(zip.fileName) is not in \(description) after its upload", removed: removed, delivered: delivered)
                }
                guard landed.size == Int64(zip.bytes) else {
                    throw DeliveryError("\(zip.fileName) landed with \(landed.size) bytes, \(zip.bytes) were sent", removed: removed, delivered: delivered)
                }
                // Under SSE-KMS the object must at least be the one this upload created.
                let expected = landed.etagIsContentMD5 ? upload.expectedETag : upload.etag
                guard landed.etag == expected else {
                    throw DeliveryError("\(zip.fileName) landed with ETag \(landed.etag), expected \(expected) from the bytes sent", removed: removed, delivered: delivered)
                }
                delivered.append(DeliveredFile(name: zip.fileName, location: "s3://\(bucket)/\(key)", bytes: zip.bytes))
                logger.info("Delivered \(zip.fileName) to \(description) (\(zip.bytes) bytes\(upload.parts > 1 ? " in \(upload.parts) parts" : ""), checked)")
            } catch let error as DeliveryError {
                throw error
            } catch {
                throw DeliveryError("Uploading \(zip.fileName) to \(description) failed: \(error)", removed: removed, delivered: delivered)
            }
        }
        return DeliveryResult(removed: removed, delivered: delivered, files: zips)
    }
}
