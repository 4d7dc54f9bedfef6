//! The production topology: several `roster serve` processes (the real binary) on one PostgreSQL
//! and one Redis of the test's own, so the test can crash and restart them without touching the
//! machine's shared servers.
//!
//! - Three replicas behind a client-side round-robin take an IdP import of 10,000 users and 200
//!   groups across 20 directories while one replica is killed with SIGKILL and restarted and Redis
//!   is restarted: the final state is what the IdP sent, every event reaches the verifying
//!   receiver, in directory order, and every directory's sequences are gapless.
//! - A PostgreSQL crash: SCIM answers 503 with `Retry-After` while it is down, `/readyz` says so,
//!   nothing answered 2xx is lost, and the server recovers by itself.
//! - Token rotation and directory deletion reach every replica within 2 s; the SCIM rate limit is
//!   shared between replicas.

use futures_util::future::join_all;
use reqwest::Method;
use roster_testkit::process::ServerProcess;
use roster_testkit::receiver::{Accepted, Receiver};
use roster_testkit::services::{PrivatePostgres, PrivateRedis};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn log_dir() -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("roster-topology-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("log dir");
    dir
}

/// The settings every replica shares.
fn replica_env(postgres: &PrivatePostgres, redis: &PrivateRedis) -> Vec<(String, String)> {
    vec![
        ("ROSTER_DATABASE_URL".into(), postgres.url()),
        ("ROSTER_REDIS_URL".into(), redis.url()),
        (
            "ROSTER_REDIS_PREFIX".into(),
            format!("topology-{}", uuid::Uuid::new_v4().simple()),
        ),
        (
            "ROSTER_SECRET_KEY".into(),
            format!("topology-secret-{}", uuid::Uuid::new_v4()),
        ),
        (
            "ROSTER_DISPATCH_ALLOWED_NETWORKS".into(),
            "127.0.0.1/32".into(),
        ),
        (
            "ROSTER_DISPATCH_RETRY_SCHEDULE".into(),
            "0s,1s,1s,2s,2s,5s,5s,5s,5s,5s,5s,5s".into(),
        ),
        ("ROSTER_DISPATCH_TIMEOUT".into(), "5s".into()),
        ("ROSTER_DATABASE_MAX_CONNECTIONS".into(), "16".into()),
        ("ROSTER_LOG".into(), "warn".into()),
    ]
}

/// `n` replicas on one database: the first migrates, the others start with migrations off.
async fn start_replicas(env: &[(String, String)], n: usize, logs: &Path) -> Vec<ServerProcess> {
    let mut replicas = Vec::new();
    for i in 0..n {
        let mut env = env.to_vec();
        if i > 0 {
            env.push(("ROSTER_MIGRATE_ON_START".into(), "false".into()));
        }
        replicas.push(ServerProcess::start(env, logs.join(format!("replica-{i}.log"))).await);
    }
    replicas
}

/// An HTTP client that sends each request to the next replica, and on a refused connection, a
/// timeout or a 503 tries the next one: what a load balancer in front of replicas, plus an IdP
/// that retries, amount to.
#[derive(Clone)]
struct RoundRobin {
    client: reqwest::Client,
    bases: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    retried: Arc<AtomicUsize>,
}

/// A response: status and JSON (Null when empty); `retried` when an earlier attempt of the same
/// request may have reached a replica (its outcome unknown).
struct Answer {
    status: u16,
    body: Value,
    retried: bool,
}

impl RoundRobin {
    fn new(replicas: &[ServerProcess]) -> RoundRobin {
        RoundRobin {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(64)
                .build()
                .expect("client"),
            bases: Arc::new(replicas.iter().map(|r| r.base_url.clone()).collect()),
            next: Arc::new(AtomicUsize::new(0)),
            retried: Arc::new(AtomicUsize::new(0)),
        }
    }

    async fn send(&self, method: Method, path: &str, token: &str, body: Option<&Value>) -> Answer {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut retried = false;
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed) % self.bases.len();
            let mut request = self
                .client
                .request(method.clone(), format!("{}{path}", self.bases[i]))
                .bearer_auth(token);
            if let Some(body) = body {
                request = request
                    .header("Content-Type", "application/scim+json")
                    .body(body.to_string());
            }
            match request.send().await {
                Ok(response) if response.status().as_u16() != 503 => {
                    let status = response.status().as_u16();
                    let text = response.text().await.unwrap_or_default();
                    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
                    return Answer {
                        status,
                        body,
                        retried,
                    };
                }
                // 503: the replica answered and wrote nothing; the outcome is known.
                Ok(_) => {}
                Err(_) => retried = true,
            }
            self.retried.fetch_add(1, Ordering::Relaxed);
            assert!(
                Instant::now() < deadline,
                "{method} {path}: no replica answered for 120 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn expect(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Value,
        status: u16,
    ) -> Value {
        let answer = self.send(method.clone(), path, token, Some(&body)).await;
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.body);
        answer.body
    }
}

/// Creates a SCIM resource as an IdP does when a try's outcome was lost: a 409 after a lost try
/// means the lost try committed, so the IdP looks the resource up.
async fn create(rr: &RoundRobin, base: &str, token: &str, resource: &str, body: Value) -> String {
    let answer = rr
        .send(
            Method::POST,
            &format!("{base}/{resource}"),
            token,
            Some(&body),
        )
        .await;
    match answer.status {
        201 => answer.body["id"].as_str().expect("id").to_owned(),
        409 if answer.retried => {
            let (attribute, value) = if resource == "Users" {
                ("userName", &body["userName"])
            } else {
                ("displayName", &body["displayName"])
            };
            let filter = format!("{attribute} eq {value}");
            let found = rr
                .send(
                    Method::GET,
                    &format!(
                        "{base}/{resource}?filter={}",
                        crate::scim_idps::enc(&filter)
                    ),
                    token,
                    None,
                )
                .await;
            assert_eq!(found.status, 200, "{}", found.body);
            found.body["Resources"][0]["id"]
                .as_str()
                .expect("the committed resource")
                .to_owned()
        }
        other => panic!("POST {base}/{resource}: {other} {}", answer.body),
    }
}

struct Directory {
    id: String,
    token: String,
    scim: String,
}

/// The acceptance test of the production topology (issue 10).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_lose_nothing_through_a_kill_9_and_a_redis_restart() {
    let directories_count = env_number("ROSTER_TOPOLOGY_DIRECTORIES", 20);
    let users_per_directory = env_number("ROSTER_TOPOLOGY_USERS", 10_000) / directories_count;
    let groups_per_directory = env_number("ROSTER_TOPOLOGY_GROUPS", 200) / directories_count;
    let members_per_group = (users_per_directory / groups_per_directory.max(1)).max(1);

    let postgres = PrivatePostgres::start();
    let mut redis = PrivateRedis::start();
    let logs = log_dir();
    let env = replica_env(&postgres, &redis);
    let key = ServerProcess::create_api_key(&env);
    let mut replicas = start_replicas(&env, 3, &logs).await;
    let rr = RoundRobin::new(&replicas);

    let org = rr
        .expect(
            Method::POST,
            "/api/v1/organizations",
            &key,
            json!({"name": "Topology"}),
            201,
        )
        .await;
    let org_id = org["id"].as_str().expect("org").to_owned();
    let receiver = Receiver::start().await;
    let endpoint = rr
        .expect(
            Method::POST,
            "/api/v1/webhook_endpoints",
            &key,
            json!({"url": receiver.url(), "ordering": "directory"}),
            201,
        )
        .await;
    receiver.set_secrets(&[endpoint["secret"].as_str().expect("secret")]);
    let mut directories = Vec::new();
    for d in 0..directories_count {
        let created = rr
            .expect(
                Method::POST,
                &format!("/api/v1/organizations/{org_id}/directories"),
                &key,
                json!({"name": format!("Directory {d}"), "provider": "okta"}),
                201,
            )
            .await;
        let id = created["directory"]["id"].as_str().expect("id").to_owned();
        directories.push(Arc::new(Directory {
            scim: format!("/scim/v2/{id}"),
            id,
            token: created["token"].as_str().expect("token").to_owned(),
        }));
    }

    // The IdP: per directory, users four at a time, then groups (half their members in the
    // POST, the other half in a PATCH).
    let total_users = users_per_directory * directories_count;
    let created_users = Arc::new(AtomicUsize::new(0));
    let idp = directories.iter().enumerate().map(|(d, dir)| {
        let rr = rr.clone();
        let dir = Arc::clone(dir);
        let created_users = Arc::clone(&created_users);
        async move {
            let mut ids: Vec<String> = Vec::new();
            for chunk in (0..users_per_directory).collect::<Vec<_>>().chunks(4) {
                let token = dir.token.clone();
                let made = join_all(chunk.iter().map(|u| {
                    let body = json!({
                        "schemas": [USER],
                        "userName": format!("user{u}@d{d}.example"),
                        "externalId": format!("ext-{d}-{u}"),
                        "name": {"givenName": format!("User{u}"), "familyName": format!("Dir{d}")},
                        "emails": [{"value": format!("user{u}@d{d}.example"), "primary": true}],
                        "active": true,
                    });
                    let (rr, token, scim) = (&rr, &token, &dir.scim);
                    async move { create(rr, scim, token, "Users", body).await }
                }))
                .await;
                created_users.fetch_add(made.len(), Ordering::SeqCst);
                ids.extend(made);
            }
            let mut groups = BTreeMap::new();
            for g in 0..groups_per_directory {
                let token = dir.token.clone();
                let members: Vec<String> = ids
                    .iter()
                    .skip(g * members_per_group)
                    .take(members_per_group)
                    .cloned()
                    .collect();
                let (first, second) = members.split_at(members.len() / 2);
                let name = format!("Group {g}");
                let id = create(
                    &rr,
                    &dir.scim,
                    &token,
                    "Groups",
                    json!({"schemas": [GROUP], "displayName": name,
                           "members": first.iter().map(|m| json!({"value": m})).collect::<Vec<_>>()}),
                )
                .await;
                let patch = json!({"schemas": [PATCH_OP], "Operations": [{
                    "op": "add", "path": "members",
                    "value": second.iter().map(|m| json!({"value": m})).collect::<Vec<_>>(),
                }]});
                let answer = rr
                    .send(
                        Method::PATCH,
                        &format!("{}/Groups/{id}", dir.scim),
                        &token,
                        Some(&patch),
                    )
                    .await;
                assert!(
                    answer.status == 204 || answer.status == 200,
                    "{}",
                    answer.body
                );
                groups.insert(name, members.into_iter().collect::<BTreeSet<_>>());
            }
            (ids, groups)
        }
    });
    let load = tokio::spawn(join_all(idp));

    // The faults, while the import runs: SIGKILL of a replica at 30 %, a Redis restart at 60 %.
    let wait_for = |share: usize| {
        let created_users = Arc::clone(&created_users);
        async move {
            while created_users.load(Ordering::SeqCst) * 100 < total_users * share {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    wait_for(30).await;
    replicas[1].kill9();
    tokio::time::sleep(Duration::from_secs(1)).await;
    replicas[1].restart().await;
    wait_for(60).await;
    redis.kill();
    // Readiness reports Redis but keeps serving: the database is the truth.
    let readiness = format!("{}/readyz", replicas[0].base_url);
    let probe = reqwest::Client::new();
    let redis_is = |want: &'static str| {
        let (probe, readiness) = (probe.clone(), readiness.clone());
        async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let response = probe.get(&readiness).send().await.expect("readyz");
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                if body["redis"] == want {
                    assert_eq!(
                        status, 200,
                        "a Redis outage leaves the replica ready: {body}"
                    );
                    return body;
                }
                assert!(
                    Instant::now() < deadline,
                    "/readyz never said redis {want}: {body}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let degraded = redis_is("unreachable").await;
    assert_eq!(degraded["status"], "degraded", "{degraded}");
    redis.up();
    let ready = redis_is("ok").await;
    assert_eq!(ready["status"], "ready", "{ready}");

    let sent = load.await.expect("the IdP's import");
    let retried = rr.retried.load(Ordering::Relaxed);

    // The state is what the IdP sent.
    for (dir, (ids, groups)) in directories.iter().zip(&sent) {
        let token = dir.token.clone();
        let users = rr
            .send(
                Method::GET,
                &format!("{}/Users?count=1000&attributes=userName", dir.scim),
                &token,
                None,
            )
            .await;
        assert_eq!(users.status, 200);
        assert_eq!(
            users.body["totalResults"].as_u64(),
            Some(users_per_directory as u64),
            "users of {}",
            dir.id
        );
        let stored: BTreeSet<&str> = users.body["Resources"]
            .as_array()
            .expect("Resources")
            .iter()
            .filter_map(|u| u["id"].as_str())
            .collect();
        assert_eq!(
            stored,
            ids.iter().map(String::as_str).collect(),
            "user ids of {}",
            dir.id
        );
        let listed = rr
            .send(
                Method::GET,
                &format!("{}/Groups?count=1000", dir.scim),
                &token,
                None,
            )
            .await;
        let mut got = BTreeMap::new();
        for group in listed.body["Resources"].as_array().expect("Resources") {
            let members: BTreeSet<String> = group["members"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .filter_map(|m| m["value"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            got.insert(
                group["displayName"].as_str().unwrap_or_default().to_owned(),
                members,
            );
        }
        assert_eq!(&got, groups, "groups of {}", dir.id);
    }

    // Every directory's events: gapless sequences, exactly the changes the IdP made.
    let events = all_events(&rr, &key).await;
    let mut expected_ids = HashSet::new();
    for dir in &directories {
        let of_dir: Vec<&Value> = events
            .iter()
            .filter(|e| e["directory_id"] == dir.id.as_str())
            .collect();
        let sequences: Vec<i64> = of_dir
            .iter()
            .filter_map(|e| e["sequence"].as_i64())
            .collect();
        assert_eq!(
            sequences,
            (1..=of_dir.len() as i64).collect::<Vec<_>>(),
            "sequences of {} are 1..n without a gap",
            dir.id
        );
        let count = |t: &str| of_dir.iter().filter(|e| e["type"] == t).count();
        assert_eq!(count("user.created"), users_per_directory, "{}", dir.id);
        assert_eq!(count("group.created"), groups_per_directory, "{}", dir.id);
        assert_eq!(
            count("group.user_added"),
            groups_per_directory * members_per_group,
            "{}",
            dir.id
        );
        expected_ids.extend(
            of_dir
                .iter()
                .filter_map(|e| e["id"].as_str().map(str::to_owned)),
        );
    }

    // Every event reaches the receiver, signed, in directory order.
    let all_delivered = receiver
        .wait_until(Duration::from_secs(300), |accepted| {
            let got: HashSet<&str> = accepted.iter().map(Accepted::event_id).collect();
            expected_ids.iter().all(|id| got.contains(id.as_str()))
        })
        .await;
    let got = receiver.accepted_event_ids();
    assert!(
        all_delivered,
        "{} of {} events delivered; replica logs in {}",
        expected_ids.iter().filter(|id| got.contains(*id)).count(),
        expected_ids.len(),
        logs.display()
    );
    assert_eq!(receiver.bad_signatures(), 0);
    assert_eq!(receiver.out_of_order(), 0, "per-directory order");
    eprintln!(
        "topology: {} users, {} groups, {} events in {} directories on 3 replicas; {} requests \
         retried on another replica; {} deliveries for {} events",
        total_users,
        groups_per_directory * directories_count,
        expected_ids.len(),
        directories_count,
        retried,
        receiver.accepted().len(),
        expected_ids.len()
    );
    drop(replicas);
    let _ = std::fs::remove_dir_all(&logs);
}

async fn all_events(rr: &RoundRobin, key: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = rr
            .send(
                Method::GET,
                &format!("/api/v1/events?limit=1000&after={cursor}"),
                key,
                None,
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        let data = page.body["data"].as_array().cloned().unwrap_or_default();
        cursor = page.body["next_cursor"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if data.is_empty() {
            return events;
        }
        events.extend(data);
    }
}

/// A replica's answer to one request (no retrying: these tests look at each replica).
async fn call(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = client.request(method.clone(), url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

/// How long until `probe` answers `want`, polling every 50 ms for up to 10 s.
async fn until_status(
    want: u16,
    probe: impl Fn() -> futures_util::future::BoxFuture<'static, u16>,
) -> Duration {
    let started = Instant::now();
    loop {
        if probe().await == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still not {want} after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Two `--role api` replicas and one `--role worker`: a token rotated or a directory deleted
/// through one replica is refused by the other within its 2 s caches (asserted under 3 s: the
/// bound plus polling and a busy machine), the new token works everywhere at once, the SCIM rate
/// limit is one budget across replicas, and webhooks go out from the worker alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_share_token_rotation_directory_deletion_and_the_rate_limit() {
    let postgres = PrivatePostgres::start();
    let redis = PrivateRedis::start();
    let logs = log_dir();
    let mut env = replica_env(&postgres, &redis);
    env.push(("ROSTER_SCIM_RATE_LIMIT".into(), "20".into()));
    let key = ServerProcess::create_api_key(&env);
    let mut replicas = Vec::new();
    for i in 0..2 {
        let mut env = env.clone();
        if i > 0 {
            env.push(("ROSTER_MIGRATE_ON_START".into(), "false".into()));
        }
        replicas
            .push(ServerProcess::start_role("api", env, logs.join(format!("api-{i}.log"))).await);
    }
    let (a, b) = (replicas[0].base_url.clone(), replicas[1].base_url.clone());
    let client = reqwest::Client::new();

    // API replicas do not deliver webhooks: an event waits until a worker runs.
    let receiver = Receiver::start().await;
    let (_, _, endpoint) = call(
        &client,
        Method::POST,
        &format!("{a}/api/v1/webhook_endpoints"),
        &key,
        Some(json!({"url": receiver.url()})),
    )
    .await;
    receiver.set_secrets(&[endpoint["secret"].as_str().expect("secret")]);

    let (_, _, org) = call(
        &client,
        Method::POST,
        &format!("{a}/api/v1/organizations"),
        &key,
        Some(json!({"name": "Walls"})),
    )
    .await;
    let org_id = org["id"].as_str().expect("org").to_owned();
    let mut made = Vec::new();
    for name in ["Rotated", "Limited"] {
        let (status, _, created) = call(
            &client,
            Method::POST,
            &format!("{a}/api/v1/organizations/{org_id}/directories"),
            &key,
            Some(json!({"name": name, "provider": "okta"})),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        made.push((
            created["directory"]["id"].as_str().expect("id").to_owned(),
            created["token"].as_str().expect("token").to_owned(),
        ));
    }
    let (rotated, old_token) = made[0].clone();
    let (limited, limited_token) = made[1].clone();

    // Both replicas know the token (and cache it).
    for base in [&a, &b] {
        let (status, _, _) = call(
            &client,
            Method::GET,
            &format!("{base}/scim/v2/{rotated}/Users"),
            &old_token,
            None,
        )
        .await;
        assert_eq!(status, 200);
    }
    // That activated the directory (an event): without a worker, nobody delivers it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.requests(), 0, "an api replica delivered a webhook");
    let mut worker_env = env.clone();
    worker_env.push(("ROSTER_MIGRATE_ON_START".into(), "false".into()));
    let worker = ServerProcess::start_role("worker", worker_env, logs.join("worker.log")).await;
    let (status, _, _) = call(
        &client,
        Method::GET,
        &format!("{}/api/v1/organizations", worker.base_url),
        &key,
        None,
    )
    .await;
    assert_eq!(status, 404, "a worker serves no API");
    let (status, _, body) = call(
        &client,
        Method::POST,
        &format!("{a}/api/v1/directories/{rotated}/token"),
        &key,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let new_token = body["token"].as_str().expect("token").to_owned();
    let users_on_b = format!("{b}/scim/v2/{rotated}/Users");
    let (status, _, _) = call(&client, Method::GET, &users_on_b, &new_token, None).await;
    assert_eq!(
        status, 200,
        "the new token works on the other replica at once"
    );
    let took = until_status(401, || {
        let (client, url, token) = (client.clone(), users_on_b.clone(), old_token.clone());
        Box::pin(async move { call(&client, Method::GET, &url, &token, None).await.0 })
    })
    .await;
    assert!(
        took < Duration::from_secs(3),
        "the old token worked on the other replica for {took:?}"
    );

    let (status, _, _) = call(
        &client,
        Method::DELETE,
        &format!("{a}/api/v1/directories/{rotated}"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let took = until_status(401, || {
        let (client, url, token) = (client.clone(), users_on_b.clone(), new_token.clone());
        Box::pin(async move { call(&client, Method::GET, &url, &token, None).await.0 })
    })
    .await;
    assert!(
        took < Duration::from_secs(3),
        "the deleted directory answered on the other replica for {took:?}"
    );

    // The rate limit (20/s, bursts of 40) is one budget: alternating replicas does not double it.
    let started = Instant::now();
    let (mut admitted, mut refused) = (0u64, 0u64);
    for i in 0..120 {
        let base = if i % 2 == 0 { &a } else { &b };
        let (status, headers, body) = call(
            &client,
            Method::GET,
            &format!("{base}/scim/v2/{limited}/Users?count=1"),
            &limited_token,
            None,
        )
        .await;
        match status {
            200 => admitted += 1,
            429 => {
                refused += 1;
                assert!(
                    headers.contains_key("retry-after"),
                    "429 says when to retry"
                );
                assert!(
                    body["detail"]
                        .as_str()
                        .is_some_and(|d| d.contains("too many requests")),
                    "{body}"
                );
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let allowed = 40 + (20.0 * started.elapsed().as_secs_f64()).ceil() as u64 + 1;
    assert!(admitted >= 40, "the burst is admitted: {admitted}");
    assert!(
        admitted <= allowed,
        "{admitted} admitted in {:?} across two replicas; one shared budget allows {allowed}",
        started.elapsed()
    );
    assert_eq!(admitted + refused, 120);
    // The worker delivered what the API replicas committed (directory events included).
    assert!(
        receiver
            .wait_until(Duration::from_secs(30), |a| a.len() >= 4)
            .await,
        "the worker delivers: {} accepted",
        receiver.accepted().len()
    );
    assert_eq!(receiver.bad_signatures(), 0);
    drop(worker);
    drop(replicas);
    let _ = std::fs::remove_dir_all(&logs);
}

/// PostgreSQL crashes under a running IdP import: SCIM answers 503 with `Retry-After` (never
/// 500, never 2xx for what was not committed), `/readyz` reports the database, and once the
/// database is back the server takes writes again without anyone restarting it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_crash_answers_503_then_recovers_by_itself() {
    let postgres = PrivatePostgres::start();
    let redis = PrivateRedis::start();
    let logs = log_dir();
    let env = replica_env(&postgres, &redis);
    let key = ServerProcess::create_api_key(&env);
    let replicas = start_replicas(&env, 1, &logs).await;
    let base = replicas[0].base_url.clone();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let (_, _, org) = call(
        &client,
        Method::POST,
        &format!("{base}/api/v1/organizations"),
        &key,
        Some(json!({"name": "Outage"})),
    )
    .await;
    let org_id = org["id"].as_str().expect("org").to_owned();
    let (_, _, created) = call(
        &client,
        Method::POST,
        &format!("{base}/api/v1/organizations/{org_id}/directories"),
        &key,
        Some(json!({"name": "Okta", "provider": "okta"})),
    )
    .await;
    let dir = created["directory"]["id"].as_str().expect("id").to_owned();
    let token = created["token"].as_str().expect("token").to_owned();

    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = {
        let (client, base, dir, token, running) = (
            client.clone(),
            base.clone(),
            dir.clone(),
            token.clone(),
            Arc::clone(&running),
        );
        tokio::spawn(async move {
            let mut committed = Vec::new();
            let mut unavailable = 0;
            let mut after_unavailable = 0;
            let mut i = 0;
            while running.load(Ordering::SeqCst) {
                let user_name = format!("user{i}@outage.example");
                let (status, headers, body) = call(
                    &client,
                    Method::POST,
                    &format!("{base}/scim/v2/{dir}/Users"),
                    &token,
                    Some(json!({"schemas": [USER], "userName": user_name, "active": true})),
                )
                .await;
                match status {
                    201 => {
                        committed.push(user_name);
                        if unavailable > 0 {
                            after_unavailable += 1;
                        }
                    }
                    503 => {
                        unavailable += 1;
                        assert!(
                            headers.contains_key("retry-after"),
                            "503 says when to retry: {body}"
                        );
                        assert_eq!(body["status"], "503", "a SCIM error body: {body}");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    // The same userName again after a 503 whose commit went through: the IdP
                    // looks it up; here it counts as committed (it is checked below).
                    409 => committed.push(user_name),
                    other => panic!("{other} during the outage: {body}"),
                }
                if status != 503 {
                    i += 1;
                }
            }
            (committed, unavailable, after_unavailable)
        })
    };
    let ready = |want: u16| {
        let (client, url) = (client.clone(), format!("{base}/readyz"));
        until_status(want, move || {
            let (client, url) = (client.clone(), url.clone());
            Box::pin(async move {
                client
                    .get(&url)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            })
        })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    postgres.crash();
    ready(503).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    postgres.up();
    ready(200).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    running.store(false, Ordering::SeqCst);
    let (committed, unavailable, after_unavailable) = writer.await.expect("writer");
    assert!(unavailable > 0, "the outage was seen as 503");
    assert!(after_unavailable > 0, "writes resumed after the outage");

    let (status, _, users) = call(
        &client,
        Method::GET,
        &format!("{base}/scim/v2/{dir}/Users?count=1000"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let stored: BTreeSet<&str> = users["Resources"]
        .as_array()
        .expect("Resources")
        .iter()
        .filter_map(|u| u["userName"].as_str())
        .collect();
    for user_name in &committed {
        assert!(
            stored.contains(user_name.as_str()),
            "{user_name} was answered 201 but is not stored"
        );
    }
    let events = all_events(&RoundRobin::new(&replicas), &key).await;
    let created_events = events
        .iter()
        .filter(|e| e["type"] == "user.created")
        .count();
    assert_eq!(
        created_events,
        stored.len(),
        "one user.created per stored user"
    );
    eprintln!(
        "outage: {} users committed, {unavailable} requests answered 503, {after_unavailable} after recovery",
        committed.len()
    );
    drop(replicas);
    let _ = std::fs::remove_dir_all(&logs);
}
