import Foundation

/// Hands filled buffers from the thread that produces them to a thread of its own that consumes
/// them, so that one patron type's work runs on both cores at once: rendering beside deflate (CRC-32,
/// deflate, the write to disk), reading the warehouse beside serialising and hashing its records.
/// Without it each type ran on one core, and the second core idled once the smaller type was done.
///
/// Bounded: at most `depth` buffers exist (one filling, the others queued or being consumed), so
/// memory stays `depth × chunk` whatever the size of the feed. The consumer is a dedicated thread,
/// not a task: the producer waits when the consumer falls behind, and a cooperative thread must
/// never wait on work queued to the same (two-thread) cooperative pool.
final class ChunkPipeline<Chunk: Sendable>: @unchecked Sendable {
    // Everything below is guarded by `condition`, except `consume`, which only the worker calls.
    private let condition = NSCondition()
    private var queued: [Chunk] = []
    private var spare: [Chunk] = []
    /// Buffers made here; the caller brought one more.
    private var created = 0
    private var consuming = false
    private var closing = false
    private var finished = false
    private var failure: (any Error)?
    private let depth: Int
    private let make: () -> Chunk
    private let clear: (inout Chunk) -> Void
    private let consume: (Chunk) throws -> Void

    /// `make` gives an empty buffer, `clear` empties a consumed one for reuse; `consume` runs on
    /// the worker thread, one buffer at a time and in order.
    init(depth: Int = 3, name: String, make: @escaping () -> Chunk, clear: @escaping (inout Chunk) -> Void,
         consume: @escaping (Chunk) throws -> Void) {
        precondition(depth >= 2, "a pipeline needs a buffer to fill and one to consume")
        self.depth = depth
        self.make = make
        self.clear = clear
        self.consume = consume
        let thread = Thread { [self] in work() }
        thread.name = name
        thread.start()
    }

    /// Queues the filled `chunk` for the worker and puts an empty buffer in its place, so the
    /// caller never shares a buffer with the worker; waits while every buffer is in use.
    func exchange(_ chunk: inout Chunk) throws {
        condition.lock()
        defer { condition.unlock() }
        while spare.isEmpty && created >= depth - 1 && failure == nil { condition.wait() }
        if let failure { throw failure }
        var next: Chunk
        if let reused = spare.popLast() {
            next = reused
        } else {
            next = make()
            created += 1
        }
        swap(&chunk, &next)
        queued.append(next)
        condition.broadcast()
    }

    /// Buffers in circulation, the caller's included: never more than `depth`.
    var buffers: Int {
        condition.lock()
        defer { condition.unlock() }
        return created + 1
    }

    /// Waits until the worker has consumed everything queued, so that the caller may touch what
    /// `consume` writes to; rethrows the first failure of `consume`.
    func drain() throws {
        condition.lock()
        defer { condition.unlock() }
        while (!queued.isEmpty || consuming) && failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Ends the worker and waits for it: once the queue is consumed, or at once when `discarding`
    /// (a producer that stopped after a failure: what it made goes with the staging folder).
    func close(discarding: Bool = false) {
        condition.lock()
        closing = true
        if discarding { queued.removeAll() }
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            while queued.isEmpty && !closing { condition.wait() }
            if queued.isEmpty || (closing && failure != nil) { break }
            var chunk = queued.removeFirst()
            let skip = failure != nil
            consuming = true
            condition.unlock()
            var thrown: (any Error)?
            if !skip {
                do { try consume(chunk) } catch { thrown = error }
            }
            clear(&chunk)
            condition.lock()
            if let thrown, failure == nil { failure = thrown }
            consuming = false
            spare.append(chunk)
            condition.broadcast()
        }
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}

extension ChunkPipeline where Chunk == XMLBytes {
    /// XML bytes, handed over in buffers of `chunkCapacity` bytes.
    convenience init(depth: Int = 3, chunkCapacity: Int, name: String, consume: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.init(depth: depth, name: name, make: { XMLBytes(capacity: chunkCapacity) }, clear: { $0.removeAll() }) { chunk in
            try chunk.withUnsafeBytes { (bytes) throws in try consume(bytes) }
        }
    }
}
