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
            "Subject: \(Self.encodeHeader(subject, after: "Subject: ".utf8.count))",
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
        // RFC 2045 keeps base64 lines to 76 characters, each ending in CRLF.
        let encoded = Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        if !encoded.isEmpty { lines.append(encoded) }
        lines.append("")
        return lines
    }

    /// The longest an encoded word may be, and a header line holding one (RFC 2047 section 2).
    static let maximumEncodedWord = 75
    static let maximumEncodedLine = 76

    /// RFC 2047 for a header that is not plain ASCII: as many `=?UTF-8?B?…?=` words as it takes to
    /// keep each word to 75 characters and each line to 76 (the first line also holds the field
    /// name, `after` characters), folded with CRLF and a space. Words end on a whole character, so
    /// no word holds part of a multi-byte sequence (RFC 2047 section 5 forbids it).
    static func encodeHeader(_ value: String, after prefixLength: Int = 0) -> String {
        guard value.utf8.contains(where: { $0 >= 0x80 || $0 < 0x20 }) else { return value }
        let wrapper = "=?UTF-8?B??=".utf8.count
        // Base64 turns 3 bytes into 4 characters: the bytes a word of `room` characters holds.
        func capacity(_ room: Int) -> Int { max(4, (room - wrapper) / 4 * 3) }
        var words: [String] = []
        var chunk: [UInt8] = []
        var limit = capacity(min(maximumEncodedWord, maximumEncodedLine - prefixLength))
        for scalar in value.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if !chunk.isEmpty && chunk.count + bytes.count > limit {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
                // Later lines start with the folding space.
                limit = capacity(maximumEncodedLine - 1)
            }
            chunk += bytes
        }
        words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
        return words.joined(separator: "\r\n ")
    }

    static func rfc2822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss +0000"
        return formatter.string(from: date)
    }
}
