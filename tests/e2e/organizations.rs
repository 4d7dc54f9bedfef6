use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::json;

#[tokio::test]
async fn organizations_can_be_created_read_renamed_listed_and_deleted() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app
            .expect(
                Method::POST,
                "/api/v1/organizations",
                Some(json!({"name": "  Acme Corp ", "external_id": "acme-42"})),
                201,
            )
            .await;
        let id = org["id"].as_str().expect("id").to_owned();
        assert!(id.starts_with("org_"));
        assert_eq!(org["name"], "Acme Corp");
        assert_eq!(org["external_id"], "acme-42");

        let fetched = app
            .expect(
                Method::GET,
                &format!("/api/v1/organizations/{id}"),
                None,
                200,
            )
            .await;
        assert_eq!(fetched, org);

        let renamed = app
            .expect(
                Method::PATCH,
                &format!("/api/v1/organizations/{id}"),
                Some(json!({"name": "Acme Inc", "external_id": null})),
                200,
            )
            .await;
        assert_eq!(renamed["name"], "Acme Inc");
        assert!(renamed["external_id"].is_null());

        let by_external = app
            .expect(
                Method::GET,
                "/api/v1/organizations?external_id=acme-42",
                None,
                200,
            )
            .await;
        assert_eq!(by_external["data"].as_array().map(Vec::len), Some(0));

        app.expect(
            Method::DELETE,
            &format!("/api/v1/organizations/{id}"),
            None,
            204,
        )
        .await;
        let gone = app
            .expect(
                Method::GET,
                &format!("/api/v1/organizations/{id}"),
                None,
                404,
            )
            .await;
        assert_eq!(gone["error"]["code"], "not_found");
        app.expect(
            Method::DELETE,
            &format!("/api/v1/organizations/{id}"),
            None,
            404,
        )
        .await;
        app.shutdown().await;
    }
}

#[tokio::test]
async fn external_ids_are_unique_and_names_are_validated() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        app.expect(
            Method::POST,
            "/api/v1/organizations",
            Some(json!({"name": "A", "external_id": "x"})),
            201,
        )
        .await;
        let clash = app
            .expect(
                Method::POST,
                "/api/v1/organizations",
                Some(json!({"name": "B", "external_id": "x"})),
                409,
            )
            .await;
        assert_eq!(clash["error"]["code"], "conflict");
        assert!(clash["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("external_id"));

        let invalid = app
            .expect(
                Method::POST,
                "/api/v1/organizations",
                Some(json!({"name": "   "})),
                422,
            )
            .await;
        assert_eq!(invalid["error"]["code"], "validation_failed");
        assert_eq!(invalid["error"]["fields"][0]["field"], "name");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn listing_pages_with_a_cursor_visits_every_organization_once() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let mut created = Vec::new();
        for i in 0..7 {
            let org = app.create_organization(&format!("Org {i}")).await;
            created.push(org["id"].as_str().expect("id").to_owned());
        }
        let mut seen = Vec::new();
        let mut after = String::new();
        let mut pages = 0;
        loop {
            let page = app
                .expect(
                    Method::GET,
                    &format!("/api/v1/organizations?limit=3&after={after}"),
                    None,
                    200,
                )
                .await;
            pages += 1;
            for org in page["data"].as_array().expect("data") {
                seen.push(org["id"].as_str().expect("id").to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(next) => after = next.to_owned(),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, created, "oldest first, each once");
        app.shutdown().await;
    }
}
