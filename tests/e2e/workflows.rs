//! The seed workflows of issue 6, end to end over HTTP: what the vendor's app receives when an
//! IdP admin sets up provisioning the way each of the original Okta setup guides describes.
//!
//! - Holistics: userName = email, push users and profile updates, push groups with group→role
//!   mappings and a default role.
//! - Haystack: manager through the enterprise extension, a custom extension URN with
//!   `joinDate`/`photoUrl`, typed attribute mappings.
//! - Scalekit: create, update and deactivate with push groups.
//! - Haiilo: deactivation that deletes, an attribute mapping, 1,000 previously assigned users
//!   pushed at once.

use futures_util::StreamExt;
use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::{json, Value};

use crate::scim_idps::{patch, s, summaries, Idp, ENTERPRISE, GROUP_URN};

const OKTA_UA: &str = "Okta SCIM Client 1.0.0";
const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const HAYSTACK: &str = "urn:ietf:params:scim:schemas:extension:haystack:1.0:User";

fn okta_user(email: &str, first: &str, last: &str) -> Value {
    json!({
        "schemas": [USER_URN],
        "userName": email,
        "name": {"givenName": first, "familyName": last},
        "emails": [{"primary": true, "value": email, "type": "work"}],
        "displayName": format!("{first} {last}"),
        "externalId": format!("00u{}", email.len()),
        "active": true,
        "groups": [],
        "password": "Sup3r-secret!",
    })
}

fn add_members(ids: &[&str]) -> Value {
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    patch(json!([{"op": "add", "path": "members", "value": members}]))
}

fn remove_member(id: &str) -> Value {
    patch(json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]))
}

/// The events of one type, by user name.
fn of_type<'a>(events: &'a [Value], t: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == t).collect()
}

#[tokio::test]
async fn holistics_push_groups_with_role_mappings_and_a_default_role() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Holistics customer").await;
        let mut okta = Idp::connect(&app, s(&org["id"]), "okta", OKTA_UA).await;

        // Before the first sync the vendor designates the admin role: the directory warns that
        // no mapping grants it, so nobody gets locked out unnoticed.
        okta.settings(json!({"default_role": "viewer", "admin_role": "admin"}))
            .await;
        let directory = app
            .expect(
                Method::GET,
                &format!("/api/v1/directories/{}", okta.directory_id),
                None,
                200,
            )
            .await;
        assert_eq!(directory["warnings"], json!(["no_admin_role_mapping"]));
        okta.settings(json!({"role_mappings": [
            {"group": "Holistics Admins", "role": "admin", "priority": 10},
            {"group": "Analysts", "role": "editor", "priority": 5},
        ]}))
        .await;
        let directory = app
            .expect(
                Method::GET,
                &format!("/api/v1/directories/{}", okta.directory_id),
                None,
                200,
            )
            .await;
        assert_eq!(directory["warnings"], json!([]));
        okta.new_events().await;

        // Push users (userName = email): the default role.
        let ada = okta
            .create_user(okta_user("ada@holistics.example", "Ada", "Lovelace"))
            .await;
        let bob = okta
            .create_user(okta_user("bob@holistics.example", "Bob", "Builder"))
            .await;
        let created = okta.new_events().await;
        assert_eq!(created.len(), 2, "{:?}", summaries(&created));
        for e in &created {
            assert_eq!(e["type"], "user.created");
            assert_eq!(e["data"]["role"], "viewer", "{e}");
            assert_eq!(e["data"]["roles"], json!(["viewer"]));
        }

        // Push groups: membership of a mapped group changes the role, as user.updated with
        // the previous role, after the membership event.
        let admins = okta
            .create_group(
                json!({"schemas": [GROUP_URN], "displayName": "Holistics Admins", "members": []}),
            )
            .await;
        let analysts = okta
            .create_group(json!({"schemas": [GROUP_URN], "displayName": "Analysts", "members": []}))
            .await;
        okta.patch_ok(&format!("/Groups/{admins}"), add_members(&[&ada]))
            .await;
        okta.patch_ok(&format!("/Groups/{analysts}"), add_members(&[&ada, &bob]))
            .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            vec![
                "group.created Holistics Admins",
                "group.created Analysts",
                "group.user_added Holistics Admins ada@holistics.example",
                "user.updated ada@holistics.example",
                "group.user_added Analysts ada@holistics.example",
                "group.user_added Analysts bob@holistics.example",
                "user.updated ada@holistics.example",
                "user.updated bob@holistics.example",
            ]
        );
        let updates = of_type(&events, "user.updated");
        assert_eq!(updates[0]["data"]["role"], "admin");
        assert_eq!(updates[0]["data"]["roles"], json!(["admin"]));
        assert_eq!(
            updates[0]["previous_attributes"],
            json!({"role": "viewer", "roles": ["viewer"]})
        );
        // In both groups: the highest priority wins, roles lists all.
        assert_eq!(updates[1]["data"]["role"], "admin");
        assert_eq!(updates[1]["data"]["roles"], json!(["admin", "editor"]));
        assert_eq!(
            updates[1]["previous_attributes"],
            json!({"roles": ["admin"]})
        );
        assert_eq!(updates[2]["data"]["role"], "editor");
        assert_eq!(
            updates[2]["data"]["groups"],
            json!([{"id": analysts, "name": "Analysts"}])
        );

        // Membership of an unmapped group changes no role: no user.updated.
        let sales = okta
            .create_group(json!({"schemas": [GROUP_URN], "displayName": "Sales", "members": []}))
            .await;
        okta.patch_ok(&format!("/Groups/{sales}"), add_members(&[&bob]))
            .await;
        assert_eq!(
            summaries(&okta.new_events().await),
            vec![
                "group.created Sales",
                "group.user_added Sales bob@holistics.example"
            ]
        );

        // Profile update (PUT with the whole user): one user.updated, the role kept.
        let mut changed = okta_user("ada@holistics.example", "Ada", "King");
        changed["id"] = json!(ada);
        okta.expect(
            Method::PUT,
            &format!("/Users/{ada}"),
            Some(changed.clone()),
            200,
        )
        .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            vec!["user.updated ada@holistics.example"]
        );
        assert_eq!(events[0]["data"]["role"], "admin");
        assert_eq!(events[0]["previous_attributes"]["last_name"], "Lovelace");
        // The same PUT again changes nothing and emits nothing.
        okta.expect(Method::PUT, &format!("/Users/{ada}"), Some(changed), 200)
            .await;
        okta.expect_quiet("an unchanged re-push").await;

        // Leaving the admin group drops the admin role.
        okta.patch_ok(&format!("/Groups/{admins}"), remove_member(&ada))
            .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            vec![
                "group.user_removed Holistics Admins ada@holistics.example",
                "user.updated ada@holistics.example"
            ]
        );
        assert_eq!(events[1]["data"]["role"], "editor");
        assert_eq!(
            events[1]["previous_attributes"],
            json!({"role": "admin", "roles": ["admin", "editor"]})
        );

        // Renaming a mapped group away from its mapping takes the role with it.
        okta.patch_ok(
            &format!("/Groups/{analysts}"),
            patch(json!([{"op": "replace", "value": {"id": analysts, "displayName": "Former Analysts"}}])),
        )
        .await;
        let events = okta.new_events().await;
        assert_eq!(
            sorted_summaries(&events),
            vec![
                "group.updated Former Analysts",
                "user.updated ada@holistics.example",
                "user.updated bob@holistics.example",
            ]
        );
        for e in of_type(&events, "user.updated") {
            assert_eq!(e["data"]["role"], "viewer", "{e}");
        }

        // The vendor maps the renamed group: every member is recomputed at once.
        okta.settings(json!({"role_mappings": [
            {"group": "Holistics Admins", "role": "admin", "priority": 10},
            {"group": analysts, "role": "analyst", "priority": 1},
        ]}))
        .await;
        let events = okta.new_events().await;
        assert_eq!(
            sorted_summaries(&events),
            vec![
                "directory.updated ?",
                "user.updated ada@holistics.example",
                "user.updated bob@holistics.example",
            ]
        );
        for e in of_type(&events, "user.updated") {
            assert_eq!(e["data"]["role"], "analyst", "{e}");
            assert_eq!(e["previous_attributes"]["role"], "viewer", "{e}");
        }

        // Deleting the group ends the memberships and the role.
        okta.expect(Method::DELETE, &format!("/Groups/{analysts}"), None, 204)
            .await;
        let events = okta.new_events().await;
        assert_eq!(
            sorted_summaries(&events),
            vec![
                "group.deleted Former Analysts",
                "group.user_removed Former Analysts ada@holistics.example",
                "group.user_removed Former Analysts bob@holistics.example",
                "user.updated ada@holistics.example",
                "user.updated bob@holistics.example",
            ]
        );
        assert_eq!(events.last().expect("events")["type"], "group.deleted");
        for e in of_type(&events, "user.updated") {
            assert_eq!(e["data"]["role"], "viewer", "{e}");
        }
        app.shutdown().await;
    }
}

fn sorted_summaries(events: &[Value]) -> Vec<String> {
    let mut v = summaries(events);
    v.sort();
    v
}

#[tokio::test]
async fn haystack_manager_custom_extension_and_typed_mappings() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Haystack customer").await;
        let mut okta = Idp::connect(&app, s(&org["id"]), "okta", OKTA_UA).await;
        okta.settings(json!({"attribute_mappings": [
            {"source": format!("{HAYSTACK}:joinDate"), "target": "join_date", "type": "date"},
            {"source": format!("{HAYSTACK}:photoUrl"), "target": "photo_url"},
            {"source": format!("{ENTERPRISE}:employeeNumber"), "target": "employee_number", "type": "integer"},
        ]}))
        .await;

        // What the directory's users are made of, as the vendor can publish it.
        let attributes = app
            .expect(
                Method::GET,
                &format!("/api/v1/directories/{}/attributes", okta.directory_id),
                None,
                200,
            )
            .await;
        let mapped = attributes["mapped"].as_array().expect("mapped");
        let find = |target: &str| {
            mapped
                .iter()
                .find(|m| m["target"] == target)
                .unwrap_or_else(|| panic!("{target} in {attributes}"))
        };
        assert_eq!(find("join_date")["type"], "date");
        assert_eq!(find("join_date")["origin"], "directory");
        assert_eq!(find("employee_number")["type"], "integer");
        assert_eq!(find("employee_number")["origin"], "directory");
        assert_eq!(find("department")["origin"], "provider_default");
        assert_eq!(find("job_title")["source"], "title");
        assert_eq!(
            mapped
                .iter()
                .filter(|m| m["target"] == "employee_number")
                .count(),
            1,
            "a directory mapping replaces the default with the same target"
        );
        let supported = attributes["supported"].as_array().expect("supported");
        let join_date = supported
            .iter()
            .find(|a| a["path"] == format!("{HAYSTACK}:joinDate"))
            .unwrap_or_else(|| panic!("the custom URN is supported: {attributes}"));
        assert_eq!(join_date["mapped_to"], json!(["join_date"]));
        assert!(supported.iter().any(|a| a["path"] == "name.givenName"));
        assert!(
            !supported.iter().any(|a| a["path"] == "password"),
            "write-only attributes are not mappable"
        );
        assert!(attributes["standard"]
            .as_array()
            .expect("standard")
            .iter()
            .any(|a| a["key"] == "manager_id"));
        okta.new_events().await;

        // A report arrives before its manager, who is named by the IdP's id.
        let mut report = okta_user("rue@haystack.example", "Rue", "Report");
        report["schemas"] = json!([USER_URN, ENTERPRISE, HAYSTACK]);
        report["title"] = json!("Engineer");
        report[ENTERPRISE] = json!({
            "employeeNumber": "40117", "department": "R&D",
            "manager": {"value": "00u-manager-1"},
        });
        report[HAYSTACK] =
            json!({"joinDate": "2024-03-01T09:00:00Z", "photoUrl": "https://img.example/rue.png"});
        let rue = okta.create_user(report.clone()).await;
        let events = okta.new_events().await;
        let data = &events[0]["data"];
        assert_eq!(data["manager_id"], Value::Null);
        assert_eq!(
            data["custom_attributes"],
            json!({
                "job_title": "Engineer", "department": "R&D", "employee_number": 40117,
                "join_date": "2024-03-01", "photo_url": "https://img.example/rue.png",
            })
        );
        let mut manager = okta_user("mia@haystack.example", "Mia", "Manager");
        manager["externalId"] = json!("00u-manager-1");
        let mia = okta.create_user(manager).await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            vec![
                "user.created mia@haystack.example",
                "user.updated rue@haystack.example"
            ]
        );
        assert_eq!(events[1]["data"]["manager_id"], mia);

        // A department change: previous_attributes are deep — only the changed custom
        // attribute and raw attribute, not the whole objects.
        okta.patch_ok(
            &format!("/Users/{rue}"),
            patch(json!([{"op": "replace", "path": format!("{ENTERPRISE}:department"), "value": "Platform"}])),
        )
        .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            vec!["user.updated rue@haystack.example"]
        );
        assert_eq!(
            events[0]["previous_attributes"],
            json!({
                "custom_attributes": {"department": "R&D"},
                "raw_attributes": {ENTERPRISE: {"department": "R&D"}},
            })
        );

        // A value that is not of the mapped type is left out, never a failed write.
        okta.patch_ok(
            &format!("/Users/{rue}"),
            patch(json!([{"op": "replace", "path": format!("{HAYSTACK}:joinDate"), "value": "next monday"}])),
        )
        .await;
        let events = okta.new_events().await;
        assert_eq!(
            events[0]["previous_attributes"]["custom_attributes"],
            json!({"join_date": "2024-03-01"})
        );
        assert!(events[0]["data"]["custom_attributes"]
            .get("join_date")
            .is_none());

        // Changing a mapping recomputes every user: the type of employee_number goes back to
        // text.
        okta.settings(json!({"attribute_mappings": [
            {"source": format!("{HAYSTACK}:joinDate"), "target": "join_date", "type": "date"},
            {"source": format!("{HAYSTACK}:photoUrl"), "target": "photo_url"},
        ]}))
        .await;
        let events = okta.new_events().await;
        let updated = of_type(&events, "user.updated");
        assert_eq!(updated.len(), 1, "{:?}", summaries(&events));
        assert_eq!(updated[0]["data"]["id"], rue);
        assert_eq!(
            updated[0]["data"]["custom_attributes"]["employee_number"],
            "40117"
        );
        assert_eq!(
            updated[0]["previous_attributes"],
            json!({"custom_attributes": {"employee_number": 40117}})
        );
        app.shutdown().await;
    }
}

#[tokio::test]
async fn haiilo_delete_policy_keeps_the_app_consistent_with_memberships() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Haiilo customer").await;
        let mut okta = Idp::connect(&app, s(&org["id"]), "okta", OKTA_UA).await;
        okta.settings(json!({
            "deactivation_policy": "delete",
            "attribute_mappings": [{"source": format!("{ENTERPRISE}:employeeNumber"),
                                    "target": "employee_id", "type": "integer"}],
        }))
        .await;
        okta.new_events().await;

        // The app is assigned to 1,000 people at once: Okta pushes them 16 at a time.
        let bodies: Vec<Value> = (0..1000)
            .map(|i| {
                let mut u = okta_user(&format!("p{i:04}@haiilo.example"), "P", &format!("{i}"));
                u["schemas"] = json!([USER_URN, ENTERPRISE]);
                u[ENTERPRISE] = json!({"employeeNumber": format!("{}", 10_000 + i)});
                u
            })
            .collect();
        let statuses: Vec<u16> = futures_util::stream::iter(bodies)
            .map(|body| {
                let okta = &okta;
                async move { okta.send(Method::POST, "/Users", Some(body)).await.0 }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        assert!(statuses.iter().all(|&st| st == 201), "{statuses:?}");
        let created = okta.new_events().await;
        assert_eq!(created.len(), 1000);
        let mut employee_ids: Vec<i64> = created
            .iter()
            .map(|e| {
                assert_eq!(e["type"], "user.created");
                e["data"]["custom_attributes"]["employee_id"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("typed employee_id: {e}"))
            })
            .collect();
        employee_ids.sort_unstable();
        assert_eq!(employee_ids, (10_000..11_000).collect::<Vec<i64>>());
        let list = okta.get("/Users?startIndex=1&count=1").await;
        assert_eq!(list["totalResults"], 1000);

        let ada = okta
            .create_user(okta_user("ada@haiilo.example", "Ada", "L"))
            .await;
        let team = okta
            .create_group(json!({"schemas": [GROUP_URN], "displayName": "Team", "members": []}))
            .await;
        okta.patch_ok(&format!("/Groups/{team}"), add_members(&[&ada]))
            .await;
        okta.new_events().await;

        // Okta deactivates: for this app the user is deleted.
        okta.patch_ok(
            &format!("/Users/{ada}"),
            patch(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
        assert_eq!(
            summaries(&okta.new_events().await),
            vec!["user.deleted ada@haiilo.example"]
        );
        // While it is gone for the app, nothing about it is emitted: not a profile change, not
        // a membership change.
        okta.patch_ok(
            &format!("/Users/{ada}"),
            patch(json!([{"op": "replace", "path": "name.familyName", "value": "Lovelace"}])),
        )
        .await;
        okta.patch_ok(&format!("/Groups/{team}"), remove_member(&ada))
            .await;
        okta.patch_ok(&format!("/Groups/{team}"), add_members(&[&ada]))
            .await;
        let events = okta.new_events().await;
        assert!(
            events.iter().all(|e| e["type"] != "user.updated"
                && !e["type"].as_str().unwrap_or("").starts_with("group.user_")),
            "{:?}",
            summaries(&events)
        );
        // Reactivation is a new user for the app, with its memberships.
        okta.patch_ok(
            &format!("/Users/{ada}"),
            patch(json!([{"op": "replace", "value": {"active": true}}])),
        )
        .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            vec![
                "user.created ada@haiilo.example",
                "group.user_added Team ada@haiilo.example"
            ]
        );
        assert_eq!(events[0]["data"]["last_name"], "Lovelace");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn scalekit_create_update_deactivate_with_push_groups() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Scalekit customer").await;
        let mut okta = Idp::connect(&app, s(&org["id"]), "okta", OKTA_UA).await;
        okta.new_events().await;
        let lee = okta
            .create_user(okta_user("lee@scalekit.example", "Lee", "Chen"))
            .await;
        let eng = okta
            .create_group(json!({"schemas": [GROUP_URN], "displayName": "Engineering",
                                 "members": [{"value": lee, "display": "lee@scalekit.example"}]}))
            .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            vec![
                "user.created lee@scalekit.example",
                "group.created Engineering",
                "group.user_added Engineering lee@scalekit.example",
            ]
        );
        assert_eq!(events[2]["data"]["group"]["member_count"], 1);
        assert_eq!(
            events[2]["data"]["user"]["groups"],
            json!([{"id": eng, "name": "Engineering"}])
        );
        // Update: an email added. previous_attributes holds the old list whole.
        okta.patch_ok(
            &format!("/Users/{lee}"),
            patch(json!([{"op": "add", "path": "emails",
                          "value": [{"value": "lee.chen@scalekit.example", "type": "home"}]}])),
        )
        .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            vec!["user.updated lee@scalekit.example"]
        );
        assert_eq!(
            events[0]["previous_attributes"]["emails"],
            json!([{"value": "lee@scalekit.example", "type": "work", "primary": true}])
        );
        assert_eq!(
            events[0]["data"]["groups"],
            json!([{"id": eng, "name": "Engineering"}])
        );
        // Deactivate (suspend, the default): the user stays, inactive, still in its group.
        okta.patch_ok(
            &format!("/Users/{lee}"),
            patch(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            vec!["user.deactivated lee@scalekit.example"]
        );
        assert_eq!(events[0]["data"]["state"], "inactive");
        assert_eq!(events[0]["previous_attributes"]["state"], "active");
        // Okta then unassigns the user from the pushed group.
        okta.patch_ok(
            &format!("/Groups/{eng}"),
            patch(json!([{"op": "remove", "path": format!("members[value eq \"{lee}\"]")}])),
        )
        .await;
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            vec!["group.user_removed Engineering lee@scalekit.example"]
        );
        assert_eq!(events[0]["data"]["group"]["member_count"], 0);
        app.shutdown().await;
    }
}

/// Another replica changes the settings while this one's cache still holds the old ones (it
/// keeps them up to 2 s): the next SCIM write already follows the new settings, because it
/// reads them again under the directory's lock.
#[tokio::test]
async fn a_scim_write_follows_settings_changed_behind_its_cache() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Two replicas").await;
        let mut okta = Idp::connect(&app, s(&org["id"]), "okta", OKTA_UA).await;
        okta.settings(json!({"default_role": "viewer"})).await;
        // The first request activates the directory; the second fills this replica's cache
        // with the current settings.
        okta.get("/Users?startIndex=1&count=1").await;
        okta.get("/Users?startIndex=1&count=1").await;
        // What another replica's PATCH does: change the row, without evicting our cache.
        let write = app
            .store
            .begin_directory_write(&okta.directory_id)
            .await
            .expect("write");
        let before = write.directory().await.expect("directory");
        let mut settings: roster_core::DirectorySettings =
            serde_json::from_value(before.settings.clone()).expect("settings");
        settings.default_role = Some("member".into());
        write
            .update_directory(
                &before,
                roster_store::directories::DirectoryChange {
                    name: None,
                    enabled: None,
                    settings: Some(settings),
                },
            )
            .await
            .expect("update");
        write.commit().await.expect("commit");
        okta.new_events().await;
        okta.create_user(okta_user("new@replicas.example", "New", "Hire"))
            .await;
        let events = okta.new_events().await;
        assert_eq!(events[0]["data"]["role"], "member", "{}", events[0]);
        app.shutdown().await;
    }
}
