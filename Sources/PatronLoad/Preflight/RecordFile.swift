import Foundation

/// The run's temporary file of one patron type's records, a serialized `PatronRecord` a line:
/// written once while the warehouse is read, read back in order to render, and by offset to
/// name a patron in the report. It holds patron data, so it lives in the staging folder and goes
/// with it.
final class RecordFileWriter {
    private let file: OutputFile
    private var buffer: [UInt8] = []
    private(set) var offset: UInt64 = 0

    init(path: String) throws {
        file = try OutputFile(path: path)
        buffer.reserveCapacity(1 << 20)
    }

    /// Appends a line (without its newline); returns the offset it starts at.
    func append(_ line: ArraySlice<UInt8>) throws -> UInt64 {
        let start = offset
        buffer.append(contentsOf: line)
        buffer.append(0x0A)
        offset = start + UInt64(line.count + 1)
        if buffer.count >= 1 << 20 { try flush() }
        return start
    }

    func finish() throws {
        try flush()
        try file.finish()
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try file.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads a record file line by line, in 1 MiB chunks.
final class RecordFileReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var finished = false
    let path: String

    init(path: String) throws {
        self.path = path
        handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    }

    deinit {
        try? handle.close()
    }

    /// The next line's bytes (without the newline), valid until the next call.
    func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[position...].firstIndex(of: 0x0A) {
                let line = buffer[position..<newline]
                position = newline + 1
                return line
            }
            if finished {
                guard position < buffer.count else { return nil }
                let line = buffer[position...]
                position = buffer.count
                return line
            }
            buffer.removeSubrange(0..<position)
            position = 0
            let data = try handle.read(upToCount: 1 << 20) ?? Data()
            if data.isEmpty { finished = true } else { buffer.append(contentsOf: data) }
        }
    }

    /// Each record the run sends, in file order: those the pre-flight decided to write and, on a
    /// changes-only run, only those that changed. Returns how many unchanged ones it passed over.
    /// `body` gets each record with its ordinal.
    func forEachToWrite(_ decisions: [Decision], _ statuses: [ChangeStatus], full: Bool, _ body: (PatronRecord, Int) throws -> Void) throws -> Int {
        var ordinal = 0
        var unchanged = 0
        while let line = try nextLine() {
            defer { ordinal += 1 }
            guard decisions[ordinal] == .write else { continue }
            if !full && statuses[ordinal] == .unchanged {
                unchanged += 1
                continue
            }
            guard let record = PatronRecord(serialized: line) else {
                throw PackagingError.io(path: path, reason: "record \(ordinal) does not read back")
            }
            try body(record, ordinal)
        }
        return unchanged
    }

    /// The record whose line starts at `offset` (random access: keep a separate reader for it).
    func record(at offset: UInt64) throws -> PatronRecord? {
        PatronRecord(serialized: try line(at: offset))
    }

    /// One identifier of the record at `offset`, without decoding the rest of its line.
    func identifier(_ kind: IdentifierKind, at offset: UInt64) throws -> String {
        PatronRecord.identifier(kind, ofSerialized: try line(at: offset))
    }

    /// The line that starts at `offset` (random access; does not disturb `nextLine`'s position
    /// when used on a separate reader).
    private func line(at offset: UInt64) throws -> ArraySlice<UInt8> {
        try handle.seek(toOffset: offset)
        var bytes: [UInt8] = []
        while true {
            guard let chunk = try handle.read(upToCount: 1024), !chunk.isEmpty else { break }
            if let newline = chunk.firstIndex(of: 0x0A) {
                bytes.append(contentsOf: chunk[chunk.startIndex..<newline])
                break
            }
            bytes.append(contentsOf: chunk)
        }
        buffer = []
        position = 0
        finished = false
        return bytes[...]
    }
}
