import Foundation

/// What a delivered run leaves for the next one: its counts and files, and for every patron in
/// the feed a digest of what was written for it, keyed by primary_id. A gzip stream: a magic
/// line, a JSON header line, then binary entries ordered by the hash of the folded primary_id
/// (so two manifests, or a manifest and a run, merge in one pass).
public struct ManifestHeader: Codable, Sendable, Equatable {
    public struct TypeSummary: Codable, Sendable, Equatable {
        public var name: String
        public var read: Int
        /// Patrons written to this run's files.
        public var written: Int
        /// Patrons in the feed after the pre-flight (the manifest's entries of this type).
        public var patrons: Int
    }

    public var format = 1
    public var runID: String
    /// `YYYY-MM-DD` (UTC) of the run.
    public var runDate: String
    public var fullLoad: Bool
    /// `YYYY-MM-DD` of the most recent full load, this one included.
    public var lastFullLoad: String
    public var profile: String
    public var types: [TypeSummary]
    public var files: [String]
    /// Runs whose zips are archived beside the manifest (for leavers), oldest first.
    public var archive: [ArchivedRun]

    public struct ArchivedRun: Codable, Sendable, Equatable {
        public var runID: String
        public var files: [String]
    }
}

public struct ManifestEntry: Sendable, Equatable {
    public var type: String
    public var primaryID: String
    public var digest: UInt64
    public var fieldHashes: UInt64

    public var idHash: Hash128 { StableHash.hash128(PrimaryIDSet.fold(primaryID)) }
}

final class ManifestWriter {
    static let magic = Array("PATRONSYNC-MANIFEST 1\n".utf8)
    private let gzip: GzipFileWriter
    private let typeIndex: [String: UInt8]
    private var last: Hash128?
    private(set) var count = 0

    init(path: String, header: ManifestHeader, typeNames: [String]) throws {
        gzip = try GzipFileWriter(path: path)
        typeIndex = Dictionary(uniqueKeysWithValues: typeNames.enumerated().map { ($1, UInt8($0)) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var headerLine = try encoder.encode(header)
        headerLine.append(0x0A)
        try gzip.write(Self.magic)
        try gzip.write([UInt8](headerLine))
        let names = try encoder.encode(typeNames)
        try gzip.write([UInt8](names) + [0x0A])
    }

    /// Entries must come in hash order; the writer checks it, because the next run relies on it.
    func append(_ entry: ManifestEntry, idHash: Hash128) throws {
        precondition(last.map { $0 < idHash } ?? true, "manifest entries out of order")
        last = idHash
        guard let type = typeIndex[entry.type] else { preconditionFailure("unknown patron type \(entry.type)") }
        let id = Array(entry.primaryID.utf8)
        var bytes: [UInt8] = [type]
        bytes.reserveCapacity(19 + id.count)
        withUnsafeBytes(of: entry.digest.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: entry.fieldHashes.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt16(id.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: id)
        try gzip.write(bytes)
        count += 1
    }

    func finish() throws {
        try gzip.finish()
    }
}

final class ManifestReader {
    let header: ManifestHeader
    let typeNames: [String]
    private let gzip: GzipFileReader
    private var last: Hash128?

    init(path: String) throws {
        gzip = try GzipFileReader(path: path)
        guard let magic = try gzip.read(ManifestWriter.magic.count), magic == ManifestWriter.magic else {
            throw HistoryError.corrupt(path: path, reason: "not a PatronSync manifest")
        }
        guard let headerLine = try gzip.readLine(), let header = try? JSONDecoder().decode(ManifestHeader.self, from: Data(headerLine.utf8)) else {
            throw HistoryError.corrupt(path: path, reason: "the header does not parse")
        }
        guard header.format == 1 else { throw HistoryError.incompatible(reason: "manifest format \(header.format) is newer than this patronload") }
        guard let namesLine = try gzip.readLine(), let names = try? JSONDecoder().decode([String].self, from: Data(namesLine.utf8)) else {
            throw HistoryError.corrupt(path: path, reason: "the patron types do not parse")
        }
        self.header = header
        self.typeNames = names
    }

    /// The next entry with its hash, or nil at the end.
    func next() throws -> (entry: ManifestEntry, idHash: Hash128)? {
        guard let fixed = try gzip.read(19) else { return nil }
        let type = Int(fixed[0])
        guard type < typeNames.count else { throw HistoryError.corrupt(path: gzip.path, reason: "unknown patron type \(type)") }
        func u64(_ at: Int) -> UInt64 { fixed[at..<(at + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        let length = Int(fixed[17]) | Int(fixed[18]) << 8
        guard let id = try gzip.read(length) else { throw HistoryError.corrupt(path: gzip.path, reason: "ends in the middle of an entry") }
        let entry = ManifestEntry(type: typeNames[type], primaryID: String(decoding: id, as: UTF8.self), digest: u64(1), fieldHashes: u64(9))
        let hash = entry.idHash
        guard last.map({ $0 < hash }) ?? true else { throw HistoryError.corrupt(path: gzip.path, reason: "entries out of order") }
        last = hash
        return (entry, hash)
    }
}
