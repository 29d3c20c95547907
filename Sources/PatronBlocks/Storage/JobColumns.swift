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
