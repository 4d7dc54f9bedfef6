//! Each IdP's documented SCIM request sequence, replayed against a real server: the shapes come
//! from `/work/shared/research/idp-quirks.md` and the captured payloads in
//! `crates/scim/tests/idp/*`. Every step checks the SCIM state the IdP reads back, the events the
//! vendor's app receives (and that an unchanged re-push emits none), and, at the end, that the
//! activity log recognised the IdP by its `User-Agent`.

use reqwest::header::HeaderMap;
use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::scim_users::events_of;

pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const OKTA_UA: &str = "Okta SCIM Client 1.0.0";
const ENTRA_UA: &str = "Microsoft.Azure.ActiveDirectory.Provisioning/1.0";
// OneLogin, JumpCloud and Rippling user agents are not documented (idp-quirks.md marks their
// request logs unverified): these name the product, which is what the fingerprint looks for.
const ONELOGIN_UA: &str = "OneLogin SCIM Provisioner/1.0";
const JUMPCLOUD_UA: &str = "JumpCloud SCIM Client/2.0";
const RIPPLING_UA: &str = "Rippling-SCIM/2.0";

/// A captured IdP payload from `crates/scim/tests/idp/`.
macro_rules! fixture {
    ($path:literal) => {
        serde_json::from_str::<serde_json::Value>(include_str!(concat!(
            "../../crates/scim/tests/idp/",
            $path
        )))
        .expect(concat!("fixture ", $path))
    };
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters kept).
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `filter=<encoded>`.
pub fn filter(f: &str) -> String {
    format!("filter={}", enc(f))
}

pub fn s(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

pub fn patch(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// One line per event, for readable assertions: `type name [user]`.
pub fn summary(e: &Value) -> String {
    let t = e["type"].as_str().unwrap_or("?");
    let d = &e["data"];
    if t.starts_with("group.user_") {
        format!(
            "{t} {} {}",
            d["group"]["name"].as_str().unwrap_or("?"),
            d["user"]["user_name"].as_str().unwrap_or("?")
        )
    } else if t.starts_with("group.") {
        format!("{t} {}", d["name"].as_str().unwrap_or("?"))
    } else {
        format!("{t} {}", d["user_name"].as_str().unwrap_or("?"))
    }
}

pub fn summaries(events: &[Value]) -> Vec<String> {
    events.iter().map(summary).collect()
}

pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The `value`s of a group's `members` (empty when absent).
pub fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| m["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

pub fn ids(list: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

/// An IdP connected to one directory: sends its requests with its own headers and keeps track of
/// which events it has already looked at.
pub struct Idp<'a> {
    pub app: &'a TestApp,
    /// Path prefix of the SCIM base URL (`/scim/v2/directory_…`).
    pub scim: String,
    pub token: String,
    pub directory_id: String,
    pub organization_id: String,
    pub user_agent: &'static str,
    sent: AtomicUsize,
    seen: usize,
}

impl<'a> Idp<'a> {
    pub async fn connect(
        app: &'a TestApp,
        organization_id: &str,
        provider: &str,
        user_agent: &'static str,
    ) -> Idp<'a> {
        let (directory, token) = app.create_directory(organization_id, provider).await;
        Self::for_directory(app, &directory, token, user_agent)
    }

    /// Connects to a new directory created with `scim_version` (`"1.1"` or `"2.0"`).
    pub async fn connect_version(
        app: &'a TestApp,
        organization_id: &str,
        provider: &str,
        user_agent: &'static str,
        scim_version: &str,
    ) -> Idp<'a> {
        let created = app
            .expect(
                Method::POST,
                &format!("/api/v1/organizations/{organization_id}/directories"),
                Some(json!({
                    "name": format!("{provider} SCIM {scim_version}"),
                    "provider": provider,
                    "scim_version": scim_version,
                })),
                201,
            )
            .await;
        let token = s(&created["token"]).to_owned();
        Self::for_directory(app, &created["directory"], token, user_agent)
    }

    /// An IdP given a directory's id and token by hand (as from the admin portal's page).
    pub async fn connect_existing(
        app: &'a TestApp,
        directory_id: &str,
        organization_id: &str,
        token: &str,
    ) -> Idp<'a> {
        Idp {
            app,
            scim: format!("/scim/v2/{directory_id}"),
            token: token.to_owned(),
            directory_id: directory_id.to_owned(),
            organization_id: organization_id.to_owned(),
            user_agent: OKTA_UA,
            sent: AtomicUsize::new(0),
            seen: 0,
        }
    }

    /// The same IdP after its admin pasted a new token.
    pub fn with_token(self, token: &str) -> Idp<'a> {
        Idp {
            token: token.to_owned(),
            ..self
        }
    }

    /// The same directory and token, spoken to through `/scim/{segment}/…` (`v1` or `v2`).
    pub fn speaking(&self, segment: &str) -> Idp<'a> {
        let rest = self
            .scim
            .strip_prefix("/scim/")
            .and_then(|r| r.split_once('/'))
            .map(|(_, rest)| rest)
            .expect("a /scim/vN/… prefix");
        Idp {
            app: self.app,
            scim: format!("/scim/{segment}/{rest}"),
            token: self.token.clone(),
            directory_id: self.directory_id.clone(),
            organization_id: self.organization_id.clone(),
            user_agent: self.user_agent,
            sent: AtomicUsize::new(0),
            seen: 0,
        }
    }

    fn for_directory(
        app: &'a TestApp,
        directory: &Value,
        token: String,
        user_agent: &'static str,
    ) -> Idp<'a> {
        let base = s(&directory["scim_base_url"]);
        Idp {
            app,
            scim: base
                .strip_prefix(&app.base_url)
                .expect("under base url")
                .to_owned(),
            token,
            directory_id: s(&directory["id"]).to_owned(),
            organization_id: s(&directory["organization_id"]).to_owned(),
            user_agent,
            sent: AtomicUsize::new(0),
            seen: 0,
        }
    }

    /// Sends `method` to `{scim base}{path}` as this IdP does; returns status, headers and JSON
    /// (Null when the body is empty).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, HeaderMap, Value) {
        self.send_with(method, path, body, &[]).await
    }

    pub async fn send_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (u16, HeaderMap, Value) {
        self.sent.fetch_add(1, Ordering::SeqCst);
        let url = self.app.url(&format!("{}{path}", self.scim));
        let mut request = self
            .app
            .client
            .request(method.clone(), url)
            .bearer_auth(&self.token)
            .header("User-Agent", self.user_agent)
            .header("Accept", "application/scim+json");
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/scim+json; charset=utf-8")
                .body(body.to_string());
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, headers, json)
    }

    /// Like [`Idp::send`], asserting the status.
    pub async fn expect(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> (HeaderMap, Value) {
        let (got, headers, json) = self.send(method.clone(), path, body.clone()).await;
        assert_eq!(
            got,
            status,
            "{} {method} {path} answered {got}: {json}\nrequest: {}",
            self.user_agent,
            body.unwrap_or(Value::Null)
        );
        (headers, json)
    }

    /// A PATCH that an IdP accepts with 200 or 204.
    pub async fn patch_ok(&self, path: &str, body: Value) -> Value {
        let (got, _, json) = self.send(Method::PATCH, path, Some(body.clone())).await;
        assert!(
            got == 200 || got == 204,
            "{} PATCH {path} answered {got}: {json}\nrequest: {body}",
            self.user_agent
        );
        json
    }

    pub async fn get(&self, path: &str) -> Value {
        self.expect(Method::GET, path, None, 200).await.1
    }

    /// `GET /Users?filter=…` (or `/Groups`): the ListResponse, checked for shape.
    pub async fn lookup(&self, resource: &str, f: &str, extra: &str) -> Value {
        let list = self.get(&format!("/{resource}?{}{extra}", filter(f))).await;
        assert_eq!(list["schemas"], json!([LIST_RESPONSE]), "{list}");
        assert!(
            list["totalResults"].is_u64(),
            "totalResults must be an integer: {list}"
        );
        list
    }

    /// Creates a user, asserting 201 with an id; returns the id.
    pub async fn create_user(&self, body: Value) -> String {
        let (headers, created) = self
            .expect(Method::POST, "/Users", Some(body.clone()), 201)
            .await;
        let id = s(&created["id"]).to_owned();
        assert_eq!(created["userName"], body["userName"], "{created}");
        assert!(
            created.get("password").is_none(),
            "no password returned: {created}"
        );
        assert_eq!(
            headers.get("location").and_then(|v| v.to_str().ok()),
            Some(format!("{}{}/Users/{id}", self.app.base_url, self.scim).as_str())
        );
        id
    }

    pub async fn create_group(&self, body: Value) -> String {
        let (_, created) = self
            .expect(Method::POST, "/Groups", Some(body.clone()), 201)
            .await;
        assert_eq!(created["displayName"], body["displayName"], "{created}");
        s(&created["id"]).to_owned()
    }

    /// Events of this directory not returned by a previous call (`directory.activated` aside).
    pub async fn new_events(&mut self) -> Vec<Value> {
        let all = events_of(self.app, &self.directory_id).await;
        let fresh = all[self.seen.min(all.len())..].to_vec();
        self.seen = all.len();
        fresh
    }

    /// Asserts that nothing was emitted since the last look.
    pub async fn expect_quiet(&mut self, what: &str) {
        let fresh = self.new_events().await;
        assert!(
            fresh.is_empty(),
            "{what} must emit nothing, got {:?}",
            summaries(&fresh)
        );
    }

    /// Changes the directory's settings through the management API.
    pub async fn settings(&self, settings: Value) {
        self.app
            .expect(
                Method::PATCH,
                &format!("/api/v1/directories/{}", self.directory_id),
                Some(settings),
                200,
            )
            .await;
    }

    /// Asserts that the activity log has every request this IdP sent, each with its user agent
    /// and the IdP recognised from it.
    pub async fn assert_activity(&self, idp: &str) {
        let sent = self.sent.load(Ordering::SeqCst);
        let mut rows = Vec::new();
        for _ in 0..100 {
            rows = activity(self.app, &self.directory_id).await;
            if rows.len() >= sent {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(rows.len(), sent, "one activity row per request");
        for row in &rows {
            assert_eq!(row["user_agent"], self.user_agent, "{row}");
            assert_eq!(row["idp"], idp, "{row}");
        }
    }
}

/// Every activity row of a directory (all pages).
pub async fn activity(app: &TestApp, directory_id: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut after = String::new();
    loop {
        let page = app
            .expect(
                Method::GET,
                &format!("/api/v1/directories/{directory_id}/activity?limit=100{after}"),
                None,
                200,
            )
            .await;
        let data = page["data"].as_array().cloned().unwrap_or_default();
        rows.extend(data);
        match page["next_cursor"].as_str() {
            Some(c) if !c.is_empty() => after = format!("&after={c}"),
            _ => return rows,
        }
    }
}

fn okta_user(user_name: &str, given: &str, family: &str, external_id: &str) -> Value {
    let mut body = fixture!("okta/create_user.json");
    body["userName"] = json!(user_name);
    body["name"] = json!({"givenName": given, "familyName": family});
    body["emails"][0]["value"] = json!(user_name);
    body["displayName"] = json!(format!("{given} {family}"));
    body["externalId"] = json!(external_id);
    body
}

/// Okta's "SCIM 2.0 Test App": Test Connector Configuration, assignment (lookup, create),
/// profile push (PUT, re-pushed unchanged), Push Groups (create, membership PATCHes carrying the
/// re-sent rename value, full replace), deactivation, and unlinking the pushed group.
#[tokio::test]
async fn okta_replays_its_documented_sequence() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Northwind").await;
        let mut okta = Idp::connect(&app, s(&org["id"]), "okta", OKTA_UA).await;

        // Test Connector Configuration.
        let probe = okta
            .lookup(
                "Users",
                r#"userName eq "connector.check@northwind.example""#,
                "&startIndex=1&count=1",
            )
            .await;
        assert_eq!(
            (
                probe["totalResults"].as_u64(),
                probe["startIndex"].as_u64(),
                probe["itemsPerPage"].as_u64()
            ),
            (Some(0), Some(1), Some(0)),
            "integers, not strings: {probe}"
        );
        let groups = okta.get("/Groups?startIndex=1&count=100").await;
        assert_eq!(groups["totalResults"], 0, "{groups}");
        assert_eq!(groups["startIndex"], 1, "{groups}");
        okta.expect_quiet("the connector test").await;

        // Assignment: lookup, then create.
        let lookup = okta
            .lookup(
                "Users",
                r#"userName eq "mara.quinn@northwind.example""#,
                "&startIndex=1&count=100",
            )
            .await;
        assert_eq!(lookup["totalResults"], 0);
        let mara = okta.create_user(fixture!("okta/create_user.json")).await;
        let lee = okta
            .create_user(okta_user(
                "lee.park@northwind.example",
                "Lee",
                "Park",
                "00ub0oNGTSWTBKOLLEE1",
            ))
            .await;
        let sam = okta
            .create_user(okta_user(
                "sam.diaz@northwind.example",
                "Sam",
                "Diaz",
                "00ub0oNGTSWTBKOLSAM1",
            ))
            .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            [
                "user.created mara.quinn@northwind.example",
                "user.created lee.park@northwind.example",
                "user.created sam.diaz@northwind.example"
            ]
        );
        let d = &events[0]["data"];
        assert_eq!(
            (
                d["id"].as_str(),
                d["first_name"].as_str(),
                d["last_name"].as_str()
            ),
            (Some(mara.as_str()), Some("Mara"), Some("Quinn"))
        );
        assert_eq!(d["idp_id"], "00ub0oNGTSWTBKOLGLNR");
        assert_eq!(d["state"], "active");
        assert_eq!(d["emails"][0]["value"], "mara.quinn@northwind.example");
        assert!(
            !serde_json::to_string(&events)
                .expect("json")
                .contains("Tr0ub4dor"),
            "no password in events"
        );
        let found = okta
            .lookup(
                "Users",
                r#"userName eq "mara.quinn@northwind.example""#,
                "&startIndex=1&count=100",
            )
            .await;
        assert_eq!(
            (
                found["totalResults"].as_u64(),
                found["Resources"][0]["id"].as_str()
            ),
            (Some(1), Some(mara.as_str()))
        );

        // Profile push: GET, then PUT of the whole object (id, meta, groups: []), re-pushed.
        let (headers, current) = okta
            .expect(Method::GET, &format!("/Users/{mara}"), None, 200)
            .await;
        assert_eq!(headers["etag"], "W/\"1\"");
        assert_eq!(current["externalId"], "00ub0oNGTSWTBKOLGLNR");
        let mut profile = fixture!("okta/put_user_profile.json");
        profile["id"] = json!(mara);
        let (headers, put) = okta
            .expect(
                Method::PUT,
                &format!("/Users/{mara}"),
                Some(profile.clone()),
                200,
            )
            .await;
        assert_eq!(put["name"]["familyName"], "Quinn-Ito");
        assert_eq!(put["displayName"], "Mara Quinn-Ito");
        assert_eq!(put["meta"]["resourceType"], "User");
        assert_eq!(headers["etag"], "W/\"2\"");
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated mara.quinn@northwind.example"]
        );
        assert_eq!(events[0]["data"]["last_name"], "Quinn-Ito");
        assert_eq!(events[0]["previous_attributes"]["last_name"], "Quinn");
        assert_eq!(
            events[0]["previous_attributes"]["display_name"],
            "Mara Quinn"
        );
        assert!(
            events[0]["previous_attributes"].get("user_name").is_none(),
            "{}",
            events[0]
        );
        assert!(
            events[0]["previous_attributes"].get("state").is_none(),
            "{}",
            events[0]
        );
        let (headers, _) = okta
            .expect(
                Method::PUT,
                &format!("/Users/{mara}"),
                Some(profile.clone()),
                200,
            )
            .await;
        assert_eq!(
            headers["etag"], "W/\"2\"",
            "an unchanged re-push keeps the version"
        );
        okta.expect_quiet("an unchanged profile re-push").await;

        // Push Groups: create with no members.
        let group = okta.create_group(fixture!("okta/create_group.json")).await;
        let events = okta.new_events().await;
        assert_eq!(summaries(&events), ["group.created Finance Approvers"]);
        assert_eq!(events[0]["data"]["member_count"], 0);
        assert_eq!(events[0]["data"]["id"], group.as_str());
        let rename =
            |name: &str| json!({"op": "replace", "value": {"id": group, "displayName": name}});

        // First membership push: the rename value (unchanged name, with the readOnly id) rides along.
        okta.patch_ok(
            &format!("/Groups/{group}"),
            patch(json!([rename("Finance Approvers"),
                         {"op": "add", "path": "members", "value": [{"value": mara, "display": "mara.quinn@northwind.example"}]}])),
        )
        .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            ["group.user_added Finance Approvers mara.quinn@northwind.example"]
        );
        assert_eq!(events[0]["data"]["group"]["member_count"], 1);
        assert_eq!(events[0]["data"]["user"]["id"], mara.as_str());
        let got = okta.get(&format!("/Groups/{group}")).await;
        assert_eq!(member_ids(&got), ids(&[&mara]));
        assert_eq!(
            got["members"][0]["display"], "mara.quinn@northwind.example",
            "display kept as sent"
        );
        let user = okta.get(&format!("/Users/{mara}")).await;
        assert_eq!(
            user["groups"][0]["value"],
            group.as_str(),
            "the user lists its group: {user}"
        );

        // Okta re-pushes the profile with `groups: []`: groups is readOnly, memberships stay.
        okta.expect(
            Method::PUT,
            &format!("/Users/{mara}"),
            Some(profile.clone()),
            200,
        )
        .await;
        okta.expect_quiet("a profile re-push with groups: []").await;
        assert_eq!(
            member_ids(&okta.get(&format!("/Groups/{group}")).await),
            ids(&[&mara])
        );

        // Remove one member and add another in one request (the captured shape).
        let mut membership = fixture!("okta/patch_group_membership.json");
        membership["Operations"][0]["path"] = json!(format!("members[value eq \"{mara}\"]"));
        membership["Operations"][1]["value"][0]["value"] = json!(lee);
        membership["Operations"]
            .as_array_mut()
            .expect("ops")
            .push(rename("Finance Approvers"));
        okta.patch_ok(&format!("/Groups/{group}"), membership).await;
        let events = okta.new_events().await;
        assert_eq!(
            sorted(summaries(&events)),
            [
                "group.user_added Finance Approvers lee.park@northwind.example",
                "group.user_removed Finance Approvers mara.quinn@northwind.example"
            ]
        );
        let got = okta.get(&format!("/Groups/{group}")).await;
        assert_eq!(member_ids(&got), ids(&[&lee]));

        // Rename (no path, value carries the readOnly id).
        let mut renamed = fixture!("okta/patch_group_rename.json");
        renamed["Operations"][0]["value"]["id"] = json!(group);
        okta.patch_ok(&format!("/Groups/{group}"), renamed.clone())
            .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            ["group.updated Finance Approvers (EMEA)"]
        );
        assert_eq!(
            events[0]["previous_attributes"]["name"],
            "Finance Approvers"
        );
        assert_eq!(events[0]["data"]["member_count"], 1);
        okta.patch_ok(&format!("/Groups/{group}"), renamed).await;
        okta.expect_quiet("a rename to the current name").await;
        let got = okta.get(&format!("/Groups/{group}")).await;
        assert_eq!(got["displayName"], "Finance Approvers (EMEA)");

        // Full replace of the members.
        let mut replace = fixture!("okta/patch_group_members_replace.json");
        replace["Operations"][0]["value"] = json!([
            {"value": mara, "display": "mara.quinn@northwind.example"},
            {"value": sam, "display": "sam.diaz@northwind.example"}
        ]);
        okta.patch_ok(&format!("/Groups/{group}"), replace.clone())
            .await;
        let events = okta.new_events().await;
        assert_eq!(
            sorted(summaries(&events)),
            [
                "group.user_added Finance Approvers (EMEA) mara.quinn@northwind.example",
                "group.user_added Finance Approvers (EMEA) sam.diaz@northwind.example",
                "group.user_removed Finance Approvers (EMEA) lee.park@northwind.example"
            ]
        );
        assert_eq!(
            events.last().expect("event")["data"]["group"]["member_count"],
            2
        );
        assert_eq!(
            member_ids(&okta.get(&format!("/Groups/{group}")).await),
            ids(&[&mara, &sam])
        );
        okta.patch_ok(&format!("/Groups/{group}"), replace).await;
        okta.expect_quiet("the same member list replaced again")
            .await;

        // Deactivation (OIN form), then re-sent.
        let deactivate = fixture!("okta/patch_user_deactivate.json");
        let (status, _, body) = okta
            .send(
                Method::PATCH,
                &format!("/Users/{mara}"),
                Some(deactivate.clone()),
            )
            .await;
        assert!(status == 200 || status == 204, "{status}: {body}");
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.deactivated mara.quinn@northwind.example"]
        );
        assert_eq!(events[0]["data"]["state"], "inactive");
        assert_eq!(events[0]["previous_attributes"]["state"], "active");
        assert_eq!(
            events[0]["data"]["last_name"], "Quinn-Ito",
            "the rest of the profile is kept"
        );
        okta.patch_ok(&format!("/Users/{mara}"), deactivate).await;
        okta.expect_quiet("a repeated deactivation").await;
        let user = okta.get(&format!("/Users/{mara}")).await;
        assert_eq!(user["active"], false, "{user}");

        // "Delete the group in the target app": DELETE, then Okta checks it is gone.
        okta.expect(Method::DELETE, &format!("/Groups/{group}"), None, 204)
            .await;
        let events = okta.new_events().await;
        let names = summaries(&events);
        assert_eq!(
            names.last().map(String::as_str),
            Some("group.deleted Finance Approvers (EMEA)"),
            "{names:?}"
        );
        assert_eq!(
            sorted(names[..names.len() - 1].to_vec()),
            [
                "group.user_removed Finance Approvers (EMEA) mara.quinn@northwind.example",
                "group.user_removed Finance Approvers (EMEA) sam.diaz@northwind.example"
            ]
        );
        let removed_on_delete = events[..events.len() - 1].to_vec();
        let (_, err) = okta
            .expect(Method::GET, &format!("/Groups/{group}"), None, 404)
            .await;
        assert_eq!(err["schemas"], json!([ERROR_URN]), "{err}");
        let list = okta
            .lookup("Groups", r#"displayName eq "Finance Approvers (EMEA)""#, "")
            .await;
        assert_eq!(list["totalResults"], 0);
        let user = okta.get(&format!("/Users/{sam}")).await;
        assert!(
            user.get("groups").is_none_or(|g| g == &json!([])),
            "no group left on the user: {user}"
        );

        okta.assert_activity("okta").await;
        for e in &removed_on_delete {
            // The same shapes as any other membership event: the user with its groups (none
            // left), the group with the count after the request (as change_members does).
            assert_eq!(e["data"]["user"]["groups"], json!([]), "user.groups in {e}");
            assert_eq!(
                e["data"]["group"]["member_count"], 0,
                "group.member_count in {e}"
            );
        }
        app.shutdown().await;
    }
}

/// Microsoft Entra ID's provisioning job: Test Connection, matching by externalId, create with
/// the enterprise extension, capitalised ops, string booleans, value-path and dotted no-path
/// updates, a bare-string manager, soft delete then hard delete, and groups answered with 204.
#[tokio::test]
async fn entra_replays_its_documented_sequence() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Contoso").await;
        let mut entra = Idp::connect(&app, s(&org["id"]), "entra", ENTRA_UA).await;
        entra
            .settings(json!({"attribute_mappings": [
                {"source": format!("{ENTERPRISE}:department"), "target": "department"},
                {"source": format!("{ENTERPRISE}:employeeNumber"), "target": "employee_number"}
            ]}))
            .await;
        let events = entra.new_events().await;
        assert_eq!(
            summaries(&events),
            ["directory.updated ?"],
            "the settings change only"
        );

        // Test Connection: a random user and group, 200 with nothing found. The Tenant URL
        // carries `?aadOptscim062020`, which the server must ignore.
        let probe = entra
            .lookup(
                "Users",
                r#"userName eq "0f3a2c1e-9b7d-4e55-a1c2-7d9e8f6b5a43""#,
                "&aadOptscim062020",
            )
            .await;
        assert_eq!(probe["totalResults"], 0, "{probe}");
        assert_eq!(probe["Resources"], json!([]), "{probe}");
        let probe = entra
            .lookup(
                "Groups",
                r#"displayName eq "8c1d0b7e-2f4a-4c3b-9e6d-5a1f2b3c4d5e""#,
                "&excludedAttributes=members",
            )
            .await;
        assert_eq!(probe["totalResults"], 0, "{probe}");

        // The manager arrives first.
        let mut manager_body = fixture!("entra/create_user.json");
        manager_body["externalId"] = json!("1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
        manager_body["userName"] = json!("Rami_Aziz@contoso.example");
        manager_body["displayName"] = json!("Rami Aziz");
        manager_body["emails"][0]["value"] = json!("Rami_Aziz@contoso.example");
        manager_body["name"] =
            json!({"formatted": "Rami Aziz", "familyName": "Aziz", "givenName": "Rami"});
        manager_body[ENTERPRISE] = json!({"employeeNumber": "10001", "department": "Finance"});
        let manager = entra.create_user(manager_body).await;

        // Matching before create, by externalId, then create.
        let noor_ext = "6f1c2b9e-3f44-4c1d-9d0a-2f7f3c1e5a10";
        let matched = entra
            .lookup("Users", &format!(r#"externalId eq "{noor_ext}""#), "")
            .await;
        assert_eq!(matched["totalResults"], 0);
        let noor = entra.create_user(fixture!("entra/create_user.json")).await;
        let events = entra.new_events().await;
        assert_eq!(
            summaries(&events),
            [
                "user.created Rami_Aziz@contoso.example",
                "user.created Noor_Haddad@contoso.example"
            ]
        );
        let d = &events[1]["data"];
        assert_eq!(
            (d["first_name"].as_str(), d["last_name"].as_str()),
            (Some("Noor"), Some("Haddad"))
        );
        assert_eq!(d["idp_id"], noor_ext);
        assert_eq!(d["custom_attributes"]["department"], "Finance", "{d}");
        assert_eq!(d["custom_attributes"]["employee_number"], "40117", "{d}");
        let matched = entra
            .lookup("Users", &format!(r#"externalId eq "{noor_ext}""#), "")
            .await;
        assert_eq!(matched["Resources"][0]["id"], noor.as_str());
        let user = entra.get(&format!("/Users/{noor}")).await;
        assert_eq!(user[ENTERPRISE]["department"], "Finance", "{user}");
        assert_eq!(
            user["emails"][0]["value"], "Noor_Haddad@contoso.example",
            "stored as sent"
        );

        // Manager: a bare string id.
        let mut add_manager = fixture!("entra/patch_manager_add.json");
        add_manager["Operations"][0]["value"] = json!(manager);
        entra
            .patch_ok(&format!("/Users/{noor}"), add_manager.clone())
            .await;
        let events = entra.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated Noor_Haddad@contoso.example"]
        );
        assert_eq!(
            events[0]["data"]["manager_id"],
            manager.as_str(),
            "{}",
            events[0]
        );
        assert_eq!(events[0]["previous_attributes"]["manager_id"], Value::Null);
        let user = entra.get(&format!("/Users/{noor}")).await;
        assert_eq!(
            user[ENTERPRISE]["manager"]["value"],
            manager.as_str(),
            "manager read back as a complex value: {user}"
        );
        entra.patch_ok(&format!("/Users/{noor}"), add_manager).await;
        entra.expect_quiet("the same manager sent again").await;

        // Capitalised ops with value-path and extension paths.
        entra
            .patch_ok(
                &format!("/Users/{noor}"),
                fixture!("entra/patch_user_replace.json"),
            )
            .await;
        let events = entra.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated Noor_Haddad@contoso.example"]
        );
        let e = &events[0];
        assert_eq!(e["data"]["last_name"], "Haddad-Saleh");
        assert_eq!(
            e["data"]["emails"][0]["value"],
            "noor.haddad@contoso.example"
        );
        assert_eq!(e["data"]["custom_attributes"]["department"], "Treasury");
        assert_eq!(e["previous_attributes"]["last_name"], "Haddad");
        assert_eq!(
            e["previous_attributes"]["custom_attributes"]["department"], "Finance",
            "{e}"
        );
        assert_eq!(
            e["previous_attributes"]["emails"][0]["value"], "Noor_Haddad@contoso.example",
            "{e}"
        );
        assert_eq!(
            e["data"]["manager_id"],
            manager.as_str(),
            "the manager stays"
        );
        let user = entra.get(&format!("/Users/{noor}")).await;
        let emails = user["emails"].as_array().cloned().unwrap_or_default();
        assert_eq!(emails.len(), 1, "{user}");
        assert_eq!(
            (
                emails[0]["value"].as_str(),
                emails[0]["type"].as_str(),
                emails[0]["primary"].as_bool()
            ),
            (
                Some("noor.haddad@contoso.example"),
                Some("work"),
                Some(true)
            ),
            "{user}"
        );
        assert_eq!(user["title"], "Controller");
        assert_eq!(user[ENTERPRISE]["department"], "Treasury");
        assert_eq!(user[ENTERPRISE]["employeeNumber"], "40117");

        // `Add` where `Replace` is meant, on the existing work email.
        entra
            .patch_ok(
                &format!("/Users/{noor}"),
                fixture!("entra/patch_user_add_email_existing.json"),
            )
            .await;
        let events = entra.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated Noor_Haddad@contoso.example"]
        );
        let user = entra.get(&format!("/Users/{noor}")).await;
        assert_eq!(
            user["emails"].as_array().map(Vec::len),
            Some(1),
            "replaced, not appended: {user}"
        );
        assert_eq!(user["emails"][0]["value"], "n.haddad@contoso.example");

        // Dotted keys in a no-path value (aadOptscim062020), with a capitalised op; then again.
        let mut dotted = fixture!("entra/patch_user_aadopt.json");
        dotted["Operations"][0]["op"] = json!("Replace");
        dotted["Operations"][0]["value"]
            .as_object_mut()
            .expect("value")
            .remove("active");
        let (_, patched_headers, _) = entra
            .send(
                Method::PATCH,
                &format!("/Users/{noor}"),
                Some(dotted.clone()),
            )
            .await;
        let events = entra.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated Noor_Haddad@contoso.example"]
        );
        assert_eq!(events[0]["data"]["first_name"], "Noor H.");
        assert_eq!(events[0]["data"]["last_name"], "Saleh");
        assert_eq!(events[0]["data"]["display_name"], "Noor H. Saleh");
        assert_eq!(
            events[0]["data"]["custom_attributes"]["employee_number"],
            "40118"
        );
        assert_eq!(events[0]["previous_attributes"]["first_name"], "Noor");
        let user = entra.get(&format!("/Users/{noor}")).await;
        assert_eq!(user["name"]["givenName"], "Noor H.", "{user}");
        assert_eq!(user["name"]["familyName"], "Saleh", "{user}");
        assert_eq!(user[ENTERPRISE]["employeeNumber"], "40118", "{user}");
        assert!(
            user.get("name.givenName").is_none(),
            "dotted keys are paths, not attributes: {user}"
        );
        assert!(
            user.as_object()
                .expect("object")
                .keys()
                .all(|k| !k.ends_with(":employeeNumber")),
            "{user}"
        );
        let (_, again_headers, _) = entra
            .send(Method::PATCH, &format!("/Users/{noor}"), Some(dotted))
            .await;
        entra.expect_quiet("the same dotted replace again").await;
        if let (Some(a), Some(b)) = (patched_headers.get("etag"), again_headers.get("etag")) {
            assert_eq!(a, b, "an unchanged PATCH keeps the version");
        }

        // Manager removed.
        entra
            .patch_ok(
                &format!("/Users/{noor}"),
                fixture!("entra/patch_manager_remove.json"),
            )
            .await;
        let events = entra.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated Noor_Haddad@contoso.example"]
        );
        assert_eq!(events[0]["data"]["manager_id"], Value::Null);
        assert_eq!(
            events[0]["previous_attributes"]["manager_id"],
            manager.as_str()
        );
        let user = entra.get(&format!("/Users/{noor}")).await;
        assert!(user[ENTERPRISE].get("manager").is_none(), "{user}");

        // Groups: lookup by displayName without members, create, members answered with 204.
        let none = entra
            .lookup(
                "Groups",
                r#"displayName eq "Contoso Finance""#,
                "&excludedAttributes=members",
            )
            .await;
        assert_eq!(none["totalResults"], 0);
        let group = entra
            .create_group(fixture!("entra/create_group.json"))
            .await;
        let events = entra.new_events().await;
        assert_eq!(summaries(&events), ["group.created Contoso Finance"]);
        assert_eq!(
            events[0]["data"]["idp_id"],
            "0e9c1f52-7a1d-4b53-8d7e-5c9a4a1b2c3d"
        );
        assert_eq!(events[0]["data"]["member_count"], 0);
        let mut add = fixture!("entra/patch_group_members_add.json");
        add["Operations"][0]["value"] =
            json!([{"$ref": null, "value": noor}, {"$ref": null, "value": manager}]);
        let (status, _, body) = entra
            .send(Method::PATCH, &format!("/Groups/{group}"), Some(add))
            .await;
        assert_eq!(
            (status, &body),
            (204, &Value::Null),
            "Entra expects 204 with no body"
        );
        let events = entra.new_events().await;
        assert_eq!(
            sorted(summaries(&events)),
            [
                "group.user_added Contoso Finance Noor_Haddad@contoso.example",
                "group.user_added Contoso Finance Rami_Aziz@contoso.example"
            ]
        );
        assert_eq!(
            events.last().expect("event")["data"]["group"]["member_count"],
            2
        );
        let found = entra
            .lookup(
                "Groups",
                r#"displayName eq "Contoso Finance""#,
                "&excludedAttributes=members",
            )
            .await;
        assert_eq!(found["totalResults"], 1);
        assert_eq!(found["Resources"][0]["id"], group.as_str());
        assert!(found["Resources"][0].get("members").is_none(), "{found}");
        let bare = entra
            .get(&format!("/Groups/{group}?excludedAttributes=members"))
            .await;
        assert!(bare.get("members").is_none(), "{bare}");
        assert_eq!(bare["displayName"], "Contoso Finance");
        assert_eq!(
            member_ids(&entra.get(&format!("/Groups/{group}")).await),
            ids(&[&noor, &manager])
        );

        // Remove with a value list (Entra's default form): only that member goes.
        let mut remove = fixture!("entra/patch_group_members_remove.json");
        remove["Operations"][0]["value"][0]["value"] = json!(noor);
        let (status, _, body) = entra
            .send(Method::PATCH, &format!("/Groups/{group}"), Some(remove))
            .await;
        assert_eq!((status, &body), (204, &Value::Null));
        let events = entra.new_events().await;
        assert_eq!(
            summaries(&events),
            ["group.user_removed Contoso Finance Noor_Haddad@contoso.example"]
        );
        assert_eq!(events[0]["data"]["group"]["member_count"], 1);
        assert_eq!(
            member_ids(&entra.get(&format!("/Groups/{group}")).await),
            ids(&[&manager])
        );

        // Remove by filter (aadOptscim062020 form).
        let mut remove = fixture!("entra/patch_group_members_remove_filter.json");
        remove["Operations"][0]["path"] = json!(format!("members[value eq \"{manager}\"]"));
        let (status, _, _) = entra
            .send(Method::PATCH, &format!("/Groups/{group}"), Some(remove))
            .await;
        assert_eq!(status, 204);
        let events = entra.new_events().await;
        assert_eq!(
            summaries(&events),
            ["group.user_removed Contoso Finance Rami_Aziz@contoso.example"]
        );
        assert_eq!(events[0]["data"]["group"]["member_count"], 0);
        assert_eq!(
            member_ids(&entra.get(&format!("/Groups/{group}")).await),
            Vec::<String>::new()
        );

        // Rename.
        let (status, _, _) = entra
            .send(
                Method::PATCH,
                &format!("/Groups/{group}"),
                Some(fixture!("entra/patch_group_rename.json")),
            )
            .await;
        assert_eq!(status, 204);
        let events = entra.new_events().await;
        assert_eq!(summaries(&events), ["group.updated Contoso Finance & Ops"]);
        assert_eq!(events[0]["previous_attributes"]["name"], "Contoso Finance");

        // Soft delete: active "False" (string); the user keeps being returned.
        let disable = fixture!("entra/patch_user_disable.json");
        entra
            .patch_ok(&format!("/Users/{noor}"), disable.clone())
            .await;
        let events = entra.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.deactivated Noor_Haddad@contoso.example"]
        );
        assert_eq!(events[0]["data"]["state"], "inactive");
        let user = entra.get(&format!("/Users/{noor}")).await;
        assert_eq!(
            user["active"],
            json!(false),
            "a boolean, whatever the IdP sent: {user}"
        );
        let still = entra
            .lookup("Users", r#"userName eq "Noor_Haddad@contoso.example""#, "")
            .await;
        assert_eq!(
            still["totalResults"], 1,
            "a soft-deleted user is still found"
        );
        entra.patch_ok(&format!("/Users/{noor}"), disable).await;
        entra.expect_quiet("a repeated disable").await;

        // Hard delete later: gone for Entra, nothing more for the app (already inactive).
        entra
            .expect(Method::DELETE, &format!("/Users/{noor}"), None, 204)
            .await;
        let (_, err) = entra
            .expect(Method::GET, &format!("/Users/{noor}"), None, 404)
            .await;
        assert_eq!(err["schemas"], json!([ERROR_URN]));
        assert_eq!(
            err["status"], "404",
            "status is a JSON string (RFC 7644 §3.12): {err}"
        );
        entra
            .expect_quiet("deleting an already disabled user")
            .await;
        entra
            .expect(Method::DELETE, &format!("/Groups/{group}"), None, 204)
            .await;
        let events = entra.new_events().await;
        assert_eq!(summaries(&events), ["group.deleted Contoso Finance & Ops"]);

        entra.assert_activity("entra").await;
        app.shutdown().await;
    }
}

/// OneLogin's SCIM Provisioner (unverified shapes, see idp-quirks.md): lookup, create, full PUTs
/// (an attribute dropped from the template is cleared), lower-case member ops with value lists,
/// deactivation by PUT, and DELETE when the app's deprovisioning action is "Delete".
#[tokio::test]
async fn onelogin_replays_its_documented_sequence() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Fabrikam").await;
        let mut onelogin = Idp::connect(&app, s(&org["id"]), "onelogin", ONELOGIN_UA).await;

        let teo_body = fixture!("onelogin/put_user.json");
        let lookup = onelogin
            .lookup("Users", r#"userName eq "teo.varga@fabrikam.example""#, "")
            .await;
        assert_eq!(lookup["totalResults"], 0);
        let teo = onelogin.create_user(teo_body.clone()).await;
        let mut ana_body = teo_body.clone();
        ana_body["userName"] = json!("ana.horvat@fabrikam.example");
        ana_body["externalId"] = json!("118843");
        ana_body["name"] = json!({"givenName": "Ana", "familyName": "Horvat"});
        ana_body["displayName"] = json!("Ana Horvat");
        ana_body["emails"][0]["value"] = json!("ana.horvat@fabrikam.example");
        let ana = onelogin.create_user(ana_body).await;
        let events = onelogin.new_events().await;
        assert_eq!(
            summaries(&events),
            [
                "user.created teo.varga@fabrikam.example",
                "user.created ana.horvat@fabrikam.example"
            ]
        );
        assert_eq!(events[0]["data"]["idp_id"], "118842");

        // A title change by PUT, then the same PUT again.
        let mut put = teo_body.clone();
        put["title"] = json!("Senior Buyer");
        let (_, body) = onelogin
            .expect(
                Method::PUT,
                &format!("/Users/{teo}"),
                Some(put.clone()),
                200,
            )
            .await;
        assert_eq!(body["title"], "Senior Buyer");
        let events = onelogin.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated teo.varga@fabrikam.example"]
        );
        assert_eq!(
            events[0]["previous_attributes"]["raw_attributes"]["title"], "Buyer",
            "{}",
            events[0]
        );
        onelogin
            .expect(
                Method::PUT,
                &format!("/Users/{teo}"),
                Some(put.clone()),
                200,
            )
            .await;
        onelogin.expect_quiet("an unchanged PUT").await;

        // PUT is a replace: a dropped attribute is cleared.
        let mut without_title = put.clone();
        without_title
            .as_object_mut()
            .expect("object")
            .remove("title");
        let (_, body) = onelogin
            .expect(
                Method::PUT,
                &format!("/Users/{teo}"),
                Some(without_title.clone()),
                200,
            )
            .await;
        assert!(body.get("title").is_none(), "{body}");
        assert!(onelogin
            .get(&format!("/Users/{teo}"))
            .await
            .get("title")
            .is_none());
        let events = onelogin.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated teo.varga@fabrikam.example"]
        );

        // Groups: lower-case ops, value lists.
        let group = onelogin
            .create_group(json!({"schemas": [GROUP_URN], "displayName": "Buyers"}))
            .await;
        let mut add = fixture!("onelogin/patch_group_members_add.json");
        add["Operations"][0]["value"] = json!([{"value": teo}, {"value": ana}]);
        onelogin
            .patch_ok(&format!("/Groups/{group}"), add.clone())
            .await;
        let events = onelogin.new_events().await;
        assert_eq!(
            summaries(&events)[0..1],
            ["group.created Buyers".to_owned()]
        );
        assert_eq!(
            sorted(summaries(&events[1..])),
            [
                "group.user_added Buyers ana.horvat@fabrikam.example",
                "group.user_added Buyers teo.varga@fabrikam.example"
            ]
        );
        onelogin.patch_ok(&format!("/Groups/{group}"), add).await;
        onelogin
            .expect_quiet("adding members who are already in the group")
            .await;
        let mut remove = fixture!("onelogin/patch_group_members_remove.json");
        remove["Operations"][0]["value"] = json!([{"value": ana}]);
        onelogin.patch_ok(&format!("/Groups/{group}"), remove).await;
        let events = onelogin.new_events().await;
        assert_eq!(
            summaries(&events),
            ["group.user_removed Buyers ana.horvat@fabrikam.example"]
        );
        assert_eq!(events[0]["data"]["group"]["member_count"], 1);
        assert_eq!(
            member_ids(&onelogin.get(&format!("/Groups/{group}")).await),
            ids(&[&teo])
        );

        // Deactivation by PUT: the membership stays (the IdP still has it).
        let mut inactive = without_title.clone();
        inactive["active"] = json!(false);
        onelogin
            .expect(Method::PUT, &format!("/Users/{teo}"), Some(inactive), 200)
            .await;
        let events = onelogin.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.deactivated teo.varga@fabrikam.example"]
        );
        assert_eq!(
            events[0]["data"]["groups"][0]["name"], "Buyers",
            "{}",
            events[0]
        );
        assert_eq!(
            member_ids(&onelogin.get(&format!("/Groups/{group}")).await),
            ids(&[&teo])
        );

        // Delete: the membership ends; the user was already inactive.
        onelogin
            .expect(Method::DELETE, &format!("/Users/{teo}"), None, 204)
            .await;
        let events = onelogin.new_events().await;
        assert_eq!(
            summaries(&events),
            ["group.user_removed Buyers teo.varga@fabrikam.example"]
        );
        assert_eq!(events[0]["data"]["group"]["member_count"], 0);
        assert_eq!(
            member_ids(&onelogin.get(&format!("/Groups/{group}")).await),
            Vec::<String>::new()
        );
        onelogin
            .expect(Method::GET, &format!("/Users/{teo}"), None, 404)
            .await;
        // An active user deleted: deactivated for the app.
        onelogin
            .expect(Method::DELETE, &format!("/Users/{ana}"), None, 204)
            .await;
        let events = onelogin.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.deactivated ana.horvat@fabrikam.example"]
        );
        // The group's count follows, as a later membership change shows.
        let rename =
            patch(json!([{"op": "replace", "path": "displayName", "value": "Procurement"}]));
        onelogin.patch_ok(&format!("/Groups/{group}"), rename).await;
        let events = onelogin.new_events().await;
        assert_eq!(summaries(&events), ["group.updated Procurement"]);
        assert_eq!(events[0]["data"]["member_count"], 0, "{}", events[0]);

        onelogin.assert_activity("onelogin").await;
        app.shutdown().await;
    }
}

/// JumpCloud's "Identity Management" SCIM 2.0 app: create with addresses and phone numbers, full
/// PUT with the schemas reordered and empty arrays, the minimal PUT with `"emails": null` and
/// `active: false`, group membership, and DELETE when the binding is removed.
#[tokio::test]
async fn jumpcloud_replays_its_documented_sequence() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Tailspin").await;
        let mut jc = Idp::connect(&app, s(&org["id"]), "jumpcloud", JUMPCLOUD_UA).await;

        let lookup = jc.lookup("Users", r#"userName eq "lina.moreau""#, "").await;
        assert_eq!(lookup["totalResults"], 0);
        let lina = jc.create_user(fixture!("jumpcloud/create_user.json")).await;
        let events = jc.new_events().await;
        assert_eq!(summaries(&events), ["user.created lina.moreau"]);
        assert_eq!(events[0]["data"]["idp_id"], "65a1f0c2e4b0a1b2c3d4e5f6");
        assert_eq!(
            events[0]["data"]["emails"][0]["value"],
            "lina.moreau@tailspin.example"
        );
        let user = jc.get(&format!("/Users/{lina}")).await;
        assert_eq!(user["addresses"][0]["locality"], "Lyon");
        assert_eq!(user["phoneNumbers"][0]["value"], "tel:+33-4-55-55-01-01");

        // Full PUT: enterprise schema first, empty arrays, photos, department.
        let mut full = fixture!("jumpcloud/put_user_full.json");
        full["id"] = json!(lina);
        let (_, body) = jc
            .expect(
                Method::PUT,
                &format!("/Users/{lina}"),
                Some(full.clone()),
                200,
            )
            .await;
        assert_eq!(body["id"], lina.as_str());
        let user = jc.get(&format!("/Users/{lina}")).await;
        assert!(
            user.get("addresses").is_none_or(|a| a == &json!([])),
            "addresses cleared: {user}"
        );
        assert!(
            user.get("phoneNumbers").is_none_or(|a| a == &json!([])),
            "phone numbers cleared: {user}"
        );
        assert!(
            user.get("preferredLanguage").is_none(),
            "absent from the PUT, so cleared: {user}"
        );
        assert_eq!(
            user["photos"][0]["value"],
            "https://cdn.tailspin.example/p/lina.jpg"
        );
        assert_eq!(user[ENTERPRISE]["department"], "Design");
        let events = jc.new_events().await;
        assert_eq!(summaries(&events), ["user.updated lina.moreau"]);
        assert!(events[0]["previous_attributes"].get("state").is_none());
        jc.expect(
            Method::PUT,
            &format!("/Users/{lina}"),
            Some(full.clone()),
            200,
        )
        .await;
        jc.expect_quiet("the same full PUT again").await;

        // Group membership.
        let group = jc
            .create_group(
                json!({"schemas": [GROUP_URN], "displayName": "Designers", "members": []}),
            )
            .await;
        jc.patch_ok(
            &format!("/Groups/{group}"),
            patch(json!([{"op": "add", "path": "members", "value": [{"value": lina}]}])),
        )
        .await;
        let events = jc.new_events().await;
        assert_eq!(
            summaries(&events),
            [
                "group.created Designers",
                "group.user_added Designers lina.moreau"
            ]
        );
        assert_eq!(events[1]["data"]["group"]["member_count"], 1);
        assert_eq!(
            events[1]["data"]["user"]["groups"][0]["name"], "Designers",
            "{}",
            events[1]
        );

        // Minimal PUT: `"emails": null` clears the emails; `active: false` deactivates.
        let mut minimal = fixture!("jumpcloud/put_user_minimal.json");
        minimal["id"] = json!(lina);
        let (_, body) = jc
            .expect(
                Method::PUT,
                &format!("/Users/{lina}"),
                Some(minimal.clone()),
                200,
            )
            .await;
        assert_eq!(body["active"], false);
        let user = jc.get(&format!("/Users/{lina}")).await;
        assert!(
            user.get("emails")
                .is_none_or(|e| e.is_null() || e == &json!([])),
            "emails cleared: {user}"
        );
        assert!(user.get("name").is_none(), "{user}");
        let events = jc.new_events().await;
        assert_eq!(summaries(&events), ["user.deactivated lina.moreau"]);
        assert_eq!(events[0]["data"]["emails"], json!([]), "{}", events[0]);
        assert_eq!(events[0]["data"]["first_name"], Value::Null);
        assert_eq!(events[0]["previous_attributes"]["state"], "active");
        assert_eq!(events[0]["previous_attributes"]["first_name"], "Lina");
        jc.expect(Method::PUT, &format!("/Users/{lina}"), Some(minimal), 200)
            .await;
        jc.expect_quiet("the same minimal PUT again").await;

        // Removed from the group, then the binding is removed.
        jc.patch_ok(
            &format!("/Groups/{group}"),
            patch(json!([{"op": "remove", "path": "members", "value": [{"value": lina}]}])),
        )
        .await;
        let events = jc.new_events().await;
        assert_eq!(
            summaries(&events),
            ["group.user_removed Designers lina.moreau"]
        );
        jc.expect(Method::DELETE, &format!("/Users/{lina}"), None, 204)
            .await;
        jc.expect(Method::GET, &format!("/Users/{lina}"), None, 404)
            .await;
        jc.expect_quiet("deleting an inactive user in no group")
            .await;

        jc.assert_activity("jumpcloud").await;
        app.shutdown().await;
    }
}

/// Rippling's SCIM 2.0 custom app (unverified shapes): lookup, create, PATCH replace with paths,
/// group membership, deactivation and reactivation by `active`, group rename and delete.
#[tokio::test]
async fn rippling_replays_its_documented_sequence() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Wingtip").await;
        let mut rippling = Idp::connect(&app, s(&org["id"]), "rippling", RIPPLING_UA).await;

        let lookup = rippling
            .lookup("Users", r#"userName eq "oskar.lind@wingtip.example""#, "")
            .await;
        assert_eq!(lookup["totalResults"], 0);
        let oskar = rippling
            .create_user(fixture!("rippling/create_user.json"))
            .await;
        let events = rippling.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.created oskar.lind@wingtip.example"]
        );
        assert_eq!(events[0]["data"]["idp_id"], "rp-5512");

        let retitle =
            patch(json!([{"op": "replace", "path": "title", "value": "Staff Field Engineer"}]));
        let body = rippling
            .patch_ok(&format!("/Users/{oskar}"), retitle.clone())
            .await;
        if !body.is_null() {
            assert_eq!(body["title"], "Staff Field Engineer");
        }
        let events = rippling.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated oskar.lind@wingtip.example"]
        );
        assert_eq!(
            events[0]["previous_attributes"]["raw_attributes"]["title"],
            "Field Engineer"
        );
        rippling.patch_ok(&format!("/Users/{oskar}"), retitle).await;
        rippling.expect_quiet("the same title again").await;

        let group = rippling
            .create_group(json!({"schemas": [GROUP_URN], "displayName": "Field Ops"}))
            .await;
        rippling
            .patch_ok(
                &format!("/Groups/{group}"),
                patch(json!([{"op": "add", "path": "members", "value": [{"value": oskar}]}])),
            )
            .await;
        let events = rippling.new_events().await;
        assert_eq!(
            summaries(&events),
            [
                "group.created Field Ops",
                "group.user_added Field Ops oskar.lind@wingtip.example"
            ]
        );

        rippling
            .patch_ok(
                &format!("/Users/{oskar}"),
                fixture!("rippling/patch_user_deactivate.json"),
            )
            .await;
        let events = rippling.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.deactivated oskar.lind@wingtip.example"]
        );
        rippling
            .patch_ok(
                &format!("/Users/{oskar}"),
                patch(json!([{"op": "replace", "path": "active", "value": true}])),
            )
            .await;
        let events = rippling.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.reactivated oskar.lind@wingtip.example"]
        );
        assert_eq!(events[0]["data"]["state"], "active");
        assert_eq!(events[0]["previous_attributes"]["state"], "inactive");
        assert_eq!(
            events[0]["data"]["groups"][0]["name"], "Field Ops",
            "{}",
            events[0]
        );

        rippling
            .patch_ok(
                &format!("/Groups/{group}"),
                patch(
                    json!([{"op": "replace", "path": "displayName", "value": "Field Operations"}]),
                ),
            )
            .await;
        let events = rippling.new_events().await;
        assert_eq!(summaries(&events), ["group.updated Field Operations"]);
        assert_eq!(events[0]["data"]["member_count"], 1);
        rippling
            .expect(Method::DELETE, &format!("/Groups/{group}"), None, 204)
            .await;
        let events = rippling.new_events().await;
        assert_eq!(
            summaries(&events),
            [
                "group.user_removed Field Operations oskar.lind@wingtip.example",
                "group.deleted Field Operations"
            ]
        );
        rippling
            .expect(Method::GET, &format!("/Groups/{group}"), None, 404)
            .await;
        let user = rippling.get(&format!("/Users/{oskar}")).await;
        assert!(user.get("groups").is_none_or(|g| g == &json!([])), "{user}");

        rippling.assert_activity("rippling").await;
        app.shutdown().await;
    }
}

/// Okta and JumpCloud fill the enterprise `manager.value` with the manager's IdP id or userName,
/// and a bulk assignment provisions people in any order: a report often arrives before its
/// manager. DESIGN.md: `manager_id` is "resolved to a Roster user id, also when the manager
/// arrives later".
#[tokio::test]
async fn a_manager_provisioned_after_the_report_is_resolved() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Northwind").await;
        let mut okta = Idp::connect(&app, s(&org["id"]), "okta", OKTA_UA).await;
        let mut report = okta_user(
            "ivy.report@northwind.example",
            "Ivy",
            "Report",
            "00ub0oNGTSWTBKOLIVY1",
        );
        report["schemas"] = json!([crate::scim_users::USER_URN, ENTERPRISE]);
        report[ENTERPRISE] = json!({"manager": {"value": "00ub0oNGTSWTBKOLBOSS"}});
        let ivy = okta.create_user(report).await;
        let events = okta.new_events().await;
        assert_eq!(
            events[0]["data"]["manager_id"],
            Value::Null,
            "nobody to point at yet"
        );

        let boss = okta
            .create_user(okta_user(
                "max.boss@northwind.example",
                "Max",
                "Boss",
                "00ub0oNGTSWTBKOLBOSS",
            ))
            .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            [
                "user.created max.boss@northwind.example",
                "user.updated ivy.report@northwind.example"
            ],
            "the report's manager_id follows when the manager arrives"
        );
        assert_eq!(events[1]["data"]["id"], ivy.as_str());
        assert_eq!(events[1]["data"]["manager_id"], boss.as_str());
        assert_eq!(events[1]["previous_attributes"]["manager_id"], Value::Null);
        app.shutdown().await;
    }
}

/// Some IdPs (and HR-driven setups) name the manager by email, which need not be the manager's
/// userName: the reference resolves by primary email, both when the manager already exists and
/// when it arrives after the report.
#[tokio::test]
async fn a_manager_named_by_email_resolves_either_way() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Northwind").await;
        let mut idp = Idp::connect(&app, s(&org["id"]), "generic", OKTA_UA).await;
        let with_manager = |user_name: &str, email: &str, manager: &str| {
            let mut body = okta_user(user_name, "Some", "One", &format!("ext-{user_name}"));
            body["emails"][0]["value"] = json!(email);
            body["schemas"] = json!([crate::scim_users::USER_URN, ENTERPRISE]);
            body[ENTERPRISE] = json!({"manager": {"value": manager}});
            body
        };

        // The report arrives first, naming its manager by an address no user holds yet.
        let early = idp
            .create_user(with_manager(
                "early",
                "early@northwind.example",
                "Max.Boss@Northwind.example",
            ))
            .await;
        idp.new_events().await;
        let mut boss = okta_user("mboss", "Max", "Boss", "ext-mboss");
        boss["emails"][0]["value"] = json!("max.boss@northwind.example");
        let boss = idp.create_user(boss).await;
        let events = idp.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.created mboss", "user.updated early"],
            "the waiting report is linked when its manager's email arrives"
        );
        assert_eq!(events[1]["data"]["id"], early.as_str());
        assert_eq!(events[1]["data"]["manager_id"], boss.as_str());

        // A report created after the manager resolves at once.
        idp.create_user(with_manager(
            "late",
            "late@northwind.example",
            "max.boss@northwind.example",
        ))
        .await;
        let events = idp.new_events().await;
        assert_eq!(summaries(&events), ["user.created late"]);
        assert_eq!(events[0]["data"]["manager_id"], boss.as_str());
        app.shutdown().await;
    }
}

/// Entra retries a membership removal whose answer it did not get, and removes people who already
/// left: removing a non-member must succeed without events. RFC 7644 §3.5.2 would allow a
/// `noTarget` 400 for the filter form; an IdP treats that as a failed job, so the IdP wins here.
#[tokio::test]
async fn entra_removing_a_non_member_is_a_quiet_success() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Contoso").await;
        let mut entra = Idp::connect(&app, s(&org["id"]), "entra", ENTRA_UA).await;
        let member = entra
            .create_user(crate::scim_users::user_body("in@contoso.example", "In"))
            .await;
        let other = entra
            .create_user(crate::scim_users::user_body("out@contoso.example", "Out"))
            .await;
        let group = entra
            .create_group(json!({"schemas": [GROUP_URN], "displayName": "Team", "members": [{"value": member}]}))
            .await;
        entra.new_events().await;
        for body in [
            patch(
                json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": other}]}]),
            ),
            patch(json!([{"op": "remove", "path": format!("members[value eq \"{other}\"]")}])),
        ] {
            let (status, _, err) = entra
                .send(
                    Method::PATCH,
                    &format!("/Groups/{group}"),
                    Some(body.clone()),
                )
                .await;
            assert_eq!(status, 204, "{body} -> {err}");
        }
        entra.expect_quiet("removing a non-member").await;
        assert_eq!(
            member_ids(&entra.get(&format!("/Groups/{group}")).await),
            ids(&[&member])
        );
        app.shutdown().await;
    }
}

/// Entra sends `Add emails[type eq "work"].value` also when the user has no work email yet
/// (the email attribute was empty at create): the email is created with that type.
#[tokio::test]
async fn entra_adds_a_work_email_through_a_value_path() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Contoso").await;
        let mut entra = Idp::connect(&app, s(&org["id"]), "entra", ENTRA_UA).await;
        let mut body = fixture!("entra/create_user.json");
        body.as_object_mut().expect("object").remove("emails");
        let noor = entra.create_user(body).await;
        entra.new_events().await;
        let mut add = fixture!("entra/patch_user_add_email_existing.json");
        add["Operations"][0]["value"] = json!("noor@contoso.example");
        let (status, _, err) = entra
            .send(Method::PATCH, &format!("/Users/{noor}"), Some(add))
            .await;
        assert_eq!(status, 200, "{err}");
        let user = entra.get(&format!("/Users/{noor}")).await;
        assert_eq!(
            user["emails"],
            json!([{"type": "work", "value": "noor@contoso.example"}]),
            "{user}"
        );
        let events = entra.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated Noor_Haddad@contoso.example"]
        );
        assert_eq!(
            events[0]["data"]["emails"][0]["value"],
            "noor@contoso.example"
        );
        app.shutdown().await;
    }
}

/// A PATCH `replace` of a complex attribute with some sub-attributes keeps the others
/// (RFC 7644 §3.5.2.3); Rippling and OneLogin send `name` this way.
#[tokio::test]
async fn replacing_part_of_a_complex_attribute_keeps_the_rest() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Wingtip").await;
        let mut rippling = Idp::connect(&app, s(&org["id"]), "rippling", RIPPLING_UA).await;
        let oskar = rippling
            .create_user(fixture!("rippling/create_user.json"))
            .await;
        rippling.new_events().await;
        rippling
            .patch_ok(
                &format!("/Users/{oskar}"),
                patch(json!([{"op": "replace", "path": "name", "value": {"givenName": "Ossi"}}])),
            )
            .await;
        let user = rippling.get(&format!("/Users/{oskar}")).await;
        assert_eq!(
            (
                user["name"]["givenName"].as_str(),
                user["name"]["familyName"].as_str()
            ),
            (Some("Ossi"), Some("Lind")),
            "{user}"
        );
        let events = rippling.new_events().await;
        assert_eq!(
            summaries(&events),
            ["user.updated oskar.lind@wingtip.example"]
        );
        assert!(
            events[0]["previous_attributes"].get("last_name").is_none(),
            "{}",
            events[0]
        );
        app.shutdown().await;
    }
}
