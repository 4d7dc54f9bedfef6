//! Golden event payloads: a vendor's app never parses SCIM, it parses our events, so their exact
//! shape is the contract. One scenario drives the real server (SCIM like an IdP, the management
//! API like a vendor) until it has produced every event type, then reads the stream back from
//! `GET /api/v1/events` and
//! - validates each event against the schema the server serves for its type (every engine);
//! - compares each with its snapshot in `tests/e2e/snapshots/` (ids numbered by first
//!   appearance, timestamps and the token suffix redacted), on every engine: the payloads must
//!   not depend on the database.
//!
//! A new field in an event fails validation (our objects are closed) until the schema in
//! `crates/core/schemas/events/` says what it is; then `INSTA_UPDATE=always` records the new
//! snapshots (review them like code).

use crate::scim_users::{scim_directory, USER_URN};
use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Fetches a public URL without an API key (the schemas need none); returns status,
/// content type and JSON body.
async fn get_public(app: &TestApp, path: &str) -> (u16, String, Value) {
    let response = app
        .client
        .get(app.url(path))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, content_type, body)
}

/// Every served schema, compiled; keyed by event type.
struct Validator {
    schemas: boon::Schemas,
    by_type: BTreeMap<String, boon::SchemaIndex>,
}

impl Validator {
    async fn fetch(app: &TestApp) -> Validator {
        let (status, _, list) = get_public(app, "/api/v1/schemas/events").await;
        assert_eq!(status, 200, "{list}");
        let mut compiler = boon::Compiler::new();
        compiler.enable_format_assertions();
        let mut schemas = boon::Schemas::new();
        let mut by_type = BTreeMap::new();
        for entry in list["data"].as_array().expect("data") {
            let t = entry["type"].as_str().expect("type").to_owned();
            // The single-type route serves the same schema, as application/schema+json.
            let (status, content_type, schema) =
                get_public(app, &format!("/api/v1/schemas/events/{t}")).await;
            assert_eq!(status, 200, "{t}: {schema}");
            assert_eq!(content_type, "application/schema+json", "{t}");
            assert_eq!(schema, entry["schema"], "{t}: both routes serve the same");
            let url = format!("https://schemas.roster.test/events/{t}.json");
            compiler
                .add_resource(&url, schema)
                .unwrap_or_else(|e| panic!("{t}: {e}"));
            let index = compiler
                .compile(&url, &mut schemas)
                .unwrap_or_else(|e| panic!("{t}: the served schema does not compile: {e:#}"));
            by_type.insert(t, index);
        }
        Validator { schemas, by_type }
    }

    fn types(&self) -> BTreeSet<String> {
        self.by_type.keys().cloned().collect()
    }

    fn check(&self, event: &Value) -> Result<(), String> {
        let t = event["type"].as_str().unwrap_or_default();
        let index = self
            .by_type
            .get(t)
            .ok_or_else(|| format!("no schema is served for event type '{t}'"))?;
        self.schemas
            .validate(event, *index)
            .map_err(|e| format!("{e:#}"))
    }
}

/// Replaces every Roster id with a name numbered by first appearance (`user_1`, `group_2`, …), so
/// snapshots stay readable and still show which object is which, and the server's address with
/// a fixed one.
struct Ids<'a> {
    base_url: &'a str,
    names: HashMap<String, String>,
    counts: HashMap<&'static str, usize>,
}

impl<'a> Ids<'a> {
    fn new(base_url: &'a str) -> Self {
        Ids {
            base_url,
            names: HashMap::new(),
            counts: HashMap::new(),
        }
    }

    fn rename(&mut self, value: &mut Value) {
        match value {
            Value::String(s) => {
                if let Some(name) = self.name_of(s) {
                    *s = name;
                } else if s.contains(self.base_url) {
                    *s = s.replace(self.base_url, "http://roster.test");
                }
                if let Some(idx) = s.find("/directory_") {
                    // An id inside a URL (scim_base_url).
                    let (head, tail) = s.split_at(idx + 1);
                    let (head, tail) = (head.to_owned(), tail.to_owned());
                    let end = tail.find('/').unwrap_or(tail.len());
                    if let Some(name) = self.name_of(&tail[..end]) {
                        *s = format!("{head}{name}{}", &tail[end..]);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.rename(v)),
            Value::Object(obj) => obj.values_mut().for_each(|v| self.rename(v)),
            _ => {}
        }
    }

    fn name_of(&mut self, s: &str) -> Option<String> {
        const PREFIXES: [&str; 6] = ["org", "directory", "user", "group", "evt", "dtoken"];
        let (prefix, body) = s.split_once('_')?;
        let prefix = PREFIXES.into_iter().find(|p| *p == prefix)?;
        if body.len() != 32 || !body.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        if let Some(name) = self.names.get(s) {
            return Some(name.clone());
        }
        let count = self.counts.entry(prefix).or_default();
        *count += 1;
        let name = format!("[{prefix}_{count}]");
        self.names.insert(s.to_owned(), name.clone());
        Some(name)
    }
}

fn redactions() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(true);
    // A timestamp becomes `[timestamp]`; a null one stays null (that it is null is the point).
    let timestamp = || {
        insta::dynamic_redaction(|value, _| {
            if value.is_nil() {
                value
            } else {
                insta::internals::Content::from("[timestamp]")
            }
        })
    };
    for field in [
        "created_at",
        "updated_at",
        "activated_at",
        "last_request_at",
        "previous_token_expires_at",
    ] {
        settings.add_redaction(&format!(".{field}"), timestamp());
        settings.add_redaction(&format!(".**.{field}"), timestamp());
    }
    settings.add_redaction(".data.token_suffix", "[token_suffix]");
    settings
}

/// A SCIM request that must succeed with `status`; returns the body.
async fn scim(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    status: u16,
) -> Value {
    let (got, _, body) = app.scim(method.clone(), path, token, body).await;
    assert_eq!(got.as_u16(), status, "{method} {path}: {body}");
    body
}

fn patch(operations: Value) -> Value {
    json!({"schemas": [PATCH_URN], "Operations": operations})
}

/// Drives one directory through its whole life, producing every event type.
async fn produce_every_event_type(app: &TestApp) -> String {
    let (scim_base, token, dir) = scim_directory(app, "okta").await;
    let users = format!("{scim_base}/Users");
    let groups = format!("{scim_base}/Groups");

    // directory.updated: the vendor sets roles, a seat limit and an attribute mapping.
    app.expect(
        Method::PATCH,
        &format!("/api/v1/directories/{dir}"),
        Some(json!({
            "seat_limit": 2,
            "default_role": "member",
            "admin_role": "admin",
            "role_mappings": [{"group": "Admins", "role": "admin", "priority": 10}],
            "attribute_mappings": [{"source": format!("{ENTERPRISE_URN}:department"), "target": "department"}],
        })),
        200,
    )
    .await;
    // group.created of an app group, with its app_group_key.
    app.expect(
        Method::POST,
        &format!("/api/v1/directories/{dir}/groups"),
        Some(json!({"name": "Admins", "app_group_key": "role-admins"})),
        201,
    )
    .await;

    // directory.activated (the first SCIM request), then user.created twice; Bob's manager is
    // Ada, named by her externalId.
    let ada = scim(
        app,
        &token,
        Method::POST,
        &users,
        Some(json!({
            "schemas": [USER_URN, ENTERPRISE_URN],
            "externalId": "00u1ada",
            "userName": "ada@example.com",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "displayName": "Ada Lovelace",
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
            "active": true,
            ENTERPRISE_URN: {"department": "Engineering", "employeeNumber": "1815"},
        })),
        201,
    )
    .await;
    let ada = ada["id"].as_str().expect("id").to_owned();
    let bob = scim(
        app,
        &token,
        Method::POST,
        &users,
        Some(json!({
            "schemas": [USER_URN, ENTERPRISE_URN],
            "externalId": "00u2bob",
            "userName": "bob@example.com",
            "name": {"givenName": "Bob", "familyName": "Babbage"},
            "emails": [{"value": "bob@example.com", "type": "work", "primary": true}],
            "active": true,
            ENTERPRISE_URN: {"department": "Sales", "manager": {"value": "00u1ada"}},
        })),
        201,
    )
    .await;
    let bob = bob["id"].as_str().expect("id").to_owned();

    // directory.seat_limit_reached: a third active user does not fit.
    let (status, _, refused) = app
        .scim(
            Method::POST,
            &users,
            &token,
            Some(json!({
                "schemas": [USER_URN],
                "externalId": "00u3cy",
                "userName": "cy@example.com",
                "active": true,
            })),
        )
        .await;
    assert_eq!(status, 403, "{refused}");

    // user.updated: a new first name and department.
    scim(
        app,
        &token,
        Method::PATCH,
        &format!("{users}/{ada}"),
        Some(patch(json!([
            {"op": "replace", "path": "name.givenName", "value": "Augusta Ada"},
            {"op": "replace", "path": format!("{ENTERPRISE_URN}:department"), "value": "Research"},
        ]))),
        200,
    )
    .await;
    // The same PATCH again changes nothing and emits nothing.
    scim(
        app,
        &token,
        Method::PATCH,
        &format!("{users}/{ada}"),
        Some(patch(json!([
            {"op": "replace", "path": "name.givenName", "value": "Augusta Ada"},
        ]))),
        200,
    )
    .await;

    // group.created + group.user_added; group.updated (rename); group.user_removed.
    let group = scim(
        app,
        &token,
        Method::POST,
        &groups,
        Some(json!({
            "schemas": [GROUP_URN],
            "externalId": "00g1eng",
            "displayName": "Engineering",
            "members": [{"value": ada}],
        })),
        201,
    )
    .await;
    let group = group["id"].as_str().expect("id").to_owned();
    scim(
        app,
        &token,
        Method::PATCH,
        &format!("{groups}/{group}"),
        Some(patch(
            json!([{"op": "replace", "value": {"displayName": "R&D"}}]),
        )),
        204,
    )
    .await;
    scim(
        app,
        &token,
        Method::PATCH,
        &format!("{groups}/{group}"),
        Some(patch(
            json!([{"op": "add", "path": "members", "value": [{"value": bob}]}]),
        )),
        204,
    )
    .await;
    scim(
        app,
        &token,
        Method::PATCH,
        &format!("{groups}/{group}"),
        Some(patch(
            json!([{"op": "remove", "path": format!("members[value eq \"{ada}\"]")}]),
        )),
        204,
    )
    .await;

    // user.deactivated, then user.reactivated.
    for active in [false, true] {
        scim(
            app,
            &token,
            Method::PATCH,
            &format!("{users}/{bob}"),
            Some(patch(
                json!([{"op": "replace", "value": {"active": active}}]),
            )),
            200,
        )
        .await;
    }

    // Under the `delete` policy a user the IdP removes is user.deleted (its memberships first).
    app.expect(
        Method::PATCH,
        &format!("/api/v1/directories/{dir}"),
        Some(json!({"deactivation_policy": "delete"})),
        200,
    )
    .await;
    scim(
        app,
        &token,
        Method::DELETE,
        &format!("{users}/{bob}"),
        None,
        204,
    )
    .await;
    // group.deleted.
    scim(
        app,
        &token,
        Method::DELETE,
        &format!("{groups}/{group}"),
        None,
        204,
    )
    .await;
    // directory.token_rotated, with a grace period for the old token.
    app.expect(
        Method::POST,
        &format!("/api/v1/directories/{dir}/token"),
        Some(json!({"grace_seconds": 3600})),
        200,
    )
    .await;
    // directory.deleted.
    app.expect(
        Method::DELETE,
        &format!("/api/v1/directories/{dir}"),
        None,
        204,
    )
    .await;
    dir
}

#[tokio::test]
async fn every_event_type_matches_its_schema_and_its_snapshot() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let validator = Validator::fetch(&app).await;
        let dir = produce_every_event_type(&app).await;
        let events = app.all_events(&format!("&directory_id={dir}")).await;

        let seen: BTreeSet<String> = events
            .iter()
            .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            seen,
            validator.types(),
            "{}: the scenario must produce every event type that has a schema",
            engine.name()
        );
        for event in &events {
            if let Err(problems) = validator.check(event) {
                panic!(
                    "{}: {} does not match its schema:\n{problems}\nevent: {event:#}",
                    engine.name(),
                    event["type"]
                );
            }
        }

        let mut ids = Ids::new(&app.base_url);
        let settings = redactions();
        for (i, event) in events.iter().enumerate() {
            let mut event = event.clone();
            ids.rename(&mut event);
            let name = format!(
                "{:02}_{}",
                i + 1,
                event["type"].as_str().unwrap_or_default()
            );
            settings.bind(|| insta::assert_json_snapshot!(name, event));
        }
        app.shutdown().await;
    }
}

/// Makes a valid event invalid in one way.
type Breaks = fn(&mut Value);

#[tokio::test]
async fn the_validation_is_not_vacuous() {
    let app = TestApp::spawn(&engines()[0]).await;
    let validator = Validator::fetch(&app).await;
    let (scim_base, token, dir) = scim_directory(&app, "generic").await;
    scim(
        &app,
        &token,
        Method::POST,
        &format!("{scim_base}/Users"),
        Some(json!({"schemas": [USER_URN], "userName": "ada@example.com"})),
        201,
    )
    .await;
    let events = app.all_events(&format!("&directory_id={dir}")).await;
    let created = events
        .iter()
        .find(|e| e["type"] == "user.created")
        .expect("user.created")
        .clone();
    validator.check(&created).expect("a real event validates");

    let broken: [(&str, Breaks); 6] = [
        ("a field the schema does not know", |e| {
            e["data"]["nickname"] = json!("Ada")
        }),
        ("a missing field", |e| {
            e["data"].as_object_mut().expect("data").remove("roles");
        }),
        ("a wrong id prefix", |e| e["data"]["id"] = json!("group_0")),
        ("a state outside the enum", |e| {
            e["data"]["state"] = json!("suspended")
        }),
        ("previous_attributes on user.created", |e| {
            e["previous_attributes"] = json!({"state": "inactive"})
        }),
        ("a timestamp that is no date-time", |e| {
            e["created_at"] = json!("yesterday")
        }),
    ];
    for (what, breaks) in broken {
        let mut event = created.clone();
        breaks(&mut event);
        assert!(
            validator.check(&event).is_err(),
            "the schema accepted {what}: {event:#}"
        );
    }
    app.shutdown().await;
}

#[tokio::test]
async fn schemas_are_public_and_an_unknown_type_lists_the_known_ones() {
    let app = TestApp::spawn(&engines()[0]).await;
    let (status, content_type, list) = get_public(&app, "/api/v1/schemas/events").await;
    assert_eq!(status, 200, "{list}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let types: Vec<&str> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(types.len(), 15, "{types:?}");
    assert!(list["next_cursor"].is_null());
    for entry in list["data"].as_array().expect("data") {
        let schema = &entry["schema"];
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{}",
            entry["type"]
        );
        assert_eq!(schema["properties"]["type"]["const"], entry["type"]);
    }

    let (status, _, body) = get_public(&app, "/api/v1/schemas/events/user.renamed").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.contains("'user.renamed'"), "{message}");
    for t in types {
        assert!(message.contains(t), "{message} should list {t}");
    }

    let (status, body) = app
        .api(Method::POST, "/api/v1/schemas/events", Some(json!({})))
        .await;
    assert_eq!(status, 405, "{body}");
    app.shutdown().await;
}

/// The example of each type in docs/events.md: the ```json block under its `### `type``
/// heading.
fn documented_examples() -> BTreeMap<String, Value> {
    let doc = include_str!("../../docs/events.md");
    let mut examples = BTreeMap::new();
    let mut heading: Option<String> = None;
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("### `") {
            heading = rest.strip_suffix('`').map(str::to_owned);
        } else if line == "```json" {
            let block: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            if let Some(t) = heading.take() {
                let example = serde_json::from_str(&block.join("\n"))
                    .unwrap_or_else(|e| panic!("docs/events.md, {t}: not JSON: {e}"));
                examples.insert(t, example);
            }
        }
    }
    examples
}

#[tokio::test]
async fn every_example_in_the_events_doc_matches_its_schema() {
    let app = TestApp::spawn(&engines()[0]).await;
    let validator = Validator::fetch(&app).await;
    let examples = documented_examples();
    let documented: BTreeSet<String> = examples.keys().cloned().collect();
    assert_eq!(
        documented,
        validator.types(),
        "docs/events.md has one example per event type"
    );
    for (t, example) in &examples {
        assert_eq!(example["type"], t.as_str(), "the example under {t}");
        if let Err(problems) = validator.check(example) {
            panic!("docs/events.md, {t}: the example does not match the schema:\n{problems}");
        }
    }
    app.shutdown().await;
}

/// The other paths that emit events, with the values that vary most (no roles, null names, a
/// manager that arrives later, suspension by DELETE and revival, a PUT of members, deletion with
/// the organization, rotation without grace): every event still matches its schema.
#[tokio::test]
async fn every_other_emitting_path_matches_the_schemas() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let validator = Validator::fetch(&app).await;
        let org = app.create_organization("Globex").await;
        let org = org["id"].as_str().expect("org id").to_owned();
        let (directory, token) = app.create_directory(&org, "entra").await;
        let dir = directory["id"].as_str().expect("id").to_owned();
        let scim_base = directory["scim_base_url"]
            .as_str()
            .expect("scim_base_url")
            .strip_prefix(&app.base_url)
            .expect("under base url")
            .to_owned();
        let users = format!("{scim_base}/Users");
        let groups = format!("{scim_base}/Groups");
        // Mappings to a boolean and to a number, besides text.
        app.expect(
            Method::PATCH,
            &format!("/api/v1/directories/{dir}"),
            Some(json!({"attribute_mappings": [
                {"source": "active", "target": "is_active"},
                {"source": format!("{ENTERPRISE_URN}:costCenter"), "target": "cost_center"},
                {"source": "title", "target": "title"},
            ]})),
            200,
        )
        .await;

        // A report whose manager does not exist yet; no name, an email without a type.
        let report = scim(
            &app,
            &token,
            Method::POST,
            &users,
            Some(json!({
                "schemas": [USER_URN, ENTERPRISE_URN],
                "userName": "rita@globex.example",
                "emails": [{"value": "rita@globex.example"}],
                "title": "Analyst",
                ENTERPRISE_URN: {"manager": {"value": "mgr-7"}, "costCenter": 4410},
            })),
            201,
        )
        .await;
        let report = report["id"].as_str().expect("id").to_owned();
        // The manager arrives: the report gets user.updated {"manager_id": null}.
        let manager = scim(
            &app,
            &token,
            Method::POST,
            &users,
            Some(json!({
                "schemas": [USER_URN],
                "externalId": "mgr-7",
                "userName": "hank@globex.example",
                "name": {"formatted": "Hank Scorpio"},
                "active": "True",
            })),
            201,
        )
        .await;
        let manager = manager["id"].as_str().expect("id").to_owned();

        // A group with both, then a PUT that keeps only the manager.
        let group = scim(
            &app,
            &token,
            Method::POST,
            &groups,
            Some(json!({
                "schemas": [GROUP_URN],
                "displayName": "Finance",
                "members": [{"value": report}, {"value": manager}],
            })),
            201,
        )
        .await;
        let group = group["id"].as_str().expect("id").to_owned();
        scim(
            &app,
            &token,
            Method::PUT,
            &format!("{groups}/{group}"),
            Some(json!({
                "schemas": [GROUP_URN],
                "id": group,
                "displayName": "Finance Team",
                "members": [{"value": manager}],
            })),
            200,
        )
        .await;

        // Suspension by DELETE (memberships end, user.deactivated), then revival by POST.
        scim(
            &app,
            &token,
            Method::DELETE,
            &format!("{users}/{manager}"),
            None,
            204,
        )
        .await;
        scim(
            &app,
            &token,
            Method::POST,
            &users,
            Some(json!({
                "schemas": [USER_URN],
                "externalId": "mgr-7",
                "userName": "hank@globex.example",
                "name": {"formatted": "Hank Scorpio"},
            })),
            201,
        )
        .await;

        // Rotation without grace; then the organization goes, and its directory with it.
        app.expect(
            Method::POST,
            &format!("/api/v1/directories/{dir}/token"),
            None,
            200,
        )
        .await;
        app.expect(
            Method::DELETE,
            &format!("/api/v1/organizations/{org}"),
            None,
            204,
        )
        .await;

        let events = app.all_events(&format!("&directory_id={dir}")).await;
        for event in &events {
            if let Err(problems) = validator.check(event) {
                panic!(
                    "{}: {} does not match its schema:\n{problems}\nevent: {event:#}",
                    engine.name(),
                    event["type"]
                );
            }
        }
        let of = |t: &str| -> Vec<&Value> { events.iter().filter(|e| e["type"] == t).collect() };
        // The paths above really ran, with the values they are here for.
        let linked = of("user.updated");
        assert!(
            linked
                .iter()
                .any(|e| e["previous_attributes"] == json!({"manager_id": null})),
            "{}: the report is linked to its manager: {linked:#?}",
            engine.name()
        );
        let created = &of("user.created")[0]["data"];
        assert_eq!(created["role"], Value::Null, "no roles configured");
        assert_eq!(created["roles"], json!([]));
        assert_eq!(created["first_name"], Value::Null);
        assert!(created["emails"][0].get("type").is_none(), "{created}");
        assert_eq!(created["custom_attributes"]["title"], "Analyst");
        assert_eq!(of("user.deactivated").len(), 1, "{}", engine.name());
        assert_eq!(of("user.reactivated").len(), 1, "{}", engine.name());
        assert_eq!(of("group.updated").len(), 1, "{}", engine.name());
        assert!(of("group.user_removed").len() >= 2, "{}", engine.name());
        assert_eq!(
            of("directory.token_rotated")[0]["data"]["previous_token_expires_at"],
            Value::Null
        );
        assert_eq!(of("directory.deleted").len(), 1, "{}", engine.name());
        app.shutdown().await;
    }
}
