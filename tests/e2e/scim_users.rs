//! SCIM `/Users` over HTTP, as an IdP drives it: lifecycle, filters, paging, ETags, errors.

use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::{json, Value};

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// A directory ready for SCIM: (path prefix like `/scim/v2/directory_…`, token, directory id).
pub async fn scim_directory(app: &TestApp, provider: &str) -> (String, String, String) {
    let org = app.create_organization("Acme").await;
    let (directory, token) = app
        .create_directory(org["id"].as_str().expect("org id"), provider)
        .await;
    let base = directory["scim_base_url"].as_str().expect("scim_base_url");
    let prefix = base
        .strip_prefix(&app.base_url)
        .expect("under base url")
        .to_owned();
    (
        prefix,
        token,
        directory["id"].as_str().expect("id").to_owned(),
    )
}

pub fn user_body(user_name: &str, given: &str) -> Value {
    json!({
        "schemas": [USER_URN],
        "userName": user_name,
        "name": {"givenName": given, "familyName": "Tester"},
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "active": true,
        "password": "hunter2-never-kept",
    })
}

pub async fn events_of(app: &TestApp, directory_id: &str) -> Vec<Value> {
    app.all_events(&format!("&directory_id={directory_id}"))
        .await
        .into_iter()
        .filter(|e| e["type"] != "directory.activated")
        .collect()
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or(""))
        .collect()
}

#[tokio::test]
async fn okta_user_lifecycle_emits_exactly_the_real_changes() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let (scim, token, dir) = scim_directory(&app, "okta").await;

        // Okta looks the user up before creating it: an empty ListResponse, not a 404.
        let (status, _, body) = app
            .scim(Method::GET, &format!("{scim}/Users?filter=userName%20eq%20%22ada%40example.com%22&startIndex=1&count=100"), &token, None)
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["totalResults"], 0);
        assert_eq!(body["Resources"], json!([]));

        let (status, headers, created) = app
            .scim(
                Method::POST,
                &format!("{scim}/Users"),
                &token,
                Some(user_body("ada@example.com", "Ada")),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().expect("id").to_owned();
        assert_eq!(
            headers["location"].to_str().expect("location"),
            format!("{}{scim}/Users/{id}", app.base_url)
        );
        assert_eq!(headers["content-type"], "application/scim+json");
        assert_eq!(created["meta"]["resourceType"], "User");
        assert_eq!(created["meta"]["version"], "W/\"1\"");
        assert_eq!(headers["etag"], "W/\"1\"");
        assert!(
            created.get("password").is_none(),
            "password never returned: {created}"
        );

        // The lookup now finds it, case-insensitively, with `+` as space.
        let (_, _, found) = app
            .scim(
                Method::GET,
                &format!("{scim}/Users?filter=userName+eq+%22ADA%40Example.com%22"),
                &token,
                None,
            )
            .await;
        assert_eq!(found["totalResults"], 1, "{found}");
        assert_eq!(found["Resources"][0]["id"], id.as_str());

        // The same userName in another case is a 409 uniqueness error.
        let (status, _, err) = app
            .scim(
                Method::POST,
                &format!("{scim}/Users"),
                &token,
                Some(user_body("ADA@example.com", "Ada")),
            )
            .await;
        assert_eq!(status, 409, "{err}");
        assert_eq!(err["scimType"], "uniqueness");

        // A PUT that changes the first name; then the same PUT again (Okta re-pushes).
        let mut profile = user_body("ada@example.com", "Augusta");
        profile["id"] = json!(id);
        for _ in 0..2 {
            let (status, headers, put) = app
                .scim(
                    Method::PUT,
                    &format!("{scim}/Users/{id}"),
                    &token,
                    Some(profile.clone()),
                )
                .await;
            assert_eq!(status, 200, "{put}");
            assert_eq!(put["name"]["givenName"], "Augusta");
            assert_eq!(
                headers["etag"], "W/\"2\"",
                "an unchanged PUT keeps the version"
            );
        }

        // Deactivation as Okta sends it.
        let (status, _, patched) = app
            .scim(
                Method::PATCH,
                &format!("{scim}/Users/{id}"),
                &token,
                Some(
                    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                            "Operations": [{"op": "replace", "value": {"active": false}}]}),
                ),
            )
            .await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!(patched["active"], false);

        let events = events_of(&app, &dir).await;
        assert_eq!(
            types(&events),
            ["user.created", "user.updated", "user.deactivated"]
        );
        assert_eq!(events[0]["data"]["user_name"], "ada@example.com");
        assert_eq!(events[0]["data"]["first_name"], "Ada");
        assert_eq!(events[0]["data"]["emails"][0]["value"], "ada@example.com");
        assert_eq!(events[1]["data"]["first_name"], "Augusta");
        assert_eq!(events[1]["previous_attributes"]["first_name"], "Ada");
        assert_eq!(events[2]["data"]["state"], "inactive");
        assert_eq!(events[2]["previous_attributes"]["state"], "active");
        let all = serde_json::to_string(&events).expect("json");
        assert!(!all.contains("hunter2"), "no password in any event");

        // DELETE: 204, then gone for the IdP; kept inactive for the app (suspend policy).
        let (status, _, _) = app
            .scim(Method::DELETE, &format!("{scim}/Users/{id}"), &token, None)
            .await;
        assert_eq!(status, 204);
        let (status, _, err) = app
            .scim(Method::GET, &format!("{scim}/Users/{id}"), &token, None)
            .await;
        assert_eq!(status, 404, "{err}");
        assert_eq!(
            err["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        );
        // Already inactive: deleting emits nothing more.
        assert_eq!(events_of(&app, &dir).await.len(), 3);

        // The IdP re-creates the person: same Roster user comes back.
        let (status, _, again) = app
            .scim(
                Method::POST,
                &format!("{scim}/Users"),
                &token,
                Some(user_body("ada@example.com", "Augusta")),
            )
            .await;
        assert_eq!(status, 201, "{again}");
        assert_eq!(again["id"], id.as_str());
        let events = events_of(&app, &dir).await;
        assert_eq!(types(&events).last(), Some(&"user.reactivated"));
        app.shutdown().await;
    }
}

#[tokio::test]
async fn filters_paging_and_projection() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let (scim, token, _) = scim_directory(&app, "entra").await;
        for i in 0..12 {
            let mut body = user_body(&format!("user{i:02}@example.com"), &format!("U{i}"));
            body["externalId"] = json!(format!("ext-{i}"));
            if i % 3 == 0 {
                body["active"] = json!("False"); // Entra's string boolean
            }
            body["title"] = json!(if i < 6 { "Engineer" } else { "Manager" });
            let (status, _, b) = app
                .scim(Method::POST, &format!("{scim}/Users"), &token, Some(body))
                .await;
            assert_eq!(status, 201, "{b}");
        }
        let list = |q: &str| {
            let url = format!("{scim}/Users?{q}");
            let app = &app;
            let token = token.clone();
            async move {
                let (status, _, body) = app.scim(Method::GET, &url, &token, None).await;
                assert_eq!(status, 200, "{url}: {body}");
                body
            }
        };
        // Paging: totalResults is the full count, Resources the page.
        let page = list("startIndex=11&count=5").await;
        assert_eq!(
            (
                page["totalResults"].as_u64(),
                page["itemsPerPage"].as_u64(),
                page["startIndex"].as_u64()
            ),
            (Some(12), Some(2), Some(11))
        );
        let none = list("count=0").await;
        assert_eq!(
            (
                none["totalResults"].as_u64(),
                none["Resources"].as_array().map(Vec::len)
            ),
            (Some(12), Some(0))
        );
        // Indexed filters.
        assert_eq!(
            list("filter=externalId%20eq%20%22ext-7%22").await["Resources"][0]["userName"],
            "user07@example.com"
        );
        assert_eq!(list("filter=active%20eq%20false").await["totalResults"], 4);
        assert_eq!(
            list("filter=userName%20sw%20%22USER0%22").await["totalResults"],
            10
        );
        assert_eq!(
            list(
                "filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22user11%40example.com%22"
            )
            .await["totalResults"],
            1
        );
        assert_eq!(
            list("filter=emails.value%20co%20%22ser1%22").await["totalResults"],
            2
        );
        assert_eq!(
            list("filter=not%20(externalId%20eq%20%22ext-1%22)").await["totalResults"],
            11
        );
        // Not indexed: re-checked in batches, same answers.
        assert_eq!(
            list("filter=title%20eq%20%22Manager%22%20and%20active%20eq%20true").await
                ["totalResults"],
            4
        );
        assert_eq!(
            list("filter=title%20eq%20%22manager%22&count=1&startIndex=2").await["Resources"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        // Projection: id and schemas always, nothing else asked for.
        let projected = list("filter=externalId%20eq%20%22ext-3%22&attributes=userName").await;
        let r = &projected["Resources"][0];
        assert_eq!(r["userName"], "user03@example.com");
        assert!(
            r.get("id").is_some() && r.get("emails").is_none() && r.get("name").is_none(),
            "{r}"
        );
        let excluded =
            list("filter=externalId%20eq%20%22ext-3%22&excludedAttributes=emails,name").await;
        assert!(excluded["Resources"][0].get("emails").is_none());
        assert!(excluded["Resources"][0].get("userName").is_some());
        // Bad filters are a 400 a person can act on.
        let (status, _, err) = app
            .scim(
                Method::GET,
                &format!("{scim}/Users?filter=userName%20eq"),
                &token,
                None,
            )
            .await;
        assert_eq!(status, 400);
        assert_eq!(err["scimType"], "invalidFilter");
        assert!(
            err["detail"]
                .as_str()
                .is_some_and(|d| d.contains("position")),
            "{err}"
        );
        let (status, _, err) = app
            .scim(
                Method::GET,
                &format!("{scim}/Users?filter=active%20gt%20true"),
                &token,
                None,
            )
            .await;
        assert_eq!(
            (status.as_u16(), err["scimType"].as_str()),
            (400, Some("invalidFilter")),
            "{err}"
        );
        app.shutdown().await;
    }
}

#[tokio::test]
async fn malformed_requests_get_clear_errors_and_write_nothing() {
    for engine in engines() {
        let app = TestApp::spawn_with(&engine, |c| c.scim_max_payload_bytes = 4096).await;
        let (scim, token, dir) = scim_directory(&app, "generic").await;
        let users = format!("{scim}/Users");
        let send_raw =
            |method: Method, path: String, body: &'static str, content_type: &'static str| {
                let app = &app;
                let token = token.clone();
                async move {
                    let r = app
                        .client
                        .request(method, app.url(&path))
                        .bearer_auth(token)
                        .header("Content-Type", content_type)
                        .body(body)
                        .send()
                        .await
                        .expect("send");
                    let status = r.status().as_u16();
                    let body: Value = r.json().await.unwrap_or(Value::Null);
                    (status, body)
                }
            };
        let (status, err) = send_raw(
            Method::POST,
            users.clone(),
            "{\"userName\": ",
            "application/scim+json",
        )
        .await;
        assert_eq!(
            (status, err["scimType"].as_str()),
            (400, Some("invalidSyntax")),
            "{err}"
        );
        let (status, err) =
            send_raw(Method::POST, users.clone(), "[1,2]", "application/json").await;
        assert_eq!(
            (status, err["scimType"].as_str()),
            (400, Some("invalidSyntax")),
            "{err}"
        );
        let (status, err) =
            send_raw(Method::POST, users.clone(), "<user/>", "application/xml").await;
        assert_eq!(status, 415, "{err}");
        let (status, err) = send_raw(Method::POST, users.clone(), "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"name\":{\"givenName\":\"x\"}}", "application/scim+json").await;
        assert_eq!(
            (status, err["scimType"].as_str()),
            (400, Some("invalidValue")),
            "userName missing: {err}"
        );
        let (status, err) = send_raw(
            Method::POST,
            users.clone(),
            "{\"userName\": 42, \"active\": \"maybe\"}",
            "application/json",
        )
        .await;
        assert_eq!(status, 400, "{err}");
        let big = Box::leak(format!("{{\"userName\":\"{}\"}}", "x".repeat(5000)).into_boxed_str());
        let (status, err) = send_raw(Method::POST, users.clone(), big, "application/json").await;
        assert_eq!(status, 413, "{err}");
        // The ServiceProviderConfig advertises the limit it enforces.
        let (_, _, spc) = app
            .scim(
                Method::GET,
                &format!("{scim}/ServiceProviderConfig"),
                &token,
                None,
            )
            .await;
        assert_eq!(spc["bulk"]["maxPayloadSize"], 4096);

        // A valid user, then a bad PATCH path and a stale If-Match: nothing changes.
        let (_, _, user) = app
            .scim(
                Method::POST,
                &users,
                &token,
                Some(user_body("bob@example.com", "Bob")),
            )
            .await;
        let id = user["id"].as_str().expect("id");
        let (status, _, err) = app
            .scim(
                Method::PATCH,
                &format!("{users}/{id}"),
                &token,
                Some(json!({"Operations": [
                {"op": "replace", "path": "name.givenName", "value": "Robert"},
                {"op": "replace", "path": "emails[type eq ]", "value": "x"}]})),
            )
            .await;
        assert_eq!(
            (status.as_u16(), err["scimType"].as_str()),
            (400, Some("invalidPath")),
            "{err}"
        );
        let stale = app
            .client
            .put(app.url(&format!("{users}/{id}")))
            .bearer_auth(&token)
            .header("If-Match", "W/\"7\"")
            .json(&user_body("bob@example.com", "Robert"))
            .send()
            .await
            .expect("send");
        assert_eq!(stale.status(), 412);
        let (_, _, now) = app
            .scim(Method::GET, &format!("{users}/{id}"), &token, None)
            .await;
        assert_eq!(now["name"]["givenName"], "Bob", "no partial write");
        let (status, _, _) = app
            .scim(Method::GET, &format!("{users}/user_0000"), &token, None)
            .await;
        assert_eq!(status, 404);
        // No token, a wrong token: 401 with WWW-Authenticate, in SCIM's error shape.
        let r = app.client.get(app.url(&users)).send().await.expect("send");
        assert_eq!(r.status(), 401);
        assert!(r.headers().contains_key("www-authenticate"));
        let r = app
            .client
            .get(app.url(&users))
            .header("Authorization", &token)
            .send()
            .await
            .expect("send");
        assert_eq!(
            r.status(),
            200,
            "the bare token (Okta's HTTP Header auth) works"
        );
        assert_eq!(events_of(&app, &dir).await.len(), 1, "only bob's creation");

        // The activity log has every request of this directory, errors explained.
        let mut activity = Value::Null;
        for _ in 0..50 {
            activity = app
                .expect(
                    Method::GET,
                    &format!("/api/v1/directories/{dir}/activity?limit=100"),
                    None,
                    200,
                )
                .await;
            if activity["data"].as_array().is_some_and(|a| a.len() >= 14) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let rows = activity["data"].as_array().cloned().unwrap_or_default();
        assert!(rows.len() >= 14, "{activity}");
        let bad_path = rows
            .iter()
            .find(|r| r["scim_type"] == "invalidPath")
            .expect("invalidPath logged");
        assert_eq!(bad_path["method"], "PATCH");
        assert_eq!(bad_path["status"], 400);
        assert!(
            rows.iter().any(|r| r["status"] == 401),
            "refused requests are logged too"
        );
        let text = activity.to_string();
        assert!(
            !text.contains("hunter2"),
            "passwords are redacted in the log"
        );
        app.shutdown().await;
    }
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    for engine in engines() {
        let app = TestApp::spawn_with(&engine, |c| c.scim_rate_limit = 2).await;
        let (scim, token, _) = scim_directory(&app, "okta").await;
        let mut statuses = Vec::new();
        let mut retry_after = None;
        for _ in 0..8 {
            let (status, headers, _) = app
                .scim(Method::GET, &format!("{scim}/Users"), &token, None)
                .await;
            statuses.push(status.as_u16());
            if status == 429 {
                retry_after = headers.get("retry-after").cloned();
            }
        }
        assert!(
            statuses.starts_with(&[200, 200, 200, 200]),
            "burst of 2×rate first: {statuses:?}"
        );
        assert!(statuses.contains(&429), "{statuses:?}");
        assert_eq!(retry_after.expect("Retry-After"), "1");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn a_disabled_directory_refuses_its_idp_with_403_and_takes_effect_at_once() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let (scim, token, dir) = scim_directory(&app, "okta").await;
        let (status, _, _) = app
            .scim(Method::GET, &format!("{scim}/Users"), &token, None)
            .await;
        assert_eq!(status, 200);
        app.expect(
            Method::PATCH,
            &format!("/api/v1/directories/{dir}"),
            Some(json!({"enabled": false})),
            200,
        )
        .await;
        let (status, _, err) = app
            .scim(
                Method::POST,
                &format!("{scim}/Users"),
                &token,
                Some(user_body("eve@example.com", "Eve")),
            )
            .await;
        assert_eq!(status, 403, "{err}");
        assert!(
            err["detail"]
                .as_str()
                .is_some_and(|d| d.contains("turned off")),
            "{err}"
        );
        assert!(events_of(&app, &dir)
            .await
            .iter()
            .all(|e| e["type"] != "user.created"));
        app.expect(
            Method::PATCH,
            &format!("/api/v1/directories/{dir}"),
            Some(json!({"enabled": true})),
            200,
        )
        .await;
        let (status, _, _) = app
            .scim(
                Method::POST,
                &format!("{scim}/Users"),
                &token,
                Some(user_body("eve@example.com", "Eve")),
            )
            .await;
        assert_eq!(status, 201);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn if_none_match_answers_304_while_the_resource_is_unchanged() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let (scim, token, _) = scim_directory(&app, "generic").await;
        let (_, headers, user) = app
            .scim(
                Method::POST,
                &format!("{scim}/Users"),
                &token,
                Some(user_body("kim@example.com", "Kim")),
            )
            .await;
        let (_, gheaders, group) = app
            .scim(
                Method::POST,
                &format!("{scim}/Groups"),
                &token,
                Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Ops"})),
            )
            .await;
        for (path, etag) in [
            (
                format!("{scim}/Users/{}", user["id"].as_str().expect("id")),
                headers["etag"].clone(),
            ),
            (
                format!("{scim}/Groups/{}", group["id"].as_str().expect("id")),
                gheaders["etag"].clone(),
            ),
        ] {
            let r = app
                .client
                .get(app.url(&path))
                .bearer_auth(&token)
                .header("If-None-Match", etag.clone())
                .send()
                .await
                .expect("send");
            assert_eq!(r.status(), 304, "{path}");
            assert_eq!(r.headers()["etag"], etag);
            let r = app
                .client
                .get(app.url(&path))
                .bearer_auth(&token)
                .header("If-None-Match", "W/\"999\"")
                .send()
                .await
                .expect("send");
            assert_eq!(r.status(), 200, "{path}");
        }
        app.shutdown().await;
    }
}

/// Seat limit reached mid-import: the IdP gets a 403 naming the limit for the excess users only,
/// nothing of them is written, and each crossing emits one `directory.seat_limit_reached`.
#[tokio::test]
async fn seat_limit_refuses_only_the_excess_users_and_alerts_once_per_crossing() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let (scim, token, dir) = scim_directory(&app, "okta").await;
        app.expect(
            Method::PATCH,
            &format!("/api/v1/directories/{dir}"),
            Some(json!({"seat_limit": 3})),
            200,
        )
        .await;
        let create = |name: String| {
            let app = &app;
            let scim = scim.clone();
            let token = token.clone();
            async move {
                app.scim(
                    Method::POST,
                    &format!("{scim}/Users"),
                    &token,
                    Some(user_body(&name, "Seat")),
                )
                .await
            }
        };
        let seat_events = |events: &[Value]| {
            events
                .iter()
                .filter(|e| e["type"] == "directory.seat_limit_reached")
                .cloned()
                .collect::<Vec<_>>()
        };

        // An import of five users into three seats.
        let mut ids = Vec::new();
        for i in 1..=5 {
            let (status, _, body) = create(format!("u{i}@example.com")).await;
            if i <= 3 {
                assert_eq!(status, 201, "user {i}: {body}");
                ids.push(body["id"].as_str().expect("id").to_owned());
            } else {
                assert_eq!(status, 403, "user {i} is past the limit: {body}");
                let detail = body["detail"].as_str().expect("detail");
                assert!(
                    detail.contains("seat limit") && detail.contains("allows 3 active users"),
                    "the IdP's admin must see why: {detail}"
                );
                assert!(detail.contains(&format!("u{i}@example.com")), "{detail}");
            }
        }
        let (_, _, list) = app
            .scim(Method::GET, &format!("{scim}/Users"), &token, None)
            .await;
        assert_eq!(
            list["totalResults"], 3,
            "refused users are not stored: {list}"
        );
        let events = events_of(&app, &dir).await;
        assert_eq!(
            types(&events)
                .iter()
                .filter(|t| **t == "user.created")
                .count(),
            3
        );
        let alerts = seat_events(&events);
        assert_eq!(alerts.len(), 1, "one alert per crossing, not per refusal");
        assert_eq!(alerts[0]["data"]["seat_limit"], 3);
        assert_eq!(alerts[0]["data"]["active_users"], 3);
        assert_eq!(
            alerts[0]["data"]["refused_user"]["user_name"],
            "u4@example.com"
        );

        // Updates of active users are not creates: they go through at the limit.
        let (status, _, body) = app
            .scim(
                Method::PATCH,
                &format!("{scim}/Users/{}", ids[1]),
                &token,
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "displayName", "value": "Renamed"}]
                })),
            )
            .await;
        assert_eq!(status, 200, "{body}");

        // A seat frees up: the next user fits, the one after is a new crossing.
        let deactivate = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": false}]
        });
        let (status, _, body) = app
            .scim(
                Method::PATCH,
                &format!("{scim}/Users/{}", ids[0]),
                &token,
                Some(deactivate),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, _, body) = create("u4@example.com".into()).await;
        assert_eq!(status, 201, "a freed seat takes the retried user: {body}");
        let (status, _, _) = create("u5@example.com".into()).await;
        assert_eq!(status, 403);

        // Reactivating the deactivated user would pass the limit too; same crossing, no alert.
        let (status, _, body) = app
            .scim(
                Method::PATCH,
                &format!("{scim}/Users/{}", ids[0]),
                &token,
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "active", "value": true}]
                })),
            )
            .await;
        assert_eq!(status, 403, "{body}");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("reactivating")),
            "{body}"
        );
        let (_, _, user) = app
            .scim(
                Method::GET,
                &format!("{scim}/Users/{}", ids[0]),
                &token,
                None,
            )
            .await;
        assert_eq!(
            user["active"], false,
            "the refused reactivation wrote nothing"
        );

        let events = events_of(&app, &dir).await;
        let alerts = seat_events(&events);
        assert_eq!(alerts.len(), 2, "{alerts:?}");
        assert_eq!(
            alerts[1]["data"]["refused_user"]["user_name"],
            "u5@example.com"
        );
        assert_eq!(
            types(&events)
                .iter()
                .filter(|t| **t == "user.reactivated")
                .count(),
            0
        );
        app.shutdown().await;
    }
}

/// No-op suppression at scale: an IdP re-pushing 10,000 unchanged users (Okta's PUT of the full
/// profile, Entra's PATCH replacing attributes with the values they already have) writes
/// nothing and emits 0 events; the ETags stay where they were.
#[tokio::test]
async fn re_pushing_ten_thousand_unchanged_users_emits_no_event() {
    use futures_util::stream::{self, StreamExt};
    const USERS: usize = 10_000;
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let (scim, token, dir) = scim_directory(&app, "okta").await;
        let bodies: Vec<Value> = (0..USERS)
            .map(|i| user_body(&format!("bulk{i:05}@example.com"), &format!("U{i}")))
            .collect();
        let created: Vec<(Value, String)> = stream::iter(bodies.iter().cloned())
            .map(|body| {
                let (app, scim, token) = (&app, &scim, &token);
                async move {
                    let (status, _, created) = app
                        .scim(
                            Method::POST,
                            &format!("{scim}/Users"),
                            token,
                            Some(body.clone()),
                        )
                        .await;
                    assert_eq!(status, 201, "{created}");
                    (body, created["id"].as_str().expect("id").to_owned())
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        let before = app.all_events(&format!("&directory_id={dir}")).await;
        let created_events = before
            .iter()
            .filter(|e| e["type"] == "user.created")
            .count();
        assert_eq!(created_events, USERS);

        // The full re-push: half by PUT, half by PATCH, every value as stored.
        stream::iter(created.iter().enumerate())
            .map(|(i, (body, id))| {
                let (app, scim, token) = (&app, &scim, &token);
                async move {
                    let (method, request) = if i % 2 == 0 {
                        let mut put = body.clone();
                        put["id"] = json!(id);
                        (Method::PUT, put)
                    } else {
                        (
                            Method::PATCH,
                            json!({
                                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                "Operations": [
                                    {"op": "Replace", "path": "name.givenName", "value": body["name"]["givenName"]},
                                    {"op": "Replace", "path": "active", "value": "True"}
                                ]
                            }),
                        )
                    };
                    let (status, headers, answer) = app
                        .scim(method, &format!("{scim}/Users/{id}"), token, Some(request))
                        .await;
                    assert_eq!(status, 200, "{answer}");
                    assert_eq!(headers["etag"], "W/\"1\"", "nothing changed: {answer}");
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<()>>()
            .await;
        let after = app.all_events(&format!("&directory_id={dir}")).await;
        assert_eq!(
            after.len(),
            before.len(),
            "a re-push of {USERS} unchanged users emitted {} events",
            after.len() - before.len()
        );
        app.shutdown().await;
    }
}
