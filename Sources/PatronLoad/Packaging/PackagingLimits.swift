/// Alma's import limits and the split policy inside them. Defaults are Alma's published limits;
/// tests inject small ones to exercise every split.
public struct PackagingLimits: Sendable, Equatable {
    /// Alma reads at most 50 XML files from one zip.
    public var maxXMLFilesPerZip: Int = 50
    /// Alma takes zips up to 4 GB.
    public var maxZipBytes: UInt64 = 4_000_000_000
    /// Alma reads at most 20 zips per import; both patron types count.
    public var maxZipsPerRun: Int = 20
    /// A new XML file starts after this many users (nil: no limit by count).
    public var maxUsersPerXMLFile: Int? = nil
    /// A new XML file starts before one would grow past this many (uncompressed) bytes.
    public var maxXMLFileBytes: UInt64 = 1 << 30

    public init() {}

    public init(maxXMLFilesPerZip: Int = 50, maxZipBytes: UInt64 = 4_000_000_000, maxZipsPerRun: Int = 20,
                maxUsersPerXMLFile: Int? = nil, maxXMLFileBytes: UInt64 = 1 << 30) {
        self.maxXMLFilesPerZip = maxXMLFilesPerZip
        self.maxZipBytes = maxZipBytes
        self.maxZipsPerRun = maxZipsPerRun
        self.maxUsersPerXMLFile = maxUsersPerXMLFile
        self.maxXMLFileBytes = maxXMLFileBytes
    }

    /// The most one XML entry can add to a zip, headers included, whatever it compresses to.
    func worstCaseEntryBytes(nameLength: Int) -> UInt64 {
        Deflater.bound(maxXMLFileBytes) + ZipWriter.entryOverhead(nameLength: nameLength)
    }

    public func validate() throws {
        guard (1...50).contains(maxXMLFilesPerZip) else {
            throw PackagingError.invalidLimits("max XML files per zip must be 1 to 50 (Alma's limit), not \(maxXMLFilesPerZip)")
        }
        guard (1...20).contains(maxZipsPerRun) else {
            throw PackagingError.invalidLimits("max zips per run must be 1 to 20 (Alma's limit), not \(maxZipsPerRun)")
        }
        guard maxZipBytes <= 4_000_000_000 else {
            throw PackagingError.invalidLimits("max zip size must be at most 4 GB (Alma's limit), not \(maxZipBytes)")
        }
        guard maxUsersPerXMLFile.map({ $0 >= 1 }) ?? true else {
            throw PackagingError.invalidLimits("max users per XML file must be at least 1")
        }
        guard maxXMLFileBytes >= 1024 else {
            throw PackagingError.invalidLimits("max XML file size must be at least 1024 bytes")
        }
        let oneFile = worstCaseEntryBytes(nameLength: 128) + ZipWriter.trailerSize(entries: 1, nameLength: 128)
        guard oneFile <= maxZipBytes else {
            throw PackagingError.invalidLimits("an XML file of \(maxXMLFileBytes) bytes may not fit a zip of \(maxZipBytes) bytes; lower the XML file size")
        }
    }
}
