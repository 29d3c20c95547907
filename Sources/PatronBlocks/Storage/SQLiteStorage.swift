import Foundation
import Logging
import SQLite

/// The embedded default: every tenant in one SQLite file, each row carrying its tenant, so that
/// `patronblocks` runs with no server at all. Writes go through one writer (WAL mode), which also
/// serializes the events of a patron.
public final class SQLiteStorage: Sendable {
    let database: SQLiteDatabase
    let logger: Logger

    public init(path: String, logger: Logger) async throws {
        database = try SQLiteDatabase(path: path)
        self.logger = logger
        try await database.write { connection in
            try SQLiteSchema.migrate(connection)
        }
    }

    public var description: String { "SQLite file \(database.path)" }

    /// The file was opened (and migrated) by `init`: nothing more to check.
    public func checkConnection() async throws {}
}

/// The SQLite schema, by version; applied in order at start-up.
enum SQLiteSchema {
    static let migrations: [String] = [
        """
        CREATE TABLE tenants (tenant TEXT PRIMARY KEY, installed_at REAL NOT NULL, module_version TEXT);
        CREATE TABLE summaries (tenant TEXT NOT NULL, user_id TEXT NOT NULL, id TEXT NOT NULL, updated_at REAL NOT NULL,
            PRIMARY KEY (tenant, user_id)) WITHOUT ROWID;
        CREATE TABLE summary_loans (tenant TEXT NOT NULL, user_id TEXT NOT NULL, loan_id TEXT NOT NULL, position INTEGER NOT NULL,
            due_date REAL NOT NULL, recall INTEGER NOT NULL, item_lost INTEGER NOT NULL, claimed_returned INTEGER NOT NULL,
            grace_duration INTEGER, grace_interval TEXT, PRIMARY KEY (tenant, user_id, loan_id)) WITHOUT ROWID;
        CREATE TABLE summary_fees (tenant TEXT NOT NULL, user_id TEXT NOT NULL, fee_fine_id TEXT NOT NULL, position INTEGER NOT NULL,
            fee_fine_type_id TEXT, loan_id TEXT, balance TEXT NOT NULL, PRIMARY KEY (tenant, user_id, fee_fine_id)) WITHOUT ROWID;
        CREATE INDEX summary_fees_by_fee ON summary_fees (tenant, fee_fine_id);
        CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, user_id TEXT, kind TEXT NOT NULL,
            payload TEXT NOT NULL, created_at REAL NOT NULL);
        CREATE INDEX events_by_tenant ON events (tenant, id);
        CREATE TABLE sync_jobs (tenant TEXT NOT NULL, id TEXT NOT NULL, scope TEXT NOT NULL, user_id TEXT, status TEXT NOT NULL,
            total_loans INTEGER NOT NULL DEFAULT 0, total_fees INTEGER NOT NULL DEFAULT 0,
            processed_loans INTEGER NOT NULL DEFAULT 0, processed_fees INTEGER NOT NULL DEFAULT 0,
            errors TEXT NOT NULL DEFAULT '[]', created_at REAL NOT NULL, runner TEXT, heartbeat_at REAL, attempts INTEGER NOT NULL DEFAULT 0,
            phase TEXT NOT NULL DEFAULT 'starting', last_loan_id TEXT, last_account_id TEXT, event_marker INTEGER,
            PRIMARY KEY (tenant, id)) WITHOUT ROWID;
        CREATE INDEX sync_jobs_by_status ON sync_jobs (tenant, status, created_at);
        CREATE TABLE sync_events (tenant TEXT NOT NULL, job_id TEXT NOT NULL, seq INTEGER NOT NULL, user_id TEXT NOT NULL,
            created_at REAL NOT NULL, loan_id TEXT, payload TEXT NOT NULL, PRIMARY KEY (tenant, job_id, seq)) WITHOUT ROWID;
        CREATE INDEX sync_events_by_user ON sync_events (tenant, job_id, user_id, created_at, seq);
        CREATE TABLE sync_graces (tenant TEXT NOT NULL, job_id TEXT NOT NULL, loan_id TEXT NOT NULL, duration INTEGER NOT NULL,
            interval TEXT NOT NULL, PRIMARY KEY (tenant, job_id, loan_id)) WITHOUT ROWID;
        """,
        """
        CREATE TABLE block_conditions (tenant TEXT NOT NULL, id TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL,
            value_type TEXT NOT NULL, block_borrowing INTEGER NOT NULL, block_renewals INTEGER NOT NULL, block_requests INTEGER NOT NULL,
            message TEXT NOT NULL, PRIMARY KEY (tenant, id)) WITHOUT ROWID;
        CREATE TABLE block_limits (tenant TEXT NOT NULL, id TEXT NOT NULL, patron_group_id TEXT NOT NULL, condition_id TEXT NOT NULL,
            value TEXT NOT NULL, PRIMARY KEY (tenant, id)) WITHOUT ROWID;
        CREATE INDEX block_limits_by_group ON block_limits (tenant, patron_group_id, condition_id);
        """,
        """
        ALTER TABLE tenants ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE tenant_jobs (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, module_from TEXT, module_to TEXT, complete INTEGER NOT NULL,
            error TEXT, created_at REAL NOT NULL);
        """,
        // Drift audits are jobs too: audit_repair is NULL for a synchronization.
        """
        ALTER TABLE sync_jobs ADD COLUMN audit_repair INTEGER;
        ALTER TABLE sync_jobs ADD COLUMN audit_report TEXT;
        """,
    ]

    static func migrate(_ connection: SQLiteConnection) throws {
        try connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        let current = try connection.rows("SELECT max(version) FROM schema_version").first?.first?.integer ?? 0
        for (index, sql) in migrations.enumerated() where index + 1 > current {
            try connection.transaction {
                try connection.execute(sql)
                try connection.run("INSERT INTO schema_version (version) VALUES (?)", [.integer(Int64(index + 1))])
            }
        }
    }
}

extension SQLiteStorage: TenantStore {
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
                for table in ["summary_loans", "summary_fees", "summaries", "events", "sync_events", "sync_graces", "sync_jobs", "block_conditions", "block_limits", "tenant_jobs", "tenants"] {
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
