import Foundation

/// FOLIO accepts only RFC 4122 UUIDs: 8-4-4-4-12 hex, version 1 to 5, variant 8, 9, a or b.
/// One validator for path parameters (400) and body fields (422).
public enum FolioUUID {
    public static func isValid(_ text: String) -> Bool {
        // Over the string's own bytes: a synchronization checks millions of ids.
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count == 36 else { return false }
            for (index, byte) in bytes.enumerated() {
                switch index {
                case 8, 13, 18, 23:
                    guard byte == UInt8(ascii: "-") else { return false }
                default:
                    guard isHex(byte) else { return false }
                }
            }
            guard (UInt8(ascii: "1")...UInt8(ascii: "5")).contains(bytes[14]) else { return false }
            switch bytes[19] {
            case UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "A"), UInt8(ascii: "B"): return true
            default: return false
            }
        }
    }

    /// The UUID when valid, lower-cased as FOLIO stores them.
    public static func parse(_ text: String) -> UUID? {
        guard isValid(text) else { return nil }
        return UUID(folio: text)
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }
}

extension UUID {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lower case, as FOLIO writes UUIDs. Written by hand: Foundation's `uuidString` goes through
    /// `sprintf`, and a synchronization writes millions of them.
    public var folio: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { buffer in
                var index = 0
                for (position, byte) in bytes.enumerated() {
                    if position == 4 || position == 6 || position == 8 || position == 10 {
                        buffer[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    buffer[index] = Self.hexDigits[Int(byte >> 4)]
                    buffer[index + 1] = Self.hexDigits[Int(byte & 0x0F)]
                    index += 2
                }
                return 36
            }
        }
    }

    /// Reads any 8-4-4-4-12 hex text (either case) without Foundation's `sscanf`; nil otherwise.
    /// For ids the service stored itself; input from outside goes through `FolioUUID.parse`.
    public init?(folio text: some StringProtocol) {
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &raw) { bytes -> Bool in
            var count = 0
            var position = 0
            var high: UInt8?
            for character in text.utf8 {
                defer { position += 1 }
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard character == UInt8(ascii: "-") else { return false }
                    continue
                }
                let value: UInt8
                switch character {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
                default: return false
                }
                guard count < 16 else { return false }
                if let nibble = high {
                    bytes[count] = nibble << 4 | value
                    count += 1
                    high = nil
                } else {
                    high = value
                }
            }
            return position == 36 && count == 16
        }
        guard parsed else { return nil }
        self = UUID(uuid: raw)
    }
}
