import Foundation
import Logging

/// Renders every patron type at once: records → `AlmaUser` → XML → deflate → zips in the staging
/// folder, leavers to expire in their type's files; then reads each zip back from disk to prove
/// it holds exactly what was written.
struct FeedRenderer: Sendable {
    var profile: PatronProfile
    var dates: RunDates
    var stamp: String
    var modified: Date
    var limits: PackagingLimits
    var compressionLevel: Int32
    var verifier: ZipVerifier
    /// Whether the zips fit one import.
    var policy: RunPolicy
    var stop: StopRequest
    var logger: Logger

    struct Rendered: Sendable {
        var zips: [BuiltZip] = []
        var written = 0
        var unchangedNotWritten = 0
        var leaversWritten = 0
    }

    func render(_ scans: [ScannedType], _ decisions: FeedDecisions, _ changes: ChangeSet, full: Bool, leavers: [String: [[UInt8]]], into staging: URL) async throws(RunFailure) -> [Rendered] {
        do {
            return try await withThrowingTaskGroup(of: (Int, Rendered).self) { group in
                for scan in scans {
                    let decided = decisions.decisions[scan.typeIndex]
                    let statuses = changes.statuses[scan.typeIndex]
                    let leaverLines = leavers[scan.patronType.name] ?? []
                    let merged = MergedUsers(type: scan.typeIndex, scans: scans, decisions: decisions, profile: profile, dates: dates)
                    group.addTask {
                        (scan.typeIndex, try render(scan, decided, statuses, merged: merged, full: full, leavers: leaverLines, into: staging))
                    }
                }
                var results = Array<Rendered?>(repeating: nil, count: scans.count)
                for try await (index, rendered) in group { results[index] = rendered }
                return results.map { $0! }
            }
        } catch let failure as RunFailure {
            throw failure
        } catch {
            throw .packaging(.io(path: staging.path, reason: "\(error)"))
        }
    }

    private func render(_ scan: ScannedType, _ decisions: [Decision], _ statuses: [ChangeStatus], merged: MergedUsers, full: Bool,
                        leavers: [[UInt8]], into staging: URL) throws(RunFailure) -> Rendered {
        let started = Date()
        let type = scan.patronType
        let builder = AlmaUserBuilder(profile: profile, patronType: type, dates: dates)
        let packager = TypePackager(
            patronType: type.name, stamp: stamp, directory: staging.path, rootElement: profile.rootElement,
            limits: limits, compressionLevel: compressionLevel, modified: modified
        )
        var result = Rendered()
        do {
            var user = XMLBytes(capacity: 16 * 1024)
            result.unchangedNotWritten = try RecordFileReader(path: scan.recordsPath).forEachToWrite(decisions, statuses, full: full) { record, ordinal in
                user.removeAll()
                let built = builder.user(record)
                if let mergedUser = try merged.mergedUser(built, ordinal: ordinal) {
                    AlmaUserXMLWriter.write(mergedUser, into: &user)
                } else {
                    AlmaUserXMLWriter.write(built, into: &user)
                }
                try packager.add(user)
                result.written += 1
                if result.written & 1023 == 0 { try stop.check(during: "the rendering of \(type.name)") }
            }
            for line in leavers {
                user.removeAll()
                user.raw(line)
                try packager.add(user)
                result.written += 1
                result.leaversWritten += 1
            }
            result.zips = try packager.finish()
        } catch {
            throw RunFailure(error, patronType: type.name)
        }
        for zip in result.zips {
            do {
                try verifier.verify(zip)
            } catch let error as PackagingError {
                throw .verification(error)
            } catch {
                throw .verification(.verificationFailed(file: zip.fileName, reason: "\(error)"))
            }
        }
        let c = scan.counts
        logger.info("\(type.name): read \(c.read), wrote \(result.written)\(result.leaversWritten > 0 ? " (\(result.leaversWritten) leavers)" : ""), rejected \(c.rejected)\(full ? "" : ", \(result.unchangedNotWritten) unchanged not written"), in \(result.zips.count) zip(s), \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        if result.written == 0 {
            logger.warning("\(type.name): nothing to write; no \(type.name) file is built, and the old ones will still be removed")
        }
        return result
    }
}

extension RunSummary {
    mutating func record(_ rendered: [FeedRenderer.Rendered]) {
        for (index, result) in rendered.enumerated() {
            types[index].written = result.written
            types[index].unchangedNotWritten = result.unchangedNotWritten
            types[index].leaversWritten = result.leaversWritten
        }
        zips = rendered.flatMap(\.zips)
    }
}
