//! Organizations: the vendor's tenants.

use crate::entity::{directory, organization};
use crate::{Page, PageRequest, Result, Store, StoreError};
use chrono::Utc;
use roster_core::{NewEvent, OrganizationId};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// A change to an organization: `None` leaves a field alone; `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct OrganizationChange {
    pub name: Option<String>,
    pub external_id: Option<Option<String>>,
    pub directory_sync_enabled: Option<bool>,
}

impl Store {
    pub async fn create_organization(
        &self,
        name: &str,
        external_id: Option<&str>,
    ) -> Result<organization::Model> {
        let now = Utc::now();
        let model = organization::ActiveModel {
            id: Set(OrganizationId::generate().into_string()),
            name: Set(name.to_owned()),
            external_id: Set(external_id.map(str::to_owned)),
            directory_sync_enabled: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        };
        model
            .insert(self.connection())
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!(
                    "an organization with external_id '{}' already exists",
                    external_id.unwrap_or_default()
                )),
                other => other,
            })
    }

    pub async fn find_organization(&self, id: &str) -> Result<Option<organization::Model>> {
        Ok(organization::Entity::find_by_id(id.to_owned())
            .one(self.connection())
            .await?)
    }

    pub async fn list_organizations(
        &self,
        page: &PageRequest,
        external_id: Option<&str>,
    ) -> Result<Page<organization::Model>> {
        let mut select = organization::Entity::find()
            .order_by_asc(organization::Column::Id)
            .limit(page.limit + 1);
        if let Some(after) = &page.after {
            select = select.filter(organization::Column::Id.gt(after.clone()));
        }
        if let Some(external_id) = external_id {
            select = select.filter(organization::Column::ExternalId.eq(external_id));
        }
        let rows = select.all(self.connection()).await?;
        Ok(Page::from_overfetch(rows, page.limit, |r| r.id.clone()))
    }

    pub async fn update_organization(
        &self,
        id: &str,
        change: OrganizationChange,
    ) -> Result<organization::Model> {
        let current = self
            .find_organization(id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut model: organization::ActiveModel = current.into();
        if let Some(name) = change.name {
            model.name = Set(name);
        }
        if let Some(external_id) = change.external_id {
            model.external_id = Set(external_id);
        }
        if let Some(enabled) = change.directory_sync_enabled {
            model.directory_sync_enabled = Set(enabled);
        }
        model.updated_at = Set(Utc::now());
        model
            .update(self.connection())
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => {
                    StoreError::Conflict("another organization already has this external_id".into())
                }
                other => other,
            })
    }

    /// Deletes the organization and its directories; each directory deletion commits with its
    /// `directory.deleted` event (built by `deleted_event`). Returns the deleted directories' ids.
    pub async fn delete_organization(
        &self,
        id: &str,
        deleted_event: impl Fn(&directory::Model) -> NewEvent,
    ) -> Result<Vec<String>> {
        if self.find_organization(id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        let directory_ids: Vec<String> = directory::Entity::find()
            .filter(directory::Column::OrganizationId.eq(id))
            .select_only()
            .column(directory::Column::Id)
            .into_tuple()
            .all(self.connection())
            .await?;
        for directory_id in &directory_ids {
            match self.delete_directory(directory_id, &deleted_event).await {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        organization::Entity::delete_by_id(id.to_owned())
            .exec(self.connection())
            .await?;
        Ok(directory_ids)
    }
}
