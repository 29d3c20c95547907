import Foundation

/// A slice of the id space that one keyset chain pages through: ids after `after` and before
/// `before`, each bound exclusive, nil where the slice is open.
public struct KeysetRange: Sendable, Equatable {
    public var after: UUID?
    public var before: UUID?

    public init(after: UUID? = nil, before: UUID? = nil) {
        self.after = after
        self.before = before
    }

    /// The whole id space.
    public static let all = KeysetRange()

    /// `count` slices of about equal size by the ids' first 16 bits (FOLIO's ids are random), in
    /// id order, together the whole space. Each next page of a keyset chain needs its current
    /// page's last id, so one chain waits on FOLIO's answer, then on reading it; several chains
    /// over disjoint slices keep both busy.
    public static func split(into count: Int) -> [KeysetRange] {
        let count = min(max(count, 1), 1 << 16)
        let starts = (0..<count).map { UInt32($0) * (1 << 16) / UInt32(count) }
        return starts.indices.map { index in
            KeysetRange(after: index == 0 ? nil : lastID(withPrefixBelow: starts[index]),
                        before: index + 1 == count ? nil : firstID(withPrefix: starts[index + 1]))
        }
    }

    /// The smallest id whose first two bytes are `prefix`.
    private static func firstID(withPrefix prefix: UInt32) -> UUID {
        UUID(uuid: (UInt8(prefix >> 8), UInt8(prefix & 0xFF), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    }

    /// The largest id whose first two bytes come before `prefix`: `id >` it reads as `id >=` the
    /// prefix's first id with the one relation FOLIO's keyset paging already uses.
    private static func lastID(withPrefixBelow prefix: UInt32) -> UUID {
        let below = prefix - 1
        return UUID(uuid: (UInt8(below >> 8), UInt8(below & 0xFF), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF))
    }
}

/// Where the keyset paging of one collection (loans or accounts) stands: one cursor per slice of
/// the id space, each the last id stored from its slice (nil: none yet). The slices are
/// `KeysetRange.split(into: last.count)`, so the cursors alone say how the paging was planned and a
/// runner that takes the job over pages the same slices from where they stopped.
public struct PagingCursors: Sendable, Equatable {
    public var last: [UUID?]

    public init(last: [UUID?] = []) {
        self.last = last
    }

    /// Nothing stored yet from any slice.
    public var isFresh: Bool { last.allSatisfy { $0 == nil } }

    /// The plan: the stored one, or `count` slices for paging that has not begun.
    public func planned(slices count: Int) -> PagingCursors {
        isFresh ? PagingCursors(last: Array(repeating: nil, count: max(count, 1))) : self
    }

    public var ranges: [KeysetRange] { KeysetRange.split(into: last.count) }

    /// Where slice `index`'s next page starts: after its last stored id, else at its beginning.
    public func resumeAfter(_ index: Int) -> UUID? {
        last[index] ?? ranges[index].after
    }

    /// As the job row keeps it: the cursors in slice order, comma-separated, empty for a slice
    /// with none. A single id (one slice) is what a job paged by one chain stored.
    public var stored: String {
        last.map { $0?.folio ?? "" }.joined(separator: ",")
    }

    /// The stored text read back; nil for text this service never writes.
    public init?(stored text: String?) {
        guard let text, !text.isEmpty else {
            self.init()
            return
        }
        var last: [UUID?] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            if part.isEmpty {
                last.append(nil)
            } else if let id = UUID(folio: part) {
                last.append(id)
            } else {
                return nil
            }
        }
        self.init(last: last)
    }
}
