//! A graceful shutdown (SIGTERM) of the real binary keeps what its last requests did: the SCIM
//! activity records still waiting in the writer's batch are written before the process exits.

use roster_testkit::engines;
use roster_testkit::process::ServerProcess;
use serde_json::{json, Value};

#[tokio::test]
async fn sigterm_writes_the_last_requests_activity_records() {
    for engine in engines() {
        let database = roster_testdb::TestDatabase::create(&engine).await;
        let env: Vec<(String, String)> = vec![
            ("ROSTER_DATABASE_URL".into(), database.url.clone()),
            ("ROSTER_DATA_DIR".into(), database.dir.display().to_string()),
            (
                "ROSTER_SECRET_KEY".into(),
                "shutdown-test-secret-0123456789-abcdef".into(),
            ),
            ("ROSTER_LOG".into(), "warn".into()),
        ];
        let key = ServerProcess::create_api_key(&env);
        let mut server = ServerProcess::start(env, database.dir.join("server.log")).await;
        let client = reqwest::Client::new();
        let api = |path: &str| {
            client
                .post(format!("{}{path}", server.base_url))
                .bearer_auth(&key)
        };
        let org: Value = api("/api/v1/organizations")
            .json(&json!({"name": "Acme"}))
            .send()
            .await
            .expect("create organization")
            .json()
            .await
            .expect("organization");
        let org_id = org["id"].as_str().expect("org id");
        let created: Value = api(&format!("/api/v1/organizations/{org_id}/directories"))
            .json(&json!({"name": "Okta", "provider": "okta"}))
            .send()
            .await
            .expect("create directory")
            .json()
            .await
            .expect("directory");
        let directory = created["directory"]["id"].as_str().expect("id").to_owned();
        let scim_url = format!("{}/scim/v2/{directory}", server.base_url);
        let token = created["token"].as_str().expect("token").to_owned();

        // The last requests before the signal: their records are still in the writer's
        // 200 ms batch window when SIGTERM arrives.
        for i in 0..3 {
            let status = client
                .post(format!("{scim_url}/Users"))
                .bearer_auth(&token)
                .header("content-type", "application/scim+json")
                .json(&json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": format!("last{i}@example.com"),
                }))
                .send()
                .await
                .expect("SCIM create")
                .status();
            assert_eq!(status, 201);
        }
        let status = server.terminate();
        assert!(status.success(), "roster exited with {status}");
        let log = server.log();
        assert!(
            !log.contains("could not write SCIM activity"),
            "the shutdown lost activity records: {log}"
        );

        server.restart().await;
        let activity: Value = client
            .get(format!(
                "{}/api/v1/directories/{directory}/activity",
                server.base_url
            ))
            .bearer_auth(&key)
            .send()
            .await
            .expect("activity")
            .json()
            .await
            .expect("activity json");
        let creates = activity["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter(|r| r["method"] == "POST" && r["status"] == 201)
            .count();
        assert_eq!(
            creates,
            3,
            "{}: every create before SIGTERM is in the log: {activity}",
            engine.name()
        );
        server.kill9();
        database.destroy().await;
    }
}
