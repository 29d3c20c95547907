/// One mapped row as the feed-wide checks and the comparison with the last run see it: hashes,
/// not values, so that a million patrons fit in a few tens of MB.
public struct ScanEntry: Sendable {
    /// Of the primary_id, folded as Alma compares it.
    public var idHash: Hash128
    /// Of the institutional ID and the barcode, folded; zero when empty.
    public var institutionalIDHash: Hash128
    public var barcodeHash: Hash128
    public var digest: UInt64
    public var fieldHashes: UInt64
    /// Where the record's line starts in the type's record file.
    public var offset: UInt64

    static let none = Hash128(high: 0, low: 0)

    init(record: PatronRecord, offset: UInt64) {
        idHash = StableHash.hash128(PrimaryIDSet.fold(record.primaryID))
        institutionalIDHash = record.institutionalID.isEmpty ? Self.none : StableHash.hash128(PrimaryIDSet.fold(record.institutionalID))
        barcodeHash = record.barcode.isEmpty ? Self.none : StableHash.hash128(PrimaryIDSet.fold(record.barcode))
        digest = record.digest
        fieldHashes = record.fieldHashes
        self.offset = offset
    }
}

/// A patron type's rows after the scan: the counts, every mapped row's entry (its ordinal is its
/// index), the rows the profile's rules leave out, and the record file.
public struct ScannedType: Sendable {
    public var typeIndex: Int
    public var patronType: PatronProfile.PatronType
    public var recordsPath: String
    public var entries: [ScanEntry]
    public var counts: TypeCounts
    /// Ordinal → why the profile's rules leave the row out.
    public var violations: [Int: String]
}
