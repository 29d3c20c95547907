/// One mapped row as the feed-wide checks and the comparison with the last run see it: hashes,
/// not values, so that a million patrons fit in a few tens of MB.
public struct ScanEntry: Sendable {
    /// Of the primary_id, folded as Alma compares it.
    public var idHash: Hash128
    /// Of the institutional ID and the barcode, folded (64 bits: a collision is checked against
    /// the values themselves); zero when empty.
    public var institutionalIDHash: UInt64
    public var barcodeHash: UInt64
    public var digest: UInt64
    public var fieldHashes: UInt64
    /// Where the record's line starts in the type's record file.
    public var offset: UInt64
    /// Where the primary_id's bytes sit in the type's `idBytes`.
    var idStart: UInt32
    var idLength: UInt16

    static let none: UInt64 = 0

    init(record: PatronRecord, digest: UInt64, fieldHashes: UInt64, offset: UInt64, idStart: Int) {
        idHash = StableHash.hash128(PrimaryIDSet.fold(record.primaryID))
        institutionalIDHash = record.institutionalID.isEmpty ? Self.none : StableHash.hash128(PrimaryIDSet.fold(record.institutionalID)).low
        barcodeHash = record.barcode.isEmpty ? Self.none : StableHash.hash128(PrimaryIDSet.fold(record.barcode)).low
        self.digest = digest
        self.fieldHashes = fieldHashes
        self.offset = offset
        self.idStart = UInt32(idStart)
        self.idLength = UInt16(clamping: record.primaryID.utf8.count)
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
    /// Every primary_id, one after another: a million of them in about 20 MB, where Strings
    /// would take three times that.
    var idBytes: [UInt8] = []
    /// The further identifiers (`segments.identifiers`) of the rows that have any, hashed as the
    /// institutional ID is: only types with such rules hold entries here.
    var otherIdentifiers: [(ordinal: UInt32, slot: UInt8, hash: UInt64)] = []

    /// Appends a mapped row with its line's hashes (`PatronRecord.serialize(into:)`).
    mutating func append(_ record: PatronRecord, digest: UInt64, fieldHashes: UInt64, offset: UInt64) {
        let start = idBytes.count
        // From the contiguous bytes: appending the String's UTF-8 view went byte by byte.
        var id = record.primaryID
        id.withUTF8 { idBytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0.prefix(Int(UInt16.max)))) }
        entries.append(ScanEntry(record: record, digest: digest, fieldHashes: fieldHashes, offset: offset, idStart: start))
        for (slot, identifier) in (record.segments?.identifiers ?? []).prefix(IdentifierKind.otherSlots).enumerated() {
            otherIdentifiers.append((UInt32(entries.count - 1), UInt8(slot), StableHash.hash128(PrimaryIDSet.fold(identifier.value)).low))
        }
    }

    func primaryID(_ ordinal: Int) -> String {
        let entry = entries[ordinal]
        let start = Int(entry.idStart)
        return String(decoding: idBytes[start..<(start + Int(entry.idLength))], as: UTF8.self)
    }
}
