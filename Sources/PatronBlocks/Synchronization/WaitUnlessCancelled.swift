import Synchronization

/// Runs `work` in a task of its own and waits for it; once the waiting task is cancelled, `work`
/// is cancelled too and waited for at most `grace` longer. Past that it is left to end on its own,
/// and the wait gives nil.
///
/// A service group cancels its services when one of them fails or a second signal comes. The
/// PostgreSQL pool closes its connections then, and postgres-nio can leave a statement sent on a
/// closing connection unanswered for good (a switch's insert was seen waiting so, with no
/// connection left). Structured concurrency would wait for it, and the process would never end.
/// Within `grace`, a job that can still reach its database hands itself back as at a graceful
/// stop; one left after it stays claimed until its lease runs out, then another runner takes it.
func waitUnlessCancelled<R: Sendable>(grace: Duration, _ work: @escaping @Sendable () async -> R) async -> R? {
    let task = Task { await work() }
    let waiter = Waiter<R>()
    return await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
            guard waiter.wait(continuation) else { return }
            Task { waiter.finish(await task.value) }
        }
    } onCancel: {
        task.cancel()
        Task {
            try? await Task.sleep(for: grace)
            waiter.cancel()
        }
    }
}

/// The one continuation of `waitUnlessCancelled`, resumed once, by the work or the end of the
/// grace, whichever is first; a grace that ended before the wait began resumes it as it begins.
private final class Waiter<R: Sendable>: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<R?, Never>)
        case cancelled
        case resumed
    }

    private let state = Mutex<State>(.idle)

    /// False when the grace ended before the wait began (the continuation is resumed at once).
    func wait(_ continuation: CheckedContinuation<R?, Never>) -> Bool {
        let began = state.withLock { state -> Bool in
            guard case .idle = state else {
                state = .resumed
                return false
            }
            state = .waiting(continuation)
            return true
        }
        if !began { continuation.resume(returning: nil) }
        return began
    }

    func finish(_ value: R) {
        take()?.resume(returning: value)
    }

    func cancel() {
        take(cancelling: true)?.resume(returning: nil)
    }

    private func take(cancelling: Bool = false) -> CheckedContinuation<R?, Never>? {
        state.withLock { state in
            switch state {
            case .idle:
                if cancelling { state = .cancelled }
                return nil
            case .waiting(let continuation):
                state = .resumed
                return continuation
            case .cancelled, .resumed:
                return nil
            }
        }
    }
}
