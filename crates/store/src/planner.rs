//! Fresh planner statistics for young tables (PostgreSQL only).
//!
//! sqlx prepares every statement, and PostgreSQL switches a prepared statement to a generic plan
//! after five executions and keeps it until the table's statistics change. A generic plan made
//! while `users` held no rows costs every index alike, so it can pick any index that starts with
//! `directory_id` and then filter the whole directory row by row. That is what happens on a new
//! install: the first import (an IdP pushing 10,000 users) slows down quadratically — measured
//! at 5 ms per create with 2,000 users in the directory, against 0.05 ms with statistics — until
//! autovacuum's next ANALYZE, which may be a minute away (`autovacuum_naptime`).
//!
//! [`Store::analyze_young_tables`] runs ANALYZE on the directory tables as soon as they have
//! changed by autovacuum's own threshold (50 rows + 10 %), which makes PostgreSQL re-plan those
//! statements within seconds. Once a table is past [`YOUNG_ROWS`] it does nothing: autovacuum
//! keeps up with large tables, and their plans no longer hinge on the first rows.

use crate::{Result, Store};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// The tables whose plans the SCIM hot paths depend on.
const TABLES: [&str; 5] = [
    "users",
    "user_emails",
    "groups",
    "group_memberships",
    "events",
];

/// Rows past which a table is left to autovacuum.
pub const YOUNG_ROWS: i64 = 100_000;

impl Store {
    /// Analyzes each directory table that is still small and has changed by more than
    /// autovacuum's analyze threshold since its last ANALYZE; returns the tables analyzed. A
    /// no-op on SQLite (its planner has no generic plans to go stale).
    pub async fn analyze_young_tables(&self) -> Result<Vec<String>> {
        if self.backend() != DbBackend::Postgres {
            return Ok(Vec::new());
        }
        let db = self.connection();
        let rows = db
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT relname::text AS relname FROM pg_stat_user_tables \
                 WHERE schemaname = current_schema() AND relname = ANY($1) \
                   AND n_live_tup < $2 AND n_mod_since_analyze >= 50 + 0.1 * n_live_tup",
                [TABLES.map(String::from).to_vec().into(), YOUNG_ROWS.into()],
            ))
            .await?;
        let mut analyzed = Vec::with_capacity(rows.len());
        for row in rows {
            let table: String = row.try_get("", "relname")?;
            // Only names from `TABLES` reach here; quoting keeps it an identifier regardless.
            if TABLES.contains(&table.as_str()) {
                db.execute(Statement::from_string(
                    DbBackend::Postgres,
                    format!("ANALYZE \"{table}\""),
                ))
                .await?;
                analyzed.push(table);
            }
        }
        Ok(analyzed)
    }
}
