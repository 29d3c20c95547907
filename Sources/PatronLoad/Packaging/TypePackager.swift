import Foundation

/// Packs one patron type's users into XML files and zips inside Alma's limits, streaming: user
/// bytes go through reusable buffers into deflate and on to the zip file on disk. Deflate runs
/// on a thread of its own (`ChunkPipeline`) while the caller renders the next users.
///
/// File names follow the reference loader: `staff_2026-11-22_02.00.00.zip` holding
/// `staff_2026-11-22_02.00.00.xml`; further files and zips of a large run add `_2`, `_3`, ...
final class TypePackager {
    private let patronType: String
    private let stem: String
    private let directory: String
    private let root: String
    private let limits: PackagingLimits
    private let compressionLevel: Int32
    private let modified: Date
    private let header: [UInt8]
    private let footer: [UInt8]

    /// What the deflate thread writes to. The packager reads or replaces it only after draining
    /// the pipeline, when the thread is idle.
    private final class Sink {
        var zip: ZipWriter?
        var userElements = UserTagCounter()
    }

    private let sink = Sink()
    private let pipeline: ChunkPipeline
    private var zip: ZipWriter? { sink.zip }
    private var finished = false
    private var zipFiles: [BuiltXMLFile] = []
    private var built: [BuiltZip] = []
    private var file: (name: String, users: Int, bytes: UInt64)?
    private var pending = XMLBytes(capacity: chunkCapacity)

    /// 256 KiB a hand-off: a system call and a wake-up per chunk cost nothing beside deflating
    /// it, and three chunks in flight keep memory flat.
    private static let flushThreshold = 256 * 1024
    private static let chunkCapacity = flushThreshold + 64 * 1024

    init(patronType: String, stamp: String, directory: String, rootElement: String, limits: PackagingLimits, compressionLevel: Int32, modified: Date) {
        self.patronType = patronType
        self.stem = "\(patronType)_\(stamp)"
        self.directory = directory
        self.root = rootElement
        self.limits = limits
        self.compressionLevel = compressionLevel
        self.modified = modified
        var bytes = XMLBytes(capacity: 128)
        AlmaUserXMLWriter.header(root: rootElement, into: &bytes)
        header = bytes.bytes
        bytes.removeAll()
        AlmaUserXMLWriter.footer(root: rootElement, into: &bytes)
        footer = bytes.bytes
        let sink = sink
        pipeline = ChunkPipeline(chunkCapacity: Self.chunkCapacity, name: "deflate \(patronType)") { bytes in
            sink.userElements.scan(bytes)
            try sink.zip!.write(bytes)
        }
    }

    deinit {
        // A packager dropped after a failure still ends its thread; its files go with the staging folder.
        if !finished { pipeline.close(discarding: true) }
    }

    /// Adds one user's `<user>…</user>` bytes, starting a new XML file or zip first when the
    /// current one is full.
    func add(_ user: XMLBytes) throws {
        let size = UInt64(user.count)
        let fixed = UInt64(header.count + footer.count)
        guard size + fixed <= limits.maxXMLFileBytes else {
            throw PackagingError.userTooLarge(patronType: patronType, bytes: user.count, limit: Int(limits.maxXMLFileBytes))
        }
        if let current = file {
            let fullByCount = limits.maxUsersPerXMLFile.map { current.users >= $0 } ?? false
            if fullByCount || current.bytes + size + UInt64(footer.count) > limits.maxXMLFileBytes {
                try closeFile()
            }
        }
        if file == nil { try openFile() }
        pending.raw(user)
        file!.users += 1
        file!.bytes += size
        if pending.count >= Self.flushThreshold { try flush() }
    }

    /// Closes the open file and zip. Returns every zip this type produced (none for no users).
    func finish() throws -> [BuiltZip] {
        if file != nil { try closeFile() }
        try pipeline.drain()
        finished = true
        pipeline.close()
        try closeZip()
        return built
    }

    private func openFile() throws {
        try pipeline.drain()
        let entryCount = zip?.entries.count ?? 0
        let worstCase = limits.worstCaseEntryBytes(nameLength: stem.utf8.count + 16)
            + ZipWriter.trailerSize(entries: entryCount + 1, nameLength: stem.utf8.count + 16)
        if let zip, entryCount >= limits.maxXMLFilesPerZip || zip.bytesWritten + worstCase > limits.maxZipBytes {
            try closeZip()
        }
        if zip == nil {
            let name = built.isEmpty ? "\(stem).zip" : "\(stem)_\(built.count + 1).zip"
            sink.zip = try ZipWriter(path: directory + "/" + name, compressionLevel: compressionLevel, modified: modified)
        }
        let zipStem = String(URL(fileURLWithPath: zip!.path).deletingPathExtension().lastPathComponent)
        let name = zipFiles.isEmpty ? "\(zipStem).xml" : "\(zipStem)_\(zipFiles.count + 1).xml"
        try zip!.beginEntry(name: name)
        file = (name, 0, UInt64(header.count))
        pending.raw(header)
    }

    private func closeFile() throws {
        guard let current = file, let zip else { return }
        pending.raw(footer)
        file!.bytes += UInt64(footer.count)
        try flush()
        try pipeline.drain()
        let entry = try zip.endEntry()
        zipFiles.append(BuiltXMLFile(
            name: current.name, users: current.users, bytes: entry.uncompressedSize, compressedBytes: entry.compressedSize,
            crc32: entry.crc32, userElements: sink.userElements.count
        ))
        sink.userElements = UserTagCounter()
        file = nil
    }

    private func closeZip() throws {
        guard let zip else { return }
        let size = try zip.finish()
        let path = zip.path
        built.append(BuiltZip(patronType: patronType, fileName: URL(fileURLWithPath: path).lastPathComponent, path: path, bytes: size, crc32: zip.crc32, xmlFiles: zipFiles))
        zipFiles = []
        sink.zip = nil
    }

    /// Hands the pending bytes to the deflate thread.
    private func flush() throws {
        guard pending.count > 0 else { return }
        try pipeline.exchange(&pending)
    }
}
