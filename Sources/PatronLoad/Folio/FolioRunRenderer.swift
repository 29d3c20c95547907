import Foundation
import Logging

/// Renders a FOLIO run: FOLIO's reference data first (so that an unknown name is a reason line,
/// not a refused user), then the request bodies; users FOLIO would refuse are left out and
/// counted as the pre-flight's.
struct FolioRunRenderer: RunRenderer {
    var destination: FolioDestination
    var profile: PatronProfile
    var dates: RunDates
    var stamp: String
    var stop: StopRequest
    var logger: Logger

    func render(_ scans: [ScannedType], _ decisions: FeedDecisions, _ comparison: RunHistory.Comparison, leavers: [String: [[UInt8]]],
                into folder: URL, summary: inout RunSummary) async throws(RunFailure) {
        guard let mapping = profile.folioMapping else { throw .preflight("the profile has no \"folio\" section") }
        let reference: FolioReferenceData
        do {
            reference = try await destination.referenceData(customFields: !mapping.customFields.isEmpty)
        } catch {
            throw .delivery(DeliveryError("Cannot read FOLIO's patron groups, address types, departments or custom fields: \(error)"))
        }
        let renderer = FolioBatchRenderer(profile: profile, dates: dates, stamp: stamp, mapping: mapping,
                                          batchSize: profile.folio?.batchSize ?? 250, reference: reference, stop: stop, logger: logger)
        let output = try renderer.render(scans, decisions, comparison.changes, full: comparison.full, leavers: leavers, into: folder)
        summary.record(output.rendered)
        for (index, count) in output.leftOutByType.enumerated() where index < summary.types.count {
            summary.types[index].leftOut += count
        }
        summary.preflight += output.leftOut
        summary.preflightTotal += output.leftOut.count
        if !output.leftOut.isEmpty {
            logger.warning("\(output.leftOut.count) user(s) left out of FOLIO before sending; the report names them")
        }
    }
}
