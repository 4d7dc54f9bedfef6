//! A webhook consumer for tests: an HTTP server on `127.0.0.1` that verifies every delivery with
//! the `standardwebhooks` crate (an independent Standard Webhooks implementation), records what it
//! accepted, and misbehaves on demand (errors, hangs, `410 Gone`, being down).

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use rand::Rng;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the receiver answers.
#[derive(Clone, Debug, Default)]
pub struct Behavior {
    /// Share of requests answered 500.
    pub fail_ratio: f64,
    /// Share of requests that hang for `hang_for` (past the dispatcher's timeout) and are not
    /// accepted.
    pub hang_ratio: f64,
    pub hang_for: Duration,
    /// Answer every request with this status (not accepted unless 2xx).
    pub status: Option<u16>,
    /// A `Retry-After` header on failures.
    pub retry_after: Option<String>,
}

/// One delivery the receiver accepted (answered 2xx).
#[derive(Clone, Debug)]
pub struct Accepted {
    pub webhook_id: String,
    pub timestamp: i64,
    pub signatures: Vec<String>,
    pub body: Value,
    /// The body exactly as received (what the signature covers).
    pub raw: Vec<u8>,
    pub at: Instant,
}

impl Accepted {
    pub fn event_id(&self) -> &str {
        self.body["id"].as_str().unwrap_or_default()
    }
    pub fn directory_id(&self) -> &str {
        self.body["directory_id"].as_str().unwrap_or_default()
    }
    pub fn sequence(&self) -> i64 {
        self.body["sequence"].as_i64().unwrap_or_default()
    }
}

#[derive(Default)]
struct Shared {
    secrets: Mutex<Vec<String>>,
    behavior: Mutex<Behavior>,
    accepted: Mutex<Vec<Accepted>>,
    requests: AtomicUsize,
    bad_signatures: AtomicUsize,
    /// Requests being answered right now, per directory (to catch concurrent ordered deliveries).
    in_flight: Mutex<std::collections::HashMap<String, usize>>,
    overlaps: AtomicUsize,
}

/// A running test receiver.
pub struct Receiver {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    server: Mutex<Option<actix_web::dev::ServerHandle>>,
}

impl Receiver {
    /// Starts on a free loopback port. Set the secret with [`Receiver::set_secrets`] once the
    /// endpoint exists.
    pub async fn start() -> Arc<Receiver> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind receiver");
        let addr = listener.local_addr().expect("receiver addr");
        let receiver = Arc::new(Receiver {
            addr,
            shared: Arc::new(Shared::default()),
            server: Mutex::new(None),
        });
        receiver.serve(listener);
        receiver
    }

    fn serve(&self, listener: std::net::TcpListener) {
        let shared = Arc::clone(&self.shared);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::from(Arc::clone(&shared)))
                .app_data(web::PayloadConfig::new(4 << 20))
                .default_service(web::to(handle))
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)
        .expect("receiver listen")
        .run();
        *self.server.lock().expect("lock") = Some(server.handle());
        tokio::spawn(server);
    }

    /// `http://127.0.0.1:<port>/hook`.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// The secrets a delivery may verify with (any one; rotation sends several signatures).
    pub fn set_secrets(&self, secrets: &[&str]) {
        *self.shared.secrets.lock().expect("lock") =
            secrets.iter().map(|s| s.to_string()).collect();
    }

    pub fn set_behavior(&self, behavior: Behavior) {
        *self.shared.behavior.lock().expect("lock") = behavior;
    }

    /// Stops listening: connections are refused until [`Receiver::up`].
    pub async fn down(&self) {
        let handle = self.server.lock().expect("lock").take();
        if let Some(handle) = handle {
            handle.stop(false).await;
        }
    }

    /// Listens again on the same port.
    pub async fn up(&self) {
        let mut tries = 0;
        let listener = loop {
            match std::net::TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(e) if tries < 100 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("rebind receiver on {}: {e}", self.addr),
            }
        };
        self.serve(listener);
    }

    pub fn accepted(&self) -> Vec<Accepted> {
        self.shared.accepted.lock().expect("lock").clone()
    }

    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Deliveries whose signature did not verify (must stay 0).
    pub fn bad_signatures(&self) -> usize {
        self.shared.bad_signatures.load(Ordering::SeqCst)
    }

    /// Times two deliveries of one directory were being answered at once.
    pub fn concurrent_same_directory(&self) -> usize {
        self.shared.overlaps.load(Ordering::SeqCst)
    }

    /// Waits until `done(accepted)` holds, up to `timeout`; returns whether it did.
    pub async fn wait_until(&self, timeout: Duration, done: impl Fn(&[Accepted]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.accepted()) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Distinct event ids accepted.
    pub fn accepted_event_ids(&self) -> std::collections::HashSet<String> {
        self.accepted()
            .iter()
            .map(|a| a.event_id().to_owned())
            .collect()
    }

    /// Per directory, the sequences in the order they were first accepted, and the number of
    /// acceptances that came before an earlier sequence of the same directory was accepted.
    pub fn out_of_order(&self) -> usize {
        let mut seen: std::collections::HashMap<String, std::collections::BTreeSet<i64>> =
            Default::default();
        let mut violations = 0;
        for a in self.accepted() {
            let set = seen.entry(a.directory_id().to_owned()).or_default();
            let s = a.sequence();
            if set.contains(&s) {
                continue; // a duplicate (at least once), not a reordering
            }
            // Every smaller sequence of the directory must already have been accepted.
            let expected_before = s - 1;
            let before = set.range(..s).count() as i64;
            if before != expected_before {
                violations += 1;
            }
            set.insert(s);
        }
        violations
    }
}

async fn handle(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in [
        ("webhook-id", &id),
        ("webhook-timestamp", &timestamp),
        ("webhook-signature", &signature),
    ] {
        if let Ok(v) = reqwest::header::HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    }
    let secrets = shared.secrets.lock().expect("lock").clone();
    let verified = secrets.iter().any(|secret| {
        standardwebhooks::Webhook::new(secret)
            .map(|w| w.verify(&body, &headers).is_ok())
            .unwrap_or(false)
    });
    if !verified {
        shared.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return HttpResponse::Unauthorized().body("signature does not verify");
    }
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let directory = parsed["directory_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    {
        let mut in_flight = shared.in_flight.lock().expect("lock");
        let n = in_flight.entry(directory.clone()).or_default();
        if *n > 0 {
            shared.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        *n += 1;
    }
    let response = respond(&shared, &id, &timestamp, &signature, parsed, body.to_vec()).await;
    if let Some(n) = shared.in_flight.lock().expect("lock").get_mut(&directory) {
        *n -= 1;
    }
    response
}

async fn respond(
    shared: &Shared,
    id: &str,
    timestamp: &str,
    signature: &str,
    body: Value,
    raw: Vec<u8>,
) -> HttpResponse {
    let behavior = shared.behavior.lock().expect("lock").clone();
    let (fail, hang) = {
        let mut rng = rand::thread_rng();
        let roll: f64 = rng.gen();
        (
            roll < behavior.fail_ratio,
            roll >= behavior.fail_ratio && roll < behavior.fail_ratio + behavior.hang_ratio,
        )
    };
    if hang {
        tokio::time::sleep(behavior.hang_for).await;
        return HttpResponse::InternalServerError().body("hung");
    }
    let status = match behavior.status {
        Some(s) => s,
        None if fail => 500,
        None => 200,
    };
    if !(200..300).contains(&status) {
        let mut response = HttpResponse::build(
            actix_web::http::StatusCode::from_u16(status).expect("valid status"),
        );
        if let Some(retry_after) = &behavior.retry_after {
            response.insert_header(("Retry-After", retry_after.as_str()));
        }
        return response.body(format!("failing on purpose with {status}"));
    }
    shared.accepted.lock().expect("lock").push(Accepted {
        webhook_id: id.to_owned(),
        timestamp: timestamp.parse().unwrap_or_default(),
        signatures: signature.split(' ').map(str::to_owned).collect(),
        body,
        raw,
        at: Instant::now(),
    });
    HttpResponse::Ok().body("ok")
}
