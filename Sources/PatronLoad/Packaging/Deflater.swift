import CCRC32
import CZlib

/// Raw deflate (as zip entries hold it) over zlib, fed in large chunks.
final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]

    /// Raw deflate by default; `gzip` wraps the stream in a gzip header and trailer.
    init(level: Int32, gzip: Bool = false, outputChunk: Int = 256 * 1024) throws {
        // zlib keeps a pointer back to its z_stream, so the stream needs a stable address.
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = [UInt8](repeating: 0, count: outputChunk)
        let status = deflateInit2_(stream, level, Z_DEFLATED, gzip ? MAX_WBITS + 16 : -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw PackagingError.compression("deflateInit2 returned \(status)")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `input`; compressed bytes go to `sink` whenever the output chunk fills.
    /// With `finish`, the stream is ended and everything pending is flushed.
    func compress(_ input: UnsafeRawBufferPointer, finish: Bool, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        let chunk = output.count
        while true {
            let (status, produced) = output.withUnsafeMutableBytes { buffer in
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(chunk)
                let status = deflate(stream, flush)
                return (status, chunk - Int(stream.pointee.avail_out))
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw PackagingError.compression("deflate returned \(status)")
            }
            if produced > 0 {
                try output.withUnsafeBytes { (raw) throws in try sink(UnsafeRawBufferPointer(rebasing: raw[0..<produced])) }
            }
            if finish {
                if status == Z_STREAM_END { break }
            } else if stream.pointee.avail_in == 0 && produced < chunk {
                break
            }
        }
        if finish { deflateReset(stream) }
    }

    /// An upper bound on the compressed size of `count` input bytes (zlib's deflateBound).
    static func bound(_ count: UInt64) -> UInt64 {
        count + (count >> 12) + (count >> 14) + (count >> 25) + 13
    }
}

/// CRC-32 as zip uses it.
struct CRC32 {
    private(set) var value: UInt32 = 0

    /// Carry-less multiplication when the processor has it (every x86-64 server of the last
    /// decade): zlib's table-driven CRC was about 2 % of a run's CPU.
    static let folds = ccrc32_available() != 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        var pointer = base.assumingMemoryBound(to: Bytef.self)
        if Self.folds, remaining >= 64 {
            let folded = remaining & ~15
            value = ccrc32_fold(value, pointer, folded)
            pointer += folded
            remaining -= folded
        }
        var crc = uLong(value)
        while remaining > 0 {
            let step = min(remaining, Int(Int32.max))
            crc = crc32(crc, pointer, uInt(step))
            pointer += step
            remaining -= step
        }
        value = UInt32(truncatingIfNeeded: crc)
    }
}
