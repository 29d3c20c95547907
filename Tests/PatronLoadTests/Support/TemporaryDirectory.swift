import Foundation

/// A fresh folder under the system temp directory, removed when the test ends.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init(_ label: String = "patronload") {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    var path: String { url.path }

    func appending(_ component: String) -> URL {
        url.appendingPathComponent(component)
    }
}
