//! JSON Schemas (draft 2020-12) of the events, one per [`EventType`].
//!
//! The source is `crates/core/schemas/events/`: `<type>.json` describes a type's envelope and
//! `defs.json` the objects the envelopes share (user, group, directory, …). [`event_schema`]
//! gives a type's file with the definitions it uses as its `$defs`, so every schema stands alone
//! (a code generator needs no other file). The server serves exactly these; the e2e test
//! `tests/e2e/event_shapes.rs` validates real events of every type against them.

use crate::event::EventType;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The JSON Schema dialect of every event schema.
pub const JSON_SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The shared definitions (`defs.json`), as written.
pub const SHARED_DEFS: &str = include_str!("../schemas/events/defs.json");

/// A type's own file, as written (its `$ref`s point into the shared definitions).
pub fn event_schema_source(t: EventType) -> &'static str {
    match t {
        EventType::DirectoryActivated => {
            include_str!("../schemas/events/directory.activated.json")
        }
        EventType::DirectoryUpdated => include_str!("../schemas/events/directory.updated.json"),
        EventType::DirectoryDeleted => include_str!("../schemas/events/directory.deleted.json"),
        EventType::DirectoryTokenRotated => {
            include_str!("../schemas/events/directory.token_rotated.json")
        }
        EventType::DirectorySeatLimitReached => {
            include_str!("../schemas/events/directory.seat_limit_reached.json")
        }
        EventType::UserCreated => include_str!("../schemas/events/user.created.json"),
        EventType::UserUpdated => include_str!("../schemas/events/user.updated.json"),
        EventType::UserDeactivated => include_str!("../schemas/events/user.deactivated.json"),
        EventType::UserReactivated => include_str!("../schemas/events/user.reactivated.json"),
        EventType::UserDeleted => include_str!("../schemas/events/user.deleted.json"),
        EventType::GroupCreated => include_str!("../schemas/events/group.created.json"),
        EventType::GroupUpdated => include_str!("../schemas/events/group.updated.json"),
        EventType::GroupDeleted => include_str!("../schemas/events/group.deleted.json"),
        EventType::GroupUserAdded => include_str!("../schemas/events/group.user_added.json"),
        EventType::GroupUserRemoved => include_str!("../schemas/events/group.user_removed.json"),
    }
}

const DEFS_PREFIX: &str = "#/$defs/";

/// The schema of one event type, standing alone: its file plus, as `$defs`, every shared
/// definition it reaches.
pub fn event_schema(t: EventType) -> Value {
    let mut schema: Value =
        serde_json::from_str(event_schema_source(t)).expect("event schema files are valid JSON");
    let shared = shared_defs();
    let mut used = BTreeSet::new();
    let mut pending = refs_in(&schema);
    while let Some(name) = pending.pop() {
        if used.insert(name.clone()) {
            if let Some(def) = shared.get(&name) {
                pending.extend(refs_in(def));
            }
        }
    }
    let defs: Map<String, Value> = used
        .into_iter()
        .filter_map(|name| shared.get(&name).map(|d| (name, d.clone())))
        .collect();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("$defs".into(), Value::Object(defs));
    }
    schema
}

fn shared_defs() -> Map<String, Value> {
    let defs: Value = serde_json::from_str(SHARED_DEFS).expect("defs.json is valid JSON");
    match defs.get("$defs") {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    }
}

/// The definition names that `value`'s `$ref`s point to (`#/$defs/<name>`).
fn refs_in(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(obj) => {
                if let Some(Value::String(r)) = obj.get("$ref") {
                    if let Some(name) = r.strip_prefix(DEFS_PREFIX) {
                        found.push(name.to_owned());
                    }
                }
                stack.extend(obj.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The types whose events carry `previous_attributes`.
    const WITH_PREVIOUS: [EventType; 5] = [
        EventType::DirectoryUpdated,
        EventType::UserUpdated,
        EventType::UserDeactivated,
        EventType::UserReactivated,
        EventType::GroupUpdated,
    ];

    #[test]
    fn every_event_type_has_a_schema_that_parses_and_names_it() {
        for t in EventType::ALL {
            let source: Value = serde_json::from_str(event_schema_source(t))
                .unwrap_or_else(|e| panic!("{}.json is not JSON: {e}", t.as_str()));
            assert_eq!(source["$schema"], JSON_SCHEMA_DIALECT, "{}", t.as_str());
            assert_eq!(source["title"], t.as_str());
            assert_eq!(source["properties"]["type"]["const"], t.as_str());
            assert_eq!(source["additionalProperties"], false, "{}", t.as_str());
            let required: Vec<&str> = source["required"]
                .as_array()
                .expect("required")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            for field in [
                "id",
                "type",
                "created_at",
                "organization_id",
                "directory_id",
                "sequence",
                "data",
            ] {
                assert!(required.contains(&field), "{}: {field}", t.as_str());
            }
            let has_previous = source["properties"].get("previous_attributes").is_some();
            assert_eq!(
                has_previous,
                WITH_PREVIOUS.contains(&t),
                "{}: previous_attributes",
                t.as_str()
            );
            assert_eq!(required.contains(&"previous_attributes"), has_previous);
        }
    }

    #[test]
    fn every_reference_resolves_in_the_schema_served() {
        let shared = shared_defs();
        let mut reached = BTreeSet::new();
        for t in EventType::ALL {
            let schema = event_schema(t);
            let defs = schema["$defs"].as_object().expect("$defs");
            for name in refs_in(&schema) {
                assert!(
                    defs.contains_key(&name),
                    "{}: #/$defs/{name} is not defined in defs.json",
                    t.as_str()
                );
                reached.insert(name);
            }
        }
        let unused: Vec<&String> = shared.keys().filter(|k| !reached.contains(*k)).collect();
        assert!(unused.is_empty(), "defs.json defines unused {unused:?}");
    }

    fn property_names(def: &Value) -> BTreeSet<String> {
        def["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn owned_objects_are_closed_and_previous_attributes_name_their_fields() {
        let shared = shared_defs();
        for name in [
            "user",
            "group",
            "directory",
            "email",
            "group_ref",
            "membership",
            "role_mapping",
            "attribute_mapping",
            "token_rotation",
            "seat_limit",
            "user_previous_attributes",
            "group_previous_attributes",
            "directory_previous_attributes",
        ] {
            assert_eq!(shared[name]["additionalProperties"], false, "{name}");
        }
        for (object, previous) in [
            ("user", "user_previous_attributes"),
            ("group", "group_previous_attributes"),
            ("directory", "directory_previous_attributes"),
        ] {
            let fields = property_names(&shared[object]);
            let required: BTreeSet<String> = shared[object]["required"]
                .as_array()
                .expect("required")
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            assert_eq!(fields, required, "every {object} field is always present");
            let changed = property_names(&shared[previous]);
            let strays: Vec<&String> = changed.difference(&fields).collect();
            assert!(
                strays.is_empty(),
                "{previous} names no {object} field: {strays:?}"
            );
            assert!(shared[previous].get("required").is_none());
        }
        // A directory's previous values are whole fields: the same schemas as the directory's.
        let directory = &shared["directory"]["properties"];
        for (key, schema) in shared["directory_previous_attributes"]["properties"]
            .as_object()
            .expect("properties")
        {
            assert_eq!(
                &directory[key], schema,
                "directory_previous_attributes.{key}"
            );
        }
    }
}
