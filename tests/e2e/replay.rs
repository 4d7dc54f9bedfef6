//! Property: for random sequences of SCIM writes (and settings changes) against a real server,
//! replaying the directory's events onto an empty model gives exactly the normalized state the
//! read API serves. This is the promise the vendor's app relies on when it keeps its own copy
//! from webhooks alone.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

use crate::scim_idps::{patch, s, GROUP_URN};

const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const USERS: usize = 4;
const GROUPS: usize = 3;
const GROUP_NAMES: [&str; 4] = ["Admins", "Editors", "Sales", "Other"];
const DEPARTMENTS: [&str; 3] = ["R&D", "42", "Sales"];

#[derive(Clone, Debug)]
enum Op {
    CreateUser(usize),
    PutUser {
        user: usize,
        last: usize,
        department: usize,
        active: bool,
    },
    PatchActive(usize, bool),
    PatchDepartment(usize, usize),
    DeleteUser(usize),
    CreateGroup(usize),
    RenameGroup(usize, usize),
    AddMember(usize, usize),
    RemoveMember(usize, usize),
    DeleteGroup(usize),
    Settings(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..USERS).prop_map(Op::CreateUser),
        2 => (0..USERS, 0..3usize, 0..DEPARTMENTS.len(), any::<bool>()).prop_map(
            |(user, last, department, active)| Op::PutUser { user, last, department, active }
        ),
        2 => (0..USERS, any::<bool>()).prop_map(|(u, a)| Op::PatchActive(u, a)),
        1 => (0..USERS, 0..DEPARTMENTS.len()).prop_map(|(u, d)| Op::PatchDepartment(u, d)),
        1 => (0..USERS).prop_map(Op::DeleteUser),
        2 => (0..GROUPS).prop_map(Op::CreateGroup),
        1 => (0..GROUPS, 0..GROUP_NAMES.len()).prop_map(|(g, n)| Op::RenameGroup(g, n)),
        3 => (0..GROUPS, 0..USERS).prop_map(|(g, u)| Op::AddMember(g, u)),
        2 => (0..GROUPS, 0..USERS).prop_map(|(g, u)| Op::RemoveMember(g, u)),
        1 => (0..GROUPS).prop_map(Op::DeleteGroup),
        1 => (0..4usize).prop_map(Op::Settings),
    ]
}

fn settings(variant: usize) -> Value {
    let roles = json!([
        {"group": "Admins", "role": "admin", "priority": 10},
        {"group": "Editors", "role": "editor", "priority": 5},
    ]);
    match variant {
        0 => {
            json!({"deactivation_policy": "suspend", "default_role": "viewer", "role_mappings": roles,
                    "attribute_mappings": []})
        }
        1 => {
            json!({"deactivation_policy": "delete", "default_role": "viewer", "role_mappings": roles})
        }
        2 => json!({"default_role": null, "role_mappings": [{"group": "Sales", "role": "seller"}],
                    "attribute_mappings": [{"source": format!("{ENTERPRISE}:department"),
                                            "target": "department", "type": "integer"}]}),
        _ => {
            json!({"deactivation_policy": "suspend", "role_mappings": [], "default_role": "member"})
        }
    }
}

fn user_body(i: usize, last: usize, department: usize, active: bool) -> Value {
    json!({
        "schemas": [USER_URN, ENTERPRISE],
        "userName": format!("user{i}@replay.example"),
        "externalId": format!("ext-{i}"),
        "name": {"givenName": format!("User{i}"), "familyName": format!("Last{last}")},
        "emails": [{"value": format!("user{i}@replay.example"), "primary": true}],
        "active": active,
        ENTERPRISE: {"department": DEPARTMENTS[department]},
    })
}

/// One directory driven by a sequence of operations, remembering the SCIM ids it was given.
struct Run<'a> {
    app: &'a TestApp,
    scim: String,
    token: String,
    directory_id: String,
    users: [Option<String>; USERS],
    groups: [Option<String>; GROUPS],
}

impl Run<'_> {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let (status, _, json) = self
            .app
            .scim(
                method.clone(),
                &format!("{}{path}", self.scim),
                &self.token,
                body,
            )
            .await;
        assert!(
            status.as_u16() < 500,
            "{method} {path} answered {status}: {json}"
        );
        (status.as_u16(), json)
    }

    async fn apply(&mut self, op: &Op) {
        match *op {
            Op::CreateUser(i) => {
                let (status, body) = self
                    .send(Method::POST, "/Users", Some(user_body(i, 0, 0, true)))
                    .await;
                if status == 201 {
                    self.users[i] = Some(s(&body["id"]).to_owned());
                }
            }
            Op::PutUser {
                user,
                last,
                department,
                active,
            } => {
                if let Some(id) = self.users[user].clone() {
                    let body = user_body(user, last, department, active);
                    self.send(Method::PUT, &format!("/Users/{id}"), Some(body))
                        .await;
                }
            }
            Op::PatchActive(i, active) => {
                if let Some(id) = self.users[i].clone() {
                    let body = patch(json!([{"op": "replace", "value": {"active": active}}]));
                    self.send(Method::PATCH, &format!("/Users/{id}"), Some(body))
                        .await;
                }
            }
            Op::PatchDepartment(i, d) => {
                if let Some(id) = self.users[i].clone() {
                    let body = patch(json!([{"op": "replace",
                        "path": format!("{ENTERPRISE}:department"), "value": DEPARTMENTS[d]}]));
                    self.send(Method::PATCH, &format!("/Users/{id}"), Some(body))
                        .await;
                }
            }
            Op::DeleteUser(i) => {
                if let Some(id) = self.users[i].clone() {
                    self.send(Method::DELETE, &format!("/Users/{id}"), None)
                        .await;
                }
            }
            Op::CreateGroup(g) => {
                let body =
                    json!({"schemas": [GROUP_URN], "displayName": GROUP_NAMES[g], "members": []});
                let (status, body) = self.send(Method::POST, "/Groups", Some(body)).await;
                if status == 201 {
                    self.groups[g] = Some(s(&body["id"]).to_owned());
                }
            }
            Op::RenameGroup(g, n) => {
                if let Some(id) = self.groups[g].clone() {
                    let body = patch(json!([{"op": "replace", "path": "displayName",
                                             "value": GROUP_NAMES[n]}]));
                    self.send(Method::PATCH, &format!("/Groups/{id}"), Some(body))
                        .await;
                }
            }
            Op::AddMember(g, u) | Op::RemoveMember(g, u) => {
                if let (Some(gid), Some(uid)) = (self.groups[g].clone(), self.users[u].clone()) {
                    let body = if matches!(op, Op::AddMember(..)) {
                        patch(json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]))
                    } else {
                        patch(
                            json!([{"op": "remove", "path": format!("members[value eq \"{uid}\"]")}]),
                        )
                    };
                    self.send(Method::PATCH, &format!("/Groups/{gid}"), Some(body))
                        .await;
                }
            }
            Op::DeleteGroup(g) => {
                if let Some(id) = self.groups[g].take() {
                    self.send(Method::DELETE, &format!("/Groups/{id}"), None)
                        .await;
                }
            }
            Op::Settings(v) => {
                self.app
                    .expect(
                        Method::PATCH,
                        &format!("/api/v1/directories/{}", self.directory_id),
                        Some(settings(v)),
                        200,
                    )
                    .await;
            }
        }
    }
}

/// What an app keeps from the events: users, groups and memberships.
#[derive(Debug, Default, PartialEq)]
struct Model {
    users: BTreeMap<String, Value>,
    groups: BTreeMap<String, Value>,
    memberships: BTreeSet<(String, String)>,
}

/// A user or group object without the fields the comparison treats separately: `groups`
/// (compared as memberships) and, for groups, `member_count` and `updated_at`, which also move
/// with memberships of users the app does not see (`delete` policy).
fn comparable(mut object: Value, kind: &str) -> Value {
    if let Some(obj) = object.as_object_mut() {
        obj.remove("groups");
        if kind == "group" {
            obj.remove("member_count");
            obj.remove("updated_at");
        }
    }
    object
}

fn id_of(v: &Value) -> String {
    s(&v["id"]).to_owned()
}

fn replay(events: &[Value]) -> Model {
    let mut m = Model::default();
    for e in events {
        let data = &e["data"];
        match s(&e["type"]) {
            "user.created" | "user.updated" | "user.deactivated" | "user.reactivated" => {
                m.users
                    .insert(id_of(data), comparable(data.clone(), "user"));
            }
            "user.deleted" => {
                let id = id_of(data);
                m.users.remove(&id);
                m.memberships.retain(|(_, u)| *u != id);
            }
            "group.created" | "group.updated" => {
                m.groups
                    .insert(id_of(data), comparable(data.clone(), "group"));
            }
            "group.deleted" => {
                let id = id_of(data);
                m.groups.remove(&id);
                m.memberships.retain(|(g, _)| *g != id);
            }
            "group.user_added" | "group.user_removed" => {
                let (g, u) = (id_of(&data["group"]), id_of(&data["user"]));
                m.groups
                    .insert(g.clone(), comparable(data["group"].clone(), "group"));
                m.users
                    .insert(u.clone(), comparable(data["user"].clone(), "user"));
                if e["type"] == "group.user_added" {
                    m.memberships.insert((g, u));
                } else {
                    m.memberships.remove(&(g, u));
                }
            }
            _ => {}
        }
    }
    m
}

/// Every item of a paged read-API list.
async fn all(app: &TestApp, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut after = String::new();
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let page = app
            .expect(
                Method::GET,
                &format!("{path}{sep}limit=2{after}"),
                None,
                200,
            )
            .await;
        items.extend(page["data"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(c) => after = format!("&after={c}"),
            None => return items,
        }
    }
}

async fn stored(app: &TestApp, directory_id: &str) -> Model {
    let base = format!("/api/v1/directories/{directory_id}");
    let mut m = Model::default();
    for user in all(app, &format!("{base}/users")).await {
        m.users.insert(id_of(&user), comparable(user, "user"));
    }
    for group in all(app, &format!("{base}/groups")).await {
        let gid = id_of(&group);
        for user in all(app, &format!("{base}/groups/{gid}/users")).await {
            m.memberships.insert((gid.clone(), id_of(&user)));
        }
        m.groups.insert(gid, comparable(group, "group"));
    }
    m
}

async fn check(app: &TestApp, organization_id: &str, ops: &[Op]) -> Result<(), TestCaseError> {
    let (directory, token) = app.create_directory(organization_id, "okta").await;
    let mut run = Run {
        app,
        scim: s(&directory["scim_base_url"])
            .strip_prefix(&app.base_url)
            .expect("under base url")
            .to_owned(),
        token,
        directory_id: s(&directory["id"]).to_owned(),
        users: Default::default(),
        groups: Default::default(),
    };
    for op in ops {
        run.apply(op).await;
    }
    let events = app
        .all_events(&format!("&directory_id={}", run.directory_id))
        .await;
    let replayed = replay(&events);
    let expected = stored(app, &run.directory_id).await;
    prop_assert_eq!(&replayed.memberships, &expected.memberships);
    prop_assert_eq!(
        replayed.users.keys().collect::<Vec<_>>(),
        expected.users.keys().collect::<Vec<_>>()
    );
    for (id, user) in &expected.users {
        prop_assert_eq!(Some(user), replayed.users.get(id), "user {}", id);
    }
    prop_assert_eq!(&replayed.groups, &expected.groups);
    Ok(())
}

#[test]
fn replaying_the_events_rebuilds_the_normalized_state() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let cases: u32 = std::env::var("ROSTER_REPLAY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    for engine in engines() {
        let app = runtime.block_on(TestApp::spawn(&engine));
        let org = runtime.block_on(app.create_organization("Replay"));
        let organization_id = s(&org["id"]).to_owned();
        let mut runner = TestRunner::new(Config {
            cases,
            max_shrink_iters: 300,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&proptest::collection::vec(op(), 1..40), |ops| {
            runtime.block_on(check(&app, &organization_id, &ops))
        });
        if let Err(e) = result {
            panic!("{}: {e}", engine.name());
        }
        runtime.block_on(app.shutdown());
    }
}
