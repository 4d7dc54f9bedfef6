use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::json;

#[tokio::test]
async fn health_and_readiness_answer_without_credentials() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let (status, body) = app.api_with_key(Method::GET, "/healthz", None, None).await;
        assert_eq!(status, 200);
        assert_eq!(body["status"], "ok");
        let (status, body) = app.api_with_key(Method::GET, "/readyz", None, None).await;
        assert_eq!(status, 200, "{}: {body}", engine.name());
        assert_eq!(body["database"], "ok");
        assert_eq!(body["status"], "ready");
        assert!(body["redis"].is_null(), "no Redis configured: {body}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn api_keys_of_nobody_are_refused_with_401() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let forged = format!("{}x", &app.api_key[..app.api_key.len() - 1]);
        let cases: Vec<Option<&str>> = vec![
            None,
            Some(""),
            Some("rk_nothing"),
            Some("rk_0190000000000000000000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            Some(&forged),
        ];
        for key in cases {
            let (status, body) = app
                .api_with_key(Method::GET, "/api/v1/organizations", None, key)
                .await;
            assert_eq!(status, 401, "key {key:?} on {}: {body}", engine.name());
            assert_eq!(body["error"]["code"], "unauthorized");
        }
        // The real key, also as a bare header value without "Bearer".
        let response = app
            .client
            .get(app.url("/api/v1/organizations"))
            .header("Authorization", app.api_key.as_str())
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn responses_carry_a_request_id_and_unknown_routes_a_json_404() {
    let app = TestApp::spawn(&engines()[0]).await;
    let response = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .bearer_auth(&app.api_key)
        .send()
        .await
        .expect("request");
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_found");
    app.shutdown().await;
}

#[tokio::test]
async fn malformed_bodies_and_parameters_get_400_with_a_useful_message() {
    let app = TestApp::spawn(&engines()[0]).await;
    let response = app
        .client
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(&app.api_key)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "invalid_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("JSON"),
        "{body}"
    );

    let (status, body) = app
        .api(
            Method::POST,
            "/api/v1/organizations",
            Some(json!({"name": "A", "colour": "red"})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("colour"),
        "{body}"
    );

    let (status, body) = app
        .api(Method::GET, "/api/v1/organizations?limit=0", None)
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "limit");

    let (status, body) = app
        .api(Method::GET, "/api/v1/organizations?limit=ten", None)
        .await;
    assert_eq!(status, 400, "{body}");
    app.shutdown().await;
}

#[tokio::test]
async fn the_openapi_document_is_openapi_3_and_lists_every_route() {
    let app = TestApp::spawn(&engines()[0]).await;
    let (status, doc) = app
        .api_with_key(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3."),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/api/v1/organizations",
        "/api/v1/organizations/{organization_id}",
        "/api/v1/organizations/{organization_id}/directories",
        "/api/v1/directories/{directory_id}",
        "/api/v1/directories/{directory_id}/token",
        "/api/v1/directories/{directory_id}/groups",
        "/api/v1/events",
        "/api/v1/schemas/events",
        "/api/v1/schemas/events/{event_type}",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    app.shutdown().await;
}

/// Requests are counted by route pattern (never by id), method and status, with latencies.
#[tokio::test]
async fn http_requests_are_counted_by_route_pattern_and_status() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Counted").await;
        let id = org["id"].as_str().expect("id");
        app.expect(
            Method::GET,
            &format!("/api/v1/organizations/{id}"),
            None,
            200,
        )
        .await;
        app.expect(
            Method::GET,
            "/api/v1/organizations/org_00000000000000000000000000000000",
            None,
            404,
        )
        .await;
        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        for line in [
            r#"roster_http_requests_total{route="/api/v1/organizations",method="POST",status="201"} 1"#,
            r#"roster_http_requests_total{route="/api/v1/organizations/{organization_id}",method="GET",status="200"} 1"#,
            r#"roster_http_requests_total{route="/api/v1/organizations/{organization_id}",method="GET",status="404"} 1"#,
            r#"roster_http_request_duration_seconds_count{route="/api/v1/organizations/{organization_id}"} 2"#,
        ] {
            assert!(metrics.contains(line), "{line} missing in:\n{metrics}");
        }
        assert!(!metrics.contains(id), "no ids in metric labels");
        // No directory has written an event yet; then one settings change writes one.
        assert!(metrics.contains("roster_events_written 0"), "{metrics}");
        let (directory, _) = app.create_directory(id, "okta").await;
        app.expect(
            Method::PATCH,
            &format!(
                "/api/v1/directories/{}",
                directory["id"].as_str().expect("id")
            ),
            Some(serde_json::json!({"name": "Renamed"})),
            200,
        )
        .await;
        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        assert!(metrics.contains("roster_events_written 1"), "{metrics}");
        app.shutdown().await;
    }
}
