import Foundation

extension ValueRule {
    /// What would stop the rule from compiling, each with its JSON path: found when the profile
    /// loads, before any row is read. Lookup files are checked when they are read.
    func problems(at path: String) -> [ProfileProblem] {
        var problems: [ProfileProblem] = []
        switch source {
        case .column(let column):
            if column.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append(ProfileProblem("\(path).column", "is empty; name a column of the query"))
            }
        case .value:
            break
        case .template(let text):
            do {
                let pieces = try Template.parse(text)
                if !pieces.contains(where: { if case .column = $0 { true } else { false } }) {
                    problems.append(ProfileProblem("\(path).template", "names no column in braces; use value for a fixed text"))
                }
            } catch {
                problems.append(ProfileProblem("\(path).template", error.reason))
            }
        case .firstNonEmpty(let rules):
            if rules.isEmpty { problems.append(ProfileProblem("\(path).firstNonEmpty", "is empty; give at least one value rule")) }
            for (index, rule) in rules.enumerated() { problems += rule.problems(at: "\(path).firstNonEmpty[\(index)]") }
        case .lookup(let lookup):
            if lookup.table.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append(ProfileProblem("\(path).lookup.table", "is empty; name a CSV file beside the profile"))
            }
            problems += lookup.key.problems(at: "\(path).lookup.key")
        case .rules(let cases, let otherwise):
            if cases.isEmpty { problems.append(ProfileProblem("\(path).rules", "is empty; give at least one {\"when\", \"then\"}")) }
            for (index, item) in cases.enumerated() {
                problems += item.when.problems(at: "\(path).rules[\(index)].when")
                problems += item.then.problems(at: "\(path).rules[\(index)].then")
            }
            problems += otherwise?.problems(at: "\(path).otherwise") ?? []
        }
        for (index, transform) in transforms.enumerated() {
            if case .replace(let pattern, _) = transform, (try? NSRegularExpression(pattern: pattern)) == nil {
                problems.append(ProfileProblem("\(path).transform[\(index)].replace.pattern", "\(ProfileRules.quoted(pattern)) is not a valid regular expression"))
            }
        }
        return problems
    }

    /// Every column the rule reads, with the JSON path that names it (under `path`).
    func columnReferences(at path: String) -> [(path: String, column: String)] {
        switch source {
        case .column(let column):
            return [("\(path).column", column)]
        case .value:
            return []
        case .template(let text):
            return ((try? Template.parse(text)) ?? []).compactMap { if case .column(let name) = $0 { ("\(path).template", name) } else { nil } }
        case .firstNonEmpty(let rules):
            return rules.enumerated().flatMap { $1.columnReferences(at: "\(path).firstNonEmpty[\($0)]") }
        case .lookup(let lookup):
            return lookup.key.columnReferences(at: "\(path).lookup.key")
        case .rules(let cases, let otherwise):
            return cases.enumerated().flatMap {
                $1.when.columnReferences(at: "\(path).rules[\($0)].when") + $1.then.columnReferences(at: "\(path).rules[\($0)].then")
            } + (otherwise?.columnReferences(at: "\(path).otherwise") ?? [])
        }
    }

    /// Every lookup the rule makes, with its JSON path: the tables to read before the run.
    func lookups(at path: String) -> [(path: String, lookup: Lookup)] {
        switch source {
        case .column, .value, .template:
            return []
        case .firstNonEmpty(let rules):
            return rules.enumerated().flatMap { $1.lookups(at: "\(path).firstNonEmpty[\($0)]") }
        case .lookup(let lookup):
            return [("\(path).lookup", lookup)] + lookup.key.lookups(at: "\(path).lookup.key")
        case .rules(let cases, let otherwise):
            return cases.enumerated().flatMap { $1.then.lookups(at: "\(path).rules[\($0)].then") } + (otherwise?.lookups(at: "\(path).otherwise") ?? [])
        }
    }
}
