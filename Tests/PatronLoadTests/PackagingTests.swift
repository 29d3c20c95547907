import PatronSyncTestSupport
import Foundation
import Testing
@testable import PatronLoad

@Suite struct PackagingTests {
    private func userBytes(_ index: Int) throws -> XMLBytes {
        let user = try Fixtures.user("staff", ["KRB_NAME_UPPERCASE": "USER\(index)", "MIT_ID": String(900_000_000 + index)])
        var out = XMLBytes()
        AlmaUserXMLWriter.write(user, into: &out)
        return out
    }

    private func pack(_ count: Int, limits: PackagingLimits, in directory: TemporaryDirectory) throws -> [BuiltZip] {
        let packager = TypePackager(patronType: "staff", stamp: "2026-11-22_02.00.00", directory: directory.path, rootElement: "userRecords",
                                    limits: limits, compressionLevel: 6, modified: Fixtures.now)
        for index in 0..<count { try packager.add(try userBytes(index)) }
        return try packager.finish()
    }

    private func primaryIDs(in zips: [BuiltZip]) throws -> [String] {
        var ids: [String] = []
        for zip in zips {
            let archive = try ZipArchiveReader(path: zip.path)
            for entry in archive.entries {
                let reader = try UserXMLReader.parse(try archive.data(of: entry))
                #expect(reader.root == "userRecords")
                ids += reader.users.compactMap { $0.fields["primary_id"] }
            }
        }
        return ids
    }

    @Test func oneTypeFitsOneZipWithOneFileByDefault() throws {
        let directory = TemporaryDirectory()
        let zips = try pack(25, limits: PackagingLimits(), in: directory)
        #expect(zips.map(\.fileName) == ["staff_2026-11-22_02.00.00.zip"])
        #expect(zips[0].xmlFiles.map(\.name) == ["staff_2026-11-22_02.00.00.xml"])
        #expect(zips[0].users == 25)
        #expect(try primaryIDs(in: zips) == (0..<25).map { "USER\($0)@MIT.EDU" })
        try ZipVerifier(level: .schema, rootElement: "userRecords", schemaPath: LoadConfiguration.bundledSchemaPath).verify(zips[0])
    }

    @Test func splitsByUserCountThenByFilesPerZip() throws {
        let directory = TemporaryDirectory()
        let limits = PackagingLimits(maxXMLFilesPerZip: 3, maxUsersPerXMLFile: 10)
        let zips = try pack(75, limits: limits, in: directory)
        // 75 users → 8 files of ≤ 10 → zips of ≤ 3 files: 3 + 3 + 2.
        #expect(zips.map { $0.xmlFiles.count } == [3, 3, 2])
        #expect(zips.map(\.fileName) == ["staff_2026-11-22_02.00.00.zip", "staff_2026-11-22_02.00.00_2.zip", "staff_2026-11-22_02.00.00_3.zip"])
        #expect(zips[1].xmlFiles.map(\.name) == ["staff_2026-11-22_02.00.00_2.xml", "staff_2026-11-22_02.00.00_2_2.xml", "staff_2026-11-22_02.00.00_2_3.xml"])
        #expect(zips.flatMap(\.xmlFiles).map(\.users) == [10, 10, 10, 10, 10, 10, 10, 5])
        #expect(try primaryIDs(in: zips) == (0..<75).map { "USER\($0)@MIT.EDU" })
        for zip in zips { try ZipVerifier(level: .schema, rootElement: "userRecords", schemaPath: LoadConfiguration.bundledSchemaPath).verify(zip) }
    }

    @Test func splitsByBytesAndKeepsEveryFileUnderTheLimit() throws {
        let directory = TemporaryDirectory()
        let one = try userBytes(0).count
        let limits = PackagingLimits(maxXMLFileBytes: UInt64(one * 4 + 200))
        let zips = try pack(30, limits: limits, in: directory)
        let files = zips.flatMap(\.xmlFiles)
        #expect(files.count >= 8)
        #expect(files.allSatisfy { $0.bytes <= limits.maxXMLFileBytes })
        #expect(files.reduce(0) { $0 + $1.users } == 30)
        #expect(try primaryIDs(in: zips).count == 30)
    }

    @Test func rollsToANewZipBeforeOneCouldPassTheZipSizeLimit() throws {
        let directory = TemporaryDirectory()
        let limits = PackagingLimits(maxZipBytes: 15_000, maxXMLFileBytes: 12_000)
        let zips = try pack(60, limits: limits, in: directory)
        #expect(zips.count > 1)
        #expect(zips.allSatisfy { $0.bytes <= limits.maxZipBytes })
        #expect(try primaryIDs(in: zips).count == 60)
    }

    @Test func aUserLargerThanAFileIsAnError() throws {
        let directory = TemporaryDirectory()
        #expect(throws: PackagingError.self) {
            try pack(1, limits: PackagingLimits(maxXMLFileBytes: 1024), in: directory)
        }
    }

    @Test func noUsersBuildNoZip() throws {
        let directory = TemporaryDirectory()
        #expect(try pack(0, limits: PackagingLimits(), in: directory).isEmpty)
    }

    @Test(arguments: [
        PackagingLimits(maxXMLFilesPerZip: 51),
        PackagingLimits(maxZipsPerRun: 21),
        PackagingLimits(maxZipBytes: 5_000_000_000),
        PackagingLimits(maxUsersPerXMLFile: 0),
        PackagingLimits(maxZipBytes: 1_000_000, maxXMLFileBytes: 2_000_000),
    ])
    func limitsOutsideAlmasAreRefused(limits: PackagingLimits) {
        #expect(throws: PackagingError.self) { try limits.validate() }
    }

    @Test func verifierCatchesACorruptedZip() throws {
        let directory = TemporaryDirectory()
        let zip = try pack(40, limits: PackagingLimits(), in: directory)[0]
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: zip.path)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: zip.path))
        let error = #expect(throws: PackagingError.self) {
            try ZipVerifier(level: .integrity, rootElement: "userRecords", schemaPath: nil).verify(zip)
        }
        #expect(error.map { "\($0)" }?.contains("failed its check") == true)
    }

    @Test func verifierCatchesATruncatedZip() throws {
        let directory = TemporaryDirectory()
        let zip = try pack(40, limits: PackagingLimits(), in: directory)[0]
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: zip.path))
        try handle.truncate(atOffset: zip.bytes / 2)
        try handle.close()
        #expect(throws: PackagingError.self) {
            try ZipVerifier(level: .integrity, rootElement: "userRecords", schemaPath: nil).verify(zip)
        }
    }

    @Test func schemaCheckRejectsInvalidUsersAndWrongRoots() throws {
        let schema = try #require(LoadConfiguration.bundledSchemaPath)
        func check(_ xml: String, root: String = "userRecords") throws -> Int {
            var bytes = Array(xml.utf8)[...]
            return try XMLStreamChecker.check(name: "test.xml", root: root, schemaPath: schema) { buffer in
                let count = min(buffer.count, bytes.count)
                for index in 0..<count { buffer[index] = bytes[bytes.startIndex + index] }
                bytes = bytes.dropFirst(count)
                return count
            }
        }
        var good = XMLBytes()
        AlmaUserXMLWriter.header(root: "userRecords", into: &good)
        AlmaUserXMLWriter.write(try Fixtures.user("staff", [:]), into: &good)
        AlmaUserXMLWriter.footer(root: "userRecords", into: &good)
        let xml = String(decoding: good.bytes, as: UTF8.self)
        #expect(try check(xml) == 1)
        // A typed element written empty, as the reference loader does, is invalid.
        #expect(throws: PackagingError.self) { try check(xml.replacingOccurrences(of: "<is_researcher>false</is_researcher>", with: "<is_researcher/>")) }
        #expect(throws: PackagingError.self) { try check(xml.replacingOccurrences(of: "<expiry_date>2027-05-22Z</expiry_date>", with: "<expiry_date></expiry_date>")) }
        #expect(throws: PackagingError.self) { try check(xml, root: "users") }
        #expect(throws: PackagingError.self) { try check(String(xml.dropLast(20))) }
    }

    @Test func userTagCounterSpansChunks() {
        var counter = UserTagCounter()
        let text = Array("<users><user>a</user><user>b</user><use>".utf8)
        for byte in text { [byte].withUnsafeBytes { counter.scan($0) } }
        #expect(counter.count == 2)
    }

    /// The counter skips ahead 16 bytes at a time; whatever the chunking, it must count what a
    /// byte-by-byte reading counts, tags on window and chunk edges included.
    @Test(arguments: [1, 5, 16, 21, 22, 37, 100, 1 << 20])
    func userTagCounterCountsTheSameInAnyChunks(chunk: Int) throws {
        var text: [UInt8] = []
        for index in 0..<300 {
            text += Array(String(repeating: "x", count: index % 23).utf8)
            text += Array((index % 3 == 0 ? "<<user>" : index % 3 == 1 ? "<user_role><usex><use" : "<user>").utf8)
        }
        var counter = UserTagCounter()
        var start = 0
        while start < text.count {
            let end = min(start + chunk, text.count)
            text[start..<end].withUnsafeBytes { counter.scan($0) }
            start = end
        }
        #expect(counter.count == 200)
    }

    /// Packs a small zip, puts each damaged version of it in its place in turn, and returns the
    /// keys of the versions `integrity` let through, and the intact zip's size.
    private func damageMissed(_ damage: (Int, [UInt8]) -> [UInt8]) throws -> (missed: [Int], size: Int) {
        let directory = TemporaryDirectory()
        let zip = try pack(3, limits: PackagingLimits(), in: directory)[0]
        let url = URL(fileURLWithPath: zip.path)
        let original = try [UInt8](Data(contentsOf: url))
        let verifier = ZipVerifier(level: .integrity, rootElement: "userRecords", schemaPath: nil)
        let missed = try original.indices.filter { key in
            try Data(damage(key, original)).write(to: url)
            return (try? verifier.verify(zip)) != nil
        }
        try Data(original).write(to: url)
        try verifier.verify(zip)
        return (missed, original.count)
    }

    /// `integrity` proves the file on disk is the one written without inflating it: damage of
    /// any single byte, in deflate data, a header or the directory, must fail the check.
    @Test func verifierCatchesAFlippedBitAnywhere() throws {
        let (missed, size) = try damageMissed { offset, bytes in
            var damaged = bytes
            damaged[offset] ^= 0x01
            return damaged
        }
        #expect(missed.isEmpty, "not caught: a flipped bit at offsets \(missed) of \(size)")
    }

    @Test func verifierCatchesAZipCutAnywhere() throws {
        let (missed, size) = try damageMissed { length, bytes in Array(bytes[0..<length]) }
        #expect(missed.isEmpty, "not caught: the zip cut to \(missed) of \(size) bytes")
    }

    /// The users a file holds are counted in its bytes, not taken from how many were handed over.
    @Test(arguments: VerificationLevel.allCases)
    func verifierCountsTheUsersInTheBytes(level: VerificationLevel) throws {
        let directory = TemporaryDirectory()
        let packager = TypePackager(patronType: "staff", stamp: "2026-11-22_02.00.00", directory: directory.path, rootElement: "userRecords",
                                    limits: PackagingLimits(), compressionLevel: 6, modified: Fixtures.now)
        var twoAsOne = try userBytes(0)
        twoAsOne.raw(try userBytes(1))
        try packager.add(twoAsOne)
        let zip = try #require(try packager.finish().first)
        #expect(zip.users == 1)
        let error = #expect(throws: PackagingError.self) {
            try ZipVerifier(level: level, rootElement: "userRecords", schemaPath: LoadConfiguration.bundledSchemaPath).verify(zip)
        }
        #expect(error.map { "\($0)" }?.contains("holds 2 users, 1 were written") == true)
    }
}
