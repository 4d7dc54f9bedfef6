//! Property tests: operations that have an inverse restore the resource.
//!
//! * add of an absent attribute, then remove it;
//! * replace a present attribute, then replace it back with the old value;
//! * add a member, then remove it (by value filter or by value list);
//!
//! and, for arbitrary operation sequences, `apply` never panics and leaves
//! the resource untouched when it fails.

use proptest::prelude::*;
use roster_scim::patch::{apply, PatchRequest};
use roster_scim::schema::SchemaRegistry;
use serde_json::{json, Map, Value};

const U: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const G: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const E: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ._@-]{1,12}"
}

fn user_strategy() -> impl Strategy<Value = Value> {
    (
        text(),
        text(),
        text(),
        any::<bool>(),
        prop::option::of(text()),
        prop::collection::vec(
            (text(), prop::sample::select(vec!["work", "home", "other"])),
            0..4,
        ),
        prop::option::of(text()),
    )
        .prop_map(|(user_name, given, display, active, title, emails, dept)| {
            let mut o = Map::new();
            o.insert("schemas".into(), json!([U]));
            o.insert("id".into(), json!("u1"));
            o.insert("userName".into(), json!(user_name));
            o.insert("name".into(), json!({"givenName": given}));
            o.insert("displayName".into(), json!(display));
            o.insert("active".into(), json!(active));
            if let Some(t) = title {
                o.insert("title".into(), json!(t));
            }
            // Distinct email values.
            let mut seen = std::collections::HashSet::new();
            let emails: Vec<Value> = emails
                .into_iter()
                .filter(|(v, _)| seen.insert(v.to_lowercase()))
                .map(|(v, t)| json!({"value": v, "type": t}))
                .collect();
            if !emails.is_empty() {
                o.insert("emails".into(), Value::Array(emails));
            }
            if let Some(d) = dept {
                o.insert("schemas".into(), json!([U, E]));
                o.insert(E.into(), json!({"department": d}));
            }
            Value::Object(o)
        })
}

fn group_strategy() -> impl Strategy<Value = Value> {
    (text(), prop::collection::btree_set("u[0-9]{1,4}", 1..40)).prop_map(|(name, ids)| {
        let members: Vec<Value> = ids.into_iter().map(|id| json!({"value": id})).collect();
        json!({"schemas": [G], "id": "g1", "displayName": name, "members": members})
    })
}

fn run(resource: &mut Value, rt: &str, ops: Value) -> roster_scim::Result<bool> {
    let registry = SchemaRegistry::new();
    let req = PatchRequest::parse(&json!({"Operations": ops}))?;
    apply(resource, &req, &registry, rt).map(|o| o.changed)
}

fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    match path.split_once('.') {
        Some((a, b)) => v.get(a)?.get(b),
        None => v.get(path),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn add_then_remove_restores(
        user in user_strategy(),
        attr in prop::sample::select(vec![
            "nickName", "userType", "locale", "timezone", "profileUrl", "preferredLanguage",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division",
            "name.familyName", "name.middleName",
        ]),
        value in text(),
    ) {
        let mut r = user.clone();
        let changed = run(&mut r, "User", json!([{"op": "add", "path": attr, "value": value}])).unwrap();
        prop_assert!(changed);
        run(&mut r, "User", json!([{"op": "remove", "path": attr}])).unwrap();
        prop_assert_eq!(r, user);
    }

    #[test]
    fn replace_then_replace_back_restores(
        user in user_strategy(),
        attr in prop::sample::select(vec!["userName", "displayName", "name.givenName", "active"]),
        new_text in text(),
    ) {
        let old = lookup(&user, attr).cloned().unwrap();
        let new = if old.is_boolean() { json!(!old.as_bool().unwrap()) } else { json!(new_text) };
        let mut r = user.clone();
        let changed = run(&mut r, "User", json!([{"op": "replace", "path": attr, "value": new}])).unwrap();
        prop_assert_eq!(changed, new != old);
        run(&mut r, "User", json!([{"op": "Replace", "path": attr, "value": old}])).unwrap();
        prop_assert_eq!(r, user);
    }

    #[test]
    fn replace_email_by_filter_then_back_restores(user in user_strategy(), new_value in "[a-z]{1,8}@new\\.example") {
        let Some(first) = user.get("emails").and_then(|e| e.get(0)).cloned() else { return Ok(()) };
        let old = first["value"].clone();
        let path_new = format!("emails[value eq \"{}\"].value", new_value);
        let path_old = format!("emails[value eq {}].value", old);
        let mut r = user.clone();
        run(&mut r, "User", json!([{"op": "replace", "path": path_old, "value": new_value}])).unwrap();
        run(&mut r, "User", json!([{"op": "replace", "path": path_new, "value": old}])).unwrap();
        prop_assert_eq!(r, user);
    }

    #[test]
    fn add_member_then_remove_restores(
        group in group_strategy(),
        new_ids in prop::collection::btree_set("n[0-9]{1,4}", 1..20),
        by_filter in any::<bool>(),
    ) {
        let mut r = group.clone();
        let adds: Vec<Value> = new_ids.iter().map(|id| json!({"value": id})).collect();
        let changed = run(&mut r, "Group", json!([{"op": "add", "path": "members", "value": adds}])).unwrap();
        prop_assert!(changed);
        let removes: Vec<Value> = if by_filter {
            new_ids.iter().map(|id| json!({"op": "remove", "path": format!("members[value eq \"{id}\"]")})).collect()
        } else {
            vec![json!({"op": "Remove", "path": "members", "value": new_ids.iter().map(|id| json!({"value": id})).collect::<Vec<_>>()})]
        };
        run(&mut r, "Group", Value::Array(removes)).unwrap();
        prop_assert_eq!(r, group);
    }

    #[test]
    fn remove_existing_member_then_add_back_keeps_the_set(group in group_strategy(), pick in any::<prop::sample::Index>()) {
        let members = group["members"].as_array().unwrap().clone();
        let victim = pick.get(&members).clone();
        let mut r = group.clone();
        run(&mut r, "Group", json!([{"op": "remove", "path": format!("members[value eq {}]", victim["value"])}])).unwrap();
        run(&mut r, "Group", json!([{"op": "add", "path": "members", "value": [victim]}])).unwrap();
        let mut a: Vec<String> = members.iter().map(|m| m["value"].to_string()).collect();
        let mut b: Vec<String> = r["members"].as_array().unwrap().iter().map(|m| m["value"].to_string()).collect();
        a.sort();
        b.sort();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn arbitrary_ops_never_panic_and_failures_are_atomic(
        user in user_strategy(),
        ops in prop::collection::vec(
            (
                prop::sample::select(vec!["add", "Replace", "remove", "merge"]),
                prop::option::of(prop::sample::select(vec![
                    "title", "emails", "emails[type eq \"work\"].value", "emails[value co \"a\"]", "name",
                    "name.givenName", "id", "meta", "userName", "active", "groups", "bogus", "name[x eq 1]",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "urn:a:b:1.0:x",
                ])),
                prop::sample::select(vec![
                    json!("x"), json!(null), json!("False"), json!(7), json!([{"value": "v", "primary": true}]),
                    json!({"givenName": "G"}), json!({"title": "T", "id": "zz"}), json!([]),
                ]),
            ),
            1..6,
        ),
    ) {
        let ops: Vec<Value> = ops
            .into_iter()
            .map(|(op, path, value)| match path {
                Some(p) => json!({"op": op, "path": p, "value": value}),
                None => json!({"op": op, "value": value}),
            })
            .collect();
        let mut r = user.clone();
        if run(&mut r, "User", Value::Array(ops)).is_err() {
            prop_assert_eq!(r, user);
        }
    }
}

#[derive(Debug, Clone)]
enum MemberOp {
    Add(Vec<(String, Option<String>)>),
    RemoveFilter(String),
    RemoveList(Vec<String>),
}

fn member_op() -> impl Strategy<Value = MemberOp> {
    let id = "u[0-9]{1,2}";
    prop_oneof![
        prop::collection::vec((id, prop::option::of("[a-z]{1,3}")), 0..6).prop_map(MemberOp::Add),
        id.prop_map(MemberOp::RemoveFilter),
        prop::collection::vec(id, 1..4).prop_map(MemberOp::RemoveList),
    ]
}

fn to_json(op: &MemberOp) -> Value {
    match op {
        MemberOp::Add(items) => {
            let v: Vec<Value> = items
                .iter()
                .map(|(id, d)| match d {
                    Some(d) => json!({"value": id, "display": d}),
                    None => json!({"value": id}),
                })
                .collect();
            json!({"op": "add", "path": "members", "value": v})
        }
        MemberOp::RemoveFilter(id) => {
            json!({"op": "remove", "path": format!("members[value eq \"{id}\"]")})
        }
        MemberOp::RemoveList(ids) => {
            json!({"op": "Remove", "path": "members", "value": ids.iter().map(|i| json!({"value": i})).collect::<Vec<_>>()})
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The member fast path (alone, or mixed with a rename as Okta sends it)
    /// and the general path agree.
    #[test]
    fn member_fast_path_matches_general_path(
        group in (text(), prop::collection::btree_set("u[0-9]{1,2}", 0..15)).prop_map(|(name, ids)| {
            let members: Vec<Value> = ids.into_iter().map(|id| json!({"value": id})).collect();
            json!({"schemas": [G], "id": "g1", "displayName": name, "members": members})
        }),
        ops in prop::collection::vec(member_op(), 1..6),
        rename in prop::option::of(text()),
    ) {
        let registry = SchemaRegistry::new();
        let mut fast_ops: Vec<Value> = ops.iter().map(to_json).collect();
        if let Some(name) = &rename {
            fast_ops.push(json!({"op": "replace", "value": {"id": "g1", "displayName": name}}));
        }
        let mut general_ops = fast_ops.clone();
        // A no-op that touches members in a non-batchable way sends the
        // request down the general path.
        general_ops.push(json!({"op": "remove", "path": "members[display eq \"__never__\"]"}));
        let mut a = group.clone();
        let mut b = group.clone();
        let fa = apply(&mut a, &PatchRequest::parse(&json!({"Operations": fast_ops})).unwrap(), &registry, "Group").unwrap();
        let gb = apply(&mut b, &PatchRequest::parse(&json!({"Operations": general_ops})).unwrap(), &registry, "Group").unwrap();
        // Same resource, up to unassigned values (`"members": []` vs absent).
        prop_assert!(roster_scim::dialect::semantic_eq(&a, &b), "{} vs {}", a, b);
        let sorted = |mut v: Vec<String>| { v.sort(); v };
        prop_assert_eq!(sorted(fa.members_added.clone()), sorted(gb.members_added.clone()));
        prop_assert_eq!(sorted(fa.members_removed.clone()), sorted(gb.members_removed.clone()));
        // The fast path may report a change conservatively, never miss one.
        prop_assert!(fa.changed || !gb.changed);
        for attr in &gb.changed_attributes {
            prop_assert!(fa.changed_attributes.contains(attr), "{:?} vs {:?}", fa.changed_attributes, gb.changed_attributes);
        }
        if !fa.changed {
            prop_assert!(roster_scim::dialect::semantic_eq(&a, &group));
        }
    }
}
