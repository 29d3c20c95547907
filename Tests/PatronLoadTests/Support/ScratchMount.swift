import Foundation

/// A folder made read-only, or a small file system that fills up, for the messages an operator
/// meets on a real disk. Needs `mount` (root with CAP_SYS_ADMIN); `isAvailable` says whether
/// this machine has it, and the tests that need it are enabled only then.
final class ScratchMount: @unchecked Sendable {
    let url: URL
    private var mounted = true

    /// A read-only view of `folder` mounted over itself.
    static func readOnly(_ folder: URL) throws -> ScratchMount {
        try ScratchMount(folder, ["--bind", "-o", "ro", folder.path, folder.path])
    }

    /// A tmpfs of `kibibytes` at `folder`.
    static func tmpfs(_ folder: URL, kibibytes: Int) throws -> ScratchMount {
        try ScratchMount(folder, ["-t", "tmpfs", "-o", "size=\(kibibytes)k", "tmpfs", folder.path])
    }

    private init(_ folder: URL, _ arguments: [String]) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard Self.run("/bin/mount", arguments) else { throw CocoaError(.featureUnsupported) }
        url = folder
    }

    deinit {
        unmount()
    }

    func unmount() {
        if mounted { _ = Self.run("/bin/umount", [url.path]) }
        mounted = false
    }

    static let isAvailable: Bool = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("patronload-mount-\(UUID().uuidString)")
        guard let mount = try? tmpfs(folder, kibibytes: 16) else { return false }
        mount.unmount()
        try? FileManager.default.removeItem(at: folder)
        return true
    }()

    private static func run(_ executable: String, _ arguments: [String]) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: executable) else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
