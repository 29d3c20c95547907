import Foundation
import Logging

/// Delivers to FOLIO through its user import: each batch the run built is sent, one at a time,
/// and FOLIO's answer folded in. A user FOLIO refuses fails the delivery with FOLIO's message
/// (after every batch was sent), so the run says so and its history is not stored: the next run
/// sends the refused users again.
public struct FolioDestination: Destination {
    public let url: String
    public let tenant: String
    let client: FolioUserImportClient

    public init(url: String, tenant: String, client: FolioUserImportClient) {
        self.url = url
        self.tenant = tenant
        self.client = client
    }

    public var description: String { "FOLIO \(url) tenant \(tenant)" }

    /// Names FOLIO resolves, read once before the run renders.
    public func referenceData(customFields: Bool) async throws -> FolioReferenceData {
        try await client.referenceData(customFields: customFields)
    }

    var staging: RemoteStaging {
        let address = URL(string: url).map { ($0.host ?? url) + ($0.port.map { "-\($0)" } ?? "") } ?? url
        return RemoteStaging(key: "folio-\(address)-\(tenant)")
    }

    public func stagingDirectory(runID: String) throws -> URL {
        try staging.directory(runID: runID)
    }

    public func leftoverStagingDirectories() -> [URL] {
        staging.leftovers()
    }

    /// FOLIO has no place for a lock file: runs on this machine meet at this one, and runs on
    /// several machines at the history's lock (keep a history in S3 for that).
    public func runLock(staleAfter: TimeInterval) -> any RunLock {
        LocalRunLock(path: staging.root.path + ".lock")
    }

    public func deliver(_ batches: [BuiltZip], logger: Logger) async throws(DeliveryError) -> DeliveryResult {
        var delivered: [DeliveredFile] = []
        var refused: [String] = []
        var created = 0, updated = 0
        for batch in batches {
            let answer: FolioImportResponse
            do {
                let body = try Data(contentsOf: URL(fileURLWithPath: batch.path))
                answer = try await client.send(body: body)
            } catch {
                throw DeliveryError("FOLIO did not take batch \(batch.fileName) (\(batch.users) users): \(error)", delivered: delivered)
            }
            created += answer.createdRecords ?? 0
            updated += answer.updatedRecords ?? 0
            for failed in answer.failedUsers ?? [] {
                refused.append("\(failed.username) (externalSystemId \(failed.externalSystemId)): \(failed.errorMessage ?? "no reason given")")
            }
            delivered.append(DeliveredFile(name: batch.fileName,
                                           location: "\(description): \(answer.createdRecords ?? 0) created, \(answer.updatedRecords ?? 0) updated, \(answer.failedRecords ?? 0) refused",
                                           bytes: batch.bytes))
        }
        logger.info("FOLIO: \(created) user(s) created, \(updated) updated, \(refused.count) refused, in \(batches.count) batch(es)")
        guard refused.isEmpty else {
            throw DeliveryError("FOLIO refused \(refused.count) user(s): \(refused.joined(separator: "; "))", delivered: delivered)
        }
        return DeliveryResult(removed: [], delivered: delivered, files: batches)
    }
}
