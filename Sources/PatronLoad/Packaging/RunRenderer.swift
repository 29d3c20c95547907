import Foundation

/// Turns the run's decided records into the files its destination takes, in the staging folder:
/// Alma's zips (`FeedRenderer`) or FOLIO's request bodies (`FolioRunRenderer`). Chosen with the
/// destination when the job is wired (`LoadJob.build`), so the run never asks which it has.
protocol RunRenderer: Sendable {
    /// Renders every type and records what was written (files, counts, users left out) in `summary`.
    func render(_ scans: [ScannedType], _ decisions: FeedDecisions, _ comparison: RunHistory.Comparison, leavers: [String: [[UInt8]]],
                into folder: URL, summary: inout RunSummary) async throws(RunFailure)
}

extension FeedRenderer: RunRenderer {
    func render(_ scans: [ScannedType], _ decisions: FeedDecisions, _ comparison: RunHistory.Comparison, leavers: [String: [[UInt8]]],
                into folder: URL, summary: inout RunSummary) async throws(RunFailure) {
        let rendered = try await render(scans, decisions, comparison.changes, full: comparison.full, leavers: leavers, into: folder)
        summary.record(rendered)
        // Alma reads at most so many zips per import: more would leave some unread.
        let total = rendered.reduce(0) { $0 + $1.zips.count }
        guard policy.fits(zips: total) else {
            let perType = Dictionary(zip(scans, rendered).map { ($0.patronType.name, $1.zips.count) }, uniquingKeysWith: +)
            throw .packaging(.tooManyZips(needed: total, limit: limits.maxZipsPerRun, perType: perType))
        }
    }
}
