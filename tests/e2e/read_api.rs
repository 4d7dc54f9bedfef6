//! The read API over the normalized state: paging, filters, a user's groups and a group's users,
//! tenant walls, the `delete` policy rule, bad parameters, and the snapshot → stream hand-off
//! through `as_of_sequence` and `GET /events?after_sequence=`. (The full "events rebuild the read
//! API" property is `replay.rs`.)

use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::{json, Value};

use crate::scim_idps::{patch, s, Idp, GROUP_URN};

const UA: &str = "Okta SCIM Client 1.0.0";

fn user(name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "name": {"givenName": name, "familyName": "Reader"},
        "emails": [{"value": name, "primary": true}],
        "active": true,
    })
}

fn ids(items: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|i| s(&i["id"]).to_owned()).collect();
    v.sort();
    v
}

/// Every item of a list, `limit` at a time; asserts each page's shape.
async fn walk(app: &TestApp, path: &str, limit: u64) -> (Vec<Value>, i64) {
    let mut items = Vec::new();
    let mut after = String::new();
    let mut first_sequence = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let page = app
            .expect(
                Method::GET,
                &format!("{path}{sep}limit={limit}{after}"),
                None,
                200,
            )
            .await;
        let data = page["data"].as_array().expect("data").clone();
        assert!(data.len() as u64 <= limit, "{page}");
        let sequence = page["as_of_sequence"].as_i64().expect("as_of_sequence");
        first_sequence.get_or_insert(sequence);
        items.extend(data);
        match page["next_cursor"].as_str() {
            Some(c) => after = format!("&after={c}"),
            None => return (items, first_sequence.unwrap_or_default()),
        }
    }
}

#[tokio::test]
async fn the_read_api_pages_filters_and_hands_over_to_the_event_stream() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Readers").await;
        let mut okta = Idp::connect(&app, s(&org["id"]), "okta", UA).await;
        let other = Idp::connect(&app, s(&org["id"]), "okta", UA).await;
        let base = format!("/api/v1/directories/{}", okta.directory_id);

        let mut users = Vec::new();
        for i in 0..7 {
            users.push(okta.create_user(user(&format!("r{i}@read.example"))).await);
        }
        let team = okta
            .create_group(json!({"schemas": [GROUP_URN], "displayName": "Team",
                "members": [{"value": users[0]}, {"value": users[1]}, {"value": users[2]}]}))
            .await;
        okta.patch_ok(
            &format!("/Users/{}", users[6]),
            patch(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
        let stranger = other.create_user(user("stranger@read.example")).await;
        let strangers_group = other
            .create_group(
                json!({"schemas": [GROUP_URN], "displayName": "Elsewhere", "members": []}),
            )
            .await;

        // Paging walks every user once, 3 at a time; each user is the event shape, groups
        // included.
        let (all, as_of) = walk(&app, &format!("{base}/users"), 3).await;
        let mut expected = users.clone();
        expected.sort();
        assert_eq!(ids(&all), expected);
        let first = all.iter().find(|u| u["id"] == users[0]).expect("user 0");
        assert_eq!(first["groups"], json!([{"id": team, "name": "Team"}]));
        assert_eq!(first["user_name"], "r0@read.example");
        let events = app
            .all_events(&format!("&directory_id={}", okta.directory_id))
            .await;
        assert_eq!(
            as_of,
            events.last().expect("events")["sequence"]
                .as_i64()
                .expect("sequence"),
            "as_of_sequence is the directory's last event"
        );

        // Filters.
        let (inactive, _) = walk(&app, &format!("{base}/users?state=inactive"), 100).await;
        assert_eq!(ids(&inactive), vec![users[6].clone()]);
        let (members, _) = walk(&app, &format!("{base}/users?group_id={team}"), 2).await;
        assert_eq!(ids(&members), {
            let mut m = users[..3].to_vec();
            m.sort();
            m
        });
        let cutoff =
            s(&all.iter().find(|u| u["id"] == users[6]).expect("u6")["updated_at"]).to_owned();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        okta.patch_ok(
            &format!("/Users/{}", users[3]),
            patch(json!([{"op": "replace", "path": "name.familyName", "value": "Changed"}])),
        )
        .await;
        let (recent, _) = walk(
            &app,
            &format!("{base}/users?updated_after={}", cutoff.replace('+', "%2B")),
            100,
        )
        .await;
        assert!(ids(&recent).contains(&users[3]), "{recent:?}");
        assert!(!ids(&recent).contains(&users[0]), "{recent:?}");

        // One user, its groups; one group, its users.
        let one = app
            .expect(
                Method::GET,
                &format!("{base}/users/{}", users[1]),
                None,
                200,
            )
            .await;
        assert_eq!(one["id"], users[1]);
        let (groups, _) = walk(&app, &format!("{base}/users/{}/groups", users[1]), 10).await;
        assert_eq!(ids(&groups), vec![team.clone()]);
        let group = app
            .expect(Method::GET, &format!("{base}/groups/{team}"), None, 200)
            .await;
        assert_eq!(group["member_count"], 3);
        let (group_users, _) = walk(&app, &format!("{base}/groups/{team}/users"), 1).await;
        assert_eq!(group_users.len(), 3);

        // Tenant walls: another directory's user or group is not found here.
        for path in [
            format!("{base}/users/{stranger}"),
            format!("{base}/users/{stranger}/groups"),
            format!("{base}/groups/{strangers_group}"),
            format!("{base}/groups/{strangers_group}/users"),
            format!("{base}/users?group_id={strangers_group}"),
            "/api/v1/directories/directory_nope/users".to_owned(),
        ] {
            let (status, body) = app.api(Method::GET, &path, None).await;
            assert_eq!(status.as_u16(), 404, "{path}: {body}");
            assert!(!body.to_string().contains("stranger@"), "{body}");
        }

        // Bad parameters: the right 4xx with a message that says what to send.
        for (query, status) in [
            ("limit=0", 422),
            ("limit=1001", 422),
            ("state=gone", 422),
            ("updated_after=yesterday", 422),
            ("after=not-a-cursor", 400),
            ("colour=blue", 400),
        ] {
            let (got, body) = app
                .api(Method::GET, &format!("{base}/users?{query}"), None)
                .await;
            assert_eq!(got.as_u16(), status, "{query}: {body}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{body}"
            );
        }

        // Snapshot, then the stream from its as_of_sequence: exactly the later events.
        let (_, snapshot_at) = walk(&app, &format!("{base}/users"), 100).await;
        okta.new_events().await;
        okta.create_user(user("late@read.example")).await;
        let page = app
            .expect(
                Method::GET,
                &format!(
                    "/api/v1/events?directory_id={}&after_sequence={snapshot_at}",
                    okta.directory_id
                ),
                None,
                200,
            )
            .await;
        let later = page["data"].as_array().expect("data");
        assert_eq!(later.len(), 1, "{page}");
        assert_eq!(later[0]["sequence"], snapshot_at + 1);
        assert_eq!(later[0]["type"], "user.created");
        for (query, status) in [
            (format!("after_sequence={snapshot_at}"), 400),
            (
                format!(
                    "directory_id={}&after_sequence=1&after=0-1",
                    okta.directory_id
                ),
                400,
            ),
        ] {
            let (got, body) = app
                .api(Method::GET, &format!("/api/v1/events?{query}"), None)
                .await;
            assert!(
                got.as_u16() == status || got.as_u16() == 422,
                "{query}: {got} {body}"
            );
        }

        // Under the delete policy an inactive user was deleted for the app: not listed.
        okta.settings(json!({"deactivation_policy": "delete"}))
            .await;
        let (now_listed, _) = walk(&app, &format!("{base}/users"), 100).await;
        assert!(!ids(&now_listed).contains(&users[6]));
        let (status, _) = app
            .api(Method::GET, &format!("{base}/users/{}", users[6]), None)
            .await;
        assert_eq!(status.as_u16(), 404);
        app.shutdown().await;
    }
}
