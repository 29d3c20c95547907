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

    /// Runs `body` as the only writer.
    public func write<R: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> R) async throws -> R {
        try await writer.run(body)
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
