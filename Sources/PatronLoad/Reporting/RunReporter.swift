import Logging

/// Tells people how a run ended: a line in the log, the report to every notifier (a failure to
/// send one is recorded beside the outcome), and a failure to Sentry.
struct RunReporter {
    var notifiers: [any Notifier]
    var sentry: SentryReporter?
    var workspace: String
    var runLog: RunLog
    var logger: Logger

    func logOutcome(_ summary: RunSummary) {
        switch summary.outcome {
        case .delivered:
            logger.info("Run \(summary.runID) delivered \(summary.delivered.count) zip(s), removed \(summary.removed.count) old zip(s), in \(String(format: "%.1f", summary.elapsed)) s")
        case .dryRun:
            logger.info("Dry run \(summary.runID) built \(summary.zips.count) zip(s)\(summary.dryRunFiles.map { ", kept in \($0)" } ?? ", and removed them"); nothing was removed or delivered")
        case .connectionTested, .failed:
            break
        }
    }

    /// Sends the report; returns a warning per notifier that could not be reached.
    func send(_ summary: RunSummary) async -> [String] {
        var warnings: [String] = []
        for notifier in notifiers {
            let report = RunReport(summary: summary, workspace: workspace, logLines: runLog.lines)
            do {
                try await notifier.send(report)
                logger.info("Report sent to \(notifier.description)")
            } catch {
                warnings.append("the report could not be sent to \(notifier.description): \(error)")
                logger.error("The report could not be sent to \(notifier.description): \(error)")
            }
        }
        return warnings
    }

    func sendFailure(_ summary: RunSummary) async {
        guard case .failed(let stage, let message) = summary.outcome, let sentry else { return }
        do {
            let id = try await sentry.capture(message: message, stage: stage.rawValue, runID: summary.runID)
            logger.info("Sent the failure to Sentry (event \(id))")
        } catch {
            logger.error("The failure could not be sent to Sentry: \(error)")
        }
    }
}
