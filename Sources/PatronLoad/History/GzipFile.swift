import Foundation

/// Writes a gzip file, streaming.
final class GzipFileWriter {
    private let file: OutputFile
    private let deflater: Deflater
    private var buffer: [UInt8] = []

    init(path: String, level: Int32 = 6) throws {
        file = try OutputFile(path: path)
        deflater = try Deflater(level: level, gzip: true)
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush(finish: false) }
    }

    func finish() throws {
        try flush(finish: true)
        try file.finish()
    }

    private func flush(finish: Bool) throws {
        try buffer.withUnsafeBytes { raw in
            try deflater.compress(raw, finish: finish) { chunk in try file.write(chunk) }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads a gzip file, streaming; zlib checks the trailer's CRC and length at the end.
final class GzipFileReader {
    private let handle: FileHandle
    private let inflater: Inflater
    private var output: [UInt8] = []
    private var outputOffset = 0
    let path: String

    init(path: String) throws {
        self.path = path
        handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        inflater = try Inflater(.gzip)
    }

    deinit {
        try? handle.close()
    }

    /// Exactly `count` bytes, or nil at a clean end of the stream; a stream that ends mid-way throws.
    func read(_ count: Int) throws -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        return try read(count, into: &result) ? result : nil
    }

    /// Reads exactly `count` bytes into `buffer` (replacing its contents); false at a clean end of
    /// the stream, and a stream that ends mid-way throws.
    func read(_ count: Int, into buffer: inout [UInt8]) throws -> Bool {
        buffer.removeAll(keepingCapacity: true)
        while buffer.count < count {
            if outputOffset == output.count {
                guard try refill() else {
                    if buffer.isEmpty { return false }
                    throw HistoryError.corrupt(path: path, reason: "ends in the middle of a record")
                }
            }
            let take = min(count - buffer.count, output.count - outputOffset)
            buffer.append(contentsOf: output[outputOffset..<(outputOffset + take)])
            outputOffset += take
        }
        return true
    }

    /// Bytes up to (not including) the next newline.
    func readLine(limit: Int = 1 << 20) throws -> String? {
        var bytes: [UInt8] = []
        while true {
            guard let byte = try read(1) else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte[0] == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte[0])
            if bytes.count > limit { throw HistoryError.corrupt(path: path, reason: "a header line is too long") }
        }
    }

    private func refill() throws -> Bool {
        guard !inflater.ended else { return false }
        output = [UInt8](repeating: 0, count: 256 * 1024)
        outputOffset = 0
        let produced: Int
        do {
            produced = try output.withUnsafeMutableBytes { buffer in
                try inflater.inflate(into: buffer) { () throws -> [UInt8]? in
                    let data = try handle.read(upToCount: 256 * 1024) ?? Data()
                    return data.isEmpty ? nil : [UInt8](data)
                }
            }
        } catch Inflater.Failure.truncated {
            throw HistoryError.corrupt(path: path, reason: "truncated (the gzip stream does not end)")
        } catch Inflater.Failure.damaged(let status) {
            throw HistoryError.corrupt(path: path, reason: "does not inflate (zlib \(status)); the file is damaged")
        }
        output.removeSubrange(produced...)
        return produced > 0
    }
}
