import Foundation
import NIOCore

/// A byte range of a file as an async sequence of 1 MiB buffers: how uploads stream from disk.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    let path: String
    let range: Range<Int64>
    static let chunk = 1 << 20

    func makeAsyncIterator() -> Iterator {
        Iterator(path: path, range: range)
    }

    struct Iterator: AsyncIteratorProtocol {
        let path: String
        var position: Int64
        let end: Int64
        var handle: FileHandle?

        init(path: String, range: Range<Int64>) {
            self.path = path
            self.position = range.lowerBound
            self.end = range.upperBound
        }

        mutating func next() async throws -> ByteBuffer? {
            guard position < end else {
                try? handle?.close()
                handle = nil
                return nil
            }
            do {
                if handle == nil {
                    handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
                    try handle!.seek(toOffset: UInt64(position))
                }
                let want = Int(Swift.min(Int64(FileChunks.chunk), end - position))
                guard let data = try handle!.read(upToCount: want), !data.isEmpty else {
                    throw ReadError(description: "\(path) ended early: it changed while being uploaded")
                }
                position += Int64(data.count)
                return ByteBuffer(bytes: data)
            } catch let error as ReadError {
                throw error
            } catch {
                throw ReadError(description: "cannot read \(path): \(error.localizedDescription)")
            }
        }
    }
}
