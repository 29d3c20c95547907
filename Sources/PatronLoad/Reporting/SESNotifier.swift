import AWS
import Foundation

/// Emails the run's report through Amazon SES: the summary and the log as text, the counts as an
/// HTML table, and the whole log attached.
public struct SESNotifier: Notifier {
    public let from: String
    public let to: [String]
    let client: SESClient

    public init(from: String, to: [String], client: SESClient) {
        self.from = from
        self.to = to
        self.client = client
    }

    public var description: String { "email to \(to.joined(separator: ", ")) through SES" }

    public func send(_ report: RunReport) async throws {
        let log = report.logLines.joined(separator: "\n") + "\n"
        let message = MIMEMessage(
            from: from, to: to, subject: report.subject, text: report.text, html: report.html,
            attachments: [.init(filename: "patronload_\(report.summary.runID).log", bytes: Array(log.utf8))],
            date: report.summary.finishedAt
        )
        try await client.sendRawEmail(message.render(), from: from, to: to)
    }
}
