import FolioSimulator
import Foundation
import PatronSyncTestSupport
import Testing
@testable import PatronBlocks

/// A full synchronization reads each collection in slices of the id space side by side; the
/// slices, the cursors kept for them, and a run that stops and is resumed slice by slice.
@Suite struct SlicedPagingTests {
    static func bytes(_ id: UUID) -> [UInt8] {
        withUnsafeBytes(of: id.uuid) { Array($0) }
    }

    @Test(arguments: [1, 2, 3, 4, 7, 16])
    func theSlicesCoverEveryIdOnceInIdOrder(_ count: Int) {
        let ranges = KeysetRange.split(into: count)
        #expect(ranges.count == count)
        #expect(ranges.first?.after == nil && ranges.last?.before == nil)
        for (lower, upper) in zip(ranges, ranges.dropFirst()) {
            // Nothing between one slice's end and the next one's start.
            let end = Self.bytes(lower.before!), start = Self.bytes(upper.after!)
            #expect(UInt16(end[0]) << 8 | UInt16(end[1]) == (UInt16(start[0]) << 8 | UInt16(start[1])) + 1)
            #expect(end.dropFirst(2).allSatisfy { $0 == 0 } && start.dropFirst(2).allSatisfy { $0 == 0xFF })
        }
        var ids = (0..<5_000).map { _ in UUID() }
        for range in ranges {
            for bound in [range.after, range.before].compactMap({ $0 }) {
                ids.append(bound)
                var raw = bound.uuid
                raw.15 &+= 1
                ids.append(UUID(uuid: raw))
                raw = bound.uuid
                raw.15 &-= 1
                ids.append(UUID(uuid: raw))
            }
        }
        ids.append(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        ids.append(UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)))
        for id in ids {
            #expect(ranges.filter { $0.contains(id) }.count == 1, "\(id.folio)")
        }
    }

    @Test func slicesAreAboutEqual() {
        let ids = (0..<60_000).map { _ in UUID() }
        let ranges = KeysetRange.split(into: 3)
        let sizes = ranges.map { range in ids.filter { range.contains($0) }.count }
        #expect(sizes.allSatisfy { abs($0 - 20_000) < 1_000 }, "\(sizes)")
        #expect(KeysetRange.split(into: 0) == [.all] && KeysetRange.split(into: 1) == [.all])
    }

    @Test func cursorsAreStoredAsTextAndReadBack() throws {
        let (a, b) = (UUID(), UUID())
        for cursors in [PagingCursors(), PagingCursors(last: [a]), PagingCursors(last: [a, nil, b]), PagingCursors(last: [nil, b])] {
            #expect(PagingCursors(stored: cursors.stored) == cursors)
        }
        #expect(PagingCursors(last: [a, nil, b]).stored == "\(a.folio),,\(b.folio)")
        // A job paged by one chain stored its last id alone: one slice, resumed after it.
        let single = try #require(PagingCursors(stored: a.folio))
        #expect(single.last == [a] && single.ranges == [.all] && single.resumeAfter(0) == a)
        #expect(PagingCursors(stored: nil) == PagingCursors() && PagingCursors(stored: "") == PagingCursors())
        for unreadable in ["x", "\(a.folio),zz", "\(a.folio);\(b.folio)"] {
            #expect(PagingCursors(stored: unreadable) == nil, "\(unreadable)")
        }
        #expect(throws: UnreadableJobRow.self) { try JobColumns.decodeCursors("nonsense", column: "loan_cursors", job: "j") }
    }

    @Test func aPlanIsKeptOnceAnythingIsStored() {
        let fresh = PagingCursors().planned(slices: 3)
        #expect(fresh.last == [nil, nil, nil])
        #expect(fresh.resumeAfter(0) == nil && fresh.resumeAfter(1) == KeysetRange.split(into: 3)[1].after)
        let begun = PagingCursors(last: [nil, UUID()])
        #expect(begun.planned(slices: 5) == begun, "a runner that takes a job over pages the slices it began with")
        #expect(PagingCursors(last: [nil, nil]).planned(slices: 4).last.count == 4)
    }

    @Test func aSliceIsBoundedWithTheMirrorRelation() {
        let (after, before) = (UUID(uuidString: "5554FFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")!, UUID(uuidString: "AAAA0000-0000-0000-0000-000000000000")!)
        #expect(FolioClient.cql(after: after, before: before, userId: nil)
                == "status.name==Open and id > 5554ffff-ffff-ffff-ffff-ffffffffffff and id < aaaa0000-0000-0000-0000-000000000000 sortBy id")
        #expect(FolioClient.cql(after: nil, before: before, userId: nil) == "status.name==Open and id < aaaa0000-0000-0000-0000-000000000000 sortBy id")
    }

    @Test(arguments: Backend.available) func aFullSyncInThreeSlicesReadsEveryRecordOnce(_ backend: Backend) async throws {
        try await SynchronizationRunTests.scenario(backend) { storage, tenant, simulator, url in
            let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(job, tenant: tenant)
            await SynchronizationRunTests.runner(storage, okapi: url, parallelPages: 3).runOnce()

            let done = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(done.status == .done, "\(done.errors)")
            // Counted per stored page: a record read twice, or a slice overlapping another, shows.
            #expect(done.numberOfProcessedLoans == 900 && done.numberOfProcessedFeesFines == 260)
            try await SynchronizationRunTests.expectMatchesUpstream(storage, tenant: tenant)
            let loans = await simulator.requests.filter { $0.path == "/loan-storage/loans" && $0.limit != 0 }
            let queries = loans.compactMap(\.query)
            #expect(queries.contains("status.name==Open and id < 55550000-0000-0000-0000-000000000000 sortBy id"))
            #expect(queries.contains("status.name==Open and id > 5554ffff-ffff-ffff-ffff-ffffffffffff and id < aaaa0000-0000-0000-0000-000000000000 sortBy id"))
            #expect(queries.contains("status.name==Open and id > aaa9ffff-ffff-ffff-ffff-ffffffffffff sortBy id"))
            // Every page but the slices' own bounds asks after a loan that FOLIO holds.
            let open = Set(SynchronizationRunTests.openLoans.map(\.id.folio))
            for query in queries where query.contains("-ffff-ffff-ffff-ffffffffffff") == false && query.contains("id > ") {
                let after = query.components(separatedBy: "id > ")[1].prefix(36)
                #expect(open.contains(String(after)), "\(query)")
            }
        }
    }

    @Test(arguments: Backend.available) func aStoppedSlicedSyncResumesEachSliceAfterItsLastStoredPage(_ backend: Backend) async throws {
        try await SynchronizationRunTests.scenario(backend) { storage, tenant, simulator, url in
            await simulator.inject(.init(kind: .loans, status: nil, delay: .milliseconds(40), times: nil))
            let job = SyncJob(id: UUID(), scope: .full, createdAt: Date())
            try await storage.jobs.createJob(job, tenant: tenant)
            let first = SynchronizationRunTests.runner(storage, okapi: url, id: "first", parallelPages: 3)
            let run = Task { await first.runOnce() }
            _ = try await SynchronizationRunTests.wait(for: job.id, tenant: tenant, in: storage) { $0.numberOfProcessedLoans >= 200 }
            run.cancel()
            await run.value
            let released = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(released.status == .open && released.numberOfProcessedLoans < 900)

            // Another runner, configured for one chain, keeps the job's three slices.
            let before = await simulator.requests.count
            await SynchronizationRunTests.runner(storage, okapi: url, id: "second", parallelPages: 1).runOnce()
            let done = try #require(try await storage.jobs.job(tenant: tenant, id: job.id))
            #expect(done.status == .done, "\(done.errors)")
            #expect(done.numberOfProcessedLoans == 900 && done.numberOfProcessedFeesFines == 260)
            try await SynchronizationRunTests.expectMatchesUpstream(storage, tenant: tenant)
            // Each slice goes on after its own cursor: no page stored before the stop is asked for again.
            let resumed = await simulator.requests.dropFirst(before).filter { $0.path == "/loan-storage/loans" }
            #expect(SynchronizationRunTests.loanPagesLeft(slices: 3, stored: released.numberOfProcessedLoans).contains(resumed.count), "\(released.numberOfProcessedLoans) stored")
            #expect(!resumed.contains { $0.limit == 0 })
        }
    }
}

extension KeysetRange {
    /// Whether `id` lies in the slice, in PostgreSQL's (and the simulator's) order of UUIDs: byte by byte.
    func contains(_ id: UUID) -> Bool {
        func bytes(_ id: UUID) -> [UInt8] { withUnsafeBytes(of: id.uuid) { Array($0) } }
        return (after.map { bytes($0).lexicographicallyPrecedes(bytes(id)) } ?? true) && (before.map { bytes(id).lexicographicallyPrecedes(bytes($0)) } ?? true)
    }
}
