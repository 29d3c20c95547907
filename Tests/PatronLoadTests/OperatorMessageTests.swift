import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronLoad
#if canImport(Glibc)
import Glibc
#endif

/// Messages that name the real cause, not the symptom the cause produced further on.
@Suite struct OperatorMessageTests {
    static let fileFailures: [(String, @Sendable () -> any Error, String)] = [
        ("full disk (Foundation)", { CocoaError(.fileWriteOutOfSpace) }, "the disk is full (no space left on device)"),
        ("full disk (POSIX)", { POSIXError(.ENOSPC) }, "the disk is full (no space left on device)"),
        ("read-only volume", { CocoaError(.fileWriteVolumeReadOnly) }, "the file system is read-only"),
        ("no permission", { CocoaError(.fileWriteNoPermission) }, "permission denied (the user running patronload may not write there)"),
        ("read-only, underlying", { CocoaError(.fileWriteUnknown, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS))]) }, "the file system is read-only"),
        ("a file in the path", { CocoaError(.fileWriteUnknown, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOTDIR))]) }, "a part of the path is a file, not a folder"),
        ("quota", { POSIXError(.EDQUOT) }, "the disk quota is used up"),
    ]

    @Test(arguments: fileFailures)
    func aFileFailureNamesItsCause(_ name: String, _ error: @Sendable () -> any Error, _ expected: String) {
        #expect(FileFailure.reason(error()) == expected, "\(name)")
    }

    // MARK: - The run lock

    @Test func aLockFolderThatCannotBeCreatedIsNotCalledAMissingFile() async throws {
        let directory = TemporaryDirectory()
        try Data("not a folder".utf8).write(to: directory.appending("out"))
        let path = directory.appending("out/history/patronload.lock").path
        let error = await #expect(throws: RunLockError.self) { try await LocalRunLock(path: path).acquire(LockHolder(runID: "r")) }
        #expect(error?.description == "Cannot take the run lock \(path): cannot create the folder \(directory.path)/out/history: a part of the path is a file, not a folder")
    }

    @Test(.enabled(if: ScratchMount.isAvailable, "needs mount (root)"))
    func aReadOnlyOutputFolderIsCalledReadOnly() async throws {
        let directory = TemporaryDirectory()
        let output = directory.appending("out")
        let mount = try ScratchMount.readOnly(output)
        defer { mount.unmount(); _ = directory }
        let path = output.appendingPathComponent("history/patronload.lock").path
        let error = await #expect(throws: RunLockError.self) { try await LocalRunLock(path: path).acquire(LockHolder(runID: "r")) }
        #expect(error?.description == "Cannot take the run lock \(path): cannot create the folder \(output.path)/history: the file system is read-only")
    }

    // MARK: - The history on a full disk

    @Test func aFullDiskWhileStoringHistoryIsSaidSoAndLeavesNoPartialFile() async throws {
        let directory = TemporaryDirectory()
        let history = directory.appending("history")
        var store = LocalHistoryStore(directory: history)
        let source = directory.appending("next.manifest.gz")
        try Data(repeating: 7, count: 10_000).write(to: source)
        try await store.storeManifest(from: source.path)
        let stored = try Data(contentsOf: history.appendingPathComponent("manifest.bin.gz"))

        // The disk fills half-way through the copy.
        store.copy = { from, to in
            try Data(repeating: 1, count: 100).write(to: URL(fileURLWithPath: to))
            throw CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: to])
        }
        let error = await #expect(throws: HistoryError.self) { try await store.storeManifest(from: source.path) }
        #expect(error?.description == "Cannot store the run history at \(history.path)/manifest.bin.gz: the disk is full (no space left on device)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: history.path) == ["manifest.bin.gz"])
        #expect(try Data(contentsOf: history.appendingPathComponent("manifest.bin.gz")) == stored, "the last stored history stands")
    }

    @Test(.enabled(if: ScratchMount.isAvailable, "needs mount (root)"))
    func aRealFullDiskWhileStoringHistory() async throws {
        let directory = TemporaryDirectory()
        let history = directory.appending("history")
        let mount = try ScratchMount.tmpfs(history, kibibytes: 64)
        defer { mount.unmount(); _ = directory }
        let source = directory.appending("next.manifest.gz")
        try Data(repeating: 7, count: 256 * 1024).write(to: source)
        let error = await #expect(throws: HistoryError.self) { try await LocalHistoryStore(directory: history).storeManifest(from: source.path) }
        #expect(error?.description == "Cannot store the run history at \(history.path)/manifest.bin.gz: the disk is full (no space left on device)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: history.path) == [])
    }

    // MARK: - The SQLite warehouse

    @Test func anEmptyQueryIsCalledEmpty() async throws {
        let directory = TemporaryDirectory()
        let warehouse = try TinyWarehouse.standard(in: directory)
        for sql in ["", "  ", "-- only a comment"] {
            let error = await #expect(throws: WarehouseError.self) { _ = try await SQLitePatronSource(path: warehouse.path).openCursor(sql) }
            #expect(error?.message == "The query failed on SQLite file \(warehouse.path): the SQL holds no statement (it is empty or only comments); fix the query in the profile")
        }
    }

    @Test func aFileThatIsNotADatabaseIsCalledSoAtConnect() async throws {
        let directory = TemporaryDirectory()
        let path = directory.appending("warehouse.csv").path
        try Data(String(repeating: "MIT_ID,KRB_NAME_UPPERCASE\n900000001,JDOE\n", count: 100).utf8).write(to: URL(fileURLWithPath: path))
        let source = SQLitePatronSource(path: path)
        let expected = "The file \(path) is not an SQLite database (or is encrypted); check DATA_WAREHOUSE_URL"
        let connect = await #expect(throws: WarehouseError.self) { _ = try await source.serverVersion() }
        #expect(connect?.message == expected)
        let query = await #expect(throws: WarehouseError.self) { _ = try await source.openCursor("SELECT * FROM LIBRARY_EMPLOYEE") }
        #expect(query?.message == expected)
    }

    @Test func anEmptyFileIsNotTakenForAnEmptyWarehouse() async throws {
        let directory = TemporaryDirectory()
        let path = directory.appending("warehouse.sqlite").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let error = await #expect(throws: WarehouseError.self) { _ = try await SQLitePatronSource(path: path).serverVersion() }
        #expect(error?.message == "The SQLite warehouse \(path) is an empty file (0 bytes), not a database; check DATA_WAREHOUSE_URL")
    }

    @Test func aFolderGivenAsTheWarehouseIsCalledAFolder() async throws {
        let directory = TemporaryDirectory()
        let error = await #expect(throws: WarehouseError.self) { _ = try await SQLitePatronSource(path: directory.path).serverVersion() }
        #expect(error?.message == "The SQLite warehouse \(directory.path) is a folder, not a database file; check DATA_WAREHOUSE_URL (sqlite:PATH names the file)")
    }

    @Test func theConnectionTestNamesAFolderGivenAsTheWarehouse() async throws {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(at: directory.appending("demo"), withIntermediateDirectories: true)
        let result = try await Executable.runWithoutBlocking("patronload", ["-t", "--warehouse", "sqlite:demo"], in: directory.url)
        #expect(result.status == 3)
        #expect(result.stderr.split(separator: "\n").last == "patronload: The SQLite warehouse demo is a folder, not a database file; check DATA_WAREHOUSE_URL (sqlite:PATH names the file)")
    }
}
