//! Management API keys. Only an argon2id hash of each key is stored.

use crate::entity::api_key;
use crate::{Result, Store};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

impl Store {
    pub async fn create_api_key(
        &self,
        id: &str,
        name: &str,
        key_hash: &str,
    ) -> Result<api_key::Model> {
        let model = api_key::ActiveModel {
            id: Set(id.to_owned()),
            name: Set(name.to_owned()),
            key_hash: Set(key_hash.to_owned()),
            created_at: Set(Utc::now()),
            last_used_at: Set(None),
            revoked_at: Set(None),
        };
        Ok(model.insert(self.connection()).await?)
    }

    /// A key that has not been revoked.
    pub async fn find_active_api_key(&self, id: &str) -> Result<Option<api_key::Model>> {
        Ok(api_key::Entity::find_by_id(id.to_owned())
            .filter(api_key::Column::RevokedAt.is_null())
            .one(self.connection())
            .await?)
    }

    pub async fn count_api_keys(&self) -> Result<u64> {
        Ok(api_key::Entity::find().count(self.connection()).await?)
    }
}
