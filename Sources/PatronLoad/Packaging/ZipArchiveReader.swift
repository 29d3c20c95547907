import Foundation

/// Reads the zips patronload writes: the central directory, then each entry inflated on demand
/// with its CRC and size checked at the end. Used to check built files before anything old is
/// removed, and by tests to read files back.
public struct ZipArchiveReader: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var method: UInt16
        public var crc32: UInt32
        public var compressedSize: UInt64
        public var uncompressedSize: UInt64
        public var localHeaderOffset: UInt64
    }

    public let path: String
    public let entries: [Entry]

    public init(path: String) throws {
        self.path = path
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        } catch {
            throw PackagingError.verificationFailed(file: path, reason: "cannot open: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            let tailLength = min(size, 22 + 65_535)
            try handle.seek(toOffset: size - tailLength)
            let tail = [UInt8](try handle.read(upToCount: Int(tailLength)) ?? Data())
            guard let end = Self.findEndRecord(tail) else {
                throw PackagingError.verificationFailed(file: path, reason: "no end-of-central-directory record (truncated?)")
            }
            let count = Int(tail.u16(at: end + 10))
            let directorySize = UInt64(tail.u32(at: end + 12))
            let directoryOffset = UInt64(tail.u32(at: end + 16))
            guard directoryOffset + directorySize <= size else {
                throw PackagingError.verificationFailed(file: path, reason: "central directory lies past the end of the file")
            }
            try handle.seek(toOffset: directoryOffset)
            let directory = [UInt8](try handle.read(upToCount: Int(directorySize)) ?? Data())
            var entries: [Entry] = []
            var position = 0
            for _ in 0..<count {
                guard position + 46 <= directory.count, directory.u32(at: position) == 0x0201_4B50 else {
                    throw PackagingError.verificationFailed(file: path, reason: "damaged central directory")
                }
                let nameLength = Int(directory.u16(at: position + 28))
                let extraLength = Int(directory.u16(at: position + 30))
                let commentLength = Int(directory.u16(at: position + 32))
                guard position + 46 + nameLength <= directory.count else {
                    throw PackagingError.verificationFailed(file: path, reason: "damaged central directory")
                }
                entries.append(Entry(
                    name: String(decoding: directory[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self),
                    method: directory.u16(at: position + 10),
                    crc32: directory.u32(at: position + 16),
                    compressedSize: UInt64(directory.u32(at: position + 20)),
                    uncompressedSize: UInt64(directory.u32(at: position + 24)),
                    localHeaderOffset: UInt64(directory.u32(at: position + 42))
                ))
                position += 46 + nameLength + extraLength + commentLength
            }
            self.entries = entries
        } catch let error as PackagingError {
            throw error
        } catch {
            throw PackagingError.verificationFailed(file: path, reason: error.localizedDescription)
        }
    }

    /// A pull-based reader of one entry's uncompressed bytes.
    public func open(_ entry: Entry) throws -> ZipEntryReader {
        try ZipEntryReader(path: path, entry: entry)
    }

    /// Checks, without inflating, that `entry`'s local header sits at its offset under its name
    /// and that a data descriptor with the directory's CRC and sizes follows its compressed bytes.
    public func checkLocalHeader(of entry: Entry) throws {
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            let header = try Self.localHeader(of: entry, in: handle, path: path)
            guard header.name == Array(entry.name.utf8) else {
                throw PackagingError.verificationFailed(file: path, reason: "\(entry.name): the local header names \(String(decoding: header.name, as: UTF8.self))")
            }
            try handle.seek(toOffset: header.dataOffset + entry.compressedSize)
            let descriptor = [UInt8](try handle.read(upToCount: 16) ?? Data())
            guard descriptor.count == 16, descriptor.u32(at: 0) == 0x0807_4B50, descriptor.u32(at: 4) == entry.crc32,
                  UInt64(descriptor.u32(at: 8)) == entry.compressedSize, UInt64(descriptor.u32(at: 12)) == entry.uncompressedSize else {
                throw PackagingError.verificationFailed(file: path, reason: "\(entry.name): its data descriptor disagrees with the directory")
            }
        } catch let error as PackagingError {
            throw error
        } catch {
            throw PackagingError.verificationFailed(file: path, reason: "\(entry.name): \(error.localizedDescription)")
        }
    }

    /// Reads `entry`'s local header: its name, and where its compressed bytes start.
    static func localHeader(of entry: Entry, in handle: FileHandle, path: String) throws -> (name: [UInt8], dataOffset: UInt64) {
        try handle.seek(toOffset: entry.localHeaderOffset)
        let header = [UInt8](try handle.read(upToCount: 30) ?? Data())
        guard header.count == 30, header.u32(at: 0) == 0x0403_4B50 else {
            throw PackagingError.verificationFailed(file: path, reason: "\(entry.name): no local header at its offset")
        }
        let nameLength = Int(header.u16(at: 26))
        let name = [UInt8](try handle.read(upToCount: nameLength) ?? Data())
        return (name, entry.localHeaderOffset + 30 + UInt64(nameLength) + UInt64(header.u16(at: 28)))
    }

    /// The whole uncompressed entry. For tests and small entries only.
    public func data(of entry: Entry) throws -> [UInt8] {
        let reader = try open(entry)
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { (raw) throws in try reader.read(into: raw) }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    private static func findEndRecord(_ tail: [UInt8]) -> Int? {
        guard tail.count >= 22 else { return nil }
        var position = tail.count - 22
        while position >= 0 {
            if tail.u32(at: position) == 0x0605_4B50 { return position }
            position -= 1
        }
        return nil
    }
}

/// Inflates one entry as it is read; at the end, checks the CRC and the size against the directory.
public final class ZipEntryReader {
    private let handle: FileHandle
    private let entry: ZipArchiveReader.Entry
    private let path: String
    private let inflater: Inflater
    private var remaining: UInt64
    private var crc = CRC32()
    private var produced: UInt64 = 0
    private var finished = false

    init(path: String, entry: ZipArchiveReader.Entry) throws {
        guard entry.method == 8 else {
            throw PackagingError.verificationFailed(file: path, reason: "\(entry.name) uses compression method \(entry.method), not deflate")
        }
        self.path = path
        self.entry = entry
        self.remaining = entry.compressedSize
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            try handle.seek(toOffset: ZipArchiveReader.localHeader(of: entry, in: handle, path: path).dataOffset)
        } catch let error as PackagingError {
            throw error
        } catch {
            throw PackagingError.verificationFailed(file: path, reason: error.localizedDescription)
        }
        inflater = try Inflater(.raw)
    }

    deinit {
        try? handle.close()
    }

    /// Fills `buffer` with the next uncompressed bytes; 0 means the entry ended (and checked out).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        let count: Int
        do {
            count = try inflater.inflate(into: buffer) { () throws -> [UInt8]? in
                guard remaining > 0 else { return nil }
                let data = try handle.read(upToCount: Int(min(remaining, 256 * 1024))) ?? Data()
                remaining -= UInt64(data.count)
                return [UInt8](data)
            }
        } catch Inflater.Failure.truncated {
            throw PackagingError.verificationFailed(file: path, reason: "\(entry.name) is truncated")
        } catch Inflater.Failure.damaged(let status) {
            throw PackagingError.verificationFailed(file: path, reason: "\(entry.name) does not inflate (zlib \(status))")
        } catch let error as PackagingError {
            throw error
        } catch {
            throw PackagingError.verificationFailed(file: path, reason: "\(entry.name): \(error.localizedDescription)")
        }
        if count > 0 {
            crc.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            produced += UInt64(count)
        }
        if inflater.ended {
            finished = true
            guard crc.value == entry.crc32 else {
                throw PackagingError.verificationFailed(file: path, reason: "\(entry.name) has CRC \(String(crc.value, radix: 16)), the directory says \(String(entry.crc32, radix: 16))")
            }
            guard produced == entry.uncompressedSize else {
                throw PackagingError.verificationFailed(file: path, reason: "\(entry.name) inflates to \(produced) bytes, the directory says \(entry.uncompressedSize)")
            }
        }
        return count
    }
}

extension Array where Element == UInt8 {
    func u16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    func u32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16 | UInt32(self[offset + 3]) << 24
    }
}
