/// The comparison with the last run sees a merged person as the user written, not as the
/// winner's record alone: a change in a merged-in type's row (a new phone in the student feed)
/// must count as a change of the person. Hashes only, no record is read.
enum MergedDigests {
    static func apply(_ decisions: FeedDecisions, to scans: inout [ScannedType]) {
        for (written, others) in decisions.sharedPersons {
            let merged = others.filter { decisions.decisions[$0.type][$0.ordinal] == .mergedIntoOtherType }
            guard !merged.isEmpty else { continue }
            var entry = scans[written.type].entries[written.ordinal]
            var digests = [entry.digest]
            for row in merged {
                let other = scans[row.type].entries[row.ordinal]
                digests.append(other.digest)
                entry.fieldHashes ^= rotatedBytes(other.fieldHashes)
            }
            var bytes: [UInt8] = []
            for digest in digests { withUnsafeBytes(of: digest.littleEndian) { bytes.append(contentsOf: $0) } }
            entry.digest = StableHash.hash128(bytes).low
            scans[written.type].entries[written.ordinal] = entry
        }
    }

    /// Each field group's byte rotated by one bit, so that the same group hashing alike in both
    /// records does not cancel out, and a change in either still flips that group's byte.
    static func rotatedBytes(_ hashes: UInt64) -> UInt64 {
        ((hashes << 1) & 0xFEFE_FEFE_FEFE_FEFE) | ((hashes >> 7) & 0x0101_0101_0101_0101)
    }
}
