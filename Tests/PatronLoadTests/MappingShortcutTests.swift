import Foundation
import Testing
@testable import PatronLoad

/// The scan's and pre-flight's shortcuts give what the general code they stand in for gives.
struct MappingShortcutTests {
    @Test func whitespaceByValueIsUnicodesWhitespace() {
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(PatronMapper.isWhitespace(scalar) == scalar.properties.isWhitespace, "U+\(String(value, radix: 16))")
        }
    }

    @Test(arguments: [
        ("Ann", "ann", true), ("ANN", "ann", true), ("Ann", "Anne", false), ("Ann", "Anm", false), ("", "", true),
        ("Mc-Neil 2", "mC-nEIL 2", true), ("[", "{", false), ("@", "`", false), ("Zoë", "ZOË", true), ("Zoë", "Zoe", false),
        ("Straße", "STRASSE", false), ("İlker", "i̇lker", true),
    ])
    func namesAreComparedIgnoringCaseAsLowercasingDoes(one: String, other: String, same: Bool) {
        #expect(PatronMapper.sameIgnoringCase(one, other) == same)
        #expect(PatronMapper.sameIgnoringCase(one, other) == (one.lowercased() == other.lowercased()))
    }

    @Test func anOverrideMatchesAsItsPatternDoesBeyondTheValuesItKeeps() throws {
        let pattern = OverridePattern(column: 0, regex: try Regex("NI[UVWTRH]"), code: "54")
        for round in 0..<2 {
            for number in 0..<(OverridePattern.keptValues + 500) {
                let value = number.isMultiple(of: 7) ? "NI\(["U", "V", "W", "T", "R", "H"][number % 6])" : "N\(number)"
                let expected = number.isMultiple(of: 7)
                #expect(pattern.matches(value) == expected, "\(value), round \(round)")
            }
        }
        #expect(pattern.matches("NIU") && !pattern.matches("xNIU") && !pattern.matches("NIUx") && !pattern.matches("niu"))
    }

    @Test(arguments: [0, 1, 2, 255, 257, 1_000, 65_537, 200_000])
    func hashOrderSortsAsTheStandardSort(count: Int) {
        var generator = SystemRandomNumberGenerator()
        // Repeated hashes, with their tie broken by the second value, as the analysis has them.
        var elements: [(hash: UInt64, row: UInt64)] = (0..<count).map { _ in (UInt64.random(in: .min ... .max, using: &generator), UInt64.random(in: 0..<1_000_000)) }
        for index in stride(from: 0, to: count, by: 10) where index + 1 < count { elements[index + 1].hash = elements[index].hash }
        let expected = elements.sorted { $0.hash == $1.hash ? $0.row < $1.row : $0.hash < $1.hash }
        HashOrder.sort(&elements, key: { $0.hash }) { $0.hash == $1.hash ? $0.row < $1.row : $0.hash < $1.hash }
        #expect(elements.map(\.hash) == expected.map(\.hash))
        #expect(elements.map(\.row) == expected.map(\.row))
    }

    @Test func hashOrderSortsKeysThatAreNotSpread() {
        // Every key in one bucket, and runs of equal keys: the buckets' own sort does the work.
        var elements: [(hash: UInt64, row: UInt64)] = (0..<5_000).map { (UInt64($0 % 40), UInt64(5_000 - $0)) }
        let expected = elements.sorted { $0.hash == $1.hash ? $0.row < $1.row : $0.hash < $1.hash }
        HashOrder.sort(&elements, key: { $0.hash }) { $0.hash == $1.hash ? $0.row < $1.row : $0.hash < $1.hash }
        #expect(elements.map(\.hash) == expected.map(\.hash) && elements.map(\.row) == expected.map(\.row))
    }
}
