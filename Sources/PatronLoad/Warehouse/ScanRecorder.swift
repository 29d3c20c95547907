/// The second half of a type's scan, on a thread of its own (`ChunkPipeline`): each mapped record
/// serialised into the type's record file, with the hashes the pre-flight and the comparison
/// need. Reading and mapping the rows go on meanwhile on the scan's task, so a type's scan uses
/// both cores once the other type's is done.
final class ScanRecorder {
    /// What the worker writes to; the scan reads it only after the pipeline is drained.
    private final class Sink {
        let writer: RecordFileWriter
        var scanned: ScannedType

        init(writer: RecordFileWriter, scanned: ScannedType) {
            self.writer = writer
            self.scanned = scanned
        }
    }

    private let sink: Sink
    private let pipeline: ChunkPipeline<[PatronRecord]>
    private var batch: [PatronRecord] = []
    private var finished = false

    /// Records a hand-off: a wake-up per batch costs nothing beside serialising it.
    private static let batchSize = 512

    /// `scanned`: the type's scan so far, without entries; the worker adds them.
    init(scanned: ScannedType) throws {
        let sink = Sink(writer: try RecordFileWriter(path: scanned.recordsPath), scanned: scanned)
        self.sink = sink
        pipeline = ChunkPipeline(name: "records \(scanned.patronType.name)", make: {
            var records: [PatronRecord] = []
            records.reserveCapacity(Self.batchSize)
            return records
        }, clear: { $0.removeAll(keepingCapacity: true) }) { records in
            for record in records {
                let serialized = record.serialized()
                sink.scanned.append(record, serialized, offset: try sink.writer.append(serialized.bytes))
            }
        }
        batch.reserveCapacity(Self.batchSize)
    }

    deinit {
        // A scan that stopped still ends its thread; the record file goes with the staging folder.
        if !finished { pipeline.close(discarding: true) }
    }

    /// Queues the next mapped record; its ordinal is the number added before it.
    func add(_ record: PatronRecord) throws {
        batch.append(record)
        if batch.count >= Self.batchSize { try pipeline.exchange(&batch) }
    }

    /// Waits until every record is written and the file synced; `scanned` gains their entries.
    func finish(into scanned: inout ScannedType) throws {
        if !batch.isEmpty { try pipeline.exchange(&batch) }
        try pipeline.drain()
        finished = true
        pipeline.close()
        try sink.writer.finish()
        scanned.takeRows(of: sink.scanned)
    }
}
