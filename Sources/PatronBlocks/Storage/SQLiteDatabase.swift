import Backoff
import Foundation
import SQLite
import Synchronization

/// An SQLite file shared by the service: one writer (an actor, so writes queue in order) and a
/// pool of readers that run beside it in WAL mode. SQLite calls are short and local, so they run
/// on the caller's thread.
public final class SQLiteDatabase: Sendable {
    public let path: String
    private let writer: Writer
    private let readers = Mutex<[Pooled]>([])

    public init(path: String) throws {
        self.path = path
        let connection = try SQLiteConnection(path: path, mode: .readWriteCreate)
        try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        connection.setBusyTimeout(milliseconds: 10_000)
        writer = Writer(Pooled(connection))
    }

    /// Several processes on one file (instances sharing it) take turns through SQLite's busy
    /// timeout; one that still finds the file busy after it tries again a few times.
    static let busyRetry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100), maxDelay: .seconds(1))

    /// Runs `body` as the only writer. A body is one transaction (or one statement), which SQLite
    /// rolled back when it found the file busy, so it is run again whole.
    public func write<R: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> R) async throws -> R {
        do {
            return try await Self.busyRetry.run(retryable: { ($0 as? SQLiteError)?.isBusy == true }) { _ in try await writer.run(body) }
        } catch let error as SQLiteError where error.isBusy {
            throw StorageConflict(kind: .busy, attempts: Self.busyRetry.maxAttempts - 1, underlying: error)
        }
    }

    /// Runs `body` on a reader connection (several can read at once, beside the writer).
    public func read<R>(_ body: (SQLiteConnection) throws -> R) throws -> R {
        let pooled = try readers.withLock { pool -> Pooled in
            if let pooled = pool.popLast() { return pooled }
            let connection = try SQLiteConnection(path: path, mode: .readWrite)
            connection.setBusyTimeout(milliseconds: 10_000)
            return Pooled(connection)
        }
        defer { readers.withLock { pool in if pool.count < 16 { pool.append(pooled) } } }
        return try body(pooled.connection)
    }

    /// Runs `body` in one read transaction: its SELECTs see one snapshot (WAL), never a write
    /// committed between two of them.
    public func readTransaction<R>(_ body: (SQLiteConnection) throws -> R) throws -> R {
        try read { connection in try connection.transaction(immediate: false) { try body(connection) } }
    }

    private actor Writer {
        let pooled: Pooled

        init(_ pooled: Pooled) {
            self.pooled = pooled
        }

        func run<R: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> R) throws -> R {
            try body(pooled.connection)
        }
    }

    /// A connection used by one caller at a time (the pool and the actor see to it).
    private final class Pooled: @unchecked Sendable {
        let connection: SQLiteConnection
        init(_ connection: SQLiteConnection) { self.connection = connection }
    }
}
