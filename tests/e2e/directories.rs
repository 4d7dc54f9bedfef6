use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::json;

#[tokio::test]
async fn directories_are_created_per_organization_with_validated_input() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Acme").await;
        let org_id = org["id"].as_str().expect("id");
        let path = format!("/api/v1/organizations/{org_id}/directories");

        let created = app
            .expect(
                Method::POST,
                &path,
                Some(json!({"name": "Okta 1.1", "provider": "okta", "scim_version": "1.1"})),
                201,
            )
            .await;
        let directory = &created["directory"];
        assert!(directory["id"]
            .as_str()
            .expect("id")
            .starts_with("directory_"));
        assert_eq!(directory["organization_id"], org_id);
        assert_eq!(directory["state"], "pending");
        assert_eq!(directory["scim_version"], "1.1");
        assert!(directory["scim_base_url"]
            .as_str()
            .expect("url")
            .contains("/scim/v1/directory_"));
        assert_eq!(directory["deactivation_policy"], "suspend");

        let invalid = app
            .expect(
                Method::POST,
                &path,
                Some(json!({"name": "", "provider": "okla", "scim_version": "3"})),
                422,
            )
            .await;
        let fields: Vec<&str> = invalid["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|f| f["field"].as_str())
            .collect();
        assert_eq!(
            fields,
            ["name", "provider", "scim_version"],
            "every problem at once"
        );

        app.expect(
            Method::POST,
            "/api/v1/organizations/org_nothere/directories",
            Some(json!({"name": "x", "provider": "okta"})),
            404,
        )
        .await;
        let list = app.expect(Method::GET, &path, None, 200).await;
        assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
        assert!(list["next_cursor"].is_null());
        app.shutdown().await;
    }
}

#[tokio::test]
async fn settings_updates_emit_directory_updated_with_previous_values() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Acme").await;
        let (directory, _) = app
            .create_directory(org["id"].as_str().expect("id"), "okta")
            .await;
        let id = directory["id"].as_str().expect("id");
        let path = format!("/api/v1/directories/{id}");

        let updated = app
            .expect(
                Method::PATCH,
                &path,
                Some(json!({
                    "seat_limit": 250, "default_role": "viewer", "admin_role": "admin",
                    "deactivation_policy": "delete",
                    "attribute_mappings": [{"source": "urn:ietf:params:scim:schemas:extension:haystack:1.0:User:joinDate", "target": "join_date"}]
                })),
                200,
            )
            .await;
        assert_eq!(updated["seat_limit"], 250);
        assert_eq!(updated["deactivation_policy"], "delete");
        assert_eq!(updated["warnings"], json!(["no_admin_role_mapping"]));

        let mapped = app
            .expect(
                Method::PATCH,
                &path,
                Some(json!({"role_mappings": [{"group": "Holistics Admins", "role": "admin", "priority": 10}], "seat_limit": null})),
                200,
            )
            .await;
        assert_eq!(mapped["warnings"], json!([]));
        assert!(mapped["seat_limit"].is_null());
        assert_eq!(mapped["default_role"], "viewer", "absent fields are kept");

        // A PATCH that changes nothing emits nothing.
        app.expect(
            Method::PATCH,
            &path,
            Some(json!({"default_role": "viewer"})),
            200,
        )
        .await;

        let invalid = app
            .expect(
                Method::PATCH,
                &path,
                Some(json!({"attribute_mappings": [{"source": "title", "target": "job title"}]})),
                422,
            )
            .await;
        assert_eq!(
            invalid["error"]["fields"][0]["field"],
            "attribute_mappings[0].target"
        );

        let events = app.all_events(&format!("&directory_id={id}")).await;
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(events.iter().all(|e| e["type"] == "directory.updated"));
        assert_eq!(events[0]["previous_attributes"]["seat_limit"], json!(null));
        assert_eq!(
            events[0]["previous_attributes"]["deactivation_policy"],
            "suspend"
        );
        assert_eq!(events[1]["previous_attributes"]["seat_limit"], 250);
        assert_eq!(events[1]["previous_attributes"]["role_mappings"], json!([]));
        assert!(
            events[1]["previous_attributes"]
                .get("default_role")
                .is_none(),
            "only what changed"
        );
        assert_eq!(events[1]["data"]["seat_limit"], json!(null));
        assert_eq!(
            (
                events[0]["sequence"].as_i64(),
                events[1]["sequence"].as_i64()
            ),
            (Some(1), Some(2))
        );
        app.shutdown().await;
    }
}

#[tokio::test]
async fn deleting_a_directory_emits_directory_deleted_and_revokes_its_token() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Acme").await;
        let org_id = org["id"].as_str().expect("id");
        let (directory, token) = app.create_directory(org_id, "okta").await;
        let id = directory["id"].as_str().expect("id");
        let spc = format!("/scim/v2/{id}/ServiceProviderConfig");
        assert_eq!(
            app.scim_get(&spc, Some(&format!("Bearer {token}"))).await.0,
            200
        );

        app.expect(
            Method::DELETE,
            &format!("/api/v1/directories/{id}"),
            None,
            204,
        )
        .await;
        app.expect(Method::GET, &format!("/api/v1/directories/{id}"), None, 404)
            .await;
        assert_eq!(
            app.scim_get(&spc, Some(&format!("Bearer {token}"))).await.0,
            401
        );

        let events = app.all_events(&format!("&directory_id={id}")).await;
        let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
        assert_eq!(types, ["directory.activated", "directory.deleted"]);
        assert_eq!(events[1]["data"]["id"], id);
        assert_eq!(events[1]["sequence"], 2);

        // Deleting the organization deletes its remaining directories, each with its event.
        let (other, _) = app.create_directory(org_id, "entra").await;
        let other_id = other["id"].as_str().expect("id");
        app.expect(
            Method::DELETE,
            &format!("/api/v1/organizations/{org_id}"),
            None,
            204,
        )
        .await;
        app.expect(
            Method::GET,
            &format!("/api/v1/directories/{other_id}"),
            None,
            404,
        )
        .await;
        let events = app.all_events(&format!("&directory_id={other_id}")).await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["type"], "directory.deleted");
        app.shutdown().await;
    }
}
