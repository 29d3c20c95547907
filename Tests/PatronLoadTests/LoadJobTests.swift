import PatronSyncTestSupport
import DemoWarehouse
import Foundation
import SQLite
import Testing
@testable import PatronLoad

/// End to end on the embedded default: a generated SQLite warehouse → zips in a local folder.
@Suite struct LoadJobTests {
    struct Run {
        let directory: TemporaryDirectory
        let warehouse: String
        let output: URL
        let summary: RunSummary
        let runLog: RunLog
    }

    static func generate(staff: Int, students: Int, in directory: TemporaryDirectory) throws -> String {
        let path = directory.appending("warehouse.sqlite").path
        try DemoWarehouseWriter.writeSQLite(DemoPatronGenerator(spec: .init(staff: staff, students: students)), to: path)
        return path
    }

    static func configuration(warehouse: String, output: URL, mode: RunMode = .load, profile: LoadedProfile = Fixtures.profile,
                              limits: PackagingLimits = PackagingLimits(), notifierDirectory: URL? = nil) -> LoadConfiguration {
        LoadConfiguration(
            mode: mode,
            warehouse: .sqlite(path: warehouse),
            profile: profile,
            destination: .local(directory: output.path),
            notifiers: [.file(directory: (notifierDirectory ?? output.appendingPathComponent("reports")).path)],
            limits: limits,
            verification: mode == .dryRun ? .schema : .integrity,
            now: Fixtures.now
        )
    }

    static func run(_ configuration: LoadConfiguration) async -> (RunSummary, RunLog) {
        let runLog = RunLog()
        let job = LoadJob.build(configuration, runLog: runLog, logger: Fixtures.logger(runLog))
        return (await job.run(), runLog)
    }

    /// What the warehouse should produce, computed straight from its rows with the reference rules
    /// (staff first, IDs compared ignoring case, rows without a login rejected).
    static func expectedIDs(warehouse: String) throws -> (staff: Set<String>, student: Set<String>, rejected: [String: Int]) {
        let connection = try SQLiteConnection(path: warehouse, mode: .readOnly)
        var seen = Set<String>()
        var result: [String: Set<String>] = [:]
        var rejected: [String: Int] = [:]
        for (type, table) in [("staff", "LIBRARY_EMPLOYEE"), ("student", "LIBRARY_STUDENT")] {
            var ids = Set<String>()
            for row in try connection.rows("SELECT KRB_NAME_UPPERCASE FROM \(table)") {
                let login = (row[0].text ?? "").trimmingCharacters(in: .whitespaces)
                if login.isEmpty { rejected[type, default: 0] += 1; continue }
                let id = (login + "@MIT.EDU").uppercased()
                if seen.insert(id).inserted { ids.insert(id) }
            }
            result[type] = ids
        }
        return (result["staff"]!, result["student"]!, rejected)
    }

    static func writtenIDs(in output: URL) throws -> [String: [String]] {
        var byType: [String: [String]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: output.path) where name.hasSuffix(".zip") {
            let type = String(name.prefix { $0 != "_" })
            let archive = try ZipArchiveReader(path: output.appendingPathComponent(name).path)
            for entry in archive.entries {
                let reader = try UserXMLReader.parse(try archive.data(of: entry))
                byType[type, default: []] += reader.users.compactMap { $0.fields["primary_id"] }
            }
        }
        return byType
    }

    @Test func nightlyRunWritesEveryPatronExactlyOnceInTheRightType() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.generate(staff: 1_500, students: 2_500, in: directory)
        let output = directory.appending("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        // Yesterday's files: the zip goes, what Alma renamed and anything else stays.
        for name in ["staff_2026-11-21_02.00.00.zip", "student_2026-11-21_02.00.00.ZIP", "staff_2026-11-20_02.00.00.zip.handled", "notes.txt"] {
            try Data("old".utf8).write(to: output.appendingPathComponent(name))
        }

        let (summary, runLog) = await Self.run(Self.configuration(warehouse: warehouse, output: output))

        #expect(summary.outcome == .delivered)
        #expect(Set(summary.removed) == ["staff_2026-11-21_02.00.00.zip", "student_2026-11-21_02.00.00.ZIP"])
        let remaining = Set(try FileManager.default.contentsOfDirectory(atPath: output.path))
        // The destination's run lock sits beside the zips; Alma's pickup reads only `.zip` files.
        #expect(remaining == ["staff_2026-11-22_02.00.00.zip", "student_2026-11-22_02.00.00.zip", "staff_2026-11-20_02.00.00.zip.handled", "notes.txt", "reports", ".patronload.lock"])

        let expected = try Self.expectedIDs(warehouse: warehouse)
        let written = try Self.writtenIDs(in: output)
        let staff = written["staff"] ?? []
        let students = written["student"] ?? []
        #expect(staff.count == Set(staff.map { $0.uppercased() }).count, "a staff ID was written twice")
        #expect(students.count == Set(students.map { $0.uppercased() }).count, "a student ID was written twice")
        #expect(Set(staff.map { $0.uppercased() }) == expected.staff)
        #expect(Set(students.map { $0.uppercased() }) == expected.student)
        #expect(expected.staff.isDisjoint(with: expected.student))

        let staffCounts = try #require(summary.counts(for: "staff"))
        let studentCounts = try #require(summary.counts(for: "student"))
        #expect(staffCounts.read == 1_500 && studentCounts.read == 2_500)
        #expect(staffCounts.written == expected.staff.count && studentCounts.written == expected.student.count)
        #expect(staffCounts.rejected == expected.rejected["staff"] && studentCounts.rejected == expected.rejected["student"])
        #expect(studentCounts.skippedAsEarlierType > 50, "the generator makes about 5% student employees")
        #expect(staffCounts.isBalanced && studentCounts.isBalanced)

        // Every rejected row is in the log by its institutional ID.
        let rejectedLines = runLog.lines.filter { $0.contains("missing primary login ID") }
        #expect(rejectedLines.count == staffCounts.rejected + studentCounts.rejected)

        let report = try String(contentsOf: output.appendingPathComponent("reports/patronload_2026-11-22_02.00.00.report.txt"), encoding: .utf8)
        #expect(report.contains("patronload run 2026-11-22_02.00.00: delivered"))
        let studentLine = report.split(separator: "\n").first { $0.hasPrefix("student ") }
        #expect(studentLine?.split(separator: " ").map(String.init) == ["student", "2500", "\(studentCounts.written)", "\(studentCounts.rejected)", "\(studentCounts.skippedAsEarlierType)", "\(studentCounts.skippedAsRepeat)", "\(studentCounts.leftOut)"])
        #expect(report.contains("Successfully connected to SQLite version:"))
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent(".staging-2026-11-22_02.00.00").path))
    }

    @Test(.enabled(if: XMLLint.isAvailable, "xmllint (libxml2-utils) is installed by scripts/test.sh"))
    func producedFilesValidateWithXmllint() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.generate(staff: 400, students: 600, in: directory)
        let output = directory.appending("out")
        let (summary, _) = await Self.run(Self.configuration(warehouse: warehouse, output: output))
        #expect(summary.outcome == .delivered)
        let ours = try #require(LoadConfiguration.bundledSchemaPath)
        for delivered in summary.delivered {
            let archive = try ZipArchiveReader(path: delivered.location)
            for entry in archive.entries {
                let xml = try archive.data(of: entry)
                let file = directory.appending(entry.name)
                try Data(xml).write(to: file)
                let result = try XMLLint.validate(file: file.path, schema: ours)
                #expect(result.ok, "\(entry.name): \(result.output)")
                if let alma = XMLLint.almaSchema {
                    // Alma's schema declares the root <users>; the reference profile writes <userRecords>.
                    let renamed = directory.appending("alma-" + entry.name)
                    try Data(String(decoding: xml, as: UTF8.self).replacingOccurrences(of: "userRecords>", with: "users>").utf8).write(to: renamed)
                    let almaResult = try XMLLint.validate(file: renamed.path, schema: alma)
                    #expect(almaResult.ok, "Alma's schema, \(entry.name): \(almaResult.output.suffix(2000))")
                }
            }
        }
    }

    @Test func dryRunBuildsAndValidatesButTouchesNothing() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.generate(staff: 300, students: 500, in: directory)
        let output = directory.appending("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: output.appendingPathComponent("staff_2026-11-21_02.00.00.zip"))

        var configuration = Self.configuration(warehouse: warehouse, output: output, mode: .dryRun)
        configuration.dryRunOutput = directory.appending("kept").path
        let (summary, _) = await Self.run(configuration)

        #expect(summary.outcome == .dryRun)
        #expect(summary.removed.isEmpty && summary.delivered.isEmpty)
        // The destination holds exactly what it held: no staging folder, no new zip.
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: output.path)) == ["staff_2026-11-21_02.00.00.zip", "reports"])
        let kept = try #require(summary.dryRunFiles)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: kept)) == ["staff_2026-11-22_02.00.00.zip", "student_2026-11-22_02.00.00.zip"])
        #expect(summary.types.map(\.written).reduce(0, +) > 700)
        let report = RunReport(summary: summary, workspace: "qa", logLines: [])
        #expect(report.subject == "QA Patronload file creation 2026-11-22 DRY RUN")
        #expect(report.summaryText.contains("Dry run: nothing was removed or delivered; the files are in \(kept)"))
    }

    /// Without --dry-run-output a dry run leaves nothing anywhere: not in the destination, not in
    /// the temp folder.
    @Test func dryRunWithoutOutputLeavesNothing() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.generate(staff: 30, students: 50, in: directory)
        let output = directory.appending("out")
        let temp = FileManager.default.temporaryDirectory
        // A clock of its own, so that no other test's dry run shares its run ID.
        var configuration = Self.configuration(warehouse: warehouse, output: output, mode: .dryRun)
        configuration.now = Fixtures.now.addingTimeInterval(9 * 86_400 + 17)
        let prefix = "patronload-dry-run-" + LoadJob.stamp(configuration.now)
        let before = Set(FileManager.default.subfolders(of: temp, prefix: prefix).map(\.path))
        #expect(before.isEmpty)
        let (summary, _) = await Self.run(configuration)
        #expect(summary.outcome == .dryRun)
        #expect(summary.dryRunFiles == nil)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: output.path))?.filter { $0 != "reports" } ?? [] == [])
        #expect(FileManager.default.subfolders(of: temp, prefix: prefix).isEmpty)
        #expect(RunReport(summary: summary, workspace: "qa", logLines: []).summaryText.contains("the files were checked and removed"))
    }

    /// A process that has exited: its pid no longer exists.
    static func endedProcess() throws -> Int32 {
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        return ended.processIdentifier
    }

    /// A dry run killed with SIGKILL leaves its folder (and patron records) in the temp folder:
    /// removed and reported, never one of a dry run still running.
    @Test func aKilledDryRunsFolderIsRemovedAndReported() throws {
        let directory = TemporaryDirectory()
        let dead = directory.url.appendingPathComponent(DryRunFolders.name(runID: "2026-11-01_02.00.00", pid: try Self.endedProcess()))
        let alive = directory.url.appendingPathComponent(DryRunFolders.name(runID: "2026-11-01_02.00.00"))
        let other = directory.url.appendingPathComponent("patronload-dry-run-2026-11-01_02.00.00-1a2b3c4d")
        for folder in [dead, alive, other] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("work"), withIntermediateDirectories: true)
        }
        #expect(DryRunFolders.pid(of: other.lastPathComponent) == nil, "another form is never taken for a pid")
        let staging = StagingArea(destination: LocalDirectoryDestination(directory: directory.appending("out")), dryRun: true, runID: "x",
                                  stop: StopRequest(), logger: Fixtures.logger(RunLog()))
        #expect(staging.removeDeadDryRuns(in: directory.url) == ["removed 1 folder(s) that killed dry runs left behind (\(dead.lastPathComponent)), with the patron records in them"])
        #expect(!FileManager.default.fileExists(atPath: dead.path))
        #expect(FileManager.default.fileExists(atPath: alive.path) && FileManager.default.fileExists(atPath: other.path))
    }

    /// Any run cleans up after killed dry runs on its machine.
    @Test func theNextRunRemovesAKilledDryRunsFolder() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.generate(staff: 5, students: 5, in: directory)
        let dead = FileManager.default.temporaryDirectory.appendingPathComponent(DryRunFolders.name(runID: "2026-11-01_02.00.00", pid: try Self.endedProcess()))
        try FileManager.default.createDirectory(at: dead.appendingPathComponent("work"), withIntermediateDirectories: true)
        let (summary, _) = await Self.run(Self.configuration(warehouse: warehouse, output: directory.appending("out"), mode: .dryRun))
        #expect(summary.outcome == .dryRun)
        // Removed by this run or by another test's run beside it.
        #expect(!FileManager.default.fileExists(atPath: dead.path))
    }

    @Test func connectionTestReportsTheVersionAndDoesNothingElse() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.generate(staff: 10, students: 10, in: directory)
        let output = directory.appending("out")
        let (summary, _) = await Self.run(Self.configuration(warehouse: warehouse, output: output, mode: .connectionTest))
        #expect(summary.outcome == .connectionTested)
        #expect(summary.serverVersion?.product == "SQLite")
        #expect(summary.serverVersion?.version == SQLiteConnection.libraryVersion)
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test func aMissingWarehouseFailsBeforeAnythingIsRemoved() async throws {
        let directory = TemporaryDirectory()
        let output = directory.appending("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: output.appendingPathComponent("staff_old.zip"))
        let (summary, _) = await Self.run(Self.configuration(warehouse: directory.appending("missing.sqlite").path, output: output))
        guard case .failed(let stage, let message) = summary.outcome else { Issue.record("expected a failure"); return }
        #expect(stage == .warehouse)
        #expect(message.contains("does not exist"))
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("staff_old.zip").path))
        let reports = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("reports").path)
        #expect(reports.count == 1)
    }

    @Test func aQueryNamingAMissingColumnFailsWithTheDatabasesMessage() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.generate(staff: 20, students: 20, in: directory)
        let output = directory.appending("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: output.appendingPathComponent("student_old.zip"))
        var profile = Fixtures.profile
        profile.profile.patronTypes[1].query = "SELECT MIT_ID, HOME_DEPT FROM LIBRARY_STUDENT"
        let (summary, _) = await Self.run(Self.configuration(warehouse: warehouse, output: output, profile: profile))
        guard case .failed(let stage, let message) = summary.outcome else { Issue.record("expected a failure"); return }
        #expect(stage == .warehouse)
        #expect(message.contains("student: The query failed") && message.contains("no such column: HOME_DEPT"))
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("student_old.zip").path))
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent(".staging-2026-11-22_02.00.00").path))
    }

    @Test func aProfileNamingAColumnTheQueryLacksFailsBeforeReading() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.generate(staff: 20, students: 20, in: directory)
        var profile = Fixtures.profile
        profile.profile.patronTypes[0].columns.email = "WORK_EMAIL"
        profile.profile.patronTypes[0].userGroup.descColumn = "GROUP_NAME"
        let (summary, _) = await Self.run(Self.configuration(warehouse: warehouse, output: directory.appending("out"), profile: profile))
        guard case .failed(let stage, let message) = summary.outcome else { Issue.record("expected a failure"); return }
        #expect(stage == .configuration)
        // Every missing column, each with its JSON path, as `check-profile` names them.
        #expect(message.hasPrefix("The profile names columns its queries do not return: patronTypes[0].columns.email: the staff query returns no column WORK_EMAIL (it returns: MIT_ID,"))
        #expect(message.contains("; patronTypes[0].userGroup.descColumn: the staff query returns no column GROUP_NAME"))
    }

    @Test func aRunThatCannotFitAlmasLimitsDeliversNothing() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.generate(staff: 200, students: 200, in: directory)
        let output = directory.appending("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: output.appendingPathComponent("staff_old.zip"))
        let limits = PackagingLimits(maxXMLFilesPerZip: 2, maxZipsPerRun: 3, maxUsersPerXMLFile: 50)
        let (summary, _) = await Self.run(Self.configuration(warehouse: warehouse, output: output, limits: limits))
        guard case .failed(let stage, let message) = summary.outcome else { Issue.record("expected a failure"); return }
        #expect(stage == .packaging)
        #expect(message.contains("needs 4 zip files") && message.contains("at most 3 per import") && message.contains("nothing was deleted or delivered"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path).sorted() == [".patronload.lock", "reports", "staff_old.zip"])
    }

    @Test func aReportThatCannotBeSentDoesNotChangeTheOutcome() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try Self.generate(staff: 30, students: 30, in: directory)
        let blocked = directory.appending("not-a-folder")
        try Data("x".utf8).write(to: blocked)
        let (summary, _) = await Self.run(Self.configuration(warehouse: warehouse, output: directory.appending("out"), notifierDirectory: blocked))
        #expect(summary.outcome == .delivered)
        // A dead dry run's folder that another test plants in the shared temporary directory may
        // be cleaned up (and reported) by this run too.
        let own = summary.warnings.filter { !$0.contains("that killed dry runs left behind") }
        #expect(own.count == 1)
        #expect(own.first?.contains("the report could not be sent") == true)
    }
}

