use futures_util::future::join_all;
use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const DIRECTORIES: usize = 4;
const WRITERS: usize = 32;
const UPDATES_PER_WRITER: usize = 12;

/// 32 writers change 4 directories concurrently while a consumer pages through the Events API.
/// Every directory's sequence must be 1..=n without gaps, and the consumer must see each event
/// exactly once — the guarantee that late-committing transactions can't break.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_give_gapless_sequences_and_a_consumer_sees_each_event_once() {
    for engine in engines() {
        let app = Arc::new(TestApp::spawn(&engine).await);
        let org = app.create_organization("Acme").await;
        let org_id = org["id"].as_str().expect("id").to_owned();
        let mut directory_ids = Vec::new();
        for _ in 0..DIRECTORIES {
            let (directory, _) = app.create_directory(&org_id, "okta").await;
            directory_ids.push(directory["id"].as_str().expect("id").to_owned());
        }

        let writing = Arc::new(AtomicBool::new(true));
        let consumer = {
            let app = Arc::clone(&app);
            let writing = Arc::clone(&writing);
            tokio::spawn(async move {
                let mut seen: Vec<Value> = Vec::new();
                let mut cursor = String::new();
                let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
                loop {
                    let still_writing = writing.load(Ordering::SeqCst);
                    let page = app
                        .expect(
                            Method::GET,
                            &format!("/api/v1/events?limit=7&after={cursor}"),
                            None,
                            200,
                        )
                        .await;
                    let data = page["data"].as_array().cloned().unwrap_or_default();
                    let next = page["next_cursor"]
                        .as_str()
                        .expect("next_cursor never null")
                        .to_owned();
                    if data.is_empty() {
                        if !cursor.is_empty() {
                            assert_eq!(next, cursor, "at the end the cursor stays put");
                        }
                        // A skipped event would never arrive: the deadline turns that into a
                        // failure on the count below.
                        if !still_writing
                            && (seen.len() >= WRITERS * UPDATES_PER_WRITER
                                || tokio::time::Instant::now() > deadline)
                        {
                            return seen;
                        }
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    seen.extend(data);
                    cursor = next;
                }
            })
        };

        let writers = (0..WRITERS).map(|w| {
            let app = Arc::clone(&app);
            let directory = directory_ids[w % DIRECTORIES].clone();
            tokio::spawn(async move {
                for i in 0..UPDATES_PER_WRITER {
                    app.expect(
                        Method::PATCH,
                        &format!("/api/v1/directories/{directory}"),
                        Some(json!({"name": format!("writer {w} update {i}")})),
                        200,
                    )
                    .await;
                }
            })
        });
        for result in join_all(writers).await {
            result.expect("writer");
        }
        writing.store(false, Ordering::SeqCst);
        let seen = consumer.await.expect("consumer");

        let expected_total = WRITERS * UPDATES_PER_WRITER;
        let ids: Vec<&str> = seen.iter().filter_map(|e| e["id"].as_str()).collect();
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(
            ids.len(),
            unique.len(),
            "{}: the consumer saw an event twice",
            engine.name()
        );
        assert_eq!(
            ids.len(),
            expected_total,
            "{}: the consumer missed events",
            engine.name()
        );

        let stored = app.all_events("").await;
        let stored_ids: HashSet<&str> = stored.iter().filter_map(|e| e["id"].as_str()).collect();
        assert_eq!(
            stored_ids,
            unique,
            "{}: consumer set equals stored set",
            engine.name()
        );

        // Per directory: 1, 2, 3, … with no gap, in stream order.
        let mut sequences: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for event in &seen {
            assert_eq!(event["organization_id"], org_id.as_str());
            sequences
                .entry(
                    event["directory_id"]
                        .as_str()
                        .expect("directory")
                        .to_owned(),
                )
                .or_default()
                .push(event["sequence"].as_i64().expect("sequence"));
        }
        assert_eq!(sequences.len(), DIRECTORIES);
        for (directory, seqs) in sequences {
            let expected: Vec<i64> = (1..=seqs.len() as i64).collect();
            assert_eq!(seqs, expected, "{}: sequence of {directory}", engine.name());
            assert_eq!(seqs.len(), expected_total / DIRECTORIES);
        }
        Arc::into_inner(app).expect("sole owner").shutdown().await;
    }
}

#[tokio::test]
async fn events_can_be_filtered_and_resumed_from_an_event_id() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let acme = app.create_organization("Acme").await;
        let globex = app.create_organization("Globex").await;
        let (acme_dir, _) = app
            .create_directory(acme["id"].as_str().expect("id"), "okta")
            .await;
        let (globex_dir, _) = app
            .create_directory(globex["id"].as_str().expect("id"), "entra")
            .await;
        for (dir, name) in [(&acme_dir, "a1"), (&globex_dir, "g1"), (&acme_dir, "a2")] {
            app.expect(
                Method::PATCH,
                &format!("/api/v1/directories/{}", dir["id"].as_str().expect("id")),
                Some(json!({"name": name})),
                200,
            )
            .await;
        }
        let acme_id = acme_dir["id"].as_str().expect("id");
        app.expect(
            Method::POST,
            &format!("/api/v1/directories/{acme_id}/token"),
            None,
            200,
        )
        .await;

        let all = app.all_events("").await;
        assert_eq!(all.len(), 4);
        let by_org = app
            .all_events(&format!(
                "&organization_id={}",
                acme["id"].as_str().expect("id")
            ))
            .await;
        assert_eq!(by_org.len(), 3);
        let by_dir = app
            .all_events(&format!(
                "&directory_id={}",
                globex_dir["id"].as_str().expect("id")
            ))
            .await;
        assert_eq!(by_dir.len(), 1);
        let rotations = app.all_events("&types=directory.token_rotated").await;
        assert_eq!(rotations.len(), 1);
        let two_types = app
            .all_events("&types=directory.token_rotated,%20directory.updated")
            .await;
        assert_eq!(two_types.len(), 4);

        // after=<event id> resumes just after that event.
        let first_id = all[0]["id"].as_str().expect("id");
        let rest = app
            .expect(
                Method::GET,
                &format!("/api/v1/events?after={first_id}"),
                None,
                200,
            )
            .await;
        let rest_ids: Vec<&Value> = rest["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|e| &e["id"])
            .collect();
        let expected: Vec<&Value> = all[1..].iter().map(|e| &e["id"]).collect();
        assert_eq!(rest_ids, expected);

        // At the end the cursor is where to poll from next, never null.
        let end = app
            .expect(
                Method::GET,
                &format!(
                    "/api/v1/events?after={}",
                    rest["next_cursor"].as_str().expect("cursor")
                ),
                None,
                200,
            )
            .await;
        assert_eq!(end["data"], json!([]));
        assert_eq!(end["next_cursor"], rest["next_cursor"]);

        let bad = app
            .expect(Method::GET, "/api/v1/events?types=user.exploded", None, 422)
            .await;
        assert!(
            bad["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("user.created"),
            "{bad}"
        );
        app.expect(Method::GET, "/api/v1/events?after=garbage", None, 400)
            .await;
        app.expect(Method::GET, "/api/v1/events?after=evt_0000", None, 400)
            .await;
        app.expect(Method::GET, "/api/v1/events?limit=5000", None, 422)
            .await;
        app.shutdown().await;
    }
}
