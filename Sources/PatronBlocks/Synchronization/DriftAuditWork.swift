import Foundation

extension SynchronizationWork {
    /// An audit's last phase, once FOLIO's records are staged: each user is compared on its own
    /// (and repaired, when asked) in its own short transaction, in id order. The report is saved
    /// with the job after every page of users, so a resumed audit goes on from there.
    ///
    /// Live events never show as drift: a user's FOLIO view is the staged records brought forward
    /// by the events stored since the audit began (as a synchronization's rebuild is), compared
    /// with the summary under the patron's lock, when no event of the patron is half-way through.
    func compare(_ job: inout SyncJob, _ progress: SyncProgress, eventMarker: Int64) async throws {
        guard var audit = job.audit else { return }
        while true {
            try checkShutdown()
            let after = audit.report.comparedThrough
            let jobId = job.id, scope = job.scope
            let users = try await step("Listing the users to compare") {
                try await storage.audits.auditUsers(tenant: tenant, jobId: jobId, scope: scope, after: after, limit: settings.pageSize)
            }
            guard let last = users.last else { return }
            for user in users {
                let differences = try await step("Comparing a summary") {
                    try await storage.audits.auditUser(tenant: tenant, jobId: jobId, userId: user, eventMarker: eventMarker, repair: audit.repair, now: Date())
                }
                audit.report.add(userId: user, differences, repaired: audit.repair)
                runner.metrics?.driftChecked(differences, repaired: audit.repair && !differences.isEmpty)
            }
            audit.report.comparedThrough = last
            job.audit = audit
            try await save(job, progress)
        }
    }
}
