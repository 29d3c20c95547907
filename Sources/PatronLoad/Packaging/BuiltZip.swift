/// One XML file inside a built zip.
public struct BuiltXMLFile: Sendable, Equatable, Codable {
    public var name: String
    public var users: Int
    public var bytes: UInt64
    public var compressedBytes: UInt64
    public var crc32: UInt32
    /// `<user>` start tags counted in the very bytes handed to deflate (header and footer
    /// included): what the file holds, as opposed to `users`, how many the packager was given.
    public var userElements: Int
}

/// A zip built in the staging folder, ready to verify and deliver.
public struct BuiltZip: Sendable, Equatable, Codable {
    public var patronType: String
    public var fileName: String
    public var path: String
    public var bytes: UInt64
    /// CRC-32 of the whole file as it was written: a re-read from disk must find the same.
    public var crc32: UInt32
    public var xmlFiles: [BuiltXMLFile]

    public var users: Int { xmlFiles.reduce(0) { $0 + $1.users } }
}
