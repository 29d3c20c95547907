import NIOCore

/// The block check's answer, written directly: it is on every check-out's path, and the general
/// JSON serializer (dynamic casts over `[String: Any]`) cost more than the check itself. Keys are
/// in the sorted order the other answers use.
enum BlockCheckBody {
    /// Most patrons have no blocks: the same bytes every time.
    static let noBlocks = ByteBuffer(string: #"{"automatedPatronBlocks":[]}"#)

    static func json(_ blocks: [AutomatedBlock]) -> ByteBuffer {
        guard !blocks.isEmpty else { return noBlocks }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(64 + blocks.count * 192)
        buffer.writeString(#"{"automatedPatronBlocks":["#)
        for (index, block) in blocks.enumerated() {
            if index > 0 { buffer.writeString(",") }
            buffer.writeString(#"{"blockBorrowing":"#)
            buffer.writeString(block.blockBorrowing ? "true" : "false")
            buffer.writeString(#","blockRenewals":"#)
            buffer.writeString(block.blockRenewals ? "true" : "false")
            buffer.writeString(#","blockRequests":"#)
            buffer.writeString(block.blockRequests ? "true" : "false")
            buffer.writeString(#","message":"#)
            writeString(block.message, into: &buffer)
            buffer.writeString(#","patronBlockConditionId":""#)
            buffer.writeString(block.patronBlockConditionId.folio)
            buffer.writeString(#""}"#)
        }
        buffer.writeString("]}")
        return buffer
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string: quotes, backslashes and control characters escaped (RFC 8259); everything
    /// else, UTF-8 included, as it is.
    static func writeString(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.writeString(#"\""#)
            case UInt8(ascii: "\\"): buffer.writeString(#"\\"#)
            case 0x0A: buffer.writeString(#"\n"#)
            case 0x0D: buffer.writeString(#"\r"#)
            case 0x09: buffer.writeString(#"\t"#)
            case 0x00..<0x20:
                buffer.writeString(#"\u00"#)
                buffer.writeInteger(hex[Int(byte >> 4)])
                buffer.writeInteger(hex[Int(byte & 0x0F)])
            default: buffer.writeInteger(byte)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
