import Foundation
import Logging
import PatronSyncTestSupport
import Testing
@testable import AWS

@Suite(.enabled(if: MotoService.isAvailable, "needs moto: run `make test`"))
struct SESClientTests {
    static func client(secret: String? = nil) throws -> SESClient {
        var credentials = try MotoService.credentials()
        if let secret { credentials.secretAccessKey = secret }
        return SESClient(endpoint: AWSEndpoint(region: "us-east-1", custom: try MotoService.url()), credentials: StaticCredentialProvider(credentials),
                         retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5)), logger: Logger(label: "test.ses"))
    }

    @Test func sendsARawMessageThatReadsBack() async throws {
        let ses = try Self.client()
        let sender = "patronload-\(UUID().uuidString.prefix(8))@example.edu"
        try await ses.verifyEmailIdentity(sender)
        let marker = UUID().uuidString
        let message = MIMEMessage(from: sender, to: ["systems@example.edu", "alma@example.edu"], subject: "PROD Patronload file creation 2026-11-22 — Zoë",
                                  text: "staff 1981 written\n\(marker)", html: "<table><tr><td>staff</td><td>1981</td></tr></table>",
                                  attachments: [.init(filename: "patronload.log", bytes: Array("line 1\nline 2\n".utf8))])
        let id = try await ses.sendRawEmail(message.render(), from: sender, to: message.to)
        #expect(!id.isEmpty)
        let sent = try await MotoService.sentEmails()
        let ours = try #require(sent.first { raw in MIMEParts.decode(raw).contains { $0.contains(marker) } })
        let subject = try #require(ours.components(separatedBy: "\r\nSubject: ").last?.components(separatedBy: "\r\nDate: ").first)
        #expect(MIMEParts.decodeHeader(subject)?.text == "PROD Patronload file creation 2026-11-22 — Zoë")
        #expect(ours.contains("To: systems@example.edu, alma@example.edu"))
        let parts = MIMEParts.decode(ours)
        #expect(parts.contains { $0.contains("<td>1981</td>") })
        #expect(parts.contains("line 1\nline 2\n"))
    }

    @Test func anUnverifiedSenderIsRejectedWithSESsMessage() async throws {
        let error = await #expect(throws: AWSError.self) {
            try await Self.client().sendRawEmail(Array("Subject: x\r\n\r\nbody".utf8), from: "nobody-\(UUID())@example.edu", to: ["a@example.edu"])
        }
        #expect(error?.code == "MessageRejected")
        #expect(error?.attempts == 1)
    }

    @Test func aWrongSecretIsRefused() async throws {
        let error = await #expect(throws: AWSError.self) {
            try await Self.client(secret: "wrong").sendRawEmail(Array("x".utf8), from: "a@example.edu", to: ["b@example.edu"])
        }
        #expect(error?.status == 403)
    }
}
