import Foundation
import SQLite

/// The embedded default's tenants: every tenant in one SQLite file, each row carrying its tenant,
/// so that `patronblocks` runs with no server at all.
struct SQLiteTenantStore: TenantStore {
    let database: SQLiteDatabase

    /// The file was opened (and migrated) when the storage was: nothing more to check.
    public func checkConnection() async throws {}

    public func installTenant(_ tenant: String) async throws {
        try await database.write { connection in
            try connection.transaction {
                try connection.run("INSERT INTO tenants (tenant, installed_at, enabled) VALUES (?, ?, 1) ON CONFLICT (tenant) DO UPDATE SET enabled = 1",
                                   [.text(tenant), .real(Date().storedSeconds)])
                // The six conditions; an upgrade keeps what the library set.
                for (position, condition) in BlockCondition.defaults.enumerated() {
                    try connection.run("""
                        INSERT INTO block_conditions (tenant, id, position, name, value_type, block_borrowing, block_renewals, block_requests, message)
                        VALUES (?, ?, ?, ?, ?, 0, 0, 0, '') ON CONFLICT (tenant, id) DO NOTHING
                        """, [.text(tenant), .text(condition.id.folio), .integer(Int64(position)), .text(condition.name), .text(condition.valueType.rawValue)])
                }
            }
        }
    }

    public func isInstalled(_ tenant: String) async throws -> Bool {
        try database.read { connection in
            try !connection.rows("SELECT 1 FROM tenants WHERE tenant = ? AND enabled = 1", [.text(tenant)]).isEmpty
        }
    }

    public func disableTenant(_ tenant: String) async throws {
        try await database.write { connection in
            _ = try connection.run("UPDATE tenants SET enabled = 0 WHERE tenant = ?", [.text(tenant)])
        }
    }

    public func purgeTenant(_ tenant: String) async throws {
        try await database.write { connection in
            try connection.transaction {
                for table in ["summary_loans", "summary_fees", "summaries", "events", "sync_loans", "sync_fees", "sync_user_loans", "sync_user_fees", "sync_graces", "sync_jobs", "block_conditions", "block_limits", "tenant_jobs", "tenants"] {
                    try connection.run("DELETE FROM \(table) WHERE tenant = ?", [.text(tenant)])
                }
            }
        }
    }

    public func installedTenants() async throws -> [String] {
        try database.read { connection in
            try connection.rows("SELECT tenant FROM tenants WHERE enabled = 1 ORDER BY tenant").compactMap { $0.first?.text }
        }
    }

    public func saveTenantJob(_ job: TenantJob) async throws {
        try await database.write { connection in
            _ = try connection.run("""
                INSERT INTO tenant_jobs (id, tenant, module_from, module_to, complete, error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET complete = excluded.complete, error = excluded.error
                """, [.text(job.id.folio), .text(job.tenant), SQLiteValue(job.moduleFrom), SQLiteValue(job.moduleTo), .integer(job.complete ? 1 : 0),
                      SQLiteValue(job.error), .real(job.createdAt.storedSeconds)])
        }
    }

    public func tenantJob(id: UUID) async throws -> TenantJob? {
        try database.read { connection in
            try connection.rows("SELECT tenant, module_from, module_to, complete, error, created_at FROM tenant_jobs WHERE id = ?", [.text(id.folio)]).first.map { row in
                TenantJob(id: id, tenant: row[0].text ?? "", moduleFrom: row[1].text, moduleTo: row[2].text, complete: row[3].integer == 1,
                          error: row[4].text, createdAt: Date(storedSeconds: row[5].real ?? 0))
            }
        }
    }

    public func deleteTenantJob(id: UUID) async throws -> Bool {
        try await database.write { connection in
            try connection.run("DELETE FROM tenant_jobs WHERE id = ?", [.text(id.folio)]) == 1
        }
    }
}
