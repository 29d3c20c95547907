import Logging

/// The pre-flight as a run step: decides across the whole feed (one patron per primary_id,
/// identifiers that collide, the profile's rules), words the report's reasons, and stops the run
/// when a patron type would lose too much.
struct Preflight {
    var policy: RunPolicy
    var population: PatronProfile.Population? = nil
    var logger: Logger

    struct Result {
        var decisions: FeedDecisions
        /// The first `PreflightReport.lineLimit` reasons, as people read them.
        var lines: [String]
    }

    /// The decisions over the scans' record files; reads an identifier only for the rare groups
    /// of equal hashes.
    static func decide(_ scans: [ScannedType], population: PatronProfile.Population? = nil) throws -> FeedDecisions {
        let readers = try scans.map { try RecordFileReader(path: $0.recordsPath) }
        let userGroup = { (row: RowReference) throws -> String in
            try readers[row.type].record(at: scans[row.type].entries[row.ordinal].offset)?.userGroup.code ?? ""
        }
        return try FeedAnalysis.decide(scans, population: population, userGroup: userGroup) { row, kind in
            try readers[row.type].identifier(kind, at: scans[row.type].entries[row.ordinal].offset)
        }
    }

    func run(_ scans: [ScannedType]) throws(RunFailure) -> Result {
        do {
            let decisions = try Self.decide(scans, population: population)
            let lines = try PreflightReport.lines(decisions.leftOut.prefix(PreflightReport.lineLimit), scans: scans)
            if !decisions.leftOut.isEmpty {
                logger.warning("Pre-flight left out \(decisions.leftOut.count) patron(s); the report lists them with their reasons")
            }
            return Result(decisions: decisions, lines: lines)
        } catch {
            throw .packaging(.io(path: "record files", reason: "\(error)"))
        }
    }

    /// Stops the run when a type would lose more than the policy allows: a broken feed, not a
    /// few bad rows.
    func check(_ result: Result, scans: [ScannedType]) throws(RunFailure) {
        for scan in scans {
            let mapped = scan.entries.count
            let leftOut = result.decisions.count(.leftOut, type: scan.typeIndex)
            guard policy.leavesOutTooMany(leftOut, of: mapped) else { continue }
            let percent = Double(leftOut) * 100 / Double(mapped)
            throw .preflight("The pre-flight would leave out \(leftOut) of \(mapped) \(scan.patronType.name) patrons (\(String(format: "%.1f", percent))%, more than the \(String(format: "%g", policy.maxLeftOutPercent))% allowed); nothing was removed or delivered. The report lists the first reasons: fix the warehouse, or raise maxLeftOutPercent in the profile or --max-left-out-percent")
        }
    }
}

extension RunSummary {
    mutating func record(_ preflight: Preflight.Result) {
        for index in types.indices {
            types[index].skippedAsEarlierType = preflight.decisions.count(.duplicateOfEarlierType, type: index)
            types[index].skippedAsRepeat = preflight.decisions.count(.repeatInType, type: index)
            types[index].leftOut = preflight.decisions.count(.leftOut, type: index)
            types[index].outranked = [:]
            types[index].mergedInto = [:]
        }
        for (written, others) in preflight.decisions.sharedPersons {
            let winner = types[written.type].patronType
            for row in others {
                switch preflight.decisions.decisions[row.type][row.ordinal] {
                case .outranked: types[row.type].outranked[winner, default: 0] += 1
                case .mergedIntoOtherType: types[row.type].mergedInto[winner, default: 0] += 1
                default: break
                }
            }
        }
        self.preflight = preflight.lines
        preflightTotal = preflight.decisions.leftOut.count
    }
}
