/// Copies `count` bytes. Most copies the run makes are a tag or a value of a few bytes, where a
/// call to `memmove` cost more than the copy (4 % of a run in call overhead): up to 16 bytes are
/// two overlapping loads and stores, inlined.
@inline(__always)
func copyShort(_ source: UnsafeRawPointer, count: Int, to destination: UnsafeMutableRawPointer) {
    switch count {
    case 8...16:
        let head = source.loadUnaligned(as: UInt64.self)
        let tail = source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        destination.storeBytes(of: head, as: UInt64.self)
        destination.storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
    case 4..<8:
        let head = source.loadUnaligned(as: UInt32.self)
        let tail = source.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        destination.storeBytes(of: head, as: UInt32.self)
        destination.storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
    case 1..<4:
        destination.storeBytes(of: source.load(as: UInt8.self), as: UInt8.self)
        destination.storeBytes(of: source.load(fromByteOffset: count / 2, as: UInt8.self), toByteOffset: count / 2, as: UInt8.self)
        destination.storeBytes(of: source.load(fromByteOffset: count - 1, as: UInt8.self), toByteOffset: count - 1, as: UInt8.self)
    case 0:
        break
    default:
        destination.copyMemory(from: source, byteCount: count)
    }
}
