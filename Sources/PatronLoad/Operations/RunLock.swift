import AWS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Who holds a run lock: enough for a person to find the other run.
public struct LockHolder: Codable, Sendable, Equatable {
    public var runID: String
    public var host: String
    public var pid: Int32
    public var since: Date

    public init(runID: String, host: String = ProcessInfo.processInfo.hostName, pid: Int32 = ProcessInfo.processInfo.processIdentifier, since: Date = Date()) {
        self.runID = runID
        self.host = host
        self.pid = pid
        self.since = since
    }

    var line: String {
        "run \(runID), pid \(pid) on \(host), since \(since.formatted(Date.ISO8601FormatStyle()))"
    }
}

/// Keeps two runs from overlapping: taken before anything is read, released at the end.
public protocol RunLock: Sendable {
    var description: String { get }
    /// Takes the lock, or throws `RunLockError.held` naming the run that has it.
    func acquire(_ holder: LockHolder) async throws -> any HeldRunLock
}

public protocol HeldRunLock: Sendable {
    /// Something the report should say about the lock (a stale one taken over).
    var note: String? { get }
    func release() async
}

public enum RunLockError: Error, Sendable, Equatable, CustomStringConvertible {
    case held(location: String, holder: String, hint: String)
    case unusable(location: String, reason: String)

    public var description: String {
        switch self {
        case .held(let location, let holder, let hint):
            "Another patronload run is in progress (\(holder)); it holds \(location). This run stopped before reading anything. \(hint)"
        case .unusable(let location, let reason):
            "Cannot take the run lock \(location): \(reason)"
        }
    }
}

/// A file locked with `flock(2)`: the kernel releases it when its process ends, however it ends,
/// so a crashed run never leaves a stale lock. For runs on one machine (or one shared disk).
public struct LocalRunLock: RunLock {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var description: String { path }

    public func acquire(_ holder: LockHolder) async throws -> any HeldRunLock {
        // A folder that cannot be created would otherwise surface as a lock file that does not exist.
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw RunLockError.unusable(location: path, reason: "cannot create the folder \(folder): \(FileFailure.reason(error))")
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw RunLockError.unusable(location: path, reason: FileFailure.reason(errno: errno)) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let current = (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { try? JSONDecoder.iso.decode(LockHolder.self, from: Data($0.utf8)) }
            close(descriptor)
            guard reason == EWOULDBLOCK else { throw RunLockError.unusable(location: path, reason: FileFailure.reason(errno: reason)) }
            throw RunLockError.held(location: path, holder: current?.line ?? "holder unknown",
                                    hint: "It is released when that run ends; wait for it, or stop it if it hangs.")
        }
        // Who holds it, for the next run to name.
        let text = (try? JSONEncoder.iso.encode(holder)) ?? Data()
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return Held(descriptor: descriptor)
    }

    final class Held: HeldRunLock, @unchecked Sendable {
        private var descriptor: Int32

        init(descriptor: Int32) {
            self.descriptor = descriptor
        }

        var note: String? { nil }

        func release() async {
            guard descriptor >= 0 else { return }
            _ = ftruncate(descriptor, 0)
            flock(descriptor, LOCK_UN)
            close(descriptor)
            descriptor = -1
        }

        deinit {
            if descriptor >= 0 { close(descriptor) }
        }
    }
}

/// An S3 object written only if absent (`If-None-Match: *`), for runs that share nothing but the
/// bucket (ECS tasks, Kubernetes jobs). A run that dies cannot delete it, so a lock older than
/// `staleAfter` is taken over, with a warning in the report.
public struct S3RunLock: RunLock {
    public let bucket: String
    public let key: String
    let client: S3Client
    public let staleAfter: TimeInterval

    public init(bucket: String, key: String, client: S3Client, staleAfter: TimeInterval) {
        self.bucket = bucket
        self.key = key
        self.client = client
        self.staleAfter = staleAfter
    }

    public var description: String { "s3://\(bucket)/\(key)" }

    public func acquire(_ holder: LockHolder) async throws -> any HeldRunLock {
        let body = [UInt8]((try? JSONEncoder.iso.encode(holder)) ?? Data())
        var takenOver: String?
        for attempt in 1...2 {
            do {
                _ = try await client.putObject(bucket: bucket, key: key, bytes: body, contentType: "application/json", ifNoneMatch: true)
                return Held(lock: self, note: takenOver.map { "took over a stale run lock at \(description) (\($0)): that run ended without releasing it" })
            } catch let error as AWSError where error.status == 412 || error.status == 409 {
                let bytes: [UInt8]
                do {
                    bytes = try await client.getObject(bucket: bucket, key: key)
                } catch let error as AWSError where error.status == 404 {
                    continue   // released between the two calls: try again
                }
                // A lock that cannot be read is held, not stale: only a known age lets a run take it over.
                let current = try? JSONDecoder.iso.decode(LockHolder.self, from: Data(bytes))
                guard attempt == 1, RunPolicy(lockStaleAfter: staleAfter).lockIsStale(since: current?.since, now: holder.since) else {
                    throw RunLockError.held(location: description, holder: current?.line ?? "holder unknown",
                                            hint: "A lock older than \(Int(staleAfter / 3600)) hours is taken over; if no run is going on, delete the object.")
                }
                // The run that wrote it is long gone (a task killed before its end).
                takenOver = current?.line ?? "holder unknown"
                _ = try await client.deleteObjects(bucket: bucket, keys: [key])
            } catch let error as RunLockError {
                throw error
            } catch {
                throw RunLockError.unusable(location: description, reason: "\(error)")
            }
        }
        throw RunLockError.unusable(location: description, reason: "taken over by another run at the same moment")
    }

    struct Held: HeldRunLock {
        let lock: S3RunLock
        let note: String?

        func release() async {
            _ = try? await lock.client.deleteObjects(bucket: lock.bucket, keys: [lock.key])
        }
    }
}

extension JSONEncoder {
    static var iso: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension JSONDecoder {
    static var iso: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
