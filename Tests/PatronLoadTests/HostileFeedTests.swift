import PatronSyncTestSupport
import Foundation
import Testing
@testable import PatronLoad

/// Values a hostile or broken feed holds that the XML cannot carry as they are.
@Suite struct HostileFeedTests {
    @Test(arguments: [
        ("E5", nil),
        ("E5\u{1}", "U+0001"),
        ("E1\u{FFFE}2", "U+FFFE"),
        ("E\u{FFFF}", "U+FFFF"),
        ("TEXT\u{FFFD}", "U+FFFD"),
        ("31000000\u{0}08", "U+0000"),
        ("tab\tand\nnewline\rkept", nil),
        ("Zoë Ærø 名前 🙂", nil),
        ("\u{7F}\u{85}", nil),   // DEL and C1 controls are XML 1.0 characters
    ] as [(String, String?)])
    func unwritableCharacters(value: String, expected: String?) {
        #expect(UnwritableCharacter.first(in: value)?.code == expected)
    }

    @Test func visibleShowsEachCodePoint() {
        #expect(UnwritableCharacter.visible("E5\u{1}x\u{FFFD}") == "E5<U+0001>x<U+FFFD>")
        #expect(UnwritableCharacter.visible("plain") == "plain")
    }

    @Test func mapperNamesTheColumnAndIdentifiersComeFirst() throws {
        let (columns, row) = Fixtures.staffRow(["KRB_NAME_UPPERCASE": "E5\u{1}", "LEGAL_FIRST_NAME": "A\u{2}n", "MIT_ID": "101"])
        let mapper = try PatronMapper(profile: Fixtures.profile, patronType: Fixtures.type("staff"), columns: columns, today: Fixtures.dates.today)
        let found = mapper.unwritableValues(row)
        #expect(found.map(\.column) == ["KRB_NAME_UPPERCASE", "LEGAL_FIRST_NAME"])
        #expect(found.map(\.isIdentifier) == [true, false])
    }

    /// Every identifier that reaches Alma is unique as written: an ID holding a character XML
    /// forbids (or repaired UTF-8) is left out with a reason, never written as someone else's.
    @Test func identifiersThatXMLWouldChangeAreLeftOutNotDuplicated() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.add("staff", login: "E5\u{1}", id: "151")
        try warehouse.add("staff", login: "E5", id: "152")
        try warehouse.add("student", login: "E1\u{FFFE}2", id: "251")
        try warehouse.add("student", login: "E12", id: "252")
        try warehouse.add("student", login: "B1", id: "253", ["LIBRARY_ID": "31000000\u{0}08"])
        try warehouse.add("student", login: "B2", id: "254", ["LIBRARY_ID": "3100000008"])
        // Bytes that are not UTF-8 in a login, and in a name.
        try warehouse.add("student", login: "PLACEHOLDER1", id: "255")
        try warehouse.execute("UPDATE LIBRARY_STUDENT SET KRB_NAME_UPPERCASE = CAST(X'54455854FF' AS TEXT) WHERE MIT_ID = '255'")
        try warehouse.add("student", login: "TEXT", id: "256")
        try warehouse.add("student", login: "N1", id: "257")
        try warehouse.execute("UPDATE LIBRARY_STUDENT SET LEGAL_LAST_NAME = CAST(X'4CFF6E' AS TEXT) WHERE MIT_ID = '257'")

        let output = directory.appending("out")
        var configuration = HistoryTests.configuration(warehouse, output: output, day: 0)
        configuration.maxLeftOutPercent = 100
        let (summary, runLog) = await LoadJobTests.run(configuration)
        #expect(summary.outcome == .delivered)

        let written = try HistoryTests.users(summary, type: "staff") + HistoryTests.users(summary, type: "student")
        let ids = written.compactMap { $0.fields["primary_id"]?.uppercased() }
        #expect(ids.count == Set(ids).count, "a primary_id reached Alma twice")
        let barcodes = written.compactMap { $0.identifiers["01"] }
        #expect(barcodes.count == Set(barcodes).count, "a barcode reached Alma twice")
        for id in ["E5@MIT.EDU", "E12@MIT.EDU", "TEXT@MIT.EDU", "B2@MIT.EDU", "N1@MIT.EDU"] {
            #expect(ids.contains(id))
        }
        #expect(!ids.contains { $0.hasPrefix("B1") })

        let reasons = summary.preflight.joined(separator: "\n")
        #expect(reasons.contains("staff E5<U+0001>@MIT.EDU (institutional ID 151) left out: its KRB_NAME_UPPERCASE holds U+0001, a character XML 1.0 forbids"))
        #expect(reasons.contains("student E1<U+FFFE>2@MIT.EDU (institutional ID 251) left out"))
        #expect(reasons.contains("student B1@MIT.EDU (institutional ID 253) left out: its LIBRARY_ID holds U+0000"))
        #expect(reasons.contains("student TEXT<U+FFFD>@MIT.EDU (institutional ID 255) left out: its KRB_NAME_UPPERCASE holds U+FFFD, which stands for bytes that were not valid UTF-8"))
        #expect(summary.counts(for: "staff")?.leftOut == 1)
        #expect(summary.counts(for: "student")?.leftOut == 3)

        // The name was repaired, with a warning naming the row and the column.
        // Only loaded rows are repaired: E1<U+FFFE>2's email holds the same character, but that row is left out.
        #expect(summary.counts(for: "student")?.repairedValues == 1)
        #expect(summary.counts(for: "staff")?.repairedValues == 0)
        #expect(runLog.lines.contains { $0.contains("Repaired student row with institutional ID 257: LEGAL_LAST_NAME held U+FFFD") })
        #expect(summary.warnings.contains { $0.hasPrefix("1 warehouse value(s) held characters XML cannot carry") })
    }
}
