//! `attributes` / `excludedAttributes` projection and ETag helpers.

use chrono::{TimeZone, Utc};
use roster_scim::resource::{
    check_if_match, etag_matches, if_none_match_hits, project, weak_etag, Meta, Projection,
};
use roster_scim::schema::{AttributeDef, Returned, Schema, SchemaRegistry, RESOURCE_USER};
use serde_json::{json, Value};

const U: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const G: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const E: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const X: &str = "urn:x:secret:1.0:User";

fn registry() -> SchemaRegistry {
    let mut r = SchemaRegistry::new();
    r.register_extension(
        Schema::new(
            X,
            "Secret",
            "",
            vec![
                AttributeDef::string("pin").returned(Returned::Request),
                AttributeDef::string("tag"),
            ],
        ),
        RESOURCE_USER,
    )
    .unwrap();
    r
}

fn user() -> Value {
    json!({
        "schemas": [U, E, X],
        "id": "u1",
        "externalId": "e1",
        "userName": "ada",
        "password": "never-shown",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": "a@x", "type": "work", "primary": true}, {"value": "b@y", "type": "home"}],
        "active": true,
        E: {"employeeNumber": "7", "manager": {"value": "m1", "displayName": "Boss"}},
        X: {"pin": "1234", "tag": "t"},
        "urn:unknown:ext:1.0": {"k": "v"},
        "meta": {"resourceType": "User", "version": "W/\"2\""}
    })
}

fn without(mut v: Value, keys: &[&str]) -> Value {
    for k in keys {
        v.as_object_mut().unwrap().remove(*k);
    }
    v
}

#[test]
fn projection_table() {
    let r = registry();
    let default_view = without(
        json!({
            "schemas": [U, E, X], "id": "u1", "externalId": "e1", "userName": "ada",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "a@x", "type": "work", "primary": true}, {"value": "b@y", "type": "home"}],
            "active": true,
            E: {"employeeNumber": "7", "manager": {"value": "m1", "displayName": "Boss"}},
            X: {"tag": "t"},
            "urn:unknown:ext:1.0": {"k": "v"},
            "meta": {"resourceType": "User", "version": "W/\"2\""}
        }),
        &[],
    );
    let table: Vec<(&str, Vec<&str>, Vec<&str>, Value)> = vec![
        (
            "no parameters: everything but never/request",
            vec![],
            vec![],
            default_view.clone(),
        ),
        (
            "attributes=userName keeps id and schemas",
            vec!["userName"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", "userName": "ada"}),
        ),
        (
            "attribute names are case-insensitive",
            vec!["USERNAME", "Active"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", "userName": "ada", "active": true}),
        ),
        (
            "sub-attribute selection",
            vec!["name.givenName"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", "name": {"givenName": "Ada"}}),
        ),
        (
            "sub-attribute of multi-valued",
            vec!["emails.value"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", "emails": [{"value": "a@x"}, {"value": "b@y"}]}),
        ),
        (
            "whole attribute plus its sub-attribute",
            vec!["name", "name.givenName"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", "name": {"givenName": "Ada", "familyName": "Lovelace"}}),
        ),
        (
            "URN-qualified extension attribute",
            vec!["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", E: {"employeeNumber": "7"}}),
        ),
        (
            "URN-qualified extension sub-attribute",
            vec!["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", E: {"manager": {"value": "m1"}}}),
        ),
        (
            "bare extension URN selects the whole extension",
            vec![E],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", E: {"employeeNumber": "7", "manager": {"value": "m1", "displayName": "Boss"}}}),
        ),
        (
            "unqualified extension attribute name",
            vec!["employeeNumber"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", E: {"employeeNumber": "7"}}),
        ),
        (
            "core URN-qualified attribute",
            vec!["urn:ietf:params:scim:schemas:core:2.0:User:userName"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", "userName": "ada"}),
        ),
        (
            "returned:request attribute shown when asked",
            vec!["urn:x:secret:1.0:User:pin"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", X: {"pin": "1234"}}),
        ),
        (
            "password never shown, even when asked",
            vec!["password", "userName"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", "userName": "ada"}),
        ),
        (
            "meta only when asked",
            vec!["meta"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", "meta": {"resourceType": "User", "version": "W/\"2\""}}),
        ),
        (
            "unknown attribute names are ignored",
            vec!["shoeSize", "userName"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", "userName": "ada"}),
        ),
        (
            "unknown extension URN selects its object",
            vec!["urn:unknown:ext:1.0"],
            vec![],
            json!({"schemas": [U, E, X], "id": "u1", "urn:unknown:ext:1.0": {"k": "v"}}),
        ),
        (
            "excluded top-level attribute",
            vec![],
            vec!["emails"],
            without(default_view.clone(), &["emails"]),
        ),
        (
            "excluding id has no effect (returned always)",
            vec![],
            vec!["id"],
            default_view.clone(),
        ),
        (
            "excluded sub-attribute",
            vec![],
            vec![
                "name.familyName",
                "emails.type",
                "meta",
                E,
                "urn:unknown:ext:1.0",
            ],
            without(
                {
                    let mut v = default_view.clone();
                    v["name"] = json!({"givenName": "Ada"});
                    v["emails"] = json!([{"value": "a@x", "primary": true}, {"value": "b@y"}]);
                    v
                },
                &["meta", E, "urn:unknown:ext:1.0"],
            ),
        ),
        (
            "excluded extension attribute",
            vec![],
            vec!["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"],
            {
                let mut v = default_view.clone();
                v[E] = json!({"employeeNumber": "7"});
                v
            },
        ),
        (
            "attributes wins over excludedAttributes",
            vec!["userName"],
            vec!["userName"],
            json!({"schemas": [U, E, X], "id": "u1", "userName": "ada"}),
        ),
    ];
    for (name, attrs, excl, want) in table {
        let got = project(&user(), &attrs, &excl, &r, "User");
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn group_projection_for_entra() {
    let r = registry();
    let group = json!({"schemas": [G], "id": "g1", "displayName": "Eng", "members": [{"value": "u1"}],
                       "meta": {"resourceType": "Group"}});
    let p = Projection::new(&[], &["members"], &r, "Group");
    assert!(!p.is_identity());
    assert_eq!(
        p.apply(&group),
        json!({"schemas": [G], "id": "g1", "displayName": "Eng", "meta": {"resourceType": "Group"}})
    );
    let p = Projection::new(&["displayName"], &[], &r, "Group");
    assert_eq!(
        p.apply(&group),
        json!({"schemas": [G], "id": "g1", "displayName": "Eng"})
    );
    let p = Projection::new::<&str>(&[], &[], &r, "Group");
    assert!(p.is_identity());
    assert_eq!(p.apply(&group), group);
    assert_eq!(p.apply(&json!("not an object")), json!("not an object"));
}

#[test]
fn etags() {
    assert_eq!(weak_etag(0), "W/\"0\"");
    assert_eq!(weak_etag(42), "W/\"42\"");
    let table = [
        ("W/\"3\"", "W/\"3\"", true),
        ("\"3\"", "W/\"3\"", true),
        ("w/\"3\"", "W/\"3\"", true),
        ("*", "W/\"3\"", true),
        ("W/\"2\", W/\"3\"", "W/\"3\"", true),
        ("W/\"2\"", "W/\"3\"", false),
        ("", "W/\"3\"", false),
        ("W/\"33\"", "W/\"3\"", false),
    ];
    for (header, current, want) in table {
        assert_eq!(etag_matches(header, current), want, "{header}");
    }
    assert!(check_if_match(None, "W/\"1\"").is_ok());
    let e = check_if_match(Some("W/\"0\""), "W/\"1\"").unwrap_err();
    assert_eq!(e.status, 412);
    assert!(if_none_match_hits(Some("W/\"1\""), "W/\"1\""));
    assert!(!if_none_match_hits(None, "W/\"1\""));
}

#[test]
fn meta_stamping() {
    let created = Utc.with_ymd_and_hms(2026, 1, 5, 10, 0, 0).unwrap();
    let modified = Utc.with_ymd_and_hms(2026, 2, 1, 8, 30, 0).unwrap();
    let meta = Meta {
        resource_type: "User",
        created,
        last_modified: modified,
        base_url: "https://r.example/scim/v2/directory_1/",
        id: "user_1",
        version: 7,
    };
    assert_eq!(
        meta.to_json(),
        json!({"resourceType": "User", "created": "2026-01-05T10:00:00Z", "lastModified": "2026-02-01T08:30:00Z",
               "location": "https://r.example/scim/v2/directory_1/Users/user_1", "version": "W/\"7\""})
    );
    let mut body = json!({"userName": "a", "ID": "spoof", "Meta": {"resourceType": "Nope"}});
    meta.stamp(&mut body);
    assert_eq!(body["id"], "user_1");
    assert!(body.get("ID").is_none() && body.get("Meta").is_none());
    assert_eq!(body["meta"]["version"], "W/\"7\"");
    let g = Meta {
        resource_type: "Group",
        ..meta
    };
    assert_eq!(
        g.location(),
        "https://r.example/scim/v2/directory_1/Groups/user_1"
    );
}
