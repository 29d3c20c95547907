import Foundation

/// A MIME email: a plain-text and an HTML alternative, and text attachments. Bodies are base64,
/// so any text (and any line length) survives every mail hop.
public struct MIMEMessage: Sendable {
    public struct Attachment: Sendable {
        public var filename: String
        public var contentType: String
        public var bytes: [UInt8]

        public init(filename: String, contentType: String = "text/plain; charset=UTF-8", bytes: [UInt8]) {
            self.filename = filename
            self.contentType = contentType
            self.bytes = bytes
        }
    }

    public var from: String
    public var to: [String]
    public var subject: String
    public var text: String
    public var html: String?
    public var attachments: [Attachment]
    public var date: Date

    public init(from: String, to: [String], subject: String, text: String, html: String? = nil, attachments: [Attachment] = [], date: Date = Date()) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.date = date
    }

    public func render(boundarySeed: String = UUID().uuidString) -> [UInt8] {
        let mixed = "mixed-\(boundarySeed)"
        let alternative = "alt-\(boundarySeed)"
        var lines: [String] = [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(Self.encodeHeader(subject))",
            "Date: \(Self.rfc2822(date))",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"\(mixed)\"",
            "",
            "--\(mixed)",
            "Content-Type: multipart/alternative; boundary=\"\(alternative)\"",
            "",
            "--\(alternative)",
        ]
        lines += Self.part(contentType: "text/plain; charset=UTF-8", bytes: Array(text.utf8))
        if let html {
            lines.append("--\(alternative)")
            lines += Self.part(contentType: "text/html; charset=UTF-8", bytes: Array(html.utf8))
        }
        lines.append("--\(alternative)--")
        for attachment in attachments {
            lines.append("--\(mixed)")
            lines += Self.part(contentType: "\(attachment.contentType); name=\"\(attachment.filename)\"",
                               disposition: "attachment; filename=\"\(attachment.filename)\"", bytes: attachment.bytes)
        }
        lines.append("--\(mixed)--")
        lines.append("")
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    private static func part(contentType: String, disposition: String? = nil, bytes: [UInt8]) -> [String] {
        var lines = ["Content-Type: \(contentType)", "Content-Transfer-Encoding: base64"]
        if let disposition { lines.append("Content-Disposition: \(disposition)") }
        lines.append("")
        let encoded = Data(bytes).base64EncodedString()
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        lines.append("")
        return lines
    }

    /// RFC 2047 for a subject that is not plain ASCII.
    static func encodeHeader(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 >= 0x80 || $0 < 0x20 }) else { return value }
        return "=?UTF-8?B?\(Data(value.utf8).base64EncodedString())?="
    }

    static func rfc2822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss +0000"
        return formatter.string(from: date)
    }
}
