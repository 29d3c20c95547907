import Foundation
import Logging

/// Renders the users a run sends to FOLIO: records → `AlmaUser` → FOLIO user, checked against
/// the names FOLIO resolves, into request bodies of `batchSize` users each in the staging folder
/// (one batch in memory at a time). A user FOLIO would refuse or silently cut is left out here
/// with a reason line instead.
struct FolioBatchRenderer {
    var profile: PatronProfile
    var dates: RunDates
    var stamp: String
    var mapping: FolioMapping
    var batchSize: Int
    var reference: FolioReferenceData
    var stop: StopRequest
    var logger: Logger

    struct Output {
        var rendered: [FeedRenderer.Rendered]
        /// One line per user left out, naming the patron by primary id.
        var leftOut: [String]
        var leftOutByType: [Int]
    }

    /// `leavers`: per type, the JSON of each leaver's FOLIO user as the history found it
    /// (inactive, expiring), sent once more after the type's users.
    func render(_ scans: [ScannedType], _ decisions: FeedDecisions, _ changes: ChangeSet, full: Bool, leavers: [String: [[UInt8]]],
                into staging: URL) throws(RunFailure) -> Output {
        var output = Output(rendered: [], leftOut: [], leftOutByType: [])
        for scan in scans {
            do {
                let before = output.leftOut.count
                let merged = MergedUsers(type: scan.typeIndex, scans: scans, decisions: decisions, profile: profile, dates: dates)
                output.rendered.append(try render(scan, decisions.decisions[scan.typeIndex], changes.statuses[scan.typeIndex], merged: merged, full: full,
                                                  leavers: leavers[scan.patronType.name] ?? [], into: staging, leftOut: &output.leftOut))
                output.leftOutByType.append(output.leftOut.count - before)
            } catch let failure as RunFailure {
                throw failure
            } catch {
                throw RunFailure(error, patronType: scan.patronType.name)
            }
        }
        return output
    }

    private func render(_ scan: ScannedType, _ decisions: [Decision], _ statuses: [ChangeStatus], merged: MergedUsers, full: Bool, leavers: [[UInt8]],
                        into staging: URL,
                        leftOut: inout [String]) throws -> FeedRenderer.Rendered {
        let type = scan.patronType
        let builder = AlmaUserBuilder(profile: profile, patronType: type, dates: dates)
        var result = FeedRenderer.Rendered()
        var batch: [FolioUserRecord] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func flush() throws {
            guard !batch.isEmpty else { return }
            let name = "folio_\(type.name)_\(stamp)_\(String(format: "%04d", result.zips.count + 1)).json"
            let path = staging.appendingPathComponent(name).path
            let body = try encoder.encode(FolioImportRequest(users: batch, updateOnlyPresentFields: mapping.updateOnlyPresentFields, sourceType: mapping.sourceType))
            guard FileManager.default.createFile(atPath: path, contents: body, attributes: [.posixPermissions: 0o600]) else {
                throw PackagingError.io(path: path, reason: "cannot write the batch")
            }
            let bytes = UInt64(body.count)
            result.zips.append(BuiltZip(patronType: type.name, fileName: name, path: path, bytes: bytes, crc32: 0,
                                        xmlFiles: [BuiltXMLFile(name: name, users: batch.count, bytes: bytes, compressedBytes: bytes, crc32: 0, userElements: batch.count)]))
            batch.removeAll(keepingCapacity: true)
        }
        result.unchangedNotWritten = try RecordFileReader(path: scan.recordsPath).forEachToWrite(decisions, statuses, full: full) { record, ordinal in
            let user = try merged.user(builder.user(record), ordinal: ordinal)
            guard let folioUser = mapping.record(for: user) else {
                leftOut.append("\(type.name) \(user.primaryID) left out of FOLIO: it has no \(mapping.externalSystemIdType) identifier, FOLIO's only match key")
                return
            }
            let problems = reference.problems(with: folioUser)
            guard problems.isEmpty else {
                leftOut.append("\(type.name) \(user.primaryID) left out of FOLIO: \(problems.joined(separator: "; "))")
                return
            }
            batch.append(folioUser)
            result.written += 1
            if batch.count == batchSize { try flush() }
            if result.written & 1023 == 0 { try stop.check(during: "the rendering of \(type.name)") }
        }
        let decoder = JSONDecoder()
        for line in leavers {
            batch.append(try decoder.decode(FolioUserRecord.self, from: Data(line)))
            result.written += 1
            result.leaversWritten += 1
            if batch.count == batchSize { try flush() }
        }
        try flush()
        logger.info("\(type.name): read \(scan.counts.read), \(result.written) for FOLIO in \(result.zips.count) batch(es)\(full ? "" : ", \(result.unchangedNotWritten) unchanged not sent")")
        return result
    }
}
