import Foundation
import Synchronization

/// A request, from outside the job (a signal), to stop the run at its next safe point. The job
/// polls it between rows and between steps. Delivery, once begun, is finished first: stopping
/// between removing the old zips and writing the new ones would leave Alma with nothing.
public final class StopRequest: Sendable {
    private struct State {
        var reason: String?
        var folders: [URL] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// Records the request; false when one was already made (a second signal).
    @discardableResult
    public func request(_ reason: String) -> Bool {
        state.withLock { state in
            guard state.reason == nil else { return false }
            state.reason = reason
            return true
        }
    }

    /// What asked the run to stop (`SIGTERM`), or nil.
    public var reason: String? { state.withLock { $0.reason } }

    /// A folder holding patron data that must not outlive the process, even if a second signal
    /// cuts the orderly stop short.
    func register(_ folder: URL) {
        state.withLock { $0.folders.append(folder) }
    }

    func unregister(_ folder: URL) {
        state.withLock { $0.folders.removeAll { $0 == folder } }
    }

    /// Removes the registered folders at once (the second signal's last act); returns them.
    @discardableResult
    public func removeRegisteredFolders() -> [URL] {
        let folders = state.withLock { $0.folders }
        for folder in folders { try? FileManager.default.removeItem(at: folder) }
        return folders
    }
}
