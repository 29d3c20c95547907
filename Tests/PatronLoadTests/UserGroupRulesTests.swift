import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronLoad

/// A patron type's `userGroupRules`: tried in order, the first that holds gives the group, and
/// without one the type's `userGroup` decides as before; `explain` names what decided.
@Suite struct UserGroupRulesTests {
    /// Law students by department; graduate students living outside Massachusetts (ZIP 01…, 02…)
    /// get a distance group.
    static let rules = #"""
        [{"when": {"column": "HOME_DEPARTMENT", "in": ["LAW", "JD"]}, "userGroup": "LAW", "desc": "Law School"},
         {"when": {"all": [{"column": "STUDENT_YEAR", "equals": "G"}, {"not": {"column": "TERM_ZIP", "matches": "0[12][0-9]{3}"}}]},
          "userGroup": "32-distance"}]
        """#

    @Test func theFirstRuleThatHoldsGivesTheGroupAndNoneFallsBackToUserGroup() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        try warehouse.update("student", login: "T1", ["HOME_DEPARTMENT": "LAW", "STUDENT_YEAR": "G", "TERM_ZIP": "94110"])
        try warehouse.update("student", login: "T2", ["STUDENT_YEAR": "G", "TERM_ZIP": "94110"])
        try warehouse.update("student", login: "T3", ["STUDENT_YEAR": "G", "TERM_ZIP": "02139"])
        try warehouse.update("student", login: "T4", ["HOME_DEPARTMENT": "NIU"])
        try warehouse.update("student", login: "T5", ["HOME_DEPARTMENT": "law"])   // case matters
        let path = try RowRulesTests.profileFile(in: directory, rows: [:], userGroupRules: [1: Self.rules])
        let profile = try LoadedProfile.load(from: URL(fileURLWithPath: path))
        let (summary, _) = await LoadJobTests.run(LoadJobTests.configuration(warehouse: warehouse.path, output: directory.appending("out"), profile: profile))
        #expect(summary.outcome == .delivered)

        var groups: [String: String] = [:]
        for user in try HistoryTests.users(summary, type: "student") {
            groups[user.fields["primary_id"] ?? ""] = user.fields["user_group"]
        }
        #expect(groups["T1@MIT.EDU"] == "LAW", "rule 0 wins over rule 1, which also holds")
        #expect(groups["T2@MIT.EDU"] == "32-distance")
        #expect(groups["T3@MIT.EDU"] == "32", "no rule: the year's table")
        #expect(groups["T4@MIT.EDU"] == "54", "no rule: userGroup's override")
        #expect(groups["T5@MIT.EDU"] == "31")
        #expect(groups["T0@MIT.EDU"] == "31")

        let law = try await Executable.runWithoutBlocking("patronload", ["explain", "T1", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path])
        #expect(law.status == 0, "\(law.stderr)")
        #expect(law.stdout.contains("  user group: patronTypes[1].userGroupRules[0]\n"), "\(law.stdout)")
        #expect(law.stdout.contains(#"<user_group desc="Law School">LAW</user_group>"#))
        let fallback = try await Executable.runWithoutBlocking("patronload", ["explain", "T3", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path])
        #expect(fallback.stdout.contains("  user group: patronTypes[1].userGroup (no userGroupRules rule matched)\n"), "\(fallback.stdout)")
        let staff = try await Executable.runWithoutBlocking("patronload", ["explain", "S1", "--warehouse", "sqlite:\(warehouse.path)", "--profile", path])
        #expect(!staff.stdout.contains("user group:"), "a type without userGroupRules says nothing more")
    }

    @Test func aRuleIsCheckedWithTheProfile() throws {
        let data = try RowRulesTests.profileData(rows: [:], userGroupRules: [1: #"[{"when": {"column": "STUDENT_YEAR", "matches": "G("}, "userGroup": "X"}]"#])
        let profile = try ProfileDecoding.decode(data)
        #expect(ProfileRules.problems(in: profile).map(\.description) == [#"patronTypes[1].userGroupRules[0].when.matches: "G(" is not a valid regular expression"#])
        #expect(ProfileKeys.unknown(in: data, decoded: profile).isEmpty)
        let references = profile.patronTypes[1].columnReferences.filter { $0.path.hasPrefix("userGroupRules") }
        #expect(references.map(\.path) == ["userGroupRules[0].when.column"])
        #expect(references.map(\.column) == ["STUDENT_YEAR"])

        let unknown = try RowRulesTests.profileData(rows: [:], userGroupRules: [1: #"[{"when": {"column": "STUDENT_YEAR", "equals": "G"}, "userGroup": "LAW"}]"#],
                                                    edits: [(#""allowEmptyUserGroup": true"#, #""allowEmptyUserGroup": true, "userGroups": ["31", "32"]"#)])
        #expect(ProfileRules.problems(in: try ProfileDecoding.decode(unknown)).map(\.description) == [#"patronTypes[1].userGroupRules[0].userGroup: "LAW" is not among preflight.userGroups"#])
    }
}
