import FolioSimulator
import Foundation
import Testing

/// The simulator writes ids and dates by hand; they must read exactly as Foundation writes them.
@Suite struct SimulatorTextTests {
    @Test func idsAreFoundationsInLowerCase() {
        for _ in 0..<2_000 {
            let id = UUID()
            #expect(FolioJSONText.uuid(id) == id.uuidString.lowercased())
        }
    }

    /// The simulator's previous date writer: Foundation's ISO 8601 format, milliseconds appended.
    static func reference(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = Int64((Double(milliseconds) / 1000).rounded(.down))
        let fraction = String(milliseconds - seconds * 1000)
        let stamp = Date.ISO8601FormatStyle().format(Date(timeIntervalSince1970: Double(seconds)))
        return stamp.dropLast() + "." + String(repeating: "0", count: 3 - fraction.count) + fraction + "+00:00"
    }

    @Test func datesAreFoundationsToTheMillisecond() {
        var dates = [0, -0.001, -86_400, 951_782_400, 951_868_799.999, 1_795_341_620.9989, 4_102_444_799.999, 1_709_164_800].map { Date(timeIntervalSince1970: $0) }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            // 1900 to 2100, at any millisecond.
            dates.append(Date(timeIntervalSince1970: Double(Int64.random(in: -2_208_988_800_000...4_102_444_800_000, using: &random)) / 1000))
        }
        for date in dates {
            #expect(FolioJSONText.date(date) == Self.reference(date), "\(date.timeIntervalSince1970)")
        }
    }
}
