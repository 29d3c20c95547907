import Foundation

/// Tenants: each has its own storage (a schema in PostgreSQL) and never sees another's data.
public protocol TenantStore: Sendable {
    /// Fails with a clear message when the storage cannot be reached (checked at start-up).
    func checkConnection() async throws
    /// Creates or upgrades the tenant's storage and enables it; harmless when it is already
    /// installed, and keeps its data.
    func installTenant(_ tenant: String) async throws
    /// Whether the tenant is installed and enabled (a disabled tenant's requests are refused).
    func isInstalled(_ tenant: String) async throws -> Bool
    /// Disables the tenant and keeps its data for a later enable.
    func disableTenant(_ tenant: String) async throws
    /// Drops the tenant's storage and data.
    func purgeTenant(_ tenant: String) async throws
    /// The enabled tenants.
    func installedTenants() async throws -> [String]
    /// Tenant-interface jobs (`/_/tenant/{id}`), kept where every instance can read them.
    func saveTenantJob(_ job: TenantJob) async throws
    func tenantJob(id: UUID) async throws -> TenantJob?
    func deleteTenantJob(id: UUID) async throws -> Bool
}

/// Patron summaries and the events that change them.
public protocol SummaryStore: Sendable {
    func summary(tenant: String, userId: UUID) async throws -> UserSummary?
    /// Stores the event and applies it to its patron's summary in one transaction; events for one
    /// patron are serialized in the database, so none is lost when two arrive together. Returns
    /// the summary after the event (nil when there is none).
    @discardableResult
    func record(_ event: PatronEvent, tenant: String, at: Date) async throws -> UserSummary?
}

/// What the claim found.
public enum ClaimOutcome: Sendable, Equatable {
    case claimed(ClaimedJob)
    /// A job is in progress with a live runner.
    case busy
    case nothingToDo
}

/// Synchronization jobs: created through the API, claimed by one runner at a time per tenant.
public protocol JobStore: Sendable {
    func createJob(_ job: SyncJob, tenant: String) async throws
    func job(tenant: String, id: UUID) async throws -> SyncJob?
    /// Atomically: unless a job is in progress with a fresh heartbeat, takes the oldest open job
    /// (a job whose heartbeat is older than `lease` first goes back to open, or fails after
    /// `maxAttempts`).
    func claimNextJob(tenant: String, runner: String, now: Date, lease: TimeInterval, maxAttempts: Int) async throws -> ClaimOutcome
    /// Renews the claim; false when the runner lost it (another took the job over).
    func heartbeat(tenant: String, jobId: UUID, runner: String, now: Date) async throws -> Bool
    /// Saves the job's counters and errors and the runner's progress; false when the claim is lost.
    func saveProgress(tenant: String, job: SyncJob, progress: SyncProgress, runner: String, now: Date) async throws -> Bool
    /// Gives a job back (open, progress kept) so another runner can resume it.
    func release(tenant: String, jobId: UUID, runner: String) async throws
}

/// A staged record that cannot be read back: the staging was written by something else.
struct StagingError: Error, CustomStringConvertible {
    var record: String
    var description: String { "A staged synchronization record cannot be read (\(record)); request a new synchronization" }
}

/// The synchronization's storage: events staged page by page beside the live summaries, and
/// the switch that replaces the summaries of the scope at once.
public protocol SyncStore: Sendable {
    /// Begins a synchronization: keeps the grace periods of the scope's loans (upstream loans
    /// carry none) and returns the newest event id, after which live events are replayed.
    func beginSync(tenant: String, jobId: UUID, scope: SyncJob.Scope) async throws -> Int64
    /// Stages one page of FOLIO's records, as read, with the job's progress, in one
    /// transaction; false when the runner lost its claim (nothing is staged then).
    func stagePage(tenant: String, jobId: UUID, page: StagedPage, job: SyncJob, progress: SyncProgress, runner: String, now: Date) async throws -> Bool
    /// Once paging is done: makes the staged records readable by patron (an audit's comparisons
    /// read them patron by patron, the rebuild in patron order; a backend may sort them for the
    /// rebuild as it reads instead) and saves the job's progress, in one transaction; false when
    /// the runner lost its claim.
    func sealStaging(tenant: String, jobId: UUID, job: SyncJob, progress: SyncProgress, runner: String, now: Date) async throws -> Bool
    /// Rebuilds the scope's summaries from the staged records (each patron's loans, then fees,
    /// by creation), keeps each loan's grace period, replays the live events after
    /// `eventMarker`, and replaces the scope's summaries in one transaction. Ends the job done,
    /// and drops the staging.
    func finishSync(tenant: String, job: SyncJob, eventMarker: Int64, runner: String, now: Date) async throws -> Bool
    /// Ends the job failed and drops its staging; the summaries stay as they were.
    func failSync(tenant: String, job: SyncJob, runner: String, now: Date) async throws
    /// Drops the journal's events that no job (synchronization or audit) will replay: all but
    /// those after the oldest marker of a job that is running or was handed back. Returns how
    /// many went.
    @discardableResult
    func pruneEvents(tenant: String) async throws -> Int
}

/// A drift audit's storage beside the synchronization's: FOLIO's records are staged and ordered
/// as a synchronization stages them (`SyncStore.stagePage`, `sealStaging`); then each user is
/// compared on its own.
public protocol AuditStore: Sendable {
    /// The next users to compare after `after`, in id order: those FOLIO holds records of (staged
    /// by the audit) and, for a full audit, those with a summary here.
    func auditUsers(tenant: String, jobId: UUID, scope: SyncJob.Scope, after: UUID?, limit: Int) async throws -> [UUID]
    /// Compares one user's summary with FOLIO's view (the staged records, brought forward by the
    /// live events stored after `eventMarker`) in one short transaction under the patron's lock,
    /// so that no event is half-way through. With `repair`, a drifted summary is replaced by
    /// FOLIO's view (grace periods carried over); one without drift is not written. Returns the
    /// differences.
    func auditUser(tenant: String, jobId: UUID, userId: UUID, eventMarker: Int64, repair: Bool, now: Date) async throws -> [DriftDifference]
    /// Ends the audit done with its report and drops its staging; false when the claim is lost.
    func finishAudit(tenant: String, job: SyncJob, runner: String, now: Date) async throws -> Bool
    /// Creates a full audit unless one was created after `notBefore` (any instance's scheduler):
    /// false when there was one.
    func scheduleAudit(_ job: SyncJob, tenant: String, notBefore: Date) async throws -> Bool
}

/// Why a limit could not be stored.
public enum LimitStoreError: Error, Equatable {
    case duplicateID
}

/// The block rules of a tenant: the six conditions (seeded on install) and the limits per patron
/// group.
public protocol BlockRulesStore: Sendable {
    /// The six, in their fixed order.
    func conditions(tenant: String) async throws -> [BlockCondition]
    /// Saves a condition's flags and message; false when no condition has its id.
    func updateCondition(_ condition: BlockCondition, tenant: String) async throws -> Bool
    /// A page of limits (ordered by patron group, condition, id) and how many match in all.
    func limits(tenant: String, patronGroupId: UUID?, conditionId: UUID?, offset: Int, limit: Int) async throws -> (limits: [BlockLimit], total: Int)
    func limit(tenant: String, id: UUID) async throws -> BlockLimit?
    /// Throws `LimitStoreError.duplicateID` when the id is taken.
    func createLimit(_ limit: BlockLimit, tenant: String) async throws
    /// False when no limit has its id.
    func updateLimit(_ limit: BlockLimit, tenant: String) async throws -> Bool
    func deleteLimit(tenant: String, id: UUID) async throws -> Bool
}
