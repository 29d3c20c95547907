import Foundation
import Logging

/// Where a run builds its files, and the promise that the patron records in them never outlive
/// the run: a real run stages beside its destination (the final move is a rename); a dry run in
/// a private temp folder, so that it leaves nothing where Alma reads and needs no lock.
struct StagingArea {
    var destination: any Destination
    var dryRun: Bool
    var runID: String
    var stop: StopRequest
    var logger: Logger

    /// Creates the run's folder (readable by its owner only) and its `work` folder for records.
    func create() throws(RunFailure) -> URL {
        do {
            let staging: URL
            if dryRun {
                staging = FileManager.default.temporaryDirectory.appendingPathComponent(DryRunFolders.name(runID: runID), isDirectory: true)
                try FileManager.default.createPrivateDirectory(at: staging)
            } else {
                staging = try destination.stagingDirectory(runID: runID)
            }
            stop.register(staging)
            try FileManager.default.createPrivateDirectory(at: Self.work(in: staging))
            return staging
        } catch {
            throw .packaging(PackagingError.io(path: destination.description, reason: "cannot create a staging folder: \(error.localizedDescription)"))
        }
    }

    static func work(in staging: URL) -> URL {
        staging.appendingPathComponent("work", isDirectory: true)
    }

    /// Removes the run's folder; a warning for the report when it cannot.
    func remove(_ staging: URL) -> String? {
        defer { stop.unregister(staging) }
        do {
            try FileManager.default.removeItem(at: staging)
            return nil
        } catch {
            let warning = "cannot remove the staging folder \(staging.path): \(error.localizedDescription); it holds patron records, remove it by hand"
            logger.error("\(warning)")
            return warning
        }
    }

    /// Dry runs take no lock, so their folders are told apart by process: those of processes
    /// that no longer exist (a dry run killed with SIGKILL) are removed, by any run.
    func removeDeadDryRuns(in directory: URL = FileManager.default.temporaryDirectory) -> [String] {
        remove(DryRunFolders.orphans(in: directory), left: "folder(s) that killed dry runs left behind",
               failed: "the folder %@ that a killed dry run left behind")
    }

    /// Removes the staging folders that runs killed before they could clean up left behind, with
    /// patron records in them. Only under the destination's lock, so none belongs to a live run.
    /// Returns the report's lines.
    func removeLeftovers() -> [String] {
        remove(destination.leftoverStagingDirectories(), left: "staging folder(s) that stopped runs left behind",
               failed: "the staging folder %@ that an earlier run left behind")
    }

    /// Removes the folders; the report's lines say what was removed and what could not be.
    private func remove(_ folders: [URL], left: String, failed: String) -> [String] {
        var lines: [String] = []
        var removed: [String] = []
        for folder in folders {
            do {
                try FileManager.default.removeItem(at: folder)
                removed.append(folder.lastPathComponent)
            } catch {
                let warning = "cannot remove \(failed.replacingOccurrences(of: "%@", with: folder.path)): \(error.localizedDescription); it may hold patron records, remove it by hand"
                lines.append(warning)
                logger.error("\(warning)")
            }
        }
        if !removed.isEmpty {
            let note = "removed \(removed.count) \(left) (\(removed.joined(separator: ", "))), with the patron records in them"
            lines.append(note)
            logger.notice("\(note)")
        }
        return lines
    }

    /// A dry run's checked zips, moved to the folder the operator asked for (never where Alma
    /// reads); returns them at their new paths.
    static func keep(_ zips: [BuiltZip], in folder: String) throws(RunFailure) -> [BuiltZip] {
        let target = URL(fileURLWithPath: folder, isDirectory: true)
        do {
            try FileManager.default.createPrivateDirectory(at: target)
            return try zips.map { zip in
                var kept = zip
                let path = target.appendingPathComponent(zip.fileName).path
                try? FileManager.default.removeItem(atPath: path)
                try FileManager.default.moveItem(atPath: zip.path, toPath: path)
                kept.path = path
                return kept
            }
        } catch {
            throw .packaging(.io(path: folder, reason: "cannot keep the dry run's files: \(error.localizedDescription)"))
        }
    }
}

/// `patronload-dry-run-<run>-p<pid>-<random>` in the temp folder: the process id says whether the
/// dry run that made it can still be running.
enum DryRunFolders {
    static let prefix = "patronload-dry-run-"

    static func name(runID: String, pid: Int32 = getpid()) -> String {
        "\(prefix)\(runID)-p\(pid)-\(UUID().uuidString.prefix(8))"
    }

    /// The process id in a folder name, nil for a name of another form.
    static func pid(of name: String) -> Int32? {
        guard name.hasPrefix(prefix) else { return nil }
        let parts = name.split(separator: "-")
        guard parts.count >= 2, let part = parts.dropLast().last, part.first == "p" else { return nil }
        return Int32(part.dropFirst())
    }

    static func orphans(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name in
            // A pid that no longer exists (ESRCH); a live one, even another user's (EPERM), is kept.
            guard let pid = pid(of: name), pid > 0, kill(pid, 0) == -1, errno == ESRCH else { return nil }
            return directory.appendingPathComponent(name, isDirectory: true)
        }
    }
}
