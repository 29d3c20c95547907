import Foundation

/// Hands filled XML buffers from the thread that renders users to a thread of its own that
/// consumes them (CRC-32, deflate, the write to disk), so that one patron type's rendering and its
/// deflate run on both cores at once. Without it each type rendered and deflated on one core, and
/// the second core idled once the smaller type was done.
///
/// Bounded: at most `depth` buffers exist (one filling, the others queued or being consumed), so
/// memory stays `depth × chunk` whatever the size of the file. The consumer is a dedicated thread,
/// not a task: the producer waits when the consumer falls behind, and a cooperative thread must
/// never wait on work queued to the same (two-thread) cooperative pool.
final class ChunkPipeline: @unchecked Sendable {
    // Everything below is guarded by `condition`, except `consume`, which only the worker calls.
    private let condition = NSCondition()
    private var queued: [XMLBytes] = []
    private var spare: [XMLBytes] = []
    /// Buffers made here; the caller brought one more.
    private var created = 0
    private var consuming = false
    private var closing = false
    private var finished = false
    private var failure: (any Error)?
    private let depth: Int
    private let chunkCapacity: Int
    private let consume: (UnsafeRawBufferPointer) throws -> Void

    /// `consume` runs on the worker thread, one buffer at a time and in order.
    init(depth: Int = 3, chunkCapacity: Int, name: String, consume: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        precondition(depth >= 2, "a pipeline needs a buffer to fill and one to consume")
        self.depth = depth
        self.chunkCapacity = chunkCapacity
        self.consume = consume
        let thread = Thread { [self] in work() }
        thread.name = name
        thread.start()
    }

    /// Queues the filled `chunk` for the worker and puts an empty buffer in its place, so the
    /// caller never shares a buffer with the worker; waits while every buffer is in use.
    func exchange(_ chunk: inout XMLBytes) throws {
        condition.lock()
        defer { condition.unlock() }
        while spare.isEmpty && created >= depth - 1 && failure == nil { condition.wait() }
        if let failure { throw failure }
        var next: XMLBytes
        if let reused = spare.popLast() {
            next = reused
        } else {
            next = XMLBytes(capacity: chunkCapacity)
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
    /// (a packager dropped after a failure: its files are removed with the staging folder).
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
                do { try chunk.withUnsafeBytes { (bytes) throws in try consume(bytes) } } catch { thrown = error }
            }
            chunk.removeAll()
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
