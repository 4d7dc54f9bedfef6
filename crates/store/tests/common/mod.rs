//! Shared setup of the store's integration tests.

use roster_core::{DirectorySettings, Provider, ScimVersion};
use roster_store::directories::{NewDirectory, NewToken};
use roster_store::{Store, StoreOptions};

/// A migrated store on `url` with one organization and one Okta directory in it; returns the
/// store, the directory id and the organization id.
pub async fn store_with_directory(url: &str) -> (Store, String, String) {
    let store = Store::connect(url, &StoreOptions::default())
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let org = store
        .create_organization("Acme", None)
        .await
        .expect("organization");
    let (directory, _) = store
        .create_directory(
            NewDirectory {
                organization_id: &org.id,
                name: "Okta",
                provider: Provider::Okta,
                scim_version: ScimVersion::V2,
                settings: DirectorySettings::default(),
            },
            NewToken {
                id: "dtoken_01",
                hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
                suffix: "abcd",
            },
        )
        .await
        .expect("directory");
    (store, directory.id, org.id)
}
