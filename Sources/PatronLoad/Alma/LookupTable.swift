import Foundation

/// A value rule's lookup table: a CSV file beside the profile whose header names the columns;
/// the first column is the key. Read once when the profile loads.
public struct LookupTable: Sendable, Equatable {
    /// The header's names, the key's first.
    public var columns: [String]
    /// Each key's row (trimmed fields), as long as the header.
    public var rows: [String: [String]]

    public init(csv: String, source: String) throws(ProfileError) {
        let lines = csv.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard let header = lines.first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw .invalidLookup(file: source, line: 1, reason: "is empty; the first line names the columns (key first)")
        }
        columns = CSVLine.split(String(header)).map { $0.trimmingCharacters(in: .whitespaces) }
        guard columns.count >= 2 else {
            throw .invalidLookup(file: source, line: 1, reason: "the header names one column; a lookup needs a key and a value column")
        }
        var rows: [String: [String]] = [:]
        let headerIndex = lines.firstIndex(of: header) ?? 0
        for (number, line) in lines.enumerated() where number > headerIndex {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            var fields = CSVLine.split(String(line)).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count <= columns.count else {
                throw .invalidLookup(file: source, line: number + 1, reason: "has \(fields.count) fields; the header names \(columns.count)")
            }
            fields += Array(repeating: "", count: columns.count - fields.count)
            // The first row of a key wins, as the first matching rule does.
            if rows[fields[0]] == nil { rows[fields[0]] = fields }
        }
        self.rows = rows
    }

    /// The key → value table for one column (the second when nil), or nil when there is no such column.
    func values(of column: String?) -> [String: String]? {
        let index = column.map { name in columns.firstIndex { $0.caseInsensitiveCompare(name) == .orderedSame } } ?? 1
        guard let index, index > 0 else { return nil }
        return rows.mapValues { $0[index] }
    }
}
