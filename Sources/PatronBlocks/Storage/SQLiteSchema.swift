import Foundation
import SQLite

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
        // A synchronization stages FOLIO's records as read, appended in paging order (cheap to
        // write: a page dirties a few pages of the file), and orders them by patron once paging
        // is done (`sync_user_loans`, `sync_user_fees`: written in key order, read in key order).
        // A job that staged events the earlier way starts its paging again.
        """
        CREATE TABLE sync_loans (tenant TEXT NOT NULL, job_id TEXT NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL,
            loan_id TEXT NOT NULL, due_date INTEGER NOT NULL, item_status TEXT, recall INTEGER NOT NULL);
        CREATE INDEX sync_loans_by_job ON sync_loans (tenant, job_id);
        CREATE TABLE sync_fees (tenant TEXT NOT NULL, job_id TEXT NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL,
            fee_fine_id TEXT NOT NULL, fee_fine_type_id TEXT, loan_id TEXT, balance TEXT NOT NULL);
        CREATE INDEX sync_fees_by_job ON sync_fees (tenant, job_id);
        CREATE TABLE sync_user_loans (tenant TEXT NOT NULL, job_id TEXT NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL,
            loan_id TEXT NOT NULL, due_date INTEGER NOT NULL, item_status TEXT, recall INTEGER NOT NULL,
            PRIMARY KEY (tenant, job_id, user_id, created_at, loan_id)) WITHOUT ROWID;
        CREATE TABLE sync_user_fees (tenant TEXT NOT NULL, job_id TEXT NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL,
            fee_fine_id TEXT NOT NULL, fee_fine_type_id TEXT, loan_id TEXT, balance TEXT NOT NULL,
            PRIMARY KEY (tenant, job_id, user_id, created_at, fee_fine_id)) WITHOUT ROWID;
        DROP TABLE sync_events;
        UPDATE sync_jobs SET phase = 'starting', last_loan_id = NULL, last_account_id = NULL, processed_loans = 0, processed_fees = 0
            WHERE status IN ('open', 'in-progress') AND phase <> 'starting';
        """,
        // Paging reads slices of the id space side by side: a kind's cursors are a list, one
        // per slice (`PagingCursors.stored`); a single id is a job paged in one slice.
        """
        ALTER TABLE sync_jobs RENAME COLUMN last_loan_id TO loan_cursors;
        ALTER TABLE sync_jobs RENAME COLUMN last_account_id TO account_cursors;
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
