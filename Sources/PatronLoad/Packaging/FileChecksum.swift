#if canImport(Glibc)
import Glibc
private let posixRead = Glibc.read
#else
import Darwin
private let posixRead = Darwin.read
#endif

/// The size and CRC-32 of a file as read from disk, streamed in large chunks.
struct FileChecksum: Equatable {
    var size: UInt64 = 0
    var crc32: UInt32 = 0

    init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw PackagingError.verificationFailed(file: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { _ = close(descriptor) }
        var crc = CRC32()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = posixRead(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw PackagingError.verificationFailed(file: path, reason: "cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            crc.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            size += UInt64(count)
        }
        crc32 = crc.value
    }
}
