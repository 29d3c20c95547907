/// Sorts the analysis' lists of identifier hashes. Their order begins with a hash, and hashes
/// are spread evenly: each pass moves the elements, in place, into 256 buckets by the next eight
/// bits of the hash (an "American flag" sort), a bucket of more than 32 elements is sorted the
/// same way by the following eight, and the rest is finished by insertion. 256 buckets keep the
/// places being written in the cache, where one pass into 65,536 missed it on every move.
/// The standard library's comparison sort cost a run of 200,000 patrons twice as much CPU and a
/// scratch buffer of half the list (three elements a patron).
enum HashOrder {
    /// Sorts `elements` into `areInIncreasingOrder`, a strict total order that orders first by
    /// `key`: elements whose keys differ compare as their keys do.
    static func sort<Element>(_ elements: inout [Element], key: (Element) -> UInt64, by areInIncreasingOrder: (Element, Element) -> Bool) {
        elements.withUnsafeMutableBufferPointer { buffer in
            sort(buffer, bitsAbove: UInt64.bitWidth, key: key, by: areInIncreasingOrder)
        }
    }

    /// Sorts `buffer`, whose keys agree above bit `bitsAbove`.
    private static func sort<Element>(_ buffer: UnsafeMutableBufferPointer<Element>, bitsAbove: Int, key: (Element) -> UInt64,
                                      by areInIncreasingOrder: (Element, Element) -> Bool) {
        guard buffer.count > 32 else { return insertionSort(buffer, by: areInIncreasingOrder) }
        guard bitsAbove > 0 else {
            // Equal keys by the dozen: only their order's later criteria are left.
            var rest = buffer
            return rest.sort(by: areInIncreasingOrder)
        }
        let shift = UInt64(bitsAbove - 8)
        @inline(__always) func bucket(_ element: Element) -> Int { Int(truncatingIfNeeded: (key(element) >> shift) & 0xFF) }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 512) { scratch in
            let ends = UnsafeMutableBufferPointer(rebasing: scratch[0..<256])
            let next = UnsafeMutableBufferPointer(rebasing: scratch[256..<512])
            ends.initialize(repeating: 0)
            for element in buffer { ends[bucket(element)] += 1 }
            var total = 0
            for index in 0..<256 {
                next[index] = total
                total += ends[index]
                ends[index] = total
            }
            // Each displaced element goes to the next free place of its own bucket, displacing
            // another, until one belongs where the cycle began.
            for index in 0..<256 {
                while next[index] < ends[index] {
                    var element = buffer[next[index]]
                    var target = bucket(element)
                    while target != index {
                        swap(&element, &buffer[next[target]])
                        next[target] += 1
                        target = bucket(element)
                    }
                    buffer[next[index]] = element
                    next[index] += 1
                }
            }
            var start = 0
            for index in 0..<256 {
                let end = ends[index]
                if end - start > 1 {
                    sort(UnsafeMutableBufferPointer(rebasing: buffer[start..<end]), bitsAbove: bitsAbove - 8, key: key, by: areInIncreasingOrder)
                }
                start = end
            }
        }
    }

    private static func insertionSort<Element>(_ buffer: UnsafeMutableBufferPointer<Element>, by areInIncreasingOrder: (Element, Element) -> Bool) {
        guard buffer.count > 1 else { return }
        for position in 1..<buffer.count {
            let element = buffer[position]
            var hole = position
            while hole > 0 && areInIncreasingOrder(element, buffer[hole - 1]) {
                buffer[hole] = buffer[hole - 1]
                hole -= 1
            }
            buffer[hole] = element
        }
    }
}
