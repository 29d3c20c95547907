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
        // A value rule decodes itself from several shapes: a leaf here, as a condition is.
        if value is ValueRule { return [] }
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
        profile.patronTypes[0].address.country = .rule(ValueRule(.lookup(.init(table: "countries.csv", key: ValueRule(.column("X"))))))
        profile.patronTypes[0].address.stateProvince = .column("X")
        profile.patronTypes[0].userGroupRules = [.init(when: .column("X", .oneOf(["L"]), ignoreCase: false), userGroup: "LAW", desc: "Law")]
        var fields = PatronProfile.FieldRules()
        for field in RuleField.allCases {
            let keyPath = field.rule as! WritableKeyPath<PatronProfile.FieldRules, ValueRule?>
            fields[keyPath: keyPath] = ValueRule(.column("X"))
        }
        profile.patronTypes[0].fields = fields
        profile.patronTypes[0].expiry = .months(6)
        profile.patronTypes[0].purge = .afterExpiryDays(90)
        profile.patronTypes[0].statusDate = .today
        var address = PatronProfile.AddressSegment(when: .column("X", .empty(false), ignoreCase: false), type: .code("home"), preferred: false, line1: .column("X"))
        (address.line2, address.line3, address.city, address.stateProvince, address.postalCode, address.country) = (.column("X"), .column("X"), .column("X"), .column("X"), .column("X"), .column("X"))
        (address.note, address.startDate, address.endDate) = ("n", .today, .expiry)
        let when = ProfileCondition.column("X", .empty(false), ignoreCase: false)
        profile.patronTypes[0].segments = .init(
            addresses: [address], emails: [.init(when: when, address: .column("X"), type: .code("work"), preferred: false)],
            phones: [.init(when: when, number: .column("X"), type: .code("home"), preferred: false)],
            identifiers: [.init(when: when, type: .code("NETID"), value: .column("X"))],
            statistics: [.init(when: when, category: .column("X"), desc: .column("X"), categoryType: .code("DEPT"))],
            notes: [.init(when: when, type: .code("OTHER"), text: .column("X"), userViewable: true, popup: false)],
            roles: [.init(when: when, type: .code("200"), scope: .code("S"), status: .code("ACTIVE"))])
        profile.patronTypes[0].address.startDate = .today
        profile.patronTypes[0].address.endDate = .expiry
        profile.patronTypes[0].rows = .init(include: .column("X", .empty(false), ignoreCase: false), exclude: .not(.column("X", .equals("N"), ignoreCase: false)), requiredColumns: ["X"])
        profile.folio = .init(updateOnlyPresentFields: false, sourceType: "mit", externalSystemIdType: "02", barcodeType: "01",
                              patronGroups: ["31": "staff"], addressTypes: ["work": "Work"], preferredContactType: "email", batchSize: 100,
                              departmentsFromStatistics: true, mobilePhoneType: "mobile", customFields: ["jobcat": .jobCategory])
        profile.population = .init(rule: .precedence, userGroupWeights: ["31": 1], otherwise: 0, winner: "staff")
        let model = Self.modelPaths(profile)
        let declared = Self.schemaPaths(schema)
        #expect(model.subtracting(declared).sorted() == [], "keys the schema lacks")
        #expect(declared.subtracting(model).sorted() == [], "keys the model does not read")
    }

    /// python3's jsonschema on a profile file: its exit status and what it said. It polls for
    /// the end rather than blocking a cooperative thread: the tests run on two, and a blocked
    /// one starves other suites' tasks (the one that signals a run mid-render among them).
    static func validate(_ profile: URL) async throws -> (status: Int32, message: String) {
        let result = try await Python.run("import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))",
                                          [try Self.schemaURL.path, profile.path])
        return (result.status, result.output)
    }

    static func validate(_ data: Data) async throws -> (status: Int32, message: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString).json")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await validate(file)
    }

    @Test func theBundledProfileIsValidAgainstTheSchema() async throws {
        let result = try await Self.validate(try LoadedProfile.referenceURL())
        #expect(result.status == 0, "\(result.message)")
    }

    @Test func theSchemaRefusesWhatPatronloadRefuses() async throws {
        var tree = try JSONSerialization.jsonObject(with: Data(contentsOf: LoadedProfile.referenceURL())) as! [String: Any]
        var preflight = tree["preflight"] as! [String: Any]
        preflight["requiredFeilds"] = ["email"]
        tree["preflight"] = preflight
        #expect(try await Self.validate(JSONSerialization.data(withJSONObject: tree)).status != 0)
    }

    /// Row rules: what patronload reads, the schema accepts; a condition it refuses, the schema refuses.
    @Test(arguments: [
        (#"{"include": {"all": [{"column": "A", "in": ["x"], "ignoreCase": true}, {"not": {"column": "B", "before": "today"}}]}, "exclude": {"any": [{"column": "C", "empty": true}, {"column": "D", "matches": "[0-9]+"}, {"column": "E", "after": "2026-09-01"}]}, "requiredColumns": ["F"]}"#, true),
        (#"{"exclude": {"colum": "A", "equals": "x"}}"#, false),
        (#"{"exclude": {"column": "A", "equals": "x", "in": ["y"]}}"#, false),
        (#"{"exclude": {"column": "A", "empty": true, "ignoreCase": true}}"#, false),
        (#"{"exclude": {"all": []}}"#, false),
        (#"{"exclude": {"column": "A", "before": "next week"}}"#, false),
        (#"{"requiredColumn": ["A"]}"#, false),
    ])
    func rowRulesAreDescribed(rows: String, valid: Bool) async throws {
        let result = try await Self.validate(try RowRulesTests.profileData(rows: [0: rows]))
        #expect((result.status == 0) == valid, "\(result.message)")
    }

    @Test(arguments: [
        (#"[{"when": {"column": "A", "in": ["L"]}, "userGroup": "LAW", "desc": "Law"}, {"when": {"not": {"column": "B", "empty": true}}, "userGroup": "X"}]"#, true),
        (#"[{"when": {"column": "A", "in": ["L"]}}]"#, false),
        (#"[{"when": {"column": "A", "in": ["L"]}, "userGroup": "LAW", "description": "Law"}]"#, false),
    ])
    func userGroupRulesAreDescribed(rules: String, valid: Bool) async throws {
        let result = try await Self.validate(try RowRulesTests.profileData(rows: [:], userGroupRules: [1: rules]))
        #expect((result.status == 0) == valid, "\(result.message)")
    }

    /// Field rules: what patronload reads, the schema accepts; what it refuses, the schema refuses.
    @Test(arguments: [
        (#"{"lastName": {"rules": [{"when": {"column": "A", "empty": true}, "then": {"value": "UNKNOWN"}}], "otherwise": {"column": "B", "transform": ["trim", "upper", {"replace": {"pattern": "[0-9]", "with": ""}}]}}, "email": {"template": "{KRB}@MIT.EDU"}, "userTitle": {"lookup": {"table": "t.csv", "key": {"column": "A"}, "column": "desc", "default": "X"}}, "status": {"firstNonEmpty": [{"column": "A", "emptyValues": ["NONE"]}, {"value": "ACTIVE"}]}}"#, true),
        (#"{"lastName": {"colum": "A"}}"#, false),
        (#"{"lastName": {"column": "A", "value": "x"}}"#, false),
        (#"{"lastName": {"column": "A", "otherwise": {"value": "x"}}}"#, false),
        (#"{"lastName": {"column": "A", "transform": ["title"]}}"#, false),
        (#"{"lastName": {"template": "no column"}}"#, false),
        (#"{"userTitle": {"lookup": {"table": "t.csv"}}}"#, false),
        (#"{"jobTitle": {"column": "A"}}"#, false),
    ])
    func fieldRulesAreDescribed(fields: String, valid: Bool) async throws {
        let result = try await Self.validate(try ProfileEdits.data([0: ["fields": fields]]))
        #expect((result.status == 0) == valid, "\(result.message)")
    }

    @Test(arguments: [
        (#"{"months": 6}"#, nil, true),
        (#"{"column": "END", "otherwise": {"nextOf": ["06-30"]}}"#, #"{"afterExpiryDays": 90}"#, true),
        (#"{"byUserGroup": {"31": {"days": 30}, "32": {"fixed": "2027-06-30"}}, "otherwise": {"months": 6}}"#, #"{"months": 30}"#, true),
        (#"{"nextOf": ["10-20", "01-31"]}"#, #"{"fixed": "2028-06-30"}"#, true),
        (#"{"nextOf": ["13-01"]}"#, nil, false),
        (#"{"months": 6, "otherwise": {"days": 1}}"#, nil, false),
        (#"{"byUserGroup": {"31": {"column": "END"}}}"#, nil, false),
        (#"{"months": 6}"#, #"{"afterExpiry": 90}"#, false),
    ] as [(String, String?, Bool)])
    func dateRulesAreDescribed(expiry: String, purge: String?, valid: Bool) async throws {
        var keys = ["expiry": expiry]
        if let purge { keys["purge"] = purge }
        let result = try await Self.validate(try ProfileEdits.data([0: keys]))
        #expect((result.status == 0) == valid, "\(result.message)")
    }
}
