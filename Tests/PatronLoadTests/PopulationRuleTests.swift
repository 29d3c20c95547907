import Foundation
import Testing
@testable import PatronLoad

/// The population rules' pure parts: which of a person's rows is written, how a merge fills and
/// unites, and what the profile check refuses.
@Suite struct PopulationRuleTests {
    static let weights = PatronProfile.Population(rule: .precedence, userGroupWeights: ["FAC": 10, "STAFF": 5, "GRAD": 5], otherwise: 1)

    struct ChoiceCase: Sendable, CustomTestStringConvertible {
        var name: String
        var population: PatronProfile.Population
        var groups: [String]
        var winnerType: Int?
        var chosen: Int
        var testDescription: String { name }
    }

    static let choices: [ChoiceCase] = [
        .init(name: "first feed wins takes the first", population: .init(rule: .firstFeedWins), groups: ["GRAD", "FAC"], chosen: 0),
        .init(name: "precedence takes the heaviest", population: weights, groups: ["STAFF", "FAC"], chosen: 1),
        .init(name: "precedence: a tie keeps the earlier type", population: weights, groups: ["STAFF", "GRAD"], chosen: 0),
        .init(name: "precedence: an unlisted group weighs otherwise", population: weights, groups: ["UNDER", "STAFF", "UNDER"], chosen: 1),
        .init(name: "precedence: unlisted without otherwise weighs 0", population: .init(rule: .precedence, userGroupWeights: ["STAFF": -1]),
              groups: ["STAFF", "UNDER"], chosen: 1),
        .init(name: "merge takes the winner type", population: .init(rule: .merge, winner: "student"), groups: ["", ""], winnerType: 1, chosen: 1),
        .init(name: "merge without the winner type takes the first", population: .init(rule: .merge, winner: "student"), groups: ["", "", ""],
              winnerType: 7, chosen: 0),
    ]

    @Test(arguments: choices)
    func theChosenRow(_ example: ChoiceCase) {
        let candidates = example.groups.enumerated().map { PopulationChoice.Candidate(type: $0.offset, userGroup: $0.element) }
        #expect(PopulationChoice.chosen(candidates, population: example.population, winnerType: example.winnerType) == example.chosen)
    }

    static func user(_ id: String, first: String = "", middle: String = "", group: String = "",
                     address: String = "", emails: [String] = [], phones: [String] = [], barcode: String = "") -> AlmaUser {
        AlmaUser(
            recordType: CodeValue("PUBLIC"), primaryID: id, firstName: first, middleName: middle, lastName: "Last", gender: nil,
            userGroup: CodeValue(group), catalogerLevel: nil, preferredLanguage: nil,
            expiryDate: AlmaDate(isoDay: "2027-01-01")!, purgeDate: AlmaDate(isoDay: "2028-01-01")!, accountType: CodeValue("EXTERNAL"),
            externalID: "SIS", status: CodeValue("ACTIVE"),
            addresses: [AlmaUser.Address(line1: address, types: [CodeValue("work")])],
            emails: emails.enumerated().map { .init(address: $0.element, types: [CodeValue("work")], preferred: $0.offset == 0) },
            phones: phones.enumerated().map { .init(number: $0.element, types: [CodeValue("office")], preferred: $0.offset == 0) },
            preferredFirstName: "", preferredMiddleName: "", preferredLastName: "", isResearcher: nil,
            identifiers: barcode.isEmpty ? [] : [.init(type: CodeValue("BARCODE"), value: barcode, status: "ACTIVE")],
            roles: [], statistics: [])
    }

    @Test func aMergeKeepsTheWinnersValuesAndFillsTheEmptyOnes() {
        let winner = Self.user("S1", first: "Ann", group: "GRAD", address: "1 Main St", emails: ["s1@mit.edu"], phones: ["617-555-0101"], barcode: "301")
        let staff = Self.user("S1", first: "Anne", middle: "Q", group: "STAFF", address: "E1", emails: ["S1@MIT.EDU", "ann@example.org"],
                              phones: ["(617) 555 0101", "617-253-0000"], barcode: "302")
        let (merged, filled) = UserMerge.merge(winner, [staff])
        #expect(merged.firstName == "Ann" && merged.middleName == "Q" && merged.userGroup.code == "GRAD")
        #expect(merged.addresses.map(\.line1) == ["1 Main St", "E1"] && merged.addresses.map(\.preferred) == [true, false])
        #expect(merged.emails.map(\.address) == ["s1@mit.edu", "ann@example.org"], "equal ignoring case: once")
        #expect(merged.emails.map(\.preferred) == [true, false])
        #expect(merged.phones.map(\.number) == ["617-555-0101", "617-253-0000"], "equal digits: once")
        #expect(merged.phones.map(\.preferred) == [true, false])
        #expect(merged.identifiers.map(\.value) == ["301", "302"])
        #expect(filled == [.init(field: "middle_name", from: 0), .init(field: "addresses", from: 0), .init(field: "emails", from: 0),
                           .init(field: "phones", from: 0), .init(field: "user_identifiers", from: 0)])
    }

    @Test func aWinnerWithoutAnAddressTakesTheOthersAsPreferred() {
        let (merged, filled) = UserMerge.merge(Self.user("S1"), [Self.user("S1", address: "E1", emails: ["s1@mit.edu"]), Self.user("S1", address: "2 Elm")])
        #expect(merged.addresses.map(\.line1) == ["E1", "2 Elm"] && merged.addresses.map(\.preferred) == [true, false])
        #expect(merged.emails.map(\.preferred) == [true])
        #expect(filled.map(\.from) == [0, 0, 1])
    }

    @Test func mergingEqualUsersChangesNothing() {
        let user = Self.user("S1", first: "Ann", address: "1 Main", emails: ["a@b.c"], phones: ["1"], barcode: "3")
        let (merged, filled) = UserMerge.merge(user, [user])
        #expect(merged == user && filled.isEmpty)
    }

    static func problems(_ population: String) throws -> [String] {
        let data = try ProfileEdits.data([:], edits: [("\"patronTypes\": [", "\"population\": \(population), \"patronTypes\": [")])
        do {
            let profile = try ProfileDecoding.decode(data)
            return (ProfileKeys.unknown(in: data, decoded: profile) + ProfileRules.problems(in: profile)).map(\.description)
        } catch {
            return [error.description]
        }
    }

    @Test(arguments: [
        (#"{"rule": "firstFeedWins"}"#, []),
        (#"{"rule": "merge", "winner": "student"}"#, []),
        (#"{"rule": "precedence", "userGroupWeights": {"12": 2, "31": 1.5}, "otherwise": 0}"#, []),
        (#"{"rule": "merge", "winner": "students"}"#, [#"population.winner: "students" is not the name of a patron type (staff, student)"#]),
        (#"{"rule": "merge"}"#, ["population.winner: is missing; merge needs the patron type whose values win"]),
        (#"{"rule": "precedence", "userGroupWeights": {"12": "high"}}"#, [#"population.userGroupWeights.12: expected a number, found a string "high""#]),
        (#"{"rule": "precedence"}"#, ["population.userGroupWeights: is missing or empty; precedence needs a weight for each user group that should win"]),
        (#"{"rule": "merge", "winner": "staff", "otherwise": 1}"#, ["population.otherwise: is read only by the precedence rule"]),
        (#"{"rule": "firstFeedWins", "winer": "staff"}"#, ["population.winer: is not a profile setting (did you mean winner?)"]),
        (#"{"rule": "newestWins"}"#, ["population.rule: Cannot initialize Rule from invalid String value newestWins"]),
    ])
    func theProfileCheckNamesThePath(population: String, expected: [String]) throws {
        #expect(try Self.problems(population) == expected)
    }
}
