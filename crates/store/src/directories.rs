//! Directories and their SCIM bearer tokens.

use crate::entity::{directory, directory_token};
use crate::{DirectoryWrite, Page, PageRequest, Result, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use roster_core::{
    DirectoryId, DirectorySettings, DirectoryState, NewEvent, Provider, ScimVersion,
};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

/// What a new directory starts with.
#[derive(Clone, Debug)]
pub struct NewDirectory<'a> {
    pub organization_id: &'a str,
    pub name: &'a str,
    pub provider: Provider,
    pub scim_version: ScimVersion,
    pub settings: DirectorySettings,
}

/// The hash of a freshly generated SCIM token (the token itself is never stored).
#[derive(Clone, Debug)]
pub struct NewToken<'a> {
    pub id: &'a str,
    pub hash: &'a str,
    pub suffix: &'a str,
}

/// A change to a directory: `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct DirectoryChange {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub settings: Option<DirectorySettings>,
}

/// Reads a directory's settings column; a shape we can't read is a bug worth an error, not a
/// silent reset of the vendor's configuration.
pub fn settings_of(model: &directory::Model) -> Result<DirectorySettings> {
    serde_json::from_value(model.settings.clone())
        .map_err(|e| StoreError::Corrupt(format!("settings of {}: {e}", model.id)))
}

impl Store {
    /// Creates a directory together with its first token.
    pub async fn create_directory(
        &self,
        new: NewDirectory<'_>,
        token: NewToken<'_>,
    ) -> Result<(directory::Model, directory_token::Model)> {
        let now = Utc::now();
        let settings =
            serde_json::to_value(&new.settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let txn = self.connection().begin().await?;
        let directory = directory::ActiveModel {
            id: Set(DirectoryId::generate().into_string()),
            organization_id: Set(new.organization_id.to_owned()),
            name: Set(new.name.to_owned()),
            provider: Set(new.provider.as_str().to_owned()),
            scim_version: Set(new.scim_version.as_str().to_owned()),
            state: Set(DirectoryState::Pending.as_str().to_owned()),
            enabled: Set(true),
            settings: Set(settings),
            event_sequence: Set(0),
            activated_at: Set(None),
            last_request_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let token = insert_token(&txn, &directory.id, token, now).await?;
        txn.commit().await?;
        Ok((directory, token))
    }

    pub async fn find_directory(&self, id: &str) -> Result<Option<directory::Model>> {
        Ok(directory::Entity::find_by_id(id.to_owned())
            .one(self.connection())
            .await?)
    }

    pub async fn list_directories(
        &self,
        organization_id: &str,
        page: &PageRequest,
    ) -> Result<Page<directory::Model>> {
        let mut select = directory::Entity::find()
            .filter(directory::Column::OrganizationId.eq(organization_id))
            .order_by_asc(directory::Column::Id)
            .limit(page.limit + 1);
        if let Some(after) = &page.after {
            select = select.filter(directory::Column::Id.gt(after.clone()));
        }
        let rows = select.all(self.connection()).await?;
        Ok(Page::from_overfetch(rows, page.limit, |r| r.id.clone()))
    }

    /// Deletes a directory (its tokens, users and groups cascade) and commits `directory.deleted`.
    pub async fn delete_directory(
        &self,
        id: &str,
        event: impl Fn(&directory::Model) -> NewEvent,
    ) -> Result<()> {
        let mut write = self.begin_directory_write(id).await?;
        let before = directory::Entity::find_by_id(id.to_owned())
            .one(write.txn())
            .await?
            .ok_or(StoreError::NotFound)?;
        write.append(vec![event(&before)]).await?;
        directory::Entity::delete_by_id(id.to_owned())
            .exec(write.txn())
            .await?;
        write.commit().await?;
        Ok(())
    }

    /// Replaces the directory's token. Old tokens stop working now, or after `grace`.
    pub async fn rotate_directory_token(
        &self,
        id: &str,
        token: NewToken<'_>,
        grace: Option<Duration>,
        event: impl FnOnce(&directory::Model, &directory_token::Model) -> NewEvent,
    ) -> Result<directory_token::Model> {
        let now = Utc::now();
        let mut write = self.begin_directory_write(id).await?;
        let directory = directory::Entity::find_by_id(id.to_owned())
            .one(write.txn())
            .await?
            .ok_or(StoreError::NotFound)?;
        match grace {
            Some(grace) if grace > Duration::zero() => {
                let expires = now + grace;
                // Never extend a token that was already due to expire sooner.
                let still_valid = directory_token::Entity::find()
                    .filter(directory_token::Column::DirectoryId.eq(id))
                    .filter(active_at(now))
                    .all(write.txn())
                    .await?;
                for old in still_valid {
                    let new_expiry = match old.expires_at {
                        Some(existing) if existing < expires => existing,
                        _ => expires,
                    };
                    let mut old: directory_token::ActiveModel = old.into();
                    old.expires_at = Set(Some(new_expiry));
                    old.update(write.txn()).await?;
                }
            }
            _ => {
                directory_token::Entity::delete_many()
                    .filter(directory_token::Column::DirectoryId.eq(id))
                    .exec(write.txn())
                    .await?;
            }
        }
        let created = insert_token(write.txn(), id, token, now).await?;
        write.append(vec![event(&directory, &created)]).await?;
        write.commit().await?;
        Ok(created)
    }

    /// Marks a pending directory active and commits `directory.activated` (built by `event` from
    /// the activated directory). Returns false if it was already active: only the first
    /// authenticated request activates, even when several race.
    pub async fn activate_directory(
        &self,
        id: &str,
        event: impl FnOnce(&directory::Model) -> NewEvent,
    ) -> Result<bool> {
        let mut write = self.begin_directory_write(id).await?;
        let current = directory::Entity::find_by_id(id.to_owned())
            .one(write.txn())
            .await?
            .ok_or(StoreError::NotFound)?;
        if DirectoryState::parse(&current.state) == DirectoryState::Active {
            return Ok(false);
        }
        let now = Utc::now();
        let mut model: directory::ActiveModel = current.into();
        model.state = Set(DirectoryState::Active.as_str().to_owned());
        model.activated_at = Set(Some(now));
        model.last_request_at = Set(Some(now));
        model.updated_at = Set(now);
        let activated = model.update(write.txn()).await?;
        write.append(vec![event(&activated)]).await?;
        write.commit().await?;
        Ok(true)
    }

    /// The tokens that authenticate a directory's SCIM requests right now.
    pub async fn active_directory_tokens(
        &self,
        directory_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<directory_token::Model>> {
        Ok(directory_token::Entity::find()
            .filter(directory_token::Column::DirectoryId.eq(directory_id))
            .filter(active_at(now))
            .order_by_desc(directory_token::Column::CreatedAt)
            .all(self.connection())
            .await?)
    }
}

fn active_at(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(directory_token::Column::ExpiresAt.is_null())
        .add(directory_token::Column::ExpiresAt.gt(now))
}

async fn insert_token(
    conn: &impl sea_orm::ConnectionTrait,
    directory_id: &str,
    token: NewToken<'_>,
    now: DateTime<Utc>,
) -> Result<directory_token::Model> {
    Ok(directory_token::ActiveModel {
        id: Set(token.id.to_owned()),
        directory_id: Set(directory_id.to_owned()),
        token_hash: Set(token.hash.to_owned()),
        suffix: Set(token.suffix.to_owned()),
        created_at: Set(now),
        expires_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(conn)
    .await?)
}

impl DirectoryWrite {
    /// The directory row as this write sees it (under the directory's lock).
    pub async fn directory(&self) -> Result<directory::Model> {
        directory::Entity::find_by_id(self.directory_id().to_owned())
            .one(self.txn())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Applies a change to the directory row; returns the row after it (unchanged when the
    /// change changes nothing). The caller appends the events and commits.
    pub async fn update_directory(
        &self,
        before: &directory::Model,
        change: DirectoryChange,
    ) -> Result<directory::Model> {
        let mut model: directory::ActiveModel = before.clone().into();
        if let Some(name) = change.name {
            model.name = Set(name);
        }
        if let Some(enabled) = change.enabled {
            model.enabled = Set(enabled);
        }
        if let Some(settings) = change.settings {
            model.settings =
                Set(serde_json::to_value(settings)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?);
        }
        if !model.is_changed() {
            return Ok(before.clone());
        }
        model.updated_at = Set(Utc::now());
        Ok(model.update(self.txn()).await?)
    }
}
