import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// Keys patronload does not read are errors, at every level, with their JSON path.
@Suite struct ProfileKeysTests {
    static func problems(adding value: String, at path: [String]) throws -> [String] {
        let data = try ProfileRulesTests.json(replacing: path.map { (Int($0).map { $0 as Any }) ?? ($0 as Any) }, with: value)
        let profile = try ProfileDecoding.decode(data)
        return ProfileKeys.unknown(in: data, decoded: profile).map(\.description)
    }

    @Test(arguments: [
        (["preflight", "requiredFeilds"], "[\"email\"]", "preflight.requiredFeilds: is not a profile setting (did you mean requiredFields?)"),
        (["colour"], "\"blue\"", "colour: is not a profile setting"),
        (["patronTypes", "1", "columns", "emial"], "\"EMAIL\"", "patronTypes[1].columns.emial: is not a profile setting (did you mean email?)"),
        (["codes", "barcodeType", "descr"], "\"Barcode\"", "codes.barcodeType.descr: is not a profile setting (did you mean desc?)"),
        (["patronTypes", "1", "userGroup", "overides"], "[]", "patronTypes[1].userGroup.overides: is not a profile setting (did you mean overrides?)"),
    ])
    func anUnknownKeyIsNamedByItsPath(path: [String], value: String, expected: String) throws {
        let found = try Self.problems(adding: value, at: path)
        #expect(found.contains(expected), "\(found)")
    }

    @Test func theReferenceProfileAndExplicitNullsHaveNone() throws {
        #expect(try Self.problems(adding: "null", at: ["history"]) == [])
        #expect(try Self.problems(adding: "null", at: ["patronTypes", "0", "statisticCategory", "descColumn"]) == [])
        let reference = try ProfileRulesTests.json(replacing: ["name"], with: "\"MIT\"")
        #expect(ProfileKeys.unknown(in: reference, decoded: try ProfileDecoding.decode(reference)) == [])
    }

    @Test func loadingRefusesAMisspelledKey() throws {
        let directory = TemporaryDirectory()
        try ProfileRulesTests.json(replacing: ["preflight", "requiredFeilds"], with: "[\"email\"]").write(to: directory.appending("p.json"))
        #expect(throws: ProfileError.self) { try LoadedProfile.load(from: directory.appending("p.json")) }
        do {
            _ = try LoadedProfile.load(from: directory.appending("p.json"))
        } catch {
            #expect("\(error)".contains("preflight.requiredFeilds: is not a profile setting (did you mean requiredFields?)"))
        }
    }

    @Test(arguments: [
        (nil, true),       // no preflight section: an empty group is left out
        (false, true),
        (true, false),     // the reference profile's choice: written as <user_group/>
    ] as [(Bool?, Bool)])
    func anEmptyUserGroupIsLeftOutUnlessAllowed(allow: Bool?, leftOut: Bool) throws {
        var record = try Fixtures.record("staff", [:])
        record.userGroup = CodeValue("")
        let rules = PreflightRules(allow == nil ? nil : PatronProfile.Preflight(allowEmptyUserGroup: allow))
        #expect((rules.violation(record) != nil) == leftOut)
        record.userGroup = CodeValue("12")
        #expect(rules.violation(record) == nil)
    }
}
