import Foundation

/// Finds the last `<user>` that was written for each leaver in the archived zips (newest run
/// first), so that a leaver is written once more exactly as Alma last saw them, with only the
/// expiry date moved forward. The writer puts one user on a line, which makes this a line scan.
/// A run that delivered to FOLIO archived its request bodies instead: there the leaver is the
/// user as FOLIO was last sent them, inactive, with the expiry date moved (a FOLIO update
/// replaces the whole user, so a leaver must carry everything it carried before).
enum LeaverArchive {
    struct Found {
        var linesByType: [String: [[UInt8]]] = [:]
        var notFound: [GoneEntry] = []
    }

    static func find(_ gone: [GoneEntry], in zipsNewestFirst: [String], expiry: AlmaDate) throws -> Found {
        var wanted = Dictionary(gone.map { ($0.idHash, $0) }, uniquingKeysWith: { first, _ in first })
        var found = Found()
        let open = Array("<primary_id>".utf8)
        let close = Array("</primary_id>".utf8)
        for path in zipsNewestFirst where !wanted.isEmpty {
            if path.hasSuffix(".json") {
                try findInFolioBatch(path, &wanted, &found, expiry: expiry)
                continue
            }
            let archive = try ZipArchiveReader(path: path)
            for entry in archive.entries where !wanted.isEmpty {
                let reader = try archive.open(entry)
                var pending: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 1 << 20)
                func consider(_ line: ArraySlice<UInt8>) {
                    guard let start = line.firstRange(of: open)?.upperBound, let end = line[start...].firstRange(of: close)?.lowerBound else { return }
                    let id = XMLText.unescape(String(decoding: line[start..<end], as: UTF8.self))
                    let hash = StableHash.hash128(PrimaryIDSet.fold(id))
                    guard let leaver = wanted.removeValue(forKey: hash) else { return }
                    found.linesByType[leaver.patronType, default: []].append(withExpiry(Array(line), expiry))
                }
                while true {
                    let count = try chunk.withUnsafeMutableBytes { try reader.read(into: $0) }
                    if count == 0 { break }
                    pending.append(contentsOf: chunk[0..<count])
                    var lineStart = pending.startIndex
                    while let newline = pending[lineStart...].firstIndex(of: 0x0A) {
                        consider(pending[lineStart..<newline])
                        lineStart = newline + 1
                    }
                    pending.removeSubrange(..<lineStart)
                }
                consider(pending[...])
            }
        }
        found.notFound = gone.filter { wanted[$0.idHash] != nil }
        return found
    }

    /// One archived FOLIO request body (at most a batch of users, so read whole): each wanted
    /// leaver becomes one JSON line of its FOLIO user, inactive and expiring on `expiry`.
    private static func findInFolioBatch(_ path: String, _ wanted: inout [Hash128: GoneEntry], _ found: inout Found, expiry: AlmaDate) throws {
        let batch = try JSONDecoder().decode(FolioArchivedBatch.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for user in batch.users {
            guard let leaver = wanted.removeValue(forKey: StableHash.hash128(PrimaryIDSet.fold(user.username))) else { continue }
            found.linesByType[leaver.patronType, default: []].append(Array(try encoder.encode(user.leaver(expiring: expiry))))
        }
    }

    /// The user line with its `<expiry_date>` replaced, newline-terminated.
    static func withExpiry(_ line: [UInt8], _ expiry: AlmaDate) -> [UInt8] {
        let open = Array("<expiry_date>".utf8)
        let close = Array("</expiry_date>".utf8)
        var result = line
        if let start = line.firstRange(of: open)?.upperBound, let end = line[start...].firstRange(of: close)?.lowerBound {
            result.replaceSubrange(start..<end, with: Array(expiry.almaString.utf8))
        }
        result.append(0x0A)
        return result
    }
}

enum XMLText {
    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#13;", with: "\r")
            .replacingOccurrences(of: "&#9;", with: "\t").replacingOccurrences(of: "&#10;", with: "\n")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
