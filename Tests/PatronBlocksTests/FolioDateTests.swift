import Foundation
import Testing
@testable import PatronBlocks

/// The integer reading of FOLIO's usual date forms gives exactly what Foundation's ISO 8601
/// parser gives, and leaves every other form to it.
@Suite struct FolioDateTests {
    static func foundation(_ text: String) -> Int64? {
        let styles = [Date.ISO8601FormatStyle(includingFractionalSeconds: true), Date.ISO8601FormatStyle()]
        for style in styles {
            if let date = try? style.parse(text) { return date.epochMilliseconds }
        }
        return nil
    }

    @Test func theCommonFormsReadAsFoundationReadsThem() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let milliseconds = Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &generator)
            let offset = Int.random(in: -14...14, using: &generator) * 60 + [0, 30, 45].randomElement(using: &generator)!
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(secondsFromGMT: offset * 60)!
            let date = Date(epochMilliseconds: milliseconds)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let base = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
            let fraction = String(format: ".%03d", Int(((milliseconds % 1000) + 1000) % 1000))
            let zone = offset == 0 && Bool.random(using: &generator) ? "Z" : String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", abs(offset) / 60, abs(offset) % 60)
            for text in [base + fraction + zone, base + zone] {
                let fast = FolioDate.commonForm(text)
                #expect(fast != nil, "\(text)")
                #expect(fast == Self.foundation(text), "\(text)")
            }
            #expect(FolioDate.commonForm(base + fraction + zone) == milliseconds, "\(base + fraction + zone)")
        }
    }

    @Test(arguments: ["2026-11-22T10:00:00.1234Z", "2026-11-22T10:00:00.12Z", "2026-11-22T10:00:00+0000", "2026-11-22T10:00:00",
                      "2026-02-29T10:00:00Z", "2026-13-01T10:00:00Z", "2026-11-31T10:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z",
                      "2026-11-22T10:00:60Z", "2026-11-22 10:00:00Z", "2026-11-22T10:00:00+25:00", "2026-11-22T10:00:00.abcZ", "2026-11-22",
                      "２026-11-22T10:00:00Z"])
    func otherFormsAreLeftToTheFullParsers(_ text: String) {
        #expect(FolioDate.commonForm(text) == nil)
    }

    @Test func theFullParsersStillReadTheOtherForms() {
        #expect(FolioDate.parse("2026-11-22T10:00:00+0000") == Date(epochMilliseconds: 1_795_341_600_000))
        #expect(FolioDate.parse("2026-11-22T10:00:00.123456Z") == Date(epochMilliseconds: 1_795_341_600_123))
        #expect(FolioDate.parse("2024-02-29T00:00:00Z") == Date(epochMilliseconds: 1_709_164_800_000), "a leap day")
    }
}
