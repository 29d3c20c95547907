import CCRC32
import CZlib
import Foundation
import Testing
@testable import PatronLoad

/// The zip entries' CRC-32 equals zlib's for every length and every way of feeding the bytes,
/// whether it is folded with carry-less multiplication or computed by zlib.
@Suite struct CRC32Tests {
    static func zlib(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    @Test func everyLengthFedWholeOrInPiecesMatchesZlib() {
        var generator = SystemRandomNumberGenerator()
        for count in Array(0...300) + [1_000, 4_096, 65_537, 1_048_576 + 13] {
            let bytes = Self.random(count)
            var whole = CRC32()
            bytes.withUnsafeBytes { whole.update($0) }
            #expect(whole.value == Self.zlib(bytes), "\(count) bytes at once")
            var pieces = CRC32()
            var start = 0
            while start < count {
                let end = min(count, start + Int.random(in: 1...200, using: &generator))
                bytes.withUnsafeBytes { pieces.update(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
                start = end
            }
            #expect(pieces.value == Self.zlib(bytes), "\(count) bytes in pieces")
        }
        #expect(Self.zlib(Array("123456789".utf8)) == 0xCBF4_3926, "the check value of CRC-32")
    }

    @Test(.enabled(if: ccrc32_available() != 0, "this processor has no carry-less multiplication"))
    func theFoldAloneMatchesZlibAndContinuesACRC() {
        for count in stride(from: 64, through: 4_160, by: 16) {
            let bytes = Self.random(count)
            let folded = bytes.withUnsafeBufferPointer { ccrc32_fold(0, $0.baseAddress, count) }
            #expect(folded == Self.zlib(bytes), "\(count) bytes")
            guard count - 16 >= 64 else { continue }
            let head = Array(bytes[0..<16])
            let continued = bytes.withUnsafeBufferPointer { ccrc32_fold(Self.zlib(head), $0.baseAddress! + 16, count - 16) }
            #expect(continued == Self.zlib(bytes), "continued after 16 of \(count) bytes")
        }
        #expect(CRC32.folds, "the run uses the fold on this processor")
    }
}
