import Foundation
import Logging

/// Reads every patron type at once: rows → `PatronRecord`s in a record file per type, and the
/// hashes the pre-flight and the comparison need. Rows the profile's `rows` rules exclude are
/// counted and dropped here, rows without a login (or a required column) are rejected here; rows
/// whose identifiers XML would change, or that break the profile's rules, are marked for the
/// pre-flight to leave out.
struct FeedScanner {
    var source: any PatronSource
    var profile: LoadedProfile
    /// The run's as-of day, for the rules that compare dates.
    var today: AlmaDate
    var stop: StopRequest
    var logger: Logger

    func scan(into work: URL) async throws(RunFailure) -> [ScannedType] {
        let types = profile.profile.patronTypes
        do {
            return try await withThrowingTaskGroup(of: ScannedType.self) { group in
                for (index, type) in types.enumerated() {
                    group.addTask { try await scan(type, index: index, into: work) }
                }
                var results: [ScannedType] = []
                for try await scanned in group { results.append(scanned) }
                return results.sorted { $0.typeIndex < $1.typeIndex }
            }
        } catch let failure as RunFailure {
            throw failure
        } catch {
            throw .packaging(.io(path: work.path, reason: "\(error)"))
        }
    }

    private func scan(_ type: PatronProfile.PatronType, index: Int, into work: URL) async throws(RunFailure) -> ScannedType {
        let path = work.appendingPathComponent("\(type.name).records").path
        let rules = PreflightRules(profile.profile.preflight)
        do {
            return try await source.withCursor(type.query) { cursor in
                var scanned = ScannedType(typeIndex: index, patronType: type, recordsPath: path, entries: [], counts: TypeCounts(patronType: type.name), violations: [:])
                let writer = try RecordFileWriter(path: path)
                // A backend that learns its columns from the first row reports none for an empty result.
                if !cursor.columns.isEmpty {
                    // Every column the profile names that the query lacks, before a row is mapped:
                    // the same check as `check-profile`.
                    let missing = ProfileCheck.missingColumns(type, at: "patronTypes[\(index)]", in: cursor.columns)
                    guard missing.isEmpty else { throw ProfileError.missingColumns(missing) }
                    let mapper = try PatronMapper(profile: profile, patronType: type, columns: cursor.columns, today: today)
                    var line: [UInt8] = []
                    while let row = try await cursor.next() {
                        scanned.counts.read += 1
                        if scanned.counts.read & 1023 == 0 {
                            try Task.checkCancellation()
                            try stop.check(during: "the scan of \(type.name)")
                        }
                        switch mapper.map(row) {
                        case .excluded(let institutionalID, let rule):
                            // Chosen by the profile, not a fault: one count, no warning.
                            scanned.counts.excludedByRule += 1
                            logger.debug("Excluded \(type.name) row with institutional ID \(Self.name(institutionalID)) by \(rule)")
                        case .rejected(let institutionalID, let reason):
                            scanned.counts.recordRejection(institutionalID: institutionalID)
                            let column = if case .missingLoginID = reason { " (\(type.columns.loginID))" } else { "" }
                            logger.warning("Rejected \(type.name) row with institutional ID \(Self.name(institutionalID)): \(reason)\(column)")
                        case .record(let record):
                            inspect(record, row: row, mapper: mapper, rules: rules, into: &scanned)
                            let serialized = record.serialize(into: &line)
                            scanned.append(record, digest: serialized.digest, fieldHashes: serialized.fieldHashes,
                                           offset: try writer.append(line[..<serialized.length]))
                        }
                    }
                }
                try writer.finish()
                return scanned
            }
        } catch {
            throw RunFailure(error, patronType: type.name)
        }
    }

    /// Marks a record the pre-flight must leave out, and counts the values written repaired.
    private func inspect(_ record: PatronRecord, row: [String?], mapper: PatronMapper, rules: PreflightRules, into scanned: inout ScannedType) {
        let unwritable = mapper.unwritableValues(row)
        if let reason = Self.leftOutReason(record, unwritable: unwritable, rules: rules) {
            scanned.violations[scanned.entries.count] = reason
        }
        // A row left out for its ID is not loaded: its other values need no repair.
        guard unwritable.first?.isIdentifier != true else { return }
        for value in unwritable {
            scanned.counts.repairedValues += 1
            logger.warning("Repaired \(scanned.patronType.name) row with institutional ID \(Self.name(record.institutionalID)): \(value.column) held \(value.character); written without it")
        }
    }

    /// Why one patron, alone, is left out: an identifier XML would change, or a profile rule.
    /// The run and `explain` both ask here.
    static func leftOutReason(_ record: PatronRecord, unwritable: [UnwritableValue], rules: PreflightRules) -> String? {
        if let identifier = unwritable.first, identifier.isIdentifier {
            return "its \(identifier.column) holds \(identifier.character); Alma would receive another ID than the warehouse's, which could be another patron's"
        }
        return rules.violation(record)
    }

    /// An institutional ID as a log line may show it.
    private static func name(_ institutionalID: String) -> String {
        institutionalID.isEmpty ? "(none)" : UnwritableCharacter.visible(institutionalID)
    }
}
