import Foundation

/// A `ValueRule` compiled against one query's columns, the run's as-of day and the profile's
/// lookup tables: column positions, templates, conditions, regular expressions and tables are
/// resolved once, before the first row; a row is then evaluated by reading and joining values.
struct RowValue {
    private indirect enum Node {
        case column(Int)
        case value(String)
        case template([Piece])
        case firstNonEmpty([RowValue])
        case lookup(key: RowValue, table: [String: String], fallback: String)
        case rules([(condition: RowCondition, then: RowValue)], otherwise: RowValue?)
    }

    private enum Piece {
        case text(String)
        case column(Int)
    }

    private enum Step {
        case trim, upper, lower, firstWord
        case replace(NSRegularExpression, String)
    }

    private let node: Node
    private let steps: [Step]
    /// Upper-cased, trimmed: compared with the value the same way.
    private let empty: Set<String>
    /// The rule's JSON path, for `explain`.
    let path: String

    /// `position` gives a column's index in the query's row (throwing for a missing column).
    init(_ rule: ValueRule, path: String, today: AlmaDate, tables: [String: LookupTable],
         position: (String) throws(ProfileError) -> Int) throws(ProfileError) {
        self.path = path
        switch rule.source {
        case .column(let name):
            node = .column(try position(name))
        case .value(let value):
            node = .value(value)
        case .template(let text):
            // The profile's rules reject a malformed template when it loads; this is the backstop.
            guard let parsed = try? Template.parse(text) else { throw .invalid(file: "profile", reason: "\(path).template does not parse") }
            var pieces: [Piece] = []
            for piece in parsed {
                switch piece {
                case .text(let text): pieces.append(.text(text))
                case .column(let name): pieces.append(.column(try position(name)))
                }
            }
            node = .template(pieces)
        case .firstNonEmpty(let rules):
            var values: [RowValue] = []
            for (index, rule) in rules.enumerated() {
                values.append(try RowValue(rule, path: "\(path).firstNonEmpty[\(index)]", today: today, tables: tables, position: position))
            }
            node = .firstNonEmpty(values)
        case .lookup(let lookup):
            guard let table = tables[lookup.table]?.values(of: lookup.column) else {
                throw .invalid(file: lookup.table, reason: "\(path).lookup: the table or its column \(lookup.column ?? "(second)") was not read")
            }
            let key = try RowValue(lookup.key, path: "\(path).lookup.key", today: today, tables: tables, position: position)
            node = .lookup(key: key, table: table, fallback: lookup.fallback ?? "")
        case .rules(let cases, let otherwise):
            var compiled: [(RowCondition, RowValue)] = []
            for (index, item) in cases.enumerated() {
                compiled.append((try RowCondition(item.when, today: today, position: position),
                                 try RowValue(item.then, path: "\(path).rules[\(index)]", today: today, tables: tables, position: position)))
            }
            var fallback: RowValue?
            if let otherwise { fallback = try RowValue(otherwise, path: "\(path).otherwise", today: today, tables: tables, position: position) }
            node = .rules(compiled, otherwise: fallback)
        }
        var steps: [Step] = []
        for transform in rule.transforms {
            switch transform {
            case .trim: steps.append(.trim)
            case .upper: steps.append(.upper)
            case .lower: steps.append(.lower)
            case .firstWord: steps.append(.firstWord)
            case .replace(let pattern, let with):
                guard let regex = try? NSRegularExpression(pattern: pattern) else {
                    throw .invalid(file: "profile", reason: "\(path): \(ProfileRules.quoted(pattern)) is not a valid regular expression")
                }
                steps.append(.replace(regex, with))
            }
        }
        self.steps = steps
        self.empty = Set(rule.emptyValues.map { $0.trimmingCharacters(in: .whitespaces).uppercased() })
    }

    func value(_ row: [String?]) -> String {
        evaluate(row, explaining: false).value
    }

    /// The JSON path of the rule that gave the row's value (`…lastName.rules[1]`), for `explain`.
    func decidingPath(_ row: [String?]) -> String {
        evaluate(row, explaining: true).path ?? path
    }

    /// The value, and with `explaining` the path of the rule that decided: a run never builds
    /// the path text.
    private func evaluate(_ row: [String?], explaining: Bool) -> (value: String, path: String?) {
        var (value, decided) = raw(row, explaining: explaining)
        if !empty.isEmpty, !value.isEmpty, empty.contains(value.trimmingCharacters(in: .whitespaces).uppercased()) {
            value = ""
        }
        for step in steps where !value.isEmpty {
            switch step {
            case .trim: value = value.trimmingCharacters(in: .whitespacesAndNewlines)
            case .upper: value = value.uppercased()
            case .lower: value = value.lowercased()
            case .firstWord:
                let trimmed = PatronMapper.trimmed(value)
                value = String(trimmed.prefix { !$0.isWhitespace })
            case .replace(let regex, let with):
                value = regex.stringByReplacingMatches(in: value, range: NSRange(value.startIndex..., in: value), withTemplate: with)
            }
        }
        return (value, decided)
    }

    private func raw(_ row: [String?], explaining: Bool) -> (value: String, path: String?) {
        switch node {
        case .column(let position):
            return (PatronMapper.trimmed(row[position]), nil)
        case .value(let value):
            return (value, nil)
        case .template(let pieces):
            var text = ""
            var anyValue = false
            for piece in pieces {
                switch piece {
                case .text(let literal): text += literal
                case .column(let position):
                    let value = PatronMapper.trimmed(row[position])
                    if !value.isEmpty { anyValue = true; text += value }
                }
            }
            // `{KRB_NAME}@MIT.EDU` for a row without a login is no address: empty, not "@MIT.EDU".
            return (anyValue ? text : "", nil)
        case .firstNonEmpty(let values):
            for value in values {
                let result = value.evaluate(row, explaining: explaining)
                if !result.value.isEmpty { return (result.value, explaining ? result.path ?? value.path : nil) }
            }
            return ("", nil)
        case .lookup(let key, let table, let fallback):
            let wanted = key.value(row)
            if !wanted.isEmpty, let found = table[wanted] { return (found, nil) }
            return (fallback, explaining ? "\(path) (default)" : nil)
        case .rules(let cases, let otherwise):
            for item in cases where item.condition.matches(row) {
                let result = item.then.evaluate(row, explaining: explaining)
                return (result.value, explaining ? result.path ?? item.then.path : nil)
            }
            if let otherwise {
                let result = otherwise.evaluate(row, explaining: explaining)
                return (result.value, explaining ? result.path ?? otherwise.path : nil)
            }
            return ("", explaining ? "\(path) (no rule matched)" : nil)
        }
    }
}
