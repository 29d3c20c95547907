import Testing
@testable import PatronLoad

/// Run histories store these hashes: they must never change. MurmurHash3 x64 128, the values
/// of the `mmh3` Python package (`mmh3.hash128(text, seed=0x5EED, x64arch=True)`, h1 as `high`).
struct StableHashTests {
    @Test(arguments: [
        ("", 0xF2DF_D3D2_A81D_BFA7 as UInt64, 0xA86C_410E_2896_FFDD as UInt64),
        ("a", 0xE9C8_7A5F_67D0_B15C, 0xC854_5200_C857_8B0B),
        ("abc", 0xB249_7309_32C8_0693, 0x7F61_00E0_76CE_9F31),
        ("Hello, patron", 0xD0FD_CCC7_EC0B_CC4D, 0x9DA4_37B1_8C03_5C05),
        ("0123456789abcdef", 0x570A_6A77_2E69_2432, 0x7ACF_4923_4579_1420),
        ("0123456789abcdef0123456789", 0x8A1C_FD65_BB51_63FE, 0x0D24_E61D_0F55_F288),
        ("élève-2026", 0x0B2B_1EBB_A79A_2AA7, 0x3755_6F9B_C575_442C),
    ])
    func knownValues(text: String, high: UInt64, low: UInt64) {
        #expect(StableHash.hash128(text) == Hash128(high: high, low: low))
    }

    /// Every tail length, at every offset into a buffer: the same as reading the tail byte by byte.
    @Test func everyLengthHashesAsTheBytewiseAlgorithm() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<200).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes.withUnsafeBytes { all in
            for length in 0...80 {
                for start in [0, 1, 3, 7, 100] {
                    let seed = UInt64.random(in: 0 ... .max, using: &generator)
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    #expect(StableHash.hash128(slice, seed: seed) == Self.bytewise(slice, seed: seed), "length \(length) at \(start)")
                }
            }
        }
    }

    /// MurmurHash3 x64 128 as its reference code reads the tail: one byte at a time.
    static func bytewise(_ data: UnsafeRawBufferPointer, seed: UInt64) -> Hash128 {
        func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
        func fmix(_ value: UInt64) -> UInt64 {
            var k = value
            k ^= k >> 33; k &*= 0xFF51_AFD7_ED55_8CCD
            k ^= k >> 33; k &*= 0xC4CE_B9FE_1A85_EC53
            return k ^ (k >> 33)
        }
        let c1: UInt64 = 0x87C3_7B91_1142_53D5, c2: UInt64 = 0x4CF5_AD43_2745_937F
        var h1 = seed, h2 = seed
        let blocks = data.count / 16
        for block in 0..<blocks {
            var k1 = data.loadUnaligned(fromByteOffset: block * 16, as: UInt64.self).littleEndian
            var k2 = data.loadUnaligned(fromByteOffset: block * 16 + 8, as: UInt64.self).littleEndian
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
            h1 = rotl(h1, 27); h1 &+= h2; h1 = h1 &* 5 &+ 0x52DC_E729
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
            h2 = rotl(h2, 31); h2 &+= h1; h2 = h2 &* 5 &+ 0x3849_5AB5
        }
        var k1: UInt64 = 0, k2: UInt64 = 0
        let tail = blocks * 16, remaining = data.count & 15
        if remaining > 8 {
            for index in 8..<remaining { k2 ^= UInt64(data[tail + index]) << UInt64((index - 8) * 8) }
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
        }
        if remaining > 0 {
            for index in 0..<min(remaining, 8) { k1 ^= UInt64(data[tail + index]) << UInt64(index * 8) }
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
        }
        h1 ^= UInt64(data.count); h2 ^= UInt64(data.count)
        h1 &+= h2; h2 &+= h1
        h1 = fmix(h1); h2 = fmix(h2)
        h1 &+= h2; h2 &+= h1
        return Hash128(high: h1, low: h2)
    }
}
