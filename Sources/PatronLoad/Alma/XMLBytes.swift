/// A reusable UTF-8 byte buffer that XML is written into. Escaping and the removal of characters
/// XML 1.0 forbids happen in one pass over the UTF-8 bytes; no per-row Strings are built.
///
/// A user is a hundred-odd short appends, so the buffer is its own: an append is a capacity check
/// and a copy, inlined, where `Array.append(contentsOf:)` was a call each (7 % of a run's CPU).
/// It cannot be copied: one owner writes it, so no append has to ask whether its storage is
/// shared (copy on write cost 2 % of a run in uniqueness checks and reference counting).
public struct XMLBytes: ~Copyable, @unchecked Sendable {
    private var base: UnsafeMutablePointer<UInt8>
    public private(set) var count = 0
    private var capacity: Int

    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// A copy of the bytes written so far.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// The bytes written so far, in place.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    public mutating func removeAll() {
        count = 0
    }

    private mutating func grow(to needed: Int) {
        let larger = max(needed, capacity * 2)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.update(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = larger
    }

    @inline(__always)
    private mutating func append(_ source: UnsafeRawBufferPointer) {
        guard let start = source.baseAddress, source.count > 0 else { return }
        let length = source.count
        let needed = count + length
        if needed > capacity { grow(to: needed) }
        copyShort(start, count: length, to: UnsafeMutableRawPointer(base + count))
        count = needed
    }

    /// Markup that is known to be well-formed (tag names, fixed attributes). Inlined: it is
    /// called about 350 times a user, and as a call it was 3 % of a run.
    @inline(__always)
    public mutating func raw(_ markup: StaticString) {
        append(UnsafeRawBufferPointer(start: markup.utf8Start, count: markup.utf8CodeUnitCount))
    }

    /// Disfavoured so that literals take the `StaticString` path: the writer's hundred-odd tags
    /// a user then copy straight from the binary, with no String to check or copy.
    @_disfavoredOverload
    public mutating func raw(_ markup: String) {
        var copy = markup
        copy.withUTF8 { append(UnsafeRawBufferPointer($0)) }
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
                if end > runStart { append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: source[runStart..<end]))) }
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
        // Eleven bytes on the stack: every user has two dates or more.
        var digits: (UInt64, UInt32) = (0, 0)
        Swift.withUnsafeMutableBytes(of: &digits) { out in
            out[0] = Self.digit(year / 1000); out[1] = Self.digit(year / 100 % 10); out[2] = Self.digit(year / 10 % 10); out[3] = Self.digit(year % 10)
            out[4] = UInt8(ascii: "-"); out[5] = Self.digit(value.month / 10); out[6] = Self.digit(value.month % 10); out[7] = UInt8(ascii: "-")
            out[8] = Self.digit(value.day / 10); out[9] = Self.digit(value.day % 10); out[10] = UInt8(ascii: "Z")
        }
        Swift.withUnsafeBytes(of: &digits) { append(UnsafeRawBufferPointer(rebasing: $0[0..<11])) }
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
    public mutating func raw(_ other: borrowing XMLBytes) {
        other.withUnsafeBytes { append($0) }
    }

    public mutating func raw(_ other: [UInt8]) {
        other.withUnsafeBytes { append($0) }
    }
}
