import Logging

/// The locks a run that changes something takes: the destination's, so that no two runs deliver
/// to one place whatever history each keeps, then the history's, so that no two runs store one
/// history whatever they deliver to. Every run takes them in that order and releases them in
/// the reverse one.
struct RunLocks {
    var locks: [(lock: any RunLock, guards: RunStage)]
    var logger: Logger

    init(destination: any Destination, history: (any RunLock)?, staleAfter: Double, logger: Logger) {
        locks = [(destination.runLock(staleAfter: staleAfter), .delivery)]
        if let history { locks.append((history, .history)) }
        self.logger = logger
    }

    /// Takes every lock, or none: a lock that cannot be taken releases those already held.
    func take(_ holder: LockHolder) async throws(RunFailure) -> HeldLocks {
        var held = HeldLocks()
        for (lock, stage) in locks {
            do {
                let taken = try await lock.acquire(holder)
                held.locks.append(taken)
                if let note = taken.note {
                    held.notes.append(note)
                    logger.warning("\(note)")
                }
            } catch {
                await held.release()
                throw Self.failure(error, lock: lock, guarding: stage)
            }
        }
        return held
    }

    /// Exit code 8 means only "another run is going on"; a lock that cannot be taken at all (no
    /// permission, no bucket, no credentials) fails what it guards: delivery for the
    /// destination's lock (nothing was removed), the history for the history's.
    private static func failure(_ error: any Error, lock: any RunLock, guarding stage: RunStage) -> RunFailure {
        if case .held? = error as? RunLockError { return .lock("\(error)") }
        let message = error is RunLockError ? "\(error)" : "Cannot take the run lock \(lock.description): \(error)"
        return stage == .delivery ? .delivery(DeliveryError(message)) : .history(message)
    }
}

/// The locks a run holds, and what the report should say about taking them.
struct HeldLocks {
    var locks: [any HeldRunLock] = []
    var notes: [String] = []

    var isEmpty: Bool { locks.isEmpty }

    func release() async {
        for lock in locks.reversed() { await lock.release() }
    }
}
