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
}
