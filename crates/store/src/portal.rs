//! Admin-portal links: single-use, short-lived. The secret part of a link is kept only as an
//! argon2id hash; opening a link marks it used in the same statement that checks it is unused
//! and unexpired, so two browsers racing on one link get one session between them.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::webhooks::stmt;

use crate::{Result, Store};

/// A link as stored (the hash, never the secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalLink {
    pub id: String,
    pub organization_id: String,
    pub secret_hash: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

impl Store {
    pub async fn create_portal_link(
        &self,
        id: &str,
        organization_id: &str,
        secret_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.connection()
            .execute(stmt(
                self.backend(),
                "INSERT INTO portal_links (id, organization_id, secret_hash, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                vec![
                    id.into(),
                    organization_id.into(),
                    secret_hash.into(),
                    expires_at.into(),
                    Utc::now().into(),
                ],
            ))
            .await?;
        Ok(())
    }

    pub async fn find_portal_link(&self, id: &str) -> Result<Option<PortalLink>> {
        let row = self
            .connection()
            .query_one(stmt(
                self.backend(),
                "SELECT id, organization_id, secret_hash, expires_at, used_at \
                 FROM portal_links WHERE id = $1",
                vec![id.into()],
            ))
            .await?;
        row.map(|row| {
            Ok(PortalLink {
                id: row.try_get("", "id")?,
                organization_id: row.try_get("", "organization_id")?,
                secret_hash: row.try_get("", "secret_hash")?,
                expires_at: row.try_get("", "expires_at")?,
                used_at: row.try_get("", "used_at")?,
            })
        })
        .transpose()
    }

    /// Marks the link used if it is neither used nor expired; `false` if it was either.
    pub async fn use_portal_link(&self, id: &str, now: DateTime<Utc>) -> Result<bool> {
        let result = self
            .connection()
            .execute(stmt(
                self.backend(),
                "UPDATE portal_links SET used_at = $1 \
                 WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
                vec![now.into(), id.into()],
            ))
            .await?;
        Ok(result.rows_affected() == 1)
    }
}

/// What the portal's status page counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirectoryCounts {
    pub active_users: u64,
    pub users: u64,
    pub groups: u64,
}

impl Store {
    pub async fn directory_counts(&self, directory_id: &str) -> Result<DirectoryCounts> {
        let row = self
            .connection()
            .query_one(stmt(
                self.backend(),
                "SELECT \
                   (SELECT COUNT(*) FROM users WHERE directory_id = $1 AND state = 'active') AS active_users, \
                   (SELECT COUNT(*) FROM users WHERE directory_id = $1) AS users, \
                   (SELECT COUNT(*) FROM groups WHERE directory_id = $1) AS groups",
                vec![directory_id.into()],
            ))
            .await?;
        let Some(row) = row else {
            return Ok(DirectoryCounts::default());
        };
        let count = |name: &str| row.try_get::<i64>("", name).map(|n| n.max(0) as u64);
        Ok(DirectoryCounts {
            active_users: count("active_users")?,
            users: count("users")?,
            groups: count("groups")?,
        })
    }
}
