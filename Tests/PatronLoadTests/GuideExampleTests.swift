import Foundation
import Testing
@testable import PatronLoad

/// The guides' examples run: each JSON block of "Row and group rules" and "Field and date
/// rules" in docs/patronload.md (set on a patron type of the reference profile), of "Several
/// feeds, one person" (set on the profile itself), and each of docs/writing-a-profile.md, loads
/// with no problem and is valid against the schema. A block with `patronTypes` is a whole profile.
@Suite struct GuideExampleTests {
    static func guide(_ name: String) throws -> String {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs")
        return try String(contentsOf: docs.appendingPathComponent(name), encoding: .utf8)
    }

    static func jsonBlocks(_ text: some StringProtocol) -> [String] {
        text.components(separatedBy: "```json\n").dropFirst().map { $0.components(separatedBy: "\n```").first ?? "" }
    }

    static func examples(section: String = "Row and group rules") throws -> [String] {
        let text = try guide("patronload.md")
        let start = try #require(text.range(of: "\n## \(section)\n"))
        return jsonBlocks(text[start.upperBound...].components(separatedBy: "\n## ").first ?? "")
    }

    /// The example as a whole profile: itself, or the reference profile with it on the first type
    /// (or, `topLevel`, on the profile itself).
    static func profile(_ example: String, topLevel: Bool = false) throws -> Data {
        let fragment = try JSONSerialization.jsonObject(with: Data(example.utf8)) as! [String: Any]
        if fragment["patronTypes"] != nil { return Data(example.utf8) }
        var tree = try JSONSerialization.jsonObject(with: Data(contentsOf: LoadedProfile.referenceURL())) as! [String: Any]
        var types = tree["patronTypes"] as! [[String: Any]]
        if topLevel { tree.merge(fragment) { $1 } } else { types[0].merge(fragment) { $1 } }
        tree["patronTypes"] = types
        return try JSONSerialization.data(withJSONObject: tree)
    }

    static func expectLoads(_ examples: [String], topLevel: Bool = false) async throws {
        for example in examples {
            let data = try profile(example, topLevel: topLevel)
            let profile = try ProfileDecoding.decode(data)
            #expect((ProfileKeys.unknown(in: data, decoded: profile) + ProfileRules.problems(in: profile)).map(\.description) == [], "\(example)")
            #expect(try await ProfileSchemaTests.validate(data).status == 0, "\(example)")
        }
    }

    @Test(arguments: [("Row and group rules", 2), ("Field and date rules", 6), ("Several feeds, one person", 3)])
    func everyExampleLoads(section: String, count: Int) async throws {
        let examples = try Self.examples(section: section)
        #expect(examples.count == count)
        try await Self.expectLoads(examples, topLevel: section == "Several feeds, one person")
    }

    @Test func everyExampleOfWritingAProfileLoads() async throws {
        let examples = Self.jsonBlocks(try Self.guide("writing-a-profile.md"))
        #expect(examples.count == 23)
        #expect(examples.filter { $0.contains("\"patronTypes\"") }.count == 1, "the layout's whole profile")
        try await Self.expectLoads(examples)
    }
}
