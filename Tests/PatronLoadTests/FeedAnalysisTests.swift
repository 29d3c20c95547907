import PatronSyncTestSupport
import Foundation
import Testing
@testable import PatronLoad

/// The pre-flight across the feed, rule by rule, with the reason line each gets.
@Suite struct FeedAnalysisTests {
    struct Row {
        var id: String
        var institution: String
        var barcode: String = ""
        var userGroup = "12"
        var email = "x@example.edu"
        var lastName = "Doe"
    }

    /// Scans built from rows, with their record files, as the run builds them.
    static func scans(_ types: [(String, [Row])], preflight: PatronProfile.Preflight? = nil, in directory: TemporaryDirectory) throws -> [ScannedType] {
        let rules = PreflightRules(preflight)
        return try types.enumerated().map { index, item in
            let path = directory.appending("\(item.0).records").path
            let writer = try RecordFileWriter(path: path)
            var scanned = ScannedType(typeIndex: index, patronType: Fixtures.type(item.0), recordsPath: path, entries: [], counts: TypeCounts(patronType: item.0), violations: [:])
            for row in item.1 {
                var record = try Fixtures.record(item.0, ["KRB_NAME_UPPERCASE": row.id, "MIT_ID": row.institution, "LIBRARY_ID": row.barcode, "EMAIL_ADDRESS": row.email, "LEGAL_LAST_NAME": row.lastName])
                record.primaryID = row.id
                record.userGroup = CodeValue(row.userGroup)
                if let violation = rules.violation(record) { scanned.violations[scanned.entries.count] = violation }
                let serialized = record.serialized()
                scanned.append(record, digest: serialized.digest, fieldHashes: serialized.fieldHashes, offset: try writer.append(serialized.bytes[...]))
            }
            try writer.finish()
            return scanned
        }
    }

    static func run(_ types: [(String, [Row])], preflight: PatronProfile.Preflight? = nil) throws -> (FeedDecisions, [String]) {
        let directory = TemporaryDirectory()
        let scans = try scans(types, preflight: preflight, in: directory)
        let decisions = try Preflight.decide(scans)
        return (decisions, try PreflightReport.lines(decisions.leftOut, scans: scans))
    }

    @Test func theSamePersonIgnoringCaseIsADuplicateNotAClash() throws {
        let (decisions, lines) = try Self.run([
            ("staff", [Row(id: "JDOE@MIT.EDU", institution: "111")]),
            ("student", [Row(id: "jdoe@mit.edu", institution: "111"), Row(id: "AB@MIT.EDU", institution: "222"), Row(id: "Ab@MIT.EDU", institution: "222")]),
        ])
        #expect(decisions.decisions == [[.write], [.duplicateOfEarlierType, .write, .repeatInType]])
        #expect(lines.isEmpty)
    }

    @Test func aDifferentPersonWithTheSamePrimaryIDIsLeftOut() throws {
        let (decisions, lines) = try Self.run([
            ("staff", [Row(id: "JDOE@MIT.EDU", institution: "111")]),
            ("student", [Row(id: "jdoe@MIT.EDU", institution: "999")]),
        ])
        #expect(decisions.decisions == [[.write], [.leftOut]])
        #expect(lines == ["student jdoe@MIT.EDU (institutional ID 999) left out: its primary_id is also that of staff JDOE@MIT.EDU (institutional ID 111), a different person (ignoring case, as Alma compares)"])
    }

    @Test func aBarcodeUsedByTwoPatronsLeavesTheLaterOneOut() throws {
        let (decisions, lines) = try Self.run([
            ("staff", [Row(id: "A@MIT.EDU", institution: "1", barcode: "3900")]),
            ("student", [Row(id: "B@MIT.EDU", institution: "2", barcode: "3900")]),
        ])
        #expect(decisions.decisions == [[.write], [.leftOut]])
        #expect(lines == ["student B@MIT.EDU (institutional ID 2) left out: its barcode 3900 is also the barcode of staff A@MIT.EDU (institutional ID 1); Alma would refuse it as already taken"])
    }

    @Test func anIdentifierEqualToAnotherPatronsPrimaryIDLosesEvenWhenEarlier() throws {
        let (decisions, lines) = try Self.run([
            ("staff", [Row(id: "A@MIT.EDU", institution: "1", barcode: "b@mit.edu")]),
            ("student", [Row(id: "B@MIT.EDU", institution: "2")]),
        ])
        #expect(decisions.decisions == [[.leftOut], [.write]])
        #expect(lines == ["staff A@MIT.EDU (institutional ID 1) left out: its barcode b@mit.edu is also the primary_id of student B@MIT.EDU (institutional ID 2); Alma would refuse it as already taken"])
    }

    @Test func identifiersClashAcrossIdentifierTypes() throws {
        let (decisions, lines) = try Self.run([
            ("staff", [Row(id: "A@MIT.EDU", institution: "555")]),
            ("student", [Row(id: "B@MIT.EDU", institution: "2", barcode: "555")]),
        ])
        #expect(decisions.decisions == [[.write], [.leftOut]])
        #expect(lines.first?.contains("its barcode 555 is also the institutional ID of staff A@MIT.EDU") == true)
    }

    @Test func aPatronsOwnIdentifiersMayRepeatEachOther() throws {
        let (decisions, _) = try Self.run([("staff", [Row(id: "A@MIT.EDU", institution: "555", barcode: "555")])])
        #expect(decisions.decisions == [[.write]])
    }

    @Test func codeSetsAndRequiredFields() throws {
        // An empty group passes the code set; whether it may be written at all is its own rule.
        let preflight = PatronProfile.Preflight(userGroups: ["12", "31"], requiredFields: [.email, .lastName], allowEmptyUserGroup: true)
        let (decisions, lines) = try Self.run([
            ("staff", [Row(id: "A@MIT.EDU", institution: "1"), Row(id: "B@MIT.EDU", institution: "2", userGroup: "99"),
                       Row(id: "C@MIT.EDU", institution: "3", email: ""), Row(id: "D@MIT.EDU", institution: "4", userGroup: "")]),
        ], preflight: preflight)
        #expect(decisions.decisions == [[.write, .leftOut, .leftOut, .write]])
        #expect(lines == [
            "staff B@MIT.EDU (institutional ID 2) left out: user group 99 is not one of the profile's user groups",
            "staff C@MIT.EDU (institutional ID 3) left out: email is required by the profile and empty",
        ])
    }

    @Test func aValidRowOfTheSamePersonIsLoadedWhenAnEarlierOneBreaksARule() throws {
        let preflight = PatronProfile.Preflight(requiredFields: [.email])
        let (decisions, lines) = try Self.run([
            ("staff", [Row(id: "A@MIT.EDU", institution: "1", email: "")]),
            ("student", [Row(id: "A@MIT.EDU", institution: "1")]),
        ], preflight: preflight)
        #expect(decisions.decisions[1] == [.write])
        #expect(decisions.decisions[0] != [.write])
        #expect(lines.isEmpty)
    }

    @Test func statisticCategoriesAreChecked() throws {
        let rules = PreflightRules(PatronProfile.Preflight(statisticCategories: ["LIBR"], allowEmptyUserGroup: true))
        var record = try Fixtures.record("staff", ["ORG_UNIT_ID": "10000600"])
        #expect(rules.violation(record) == nil)
        record.statistic = CodeValue("ZQ")
        #expect(rules.violation(record) == "statistic category ZQ is not one of the profile's statistic categories")
    }

    @Test func digestsSeeEveryFieldAndNameTheGroup() throws {
        let record = try Fixtures.record("student", ["OFFICE_PHONE": "6170000001", "EMAIL_ADDRESS": "a@x.edu"])
        var moved = record
        moved.line1 = "9 Elsewhere"
        var renamed = record
        renamed.preferredFirstName = "Zed"
        #expect(record.serialized().digest == record.serialized().digest)
        #expect(record.serialized().digest != moved.serialized().digest)
        #expect(PatronRecord.changedGroups(record.serialized().fieldHashes, moved.serialized().fieldHashes) == [.address])
        #expect(PatronRecord.changedGroups(record.serialized().fieldHashes, renamed.serialized().fieldHashes) == [.names])
    }

    @Test func recordsSurviveTheirRecordFile() throws {
        var record = try Fixtures.record("student", ["OFFICE_PHONE": "6170000001", "TERM_PHONE1": "6170000002", "TERM_STREET1": "a\tb\\c\nd"])
        record.preferredFirstName = "Zoë"
        let line = record.serialized().bytes
        #expect(!line.contains(0x0A))
        #expect(PatronRecord(serialized: line[...]) == record)
    }
}
