import PatronSyncTestSupport
import Foundation
import Testing
@testable import PatronLoad

/// The pre-flight's decisions under each population rule, over record files as the run builds
/// them: which row of a person in several types is written, what the others become, and which
/// persons are remembered (only those in several types).
@Suite struct PopulationDecisionTests {
    typealias Row = FeedAnalysisTests.Row

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var population: PatronProfile.Population?
        var types: [(String, [Row])]
        var decisions: [[Decision]]
        var shared: [RowReference: [RowReference]]
        var testDescription: String { name }
    }

    static let feeds: [(String, [Row])] = [
        ("staff", [Row(id: "A@MIT.EDU", institution: "1", userGroup: "12"), Row(id: "B@MIT.EDU", institution: "2", userGroup: "12")]),
        ("student", [Row(id: "a@mit.edu", institution: "1", userGroup: "32"), Row(id: "C@MIT.EDU", institution: "3", userGroup: "31"),
                     Row(id: "A@MIT.EDU", institution: "1", userGroup: "32")]),
    ]
    static func ref(_ type: Int, _ ordinal: Int) -> RowReference { RowReference(type: type, ordinal: ordinal) }

    static let cases: [Case] = [
        .init(name: "no rule: first feed wins", population: nil, types: feeds,
              decisions: [[.write, .write], [.duplicateOfEarlierType, .write, .duplicateOfEarlierType]], shared: [:]),
        .init(name: "precedence: the student group weighs more", population: .init(rule: .precedence, userGroupWeights: ["32": 2, "12": 1]), types: feeds,
              decisions: [[.outranked, .write], [.write, .write, .repeatInType]], shared: [ref(1, 0): [ref(0, 0)]]),
        .init(name: "precedence: a tie keeps staff", population: .init(rule: .precedence, userGroupWeights: ["32": 1], otherwise: 1), types: feeds,
              decisions: [[.write, .write], [.outranked, .write, .repeatInType]], shared: [ref(0, 0): [ref(1, 0)]]),
        .init(name: "merge: student wins", population: .init(rule: .merge, winner: "student"), types: feeds,
              decisions: [[.mergedIntoOtherType, .write], [.write, .write, .repeatInType]], shared: [ref(1, 0): [ref(0, 0)]]),
        .init(name: "merge: staff wins", population: .init(rule: .merge, winner: "staff"), types: feeds,
              decisions: [[.write, .write], [.mergedIntoOtherType, .write, .repeatInType]], shared: [ref(0, 0): [ref(1, 0)]]),
        .init(name: "a merged row's barcode is its person's: another patron with it is left out", population: .init(rule: .merge, winner: "student"),
              types: [("staff", [Row(id: "A@MIT.EDU", institution: "1", barcode: "B1")]),
                      ("student", [Row(id: "A@MIT.EDU", institution: "1", barcode: "B2"), Row(id: "C@MIT.EDU", institution: "3", barcode: "B1")])],
              decisions: [[.mergedIntoOtherType], [.write, .leftOut]], shared: [ref(1, 0): [ref(0, 0)]]),
        .init(name: "a merged row's own identifiers never clash with its person's", population: .init(rule: .merge, winner: "student"),
              types: [("staff", [Row(id: "A@MIT.EDU", institution: "1", barcode: "B1")]), ("student", [Row(id: "A@MIT.EDU", institution: "1", barcode: "B1")])],
              decisions: [[.mergedIntoOtherType], [.write]], shared: [ref(1, 0): [ref(0, 0)]]),
        .init(name: "a different person with the same primary_id is still a clash", population: .init(rule: .merge, winner: "student"),
              types: [("staff", [Row(id: "A@MIT.EDU", institution: "1")]), ("student", [Row(id: "A@MIT.EDU", institution: "9")])],
              decisions: [[.write], [.leftOut]], shared: [:]),
        .init(name: "a row the rules leave out does not win", population: .init(rule: .merge, winner: "student"),
              types: [("staff", [Row(id: "A@MIT.EDU", institution: "1")]), ("student", [Row(id: "A@MIT.EDU", institution: "1", email: "")])],
              decisions: [[.write], [.duplicateOfEarlierType]], shared: [:]),
    ]

    @Test(arguments: cases)
    func decisions(_ example: Case) throws {
        let directory = TemporaryDirectory()
        let scans = try FeedAnalysisTests.scans(example.types, preflight: .init(requiredFields: [.email], allowEmptyUserGroup: true), in: directory)
        let decided = try Preflight.decide(scans, population: example.population)
        #expect(decided.decisions == example.decisions)
        #expect(decided.sharedPersons == example.shared)
        #expect(decided.leftOut.count == example.decisions.joined().filter { $0 == .leftOut }.count)
    }

    @Test func aMergedPersonsDigestFollowsEveryMergedRow() throws {
        let directory = TemporaryDirectory()
        var scans = try FeedAnalysisTests.scans(Self.feeds, in: directory)
        let decided = try Preflight.decide(scans, population: .init(rule: .merge, winner: "student"))
        let before = scans[1].entries[0]
        MergedDigests.apply(decided, to: &scans)
        #expect(scans[1].entries[0].digest != before.digest)
        let untouched = try FeedAnalysisTests.scans(Self.feeds, in: TemporaryDirectory())
        #expect(scans[1].entries[1].digest == untouched[1].entries[1].digest, "others untouched")
        #expect(MergedDigests.rotatedBytes(0x80_01) == 0x01_02)
    }
}
