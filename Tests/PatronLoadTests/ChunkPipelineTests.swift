import Foundation
import Synchronization
import Testing
@testable import PatronLoad

/// The hand-off between a type's rendering and its deflate thread: every byte arrives once and
/// in order, memory stays at `depth` buffers however far the consumer falls behind, and a
/// consumer's failure reaches the renderer.
@Suite struct ChunkPipelineTests {
    @Test func everyChunkArrivesInOrderWithAtMostDepthBuffers() throws {
        let received = Mutex<[UInt8]>([])
        let pipeline = ChunkPipeline(depth: 3, chunkCapacity: 64, name: "test") { bytes in
            // A consumer slower than the producer, so the producer has to wait for buffers.
            usleep(200)
            received.withLock { $0.append(contentsOf: bytes) }
        }
        var expected: [UInt8] = []
        var chunk = XMLBytes(capacity: 64)
        for index in 0..<500 {
            let text = "<user>\(index)</user>"
            chunk.raw(text)
            expected.append(contentsOf: text.utf8)
            if index % 7 == 6 {
                try pipeline.exchange(&chunk)
                #expect(chunk.count == 0)
                #expect(pipeline.buffers <= 3)
            }
        }
        try pipeline.exchange(&chunk)
        try pipeline.drain()
        #expect(received.withLock { $0 } == expected)
        #expect(pipeline.buffers == 3)
        pipeline.close()
    }

    struct Refused: Error, Equatable {}

    @Test func aConsumersFailureIsThrownToTheProducer() throws {
        let pipeline = ChunkPipeline(depth: 2, chunkCapacity: 16, name: "test") { _ in throw Refused() }
        var chunk = XMLBytes(capacity: 16)
        chunk.raw("<user/>")
        try pipeline.exchange(&chunk)
        #expect(throws: Refused.self) {
            try pipeline.drain()
        }
        chunk.raw("<user/>")
        #expect(throws: Refused.self) {
            try pipeline.exchange(&chunk)
        }
        pipeline.close()
    }

    @Test func closingWhileDiscardingEndsTheThreadWithChunksQueued() throws {
        let consumed = Mutex(0)
        let pipeline = ChunkPipeline(depth: 4, chunkCapacity: 16, name: "test") { _ in
            usleep(20_000)
            consumed.withLock { $0 += 1 }
        }
        var chunk = XMLBytes(capacity: 16)
        for _ in 0..<3 {
            chunk.raw("<user/>")
            try pipeline.exchange(&chunk)
        }
        pipeline.close(discarding: true)
        // The chunk being consumed when close came may finish; the queued ones are dropped.
        #expect(consumed.withLock { $0 } < 3)
    }
}
