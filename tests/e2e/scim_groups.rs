//! SCIM `/Groups` at scale and under contention: thousand-member PATCHes, projections that skip
//! members, PUT replacing members, refused writes that write nothing, uniqueness, concurrent
//! PATCHes that must not lose updates, and If-Match.

use futures_util::future::join_all;
use futures_util::stream::{self, StreamExt};
use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

use crate::scim_idps::{
    filter, ids, member_ids, patch, s, sorted, summaries, Idp, ENTERPRISE, GROUP_URN,
};
use crate::scim_users::user_body;

const UA: &str = "roster-e2e SCIM client";

async fn connect(app: &TestApp) -> Idp<'_> {
    let org = app.create_organization("Acme").await;
    Idp::connect(app, s(&org["id"]), "generic", UA).await
}

/// Creates `n` users (8 requests in flight); returns their ids in creation order of the names.
async fn create_users(idp: &Idp<'_>, prefix: &str, n: usize) -> Vec<String> {
    let created: Vec<(usize, String)> = stream::iter(0..n)
        .map(|i| async move {
            let body = user_body(&format!("{prefix}{i:04}@example.com"), &format!("U{i}"));
            (i, idp.create_user(body).await)
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut created = created;
    created.sort();
    created.into_iter().map(|(_, id)| id).collect()
}

fn members_value(users: &[String]) -> Value {
    Value::Array(users.iter().map(|u| json!({"value": u})).collect())
}

fn group_body(name: &str, members: &[String]) -> Value {
    json!({"schemas": [GROUP_URN], "displayName": name, "members": members_value(members)})
}

fn user_ids_of(events: &[Value]) -> BTreeSet<String> {
    events
        .iter()
        .map(|e| e["data"]["user"]["id"].as_str().unwrap_or("?").to_owned())
        .collect()
}

fn all_of_type(events: &[Value], t: &str) -> bool {
    events.iter().all(|e| e["type"] == t)
}

#[tokio::test]
async fn a_thousand_members_in_one_patch_and_out_in_another() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let mut idp = connect(&app).await;
        let users = create_users(&idp, "member", 1000).await;
        let group = idp.create_group(group_body("All Staff", &[])).await;
        idp.new_events().await;

        idp.patch_ok(
            &format!("/Groups/{group}"),
            patch(json!([{"op": "add", "path": "members", "value": members_value(&users)}])),
        )
        .await;
        let events = idp.new_events().await;
        assert_eq!(events.len(), 1000, "one group.user_added per member");
        assert!(
            all_of_type(&events, "group.user_added"),
            "{:?}",
            &summaries(&events)[..3]
        );
        assert_eq!(
            user_ids_of(&events),
            users.iter().cloned().collect::<BTreeSet<_>>()
        );
        assert_eq!(
            events.last().expect("event")["data"]["group"]["member_count"],
            1000
        );
        let got = idp.get(&format!("/Groups/{group}")).await;
        assert_eq!(
            member_ids(&got),
            ids(&users.iter().map(String::as_str).collect::<Vec<_>>())
        );
        let user = idp.get(&format!("/Users/{}", users[500])).await;
        assert_eq!(user["groups"][0]["value"], group.as_str(), "{user}");

        // Projections that leave the members out (Entra's lookups) return no members at all.
        for path in [
            "/Groups?excludedAttributes=members".to_owned(),
            format!(
                "/Groups?excludedAttributes=members&{}",
                filter(r#"displayName eq "All Staff""#)
            ),
            "/Groups?attributes=displayName".to_owned(),
        ] {
            let list = idp.get(&path).await;
            assert_eq!(list["totalResults"], 1, "{path}: {list}");
            let r = &list["Resources"][0];
            assert_eq!(r["id"], group.as_str(), "{path}");
            assert!(r.get("members").is_none(), "{path} returned members");
            assert_eq!(r["displayName"], "All Staff", "{path}");
        }
        let one = idp
            .get(&format!("/Groups/{group}?excludedAttributes=members"))
            .await;
        assert!(
            one.get("members").is_none(),
            "GET /Groups/{{id}}?excludedAttributes=members returned members"
        );
        assert_eq!(one["displayName"], "All Staff");
        assert!(one.get("meta").is_some() && one.get("schemas").is_some());
        let listed = idp.get("/Groups").await;
        assert_eq!(
            listed["Resources"][0]["members"].as_array().map(Vec::len),
            Some(1000),
            "a plain list has them"
        );

        // All out in one request.
        idp.patch_ok(
            &format!("/Groups/{group}"),
            patch(json!([{"op": "remove", "path": "members", "value": members_value(&users)}])),
        )
        .await;
        let events = idp.new_events().await;
        assert_eq!(events.len(), 1000, "one group.user_removed per member");
        assert!(all_of_type(&events, "group.user_removed"));
        assert_eq!(
            user_ids_of(&events),
            users.iter().cloned().collect::<BTreeSet<_>>()
        );
        assert_eq!(
            events.last().expect("event")["data"]["group"]["member_count"],
            0
        );
        assert_eq!(
            member_ids(&idp.get(&format!("/Groups/{group}")).await),
            Vec::<String>::new()
        );
        app.shutdown().await;
    }
}

#[tokio::test]
async fn a_put_replaces_the_members() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let mut idp = connect(&app).await;
        let u = create_users(&idp, "put", 3).await;
        let (a, b, c) = (u[0].clone(), u[1].clone(), u[2].clone());
        let group = idp
            .create_group(group_body("Support", &[a.clone(), b.clone()]))
            .await;
        let events = idp.new_events().await;
        let names = summaries(&events);
        assert_eq!(names[3], "group.created Support", "{names:?}");
        assert_eq!(
            sorted(names[4..].to_vec()),
            [
                "group.user_added Support put0000@example.com",
                "group.user_added Support put0001@example.com"
            ]
        );
        assert_eq!(
            events.last().expect("event")["data"]["group"]["member_count"],
            2
        );

        let put = group_body("Support", &[b.clone(), c.clone()]);
        let (_, body) = idp
            .expect(
                Method::PUT,
                &format!("/Groups/{group}"),
                Some(put.clone()),
                200,
            )
            .await;
        assert_eq!(member_ids(&body), ids(&[&b, &c]), "{body}");
        let events = idp.new_events().await;
        assert_eq!(
            sorted(summaries(&events)),
            [
                "group.user_added Support put0002@example.com",
                "group.user_removed Support put0000@example.com"
            ]
        );
        assert_eq!(
            events.last().expect("event")["data"]["group"]["member_count"],
            2
        );
        assert_eq!(
            member_ids(&idp.get(&format!("/Groups/{group}")).await),
            ids(&[&b, &c])
        );

        idp.expect(Method::PUT, &format!("/Groups/{group}"), Some(put), 200)
            .await;
        idp.expect_quiet("the same PUT again").await;

        let renamed = group_body("Customer Support", &[b.clone(), c.clone()]);
        idp.expect(Method::PUT, &format!("/Groups/{group}"), Some(renamed), 200)
            .await;
        let events = idp.new_events().await;
        assert_eq!(summaries(&events), ["group.updated Customer Support"]);
        assert_eq!(events[0]["previous_attributes"]["name"], "Support");
        assert_eq!(events[0]["data"]["member_count"], 2);

        let emptied = group_body("Customer Support", &[]);
        let (_, body) = idp
            .expect(Method::PUT, &format!("/Groups/{group}"), Some(emptied), 200)
            .await;
        assert_eq!(member_ids(&body), Vec::<String>::new());
        let events = idp.new_events().await;
        assert_eq!(events.len(), 2);
        assert!(all_of_type(&events, "group.user_removed"));
        assert_eq!(
            events.last().expect("event")["data"]["group"]["member_count"],
            0
        );
        app.shutdown().await;
    }
}

#[tokio::test]
async fn an_unknown_member_is_refused_and_nothing_is_written() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let mut idp = connect(&app).await;
        let u = create_users(&idp, "known", 2).await;
        let group = idp.create_group(group_body("Known", &[u[0].clone()])).await;
        idp.new_events().await;
        let (headers, _) = idp
            .expect(Method::GET, &format!("/Groups/{group}"), None, 200)
            .await;
        let etag = headers["etag"].clone();
        let ghost = "user_01J0000000000000000GHOST".to_owned();

        let (status, _, err) = idp
            .send(
                Method::PATCH,
                &format!("/Groups/{group}"),
                Some(patch(json!([{"op": "add", "path": "members", "value": [{"value": u[1]}, {"value": ghost}]}]))),
            )
            .await;
        assert_eq!(
            (status, err["scimType"].as_str()),
            (400, Some("invalidValue")),
            "{err}"
        );
        assert!(
            s(&err["detail"]).contains(&ghost),
            "the detail names the unknown id: {err}"
        );
        let (headers, got) = idp
            .expect(Method::GET, &format!("/Groups/{group}"), None, 200)
            .await;
        assert_eq!(
            member_ids(&got),
            ids(&[&u[0]]),
            "the known user was not added either"
        );
        assert_eq!(headers["etag"], etag, "version unchanged");

        let (status, _, err) = idp
            .send(
                Method::PUT,
                &format!("/Groups/{group}"),
                Some(group_body("Renamed", &[u[1].clone(), ghost.clone()])),
            )
            .await;
        assert_eq!(
            (status, err["scimType"].as_str()),
            (400, Some("invalidValue")),
            "{err}"
        );
        let got = idp.get(&format!("/Groups/{group}")).await;
        assert_eq!(
            got["displayName"], "Known",
            "the rename in the refused PUT was not kept"
        );
        assert_eq!(member_ids(&got), ids(&[&u[0]]));

        let (status, _, err) = idp
            .send(
                Method::POST,
                "/Groups",
                Some(group_body("Ghosts", std::slice::from_ref(&ghost))),
            )
            .await;
        assert_eq!(
            (status, err["scimType"].as_str()),
            (400, Some("invalidValue")),
            "{err}"
        );
        let list = idp
            .get(&format!("/Groups?{}", filter(r#"displayName eq "Ghosts""#)))
            .await;
        assert_eq!(list["totalResults"], 0, "no group left behind: {list}");
        idp.expect_quiet("refused writes").await;
        app.shutdown().await;
    }
}

#[tokio::test]
async fn a_group_display_name_is_unique_in_its_directory() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let mut idp = connect(&app).await;
        idp.create_group(group_body("Engineering", &[])).await;
        let other = idp.create_group(group_body("Design", &[])).await;
        idp.new_events().await;
        for name in ["Engineering", "ENGINEERING"] {
            let (status, _, err) = idp
                .send(Method::POST, "/Groups", Some(group_body(name, &[])))
                .await;
            assert_eq!(
                (status, err["scimType"].as_str()),
                (409, Some("uniqueness")),
                "{name}: {err}"
            );
        }
        let (status, _, err) = idp
            .send(
                Method::PATCH,
                &format!("/Groups/{other}"),
                Some(patch(
                    json!([{"op": "replace", "path": "displayName", "value": "engineering"}]),
                )),
            )
            .await;
        assert_eq!(
            (status, err["scimType"].as_str()),
            (409, Some("uniqueness")),
            "{err}"
        );
        assert_eq!(
            idp.get(&format!("/Groups/{other}")).await["displayName"],
            "Design"
        );
        idp.expect_quiet("refused duplicates").await;
        // Another directory may use the same name.
        let elsewhere = connect(&app).await;
        elsewhere.create_group(group_body("Engineering", &[])).await;
        app.shutdown().await;
    }
}

#[tokio::test]
async fn concurrent_member_patches_lose_nothing() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let mut idp = connect(&app).await;
        let users = create_users(&idp, "racer", 160).await;
        let group = idp.create_group(group_body("Racers", &[])).await;
        idp.new_events().await;
        let path = format!("/Groups/{group}");

        let adds = users.chunks(10).map(|chunk| {
            let body =
                patch(json!([{"op": "add", "path": "members", "value": members_value(chunk)}]));
            idp.send(Method::PATCH, &path, Some(body))
        });
        for (status, _, body) in join_all(adds).await {
            assert!(status == 200 || status == 204, "{status}: {body}");
        }
        let got = idp.get(&path).await;
        assert_eq!(
            got["members"].as_array().map(Vec::len),
            Some(160),
            "no lost update"
        );
        let events = idp.new_events().await;
        assert_eq!(events.len(), 160);
        assert!(all_of_type(&events, "group.user_added"));
        assert_eq!(user_ids_of(&events).len(), 160);
        // Each request's events carry the count after it: 10, 20, … 160, ten of each.
        let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
        for e in &events {
            *counts
                .entry(e["data"]["group"]["member_count"].as_i64().unwrap_or(-1))
                .or_default() += 1;
        }
        let expected: BTreeMap<i64, usize> = (1..=16).map(|i| (i * 10, 10)).collect();
        assert_eq!(counts, expected, "member counts seen by the events");

        let removes = users.chunks(10).map(|chunk| {
            let ops: Vec<Value> = chunk
                .iter()
                .map(|u| json!({"op": "remove", "path": format!("members[value eq \"{u}\"]")}))
                .collect();
            idp.send(Method::PATCH, &path, Some(patch(Value::Array(ops))))
        });
        for (status, _, body) in join_all(removes).await {
            assert!(status == 200 || status == 204, "{status}: {body}");
        }
        assert_eq!(member_ids(&idp.get(&path).await), Vec::<String>::new());
        let events = idp.new_events().await;
        assert_eq!(events.len(), 160);
        assert!(all_of_type(&events, "group.user_removed"));
        assert_eq!(
            events.last().expect("event")["data"]["group"]["member_count"],
            0
        );
        app.shutdown().await;
    }
}

#[tokio::test]
async fn concurrent_attribute_patches_to_one_user_lose_nothing() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let mut idp = connect(&app).await;
        let user = idp
            .create_user(user_body("contended@example.com", "Con"))
            .await;
        idp.new_events().await;
        let attributes: Vec<(String, String)> = [
            "title",
            "nickName",
            "locale",
            "timezone",
            "preferredLanguage",
            "profileUrl",
            "userType",
            "displayName",
            "name.middleName",
            "name.honorificPrefix",
            "name.honorificSuffix",
        ]
        .iter()
        .map(|a| ((*a).to_owned(), format!("v-{a}")))
        .chain(
            [
                "employeeNumber",
                "costCenter",
                "organization",
                "division",
                "department",
            ]
            .iter()
            .map(|a| (format!("{ENTERPRISE}:{a}"), format!("v-{a}"))),
        )
        .collect();
        assert_eq!(attributes.len(), 16);
        let path = format!("/Users/{user}");
        let writes = attributes.iter().map(|(attr, value)| {
            idp.send(
                Method::PATCH,
                &path,
                Some(patch(
                    json!([{"op": "replace", "path": attr, "value": value}]),
                )),
            )
        });
        for (status, _, body) in join_all(writes).await {
            assert_eq!(status, 200, "{body}");
        }
        let (headers, got) = idp.expect(Method::GET, &path, None, 200).await;
        for (attr, value) in &attributes {
            let found = if let Some(ext) = attr.strip_prefix(&format!("{ENTERPRISE}:")) {
                &got[ENTERPRISE][ext]
            } else if let Some(sub) = attr.strip_prefix("name.") {
                &got["name"][sub]
            } else {
                &got[attr.as_str()]
            };
            assert_eq!(found, value, "{attr} lost: {got}");
        }
        assert_eq!(got["name"]["givenName"], "Con", "untouched attributes stay");
        assert_eq!(
            headers["etag"], "W/\"17\"",
            "sixteen versions on top of the first"
        );
        let events = idp.new_events().await;
        assert_eq!(events.len(), 16);
        assert!(all_of_type(&events, "user.updated"));
        app.shutdown().await;
    }
}

#[tokio::test]
async fn a_stale_if_match_is_refused_with_412() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let mut idp = connect(&app).await;
        let u = create_users(&idp, "etag", 1).await;
        let group = idp.create_group(group_body("Versioned", &[])).await;
        let path = format!("/Groups/{group}");
        let (headers, _) = idp.expect(Method::GET, &path, None, 200).await;
        let fresh = headers["etag"].to_str().expect("etag").to_owned();
        assert_eq!(fresh, "W/\"1\"");
        idp.new_events().await;

        let add = patch(json!([{"op": "add", "path": "members", "value": [{"value": u[0]}]}]));
        let (status, _, err) = idp
            .send_with(
                Method::PATCH,
                &path,
                Some(add.clone()),
                &[("If-Match", "W/\"9\"")],
            )
            .await;
        assert_eq!(status, 412, "{err}");
        let (status, _, err) = idp
            .send_with(
                Method::PUT,
                &path,
                Some(group_body("Renamed", &[])),
                &[("If-Match", "W/\"9\"")],
            )
            .await;
        assert_eq!(status, 412, "{err}");
        let (status, _, err) = idp
            .send_with(Method::DELETE, &path, None, &[("If-Match", "W/\"9\"")])
            .await;
        assert_eq!(status, 412, "{err}");
        let (status, _, err) = idp
            .send_with(
                Method::PATCH,
                &format!("/Users/{}", u[0]),
                Some(patch(
                    json!([{"op": "replace", "path": "title", "value": "x"}]),
                )),
                &[("If-Match", "W/\"9\"")],
            )
            .await;
        assert_eq!(status, 412, "{err}");
        let got = idp.get(&path).await;
        assert_eq!(
            (got["displayName"].as_str(), member_ids(&got).len()),
            (Some("Versioned"), 0)
        );
        idp.expect_quiet("refused conditional writes").await;

        // The current ETag goes through, and then it is stale.
        let (status, _, _) = idp
            .send_with(
                Method::PATCH,
                &path,
                Some(add),
                &[("If-Match", fresh.as_str())],
            )
            .await;
        assert!(status == 200 || status == 204, "{status}");
        assert_eq!(idp.new_events().await.len(), 1);
        let (status, _, _) = idp
            .send_with(
                Method::PUT,
                &path,
                Some(group_body("Renamed", &[])),
                &[("If-Match", fresh.as_str())],
            )
            .await;
        assert_eq!(status, 412, "the ETag moved with the membership change");
        app.shutdown().await;
    }
}

/// Deleting a user who is a member ends its memberships: the group's count, events and ETag
/// follow, under both deactivation policies.
#[tokio::test]
async fn deleting_a_member_updates_its_groups() {
    for engine in engines() {
        let mut failures = Vec::new();
        for policy in ["suspend", "delete"] {
            let app = TestApp::spawn(&engine).await;
            let mut idp = connect(&app).await;
            idp.settings(json!({"deactivation_policy": policy})).await;
            let u = create_users(&idp, "leaver", 2).await;
            let group = idp.create_group(group_body("Leavers", &u)).await;
            idp.new_events().await;
            let path = format!("/Groups/{group}");
            let (headers, _) = idp.expect(Method::GET, &path, None, 200).await;
            let etag = headers["etag"].clone();

            idp.expect(Method::DELETE, &format!("/Users/{}", u[0]), None, 204)
                .await;
            let events = idp.new_events().await;
            let expected_user_event = if policy == "delete" {
                "user.deleted"
            } else {
                "user.deactivated"
            };
            assert_eq!(
                summaries(&events),
                [
                    "group.user_removed Leavers leaver0000@example.com".to_owned(),
                    format!("{expected_user_event} leaver0000@example.com")
                ],
                "{policy}"
            );
            assert_eq!(events[0]["data"]["group"]["member_count"], 1, "{policy}");
            let (headers, got) = idp.expect(Method::GET, &path, None, 200).await;
            assert_eq!(member_ids(&got), ids(&[&u[1]]), "{policy}");
            if headers["etag"] == etag {
                failures.push(format!(
                    "{policy}: the group's members changed but its ETag stayed {etag:?}"
                ));
            }

            // The stored count is right too: the next group event shows it.
            idp.patch_ok(
                &path,
                patch(json!([{"op": "replace", "path": "displayName", "value": "Stayers"}])),
            )
            .await;
            let events = idp.new_events().await;
            assert_eq!(summaries(&events), ["group.updated Stayers"], "{policy}");
            if events[0]["data"]["member_count"] != 1 {
                failures.push(format!(
                    "{policy}: member_count {} after a member was deleted, expected 1",
                    events[0]["data"]["member_count"]
                ));
            }
            app.shutdown().await;
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }
}

/// The vendor pre-creates an app group; Okta's "Push Groups → link group" finds it by name,
/// takes it over (PUT with its own externalId) and pushes members; `app_group_key` rides on
/// every event of the group. Names and keys are unique per directory.
#[tokio::test]
async fn an_app_group_is_linked_by_the_idp_and_its_key_rides_on_its_events() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let mut idp = connect(&app).await;
        let dir = idp.directory_id.clone();
        let groups_path = format!("/api/v1/directories/{dir}/groups");
        let created = app
            .expect(
                Method::POST,
                &groups_path,
                Some(json!({"name": "Engineering", "app_group_key": "team-eng"})),
                201,
            )
            .await;
        assert_eq!(created["object"], "group");
        assert_eq!(created["app_group_key"], "team-eng");
        assert_eq!(created["member_count"], 0);
        let group_id = s(&created["id"]).to_owned();

        // Same name in another case, or the same key: 409. Blank fields: 422. Unknown: 404.
        for body in [
            json!({"name": "ENGINEERING", "app_group_key": "other"}),
            json!({"name": "Platform", "app_group_key": "team-eng"}),
        ] {
            let (status, err) = app.api(Method::POST, &groups_path, Some(body)).await;
            assert_eq!(status, 409, "{err}");
            assert_eq!(err["error"]["code"], "conflict");
        }
        let (status, err) = app
            .api(
                Method::POST,
                &groups_path,
                Some(json!({"name": " ", "app_group_key": ""})),
            )
            .await;
        assert_eq!(status, 422, "{err}");
        let (status, _) = app
            .api(
                Method::POST,
                "/api/v1/directories/directory_00000000000000000000000000000000/groups",
                Some(json!({"name": "X", "app_group_key": "x"})),
            )
            .await;
        assert_eq!(status, 404);

        // Okta looks the group up by name before pushing it, finds the app group and links.
        let found = idp
            .lookup("Groups", "displayName eq \"Engineering\"", "")
            .await;
        assert_eq!(found["totalResults"], 1, "{found}");
        assert_eq!(found["Resources"][0]["id"], group_id.as_str());
        let ada = idp.create_user(user_body("ada@example.com", "Ada")).await;
        let (_, put) = idp
            .expect(
                Method::PUT,
                &format!("/Groups/{group_id}"),
                Some(json!({
                    "schemas": [GROUP_URN], "id": group_id, "externalId": "00g-okta-eng",
                    "displayName": "Engineering", "members": [{"value": ada}]
                })),
                200,
            )
            .await;
        assert_eq!(member_ids(&put), vec![ada.clone()]);

        let events = idp.new_events().await;
        let of_group: Vec<&Value> = events
            .iter()
            .filter(|e| {
                e["data"]["id"] == group_id.as_str()
                    || e["data"]["group"]["id"] == group_id.as_str()
            })
            .collect();
        let kinds: Vec<&str> = of_group.iter().filter_map(|e| e["type"].as_str()).collect();
        assert_eq!(
            kinds,
            vec!["group.created", "group.updated", "group.user_added"],
            "{events:?}"
        );
        for e in &of_group {
            let group = if e["data"]["group"].is_object() {
                &e["data"]["group"]
            } else {
                &e["data"]
            };
            assert_eq!(group["app_group_key"], "team-eng", "{e}");
        }
        assert_eq!(of_group[1]["data"]["idp_id"], "00g-okta-eng");
        app.shutdown().await;
    }
}
