import Foundation

/// How both backends store a job's columns that are not plain values (its scope, errors and an
/// audit's report): one encoding, so a job written by one code path reads back through any.
enum JobColumns {
    static func scopeColumns(_ scope: SyncJob.Scope) -> (String, String?) {
        switch scope {
        case .full: ("full", nil)
        case .user(let id): ("user", id.folio)
        }
    }

    /// A job's scope as stored. A user job whose user id does not read back is an error naming
    /// the row, not a job for some other user: every row this service writes holds one.
    static func decodeScope(_ kind: String?, userId: String?, job: String) throws(UnreadableJobRow) -> SyncJob.Scope {
        guard kind == "user" else { return .full }
        guard let id = userId.flatMap(UUID.init(folio:)) else { throw UnreadableJobRow(job: job, column: "user_id", value: userId) }
        return .user(id)
    }

    /// A kind's paging cursors as stored (`PagingCursors.stored`). Text this service never
    /// writes is an error naming the row: guessing a cursor would skip or repeat FOLIO's records.
    static func decodeCursors(_ text: String?, column: String, job: String) throws(UnreadableJobRow) -> PagingCursors {
        guard let cursors = PagingCursors(stored: text) else { throw UnreadableJobRow(job: job, column: column, value: text) }
        return cursors
    }

    static func encodeErrors(_ errors: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(errors)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// An audit's report as stored (JSON); nil for a synchronization.
    static func encodeReport(_ audit: DriftAudit?) -> String? {
        audit.flatMap { try? JSONEncoder().encode($0.report) }.map { String(decoding: $0, as: UTF8.self) }
    }

    static func decodeAudit(repair: Bool, report: String?) -> DriftAudit {
        var audit = DriftAudit(repair: repair)
        if let report, let decoded = try? JSONDecoder().decode(DriftReport.self, from: Data(report.utf8)) { audit.report = decoded }
        return audit
    }

    static func decodeErrors(_ text: String?) -> [String] {
        text.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
    }
}

/// A stored job row that cannot be read back as the job it was written as.
struct UnreadableJobRow: Error, CustomStringConvertible {
    var job: String
    var column: String
    var value: String?

    var description: String {
        "the stored job \(job) has an unreadable \(column) (\(value.map { "`\($0)`" } ?? "empty")); delete the job or restore the row"
    }
}

/// The condition every write of a running job is made under: the row is still this runner's and
/// still running. A runner whose lease was taken over, or whose job was cancelled, then changes
/// nothing, and learns it from the rows its statement touched (none).
enum JobOwnership {
    /// SQLite, binding the tenant, the job's id and the runner, in that order.
    static let sqlite = "tenant = ? AND id = ? AND runner = ? AND status = 'in-progress'"

    /// PostgreSQL, binding the job's id at `$id` and the runner at the parameter after it.
    static func postgres(id: Int) -> String {
        "id = $\(id) AND runner = $\(id + 1) AND status = 'in-progress'"
    }
}
