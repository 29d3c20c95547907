import CZlib

/// zlib's inflate over input that arrives in chunks: raw deflate (zip entries) or gzip (history
/// files). One place owns the z_stream and its edge cases.
final class Inflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var input: [UInt8] = []
    private var inputOffset = 0
    private(set) var ended = false

    enum Format { case raw, gzip }

    init(_ format: Format) throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let bits = format == .raw ? -MAX_WBITS : MAX_WBITS + 16
        let status = inflateInit2_(stream, bits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw PackagingError.compression("inflateInit2 returned \(status)")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Fills `buffer` with inflated bytes, pulling compressed input from `more` (nil: no more
    /// input). Returns how many bytes it produced; 0 with `ended` set at the end of the stream.
    /// Throws `Failure` for damaged or truncated input.
    enum Failure: Error {
        case damaged(Int32)
        case truncated
    }

    func inflate(into buffer: UnsafeMutableRawBufferPointer, more: () throws -> [UInt8]?) throws -> Int {
        guard !ended, buffer.count > 0 else { return 0 }
        while true {
            if inputOffset == input.count {
                guard let next = try more(), !next.isEmpty else { throw Failure.truncated }
                input = next
                inputOffset = 0
            }
            let available = input.count - inputOffset
            let (status, produced, consumed) = input.withUnsafeMutableBytes { raw in
                stream.pointee.next_in = raw.baseAddress!.assumingMemoryBound(to: Bytef.self) + inputOffset
                stream.pointee.avail_in = uInt(available)
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(buffer.count)
                let status = CZlib.inflate(stream, Z_NO_FLUSH)
                return (status, buffer.count - Int(stream.pointee.avail_out), available - Int(stream.pointee.avail_in))
            }
            inputOffset += consumed
            guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && produced == 0 && consumed == 0) else {
                throw Failure.damaged(status)
            }
            if status == Z_STREAM_END { ended = true }
            if produced > 0 || ended { return produced }
        }
    }
}
