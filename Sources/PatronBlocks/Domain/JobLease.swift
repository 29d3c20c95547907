import Foundation

/// The rules of claiming a tenant's next job, written once for every job store: a job in
/// progress whose runner still beats keeps the tenant busy; one whose heartbeat is older than
/// the lease is taken back, open again for the next claim to resume, or failed once it has been
/// claimed `maxAttempts` times. Values in, actions out, `now` passed in: the stores only read the
/// rows it asks about and write what it answers, inside their own claim transaction.
public struct JobLease: Sendable, Equatable {
    /// How long a runner may stay silent before its job is taken back.
    public var duration: TimeInterval
    /// Claims of one job before it fails instead of being taken again.
    public var maxAttempts: Int

    public init(duration: TimeInterval, maxAttempts: Int) {
        self.duration = duration
        self.maxAttempts = maxAttempts
    }

    /// A job in progress, as its row says.
    public struct Holder: Sendable, Equatable {
        public var jobId: UUID
        /// nil when no runner ever beat (read as long ago).
        public var heartbeat: Date?
        /// How many times the job was claimed.
        public var attempts: Int
        public var errors: [String]

        public init(jobId: UUID, heartbeat: Date?, attempts: Int, errors: [String]) {
            self.jobId = jobId
            self.heartbeat = heartbeat
            self.attempts = attempts
            self.errors = errors
        }
    }

    /// What becomes of a job whose runner went silent.
    public enum TakeBack: Sendable, Equatable {
        /// Open again, its progress kept, for the next claim to resume.
        case reopen(jobId: UUID)
        /// Failed with these errors (the job's own and why it stopped); its staging goes.
        case fail(jobId: UUID, errors: [String])
    }

    /// What a claim does with the tenant's jobs in progress.
    public enum Review: Sendable, Equatable {
        /// A runner still beats: no claim now, and nothing is written.
        case busy
        /// Every job in progress was left by its runner: these go first, then the oldest open
        /// job is claimed.
        case takeBack([TakeBack])
    }

    /// Whether the runner that last beat at `heartbeat` still holds its job at `now`. At exactly
    /// the lease's end it does not.
    public func isHeld(heartbeat: Date?, now: Date) -> Bool {
        guard let heartbeat else { return false }
        return now.timeIntervalSince(heartbeat) < duration
    }

    public func review(inProgress: [Holder], now: Date) -> Review {
        // One live runner is enough to wait: taking back the others can wait for the next claim,
        // and a busy claim then writes nothing.
        if inProgress.contains(where: { isHeld(heartbeat: $0.heartbeat, now: now) }) { return .busy }
        return .takeBack(inProgress.map { holder in
            guard holder.attempts >= maxAttempts else { return .reopen(jobId: holder.jobId) }
            let since = holder.heartbeat ?? Date(timeIntervalSince1970: 0)
            return .fail(jobId: holder.jobId, errors: holder.errors + [StaleJob.message(since: since, attempts: holder.attempts)])
        })
    }

    /// The oldest open job, claimed by `runner`: in progress, one more attempt. The store writes
    /// the status, the runner, the attempt and `now` as its first heartbeat.
    public func claim(_ job: SyncJob, progress: SyncProgress, attempts: Int, runner: String) -> ClaimedJob {
        var claimed = job
        claimed.status = .inProgress
        return ClaimedJob(job: claimed, progress: progress, runner: runner, attempt: attempts + 1)
    }
}

/// The error a job taken back from a silent runner carries.
enum StaleJob {
    static func message(since: Date, attempts: Int) -> String {
        "The synchronization stopped: its runner sent no heartbeat since \(FolioDate.format(since)) (attempt \(attempts)); request a new synchronization"
    }
}
