import Foundation
import PatronSyncTestSupport
@testable import PatronLoad

/// The reference profile with keys of its patron types set from JSON text: what the rule tests
/// load, check and run.
enum ProfileEdits {
    /// `types` maps a patron type's index to its keys' JSON (`["fields": "{…}"]`).
    static func data(_ types: [Int: [String: String]], edits: [(String, String)] = []) throws -> Data {
        var text = try String(contentsOf: LoadedProfile.referenceURL(), encoding: .utf8)
        for (old, new) in edits {
            guard text.contains(old) else { throw ConfigurationError("the reference profile has no \(old)") }
            text = text.replacingOccurrences(of: old, with: new)
        }
        var tree = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        var list = tree["patronTypes"] as! [[String: Any]]
        for (index, keys) in types {
            for (key, json) in keys { list[index][key] = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) }
        }
        tree["patronTypes"] = list
        return try JSONSerialization.data(withJSONObject: tree, options: [.prettyPrinted, .sortedKeys])
    }

    /// What loading finds wrong with the first type's keys set, as `check-profile` prints it.
    static func problems(type keys: [String: String]) throws -> [String] {
        let data = try data([0: keys])
        do {
            let profile = try ProfileDecoding.decode(data)
            return (ProfileKeys.unknown(in: data, decoded: profile) + ProfileRules.problems(in: profile)).map(\.description)
        } catch {
            return [error.description]
        }
    }

    /// The profile in a file with the bundled lookup tables and `tables` (name → CSV) beside it.
    static func file(in directory: TemporaryDirectory, _ types: [Int: [String: String]], edits: [(String, String)] = [],
                     tables: [String: String] = [:]) throws -> String {
        let bundled = try LoadedProfile.referenceURL().deletingLastPathComponent()
        for table in ["staff-departments.csv", "student-departments.csv"] {
            try FileManager.default.copyItem(at: bundled.appendingPathComponent(table), to: directory.appending(table))
        }
        for (name, csv) in tables { try Data(csv.utf8).write(to: directory.appending(name)) }
        try data(types, edits: edits).write(to: directory.appending("profile.json"))
        return directory.appending("profile.json").path
    }
}
