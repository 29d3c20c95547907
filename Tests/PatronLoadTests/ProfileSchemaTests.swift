import Foundation
import Testing
@testable import PatronLoad

/// The profile's JSON Schema (for editors) says what the model reads: the same keys at the same
/// places, and the bundled profile is valid against it.
@Suite struct ProfileSchemaTests {
    static var schemaURL: URL {
        get throws { try LoadedProfile.referenceURL().deletingLastPathComponent().appendingPathComponent("profile.schema.json") }
    }

    /// Every key path the schema declares (`patronTypes[].columns.email`); tables and
    /// either-or values are leaves.
    static func schemaPaths(_ node: [String: Any], _ path: String = "") -> Set<String> {
        var paths: Set<String> = []
        if let properties = node["properties"] as? [String: Any] {
            for (key, child) in properties where key != "$schema" {
                let place = path.isEmpty ? key : "\(path).\(key)"
                paths.insert(place)
                paths.formUnion(schemaPaths(child as! [String: Any], place))
            }
        }
        if let items = node["items"] as? [String: Any] {
            paths.formUnion(schemaPaths(items, path + "[]"))
        }
        return paths
    }

    /// Every key path the model has, over every element of every list. A nil value hides the
    /// keys inside it: the test's profile fills every optional somewhere.
    static func modelPaths(_ value: Any, _ path: String = "") -> Set<String> {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.map { modelPaths($0.value, path) } ?? []
        case .struct:
            var paths: Set<String> = []
            for child in mirror.children {
                guard let label = child.label else { continue }
                let place = path.isEmpty ? label : "\(path).\(label)"
                paths.insert(place)
                paths.formUnion(modelPaths(child.value, place))
            }
            return paths
        case .collection:
            return mirror.children.reduce(into: Set<String>()) { $0.formUnion(modelPaths($1.value, path + "[]")) }
        default:
            return []   // strings, numbers, tables, FieldSource (a string or {"value"})
        }
    }

    @Test func theSchemaDeclaresExactlyTheModelsKeys() throws {
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.schemaURL)) as! [String: Any]
        var profile = try LoadedProfile.reference().profile
        profile.preflight = .init(maxLeftOutPercent: 5, userGroups: ["31"], statisticCategories: ["UP"], requiredFields: [.email], allowEmptyUserGroup: true)
        profile.patronTypes[0].address.line2 = .column("X")
        profile.patronTypes[0].address.city = .column("X")
        profile.patronTypes[0].address.stateProvince = .column("X")
        let model = Self.modelPaths(profile)
        let declared = Self.schemaPaths(schema)
        #expect(model.subtracting(declared).sorted() == [], "keys the schema lacks")
        #expect(declared.subtracting(model).sorted() == [], "keys the model does not read")
    }

    @Test func theBundledProfileIsValidAgainstTheSchema() throws {
        let reference = try LoadedProfile.referenceURL()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import json, sys, jsonschema
            jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
            """, try Self.schemaURL.path, reference.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(message)")
    }

    @Test func theSchemaRefusesWhatPatronloadRefuses() throws {
        var tree = try JSONSerialization.jsonObject(with: Data(contentsOf: LoadedProfile.referenceURL())) as! [String: Any]
        var preflight = tree["preflight"] as! [String: Any]
        preflight["requiredFeilds"] = ["email"]
        tree["preflight"] = preflight
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: tree).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))",
                             try Self.schemaURL.path, file.path]
        process.standardError = Pipe()
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
    }
}
