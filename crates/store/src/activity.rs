//! The per-directory SCIM request log (`request_activity`): what the IdP sent and what it got.

use crate::entity::request_activity;
use crate::{Page, PageRequest, Result, Store};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement, TransactionTrait,
};

impl Store {
    /// Appends records in one statement (the ingress batches them off the request path).
    ///
    /// The log is not the event store: on PostgreSQL these commits do not wait for the WAL flush
    /// (`synchronous_commit = off`), so logging costs the IdP's requests no extra fsync; a crash
    /// can lose the last fraction of a second of log, never an event.
    pub async fn record_activity(&self, rows: Vec<request_activity::ActiveModel>) -> Result<()> {
        let txn = self.connection().begin().await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            txn.execute(Statement::from_string(
                DbBackend::Postgres,
                "SET LOCAL synchronous_commit TO OFF",
            ))
            .await?;
        }
        for chunk in rows.chunks(500) {
            request_activity::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// A directory's requests, newest first; `after` is the id of the last row of the previous
    /// page.
    pub async fn list_activity(
        &self,
        directory_id: &str,
        page: &PageRequest,
    ) -> Result<Page<request_activity::Model>> {
        let mut select = request_activity::Entity::find()
            .filter(request_activity::Column::DirectoryId.eq(directory_id));
        if let Some(after) = page.after.as_deref().and_then(|a| a.parse::<i64>().ok()) {
            select = select.filter(request_activity::Column::Id.lt(after));
        }
        let rows = select
            .order_by_desc(request_activity::Column::Id)
            .limit(page.limit + 1)
            .all(self.connection())
            .await?;
        Ok(Page::from_overfetch(rows, page.limit, |r| r.id.to_string()))
    }
}
