//! Tenant isolation over SCIM: a directory's token opens that directory and nothing else, and a
//! directory's URL reaches only its own users and groups, whatever ids are put in it.

use reqwest::header::HeaderMap;
use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::{json, Value};

use crate::scim_idps::{filter, ids, member_ids, patch, s, Idp, ENTERPRISE, ERROR_URN, GROUP_URN};
use crate::scim_users::{events_of, user_body};

const UNKNOWN_DIRECTORY: &str = "directory_01JZZZZZZZZZZZZZZZZZZZZZZZ";

struct Tenant<'a> {
    idp: Idp<'a>,
    users: Vec<String>,
    group: String,
}

/// What a directory holds, as its IdP and the vendor's app see it.
#[derive(Debug, PartialEq)]
struct Snapshot {
    users: Value,
    groups: Value,
    events: Vec<Value>,
}

async fn snapshot(t: &Tenant<'_>) -> Snapshot {
    Snapshot {
        users: t.idp.get("/Users?startIndex=1&count=100").await,
        groups: t.idp.get("/Groups?startIndex=1&count=100").await,
        events: events_of(t.idp.app, &t.idp.directory_id).await,
    }
}

/// Sends a raw SCIM request with a bearer token; returns status, headers and body.
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (u16, HeaderMap, Value) {
    let mut request = app
        .client
        .request(method.clone(), app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/scim+json")
            .body(body.to_string());
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Every request shape an IdP sends, against another directory's resources.
fn requests(user: &str, group: &str) -> Vec<(Method, String, Option<Value>)> {
    let user_patch = patch(json!([{"op": "replace", "path": "active", "value": false}]));
    let group_patch = patch(json!([{"op": "remove", "path": "members"}]));
    let group_put = json!({"schemas": [GROUP_URN], "displayName": "Taken over", "members": []});
    vec![
        (Method::GET, "/Users".into(), None),
        (
            Method::GET,
            format!("/Users?{}", filter(r#"userName eq "alex@shared.example""#)),
            None,
        ),
        (
            Method::POST,
            "/Users".into(),
            Some(user_body("intruder@example.com", "Intruder")),
        ),
        (Method::GET, format!("/Users/{user}"), None),
        (
            Method::PUT,
            format!("/Users/{user}"),
            Some(user_body("alex@shared.example", "Owned")),
        ),
        (Method::PATCH, format!("/Users/{user}"), Some(user_patch)),
        (Method::DELETE, format!("/Users/{user}"), None),
        (Method::GET, "/Groups".into(), None),
        (
            Method::POST,
            "/Groups".into(),
            Some(json!({"schemas": [GROUP_URN], "displayName": "Intruders"})),
        ),
        (Method::GET, format!("/Groups/{group}"), None),
        (Method::PUT, format!("/Groups/{group}"), Some(group_put)),
        (Method::PATCH, format!("/Groups/{group}"), Some(group_patch)),
        (Method::DELETE, format!("/Groups/{group}"), None),
    ]
}

#[tokio::test]
async fn a_token_opens_its_own_directory_and_nothing_else() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org_a = app.create_organization("Alpha").await;
        let org_b = app.create_organization("Beta").await;
        let mut tenants = Vec::new();
        for (org, provider, ua) in [
            (&org_a, "okta", "Okta SCIM Client 1.0.0"),
            (
                &org_a,
                "entra",
                "Microsoft.Azure.ActiveDirectory.Provisioning/1.0",
            ),
            (&org_b, "onelogin", "OneLogin SCIM Provisioner/1.0"),
            (&org_b, "generic", "roster-e2e SCIM client"),
        ] {
            let idp = Idp::connect(&app, s(&org["id"]), provider, ua).await;
            // Every directory has the same people: names are unique per directory only.
            let alex = idp
                .create_user(user_body("alex@shared.example", provider))
                .await;
            let sam = idp
                .create_user(user_body("sam@shared.example", provider))
                .await;
            let group = idp
                .create_group(json!({"schemas": [GROUP_URN], "displayName": "Everyone",
                                      "members": [{"value": alex}, {"value": sam}]}))
                .await;
            tenants.push(Tenant {
                idp,
                users: vec![alex, sam],
                group,
            });
        }
        // A manager id from another directory names nobody here: it must not resolve.
        for i in 0..tenants.len() {
            let other = tenants[(i + 1) % tenants.len()].users[1].clone();
            let t = &tenants[i];
            t.idp
                .patch_ok(
                    &format!("/Users/{}", t.users[0]),
                    patch(json!([{"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": other}])),
                )
                .await;
            let events = events_of(&app, &t.idp.directory_id).await;
            let last = events.last().expect("event");
            assert_eq!(last["type"], "user.updated", "{last}");
            assert_eq!(
                last["data"]["manager_id"],
                Value::Null,
                "a manager resolved across directories: {last}"
            );
        }
        let mut before = Vec::new();
        for t in &tenants {
            let snap = snapshot(t).await;
            assert_eq!(snap.users["totalResults"], 2);
            assert_eq!(
                snap.events.len(),
                6,
                "2 users, the group, 2 members, the manager"
            );
            before.push(snap);
        }

        // Each token on every other directory's URL: refused exactly like an unknown directory.
        for (i, holder) in tenants.iter().enumerate() {
            for (j, target) in tenants.iter().enumerate() {
                if i == j {
                    continue;
                }
                for (method, suffix, body) in requests(&target.users[0], &target.group) {
                    for version in ["v2", "v1"] {
                        let path = format!("/scim/{version}/{}{suffix}", target.idp.directory_id);
                        let (status, headers, got) = raw(
                            &app,
                            method.clone(),
                            &path,
                            &holder.idp.token,
                            body.as_ref(),
                        )
                        .await;
                        let reference = format!("/scim/{version}/{UNKNOWN_DIRECTORY}{suffix}");
                        let (ref_status, ref_headers, expected) = raw(
                            &app,
                            method.clone(),
                            &reference,
                            &holder.idp.token,
                            body.as_ref(),
                        )
                        .await;
                        assert_eq!(
                            (status, ref_status),
                            (401, 401),
                            "{method} {path} with another directory's token: {got}"
                        );
                        assert_eq!(
                            got, expected,
                            "{method} {path}: the 401 must not differ from an unknown directory's"
                        );
                        assert_eq!(
                            headers.get("www-authenticate"),
                            ref_headers.get("www-authenticate"),
                            "{method} {path}"
                        );
                        assert!(headers.contains_key("www-authenticate"), "{method} {path}");
                    }
                    // Okta's bare-token header form is no different.
                    let path = format!("/scim/v2/{}{suffix}", target.idp.directory_id);
                    let mut request = app
                        .client
                        .request(method.clone(), app.url(&path))
                        .header("Authorization", &holder.idp.token);
                    if let Some(body) = &body {
                        request = request
                            .header("Content-Type", "application/scim+json")
                            .body(body.to_string());
                    }
                    let status = request.send().await.expect("send").status();
                    assert_eq!(
                        status, 401,
                        "{method} {path} with another directory's bare token"
                    );
                }
            }
        }

        // Each token on its own URL with another directory's ids: not found, nothing touched.
        for (i, holder) in tenants.iter().enumerate() {
            for (j, target) in tenants.iter().enumerate() {
                if i == j {
                    continue;
                }
                for (method, suffix, body) in requests(&target.users[1], &target.group) {
                    if !(suffix.starts_with("/Users/") || suffix.starts_with("/Groups/")) {
                        continue;
                    }
                    let (status, _, got) = holder.idp.send(method.clone(), &suffix, body).await;
                    assert_eq!(
                        status, 404,
                        "{method} {suffix} (another directory's id) in {}: {got}",
                        holder.idp.directory_id
                    );
                    assert_eq!(got["schemas"], json!([ERROR_URN]), "{got}");
                }
                // Lookups by another directory's id find nothing.
                let list = holder
                    .idp
                    .get(&format!(
                        "/Users?{}",
                        filter(&format!(r#"id eq "{}""#, target.users[0]))
                    ))
                    .await;
                assert_eq!(list["totalResults"], 0, "{list}");
                let list = holder
                    .idp
                    .get(&format!(
                        "/Groups?{}",
                        filter(&format!(r#"id eq "{}""#, target.group))
                    ))
                    .await;
                assert_eq!(list["totalResults"], 0, "{list}");
                // Another directory's user cannot join this directory's group.
                let (status, _, err) = holder
                    .idp
                    .send(
                        Method::PATCH,
                        &format!("/Groups/{}", holder.group),
                        Some(patch(json!([{"op": "add", "path": "members", "value": [{"value": target.users[0]}]}]))),
                    )
                    .await;
                assert_eq!(
                    (status, err["scimType"].as_str()),
                    (400, Some("invalidValue")),
                    "{err}"
                );
            }
        }

        // Afterwards, every directory holds exactly what its own IdP wrote.
        for (t, snap) in tenants.iter().zip(&before) {
            let after = snapshot(t).await;
            assert_eq!(after.users, snap.users, "users of {}", t.idp.directory_id);
            assert_eq!(
                after.groups, snap.groups,
                "groups of {}",
                t.idp.directory_id
            );
            assert_eq!(
                after.events, snap.events,
                "events of {}",
                t.idp.directory_id
            );
            let got = t.idp.get(&format!("/Groups/{}", t.group)).await;
            assert_eq!(member_ids(&got), ids(&[&t.users[0], &t.users[1]]));
            for e in &after.events {
                assert_eq!(e["directory_id"], t.idp.directory_id.as_str(), "{e}");
                assert_eq!(e["organization_id"], t.idp.organization_id.as_str(), "{e}");
            }
        }
        app.shutdown().await;
    }
}
