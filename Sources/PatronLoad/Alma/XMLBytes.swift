/// A reusable UTF-8 byte buffer that XML is written into. Escaping and the removal of characters
/// XML 1.0 forbids happen in one pass over the UTF-8 bytes; no per-row Strings are built.
public struct XMLBytes: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Markup that is known to be well-formed (tag names, fixed attributes).
    public mutating func raw(_ markup: StaticString) {
        markup.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Disfavoured so that literals take the `StaticString` path: the writer's hundred-odd tags
    /// a user then copy straight from the binary, with no String to check or copy.
    @_disfavoredOverload
    public mutating func raw(_ markup: String) {
        var copy = markup
        copy.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Character data: `&`, `<` and `>` escaped, CR kept as a reference, forbidden characters dropped.
    public mutating func text(_ value: String) {
        append(escaping: value, quotes: false)
    }

    /// An attribute value in double quotes: also escapes `"`, and tab and newline so they survive
    /// attribute-value normalisation.
    public mutating func attribute(_ value: String) {
        append(escaping: value, quotes: true)
    }

    private mutating func append(escaping value: String, quotes: Bool) {
        var value = value
        value.withUTF8 { source in
            var runStart = 0
            var index = 0
            let count = source.count
            @inline(__always) func flush(_ end: Int) {
                if end > runStart { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<end])) }
            }
            while index < count {
                let byte = source[index]
                if byte >= 0x3F && byte != 0xEF {
                    index += 1
                    continue
                }
                switch byte {
                case UInt8(ascii: "&"):
                    flush(index); raw("&amp;"); index += 1; runStart = index
                case UInt8(ascii: "<"):
                    flush(index); raw("&lt;"); index += 1; runStart = index
                case UInt8(ascii: ">"):
                    flush(index); raw("&gt;"); index += 1; runStart = index
                case UInt8(ascii: "\"") where quotes:
                    flush(index); raw("&quot;"); index += 1; runStart = index
                case 0x0D:
                    flush(index); raw("&#13;"); index += 1; runStart = index
                case 0x09 where quotes:
                    flush(index); raw("&#9;"); index += 1; runStart = index
                case 0x0A where quotes:
                    flush(index); raw("&#10;"); index += 1; runStart = index
                case 0x09, 0x0A:
                    index += 1
                case 0x00..<0x20:
                    // C0 controls other than tab, LF and CR are not allowed anywhere in XML 1.0.
                    flush(index); index += 1; runStart = index
                case 0xEF:
                    // U+FFFE and U+FFFF (EF BF BE / EF BF BF) are not XML characters.
                    if index + 2 < count, source[index + 1] == 0xBF, source[index + 2] == 0xBE || source[index + 2] == 0xBF {
                        flush(index); index += 3; runStart = index
                    } else {
                        index += 1
                    }
                default:
                    index += 1
                }
            }
            flush(count)
        }
    }

    /// `<name>value</name>`, or `<name/>` when the value is empty.
    public mutating func element(_ name: StaticString, _ value: String) {
        raw("<"); raw(name)
        if value.isEmpty {
            raw("/>")
        } else {
            raw(">"); text(value); raw("</"); raw(name); raw(">")
        }
    }

    /// `<name>YYYY-MM-DDZ</name>`, written digit by digit: `AlmaDate.almaString` builds four
    /// Strings, and every user has two dates.
    public mutating func date(_ name: StaticString, _ value: AlmaDate) {
        guard (0...9999).contains(value.year) else { return element(name, value.almaString) }
        raw("<"); raw(name); raw(">")
        let year = value.year
        let digits: [UInt8] = [
            Self.digit(year / 1000), Self.digit(year / 100 % 10), Self.digit(year / 10 % 10), Self.digit(year % 10), UInt8(ascii: "-"),
            Self.digit(value.month / 10), Self.digit(value.month % 10), UInt8(ascii: "-"),
            Self.digit(value.day / 10), Self.digit(value.day % 10), UInt8(ascii: "Z"),
        ]
        bytes.append(contentsOf: digits)
        raw("</"); raw(name); raw(">")
    }

    private static func digit(_ value: Int) -> UInt8 { UInt8(ascii: "0") + UInt8(value) }

    /// `<name desc="…">code</name>`; the desc attribute only when there is one.
    public mutating func code(_ name: StaticString, _ value: CodeValue) {
        raw("<"); raw(name)
        if let desc = value.desc {
            raw(" desc=\""); attribute(desc); raw("\"")
        }
        if value.code.isEmpty {
            raw("/>")
        } else {
            raw(">"); text(value.code); raw("</"); raw(name); raw(">")
        }
    }
}

extension XMLBytes {
    public mutating func raw(_ other: XMLBytes) {
        bytes.append(contentsOf: other.bytes)
    }

    public mutating func raw(_ other: [UInt8]) {
        bytes.append(contentsOf: other)
    }
}
