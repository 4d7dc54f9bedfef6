//! Test support: a fresh database per test, on every engine the run is configured for.
//!
//! SQLite always; PostgreSQL too when `ROSTER_TEST_POSTGRES_URL` names a server we may create
//! databases on (CI always sets it). Each test gets its own SQLite file or `roster_test_<uuid>`
//! database, so tests run in parallel.
#![forbid(unsafe_code)]

use sea_orm::{ConnectionTrait, Database, Statement};
use std::future::Future;
use std::path::PathBuf;

/// The variable naming the PostgreSQL server of the test run.
pub const POSTGRES_URL_ENV: &str = "ROSTER_TEST_POSTGRES_URL";

/// A database engine under test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    /// The admin URL, on which test databases are created.
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
    if let Ok(url) = std::env::var(POSTGRES_URL_ENV) {
        if !url.is_empty() {
            engines.push(Engine::Postgres(url));
        }
    }
    engines
}

/// A name no other test uses.
pub fn unique_name() -> String {
    format!("roster_test_{}", uuid::Uuid::now_v7().simple())
}

/// Replaces the database name in a `postgres://user@host:port/db?params` URL.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority = base[scheme_end..].split('/').next().unwrap_or_default();
    let mut out = format!("{}{authority}/{database}", &base[..scheme_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A database that exists only for one test. Call [`TestDatabase::destroy`] at the end.
pub struct TestDatabase {
    pub engine: Engine,
    /// Connection URL of the fresh database.
    pub url: String,
    /// A folder of the test's own, next to the SQLite file (or empty, for PostgreSQL).
    pub dir: PathBuf,
    name: String,
}

impl TestDatabase {
    /// Creates an empty database (not migrated).
    pub async fn create(engine: &Engine) -> TestDatabase {
        let name = unique_name();
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).expect("create the test's temp folder");
        let url = match engine {
            Engine::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("roster.db").display()),
            Engine::Postgres(admin_url) => {
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .unwrap_or_else(|e| panic!("{POSTGRES_URL_ENV}={admin_url} unreachable: {e}"));
                admin
                    .execute(Statement::from_string(
                        admin.get_database_backend(),
                        format!("CREATE DATABASE \"{name}\""),
                    ))
                    .await
                    .expect("create the test database");
                let _ = admin.close().await;
                with_database(admin_url, &name)
            }
        };
        TestDatabase {
            engine: engine.clone(),
            url,
            dir,
            name,
        }
    }

    /// Removes the database and the test's folder. Close connections to it first.
    pub async fn destroy(self) {
        if let Engine::Postgres(admin_url) = &self.engine {
            if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                let _ = admin
                    .execute(Statement::from_string(
                        admin.get_database_backend(),
                        format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
                    ))
                    .await;
                let _ = admin.close().await;
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `body` with the URL of a fresh database on every configured engine, one after the
/// other, and removes each database afterwards — also when `body` panics.
pub async fn with_each_engine<F, Fut>(body: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for engine in engines() {
        let database = TestDatabase::create(&engine).await;
        let outcome = tokio::spawn(body(database.url.clone())).await;
        database.destroy().await;
        if let Err(err) = outcome {
            if err.is_panic() {
                std::panic::resume_unwind(err.into_panic());
            }
            panic!("{} run did not finish: {err}", engine.name());
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
