/// Sorts the analysis' lists of identifier hashes. Their order begins with a hash, and hashes
/// are spread evenly: one pass puts each element in a bucket of its hash's top bits, in place
/// (an "American flag" sort), and each bucket, a handful of elements, is finished by insertion.
/// The standard library's comparison sort cost a run of 200,000 patrons twice as much CPU and a
/// scratch buffer of half the list (a list is three elements a patron); this needs two arrays of
/// 65,536 counts.
enum HashOrder {
    /// Sorts `elements` into `areInIncreasingOrder`, a strict total order that orders first by
    /// `key`: elements whose keys differ compare as their keys do.
    static func sort<Element>(_ elements: inout [Element], key: (Element) -> UInt64, by areInIncreasingOrder: (Element, Element) -> Bool) {
        let count = elements.count
        guard count > 256 else { return elements.sort(by: areInIncreasingOrder) }
        // About one element a bucket, at most 65,536 buckets.
        let bits = min(16, Int.bitWidth - (count - 1).leadingZeroBitCount)
        let shift = UInt64(UInt64.bitWidth - bits)
        let bucketCount = 1 << bits
        elements.withUnsafeMutableBufferPointer { buffer in
            @inline(__always) func bucket(_ element: Element) -> Int { Int(truncatingIfNeeded: key(element) >> shift) }
            var ends = [Int32](repeating: 0, count: bucketCount)
            for element in buffer { ends[bucket(element)] += 1 }
            var next = [Int32](repeating: 0, count: bucketCount)
            var total: Int32 = 0
            for index in 0..<bucketCount {
                next[index] = total
                total += ends[index]
                ends[index] = total
            }
            // Each displaced element goes to the next free place of its own bucket, displacing
            // another, until one belongs where the cycle began.
            for index in 0..<bucketCount {
                while next[index] < ends[index] {
                    var element = buffer[Int(next[index])]
                    var target = bucket(element)
                    while target != index {
                        swap(&element, &buffer[Int(next[target])])
                        next[target] += 1
                        target = bucket(element)
                    }
                    buffer[Int(next[index])] = element
                    next[index] += 1
                }
            }
            var start = 0
            for index in 0..<bucketCount {
                let end = Int(ends[index])
                defer { start = end }
                guard end - start > 1 else { continue }
                guard end - start <= 32 else {
                    // Only keys that are not spread (equal hashes by the thousand) get here.
                    var bucket = UnsafeMutableBufferPointer(rebasing: buffer[start..<end])
                    bucket.sort(by: areInIncreasingOrder)
                    continue
                }
                for position in (start + 1)..<end {
                    let element = buffer[position]
                    var hole = position
                    while hole > start && areInIncreasingOrder(element, buffer[hole - 1]) {
                        buffer[hole] = buffer[hole - 1]
                        hole -= 1
                    }
                    buffer[hole] = element
                }
            }
        }
    }
}
