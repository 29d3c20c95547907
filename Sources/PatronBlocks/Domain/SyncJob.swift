import Foundation

/// A synchronization request (FOLIO: a synchronization job).
public struct SyncJob: Sendable, Equatable {
    public enum Scope: Sendable, Equatable, Hashable {
        case full
        case user(UUID)
    }

    public enum Status: String, Sendable, Codable, CaseIterable {
        case open
        case inProgress = "in-progress"
        case done
        case failed
    }

    public var id: UUID
    public var scope: Scope
    public var status: Status
    public var totalNumberOfLoans: Int
    public var totalNumberOfFeesFines: Int
    public var numberOfProcessedLoans: Int
    public var numberOfProcessedFeesFines: Int
    public var errors: [String]
    public var createdAt: Date
    /// Set for a drift audit: a job that pages FOLIO as a synchronization does, then compares
    /// instead of switching.
    public var audit: DriftAudit?

    public init(id: UUID, scope: Scope, status: Status = .open, createdAt: Date, audit: DriftAudit? = nil) {
        self.id = id
        self.scope = scope
        self.status = status
        self.totalNumberOfLoans = 0
        self.totalNumberOfFeesFines = 0
        self.numberOfProcessedLoans = 0
        self.numberOfProcessedFeesFines = 0
        self.errors = []
        self.createdAt = createdAt
        self.audit = audit
    }

    /// How logs and messages name the job.
    public var name: String { audit == nil ? "synchronization" : "drift audit" }
}

/// Where a running synchronization is: what it has paged through, so a runner that stops (or
/// dies) can be followed by another from the same place.
public struct SyncProgress: Sendable, Equatable {
    public enum Phase: String, Sendable, Codable {
        case starting, loans, accounts, rebuilding
    }

    public var phase: Phase = .starting
    /// Where the keyset paging of each kind stands.
    public var loans = PagingCursors()
    public var accounts = PagingCursors()
    /// The newest stored event when the synchronization began: live events after it are
    /// replayed onto the rebuilt summaries.
    public var eventMarker: Int64?

    public init() {}
}

/// A claimed job, with its runner's bookkeeping.
public struct ClaimedJob: Sendable, Equatable {
    public var job: SyncJob
    public var progress: SyncProgress
    public var runner: String
    public var attempt: Int
}
