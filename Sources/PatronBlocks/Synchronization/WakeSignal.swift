/// Wakes the runner early (a `/run` or `/start` call) or lets it sleep until its next poll.
actor WakeSignal {
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?

    func signal() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            pending = true
        }
    }

    /// Returns when signalled, when `timeout` passes, or when the task is cancelled.
    func wait(timeout: Duration) async {
        if pending {
            pending = false
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            self.cancelWaiter()
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if pending || Task.isCancelled {
                    pending = false
                    continuation.resume()
                } else {
                    waiter = continuation
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter() }
        }
    }

    private func cancelWaiter() {
        waiter?.resume()
        waiter = nil
    }
}
