import Testing
@testable import PatronLoad

@Suite struct XMLBytesTests {
    private func text(_ value: String) -> String {
        var out = XMLBytes()
        out.text(value)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    private func attribute(_ value: String) -> String {
        var out = XMLBytes()
        out.attribute(value)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("Smith & Sons", "Smith &amp; Sons"),
        ("<Annex>", "&lt;Annex&gt;"),
        ("O'Brien \"Bob\"", "O'Brien \"Bob\""),
        ("Żółw Παπαδόπουλος 王", "Żółw Παπαδόπουλος 王"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("carriage\rreturn", "carriage&#13;return"),
        ("", ""),
    ])
    func escapesCharacterData(input: String, expected: String) {
        #expect(text(input) == expected)
    }

    @Test(arguments: [
        ("Rm\u{0B}12", "Rm12"),            // vertical tab
        ("\u{00}a\u{01}b\u{1F}c", "abc"),   // NUL and other C0 controls
        ("a\u{FFFE}b\u{FFFF}c", "abc"),     // noncharacters XML 1.0 excludes
        ("a\u{FFFD}b", "a\u{FFFD}b"),       // the replacement character is allowed
        ("\u{7F}\u{85}", "\u{7F}\u{85}"),   // DEL and C1 controls are XML 1.0 characters
    ])
    func removesCharactersXMLForbids(input: String, expected: String) {
        #expect(text(input) == expected)
    }

    @Test func attributesAlsoEscapeQuotesAndWhitespace() {
        #expect(attribute("a \"b\" & <c>") == "a &quot;b&quot; &amp; &lt;c&gt;")
        #expect(attribute("x\ty\nz") == "x&#9;y&#10;z")
    }

    @Test func emptyElementsAndCodes() {
        var out = XMLBytes()
        out.element("middle_name", "")
        out.element("first_name", "Zoë & Co")
        out.code("user_group", CodeValue("31"))
        out.code("gender", CodeValue(""))
        out.code("status", CodeValue("ACTIVE", desc: "Active \"now\""))
        #expect(String(decoding: out.bytes, as: UTF8.self) ==
            "<middle_name/><first_name>Zoë &amp; Co</first_name><user_group>31</user_group><gender/><status desc=\"Active &quot;now&quot;\">ACTIVE</status>")
    }

    /// Dates are written digit by digit; they must read as `almaString` does, padding included.
    @Test(arguments: [
        (AlmaDate(year: 2027, month: 5, day: 22), "<expiry_date>2027-05-22Z</expiry_date>"),
        (AlmaDate(year: 999, month: 12, day: 1), "<expiry_date>0999-12-01Z</expiry_date>"),
        (AlmaDate(year: 10_000, month: 1, day: 31), "<expiry_date>10000-01-31Z</expiry_date>"),
    ])
    func datesReadAsAlmaStrings(date: AlmaDate, expected: String) {
        var out = XMLBytes()
        out.date("expiry_date", date)
        #expect(String(decoding: out.bytes, as: UTF8.self) == expected)
        #expect(expected == "<expiry_date>\(date.almaString)</expiry_date>")
    }

    /// The buffer grows past its first capacity, keeps what it held, and is reused after `removeAll`.
    @Test func growsAndIsReused() {
        var out = XMLBytes(capacity: 1)
        out.raw("<a>")
        out.raw(String(repeating: "x", count: 200))
        #expect(out.count == 203)
        #expect(String(decoding: out.bytes, as: UTF8.self) == "<a>" + String(repeating: "x", count: 200))
        out.removeAll()
        out.raw("</a>")
        var whole = XMLBytes(capacity: 1)
        whole.raw("<a>")
        whole.raw(out)
        #expect(String(decoding: whole.bytes, as: UTF8.self) == "<a></a>")
    }

    /// Short appends copy by words: every length, at every offset, must land byte for byte.
    @Test func appendsOfEveryLengthLandIntact() {
        let source = (0..<40).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        for offset in 0..<9 {
            var out = XMLBytes(capacity: 1)
            var expected: [UInt8] = Array(repeating: UInt8(ascii: "<"), count: offset)
            out.raw(expected)
            for length in 0...source.count {
                out.raw(Array(source[0..<length]))
                expected += source[0..<length]
                out.text(String(decoding: source[0..<length], as: UTF8.self))
                expected += source[0..<length]
            }
            #expect(out.bytes == expected, "offset \(offset)")
        }
    }
}
