import Foundation

/// Packs one patron type's users into XML files and zips inside Alma's limits, streaming: user
/// bytes go through a reusable buffer into deflate and on to the zip file on disk.
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

    private var zip: ZipWriter?
    private var zipFiles: [BuiltXMLFile] = []
    private var built: [BuiltZip] = []
    private var file: (name: String, users: Int, bytes: UInt64)?
    private var pending = XMLBytes(capacity: 1 << 20)
    private var userElements = UserTagCounter()

    private static let flushThreshold = 512 * 1024

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
    }

    /// Adds one user's `<user>…</user>` bytes, starting a new XML file or zip first when the
    /// current one is full.
    func add(_ user: borrowing XMLBytes) throws {
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
        try closeZip()
        return built
    }

    private func openFile() throws {
        let entryCount = zip?.entries.count ?? 0
        let worstCase = limits.worstCaseEntryBytes(nameLength: stem.utf8.count + 16)
            + ZipWriter.trailerSize(entries: entryCount + 1, nameLength: stem.utf8.count + 16)
        if let zip, entryCount >= limits.maxXMLFilesPerZip || zip.bytesWritten + worstCase > limits.maxZipBytes {
            try closeZip()
        }
        if zip == nil {
            let name = built.isEmpty ? "\(stem).zip" : "\(stem)_\(built.count + 1).zip"
            zip = try ZipWriter(path: directory + "/" + name, compressionLevel: compressionLevel, modified: modified)
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
        let entry = try zip.endEntry()
        zipFiles.append(BuiltXMLFile(
            name: current.name, users: current.users, bytes: entry.uncompressedSize, compressedBytes: entry.compressedSize,
            crc32: entry.crc32, userElements: userElements.count
        ))
        userElements = UserTagCounter()
        file = nil
    }

    private func closeZip() throws {
        guard let zip else { return }
        let size = try zip.finish()
        let path = zip.path
        built.append(BuiltZip(patronType: patronType, fileName: URL(fileURLWithPath: path).lastPathComponent, path: path, bytes: size, crc32: zip.crc32, xmlFiles: zipFiles))
        zipFiles = []
        self.zip = nil
    }

    private func flush() throws {
        guard let zip, pending.count > 0 else { return }
        try pending.withUnsafeBytes { (raw) throws in
            userElements.scan(raw)
            try zip.write(raw)
        }
        pending.removeAll()
    }
}
