//! Prefixed identifiers.
//!
//! Every id is `<prefix>_<32 hex chars of a UUIDv7>`: opaque to clients, unique, and sortable by
//! creation time (the UUIDv7 starts with a millisecond timestamp), so listing by id is listing by
//! age — which keyset pagination relies on.
//!
//! ```
//! use roster_core::id::DirectoryId;
//! let id = DirectoryId::generate();
//! assert!(id.as_str().starts_with("directory_"));
//! assert_eq!(DirectoryId::parse(id.as_str()), Some(id.clone()));
//! assert_eq!(DirectoryId::parse("user_0190"), None);
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The prefix, without the underscore.
            pub const PREFIX: &'static str = $prefix;

            /// A new id, unique and later-sorting than every id made before it in this process.
            pub fn generate() -> Self {
                Self(format!(concat!($prefix, "_{}"), uuid::Uuid::now_v7().simple()))
            }

            /// Accepts a string only if it has this type's prefix and a well-formed body, so a
            /// `user_…` can never be used where a `directory_…` is meant.
            pub fn parse(s: &str) -> Option<Self> {
                let body = s.strip_prefix(concat!($prefix, "_"))?;
                let well_formed = !body.is_empty()
                    && body.len() <= 64
                    && body.bytes().all(|b| b.is_ascii_alphanumeric());
                well_formed.then(|| Self(s.to_owned()))
            }

            /// Wraps a value read back from our own storage, trusted to be well formed.
            pub fn from_trusted(s: String) -> Self {
                Self(s)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

prefixed_id!(
    /// A tenant of the app vendor.
    OrganizationId,
    "org"
);
prefixed_id!(
    /// One identity-provider connection of an organization.
    DirectoryId,
    "directory"
);
prefixed_id!(
    /// A bearer token of a directory's SCIM endpoint.
    TokenId,
    "dtoken"
);
prefixed_id!(
    /// A management API key.
    ApiKeyId,
    "key"
);
prefixed_id!(
    /// A normalized directory user.
    UserId,
    "user"
);
prefixed_id!(
    /// A normalized directory group.
    GroupId,
    "group"
);
prefixed_id!(
    /// An event in the event store.
    EventId,
    "evt"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_in_creation_order() {
        let ids: Vec<UserId> = (0..200).map(|_| UserId::generate()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn parse_rejects_other_prefixes_and_garbage() {
        assert!(UserId::parse("group_0123").is_none());
        assert!(UserId::parse("user_").is_none());
        assert!(UserId::parse("user_12;drop").is_none());
        assert!(UserId::parse("user_abc123").is_some());
    }
}
