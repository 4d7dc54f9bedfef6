//! Table-driven PATCH tests: every form of RFC 7644 §3.5.2 and every IdP
//! dialect, with the exact resulting resource (or the exact error) asserted.

use roster_scim::error::ScimType;
use roster_scim::patch::{apply, PatchRequest};
use roster_scim::schema::{AttributeDef, Mutability, Schema, SchemaRegistry, RESOURCE_USER};
use roster_scim::AttrKind;
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ACME: &str = "urn:ietf:params:scim:schemas:extension:acme:1.0:User";

fn registry() -> SchemaRegistry {
    let mut r = SchemaRegistry::new();
    r.register_extension(
        Schema::new(
            ACME,
            "AcmeUser",
            "Acme extension",
            vec![
                AttributeDef::new("joinDate", AttrKind::DateTime),
                AttributeDef::new("photoUrl", AttrKind::Reference),
                AttributeDef::new("level", AttrKind::Integer),
                AttributeDef::string("badge").mutability(Mutability::Immutable),
            ],
        ),
        RESOURCE_USER,
    )
    .unwrap();
    r
}

fn user() -> Value {
    json!({
        "schemas": [USER],
        "id": "u1",
        "externalId": "ext-1",
        "userName": "ada@example.com",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "displayName": "Ada Lovelace",
        "active": true,
        "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
        "meta": {"resourceType": "User", "version": "W/\"1\""}
    })
}

fn ent_user() -> Value {
    over(
        user(),
        json!({
            "schemas": [USER, ENT],
            ENT: {"employeeNumber": "701", "department": "R&D", "manager": {"value": "m1", "displayName": "Boss"}}
        }),
    )
}

fn group() -> Value {
    json!({
        "schemas": [GROUP],
        "id": "g1",
        "displayName": "Engineering",
        "members": [{"value": "u1", "display": "ada"}, {"value": "u2", "display": "grace"}]
    })
}

/// `base` with top-level keys of `changes` replaced (null removes the key).
fn over(mut base: Value, changes: Value) -> Value {
    let (Some(b), Some(c)) = (base.as_object_mut(), changes.as_object()) else {
        panic!("objects expected");
    };
    for (k, v) in c {
        if v.is_null() {
            b.remove(k);
        } else {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

enum Expect {
    Ok(Value),
    /// Unchanged resource, `changed == false`.
    Same,
    Err(ScimType, &'static str),
}

struct Case {
    name: &'static str,
    rt: &'static str,
    start: Value,
    ops: Value,
    expect: Expect,
}

fn case(name: &'static str, rt: &'static str, start: Value, ops: Value, expect: Expect) -> Case {
    Case {
        name,
        rt,
        start,
        ops,
        expect,
    }
}

fn run(cases: Vec<Case>) {
    let registry = registry();
    let mut failures = Vec::new();
    for c in cases {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": c.ops});
        let mut resource = c.start.clone();
        let result =
            PatchRequest::parse(&body).and_then(|req| apply(&mut resource, &req, &registry, c.rt));
        match (&c.expect, result) {
            (Expect::Ok(want), Ok(outcome)) => {
                if &resource != want {
                    failures.push(format!(
                        "{}: got\n{}\nwant\n{}",
                        c.name,
                        serde_json::to_string_pretty(&resource).unwrap(),
                        serde_json::to_string_pretty(want).unwrap()
                    ));
                } else if !outcome.changed {
                    failures.push(format!("{}: expected changed = true", c.name));
                }
            }
            (Expect::Same, Ok(outcome)) => {
                if resource != c.start || outcome.changed {
                    failures.push(format!(
                        "{}: expected no change, got changed={} {}",
                        c.name, outcome.changed, resource
                    ));
                }
            }
            (Expect::Err(t, detail), Err(e)) => {
                if e.scim_type != Some(*t) || !e.detail.contains(detail) {
                    failures.push(format!(
                        "{}: got error {:?} '{}', want {:?} containing '{}'",
                        c.name, e.scim_type, e.detail, t, detail
                    ));
                }
                if resource != c.start {
                    failures.push(format!("{}: failed PATCH modified the resource", c.name));
                }
            }
            (_, Ok(_)) => failures.push(format!("{}: expected an error, got {}", c.name, resource)),
            (_, Err(e)) => failures.push(format!(
                "{}: unexpected error {:?}: {}",
                c.name, e.scim_type, e.detail
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn add_operations() {
    run(vec![
        case(
            "add simple attribute with path",
            "User",
            user(),
            json!([{"op": "add", "path": "title", "value": "Countess"}]),
            Expect::Ok(over(user(), json!({"title": "Countess"}))),
        ),
        case(
            "add replaces a single-valued attribute",
            "User",
            user(),
            json!([{"op": "add", "path": "displayName", "value": "Ada L."}]),
            Expect::Ok(over(user(), json!({"displayName": "Ada L."}))),
        ),
        case(
            "add without path merges the value object",
            "User",
            user(),
            json!([{"op": "add", "value": {"nickName": "Countess", "title": "Analyst"}}]),
            Expect::Ok(over(
                user(),
                json!({"nickName": "Countess", "title": "Analyst"}),
            )),
        ),
        case(
            "add without path merges complex sub-attributes",
            "User",
            user(),
            json!([{"op": "add", "value": {"name": {"middleName": "King"}}}]),
            Expect::Ok(over(
                user(),
                json!({"name": {"givenName": "Ada", "familyName": "Lovelace", "middleName": "King"}}),
            )),
        ),
        case(
            "add to multi-valued appends",
            "User",
            user(),
            json!([{"op": "add", "path": "emails", "value": [{"value": "ada@home.org", "type": "home"}]}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [
                    {"value": "ada@example.com", "type": "work", "primary": true},
                    {"value": "ada@home.org", "type": "home"}
                ]}),
            )),
        ),
        case(
            "add single object to multi-valued is wrapped",
            "User",
            user(),
            json!([{"op": "add", "path": "phoneNumbers", "value": {"value": "+1 555 0100", "type": "work"}}]),
            Expect::Ok(over(
                user(),
                json!({"phoneNumbers": [{"value": "+1 555 0100", "type": "work"}]}),
            )),
        ),
        case(
            "add same email again merges instead of duplicating",
            "User",
            user(),
            json!([{"op": "add", "path": "emails", "value": [{"value": "ada@example.com", "display": "Ada"}]}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [
                    {"value": "ada@example.com", "type": "work", "primary": true, "display": "Ada"}
                ]}),
            )),
        ),
        case(
            "add exact duplicate is a no-op",
            "User",
            user(),
            json!([{"op": "add", "path": "emails", "value": [{"value": "ada@example.com", "type": "work", "primary": true}]}]),
            Expect::Same,
        ),
        case(
            "add primary email clears primary on the others",
            "User",
            user(),
            json!([{"op": "add", "path": "emails", "value": [{"value": "ada@new.org", "type": "other", "primary": true}]}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [
                    {"value": "ada@example.com", "type": "work", "primary": false},
                    {"value": "ada@new.org", "type": "other", "primary": true}
                ]}),
            )),
        ),
        case(
            "add members appends new ones",
            "Group",
            group(),
            json!([{"op": "add", "path": "members", "value": [{"value": "u3", "display": "alan"}]}]),
            Expect::Ok(over(
                group(),
                json!({"members": [
                    {"value": "u1", "display": "ada"}, {"value": "u2", "display": "grace"}, {"value": "u3", "display": "alan"}
                ]}),
            )),
        ),
        case(
            "add existing member is deduplicated",
            "Group",
            group(),
            json!([{"op": "add", "path": "members", "value": [{"value": "u1", "display": "ada"}]}]),
            Expect::Same,
        ),
        case(
            "add members with duplicates inside the value",
            "Group",
            group(),
            json!([{"op": "add", "path": "members", "value": [{"value": "u3"}, {"value": "u3"}]}]),
            Expect::Ok(over(
                group(),
                json!({"members": [
                    {"value": "u1", "display": "ada"}, {"value": "u2", "display": "grace"}, {"value": "u3"}
                ]}),
            )),
        ),
        case(
            "add members to a group without members",
            "Group",
            over(group(), json!({"members": null})),
            json!([{"op": "add", "path": "members", "value": [{"value": "u9"}]}]),
            Expect::Ok(over(group(), json!({"members": [{"value": "u9"}]}))),
        ),
        case(
            "add empty members list is a no-op",
            "Group",
            group(),
            json!([{"op": "add", "path": "members", "value": []}]),
            Expect::Same,
        ),
        case(
            "add sub-attribute creates the complex attribute",
            "User",
            over(user(), json!({"name": null})),
            json!([{"op": "add", "path": "name.givenName", "value": "Ada"}]),
            Expect::Ok(over(user(), json!({"name": {"givenName": "Ada"}}))),
        ),
        case(
            "add with filter on existing element sets the sub-attribute",
            "User",
            user(),
            json!([{"op": "add", "path": "emails[type eq \"work\"].display", "value": "Work mail"}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [
                    {"value": "ada@example.com", "type": "work", "primary": true, "display": "Work mail"}
                ]}),
            )),
        ),
        case(
            "add with unmatched filter creates the element",
            "User",
            user(),
            json!([{"op": "add", "path": "emails[type eq \"home\"].value", "value": "ada@home.org"}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [
                    {"value": "ada@example.com", "type": "work", "primary": true},
                    {"type": "home", "value": "ada@home.org"}
                ]}),
            )),
        ),
        case(
            "add null value is a no-op",
            "User",
            user(),
            json!([{"op": "add", "path": "title", "value": null}]),
            Expect::Same,
        ),
        case(
            "add extension attribute by URN path",
            "User",
            user(),
            json!([{"op": "add", "path": format!("{ENT}:employeeNumber"), "value": "42"}]),
            Expect::Ok(over(
                user(),
                json!({"schemas": [USER, ENT], ENT: {"employeeNumber": "42"}}),
            )),
        ),
        case(
            "add whole extension object by URN path",
            "User",
            user(),
            json!([{"op": "add", "path": ENT, "value": {"department": "Math", "costCenter": "CC1"}}]),
            Expect::Ok(over(
                user(),
                json!({"schemas": [USER, ENT], ENT: {"department": "Math", "costCenter": "CC1"}}),
            )),
        ),
        case(
            "add without path with an extension object",
            "User",
            user(),
            json!([{"op": "add", "value": {ENT: {"division": "Labs"}}}]),
            Expect::Ok(over(
                user(),
                json!({"schemas": [USER, ENT], ENT: {"division": "Labs"}}),
            )),
        ),
        case(
            "add custom registered extension attribute (dateTime)",
            "User",
            user(),
            json!([{"op": "add", "path": format!("{ACME}:joinDate"), "value": "2024-03-01T09:00:00Z"}]),
            Expect::Ok(over(
                user(),
                json!({"schemas": [USER, ACME], ACME: {"joinDate": "2024-03-01T09:00:00Z"}}),
            )),
        ),
        case(
            "add custom extension integer given as string is typed",
            "User",
            user(),
            json!([{"op": "add", "path": format!("{ACME}:level"), "value": "3"}]),
            Expect::Ok(over(
                user(),
                json!({"schemas": [USER, ACME], ACME: {"level": 3}}),
            )),
        ),
        case(
            "add bad dateTime is invalidValue",
            "User",
            user(),
            json!([{"op": "add", "path": format!("{ACME}:joinDate"), "value": "next tuesday"}]),
            Expect::Err(ScimType::InvalidValue, "must be a dateTime"),
        ),
        case(
            "add unknown extension attribute is kept untyped",
            "User",
            user(),
            json!([{"op": "add", "path": "urn:example:ext:2.0:User:shoeSize", "value": 42}]),
            Expect::Ok(over(
                user(),
                json!({"schemas": [USER, "urn:example:ext:2.0:User"], "urn:example:ext:2.0:User": {"shoeSize": 42}}),
            )),
        ),
        case(
            "add unknown core attribute is invalidPath",
            "User",
            user(),
            json!([{"op": "add", "path": "shoeSize", "value": 42}]),
            Expect::Err(ScimType::InvalidPath, "unknown attribute 'shoeSize'"),
        ),
        case(
            "add entitlements, roles, x509Certificates, ims, photos",
            "User",
            user(),
            json!([{"op": "add", "value": {
                "entitlements": [{"value": "ent-1"}],
                "roles": [{"value": "admin", "primary": "True"}],
                "x509Certificates": [{"value": "MIIB"}],
                "ims": [{"value": "ada", "type": "xmpp"}],
                "photos": [{"value": "https://p.example/ada.png", "type": "photo"}]
            }}]),
            Expect::Ok(over(
                user(),
                json!({
                    "entitlements": [{"value": "ent-1"}],
                    "roles": [{"value": "admin", "primary": true}],
                    "x509Certificates": [{"value": "MIIB"}],
                    "ims": [{"value": "ada", "type": "xmpp"}],
                    "photos": [{"value": "https://p.example/ada.png", "type": "photo"}]
                }),
            )),
        ),
        case(
            "add addresses",
            "User",
            user(),
            json!([{"op": "add", "path": "addresses", "value": [{"streetAddress": "1 Main St", "locality": "London", "country": "GB", "type": "work"}]}]),
            Expect::Ok(over(
                user(),
                json!({"addresses": [{"streetAddress": "1 Main St", "locality": "London", "country": "GB", "type": "work"}]}),
            )),
        ),
        case(
            "add same address twice is deduplicated",
            "User",
            over(
                user(),
                json!({"addresses": [{"locality": "London", "type": "work"}]}),
            ),
            json!([{"op": "add", "path": "addresses", "value": [{"locality": "London", "type": "work"}]}]),
            Expect::Same,
        ),
    ]);
}

#[test]
fn replace_operations() {
    run(vec![
        case(
            "replace simple attribute",
            "User",
            user(),
            json!([{"op": "replace", "path": "userName", "value": "ada.l@example.com"}]),
            Expect::Ok(over(user(), json!({"userName": "ada.l@example.com"}))),
        ),
        case(
            "replace sub-attribute",
            "User",
            user(),
            json!([{"op": "replace", "path": "name.familyName", "value": "King"}]),
            Expect::Ok(over(
                user(),
                json!({"name": {"givenName": "Ada", "familyName": "King"}}),
            )),
        ),
        case(
            "replace complex merges sub-attributes",
            "User",
            user(),
            json!([{"op": "replace", "path": "name", "value": {"familyName": "King", "formatted": "Ada King"}}]),
            Expect::Ok(over(
                user(),
                json!({"name": {"givenName": "Ada", "familyName": "King", "formatted": "Ada King"}}),
            )),
        ),
        case(
            "replace complex with null sub-attribute clears it",
            "User",
            user(),
            json!([{"op": "replace", "path": "name", "value": {"familyName": null}}]),
            Expect::Ok(over(user(), json!({"name": {"givenName": "Ada"}}))),
        ),
        case(
            "replace multi-valued replaces all values",
            "User",
            user(),
            json!([{"op": "replace", "path": "emails", "value": [{"value": "a@b.org", "type": "home"}]}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [{"value": "a@b.org", "type": "home"}]}),
            )),
        ),
        case(
            "replace multi-valued with two primaries keeps the first",
            "User",
            user(),
            json!([{"op": "replace", "path": "emails", "value": [
                {"value": "a@b.org", "primary": true}, {"value": "c@d.org", "primary": true}
            ]}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [
                    {"value": "a@b.org", "primary": true}, {"value": "c@d.org", "primary": false}
                ]}),
            )),
        ),
        case(
            "replace without path (Okta deactivate)",
            "User",
            user(),
            json!([{"op": "replace", "value": {"active": false}}]),
            Expect::Ok(over(user(), json!({"active": false}))),
        ),
        case(
            "replace without path ignores id and meta",
            "User",
            user(),
            json!([{"op": "replace", "value": {"id": "other", "meta": {"version": "x"}, "displayName": "A"}}]),
            Expect::Ok(over(user(), json!({"displayName": "A"}))),
        ),
        case(
            "replace without path with dotted and URN keys (aadOptscim062020)",
            "User",
            user(),
            json!([{"op": "replace", "value": {
                "displayName": "Ada K",
                "name.givenName": "Augusta",
                "name.familyName": "King",
                format!("{ENT}:employeeNumber"): "1815"
            }}]),
            Expect::Ok(over(
                user(),
                json!({
                    "schemas": [USER, ENT],
                    "displayName": "Ada K",
                    "name": {"givenName": "Augusta", "familyName": "King"},
                    ENT: {"employeeNumber": "1815"}
                }),
            )),
        ),
        case(
            "replace with value filter and sub-attribute",
            "User",
            user(),
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "ada@corp.example"}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [{"value": "ada@corp.example", "type": "work", "primary": true}]}),
            )),
        ),
        case(
            "replace with value filter merges object into matched element",
            "User",
            user(),
            json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "x@y.z", "display": "X"}}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [{"value": "x@y.z", "type": "work", "primary": true, "display": "X"}]}),
            )),
        ),
        case(
            "replace with value filter matching nothing creates the element",
            "User",
            over(user(), json!({"emails": null})),
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "ada@corp.example"}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [{"type": "work", "value": "ada@corp.example"}]}),
            )),
        ),
        case(
            "replace with a non-eq filter matching nothing is noTarget",
            "User",
            user(),
            json!([{"op": "replace", "path": "emails[value co \"nothing\"].type", "value": "home"}]),
            Expect::Err(ScimType::NoTarget, "no value of 'emails' matches"),
        ),
        case(
            "replace with filter on a boolean sub-attribute",
            "User",
            over(
                user(),
                json!({"emails": [{"value": "a@x", "primary": true}, {"value": "b@x"}]}),
            ),
            json!([{"op": "replace", "path": "emails[primary eq true].type", "value": "work"}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [{"value": "a@x", "primary": true, "type": "work"}, {"value": "b@x"}]}),
            )),
        ),
        case(
            "replace primary through filter clears the other primaries",
            "User",
            over(
                user(),
                json!({"emails": [{"value": "a@x", "primary": true}, {"value": "b@x"}]}),
            ),
            json!([{"op": "replace", "path": "emails[value eq \"b@x\"].primary", "value": true}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [{"value": "a@x", "primary": false}, {"value": "b@x", "primary": true}]}),
            )),
        ),
        case(
            "replace members fully (Okta)",
            "Group",
            group(),
            json!([{"op": "replace", "path": "members", "value": [{"value": "u2", "display": "grace"}, {"value": "u7", "display": "kat"}]}]),
            Expect::Ok(over(
                group(),
                json!({"members": [{"value": "u2", "display": "grace"}, {"value": "u7", "display": "kat"}]}),
            )),
        ),
        case(
            "replace members with empty list clears them",
            "Group",
            group(),
            json!([{"op": "replace", "path": "members", "value": []}]),
            Expect::Ok(over(group(), json!({"members": null}))),
        ),
        case(
            "replace with null clears",
            "User",
            user(),
            json!([{"op": "replace", "path": "displayName", "value": null}]),
            Expect::Ok(over(user(), json!({"displayName": null}))),
        ),
        case(
            "replace same value is not a change",
            "User",
            user(),
            json!([{"op": "replace", "path": "displayName", "value": "Ada Lovelace"}]),
            Expect::Same,
        ),
        case(
            "replace attribute names are case-insensitive",
            "User",
            user(),
            json!([{"op": "replace", "path": "DISPLAYNAME", "value": "ADA"}]),
            Expect::Ok(over(user(), json!({"displayName": "ADA"}))),
        ),
        case(
            "replace with core URN-qualified path",
            "User",
            user(),
            json!([{"op": "replace", "path": format!("{USER}:displayName"), "value": "Ada"}]),
            Expect::Ok(over(user(), json!({"displayName": "Ada"}))),
        ),
        case(
            "replace extension sub-attribute manager.value",
            "User",
            ent_user(),
            json!([{"op": "replace", "path": format!("{ENT}:manager.value"), "value": "m2"}]),
            Expect::Ok(over(
                ent_user(),
                json!({ENT: {"employeeNumber": "701", "department": "R&D", "manager": {"value": "m2", "displayName": "Boss"}}}),
            )),
        ),
        case(
            "replace rename group without path, same name (Okta re-send)",
            "Group",
            group(),
            json!([{"op": "replace", "value": {"id": "g1", "displayName": "Engineering"}}]),
            Expect::Same,
        ),
        case(
            "replace number for string attribute becomes string",
            "User",
            user(),
            json!([{"op": "replace", "path": format!("{ENT}:employeeNumber"), "value": 1234}]),
            Expect::Ok(over(
                user(),
                json!({"schemas": [USER, ENT], ENT: {"employeeNumber": "1234"}}),
            )),
        ),
        case(
            "replace boolean with garbage string is invalidValue",
            "User",
            user(),
            json!([{"op": "replace", "path": "active", "value": "maybe"}]),
            Expect::Err(ScimType::InvalidValue, "'active' must be a boolean"),
        ),
        case(
            "replace complex with an array is invalidValue",
            "User",
            user(),
            json!([{"op": "replace", "path": "name", "value": [1, 2]}]),
            Expect::Err(ScimType::InvalidValue, "'name' must be an object"),
        ),
        case(
            "replace without path needs an object",
            "User",
            user(),
            json!([{"op": "replace", "value": "nope"}]),
            Expect::Err(ScimType::InvalidSyntax, "value must be an object"),
        ),
        case(
            "replace unknown extension object without path is kept",
            "Group",
            group(),
            json!([{"op": "replace", "value": {"urn:okta:custom:group:1.0": {"description": "Eng team"}}}]),
            Expect::Ok(over(
                group(),
                json!({"schemas": [GROUP, "urn:okta:custom:group:1.0"], "urn:okta:custom:group:1.0": {"description": "Eng team"}}),
            )),
        ),
    ]);
}

#[test]
fn remove_operations() {
    run(vec![
        case(
            "remove single-valued attribute",
            "User",
            user(),
            json!([{"op": "remove", "path": "displayName"}]),
            Expect::Ok(over(user(), json!({"displayName": null}))),
        ),
        case(
            "remove absent attribute is a no-op",
            "User",
            user(),
            json!([{"op": "remove", "path": "title"}]),
            Expect::Same,
        ),
        case(
            "remove sub-attribute",
            "User",
            user(),
            json!([{"op": "remove", "path": "name.familyName"}]),
            Expect::Ok(over(user(), json!({"name": {"givenName": "Ada"}}))),
        ),
        case(
            "remove last sub-attribute removes the complex attribute",
            "User",
            over(user(), json!({"name": {"givenName": "Ada"}})),
            json!([{"op": "remove", "path": "name.givenName"}]),
            Expect::Ok(over(user(), json!({"name": null}))),
        ),
        case(
            "remove multi-valued attribute entirely",
            "User",
            user(),
            json!([{"op": "remove", "path": "emails"}]),
            Expect::Ok(over(user(), json!({"emails": null}))),
        ),
        case(
            "remove with value filter",
            "Group",
            group(),
            json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]),
            Expect::Ok(over(
                group(),
                json!({"members": [{"value": "u2", "display": "grace"}]}),
            )),
        ),
        case(
            "remove with value filter matching nothing is a no-op",
            "Group",
            group(),
            json!([{"op": "remove", "path": "members[value eq \"zzz\"]"}]),
            Expect::Same,
        ),
        case(
            "remove members with value list removes only those (Entra)",
            "Group",
            group(),
            json!([{"op": "remove", "path": "members", "value": [{"value": "u2"}]}]),
            Expect::Ok(over(
                group(),
                json!({"members": [{"value": "u1", "display": "ada"}]}),
            )),
        ),
        case(
            "remove members with $ref null in the value list",
            "Group",
            group(),
            json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u1"}]}]),
            Expect::Ok(over(
                group(),
                json!({"members": [{"value": "u2", "display": "grace"}]}),
            )),
        ),
        case(
            "remove members with bare string ids",
            "Group",
            group(),
            json!([{"op": "remove", "path": "members", "value": ["u1", "u2"]}]),
            Expect::Ok(over(group(), json!({"members": null}))),
        ),
        case(
            "remove members without value removes all",
            "Group",
            group(),
            json!([{"op": "remove", "path": "members"}]),
            Expect::Ok(over(group(), json!({"members": null}))),
        ),
        case(
            "remove members with empty value list removes nothing",
            "Group",
            group(),
            json!([{"op": "remove", "path": "members", "value": []}]),
            Expect::Same,
        ),
        case(
            "remove emails by value list without type",
            "User",
            over(
                user(),
                json!({"emails": [{"value": "a@x", "type": "work"}, {"value": "b@x", "type": "home"}]}),
            ),
            json!([{"op": "remove", "path": "emails", "value": [{"value": "b@x"}]}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [{"value": "a@x", "type": "work"}]}),
            )),
        ),
        case(
            "remove addresses by partial element match",
            "User",
            over(
                user(),
                json!({"addresses": [{"locality": "Paris", "type": "home"}, {"locality": "Rome", "type": "work"}]}),
            ),
            json!([{"op": "remove", "path": "addresses", "value": [{"type": "home"}]}]),
            Expect::Ok(over(
                user(),
                json!({"addresses": [{"locality": "Rome", "type": "work"}]}),
            )),
        ),
        case(
            "remove sub-attribute of filtered elements",
            "User",
            user(),
            json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [{"value": "ada@example.com", "type": "work"}]}),
            )),
        ),
        case(
            "remove with complex filter",
            "User",
            over(
                user(),
                json!({"emails": [{"value": "a@x", "type": "work"}, {"value": "b@y", "type": "work"}, {"value": "c@x", "type": "home"}]}),
            ),
            json!([{"op": "remove", "path": "emails[type eq \"work\" and value ew \"@x\"]"}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [{"value": "b@y", "type": "work"}, {"value": "c@x", "type": "home"}]}),
            )),
        ),
        case(
            "remove with or / not filter",
            "User",
            over(
                user(),
                json!({"emails": [{"value": "a@x", "type": "work"}, {"value": "b@y", "type": "home"}, {"value": "c@z", "type": "other"}]}),
            ),
            json!([{"op": "remove", "path": "emails[type eq \"work\" or not (value sw \"c\")]"}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [{"value": "c@z", "type": "other"}]}),
            )),
        ),
        case(
            "remove required userName is mutability",
            "User",
            user(),
            json!([{"op": "remove", "path": "userName"}]),
            Expect::Err(ScimType::Mutability, "'userName' is required"),
        ),
        case(
            "remove required group displayName is mutability",
            "Group",
            group(),
            json!([{"op": "remove", "path": "displayName"}]),
            Expect::Err(ScimType::Mutability, "'displayName' is required"),
        ),
        case(
            "remove without path is noTarget",
            "User",
            user(),
            json!([{"op": "remove"}]),
            Expect::Err(ScimType::NoTarget, "'remove' needs a path"),
        ),
        case(
            "remove without path but with value object removes those",
            "Group",
            group(),
            json!([{"op": "remove", "value": {"members": [{"value": "u1"}]}}]),
            Expect::Ok(over(
                group(),
                json!({"members": [{"value": "u2", "display": "grace"}]}),
            )),
        ),
        case(
            "remove extension attribute keeps other extension attributes",
            "User",
            ent_user(),
            json!([{"op": "remove", "path": format!("{ENT}:employeeNumber")}]),
            Expect::Ok(over(
                ent_user(),
                json!({ENT: {"department": "R&D", "manager": {"value": "m1", "displayName": "Boss"}}}),
            )),
        ),
        case(
            "remove last extension attribute drops the object and its URN",
            "User",
            over(
                user(),
                json!({"schemas": [USER, ENT], ENT: {"employeeNumber": "1"}}),
            ),
            json!([{"op": "remove", "path": format!("{ENT}:employeeNumber")}]),
            Expect::Ok(user()),
        ),
        case(
            "remove whole extension by URN path",
            "User",
            ent_user(),
            json!([{"op": "remove", "path": ENT}]),
            Expect::Ok(user()),
        ),
        case(
            "remove attribute of absent extension is a no-op",
            "User",
            user(),
            json!([{"op": "remove", "path": format!("{ENT}:manager")}]),
            Expect::Same,
        ),
        case(
            "remove primary element",
            "User",
            over(
                user(),
                json!({"emails": [{"value": "a@x", "primary": true}, {"value": "b@x"}]}),
            ),
            json!([{"op": "remove", "path": "emails[primary eq true]"}]),
            Expect::Ok(over(user(), json!({"emails": [{"value": "b@x"}]}))),
        ),
        case(
            "remove sub-attribute from all elements",
            "User",
            over(
                user(),
                json!({"emails": [{"value": "a@x", "type": "work"}, {"value": "b@x", "type": "home"}]}),
            ),
            json!([{"op": "remove", "path": "emails.type"}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [{"value": "a@x"}, {"value": "b@x"}]}),
            )),
        ),
    ]);
}

#[test]
fn entra_dialect() {
    run(vec![
        case(
            "capitalised Replace with string False",
            "User",
            user(),
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
            Expect::Ok(over(user(), json!({"active": false}))),
        ),
        case(
            "lowercase string true",
            "User",
            over(user(), json!({"active": false})),
            json!([{"op": "replace", "path": "active", "value": "true"}]),
            Expect::Ok(user()),
        ),
        case(
            "upper-case op REPLACE",
            "User",
            user(),
            json!([{"op": "REPLACE", "path": "title", "value": "Dr"}]),
            Expect::Ok(over(user(), json!({"title": "Dr"}))),
        ),
        case(
            "Add on existing work email value replaces it",
            "User",
            user(),
            json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "ada@contoso.com"}]),
            Expect::Ok(over(
                user(),
                json!({"emails": [{"value": "ada@contoso.com", "type": "work", "primary": true}]}),
            )),
        ),
        case(
            "Add manager as a bare string id",
            "User",
            user(),
            json!([{"op": "Add", "path": format!("{ENT}:manager"), "value": "m42"}]),
            Expect::Ok(over(
                user(),
                json!({"schemas": [USER, ENT], ENT: {"manager": {"value": "m42"}}}),
            )),
        ),
        case(
            "Add manager string replaces the whole previous manager",
            "User",
            ent_user(),
            json!([{"op": "Add", "path": format!("{ENT}:manager"), "value": "m2"}]),
            Expect::Ok(over(
                ent_user(),
                json!({ENT: {"employeeNumber": "701", "department": "R&D", "manager": {"value": "m2"}}}),
            )),
        ),
        case(
            "Replace manager with object form",
            "User",
            ent_user(),
            json!([{"op": "Replace", "path": format!("{ENT}:manager"), "value": {"value": "m3"}}]),
            Expect::Ok(over(
                ent_user(),
                json!({ENT: {"employeeNumber": "701", "department": "R&D", "manager": {"value": "m3", "displayName": "Boss"}}}),
            )),
        ),
        case(
            "Remove manager",
            "User",
            ent_user(),
            json!([{"op": "Remove", "path": format!("{ENT}:manager")}]),
            Expect::Ok(over(
                ent_user(),
                json!({ENT: {"employeeNumber": "701", "department": "R&D"}}),
            )),
        ),
        case(
            "Remove manager with a value still removes it",
            "User",
            ent_user(),
            json!([{"op": "Remove", "path": format!("{ENT}:manager"), "value": [{"value": "m1"}]}]),
            Expect::Ok(over(
                ent_user(),
                json!({ENT: {"employeeNumber": "701", "department": "R&D"}}),
            )),
        ),
        case(
            "Add members with $ref null",
            "Group",
            group(),
            json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u5"}]}]),
            Expect::Ok(over(
                group(),
                json!({"members": [
                    {"value": "u1", "display": "ada"}, {"value": "u2", "display": "grace"}, {"value": "u5"}
                ]}),
            )),
        ),
        case(
            "Replace displayName of group",
            "Group",
            group(),
            json!([{"op": "Replace", "path": "displayName", "value": "Eng"}]),
            Expect::Ok(over(group(), json!({"displayName": "Eng"}))),
        ),
        case(
            "Replace externalId",
            "User",
            user(),
            json!([{"op": "Replace", "path": "externalId", "value": "7d5a"}]),
            Expect::Ok(over(user(), json!({"externalId": "7d5a"}))),
        ),
        case(
            "roles primary True string",
            "User",
            user(),
            json!([{"op": "Add", "path": "roles", "value": [{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}]}]),
            Expect::Ok(over(
                user(),
                json!({"roles": [{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}]}),
            )),
        ),
        case(
            "empty path means no path",
            "User",
            user(),
            json!([{"op": "replace", "path": "", "value": {"title": "X"}}]),
            Expect::Ok(over(user(), json!({"title": "X"}))),
        ),
        case(
            "Add employeeNumber unqualified resolves to the enterprise extension",
            "User",
            user(),
            json!([{"op": "Add", "path": "employeeNumber", "value": "9"}]),
            Expect::Ok(over(
                user(),
                json!({"schemas": [USER, ENT], ENT: {"employeeNumber": "9"}}),
            )),
        ),
    ]);
}

#[test]
fn okta_dialect() {
    run(vec![
        case(
            "rename with id in the value",
            "Group",
            group(),
            json!([{"op": "replace", "value": {"id": "g1", "displayName": "Eng (renamed)"}}]),
            Expect::Ok(over(group(), json!({"displayName": "Eng (renamed)"}))),
        ),
        case(
            "membership: remove by filter then add",
            "Group",
            group(),
            json!([
                {"op": "remove", "path": "members[value eq \"u2\"]"},
                {"op": "add", "path": "members", "value": [{"value": "u3", "display": "alan"}]}
            ]),
            Expect::Ok(over(
                group(),
                json!({"members": [{"value": "u1", "display": "ada"}, {"value": "u3", "display": "alan"}]}),
            )),
        ),
        case(
            "deactivate then reactivate in one request",
            "User",
            user(),
            json!([{"op": "replace", "value": {"active": false}}, {"op": "replace", "value": {"active": true}}]),
            Expect::Same,
        ),
        case(
            "password is accepted and discarded",
            "User",
            user(),
            json!([{"op": "replace", "value": {"password": "s3cret!"}}]),
            Expect::Same,
        ),
        case(
            "several member removals by filter in a row",
            "Group",
            over(
                group(),
                json!({"members": [{"value": "u1"}, {"value": "u2"}, {"value": "u3"}, {"value": "u4"}]}),
            ),
            json!([
                {"op": "remove", "path": "members[value eq \"u1\"]"},
                {"op": "remove", "path": "members[value eq \"u3\"]"},
                {"op": "remove", "path": "members[value eq \"nobody\"]"}
            ]),
            Expect::Ok(over(
                group(),
                json!({"members": [{"value": "u2"}, {"value": "u4"}]}),
            )),
        ),
        case(
            "several member adds in a row",
            "Group",
            group(),
            json!([
                {"op": "add", "path": "members", "value": [{"value": "u3"}]},
                {"op": "add", "path": "members", "value": [{"value": "u4"}, {"value": "u1"}]}
            ]),
            Expect::Ok(over(
                group(),
                json!({"members": [
                    {"value": "u1", "display": "ada"}, {"value": "u2", "display": "grace"}, {"value": "u3"}, {"value": "u4"}
                ]}),
            )),
        ),
    ]);
}

#[test]
fn mutability() {
    run(vec![
        case(
            "replace id with a different value",
            "User",
            user(),
            json!([{"op": "replace", "path": "id", "value": "other"}]),
            Expect::Err(ScimType::Mutability, "'id' is readOnly"),
        ),
        case(
            "replace id with the same value is harmless",
            "User",
            user(),
            json!([{"op": "replace", "path": "id", "value": "u1"}]),
            Expect::Same,
        ),
        case(
            "add groups on a user",
            "User",
            user(),
            json!([{"op": "add", "path": "groups", "value": [{"value": "g1"}]}]),
            Expect::Err(ScimType::Mutability, "'groups' is readOnly"),
        ),
        case(
            "add empty groups on a user is harmless",
            "User",
            user(),
            json!([{"op": "add", "value": {"groups": []}}]),
            Expect::Same,
        ),
        case(
            "replace meta by path",
            "User",
            user(),
            json!([{"op": "replace", "path": "meta.version", "value": "W/\"9\""}]),
            Expect::Err(ScimType::Mutability, "'meta' is readOnly"),
        ),
        case(
            "remove id",
            "User",
            user(),
            json!([{"op": "remove", "path": "id"}]),
            Expect::Err(ScimType::Mutability, "'id' is readOnly"),
        ),
        case(
            "immutable attribute can be set when unset",
            "User",
            user(),
            json!([{"op": "add", "path": format!("{ACME}:badge"), "value": "B-1"}]),
            Expect::Ok(over(
                user(),
                json!({"schemas": [USER, ACME], ACME: {"badge": "B-1"}}),
            )),
        ),
        case(
            "immutable attribute cannot change once set",
            "User",
            over(
                user(),
                json!({"schemas": [USER, ACME], ACME: {"badge": "B-1"}}),
            ),
            json!([{"op": "replace", "path": format!("{ACME}:badge"), "value": "B-2"}]),
            Expect::Err(ScimType::Mutability, "'badge' is immutable"),
        ),
        case(
            "failure in a later op rolls back earlier ones",
            "User",
            user(),
            json!([{"op": "replace", "path": "title", "value": "X"}, {"op": "replace", "path": "id", "value": "nope"}]),
            Expect::Err(ScimType::Mutability, "Operations[1] (replace id)"),
        ),
    ]);
}

#[test]
fn invalid_requests() {
    run(vec![
        case(
            "garbage path",
            "User",
            user(),
            json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]),
            Expect::Err(ScimType::InvalidPath, "Operations[0].path"),
        ),
        case(
            "unknown sub-attribute",
            "User",
            user(),
            json!([{"op": "replace", "path": "name.nickname", "value": "x"}]),
            Expect::Err(
                ScimType::InvalidPath,
                "'name' has no sub-attribute 'nickname'",
            ),
        ),
        case(
            "sub-attribute of a simple attribute",
            "User",
            user(),
            json!([{"op": "replace", "path": "userName.first", "value": "x"}]),
            Expect::Err(ScimType::InvalidPath, "'userName' has no sub-attribute"),
        ),
        case(
            "value filter on a single-valued attribute",
            "User",
            user(),
            json!([{"op": "replace", "path": "name[givenName eq \"Ada\"]", "value": {"familyName": "X"}}]),
            Expect::Err(ScimType::InvalidPath, "not multi-valued"),
        ),
        case(
            "members on a user",
            "User",
            user(),
            json!([{"op": "add", "path": "members", "value": [{"value": "x"}]}]),
            Expect::Err(ScimType::InvalidPath, "unknown attribute 'members'"),
        ),
        case(
            "emails on a group",
            "Group",
            group(),
            json!([{"op": "add", "path": "emails", "value": [{"value": "x"}]}]),
            Expect::Err(ScimType::InvalidPath, "unknown attribute 'emails'"),
        ),
        case(
            "unknown op",
            "User",
            user(),
            json!([{"op": "replace", "path": "title", "value": "x"}, {"op": "replace", "path": "title", "value": "y"}, {"op": "merge", "path": "title", "value": "x"}]),
            Expect::Err(
                ScimType::InvalidSyntax,
                "Operations[2].op: unknown operation 'merge' (expected add, replace or remove)",
            ),
        ),
        case(
            "missing op",
            "User",
            user(),
            json!([{"path": "title", "value": "x"}]),
            Expect::Err(ScimType::InvalidSyntax, "Operations[0].op is missing"),
        ),
        case(
            "add without value",
            "User",
            user(),
            json!([{"op": "add", "path": "title"}]),
            Expect::Err(
                ScimType::InvalidSyntax,
                "Operations[0].value is required for 'add'",
            ),
        ),
        case(
            "path not a string",
            "User",
            user(),
            json!([{"op": "add", "path": 5, "value": "x"}]),
            Expect::Err(
                ScimType::InvalidSyntax,
                "Operations[0].path must be a string",
            ),
        ),
        case(
            "operation not an object",
            "User",
            user(),
            json!(["add"]),
            Expect::Err(ScimType::InvalidSyntax, "Operations[0] must be an object"),
        ),
        case(
            "garbage key in no-path value",
            "User",
            user(),
            json!([{"op": "add", "value": {"name..x": "1"}}]),
            Expect::Err(ScimType::InvalidPath, "value key 'name..x'"),
        ),
    ]);
}

#[test]
fn request_level_errors() {
    let bad = [
        (json!([]), "must be a JSON object"),
        (
            json!({"schemas": ["urn:x"], "Operations": []}),
            "schemas must contain",
        ),
        (
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}),
            "no 'Operations'",
        ),
        (
            json!({"Operations": {"op": "add"}}),
            "'Operations' must be an array",
        ),
    ];
    for (body, detail) in bad {
        let err = PatchRequest::parse(&body).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidSyntax));
        assert!(err.detail.contains(detail), "{} vs {detail}", err.detail);
    }
    // lower-case "operations" and missing schemas are accepted
    let req =
        PatchRequest::parse(&json!({"operations": [{"op": "add", "path": "title", "value": "x"}]}))
            .unwrap();
    assert_eq!(req.operations.len(), 1);
    assert!(PatchRequest::from_slice(b"{not json").is_err());
}

#[test]
fn outcome_details() {
    let registry = registry();
    let mut u = ent_user();
    let req = PatchRequest::parse(&json!({"Operations": [
        {"op": "replace", "path": "displayName", "value": "A"},
        {"op": "replace", "path": format!("{ENT}:department"), "value": "Ops"}
    ]}))
    .unwrap();
    let out = apply(&mut u, &req, &registry, "User").unwrap();
    assert_eq!(
        out.changed_attributes,
        vec!["displayName".to_string(), format!("{ENT}:department")]
    );
    assert!(out.members_added.is_empty());

    let mut g = group();
    let req = PatchRequest::parse(&json!({"Operations": [
        {"op": "replace", "path": "members", "value": [{"value": "u2"}, {"value": "u3"}]}
    ]}))
    .unwrap();
    let out = apply(&mut g, &req, &registry, "Group").unwrap();
    assert_eq!(out.members_added, vec!["u3"]);
    assert_eq!(out.members_removed, vec!["u1"]);
    assert_eq!(out.changed_attributes, vec!["members"]);

    // Resource type by core schema URN works too; unknown types are refused.
    let mut g = group();
    assert!(apply(&mut g, &req, &registry, GROUP).is_ok());
    assert!(apply(&mut g, &req, &registry, "Device").is_err());
    let mut not_obj = json!([1]);
    assert!(apply(&mut not_obj, &req, &registry, "Group").is_err());
}

#[test]
fn large_group_changes_are_linear() {
    let registry = registry();
    let members: Vec<Value> = (0..50_000)
        .map(|i| json!({"value": format!("user_{i}")}))
        .collect();
    let mut g = json!({"schemas": [GROUP], "id": "g", "displayName": "All", "members": members});
    let adds: Vec<Value> = (50_000..51_000)
        .map(|i| json!({"value": format!("user_{i}")}))
        .collect();
    let mut ops = vec![json!({"op": "add", "path": "members", "value": adds})];
    for i in 0..1000 {
        ops.push(json!({"op": "remove", "path": format!("members[value eq \"user_{i}\"]")}));
    }
    let req = PatchRequest::parse(&json!({"Operations": ops})).unwrap();
    let start = std::time::Instant::now();
    let out = apply(&mut g, &req, &registry, "Group").unwrap();
    let took = start.elapsed();
    assert_eq!(out.members_added.len(), 1000);
    assert_eq!(out.members_removed.len(), 1000);
    assert_eq!(g["members"].as_array().unwrap().len(), 50_000);
    // Generous bound for debug builds on a slow machine; quadratic work
    // (50M comparisons) would take far longer.
    assert!(took.as_secs() < 20, "took {took:?}");
}

/// Inputs found by `cargo fuzz run patch_apply`, kept as regressions.
#[test]
fn fuzz_regressions() {
    let registry = registry();
    // crash-8154faf8: a removal matching nothing rewrote `Members` as
    // `members`; `changed` said false while the JSON differed (key case).
    let mut g = json!({"schemas": [GROUP], "iD": "g1", "displayName": "Eng",
                       "Members": [{"value": "u1"}, {"value": "u1", "display": "b"}]});
    let before = g.clone();
    let req = PatchRequest::parse(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Remove", "path": "members", "value": [{"$ref": null, "vKalue": "u1"}]}]}))
    .unwrap();
    let out = apply(&mut g, &req, &registry, "Group").unwrap();
    assert!(!out.changed);
    assert!(roster_scim::dialect::semantic_eq(&before, &g));
}

#[test]
fn extension_uris_and_garbage() {
    run(vec![
        case(
            "Entra ADSCIM-style URI path targets an unknown extension object",
            "Group",
            group(),
            json!([{"op": "add", "path": "http://schemas.example.com/ext/2.0/Group", "value": {"flag": "x"}}]),
            Expect::Ok(over(
                group(),
                json!({
                    "schemas": [GROUP, "http://schemas.example.com/ext/2.0/Group"],
                    "http://schemas.example.com/ext/2.0/Group": {"flag": "x"}
                }),
            )),
        ),
        case(
            "URN with brackets is a bad path, not an extension",
            "Group",
            group(),
            json!([{"op": "add", "path": "urn:x:y[bad", "value": {"a": 1}}]),
            Expect::Err(ScimType::InvalidPath, "Operations[0].path"),
        ),
        case(
            "remove unknown extension object",
            "User",
            over(
                user(),
                json!({"schemas": [USER, "urn:x:ext:1.0"], "urn:x:ext:1.0": {"a": 1}}),
            ),
            json!([{"op": "remove", "path": "urn:x:ext:1.0"}]),
            Expect::Ok(user()),
        ),
    ]);
}

#[test]
fn batched_member_operations() {
    let four = || {
        over(
            group(),
            json!({"members": [{"value": "u1"}, {"value": "u2"}, {"value": "u3"}, {"value": "u4"}]}),
        )
    };
    run(vec![
        case(
            "removal batch interrupted by another operation",
            "Group",
            four(),
            json!([
                {"op": "remove", "path": "members[value eq \"u1\"]"},
                {"op": "replace", "path": "displayName", "value": "Eng2"},
                {"op": "remove", "path": "members[value eq \"u2\"]"},
                {"op": "remove", "path": "members", "value": [{"value": "u3"}]}
            ]),
            Expect::Ok(over(
                group(),
                json!({"displayName": "Eng2", "members": [{"value": "u4"}]}),
            )),
        ),
        case(
            "value filter is case-insensitive for members.value (caseExact false)",
            "Group",
            four(),
            json!([
                {"op": "remove", "path": "members[value eq \"U1\"]"},
                {"op": "remove", "path": "members[VALUE EQ \"u2\"]"}
            ]),
            Expect::Ok(over(
                group(),
                json!({"members": [{"value": "u3"}, {"value": "u4"}]}),
            )),
        ),
        case(
            "add batch then removal of one of the added",
            "Group",
            four(),
            json!([
                {"op": "add", "path": "members", "value": [{"value": "u5"}]},
                {"op": "add", "path": "members", "value": {"value": "u6"}},
                {"op": "remove", "path": "members[value eq \"u5\"]"}
            ]),
            Expect::Ok(over(
                group(),
                json!({"members": [{"value": "u1"}, {"value": "u2"}, {"value": "u3"}, {"value": "u4"}, {"value": "u6"}]}),
            )),
        ),
        case(
            "removal then re-add of the same member: same JSON, reported as changed (conservative)",
            "Group",
            four(),
            json!([
                {"op": "remove", "path": "members[value eq \"u4\"]"},
                {"op": "add", "path": "members", "value": [{"value": "u4"}]}
            ]),
            Expect::Ok(four()),
        ),
        case(
            "non-eq member filter is evaluated element by element",
            "Group",
            four(),
            json!([{"op": "remove", "path": "members[value sw \"u\" and not (value eq \"u3\")]"}]),
            Expect::Ok(over(group(), json!({"members": [{"value": "u3"}]}))),
        ),
        case(
            "member type is kept",
            "Group",
            group(),
            json!([{"op": "add", "path": "members", "value": [{"value": "g9", "type": "Group"}]}]),
            Expect::Ok(over(
                group(),
                json!({"members": [
                    {"value": "u1", "display": "ada"}, {"value": "u2", "display": "grace"}, {"value": "g9", "type": "Group"}
                ]}),
            )),
        ),
    ]);
}

#[test]
fn diff_for_put() {
    let before = group();
    let after = over(
        group(),
        json!({"members": [{"value": "u2", "display": "grace"}, {"value": "u9"}]}),
    );
    let d = roster_scim::patch::diff(&before, &after);
    assert!(d.changed);
    assert_eq!(d.members_added, vec!["u9"]);
    assert_eq!(d.members_removed, vec!["u1"]);
    let same = roster_scim::patch::diff(&before, &over(group(), json!({"externalId": null})));
    assert!(!same.changed);
}

#[test]
fn member_fast_path_with_other_operations() {
    run(vec![
        case(
            "Okta membership change with the rename re-sent",
            "Group",
            group(),
            json!([
                {"op": "replace", "value": {"id": "g1", "displayName": "Platform"}},
                {"op": "remove", "path": "members[value eq \"u1\"]"},
                {"op": "add", "path": "members", "value": [{"value": "u5", "display": "kay"}]}
            ]),
            Expect::Ok(over(
                group(),
                json!({"displayName": "Platform", "members": [
                    {"value": "u2", "display": "grace"}, {"value": "u5", "display": "kay"}
                ]}),
            )),
        ),
        case(
            "a failing other operation leaves the members untouched",
            "Group",
            group(),
            json!([
                {"op": "add", "path": "members", "value": [{"value": "u9"}]},
                {"op": "replace", "path": "id", "value": "zz"}
            ]),
            Expect::Err(ScimType::Mutability, "Operations[1] (replace id)"),
        ),
        case(
            "a badly typed member value fails before anything changes",
            "Group",
            group(),
            json!([
                {"op": "replace", "path": "displayName", "value": "X"},
                {"op": "add", "path": "members", "value": [{"value": {"nested": 1}}]}
            ]),
            Expect::Err(
                ScimType::InvalidValue,
                "Operations[1] (add members): 'members.value' must be a string",
            ),
        ),
        case(
            "extension write alongside member changes",
            "Group",
            group(),
            json!([
                {"op": "add", "path": "members", "value": [{"value": "u3"}]},
                {"op": "add", "path": "urn:okta:custom:group:1.0:description", "value": "d"}
            ]),
            Expect::Ok(over(
                group(),
                json!({
                    "schemas": [GROUP, "urn:okta:custom:group:1.0"],
                    "urn:okta:custom:group:1.0": {"description": "d"},
                    "members": [{"value": "u1", "display": "ada"}, {"value": "u2", "display": "grace"}, {"value": "u3"}]
                }),
            )),
        ),
        case(
            "re-sent rename and re-sent members are not a change",
            "Group",
            group(),
            json!([
                {"op": "replace", "value": {"id": "g1", "displayName": "Engineering"}},
                {"op": "add", "path": "members", "value": [{"value": "u2", "display": "grace"}]}
            ]),
            Expect::Same,
        ),
    ]);
}
