import Foundation

/// A code table kept as a CSV file beside the profile: `key,code,description`, with a header row.
public struct DepartmentLookup: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var code: String
        public var description: String
    }

    public private(set) var entries: [String: Entry]

    public init(entries: [String: Entry]) {
        self.entries = entries
    }

    public init(csv: String, source: String) throws(ProfileError) {
        var entries: [String: Entry] = [:]
        let lines = csv.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (number, line) in lines.enumerated() where number > 0 {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let fields = CSVLine.split(String(line))
            guard fields.count >= 2 else {
                throw ProfileError.invalidLookup(file: source, line: number + 1, reason: "expected key,code[,description]")
            }
            let key = fields[0].trimmingCharacters(in: .whitespaces)
            // The first row of a key wins, as in a value rule's lookup table.
            guard entries[key] == nil else { continue }
            entries[key] = Entry(
                code: fields[1].trimmingCharacters(in: .whitespaces),
                description: fields.count > 2 ? fields[2].trimmingCharacters(in: .whitespaces) : ""
            )
        }
        self.entries = entries
    }

    public subscript(key: String) -> Entry? { entries[key] }
}

/// RFC 4180 fields of one line: quoted fields may hold commas and doubled quotes.
enum CSVLine {
    static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            switch character {
            case "\"" where inQuotes:
                var lookahead = iterator
                if lookahead.next() == "\"" {
                    current.append("\"")
                    iterator = lookahead
                } else {
                    inQuotes = false
                }
            case "\"" where current.isEmpty:
                inQuotes = true
            case "," where !inQuotes:
                fields.append(current)
                current = ""
            default:
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
