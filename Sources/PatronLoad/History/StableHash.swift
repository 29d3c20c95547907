/// MurmurHash3 (x64, 128-bit): fast, well distributed, and the same on every machine and every
/// run, unlike Swift's seeded `Hasher`. History files are ordered by it, so it must never change.
public struct Hash128: Hashable, Comparable, Sendable {
    public var high: UInt64
    public var low: UInt64

    public static func < (lhs: Hash128, rhs: Hash128) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

public enum StableHash {
    public static func hash128(_ text: String, seed: UInt64 = 0x5EED) -> Hash128 {
        var text = text
        return text.withUTF8 { hash128(UnsafeRawBufferPointer($0), seed: seed) }
    }

    public static func hash64(_ text: String) -> UInt64 {
        hash128(text).low
    }

    public static func hash128(_ bytes: [UInt8], seed: UInt64 = 0x5EED) -> Hash128 {
        bytes.withUnsafeBytes { hash128($0, seed: seed) }
    }

    public static func hash128(_ data: UnsafeRawBufferPointer, seed: UInt64 = 0x5EED) -> Hash128 {
        let c1: UInt64 = 0x87C3_7B91_1142_53D5
        let c2: UInt64 = 0x4CF5_AD43_2745_937F
        var h1 = seed
        var h2 = seed
        let count = data.count
        let blocks = count / 16
        for block in 0..<blocks {
            var k1 = data.loadUnaligned(fromByteOffset: block * 16, as: UInt64.self).littleEndian
            var k2 = data.loadUnaligned(fromByteOffset: block * 16 + 8, as: UInt64.self).littleEndian
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
            h1 = rotl(h1, 27); h1 &+= h2; h1 = h1 &* 5 &+ 0x52DC_E729
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
            h2 = rotl(h2, 31); h2 &+= h1; h2 = h2 &* 5 &+ 0x3849_5AB5
        }
        // The last 1 to 15 bytes, little-endian, read in a few loads instead of byte by
        // byte: most values hashed are a field of a few bytes, all tail.
        let tail = blocks * 16
        let remaining = count & 15
        if remaining > 8 {
            var k2 = littleEndian(data, from: tail + 8, count: remaining - 8)
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
        }
        if remaining > 0 {
            var k1 = littleEndian(data, from: tail, count: min(remaining, 8))
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
        }
        h1 ^= UInt64(count); h2 ^= UInt64(count)
        h1 &+= h2; h2 &+= h1
        h1 = fmix(h1); h2 = fmix(h2)
        h1 &+= h2; h2 &+= h1
        return Hash128(high: h1, low: h2)
    }

    /// `count` (1 to 8) bytes from `offset` as a little-endian number: one load for 8, two
    /// overlapping ones for 4 to 7, three single bytes for 1 to 3 (a byte read twice is ORed
    /// with itself).
    @inline(__always) private static func littleEndian(_ data: UnsafeRawBufferPointer, from offset: Int, count: Int) -> UInt64 {
        switch count {
        case 8:
            return data.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
        case 4..<8:
            let low = UInt64(data.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
            let high = UInt64(data.loadUnaligned(fromByteOffset: offset + count - 4, as: UInt32.self).littleEndian)
            return low | high << UInt64((count - 4) * 8)
        default:
            let first = UInt64(data[offset])
            let middle = UInt64(data[offset + count / 2]) << UInt64(count / 2 * 8)
            let last = UInt64(data[offset + count - 1]) << UInt64((count - 1) * 8)
            return first | middle | last
        }
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always) private static func fmix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33; k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33; k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }
}
