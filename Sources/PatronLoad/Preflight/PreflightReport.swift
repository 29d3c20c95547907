/// The pre-flight's reasons as people read them: one line per patron left out, naming the
/// patron by primary_id and institutional ID, and the other patron a clash involves.
enum PreflightReport {
    static let lineLimit = 200

    static func lines<S: Sequence>(_ leftOut: S, scans: [ScannedType]) throws -> [String] where S.Element == LeftOut {
        let readers = try scans.map { try RecordFileReader(path: $0.recordsPath) }
        func record(_ row: RowReference) throws -> PatronRecord? {
            try readers[row.type].record(at: scans[row.type].entries[row.ordinal].offset)
        }
        func name(_ row: RowReference) throws -> String {
            guard let record = try record(row) else { return "\(scans[row.type].patronType.name) row \(row.ordinal + 1)" }
            let institution = record.institutionalID.isEmpty ? "" : " (institutional ID \(UnwritableCharacter.visible(record.institutionalID)))"
            return "\(scans[row.type].patronType.name) \(UnwritableCharacter.visible(record.primaryID))\(institution)"
        }
        func value(_ kind: IdentifierKind, of row: RowReference) throws -> String {
            try readers[row.type].identifier(kind, at: scans[row.type].entries[row.ordinal].offset)
        }
        /// A further identifier is named with its type: `identifier NETID`.
        func label(_ kind: IdentifierKind, of row: RowReference) throws -> String {
            guard case .other(let slot) = kind, let identifiers = try record(row)?.segments?.identifiers, slot < identifiers.count else { return kind.label }
            return "identifier \(UnwritableCharacter.visible(identifiers[slot].type))"
        }
        var lines: [String] = []
        for item in leftOut {
            let reason: String
            switch item.reason {
            case .rule(let message):
                reason = message
            case .primaryIDClash(let other):
                reason = "its primary_id is also that of \(try name(other)), a different person (ignoring case, as Alma compares)"
            case .identifier(let kind, let otherKind, let other):
                let article = otherKind == .primaryID ? "the primary_id" : "the \(try label(otherKind, of: other))"
                reason = "its \(try label(kind, of: item.row)) \(UnwritableCharacter.visible(try value(kind, of: item.row))) is also \(article) of \(try name(other)); Alma would refuse it as already taken"
            }
            lines.append("\(try name(item.row)) left out: \(reason)")
        }
        return lines
    }
}
