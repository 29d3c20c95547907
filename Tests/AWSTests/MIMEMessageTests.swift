import Foundation
import PatronSyncTestSupport
import Testing
@testable import AWS

struct MIMEMessageTests {
    static let subjects = [
        "本番 パトロンロード ファイル作成 2026-11-22 失敗: スタッフと学生の読み込みが止まりました",
        "PROD Patronload 🚀🎉 file creation 2026-11-22 — Zoë, Łukasz, 👩‍👩‍👧‍👦 and 🇯🇵 FAILED",
        "PROD Patronload file creation 2026-11-22 — Zoë",
        String(repeating: "é", count: 200),
    ]

    @Test(arguments: subjects)
    func aLongNonASCIISubjectFoldsIntoShortWordsThatDecodeBack(_ subject: String) throws {
        let message = MIMEMessage(from: "a@example.edu", to: ["b@example.edu"], subject: subject, text: "x")
        let raw = String(decoding: message.render(boundarySeed: "seed"), as: UTF8.self)
        let header = try #require(raw.components(separatedBy: "\r\nDate: ").first?.components(separatedBy: "\r\nSubject: ").last)
        let decoded = try #require(MIMEParts.decodeHeader(header), "every word must decode to whole UTF-8 characters")
        #expect(decoded.text == subject)
        for word in decoded.words {
            #expect(word.count <= 75)
        }
        let lines = ("Subject: " + header).components(separatedBy: "\r\n")
        for line in lines {
            #expect(line.utf8.count <= 76)
        }
        // The first word holds 39 bytes beside "Subject: ".
        #expect((lines.count > 1) == (subject.utf8.count > 39))
    }

    @Test func anASCIISubjectIsLeftAsItIs() {
        #expect(MIMEMessage.encodeHeader("PROD Patronload file creation 2026-11-22 FAILED") == "PROD Patronload file creation 2026-11-22 FAILED")
    }

    @Test func bodiesAreBase64InLinesOf76EndingInCRLF() throws {
        let text = String(repeating: "staff 1981 written; Zoë 👩‍👩‍👧 ", count: 40)
        let message = MIMEMessage(from: "a@example.edu", to: ["b@example.edu"], subject: "s", text: text)
        let raw = String(decoding: message.render(boundarySeed: "seed"), as: UTF8.self)
        #expect(!raw.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        let body = try #require(raw.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n").last?.components(separatedBy: "\r\n\r\n").first)
        let lines = body.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        #expect(lines.dropLast().allSatisfy { $0.count == 76 })
        #expect(MIMEParts.decode(raw) == [text])
    }
}
