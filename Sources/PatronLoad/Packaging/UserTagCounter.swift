/// Counts `<user>` start tags in a byte stream without parsing it: our writer escapes every `<`
/// in character data, so the tag can only be markup. Tracks a match across chunk boundaries.
///
/// It runs over every byte the packager deflates, so it skips 16 bytes at a time to the next
/// `<u` whose sixth byte is `>` instead of stepping through the pattern byte by byte.
struct UserTagCounter {
    private static let pattern: [UInt8] = Array("<user>".utf8)
    private var matched = 0
    private(set) var count = 0

    mutating func scan(_ bytes: UnsafeRawBufferPointer) {
        let total = bytes.count
        var index = 0
        // A match begun in the previous chunk is finished byte by byte.
        while matched > 0 && index < total {
            step(bytes[index])
            index += 1
        }
        // Whole windows: a "<u" found at lane p is compared in full (p + 6 <= total holds, as
        // the window and the 5 bytes after it lie inside the chunk), so nothing is carried out.
        // `<u…>` six bytes apart: a dozen other tags a user holds begin `<user_`, so testing the
        // `>` as well leaves about one candidate a user to compare in full.
        let lessThan = SIMD16<UInt8>(repeating: UInt8(ascii: "<"))
        let letterU = SIMD16<UInt8>(repeating: UInt8(ascii: "u"))
        let greaterThan = SIMD16<UInt8>(repeating: UInt8(ascii: ">"))
        while index + 16 + 5 <= total {
            let here = bytes.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
            let next = bytes.loadUnaligned(fromByteOffset: index + 1, as: SIMD16<UInt8>.self)
            let end = bytes.loadUnaligned(fromByteOffset: index + 5, as: SIMD16<UInt8>.self)
            let starts = (here .== lessThan) .& (next .== letterU) .& (end .== greaterThan)
            if any(starts) {
                for lane in 0..<16 where starts[lane] && Self.matches(bytes, at: index + lane) {
                    count += 1
                }
            }
            index += 16
        }
        while index < total {
            step(bytes[index])
            index += 1
        }
    }

    private mutating func step(_ byte: UInt8) {
        if byte == Self.pattern[matched] {
            matched += 1
            if matched == Self.pattern.count {
                count += 1
                matched = 0
            }
        } else {
            matched = byte == Self.pattern[0] ? 1 : 0
        }
    }

    private static func matches(_ bytes: UnsafeRawBufferPointer, at start: Int) -> Bool {
        for (offset, expected) in pattern.enumerated() where bytes[start + offset] != expected { return false }
        return true
    }
}
