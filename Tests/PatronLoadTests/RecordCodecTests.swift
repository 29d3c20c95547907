import Testing
@testable import PatronLoad

/// The record file's one codec: a record reads back whole, and one identifier reads back alone,
/// escapes and all.
@Suite struct RecordCodecTests {
    @Test func identifiersReadBackAloneAndRecordsWhole() throws {
        let record = try Fixtures.record("staff", [
            "KRB_NAME_UPPERCASE": "A\\B", "MIT_ID": "9\t1", "LIBRARY_ID": "31\n02", "LEGAL_FIRST_NAME": "Tab\there",
        ])
        let line = record.serialized().bytes[...]
        #expect(PatronRecord(serialized: line) == record)
        #expect(PatronRecord.identifier(.primaryID, ofSerialized: line) == record.primaryID)
        #expect(PatronRecord.identifier(.institutionalID, ofSerialized: line) == record.institutionalID)
        #expect(PatronRecord.identifier(.barcode, ofSerialized: line) == record.barcode)
        #expect(record.primaryID == "A\\B@MIT.EDU")
    }

    /// A record without details keeps the 21 fields (and hashes) it had before rules existed, so
    /// the first run after an upgrade sees no change; one with details reads back whole.
    @Test func detailsTravelOnlyWhenARuleSetsThem() throws {
        let plain = try Fixtures.record("staff", [:])
        #expect(plain.details == nil)
        #expect(plain.serialized().bytes.filter { $0 == 0x09 }.count == 20)
        #expect((plain.serialized().fieldHashes >> 56) == 0, "the details group hashes to 0")

        var detailed = plain
        detailed.details = .init(status: "INACTIVE", userTitle: "", campusCode: "MAIN", birthDate: "1980-02-29", expiryDate: "")
        let line = detailed.serialized().bytes[...]
        #expect(PatronRecord(serialized: line) == detailed)
        #expect(PatronRecord.changedGroups(plain.serialized().fieldHashes, detailed.serialized().fieldHashes).map(\.label) == ["other fields"])
    }
}
