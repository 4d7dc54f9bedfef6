use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

fn spc(directory: &Value) -> String {
    let base = directory["scim_base_url"].as_str().expect("scim_base_url");
    let path = base
        .split_once("/scim/")
        .map(|(_, p)| p)
        .expect("scim path");
    format!("/scim/{path}/ServiceProviderConfig")
}

#[tokio::test]
async fn the_token_is_shown_once_and_never_returned_again() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Acme").await;
        let org_id = org["id"].as_str().expect("id");
        let (directory, token) = app.create_directory(org_id, "okta").await;
        let id = directory["id"].as_str().expect("id");
        assert!(token.len() >= 40, "high-entropy token: {token}");
        assert_eq!(
            directory["scim_base_url"],
            format!("{}/scim/v2/{id}", app.base_url),
            "endpoint URL under the public URL"
        );

        // The IdP uses it (this also activates the directory and emits an event).
        let (status, _) = app
            .scim_get(&spc(&directory), Some(&format!("Bearer {token}")))
            .await;
        assert_eq!(status, 200);
        app.expect(
            Method::PATCH,
            &format!("/api/v1/directories/{id}"),
            Some(json!({"name": "Okta prod"})),
            200,
        )
        .await;

        // No read path returns it again, nor does any event.
        let responses = [
            app.expect(Method::GET, &format!("/api/v1/directories/{id}"), None, 200)
                .await,
            app.expect(
                Method::GET,
                &format!("/api/v1/organizations/{org_id}/directories"),
                None,
                200,
            )
            .await,
            app.expect(Method::GET, "/api/v1/events", None, 200).await,
        ];
        for body in responses {
            let text = body.to_string();
            assert!(!text.contains(&token), "token leaked in {text}");
            assert!(
                !text.contains("token_hash") && !text.contains("$argon2"),
                "hash leaked in {text}"
            );
        }
        // Stored only as an argon2id hash.
        let stored = app
            .store
            .active_directory_tokens(id, chrono_now())
            .await
            .expect("tokens");
        assert_eq!(stored.len(), 1);
        assert!(stored[0].token_hash.starts_with("$argon2id$"));
        assert!(!stored[0].token_hash.contains(&token));
        app.shutdown().await;
    }
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

#[tokio::test]
async fn scim_requests_need_this_directorys_token() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Acme").await;
        let org_id = org["id"].as_str().expect("id");
        let (dir_a, token_a) = app.create_directory(org_id, "okta").await;
        let (dir_b, token_b) = app.create_directory(org_id, "entra").await;

        // Bearer and the bare token (Okta "HTTP Header" auth) both work.
        assert_eq!(
            app.scim_get(&spc(&dir_a), Some(&format!("Bearer {token_a}")))
                .await
                .0,
            200
        );
        assert_eq!(app.scim_get(&spc(&dir_a), Some(&token_a)).await.0, 200);

        // Missing, wrong, and another directory's token: the same 401 SCIM error.
        for auth in [
            None,
            Some("Bearer nope".to_owned()),
            Some(format!("Bearer {token_b}")),
        ] {
            let (status, body) = app.scim_get(&spc(&dir_a), auth.as_deref()).await;
            assert_eq!(status, 401, "{auth:?}: {body}");
            assert_eq!(
                body["schemas"][0],
                "urn:ietf:params:scim:api:messages:2.0:Error"
            );
            assert_eq!(body["status"], "401");
        }
        // An unknown directory answers exactly like a wrong token: nothing leaks.
        let unknown = spc(&dir_b).replace(dir_b["id"].as_str().expect("id"), "directory_0000");
        let (status, body) = app
            .scim_get(&unknown, Some(&format!("Bearer {token_b}")))
            .await;
        assert_eq!(status, 401, "{body}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn rotation_refuses_the_old_token_at_once_and_accepts_the_new_one() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Acme").await;
        let (directory, old) = app
            .create_directory(org["id"].as_str().expect("id"), "okta")
            .await;
        let id = directory["id"].as_str().expect("id");
        assert_eq!(
            app.scim_get(&spc(&directory), Some(&format!("Bearer {old}")))
                .await
                .0,
            200
        );

        let rotated = app
            .expect(
                Method::POST,
                &format!("/api/v1/directories/{id}/token"),
                None,
                200,
            )
            .await;
        let new = rotated["token"].as_str().expect("token").to_owned();
        assert_ne!(new, old);
        assert!(rotated["previous_token_expires_at"].is_null());

        assert_eq!(
            app.scim_get(&spc(&directory), Some(&format!("Bearer {old}")))
                .await
                .0,
            401
        );
        assert_eq!(
            app.scim_get(&spc(&directory), Some(&format!("Bearer {new}")))
                .await
                .0,
            200
        );

        // The directory and its history are kept; the rotation is an event.
        let after = app
            .expect(Method::GET, &format!("/api/v1/directories/{id}"), None, 200)
            .await;
        assert_eq!(after["state"], "active");
        let events = app.all_events(&format!("&directory_id={id}")).await;
        let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
        assert_eq!(types, ["directory.activated", "directory.token_rotated"]);
        assert_eq!(events[1]["data"]["token_suffix"], new[new.len() - 4..]);
        assert!(!events[1].to_string().contains(&new));
        app.shutdown().await;
    }
}

#[tokio::test]
async fn a_grace_period_keeps_the_old_token_working_until_it_ends() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Acme").await;
        let (directory, old) = app
            .create_directory(org["id"].as_str().expect("id"), "entra")
            .await;
        let id = directory["id"].as_str().expect("id");
        let rotated = app
            .expect(
                Method::POST,
                &format!("/api/v1/directories/{id}/token"),
                Some(json!({"grace_seconds": 3})),
                200,
            )
            .await;
        let new = rotated["token"].as_str().expect("token").to_owned();
        assert!(rotated["previous_token_expires_at"].is_string());

        assert_eq!(
            app.scim_get(&spc(&directory), Some(&format!("Bearer {old}")))
                .await
                .0,
            200,
            "old token inside the grace period"
        );
        assert_eq!(
            app.scim_get(&spc(&directory), Some(&format!("Bearer {new}")))
                .await
                .0,
            200
        );
        tokio::time::sleep(Duration::from_millis(3500)).await;
        assert_eq!(
            app.scim_get(&spc(&directory), Some(&format!("Bearer {old}")))
                .await
                .0,
            401,
            "old token after the grace period"
        );
        assert_eq!(
            app.scim_get(&spc(&directory), Some(&format!("Bearer {new}")))
                .await
                .0,
            200
        );

        let bad = app
            .expect(
                Method::POST,
                &format!("/api/v1/directories/{id}/token"),
                Some(json!({"grace_seconds": -5})),
                422,
            )
            .await;
        assert_eq!(bad["error"]["fields"][0]["field"], "grace_seconds");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn scim_1_1_clients_get_their_own_discovery_document_and_error_shape() {
    let app = TestApp::spawn(&engines()[0]).await;
    let org = app.create_organization("Acme").await;
    let created = app
        .expect(
            Method::POST,
            &format!(
                "/api/v1/organizations/{}/directories",
                org["id"].as_str().expect("id")
            ),
            Some(json!({"name": "Okta 1.1", "provider": "okta", "scim_version": "1.1"})),
            201,
        )
        .await;
    let base = created["directory"]["scim_base_url"].as_str().expect("url");
    let base = &base[app.base_url.len()..];
    let token = created["token"].as_str().expect("token");

    // Okta's 1.1 agent asks for the plural form.
    let (status, spc) = app
        .scim_get(&format!("{base}/ServiceProviderConfigs"), Some(token))
        .await;
    assert_eq!(status, 200, "{spc}");
    assert_eq!(spc["schemas"][0], "urn:scim:schemas:core:1.0");
    assert_eq!(spc["patch"]["supported"], true);

    let (status, error) = app
        .scim_get(
            &format!("{base}/ServiceProviderConfigs"),
            Some("Bearer wrong"),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        error["Errors"][0]["code"], "401",
        "SCIM 1.1 error body: {error}"
    );
    app.shutdown().await;
}
