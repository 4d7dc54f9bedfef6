//! Fuzz target: parse and apply arbitrary PATCH bodies (SCIM 2.0 and 1.1)
//! to arbitrary resources. Must never panic or hang.
//!
//! Input layout: byte 0 picks the resource type (even: User, odd: Group);
//! the rest is `<resource JSON> \0 <patch JSON>`. Without a `\0`, the whole
//! rest is the patch body and a fixed resource is used.
//!
//! Invariants: no panic or hang; a failed PATCH leaves the resource exactly
//! as it was; `changed == false` implies the result is semantically equal
//! to the input. Bodies that are not PatchOp messages go through the SCIM
//! 1.1 partial-resource translation, and every body also through
//! `normalize_resource` / `put_resource`.
//!
//! ```sh
//! cd crates/scim/fuzz
//! RUSTC_BOOTSTRAP=1 cargo fuzz run patch_apply corpus/patch_apply -- \
//!     -max_total_time=600 -timeout=10 -max_len=4096 -print_final_stats=1
//! ```
//!
//! Crashes found so far are regression tests in `tests/patch.rs`
//! (`fuzz_regressions`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use roster_scim::schema::{AttributeDef, Schema, SchemaRegistry, RESOURCE_USER};
use roster_scim::{dialect, patch, v1, AttrKind};
use serde_json::{json, Value};

fn registry() -> SchemaRegistry {
    let mut r = SchemaRegistry::new();
    let acme = Schema::new(
        "urn:ietf:params:scim:schemas:extension:acme:1.0:User",
        "AcmeUser",
        "",
        vec![
            AttributeDef::new("joinDate", AttrKind::DateTime),
            AttributeDef::new("photoUrl", AttrKind::Reference),
            AttributeDef::new("level", AttrKind::Integer),
        ],
    );
    let _ = r.register_extension(acme, RESOURCE_USER);
    r
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let rt = if selector % 2 == 0 { "User" } else { "Group" };
    let (resource, body) = match rest.iter().position(|b| *b == 0) {
        Some(i) => (
            serde_json::from_slice::<Value>(&rest[..i]).ok(),
            &rest[i + 1..],
        ),
        None => (None, rest),
    };
    let mut resource = resource.unwrap_or_else(|| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u1", "userName": "ada", "active": true,
            "emails": [{"value": "a@x.io", "type": "work", "primary": true}],
            "members": [{"value": "m1"}, {"value": "m2"}],
            "displayName": "Ada",
        })
    });
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let registry = registry();
    let original = resource.clone();
    match patch::PatchRequest::parse(&body) {
        Ok(req) => {
            if let Ok(outcome) = patch::apply(&mut resource, &req, &registry, rt) {
                // Applying the same request again must not panic either.
                let mut again = resource.clone();
                let _ = patch::apply(&mut again, &req, &registry, rt);
                if !outcome.changed {
                    assert!(dialect::semantic_eq(&original, &resource));
                }
            } else {
                // Atomic: a failed PATCH leaves the resource as it was.
                assert_eq!(original, resource);
            }
        }
        Err(_) => {
            let mut r2 = resource.clone();
            let _ = v1::apply_patch(&mut r2, &body, &registry, rt);
        }
    }
    let mut b2 = body;
    let _ = dialect::normalize_resource(&mut b2, &registry, rt);
    let _ = dialect::put_resource(&original, b2, &registry, rt);
});
