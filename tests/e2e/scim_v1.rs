//! SCIM 1.1 (`/scim/v1/{directory_id}`), as Okta's "SCIM 1.1 Header Auth" app template speaks
//! it: its request sequence replayed end to end, and the same logical lifecycle driven through
//! 1.1, through 2.0 and through both on one directory, which must leave equal normalized state
//! and emit equal events.

use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

use crate::scim_idps::{enc, filter, member_ids, s, summaries, Idp, ENTERPRISE, GROUP_URN};

const V1_CORE: &str = "urn:scim:schemas:core:1.0";
const V1_ENTERPRISE: &str = "urn:scim:schemas:extension:enterprise:1.0";
const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const OKTA_UA: &str = "Okta SCIM Client 1.0.0";

fn fixture(name: &str) -> Value {
    let text = match name {
        "create_user" => include_str!("../../crates/scim/tests/idp/okta11/create_user.json"),
        "members_add" => {
            include_str!("../../crates/scim/tests/idp/okta11/patch_group_members_add.json")
        }
        "members_delete" => {
            include_str!("../../crates/scim/tests/idp/okta11/patch_group_members_delete.json")
        }
        "rename" => include_str!("../../crates/scim/tests/idp/okta11/patch_group_rename.json"),
        "deactivate" => {
            include_str!("../../crates/scim/tests/idp/okta11/patch_user_deactivate.json")
        }
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str(text).expect("fixture")
}

/// Every URN anywhere in a 1.1 response must be a 1.1 one.
fn assert_v1_shape(resource: &Value) {
    let text = resource.to_string();
    assert!(
        !text.contains("urn:ietf:params:scim"),
        "a SCIM 1.1 response carries no 2.0 URN: {resource}"
    );
}

fn assert_v1_error(body: &Value, code: u16, mentions: &str) {
    let errors = body["Errors"].as_array().expect("1.1 Errors array");
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["code"], code.to_string(), "{body}");
    let description = s(&errors[0]["description"]);
    assert!(
        description
            .to_lowercase()
            .contains(&mentions.to_lowercase()),
        "the description says what is wrong ({mentions}): {body}"
    );
    assert!(body.get("schemas").is_none(), "no 2.0 error fields: {body}");
}

/// A 1.1 ListResponse for a filter, checked for shape.
async fn lookup_v1(idp: &Idp<'_>, resource: &str, f: &str) -> Value {
    let list = idp
        .get(&format!("/{resource}?{}&startIndex=1&count=100", filter(f)))
        .await;
    assert_eq!(list["schemas"], json!([V1_CORE]), "{list}");
    assert!(list["totalResults"].is_u64(), "{list}");
    assert_v1_shape(&list);
    list
}

/// Okta's SCIM 1.1 Header Auth app: Test API Credentials, import (users and groups), assignment
/// (lookup, create), profile push (PUT), a partial update clearing an attribute through
/// `meta.attributes`, Push Groups linking an app group the vendor made and creating another
/// (membership add / `operation: "delete"` / rename PATCHes), deactivation, unlinking, 1.1 error
/// bodies, and a token reset that keeps every user and group.
#[tokio::test]
async fn okta_scim_11_replays_its_request_sequence() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Northwind").await;
        let mut okta = Idp::connect_version(&app, s(&org["id"]), "okta", OKTA_UA, "1.1").await;
        assert!(
            okta.scim.starts_with("/scim/v1/directory_"),
            "a 1.1 directory is given its /scim/v1 URL: {}",
            okta.scim
        );

        // The vendor made an app group before the IdP connected.
        let engineering = app
            .expect(
                Method::POST,
                &format!("/api/v1/directories/{}/groups", okta.directory_id),
                Some(json!({"name": "Engineering", "app_group_key": "team-eng"})),
                201,
            )
            .await;
        let engineering = s(&engineering["id"]).to_owned();
        assert_eq!(
            summaries(&okta.new_events().await),
            ["group.created Engineering"]
        );

        // Test API Credentials: the plural provider config of 1.1, then a user lookup.
        let config = okta.get("/ServiceProviderConfigs").await;
        assert_eq!(config["schemas"], json!([V1_CORE]), "{config}");
        assert_eq!(config["patch"]["supported"], true, "{config}");
        assert_eq!(config["filter"]["supported"], true, "{config}");
        assert_v1_shape(&config);
        let schemas = okta.get("/Schemas").await;
        let schema_text = schemas.to_string();
        assert!(schema_text.contains(V1_CORE), "{schemas}");
        assert!(schema_text.contains(V1_ENTERPRISE), "{schemas}");
        assert_v1_shape(&schemas);
        // 1.1 clients ask for a schema by its endpoint; attributes say `readOnly`.
        let user_schema = okta.get("/Schemas/Users").await;
        assert_eq!(
            (
                &user_schema["id"],
                &user_schema["name"],
                &user_schema["endpoint"]
            ),
            (&json!(V1_CORE), &json!("User"), &json!("/Users")),
            "{user_schema}"
        );
        let id_attribute = user_schema["attributes"]
            .as_array()
            .and_then(|a| a.iter().find(|a| a["name"] == "id"))
            .expect("id attribute");
        assert_eq!(id_attribute["readOnly"], true, "{id_attribute}");
        assert_eq!(id_attribute["schema"], V1_CORE, "{id_attribute}");
        assert_v1_shape(&user_schema);
        let probe = lookup_v1(&okta, "Users", r#"userName eq "probe@northwind.example""#).await;
        assert_eq!(probe["totalResults"], 0, "{probe}");

        // Import: users (none yet) and groups (the app group, for linking).
        let users = okta.get("/Users?startIndex=1&count=100").await;
        assert_eq!(
            (users["schemas"].clone(), users["totalResults"].clone()),
            (json!([V1_CORE]), json!(0)),
            "{users}"
        );
        let groups = okta.get("/Groups?startIndex=1&count=100").await;
        assert_eq!(groups["totalResults"], 1, "{groups}");
        assert_eq!(groups["Resources"][0]["id"], engineering.as_str());
        assert_eq!(groups["Resources"][0]["schemas"], json!([V1_CORE]));
        okta.expect_quiet("the credential test and the import")
            .await;

        // Assignment: lookup, create (with the 1.1 enterprise extension).
        let mut ivo_body = fixture("create_user");
        ivo_body[V1_ENTERPRISE] = json!({"department": "Logistics", "employeeNumber": "4711"});
        ivo_body["title"] = json!("Shift lead");
        let found = lookup_v1(
            &okta,
            "Users",
            r#"userName eq "ivo.berg@northwind.example""#,
        )
        .await;
        assert_eq!(found["totalResults"], 0);
        let (headers, ivo_created) = okta
            .expect(Method::POST, "/Users", Some(ivo_body.clone()), 201)
            .await;
        assert_v1_shape(&ivo_created);
        let ivo = s(&ivo_created["id"]).to_owned();
        assert_eq!(
            headers.get("location").and_then(|v| v.to_str().ok()),
            Some(format!("{}{}/Users/{ivo}", app.base_url, okta.scim).as_str())
        );
        assert_eq!(
            ivo_created["schemas"],
            json!([V1_CORE, V1_ENTERPRISE]),
            "{ivo_created}"
        );
        assert_eq!(ivo_created[V1_ENTERPRISE]["department"], "Logistics");
        assert!(ivo_created.get("password").is_none(), "{ivo_created}");
        let mut ruth_body = fixture("create_user");
        ruth_body["userName"] = json!("ruth.kim@northwind.example");
        ruth_body["emails"][0]["value"] = json!("ruth.kim@northwind.example");
        ruth_body["name"] = json!({"givenName": "Ruth", "familyName": "Kim"});
        ruth_body["displayName"] = json!("Ruth Kim");
        ruth_body["externalId"] = json!("00ub0oNGTSWTBKOLBBBB");
        let (_, ruth_created) = okta
            .expect(Method::POST, "/Users", Some(ruth_body.clone()), 201)
            .await;
        let ruth = s(&ruth_created["id"]).to_owned();
        // The same userName again: 409 in the 1.1 error form.
        let (_, conflict) = okta
            .expect(Method::POST, "/Users", Some(ruth_body.clone()), 409)
            .await;
        assert_v1_error(&conflict, 409, "ruth.kim@northwind.example");

        // Paging through the import, one user per page.
        let second = okta.get("/Users?startIndex=2&count=1").await;
        assert_eq!(
            (
                &second["totalResults"],
                &second["startIndex"],
                &second["itemsPerPage"]
            ),
            (&json!(2), &json!(2), &json!(1)),
            "{second}"
        );
        assert_v1_shape(&second);

        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            [
                "user.created ivo.berg@northwind.example",
                "user.created ruth.kim@northwind.example"
            ]
        );
        let ivo_event = &events[0]["data"];
        assert_eq!(
            ivo_event["emails"][0]["value"],
            "ivo.berg@northwind.example"
        );
        assert_eq!(ivo_event["first_name"], "Ivo");
        assert_eq!(ivo_event["last_name"], "Berg");
        assert_eq!(ivo_event["idp_id"], "00ub0oNGTSWTBKOLAAAA");
        assert_eq!(ivo_event["custom_attributes"]["job_title"], "Shift lead");
        assert_eq!(ivo_event["custom_attributes"]["department"], "Logistics");
        assert_eq!(ivo_event["custom_attributes"]["employee_number"], "4711");

        // Profile push: a full PUT; the unchanged re-push emits nothing.
        let mut push = ivo_created.clone();
        push["name"]["familyName"] = json!("Berg-Olsen");
        push["title"] = json!("Warehouse manager");
        push["password"] = json!("hunter2!Aa");
        let (_, put) = okta
            .expect(
                Method::PUT,
                &format!("/Users/{ivo}"),
                Some(push.clone()),
                200,
            )
            .await;
        assert_v1_shape(&put);
        assert_eq!(put["name"]["familyName"], "Berg-Olsen");
        okta.expect(Method::PUT, &format!("/Users/{ivo}"), Some(push), 200)
            .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated ivo.berg@northwind.example"]
        );
        assert_eq!(events[0]["previous_attributes"]["last_name"], "Berg");
        assert_eq!(
            events[0]["previous_attributes"]["custom_attributes"]["job_title"],
            "Shift lead"
        );

        // A partial update that clears the title (`meta.attributes`) and sets the department.
        let patched = okta
            .patch_ok(
                &format!("/Users/{ivo}"),
                json!({
                    "schemas": [V1_CORE, V1_ENTERPRISE],
                    "meta": {"attributes": ["title"]},
                    V1_ENTERPRISE: {"department": "Operations"},
                }),
            )
            .await;
        if !patched.is_null() {
            assert_v1_shape(&patched);
            assert!(patched.get("title").is_none(), "{patched}");
        }
        let ivo_now = okta.get(&format!("/Users/{ivo}")).await;
        assert!(ivo_now.get("title").is_none(), "{ivo_now}");
        assert_eq!(ivo_now[V1_ENTERPRISE]["department"], "Operations");
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated ivo.berg@northwind.example"]
        );
        let custom = &events[0]["data"]["custom_attributes"];
        assert!(custom["job_title"].is_null(), "{}", events[0]);
        assert_eq!(custom["department"], "Operations", "{}", events[0]);
        assert_eq!(
            events[0]["previous_attributes"]["custom_attributes"]["job_title"],
            "Warehouse manager"
        );

        // Push Groups, link: Okta finds the app group by name and pushes its members.
        let linked = lookup_v1(&okta, "Groups", r#"displayName eq "Engineering""#).await;
        assert_eq!(linked["totalResults"], 1, "{linked}");
        assert_eq!(linked["Resources"][0]["id"], engineering.as_str());
        let mut add = fixture("members_add");
        add["members"] = json!([
            {"value": ivo, "display": "ivo.berg@northwind.example"},
            {"value": ruth, "display": "ruth.kim@northwind.example"},
        ]);
        okta.patch_ok(&format!("/Groups/{engineering}"), add).await;
        let group = okta.get(&format!("/Groups/{engineering}")).await;
        assert_v1_shape(&group);
        let mut both = vec![ivo.clone(), ruth.clone()];
        both.sort();
        assert_eq!(member_ids(&group), both);
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            [
                "group.user_added Engineering ivo.berg@northwind.example",
                "group.user_added Engineering ruth.kim@northwind.example"
            ]
        );
        for e in &events {
            assert_eq!(e["data"]["group"]["app_group_key"], "team-eng", "{e}");
        }

        // Membership removal: the element marked `operation: "delete"`.
        let mut remove = fixture("members_delete");
        remove["members"][0]["value"] = json!(ruth);
        okta.patch_ok(&format!("/Groups/{engineering}"), remove)
            .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            ["group.user_removed Engineering ruth.kim@northwind.example"]
        );

        // Push Groups, create: a new group with Okta's custom group extension, then a rename.
        let (_, created) = okta
            .expect(
                Method::POST,
                "/Groups",
                Some(json!({
                    "schemas": [V1_CORE],
                    "displayName": "Warehouse",
                    "urn:okta:custom:group:1.0": {"description": "Floor staff"},
                    "members": [{"value": ruth, "display": "ruth.kim@northwind.example"}],
                })),
                201,
            )
            .await;
        assert_v1_shape(&created);
        let warehouse = s(&created["id"]).to_owned();
        let mut rename = fixture("rename");
        rename["id"] = json!(warehouse);
        okta.patch_ok(&format!("/Groups/{warehouse}"), rename).await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            [
                "group.created Warehouse",
                "group.user_added Warehouse ruth.kim@northwind.example",
                "group.updated Warehouse Leads"
            ]
        );
        assert_eq!(events[2]["previous_attributes"]["name"], "Warehouse");

        // Deactivation: a partial resource with `active: false`.
        let mut deactivate = fixture("deactivate");
        deactivate["id"] = json!(ruth);
        okta.patch_ok(&format!("/Users/{ruth}"), deactivate).await;
        let ruth_now = okta.get(&format!("/Users/{ruth}")).await;
        assert_eq!(ruth_now["active"], false, "{ruth_now}");
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.deactivated ruth.kim@northwind.example"]
        );

        // Unlink with "delete the group in the app", then Okta checks it is gone.
        okta.expect(Method::DELETE, &format!("/Groups/{warehouse}"), None, 204)
            .await;
        let (_, gone) = okta
            .expect(Method::GET, &format!("/Groups/{warehouse}"), None, 404)
            .await;
        assert_v1_error(&gone, 404, &warehouse);
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            [
                "group.user_removed Warehouse Leads ruth.kim@northwind.example",
                "group.deleted Warehouse Leads"
            ]
        );

        // Mistakes get 1.1 error bodies that say what is wrong.
        let (_, bad_filter) = okta
            .expect(
                Method::GET,
                &format!("/Users?filter={}", enc("userName equals \"x\"")),
                None,
                400,
            )
            .await;
        assert_v1_error(&bad_filter, 400, "filter");
        let (_, bad_body) = okta
            .expect(
                Method::PATCH,
                &format!("/Users/{ivo}"),
                Some(json!({"schemas": [V1_CORE], "meta": {"attributes": "title"}})),
                400,
            )
            .await;
        assert_v1_error(&bad_body, 400, "meta.attributes");
        okta.expect_quiet("refused requests").await;

        // Reset API Token: data stays, the old token gets 401, the new one sees everything.
        let rotated = app
            .expect(
                Method::POST,
                &format!("/api/v1/directories/{}/token", okta.directory_id),
                Some(json!({})),
                200,
            )
            .await;
        let (_, refused) = okta
            .expect(Method::GET, "/Users?startIndex=1&count=100", None, 401)
            .await;
        assert_v1_error(&refused, 401, "token");
        let mut okta = okta.with_token(s(&rotated["token"]));
        let users = okta.get("/Users?startIndex=1&count=100").await;
        assert_eq!(users["totalResults"], 2, "{users}");
        let groups = okta.get("/Groups?startIndex=1&count=100").await;
        assert_eq!(groups["totalResults"], 1, "{groups}");
        assert_eq!(groups["Resources"][0]["id"], engineering.as_str());
        assert_eq!(member_ids(&groups["Resources"][0]), vec![ivo.clone()]);
        let events = okta.new_events().await;
        assert_eq!(
            events.iter().map(|e| s(&e["type"])).collect::<Vec<_>>(),
            ["directory.token_rotated"],
            "a token reset changes no user or group"
        );
        okta.assert_activity("okta").await;
        app.shutdown().await;
    }
}

/// Which SCIM version a step of the lifecycle speaks.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Speak {
    V1,
    V2,
}

/// Directory ids, user ids and group ids → a stable label, to compare two directories.
#[derive(Default)]
struct Labels(HashMap<String, String>);

impl Labels {
    fn add(&mut self, id: &str, label: &str) {
        self.0.insert(id.to_owned(), label.to_owned());
    }

    /// The value with ids replaced by labels and per-run values (times, event ids) blanked.
    fn canonical(&self, value: &Value) -> Value {
        match value {
            Value::String(text) => match self.0.get(text) {
                Some(label) => json!(label),
                None => value.clone(),
            },
            Value::Array(items) => Value::Array(items.iter().map(|v| self.canonical(v)).collect()),
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    let blank = matches!(
                        k.as_str(),
                        "created_at" | "updated_at" | "occurred_at" | "last_request_at"
                    ) || (k == "id"
                        && v.as_str().is_some_and(|id| id.starts_with("evt")));
                    out.insert(
                        k.clone(),
                        if blank {
                            json!("…")
                        } else {
                            self.canonical(v)
                        },
                    );
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
}

/// A 2.0 user or group body in the form `speak` sends it.
fn body(speak: Speak, mut v2: Value) -> Value {
    if speak == Speak::V1 {
        let text = v2
            .to_string()
            .replace(USER_URN, V1_CORE)
            .replace(GROUP_URN, V1_CORE)
            .replace(ENTERPRISE, V1_ENTERPRISE);
        v2 = serde_json::from_str(&text).expect("json");
        // 1.1 bodies list the core URN once.
        if let Some(list) = v2["schemas"].as_array_mut() {
            list.dedup();
        }
    }
    v2
}

fn user(user_name: &str, given: &str, family: &str, department: &str) -> Value {
    json!({
        "schemas": [USER_URN, ENTERPRISE],
        "userName": user_name,
        "externalId": format!("ext-{given}"),
        "name": {"givenName": given, "familyName": family},
        "displayName": format!("{given} {family}"),
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "title": "Engineer",
        "active": true,
        ENTERPRISE: {"department": department, "employeeNumber": format!("{}", given.len())},
    })
}

/// One logical change, sent in the form of the version a step speaks.
async fn partial(idp: &Idp<'_>, speak: Speak, path: &str, v1: Value, v2_operations: Value) {
    let request = match speak {
        Speak::V1 => v1,
        Speak::V2 => json!({"schemas": [PATCH_OP], "Operations": v2_operations}),
    };
    idp.patch_ok(path, request).await;
}

/// The same users, groups and changes, each step spoken in the version `speak(step)` picks;
/// returns the labels of every id it made.
async fn lifecycle(idp: &Idp<'_>, speak: impl Fn(usize) -> Speak) -> Labels {
    let mut labels = Labels::default();
    labels.add(&idp.directory_id, "directory");
    labels.add(&idp.organization_id, "organization");
    let v1 = idp.speaking("v1");
    let v2 = idp.speaking("v2");
    let mut step = 0;
    let mut next = || {
        step += 1;
        match speak(step) {
            Speak::V1 => (Speak::V1, &v1),
            Speak::V2 => (Speak::V2, &v2),
        }
    };

    let mut ids = HashMap::new();
    for (name, given, family, dept) in [
        ("ada@example.com", "Ada", "Lovelace", "R&D"),
        ("bob@example.com", "Bob", "Stone", "Sales"),
        ("cy@example.com", "Cy", "Young", "Ops"),
    ] {
        let (speak, idp) = next();
        let (_, created) = idp
            .expect(
                Method::POST,
                "/Users",
                Some(body(speak, user(name, given, family, dept))),
                201,
            )
            .await;
        let id = s(&created["id"]).to_owned();
        labels.add(&id, &format!("user:{name}"));
        ids.insert(given, id);
    }
    let (ada, bob, cy) = (ids["Ada"].clone(), ids["Bob"].clone(), ids["Cy"].clone());

    // Full replace of Ada: new family name and title, department unchanged.
    let (speak, scim) = next();
    let mut ada_v2 = user("ada@example.com", "Ada", "King", "R&D");
    ada_v2["title"] = json!("Lead");
    scim.expect(
        Method::PUT,
        &format!("/Users/{ada}"),
        Some(body(speak, ada_v2)),
        200,
    )
    .await;

    // Bob's title and department change.
    let (speak, scim) = next();
    partial(
        scim,
        speak,
        &format!("/Users/{bob}"),
        json!({"schemas": [V1_CORE, V1_ENTERPRISE], "title": "Manager",
               V1_ENTERPRISE: {"department": "Field Sales"}}),
        json!([
            {"op": "replace", "path": "title", "value": "Manager"},
            {"op": "replace", "path": format!("{ENTERPRISE}:department"), "value": "Field Sales"},
        ]),
    )
    .await;

    // Ada's title is cleared.
    let (speak, scim) = next();
    partial(
        scim,
        speak,
        &format!("/Users/{ada}"),
        json!({"schemas": [V1_CORE], "meta": {"attributes": ["title"]}}),
        json!([{"op": "remove", "path": "title"}]),
    )
    .await;

    // Cy gets a second email (multi-valued attributes merge in 1.1).
    let (speak, scim) = next();
    partial(
        scim,
        speak,
        &format!("/Users/{cy}"),
        json!({"schemas": [V1_CORE], "emails": [{"value": "cy@home.example", "type": "home"}]}),
        json!([{"op": "add", "path": "emails",
                "value": [{"value": "cy@home.example", "type": "home"}]}]),
    )
    .await;

    // A group with Ada, then Bob added, Ada removed, a rename.
    let (speak, scim) = next();
    let (_, eng) = scim
        .expect(
            Method::POST,
            "/Groups",
            Some(body(
                speak,
                json!({"schemas": [GROUP_URN], "displayName": "Eng", "externalId": "g-eng",
                       "members": [{"value": ada}]}),
            )),
            201,
        )
        .await;
    let eng = s(&eng["id"]).to_owned();
    labels.add(&eng, "group:eng");
    let (speak, scim) = next();
    partial(
        scim,
        speak,
        &format!("/Groups/{eng}"),
        json!({"schemas": [V1_CORE], "members": [{"value": bob}]}),
        json!([{"op": "add", "path": "members", "value": [{"value": bob}]}]),
    )
    .await;
    let (speak, scim) = next();
    partial(
        scim,
        speak,
        &format!("/Groups/{eng}"),
        json!({"schemas": [V1_CORE], "members": [{"value": ada, "operation": "delete"}]}),
        json!([{"op": "remove", "path": format!("members[value eq \"{ada}\"]")}]),
    )
    .await;
    let (speak, scim) = next();
    partial(
        scim,
        speak,
        &format!("/Groups/{eng}"),
        json!({"schemas": [V1_CORE], "displayName": "Engineering"}),
        json!([{"op": "replace", "path": "displayName", "value": "Engineering"}]),
    )
    .await;

    // A second group, made and deleted.
    let (speak, scim) = next();
    let (_, temp) = scim
        .expect(
            Method::POST,
            "/Groups",
            Some(body(
                speak,
                json!({"schemas": [GROUP_URN], "displayName": "Temp", "members": [{"value": cy}]}),
            )),
            201,
        )
        .await;
    let temp = s(&temp["id"]).to_owned();
    labels.add(&temp, "group:temp");
    let (_, scim) = next();
    scim.expect(Method::DELETE, &format!("/Groups/{temp}"), None, 204)
        .await;

    // Cy is deactivated, Bob deleted.
    let (speak, scim) = next();
    partial(
        scim,
        speak,
        &format!("/Users/{cy}"),
        json!({"schemas": [V1_CORE], "id": cy, "active": false}),
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .await;
    let (_, scim) = next();
    scim.expect(Method::DELETE, &format!("/Users/{bob}"), None, 204)
        .await;
    labels
}

/// What the vendor's app can see of a directory: its events and the read API's users and groups,
/// with ids replaced by labels.
async fn app_view(app: &TestApp, idp: &Idp<'_>, labels: &Labels) -> (Vec<Value>, Value, Value) {
    let events: Vec<Value> = crate::scim_users::events_of(app, &idp.directory_id)
        .await
        .iter()
        .map(|e| labels.canonical(e))
        .collect();
    let dir = &idp.directory_id;
    let mut users = app
        .expect(
            Method::GET,
            &format!("/api/v1/directories/{dir}/users?limit=100"),
            None,
            200,
        )
        .await["data"]
        .clone();
    let mut groups = app
        .expect(
            Method::GET,
            &format!("/api/v1/directories/{dir}/groups?limit=100"),
            None,
            200,
        )
        .await["data"]
        .clone();
    for list in [&mut users, &mut groups] {
        let mut items: Vec<Value> = list
            .as_array()
            .expect("data")
            .iter()
            .map(|v| labels.canonical(v))
            .collect();
        items.sort_by_key(|v| v["id"].to_string());
        *list = Value::Array(items);
    }
    (events, users, groups)
}

/// The acceptance test of SCIM 1.1: one lifecycle through 1.1 on a 1.1 directory, through 2.0 on
/// a 2.0 directory, and alternating between both on one directory; the app sees the same users,
/// groups and events (same types, same data, same order) from all three.
#[tokio::test]
async fn scim_11_and_20_give_the_same_state_and_events() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Contoso").await;
        let org_id = s(&org["id"]);
        let one = Idp::connect_version(&app, org_id, "okta", OKTA_UA, "1.1").await;
        let two = Idp::connect_version(&app, org_id, "okta", OKTA_UA, "2.0").await;
        let mixed = Idp::connect_version(&app, org_id, "okta", OKTA_UA, "2.0").await;

        let labels_one = lifecycle(&one, |_| Speak::V1).await;
        let labels_two = lifecycle(&two, |_| Speak::V2).await;
        let labels_mixed = lifecycle(
            &mixed,
            |step| {
                if step % 2 == 0 {
                    Speak::V1
                } else {
                    Speak::V2
                }
            },
        )
        .await;

        let (events_two, users_two, groups_two) = app_view(&app, &two, &labels_two).await;
        assert_eq!(
            events_two.iter().map(|e| s(&e["type"])).collect::<Vec<_>>(),
            [
                "user.created",
                "user.created",
                "user.created",
                "user.updated",
                "user.updated",
                "user.updated",
                "user.updated",
                "group.created",
                "group.user_added",
                "group.user_added",
                "group.user_removed",
                "group.updated",
                "group.created",
                "group.user_added",
                "group.user_removed",
                "group.deleted",
                "user.deactivated",
                "group.user_removed",
                "user.deactivated",
            ],
            "{:#?}",
            summaries(&events_two)
        );
        // Deactivated and deleted (under `suspend`, the default) users stay, inactive.
        assert_eq!(users_two.as_array().map(Vec::len), Some(3), "{users_two}");
        assert_eq!(groups_two.as_array().map(Vec::len), Some(1), "{groups_two}");

        for (name, idp, labels) in [
            ("1.1", &one, &labels_one),
            ("1.1 and 2.0 mixed", &mixed, &labels_mixed),
        ] {
            let (events, users, groups) = app_view(&app, idp, labels).await;
            assert_eq!(events.len(), events_two.len(), "{name}: {events:#?}");
            for (got, want) in events.iter().zip(&events_two) {
                assert_eq!(got, want, "{name}: the event differs from 2.0's");
            }
            assert_eq!(users, users_two, "{name}: users differ from 2.0's");
            assert_eq!(groups, groups_two, "{name}: groups differ from 2.0's");
        }
        app.shutdown().await;
    }
}
