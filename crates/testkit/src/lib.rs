//! Test support: a real Roster server on a loopback port with a fresh database, and an HTTP
//! client that talks to it the way a vendor's backend (or an IdP) does.
//!
//! Every test gets its own database — a new SQLite file, or a new PostgreSQL database when
//! `ROSTER_TEST_POSTGRES_URL` is set — so tests run in parallel. [`engines`] lists the engines a
//! test should cover: always SQLite, and PostgreSQL when configured (CI always configures it).
#![forbid(unsafe_code)]

pub mod browser;
pub mod process;
pub mod receiver;
pub mod services;

use reqwest::{Method, StatusCode};
use roster_server::app::{self, Role};
use roster_server::config::{Config, LogFormat};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use roster_testdb::TestDatabase;
pub use roster_testdb::{engines, Engine};

/// A running server with its own database.
pub struct TestApp {
    pub engine: Engine,
    pub base_url: String,
    /// A management API key valid on this server.
    pub api_key: String,
    pub client: reqwest::Client,
    pub store: roster_store::Store,
    /// The prefix of this server's Redis keys and channels (unique per test).
    pub redis_prefix: String,
    shutdown: CancellationToken,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
    database: TestDatabase,
}

impl TestApp {
    /// Starts a server on `127.0.0.1:0` with a fresh, migrated database.
    pub async fn spawn(engine: &Engine) -> TestApp {
        Self::spawn_with(engine, |_| {}).await
    }

    /// Like [`TestApp::spawn`], with the configuration adjusted first (limits, schedules).
    pub async fn spawn_with(engine: &Engine, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let database = TestDatabase::create(engine).await;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let mut config = Config {
            listen: addr,
            public_url: format!("http://{addr}"),
            database_url: database.url.clone(),
            redis_url: None,
            secret_key: Some(secrecy::SecretString::from(format!(
                "test-secret-{}",
                uuid::Uuid::new_v4().simple()
            ))),
            data_dir: database.dir.clone(),
            log_format: LogFormat::Text,
            database_max_connections: 20,
            api_key_cache_seconds: 60,
            migrate_on_start: true,
            // Test receivers listen on loopback, which the SSRF guard refuses by default.
            dispatch: roster_dispatch::DispatchConfig {
                network: roster_dispatch::NetworkGuard::parse("127.0.0.1/32")
                    .expect("loopback network"),
                ..Default::default()
            },
            redis_prefix: format!("roster-test-{}", uuid::Uuid::new_v4().simple()),
            scim_rate_limit: 0,
            scim_max_payload_bytes: 4 * 1024 * 1024,
            event_retention: None,
            portal: Default::default(),
        };
        adjust(&mut config);
        let store = app::open_store(&config).await.expect("open test database");
        store.migrate().await.expect("migrate test database");
        let key = roster_server::auth::generate_api_key()
            .await
            .expect("generate api key");
        store
            .create_api_key(key.id.as_str(), "test", &key.hash)
            .await
            .expect("store api key");
        let state = app::build_state(&mut config, store.clone())
            .await
            .expect("app state");
        let shutdown = CancellationToken::new();
        let running = app::start(listener, state, Role::All, shutdown.clone()).expect("start");
        TestApp {
            redis_prefix: config.redis_prefix.clone(),
            engine: engine.clone(),
            base_url: format!("http://{addr}"),
            api_key: key.key,
            client: reqwest::Client::new(),
            store,
            shutdown,
            handle: running.handle,
            database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Sends an API request with the test API key; returns status and JSON body (Null if none).
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.api_with_key(method, path, body, Some(&self.api_key))
            .await
    }

    pub async fn api_with_key(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method.clone(), self.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, json)
    }

    /// Like [`TestApp::api`], asserting the status.
    pub async fn expect(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let (got, json) = self.api(method.clone(), path, body).await;
        assert_eq!(
            got.as_u16(),
            status,
            "{method} {path} answered {got}: {json}"
        );
        json
    }

    pub async fn create_organization(&self, name: &str) -> Value {
        self.expect(
            Method::POST,
            "/api/v1/organizations",
            Some(json!({"name": name})),
            201,
        )
        .await
    }

    /// Creates a directory; returns (directory, token).
    pub async fn create_directory(&self, organization_id: &str, provider: &str) -> (Value, String) {
        let created = self
            .expect(
                Method::POST,
                &format!("/api/v1/organizations/{organization_id}/directories"),
                Some(json!({"name": format!("{provider} directory"), "provider": provider})),
                201,
            )
            .await;
        let token = created["token"]
            .as_str()
            .expect("token in response")
            .to_owned();
        (created["directory"].clone(), token)
    }

    /// A SCIM GET with the given Authorization header value; returns status and body.
    pub async fn scim_get(&self, path: &str, authorization: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.client.get(self.url(path));
        if let Some(auth) = authorization {
            request = request.header("Authorization", auth);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A SCIM request to `path` (under the server root) with a bearer token; returns status,
    /// headers and the JSON body (Null when empty).
    pub async fn scim(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut request = self
            .client
            .request(method.clone(), self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, headers, json)
    }

    /// Reads the whole event stream from the beginning.
    pub async fn all_events(&self, filter: &str) -> Vec<Value> {
        let mut events = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = self
                .expect(
                    Method::GET,
                    &format!("/api/v1/events?limit=1000&after={cursor}{filter}"),
                    None,
                    200,
                )
                .await;
            let data = page["data"].as_array().cloned().unwrap_or_default();
            cursor = page["next_cursor"]
                .as_str()
                .expect("next_cursor")
                .to_owned();
            if data.is_empty() {
                return events;
            }
            events.extend(data);
        }
    }

    /// Stops the server (draining requests) and drops the test database.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        let _ = self.handle.await;
        self.store.close().await;
        self.database.destroy().await;
    }
}
