/// How thoroughly built files are checked before delivery.
public enum VerificationLevel: String, Sendable, Equatable, CaseIterable {
    /// The zip read back from disk is byte for byte the file written, its directory lists the XML
    /// files written with their CRCs and sizes, and each holds exactly the users written.
    case integrity
    /// As `integrity`, and every XML file is inflated, parsed by libxml2 and validated against
    /// the schema, and the users counted by the parser.
    case schema
}

/// Checks built zips from the bytes on disk, not from what the writer believes it wrote.
///
/// What `integrity` proves, without inflating what was just deflated:
/// - The file on disk is the file written: it is read back whole, after the writer's fsync, and
///   its size and CRC-32 must equal those of every byte the writer emitted. Any damage of up to
///   32 bits in a row (a flipped byte, a torn sector edge) always fails; other damage passes
///   with a chance of 2⁻³², as it would past an unzip's own CRC check.
/// - The file is the zip meant: its central directory, parsed from disk, names exactly the XML
///   files written, in order, with the CRC-32 and sizes of their uncompressed bytes, and each
///   entry's local header sits at its offset under its name.
/// - Each XML file holds exactly the users written: the `<user>` start tags were counted in the
///   very bytes that went into deflate, whose CRC-32 and size the directory carries, so an unzip
///   (Alma's included) that inflates them gets those bytes or an error. What is trusted is
///   zlib's deflate being lossless, as the inflating check trusted zlib's inflate.
/// `schema` inflates every entry as well (CRC and size checked again at its end) and has libxml2
/// parse, validate and count it.
public struct ZipVerifier: Sendable {
    public var level: VerificationLevel
    public var rootElement: String
    public var schemaPath: String?

    public init(level: VerificationLevel, rootElement: String, schemaPath: String?) {
        self.level = level
        self.rootElement = rootElement
        self.schemaPath = schemaPath
    }

    public func verify(_ zip: BuiltZip) throws {
        let onDisk = try FileChecksum(path: zip.path)
        guard onDisk.size == zip.bytes, onDisk.crc32 == zip.crc32 else {
            throw PackagingError.verificationFailed(file: zip.fileName, reason: "reads back as \(onDisk.size) bytes with CRC \(String(onDisk.crc32, radix: 16)); \(zip.bytes) bytes with CRC \(String(zip.crc32, radix: 16)) were written")
        }
        let archive = try ZipArchiveReader(path: zip.path)
        guard archive.entries.map(\.name) == zip.xmlFiles.map(\.name) else {
            throw PackagingError.verificationFailed(file: zip.fileName, reason: "holds \(archive.entries.map(\.name)), expected \(zip.xmlFiles.map(\.name))")
        }
        for (entry, expected) in zip.zipped(with: archive.entries) {
            guard entry.crc32 == expected.crc32, entry.uncompressedSize == expected.bytes, entry.compressedSize == expected.compressedBytes else {
                throw PackagingError.verificationFailed(file: zip.fileName, reason: "\(entry.name): the directory disagrees with what was written")
            }
            let users: Int
            switch level {
            case .integrity:
                try archive.checkLocalHeader(of: entry)
                users = expected.userElements
            case .schema:
                let reader = try archive.open(entry)
                users = try XMLStreamChecker.check(name: "\(zip.fileName)/\(entry.name)", root: rootElement, schemaPath: schemaPath) { (buffer) throws in
                    try reader.read(into: buffer)
                }
            }
            guard users == expected.users else {
                throw PackagingError.verificationFailed(file: zip.fileName, reason: "\(entry.name) holds \(users) users, \(expected.users) were written")
            }
        }
    }
}

extension BuiltZip {
    fileprivate func zipped(with entries: [ZipArchiveReader.Entry]) -> [(ZipArchiveReader.Entry, BuiltXMLFile)] {
        Array(zip(entries, xmlFiles))
    }
}
