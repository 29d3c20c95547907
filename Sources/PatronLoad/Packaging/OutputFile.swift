#if canImport(Glibc)
import Glibc
private let posixWrite = Glibc.write
#else
import Darwin
private let posixWrite = Darwin.write
#endif

/// A file written sequentially with plain POSIX calls: no buffering of its own, so a caller that
/// hands over large chunks pays one system call per chunk.
final class OutputFile {
    let path: String
    private var descriptor: Int32
    private(set) var offset: UInt64 = 0

    init(path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw PackagingError.io(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { _ = close(descriptor) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = posixWrite(descriptor, pointer, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw PackagingError.io(path: path, reason: String(cString: strerror(errno)))
            }
            pointer += written
            remaining -= written
            offset += UInt64(written)
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { (raw) throws in try write(raw) }
    }

    /// Flushes to disk and closes: a file that was synced is complete even if the machine stops.
    func finish() throws {
        guard descriptor >= 0 else { return }
        defer { descriptor = -1 }
        if fsync(descriptor) != 0 {
            let reason = String(cString: strerror(errno))
            _ = close(descriptor)
            throw PackagingError.io(path: path, reason: reason)
        }
        if close(descriptor) != 0 {
            throw PackagingError.io(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
