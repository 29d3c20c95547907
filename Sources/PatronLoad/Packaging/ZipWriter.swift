import Foundation

/// Writes a zip file entry by entry, streaming: each entry is deflated as its bytes arrive and its
/// sizes and CRC follow in a data descriptor, so no entry is ever held whole. No Zip64: callers
/// keep entries and the archive under 4 GiB (Alma's limit is 4 GB anyway).
final class ZipWriter {
    struct Entry: Sendable, Equatable {
        var name: String
        var crc32: UInt32
        var compressedSize: UInt64
        var uncompressedSize: UInt64
        var localHeaderOffset: UInt64
    }

    private let file: OutputFile
    private let deflater: Deflater
    private let dosTime: UInt16
    private let dosDate: UInt16
    private(set) var entries: [Entry] = []
    /// CRC-32 of every byte written to the file, so that a re-read can prove the file on disk is
    /// the one written without inflating it.
    private var fileCRC = CRC32()
    private var current: (name: String, offset: UInt64, crc: CRC32, size: UInt64, start: UInt64)?

    static let maximumOffset: UInt64 = 0xFFFF_FFFF

    var path: String { file.path }

    /// Bytes written so far, the local headers and compressed data included.
    var bytesWritten: UInt64 { file.offset }

    /// CRC-32 of the whole file as written so far.
    var crc32: UInt32 { fileCRC.value }

    init(path: String, compressionLevel: Int32, modified: Date) throws {
        file = try OutputFile(path: path)
        deflater = try Deflater(level: compressionLevel)
        (dosTime, dosDate) = Self.dosDateTime(modified)
    }

    func beginEntry(name: String) throws {
        precondition(current == nil, "an entry is already open")
        let offset = file.offset
        var header = ZipBytes()
        header.u32(0x0403_4B50)
        header.u16(20)              // version needed: deflate
        header.u16(0x0808)          // sizes in a data descriptor; UTF-8 name
        header.u16(8)               // deflate
        header.u16(dosTime)
        header.u16(dosDate)
        header.u32(0)               // CRC, sizes: in the descriptor
        header.u32(0)
        header.u32(0)
        let nameBytes = Array(name.utf8)
        header.u16(UInt16(nameBytes.count))
        header.u16(0)
        header.bytes.append(contentsOf: nameBytes)
        try emit(header.bytes)
        current = (name, offset, CRC32(), 0, file.offset)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard current != nil else { preconditionFailure("no open entry") }
        current!.crc.update(bytes)
        current!.size += UInt64(bytes.count)
        try deflater.compress(bytes, finish: false) { (chunk) throws in try emit(chunk) }
    }

    @discardableResult
    func endEntry() throws -> Entry {
        guard let open = current else { preconditionFailure("no open entry") }
        try deflater.compress(UnsafeRawBufferPointer(start: nil, count: 0), finish: true) { (chunk) throws in try emit(chunk) }
        let compressed = file.offset - open.start
        guard open.size <= Self.maximumOffset, file.offset <= Self.maximumOffset else {
            throw PackagingError.invalidLimits("\(open.name) grew past 4 GiB; lower the XML file size limit")
        }
        var descriptor = ZipBytes()
        descriptor.u32(0x0807_4B50)
        descriptor.u32(open.crc.value)
        descriptor.u32(UInt32(compressed))
        descriptor.u32(UInt32(open.size))
        try emit(descriptor.bytes)
        let entry = Entry(name: open.name, crc32: open.crc.value, compressedSize: compressed, uncompressedSize: open.size, localHeaderOffset: open.offset)
        entries.append(entry)
        current = nil
        return entry
    }

    /// Writes the central directory and syncs the file to disk. Returns the archive's size.
    func finish() throws -> UInt64 {
        precondition(current == nil, "an entry is still open")
        let directoryStart = file.offset
        var directory = ZipBytes()
        for entry in entries {
            let nameBytes = Array(entry.name.utf8)
            directory.u32(0x0201_4B50)
            directory.u16(0x0314)   // made by: Unix, spec 2.0
            directory.u16(20)
            directory.u16(0x0808)
            directory.u16(8)
            directory.u16(dosTime)
            directory.u16(dosDate)
            directory.u32(entry.crc32)
            directory.u32(UInt32(entry.compressedSize))
            directory.u32(UInt32(entry.uncompressedSize))
            directory.u16(UInt16(nameBytes.count))
            directory.u16(0)        // extra
            directory.u16(0)        // comment
            directory.u16(0)        // disk
            directory.u16(0)        // internal attributes
            directory.u32(0o100644 << 16)
            directory.u32(UInt32(entry.localHeaderOffset))
            directory.bytes.append(contentsOf: nameBytes)
        }
        let directorySize = UInt64(directory.bytes.count)
        directory.u32(0x0605_4B50)
        directory.u16(0)
        directory.u16(0)
        directory.u16(UInt16(entries.count))
        directory.u16(UInt16(entries.count))
        directory.u32(UInt32(directorySize))
        directory.u32(UInt32(directoryStart))
        directory.u16(0)
        try emit(directory.bytes)
        guard file.offset <= Self.maximumOffset else {
            throw PackagingError.invalidLimits("\(file.path) grew past 4 GiB")
        }
        try file.finish()
        return file.offset
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) throws {
        fileCRC.update(bytes)
        try file.write(bytes)
    }

    private func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { (raw) throws in try emit(raw) }
    }

    /// Bytes the central directory and end record will add for `entries` entries named like `name`.
    static func trailerSize(entries: Int, nameLength: Int) -> UInt64 {
        UInt64(entries * (46 + nameLength) + 22)
    }

    /// Bytes one entry adds besides its compressed data.
    static func entryOverhead(nameLength: Int) -> UInt64 {
        UInt64(30 + nameLength + 16)
    }

    static func dosDateTime(_ date: Date) -> (time: UInt16, date: UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = max(1980, parts.year ?? 1980) - 1980
        let time = UInt16((parts.hour ?? 0) << 11 | (parts.minute ?? 0) << 5 | (parts.second ?? 0) / 2)
        let day = UInt16(year << 9 | (parts.month ?? 1) << 5 | (parts.day ?? 1))
        return (time, day)
    }
}

/// Little-endian field writer for zip headers.
struct ZipBytes {
    var bytes: [UInt8] = []

    mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(value & 0xFF))
        bytes.append(UInt8(value >> 8))
    }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
