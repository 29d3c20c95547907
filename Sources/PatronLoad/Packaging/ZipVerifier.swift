/// How thoroughly built files are checked before delivery.
public enum VerificationLevel: String, Sendable, Equatable, CaseIterable {
    /// Every entry inflates, its CRC and size match, and it holds exactly the users written to it.
    case integrity
    /// As `integrity`, and every XML file is parsed by libxml2 and validated against the schema.
    case schema
}

/// Checks built zips from the bytes on disk, not from what the writer believes it wrote.
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
        let archive = try ZipArchiveReader(path: zip.path)
        guard archive.entries.map(\.name) == zip.xmlFiles.map(\.name) else {
            throw PackagingError.verificationFailed(file: zip.fileName, reason: "holds \(archive.entries.map(\.name)), expected \(zip.xmlFiles.map(\.name))")
        }
        for (entry, expected) in zip.zipped(with: archive.entries) {
            guard entry.crc32 == expected.crc32, entry.uncompressedSize == expected.bytes else {
                throw PackagingError.verificationFailed(file: zip.fileName, reason: "\(entry.name): the directory disagrees with what was written")
            }
            let reader = try archive.open(entry)
            let users: Int
            switch level {
            case .integrity:
                var counter = UserTagCounter()
                var chunk = [UInt8](repeating: 0, count: 256 * 1024)
                while true {
                    let count = try chunk.withUnsafeMutableBytes { (raw) throws in try reader.read(into: raw) }
                    if count == 0 { break }
                    chunk.withUnsafeBytes { counter.scan(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                }
                users = counter.count
            case .schema:
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
