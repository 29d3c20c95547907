/// A character a warehouse value holds that cannot reach Alma as it is: one XML 1.0 forbids (the
/// XML writer drops it), or U+FFFD, which is what a driver makes of bytes that were not UTF-8.
/// Either way the written value differs from the warehouse's, so an identifier holding one could
/// equal another patron's once written: such a patron is left out rather than guessed at.
public struct UnwritableCharacter: Sendable, Equatable, CustomStringConvertible {
    public let scalar: Unicode.Scalar

    /// The first such character of `value`, or nil (almost always, found with one byte scan).
    public static func first(in value: String) -> UnwritableCharacter? {
        // Every forbidden character is a C0 control (below 0x20) or starts with 0xEF (U+FFFD,
        // U+FFFE, U+FFFF), so values without those bytes need no further look.
        // Over the contiguous bytes: the scan asks this of every written value of every row.
        var bytes = value
        guard bytes.withUTF8({ $0.contains { $0 < 0x20 || $0 == 0xEF } }) else { return nil }
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: continue
            case 0x00..<0x20, 0xFFFD, 0xFFFE, 0xFFFF: return UnwritableCharacter(scalar: scalar)
            default: continue
            }
        }
        return nil
    }

    public var isRepairedUTF8: Bool { scalar.value == 0xFFFD }

    public var code: String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    public var description: String {
        isRepairedUTF8
            ? "\(code), which stands for bytes that were not valid UTF-8"
            : "\(code), a character XML 1.0 forbids"
    }

    /// `value` with every unwritable character shown as its code point, for a report line.
    public static func visible(_ value: String) -> String {
        guard first(in: value) != nil else { return value }
        var text = ""
        for scalar in value.unicodeScalars {
            if let character = first(in: String(scalar)) {
                text += "<\(character.code)>"
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}
