import Foundation

/// Keys a profile holds that patronload does not read: a misspelled `requiredFeilds` would
/// otherwise switch the required-field check off without a word. The file is walked beside the
/// decoded profile: at each object, the keys the model has (its stored properties, whose names
/// are the JSON keys) are the keys allowed there; a table (a dictionary) takes any key.
enum ProfileKeys {
    static func unknown(in data: Data, decoded profile: PatronProfile) -> [ProfileProblem] {
        guard let original = try? JSONSerialization.jsonObject(with: data) else { return [] }
        var problems: [ProfileProblem] = []
        walk(original, profile, path: "", into: &problems)
        return problems
    }

    private static func walk(_ json: Any, _ model: Any, path: String, into problems: inout [ProfileProblem]) {
        // Conditions, value and date rules (and address fields, which are value rules) refuse
        // unknown keys themselves, as they decode: their cases are not their keys.
        let model = unwrapped(model)
        guard !(model is ProfileCondition || model is ValueRule || model is FieldSource || model is CodeSource || model is ExpiryRule || model is PurgeRule) else { return }
        let mirror = Mirror(reflecting: unwrapped(model))
        switch json {
        case let object as [String: Any]:
            guard mirror.displayStyle == .struct || mirror.displayStyle == .enum else { return }
            var children: [String: Any] = [:]
            for child in mirror.children {
                if let label = child.label { children[label] = child.value }
            }
            for key in object.keys.sorted() {
                let place = path.isEmpty ? key : "\(path).\(key)"
                if path.isEmpty && key == "$schema" {
                    continue   // the JSON Schema an editor completes the profile with
                } else if let value = children[key] {
                    walk(object[key]!, value, path: place, into: &problems)
                } else if !(object[key] is NSNull) {
                    // An explicit null is what an absent optional decodes from: harmless.
                    problems.append(ProfileProblem(place, "is not a profile setting" + suggestion(key, among: Array(children.keys))))
                }
            }
        case let list as [Any]:
            let items = Array(mirror.children.map(\.value))
            for (index, item) in list.enumerated() where index < items.count {
                walk(item, items[index], path: "\(path)[\(index)]", into: &problems)
            }
        default:
            break
        }
    }

    /// The value inside an optional (the model's optionals are nil only where the file has none).
    private static func unwrapped(_ value: Any) -> Any {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional, let inner = mirror.children.first else { return value }
        return unwrapped(inner.value)
    }

    /// `(did you mean requiredFields?)` for a near miss among the keys allowed here.
    private static func suggestion(_ key: String, among known: [String]) -> String {
        let best = known.map { ($0, distance(key.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, key.count / 4) else { return "" }
        return " (did you mean \(best.0)?)"
    }

    /// Levenshtein distance; keys are short.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
