import Testing
@testable import PatronLoad

/// Run histories keep each record's digest and field-group hashes, and the next run compares
/// with them: the line and both hashes of these records are pinned, so a faster serialiser that
/// changes a byte or a hash fails here, not as "every patron changed" on the first night.
struct RecordLinePinTests {
    static func base() -> PatronRecord {
        PatronRecord(primaryID: "JSMITH@MIT.EDU", institutionalID: "912345678", barcode: "39080012345678", firstName: "Jo\\Anne",
                     middleName: "Tab\there", lastName: "Smith-Ortega", preferredFirstName: "Jo", preferredMiddleName: "",
                     preferredLastName: "", email: "jsmith@mit.edu",
                     phones: [.init(number: "617-555-0100", isPreferred: true), .init(number: "+44 20 7946 0958 ext. 12", isPreferred: false)],
                     userGroup: CodeValue("12", desc: "Staff"), line1: "77 Massachusetts Avenue", line2: "Room 14S-100\r\nLine", line3: "",
                     city: "Cambridge", stateProvince: "MA", postalCode: "02139", statistic: CodeValue("DLC", desc: nil))
    }

    static var records: [(name: String, record: PatronRecord)] {
        var earlier = base()
        earlier.details = .init(status: "INACTIVE", userTitle: "", campusCode: "MAIN", birthDate: "1980-02-29", expiryDate: "")
        var later = base()
        later.details = .init(status: "ACTIVE", country: "USA", emailType: "work", enrollmentDate: "2026-09-01")
        var segmented = base()
        var segments = PatronRecord.Segments()
        segments.emails = [.init(address: "jo@example.org", type: "personal", preferred: false)]
        segments.identifiers = [.init(type: "ORCID", value: "0000-0002-1825-0097")]
        segmented.segments = segments
        return [("plain", base()), ("eight details", earlier), ("eleven details", later), ("segments", segmented)]
    }

    @Test func linesAndHashesAreThoseOfEarlierRuns() {
        // The digest is a hash of the whole line: it pins the bytes too.
        let pinned: [String: (digest: UInt64, fieldHashes: UInt64)] = [
            "plain": (0x0885_49D3_B752_F460, 0x00B5_2932_517E_228C),
            "eight details": (0xFC03_2A9A_9684_3C58, 0xE3B5_2932_517E_228C),
            "eleven details": (0x8CAF_4A06_C451_5793, 0xB3B5_2932_C17E_4D8C),
            "segments": (0x8058_A77C_4A19_0AFA, 0x009D_2932_517E_D18C),
        ]
        for (name, record) in Self.records {
            let serialized = record.serialized()
            let expected = pinned[name]!
            #expect(serialized.digest == expected.digest, "\(name): 0x\(String(serialized.digest, radix: 16, uppercase: true))")
            #expect(serialized.fieldHashes == expected.fieldHashes, "\(name): 0x\(String(serialized.fieldHashes, radix: 16, uppercase: true))")
            #expect(PatronRecord(serialized: serialized.bytes[...]) == record, "\(name) reads back")
        }
    }
}
