import Foundation
import Testing
@testable import PatronLoad

/// The guide's examples run: each JSON block of "Row and group rules" and "Field and date
/// rules" in docs/patronload.md, set on a patron type of the reference profile, and of "Several
/// feeds, one person", set on the profile itself, loads with no problem and is valid against the
/// schema.
@Suite struct GuideExampleTests {
    static func examples(section: String = "Row and group rules") throws -> [String] {
        let guide = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/patronload.md")
        let text = try String(contentsOf: guide, encoding: .utf8)
        let start = try #require(text.range(of: "\n## \(section)\n"))
        let section = text[start.upperBound...].components(separatedBy: "\n## ").first ?? ""
        return section.components(separatedBy: "```json\n").dropFirst().map { $0.components(separatedBy: "\n```").first ?? "" }
    }

    @Test(arguments: [("Row and group rules", 2), ("Field and date rules", 3), ("Several feeds, one person", 3)])
    func everyExampleLoads(section: String, count: Int) async throws {
        let examples = try Self.examples(section: section)
        #expect(examples.count == count)
        for example in examples {
            var tree = try JSONSerialization.jsonObject(with: Data(contentsOf: LoadedProfile.referenceURL())) as! [String: Any]
            var types = tree["patronTypes"] as! [[String: Any]]
            let keys = try JSONSerialization.jsonObject(with: Data(example.utf8)) as! [String: Any]
            if section == "Several feeds, one person" {
                tree.merge(keys) { $1 }
            } else {
                types[0].merge(keys) { $1 }
                tree["patronTypes"] = types
            }
            let data = try JSONSerialization.data(withJSONObject: tree)
            let profile = try ProfileDecoding.decode(data)
            #expect((ProfileKeys.unknown(in: data, decoded: profile) + ProfileRules.problems(in: profile)).map(\.description) == [], "\(example)")
            #expect(try await ProfileSchemaTests.validate(data).status == 0, "\(example)")
        }
    }
}
