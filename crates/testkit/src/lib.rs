//! Test support: a real Roster server on a loopback port with a fresh database, and an HTTP
//! client that talks to it the way a vendor's backend (or an IdP) does.
//!
//! Every test gets its own database — a new SQLite file, or a new PostgreSQL database when
//! `ROSTER_TEST_POSTGRES_URL` is set — so tests run in parallel. [`engines`] lists the engines a
//! test should cover: always SQLite, and PostgreSQL when configured (CI always configures it).
#![forbid(unsafe_code)]

use reqwest::{Method, StatusCode};
use roster_server::app::{self, Role};
use roster_server::config::{Config, LogFormat};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{json, Value};
use std::path::PathBuf;
use tokio_util::sync::CancellationToken;

/// A database engine under test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    /// The admin URL (a database we may create others from).
    Postgres(String),
}

impl Engine {
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres(_) => "postgres",
        }
    }
}

/// SQLite, plus PostgreSQL when `ROSTER_TEST_POSTGRES_URL` is set.
pub fn engines() -> Vec<Engine> {
    let mut engines = vec![Engine::Sqlite];
    if let Ok(url) = std::env::var("ROSTER_TEST_POSTGRES_URL") {
        if !url.is_empty() {
            engines.push(Engine::Postgres(url));
        }
    }
    engines
}

/// A running server with its own database.
pub struct TestApp {
    pub engine: Engine,
    pub base_url: String,
    /// A management API key valid on this server.
    pub api_key: String,
    pub client: reqwest::Client,
    pub store: roster_store::Store,
    shutdown: CancellationToken,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteDir(PathBuf),
    PostgresDb { admin_url: String, name: String },
}

fn unique_name() -> String {
    format!("roster_test_{}", uuid::Uuid::now_v7().simple())
}

/// Replaces the database name of a PostgreSQL URL.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix_end = base
        .rfind('/')
        .filter(|&i| i > "postgres://".len())
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..prefix_end], database);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestApp {
    /// Starts a server on `127.0.0.1:0` with a fresh, migrated database.
    pub async fn spawn(engine: &Engine) -> TestApp {
        let name = unique_name();
        let (database_url, cleanup, data_dir) = match engine {
            Engine::Sqlite => {
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir).expect("create test data dir");
                let url = format!("sqlite://{}?mode=rwc", dir.join("roster.db").display());
                (url, Cleanup::SqliteDir(dir.clone()), dir)
            }
            Engine::Postgres(admin_url) => {
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .unwrap_or_else(|e| {
                        panic!("ROSTER_TEST_POSTGRES_URL {admin_url} unreachable: {e}")
                    });
                admin
                    .execute(Statement::from_string(
                        admin.get_database_backend(),
                        format!("CREATE DATABASE {name}"),
                    ))
                    .await
                    .expect("create test database");
                let _ = admin.close().await;
                let dir = std::env::temp_dir().join(&name);
                (
                    with_database(admin_url, &name),
                    Cleanup::PostgresDb {
                        admin_url: admin_url.clone(),
                        name: name.clone(),
                    },
                    dir,
                )
            }
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let mut config = Config {
            listen: addr,
            public_url: format!("http://{addr}"),
            database_url,
            redis_url: None,
            secret_key: Some(secrecy::SecretString::from(format!(
                "test-secret-{}",
                uuid::Uuid::new_v4().simple()
            ))),
            data_dir,
            log_format: LogFormat::Text,
            database_max_connections: 20,
            api_key_cache_seconds: 60,
            migrate_on_start: true,
        };
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
            engine: engine.clone(),
            base_url: format!("http://{addr}"),
            api_key: key.key,
            client: reqwest::Client::new(),
            store,
            shutdown,
            handle: running.handle,
            cleanup,
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
        match self.cleanup {
            Cleanup::SqliteDir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PostgresDb { admin_url, name } => {
                if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                    let _ = admin
                        .execute(Statement::from_string(
                            admin.get_database_backend(),
                            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                        ))
                        .await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
    }
}
