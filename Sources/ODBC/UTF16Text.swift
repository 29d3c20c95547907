/// UTF-16 from a driver to a Swift String. The standard library's generic transcoding path is
/// several times slower than this loop, and a block fetch decodes every cell.
enum UTF16Text {
    static func string(_ units: UnsafeBufferPointer<UInt16>, scratch: inout [UInt8]) -> String {
        scratch.removeAll(keepingCapacity: true)
        var index = 0
        let count = units.count
        while index < count {
            let unit = units[index]
            index += 1
            switch unit {
            case 0..<0x80:
                scratch.append(UInt8(unit))
            case 0x80..<0x800:
                scratch.append(UInt8(0xC0 | (unit >> 6)))
                scratch.append(UInt8(0x80 | (unit & 0x3F)))
            case 0xD800..<0xDC00 where index < count && (0xDC00..<0xE000).contains(units[index]):
                let scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(units[index]) - 0xDC00)
                index += 1
                scratch.append(UInt8(0xF0 | (scalar >> 18)))
                scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
                scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                scratch.append(UInt8(0x80 | (scalar & 0x3F)))
            case 0xD800..<0xE000:
                // A lone surrogate is not text: the replacement character, as String(decoding:) does.
                scratch.append(contentsOf: [0xEF, 0xBF, 0xBD])
            default:
                scratch.append(UInt8(0xE0 | (unit >> 12)))
                scratch.append(UInt8(0x80 | ((unit >> 6) & 0x3F)))
                scratch.append(UInt8(0x80 | (unit & 0x3F)))
            }
        }
        return String(decoding: scratch, as: UTF8.self)
    }
}
