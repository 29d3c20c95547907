import PatronSyncTestSupport
import Foundation
import Testing
@testable import PatronLoad

/// Consecutive runs over a warehouse that changes between them: what changed, changes-only
/// loads, full loads by age, leavers, and a history that survives only delivered runs.
@Suite struct HistoryTests {
    static let day: TimeInterval = 86_400

    static func configuration(_ warehouse: TinyWarehouse, output: URL, day: Int, mode: RunMode = .load, onlyChanges: Bool = false,
                              leavers: PatronProfile.LeaverPolicy = .ignore, profile: LoadedProfile = Fixtures.profile) -> LoadConfiguration {
        var configuration = LoadJobTests.configuration(warehouse: warehouse.path, output: output, mode: mode, profile: profile)
        configuration.now = Fixtures.now.addingTimeInterval(Double(day) * Self.day)
        configuration.history = .local(directory: output.appendingPathComponent("history").path)
        configuration.onlyChanges = onlyChanges
        configuration.historyRules.leavers = leavers
        return configuration
    }

    static func users(_ summary: RunSummary, type: String) throws -> [UserXMLReader.ParsedUser] {
        var users: [UserXMLReader.ParsedUser] = []
        for zip in summary.zips where zip.patronType == type {
            let path = summary.delivered.first { $0.name == zip.fileName }?.location ?? zip.path
            let archive = try ZipArchiveReader(path: path)
            for entry in archive.entries { users += try UserXMLReader.parse(try archive.data(of: entry)).users }
        }
        return users
    }

    static func ids(_ summary: RunSummary, type: String) throws -> Set<String> {
        Set(try users(summary, type: type).compactMap { $0.fields["primary_id"] })
    }

    @Test func consecutiveRunsReportExactlyWhatChanged() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let output = directory.appending("out")

        let (first, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 0))
        #expect(first.outcome == .delivered)
        #expect(first.previousRunID == nil)
        #expect(first.changes?.map(\.new) == [10, 10])
        #expect(first.historyStored != nil)

        try warehouse.add("staff", login: "S10", id: "110")
        try warehouse.update("staff", login: "S3", ["EMAIL_ADDRESS": "s3.new@mit.edu"])
        try warehouse.update("student", login: "T4", ["TERM_STREET1": "9 New Rd", "TERM_PHONE1": "6175550000"])
        try warehouse.update("student", login: "T5", ["STUDENT_YEAR": "G"])
        try warehouse.remove("student", login: "T6")
        // A new student whose barcode is staff S2's: Alma would refuse one of them.
        try warehouse.add("student", login: "T20", id: "299", ["LIBRARY_ID": "3102"])

        let manifest = output.appendingPathComponent("history/manifest.bin.gz")
        let before = try Data(contentsOf: manifest)
        // One student in eleven is left out: allow it.
        var dryConfiguration = Self.configuration(warehouse, output: output, day: 1, mode: .dryRun)
        dryConfiguration.maxLeftOutPercent = 20
        let (dry, _) = await LoadJobTests.run(dryConfiguration)
        #expect(dry.outcome == .dryRun)
        #expect(try Data(contentsOf: manifest) == before, "a dry run stores no history")

        var secondConfiguration = Self.configuration(warehouse, output: output, day: 1)
        secondConfiguration.maxLeftOutPercent = 20
        let (second, _) = await LoadJobTests.run(secondConfiguration)
        #expect(second.outcome == .delivered)
        #expect(second.previousRunID == "2026-11-22_02.00.00")
        for summary in [dry, second] {
            let staff = try #require(summary.changes?.first { $0.patronType == "staff" })
            let student = try #require(summary.changes?.first { $0.patronType == "student" })
            #expect(staff.new == 1 && staff.newExamples == ["S10@MIT.EDU"])
            #expect(staff.changed == 1 && staff.changedExamples == ["S3@MIT.EDU (email)"])
            #expect(staff.unchanged == 9 && staff.gone == 0)
            #expect(student.new == 0, "T20 is left out, not new")
            #expect(student.changed == 2)
            #expect(Set(student.changedExamples) == ["T4@MIT.EDU (phones, address)", "T5@MIT.EDU (user group)"])
            #expect(student.changedFields == ["phones": 1, "address": 1, "user group": 1])
            #expect(student.unchanged == 7 && student.gone == 1 && student.goneExamples == ["T6@MIT.EDU"])
            #expect(summary.preflight == ["student T20@MIT.EDU (institutional ID 299) left out: its barcode 3102 is also the barcode of staff S2@MIT.EDU (institutional ID 102); Alma would refuse it as already taken"])
            #expect(summary.counts(for: "student")?.leftOut == 1)
        }
        #expect(try Data(contentsOf: manifest) != before)
        let report = try String(contentsOf: output.appendingPathComponent("reports/patronload_2026-11-23_02.00.00.report.txt"), encoding: .utf8)
        #expect(report.contains("Changes since run 2026-11-22_02.00.00:"))
        #expect(report.contains("staff changed: S3@MIT.EDU (email)"))
        #expect(report.contains("student gone: T6@MIT.EDU"))
        #expect(report.contains("Pre-flight: 1 patron(s) left out"))

        // Nothing changed since: everyone unchanged, nobody gone.
        var thirdConfiguration = Self.configuration(warehouse, output: output, day: 2)
        thirdConfiguration.maxLeftOutPercent = 20
        let (third, _) = await LoadJobTests.run(thirdConfiguration)
        #expect(third.changes?.map(\.unchanged) == [11, 9])
        #expect(third.changes?.map { $0.new + $0.changed + $0.gone } == [0, 0])
    }

    @Test func changesOnlyLoadsWriteExactlyTheNewAndChangedAndAFullLoadFollowsTheAge() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let output = directory.appending("out")

        // No history yet: a changes-only run loads everyone.
        let (first, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 0, onlyChanges: true))
        #expect(first.loadKind == .full(reason: "there is no run history yet"))
        #expect(try Self.ids(first, type: "staff").count == 10)

        try warehouse.add("student", login: "T11", id: "211")
        try warehouse.update("staff", login: "S1", ["LEGAL_LAST_NAME": "Renamed"])
        let (second, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 3, onlyChanges: true))
        #expect(second.loadKind == .changesOnly(lastFullLoad: "2026-11-22"))
        #expect(try Self.ids(second, type: "staff") == ["S1@MIT.EDU"])
        #expect(try Self.ids(second, type: "student") == ["T11@MIT.EDU"])
        #expect(second.counts(for: "staff")?.written == 1 && second.counts(for: "staff")?.unchangedNotWritten == 9)
        let balanced = second.types.allSatisfy { $0.isBalanced }
        #expect(balanced)
        #expect(try Self.users(second, type: "staff").first?.fields["last_name"] == "Renamed")

        // Unchanged since: a changes-only run writes nothing, and still removes the old zips.
        let (third, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 5, onlyChanges: true))
        #expect(third.loadKind == .changesOnly(lastFullLoad: "2026-11-22"))
        #expect(third.zips.isEmpty)
        #expect(third.removed.count == 2)

        // Seven days after the last full load, the next one is full again.
        let (fourth, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 7, onlyChanges: true))
        #expect(fourth.loadKind == .full(reason: "the last full load (2026-11-22) is 7 days old; one is due every 7"))
        #expect(try Self.ids(fourth, type: "student").count == 11)
        let (fifth, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 8, onlyChanges: true))
        #expect(fifth.loadKind == .changesOnly(lastFullLoad: "2026-11-29"))
    }

    @Test func leaversAreExpiredOnceThenForgotten() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let output = directory.appending("out")
        let (first, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 0, leavers: .expire))
        #expect(first.outcome == .delivered)

        try warehouse.remove("staff", login: "S7")
        try warehouse.remove("student", login: "T2")
        let (second, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 2, leavers: .expire))
        #expect(second.outcome == .delivered)
        #expect(second.changes?.map(\.gone) == [1, 1])
        #expect(second.changes?.map(\.leaversExpired) == [1, 1])
        let staff = try Self.users(second, type: "staff")
        #expect(staff.count == 10, "nine current staff and the leaver")
        let leaver = try #require(staff.first { $0.fields["primary_id"] == "S7@MIT.EDU" })
        // Written exactly as last time but for the expiry date, 14 days after the run.
        #expect(leaver.fields["expiry_date"] == "2026-12-08Z")
        #expect(leaver.fields["last_name"] == "Last107")
        #expect(staff.first { $0.fields["primary_id"] == "S1@MIT.EDU" }?.fields["expiry_date"] == "2027-05-24Z")

        let (third, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 3, leavers: .expire))
        #expect(third.changes?.map(\.gone) == [0, 0], "leavers are forgotten after they are written once more")
        #expect(try Self.ids(third, type: "staff").count == 9)
    }

    @Test func underTheIgnorePolicyLeaversAreReportedNotWritten() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let output = directory.appending("out")
        _ = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 0))
        try warehouse.remove("staff", login: "S7")
        let (second, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 1))
        #expect(second.changes?.first?.gone == 1)
        #expect(second.changes?.first?.leaversExpired == 0)
        #expect(try Self.ids(second, type: "staff").count == 9)
    }

    @Test func aRunThatFailsLeavesThePreviousHistory() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let output = directory.appending("out")
        _ = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 0))
        let manifest = output.appendingPathComponent("history/manifest.bin.gz")
        let before = try Data(contentsOf: manifest)
        try warehouse.add("staff", login: "S11", id: "111")
        // Delivery fails: the output folder cannot take the new files.
        var configuration = Self.configuration(warehouse, output: output, day: 1)
        configuration.limits = PackagingLimits(maxZipsPerRun: 1)
        let (failed, _) = await LoadJobTests.run(configuration)
        guard case .failed = failed.outcome else { Issue.record("expected failure"); return }
        #expect(try Data(contentsOf: manifest) == before)
        let (next, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 2))
        #expect(next.previousRunID == "2026-11-22_02.00.00")
        #expect(next.changes?.first?.newExamples == ["S11@MIT.EDU"])
    }

    @Test func tooManyLeftOutStopsTheRunBeforeDelivery() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        // One student in ten clashes with staff: 10%, more than the 5% allowed.
        try warehouse.update("student", login: "T1", ["LIBRARY_ID": "3101"])
        let output = directory.appending("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: output.appendingPathComponent("staff_old.zip"))
        let (summary, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 0))
        guard case .failed(let stage, let message) = summary.outcome else { Issue.record("expected failure"); return }
        #expect(stage == .preflight)
        #expect(message.hasPrefix("The pre-flight would leave out 1 of 10 student patrons (10.0%, more than the 5% allowed); nothing was removed or delivered"))
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("staff_old.zip").path))
        var raised = Self.configuration(warehouse, output: output, day: 0)
        raised.maxLeftOutPercent = 20
        #expect(await LoadJobTests.run(raised).0.outcome == .delivered)
    }

    @Test func aDamagedHistorySaysSoAndChangesNothing() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        let output = directory.appending("out")
        _ = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 0))
        let manifest = output.appendingPathComponent("history/manifest.bin.gz")
        let bytes = try Data(contentsOf: manifest)
        try bytes.prefix(bytes.count / 2).write(to: manifest)
        let (summary, _) = await LoadJobTests.run(Self.configuration(warehouse, output: output, day: 1))
        guard case .failed(let stage, let message) = summary.outcome else { Issue.record("expected failure"); return }
        #expect(stage == .history)
        #expect(message.contains("is damaged"), "\(message)")
        #expect(message.contains(output.appendingPathComponent("history").path) && !message.contains("previous.manifest"), "names where the history lives: \(message)")
        #expect(summary.removed.isEmpty)
    }

    @Test func manifestsRoundTripInHashOrder() throws {
        let directory = TemporaryDirectory()
        let path = directory.appending("m.gz").path
        let header = ManifestHeader(runID: "r", runDate: "2026-11-22", fullLoad: true, lastFullLoad: "2026-11-22", profile: "p")
        let trailer = ManifestTrailer(types: [.init(name: "staff", read: 3, written: 2, patrons: 2)], files: ["a.zip"], archive: [])
        var entries: [ManifestEntry] = []
        for index in 0..<5000 {
            let type = index % 3 == 0 ? "staff" : "student"
            entries.append(ManifestEntry(type: type, primaryID: "P\(index)@MIT.EDU", digest: UInt64(index) &* 0x9E37_79B9, fieldHashes: UInt64(index)))
        }
        entries.sort { $0.idHash < $1.idHash }
        let writer = try ManifestWriter(path: path, header: header, typeNames: ["staff", "student"])
        for entry in entries { try writer.append(entry, idHash: entry.idHash) }
        try writer.finish(trailer)
        let reader = try ManifestReader(path: path)
        #expect(reader.header == header)
        var read: [ManifestEntry] = []
        while let (entry, _) = try reader.next() { read.append(entry) }
        #expect(read == entries)
        #expect(reader.trailer == trailer)
        // 5,000 patrons in a few bytes each, compressed.
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        #expect(size < 5000 * 40)
    }
}
