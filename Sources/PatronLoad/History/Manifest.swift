import Foundation

/// What a delivered run leaves for the next one: its counts and files, and for every patron in
/// the feed a digest of what was written for it, keyed by primary_id. A gzip stream: a magic
/// line, a JSON header line, the patron types, binary entries ordered by the hash of the folded
/// primary_id (so two manifests, or a manifest and a run, merge in one pass), and a JSON trailer
/// with what is known only once the run is delivered: its counts and files.
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

    public struct ArchivedRun: Codable, Sendable, Equatable {
        public var runID: String
        public var files: [String]
    }
}

/// The end of a manifest: the delivered run's counts and files.
public struct ManifestTrailer: Codable, Sendable, Equatable {
    public var types: [ManifestHeader.TypeSummary]
    public var files: [String]
    /// Runs whose zips are archived beside the manifest (for leavers), oldest first.
    public var archive: [ManifestHeader.ArchivedRun]
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
    private var scratch: [UInt8] = []
    private(set) var count = 0
    static let trailerMark: UInt8 = 0xFF

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
        scratch.removeAll(keepingCapacity: true)
        scratch.append(type)
        withUnsafeBytes(of: entry.digest.littleEndian) { scratch.append(contentsOf: $0) }
        withUnsafeBytes(of: entry.fieldHashes.littleEndian) { scratch.append(contentsOf: $0) }
        let id = entry.primaryID.utf8.prefix(Int(UInt16.max))
        withUnsafeBytes(of: UInt16(id.count).littleEndian) { scratch.append(contentsOf: $0) }
        scratch.append(contentsOf: id)
        try gzip.write(scratch)
        count += 1
    }

    /// Ends the entries with the trailer and closes the file.
    func finish(_ trailer: ManifestTrailer) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try gzip.write([Self.trailerMark] + [UInt8](try encoder.encode(trailer)) + [0x0A])
        try gzip.finish()
    }
}

final class ManifestReader {
    let header: ManifestHeader
    let typeNames: [String]
    /// Read once the entries have been read.
    private(set) var trailer: ManifestTrailer?
    private let gzip: GzipFileReader
    private var last: Hash128?
    private var fixed: [UInt8] = []
    private var id: [UInt8] = []

    /// Reads the whole manifest to its trailer (the counts and files of the run).
    static func trailer(path: String) throws -> (ManifestHeader, ManifestTrailer) {
        let reader = try ManifestReader(path: path)
        while try reader.next() != nil {}
        guard let trailer = reader.trailer else { throw HistoryError.corrupt(path: path, reason: "no trailer") }
        return (reader.header, trailer)
    }

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

    /// The next entry with its hash, or nil at the end (where the trailer is read).
    func next() throws -> (entry: ManifestEntry, idHash: Hash128)? {
        guard trailer == nil, try gzip.read(1, into: &fixed) else {
            if trailer == nil { throw HistoryError.corrupt(path: gzip.path, reason: "ends without its trailer (truncated)") }
            return nil
        }
        if fixed[0] == ManifestWriter.trailerMark {
            guard let line = try gzip.readLine(), let trailer = try? JSONDecoder().decode(ManifestTrailer.self, from: Data(line.utf8)) else {
                throw HistoryError.corrupt(path: gzip.path, reason: "the trailer does not parse")
            }
            self.trailer = trailer
            return nil
        }
        let type = Int(fixed[0])
        guard type < typeNames.count, try gzip.read(18, into: &fixed) else {
            throw HistoryError.corrupt(path: gzip.path, reason: type < typeNames.count ? "ends in the middle of an entry" : "unknown patron type \(type)")
        }
        func u64(_ at: Int) -> UInt64 { fixed[at..<(at + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        let length = Int(fixed[16]) | Int(fixed[17]) << 8
        guard try gzip.read(length, into: &id) else { throw HistoryError.corrupt(path: gzip.path, reason: "ends in the middle of an entry") }
        let entry = ManifestEntry(type: typeNames[type], primaryID: String(decoding: id, as: UTF8.self), digest: u64(0), fieldHashes: u64(8))
        let hash = entry.idHash
        guard last.map({ $0 < hash }) ?? true else { throw HistoryError.corrupt(path: gzip.path, reason: "entries out of order") }
        last = hash
        return (entry, hash)
    }
}
