//! Configuration: compiled-in defaults → optional `roster.toml` → `ROSTER_*` environment → flags.
//!
//! Every problem is reported as one line naming the setting to fix (`ROSTER_LISTEN: …`).

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The settings as read, before validation. Field names are the `ROSTER_` suffixes.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: String,
    public_url: Option<String>,
    database_url: Option<String>,
    redis_url: Option<String>,
    secret_key: Option<String>,
    data_dir: PathBuf,
    log_format: String,
    database_max_connections: u32,
    api_key_cache_seconds: u64,
    dispatch_allowed_networks: Option<String>,
    dispatch_retry_schedule: Option<String>,
    dispatch_timeout: String,
    dispatch_disable_after: String,
    dispatch_concurrency: usize,
    redis_prefix: String,
    migrate_on_start: bool,
    scim_rate_limit: u32,
    scim_max_payload_bytes: usize,
    event_retention: String,
    portal_link_ttl: String,
    portal_session_ttl: String,
    portal_brand_name: String,
    portal_logo_url: Option<String>,
    portal_accent_color: String,
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            database_url: None,
            redis_url: None,
            secret_key: None,
            data_dir: PathBuf::from("./roster-data"),
            log_format: "text".into(),
            database_max_connections: 10,
            api_key_cache_seconds: 60,
            dispatch_allowed_networks: None,
            dispatch_retry_schedule: None,
            dispatch_timeout: "15s".into(),
            dispatch_disable_after: "5d".into(),
            dispatch_concurrency: 256,
            redis_prefix: "roster".into(),
            migrate_on_start: true,
            scim_rate_limit: 1000,
            scim_max_payload_bytes: 4 * 1024 * 1024,
            event_retention: "90d".into(),
            portal_link_ttl: "15m".into(),
            portal_session_ttl: "8h".into(),
            portal_brand_name: "Roster".into(),
            portal_logo_url: None,
            portal_accent_color: "#2446c7".into(),
        }
    }
}

/// The names of every setting, to warn about misspelt `ROSTER_*` variables.
const KNOWN_ENV: &[&str] = &[
    "LISTEN",
    "PUBLIC_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DATA_DIR",
    "LOG_FORMAT",
    "DATABASE_MAX_CONNECTIONS",
    "API_KEY_CACHE_SECONDS",
    "DISPATCH_ALLOWED_NETWORKS",
    "DISPATCH_RETRY_SCHEDULE",
    "DISPATCH_TIMEOUT",
    "DISPATCH_DISABLE_AFTER",
    "DISPATCH_CONCURRENCY",
    "REDIS_PREFIX",
    "MIGRATE_ON_START",
    "SCIM_RATE_LIMIT",
    "SCIM_MAX_PAYLOAD_BYTES",
    "EVENT_RETENTION",
    "PORTAL_LINK_TTL",
    "PORTAL_SESSION_TTL",
    "PORTAL_BRAND_NAME",
    "PORTAL_LOGO_URL",
    "PORTAL_ACCENT_COLOR",
    "CONFIG",
    "LOG",
    // Read by the test suite, not the server.
    "TEST_POSTGRES_URL",
    "TEST_REDIS_URL",
];

/// Where the log goes and how it looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Validated configuration.
#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Base of issued SCIM URLs and portal links, without a trailing slash.
    pub public_url: String,
    pub database_url: String,
    pub redis_url: Option<String>,
    /// `None` in embedded mode until [`Config::ensure_secret_key`] generates one.
    pub secret_key: Option<SecretString>,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    pub database_max_connections: u32,
    pub api_key_cache_seconds: u64,
    /// The webhook dispatcher (`ROSTER_DISPATCH_*`).
    pub dispatch: roster_dispatch::DispatchConfig,
    /// Prefix of every Redis key and channel (`ROSTER_REDIS_PREFIX`, default `roster`), so
    /// several deployments (or tests) can share one Redis.
    pub redis_prefix: String,
    pub migrate_on_start: bool,
    /// SCIM requests per second per directory (bursts to twice that); 0 turns the limit off.
    pub scim_rate_limit: u32,
    /// Largest SCIM request body accepted (advertised in the ServiceProviderConfig).
    pub scim_max_payload_bytes: usize,
    /// How long `roster prune` keeps events and the activity log (`ROSTER_EVENT_RETENTION`,
    /// default `90d`); `None` (`off`) keeps everything.
    pub event_retention: Option<std::time::Duration>,
    /// The admin portal (`ROSTER_PORTAL_*`).
    pub portal: PortalConfig,
}

/// Admin-portal settings: how long links and sessions last, and the vendor's branding.
#[derive(Clone, Debug)]
pub struct PortalConfig {
    pub link_ttl: std::time::Duration,
    pub session_ttl: std::time::Duration,
    pub branding: crate::portal::Branding,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            link_ttl: std::time::Duration::from_secs(15 * 60),
            session_ttl: std::time::Duration::from_secs(8 * 3600),
            branding: crate::portal::Branding::default(),
        }
    }
}

fn portal_config(raw: &RawConfig) -> Result<PortalConfig, ConfigError> {
    use roster_dispatch::schedule::parse_duration;
    let between = |name: &str, text: &str, min: u64, max: u64| {
        let d = parse_duration(text).map_err(|e| ConfigError::new(name, e))?;
        if d.as_secs() < min || d.as_secs() > max {
            return Err(ConfigError::new(
                name,
                format!("must be between {min} s and {max} s"),
            ));
        }
        Ok(d)
    };
    let link_ttl = between(
        "ROSTER_PORTAL_LINK_TTL",
        &raw.portal_link_ttl,
        60,
        7 * 86_400,
    )?;
    let session_ttl = between(
        "ROSTER_PORTAL_SESSION_TTL",
        &raw.portal_session_ttl,
        300,
        7 * 86_400,
    )?;
    let name = raw.portal_brand_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ConfigError::new(
            "ROSTER_PORTAL_BRAND_NAME",
            "must be 1 to 100 characters",
        ));
    }
    let color = raw.portal_accent_color.trim();
    let hex = color.strip_prefix('#').unwrap_or("");
    if !(hex.len() == 3 || hex.len() == 6) || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ConfigError::new(
            "ROSTER_PORTAL_ACCENT_COLOR",
            format!("'{color}' is not a colour like #2446c7"),
        ));
    }
    let logo_url = match raw.portal_logo_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(u) => {
            let parsed = url::Url::parse(u).map_err(|e| {
                ConfigError::new("ROSTER_PORTAL_LOGO_URL", format!("'{u}' is not a URL: {e}"))
            })?;
            if !matches!(parsed.scheme(), "https" | "http") {
                return Err(ConfigError::new(
                    "ROSTER_PORTAL_LOGO_URL",
                    "must be an http(s) URL",
                ));
            }
            Some(parsed.to_string())
        }
    };
    Ok(PortalConfig {
        link_ttl,
        session_ttl,
        branding: crate::portal::Branding {
            name: name.to_owned(),
            logo_url,
            accent_color: color.to_owned(),
        },
    })
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Database URLs may carry passwords; the secret key never appears.
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("database_url", &redact_url(&self.database_url))
            .field("redis_url", &self.redis_url.as_deref().map(redact_url))
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field("data_dir", &self.data_dir)
            .field("log_format", &self.log_format)
            .finish_non_exhaustive()
    }
}

/// A configuration problem: which setting, and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    pub setting: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(setting: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            setting: setting.into(),
            message: message.into(),
        }
    }
}

/// Values given on the command line; they win over everything else.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub migrate_on_start: Option<bool>,
}

impl Config {
    /// Loads from the process environment.
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        Self::from_figment(Self::figment(overrides)?, overrides)
    }

    fn figment(overrides: &Overrides) -> Result<Figment, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(RawConfig::default()));
        let explicit = overrides
            .config_file
            .clone()
            .or_else(|| std::env::var_os("ROSTER_CONFIG").map(PathBuf::from));
        match explicit {
            Some(path) => {
                if !path.is_file() {
                    return Err(ConfigError::new(
                        "--config",
                        format!("configuration file {} does not exist", path.display()),
                    ));
                }
                figment = figment.merge(Toml::file(path));
            }
            None => {
                let default_path = Path::new("roster.toml");
                if default_path.is_file() {
                    figment = figment.merge(Toml::file(default_path));
                }
            }
        }
        let known: Vec<String> = KNOWN_ENV.iter().map(|k| k.to_lowercase()).collect();
        figment = figment.merge(Env::prefixed("ROSTER_").filter(move |key| {
            let key = key.as_str().to_lowercase();
            known.contains(&key) && key != "config" && key != "log" && !key.starts_with("test_")
        }));
        Ok(figment)
    }

    fn from_figment(figment: Figment, overrides: &Overrides) -> Result<Config, ConfigError> {
        let mut raw: RawConfig = figment.extract().map_err(figment_error)?;
        if let Some(listen) = &overrides.listen {
            raw.listen = listen.clone();
        }
        if let Some(dir) = &overrides.data_dir {
            raw.data_dir = dir.clone();
        }
        if let Some(url) = &overrides.database_url {
            raw.database_url = Some(url.clone());
        }
        if let Some(migrate) = overrides.migrate_on_start {
            raw.migrate_on_start = migrate;
        }
        Self::validate(raw)
    }

    fn validate(raw: RawConfig) -> Result<Config, ConfigError> {
        let portal = portal_config(&raw)?;
        let listen: SocketAddr = raw.listen.parse().map_err(|_| {
            ConfigError::new(
                "ROSTER_LISTEN",
                format!("'{}' is not an address like 127.0.0.1:8080", raw.listen),
            )
        })?;

        let dispatch = dispatch_config(&raw)?;
        let public_url = match raw.public_url {
            Some(url) => {
                let parsed = url::Url::parse(&url).map_err(|e| {
                    ConfigError::new(
                        "ROSTER_PUBLIC_URL",
                        format!(
                            "'{url}' is not a URL ({e}); expected e.g. https://roster.example.com"
                        ),
                    )
                })?;
                if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                    return Err(ConfigError::new(
                        "ROSTER_PUBLIC_URL",
                        format!("'{url}' must be an http(s) URL with a host"),
                    ));
                }
                url.trim_end_matches('/').to_owned()
            }
            None => format!("http://{listen}"),
        };

        let database_url = match raw.database_url {
            Some(url) => {
                let scheme = url.split(':').next().unwrap_or_default();
                if !matches!(scheme, "sqlite" | "postgres" | "postgresql") {
                    return Err(ConfigError::new(
                        "ROSTER_DATABASE_URL",
                        format!(
                            "unsupported database '{}'; use postgres://user:pass@host/db or sqlite://path",
                            redact_url(&url)
                        ),
                    ));
                }
                url
            }
            None => {
                let path = raw.data_dir.join("roster.db");
                format!("sqlite://{}?mode=rwc", path.display())
            }
        };

        if let Some(url) = &raw.redis_url {
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(ConfigError::new(
                    "ROSTER_REDIS_URL",
                    format!(
                        "'{}' must start with redis:// or rediss://",
                        redact_url(url)
                    ),
                ));
            }
        }

        let secret_key = match raw.secret_key {
            Some(key) if key.len() < 32 => {
                return Err(ConfigError::new(
                    "ROSTER_SECRET_KEY",
                    "must be at least 32 characters (e.g. `openssl rand -base64 32`)",
                ))
            }
            Some(key) => Some(SecretString::from(key)),
            None => None,
        };

        let log_format = match raw.log_format.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::new(
                    "ROSTER_LOG_FORMAT",
                    format!("'{other}' is not one of: text, json"),
                ))
            }
        };

        if raw.database_max_connections == 0 {
            return Err(ConfigError::new(
                "ROSTER_DATABASE_MAX_CONNECTIONS",
                "must be at least 1",
            ));
        }

        if !(1024..=64 * 1024 * 1024).contains(&raw.scim_max_payload_bytes) {
            return Err(ConfigError::new(
                "ROSTER_SCIM_MAX_PAYLOAD_BYTES",
                "must be between 1024 and 67108864 (64 MiB)",
            ));
        }

        if raw.redis_prefix.trim().is_empty() {
            return Err(ConfigError::new("ROSTER_REDIS_PREFIX", "must not be empty"));
        }

        let event_retention = match raw.event_retention.trim() {
            "off" | "0" => None,
            text => {
                let retention = roster_dispatch::schedule::parse_duration(text)
                    .map_err(|e| ConfigError::new("ROSTER_EVENT_RETENTION", e))?;
                if retention < std::time::Duration::from_secs(3600) {
                    return Err(ConfigError::new(
                        "ROSTER_EVENT_RETENTION",
                        "must be at least 1h (or `off` to keep everything)",
                    ));
                }
                Some(retention)
            }
        };
        Ok(Config {
            listen,
            public_url,
            database_url,
            redis_url: raw.redis_url,
            secret_key,
            data_dir: raw.data_dir,
            log_format,
            database_max_connections: raw.database_max_connections,
            api_key_cache_seconds: raw.api_key_cache_seconds,
            dispatch,
            redis_prefix: raw.redis_prefix,
            migrate_on_start: raw.migrate_on_start,
            scim_rate_limit: raw.scim_rate_limit,
            scim_max_payload_bytes: raw.scim_max_payload_bytes,
            event_retention,
            portal,
        })
    }

    pub fn is_embedded(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// Uses `ROSTER_SECRET_KEY`, or in embedded mode the key kept in the data folder (made on
    /// first start). A production deployment must set it: replicas have to share it.
    pub fn ensure_secret_key(&mut self) -> Result<SecretString, ConfigError> {
        if let Some(key) = &self.secret_key {
            return Ok(key.clone());
        }
        if !self.is_embedded() {
            return Err(ConfigError::new(
                "ROSTER_SECRET_KEY",
                "must be set when ROSTER_DATABASE_URL is PostgreSQL (every replica needs the same key)",
            ));
        }
        let path = self.data_dir.join("secret.key");
        let key = match std::fs::read_to_string(&path) {
            Ok(existing) => existing.trim().to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = crate::auth::random_secret(32);
                write_private_file(&path, &key).map_err(|e| {
                    ConfigError::new(
                        "ROSTER_DATA_DIR",
                        format!("cannot write {}: {e}", path.display()),
                    )
                })?;
                key
            }
            Err(e) => {
                return Err(ConfigError::new(
                    "ROSTER_DATA_DIR",
                    format!("cannot read {}: {e}", path.display()),
                ))
            }
        };
        let secret = SecretString::from(key);
        self.secret_key = Some(secret.clone());
        Ok(secret)
    }

    /// Creates the data folder for the embedded database.
    pub fn prepare_data_dir(&self) -> Result<(), ConfigError> {
        if self.is_embedded() {
            std::fs::create_dir_all(&self.data_dir).map_err(|e| {
                ConfigError::new(
                    "ROSTER_DATA_DIR",
                    format!("cannot create {}: {e}", self.data_dir.display()),
                )
            })?;
        }
        Ok(())
    }
}

/// The `ROSTER_DISPATCH_*` settings.
fn dispatch_config(raw: &RawConfig) -> Result<roster_dispatch::DispatchConfig, ConfigError> {
    use roster_dispatch::schedule::parse_duration;
    let mut config = roster_dispatch::DispatchConfig::default();
    if let Some(list) = raw.dispatch_allowed_networks.as_deref() {
        config.network = roster_dispatch::NetworkGuard::parse(list)
            .map_err(|e| ConfigError::new("ROSTER_DISPATCH_ALLOWED_NETWORKS", e))?;
    }
    if let Some(schedule) = raw.dispatch_retry_schedule.as_deref() {
        config.retry_schedule = roster_dispatch::RetrySchedule::parse(schedule)
            .map_err(|e| ConfigError::new("ROSTER_DISPATCH_RETRY_SCHEDULE", e))?;
    }
    config.timeout = parse_duration(&raw.dispatch_timeout)
        .map_err(|e| ConfigError::new("ROSTER_DISPATCH_TIMEOUT", e))?;
    if config.timeout < std::time::Duration::from_millis(100)
        || config.timeout > std::time::Duration::from_secs(60)
    {
        return Err(ConfigError::new(
            "ROSTER_DISPATCH_TIMEOUT",
            "must be between 100ms and 60s",
        ));
    }
    config.disable_after = parse_duration(&raw.dispatch_disable_after)
        .map_err(|e| ConfigError::new("ROSTER_DISPATCH_DISABLE_AFTER", e))?;
    if !(1..=10_000).contains(&raw.dispatch_concurrency) {
        return Err(ConfigError::new(
            "ROSTER_DISPATCH_CONCURRENCY",
            "must be between 1 and 10000",
        ));
    }
    config.concurrency = raw.dispatch_concurrency;
    Ok(config)
}

/// `ROSTER_*` variables that no setting reads: almost always a typo worth a warning.
pub fn unknown_env_vars() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter_map(|k| k.strip_prefix("ROSTER_").map(str::to_owned))
        .filter(|k| !KNOWN_ENV.contains(&k.as_str()))
        .map(|k| format!("ROSTER_{k}"))
        .collect()
}

fn figment_error(e: figment::Error) -> ConfigError {
    let setting = e
        .path
        .first()
        .map(|p| format!("ROSTER_{}", p.to_uppercase()))
        .unwrap_or_else(|| "configuration".into());
    let source = e
        .metadata
        .as_ref()
        .map(|m| format!(" (from {})", m.name))
        .unwrap_or_default();
    ConfigError::new(setting, format!("{}{source}", e.kind))
}

/// Hides the password of a `scheme://user:password@host` URL.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// The secret key as bytes, for HMAC keys and encryption.
pub fn secret_bytes(key: &SecretString) -> Vec<u8> {
    key.expose_secret().as_bytes().to_vec()
}

#[cfg(test)]
// figment's Jail closures return its (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    fn load_in(jail: &Jail) -> Result<Config, ConfigError> {
        let _ = jail;
        Config::load(&Overrides::default())
    }

    #[test]
    fn defaults_need_no_configuration() {
        Jail::expect_with(|jail| {
            let config = load_in(jail).expect("defaults are valid");
            assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
            assert_eq!(config.public_url, "http://127.0.0.1:8080");
            assert!(config.is_embedded());
            assert!(config.database_url.contains("roster-data"));
            Ok(())
        });
    }

    #[test]
    fn environment_beats_file_and_flags_beat_environment() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "roster.toml",
                "listen = \"127.0.0.1:9000\"\npublic_url = \"https://file.example\"",
            )?;
            jail.set_env("ROSTER_PUBLIC_URL", "https://env.example/");
            let config = load_in(jail).expect("valid");
            assert_eq!(config.listen.to_string(), "127.0.0.1:9000");
            assert_eq!(config.public_url, "https://env.example");
            let flags = Overrides {
                listen: Some("127.0.0.1:9100".into()),
                ..Default::default()
            };
            let config = Config::load(&flags).expect("valid");
            assert_eq!(config.listen.to_string(), "127.0.0.1:9100");
            Ok(())
        });
    }

    #[test]
    fn bad_values_name_the_setting() {
        Jail::expect_with(|jail| {
            jail.set_env("ROSTER_PUBLIC_URL", "not a url");
            let err = load_in(jail).expect_err("invalid");
            assert!(err.to_string().starts_with("ROSTER_PUBLIC_URL: "), "{err}");
            jail.set_env("ROSTER_PUBLIC_URL", "https://ok.example");
            jail.set_env("ROSTER_LISTEN", "localhost");
            let err = load_in(jail).expect_err("invalid");
            assert!(err.to_string().starts_with("ROSTER_LISTEN: "), "{err}");
            jail.set_env("ROSTER_LISTEN", "127.0.0.1:1");
            jail.set_env("ROSTER_DATABASE_URL", "mysql://x");
            let err = load_in(jail).expect_err("invalid");
            assert!(
                err.to_string().starts_with("ROSTER_DATABASE_URL: "),
                "{err}"
            );
            jail.set_env("ROSTER_DATABASE_URL", "sqlite://x.db");
            jail.set_env("ROSTER_DATABASE_MAX_CONNECTIONS", "many");
            let err = load_in(jail).expect_err("invalid");
            assert!(
                err.to_string()
                    .starts_with("ROSTER_DATABASE_MAX_CONNECTIONS: "),
                "{err}"
            );
            Ok(())
        });
    }

    #[test]
    fn debug_output_redacts_secrets() {
        Jail::expect_with(|jail| {
            jail.set_env("ROSTER_DATABASE_URL", "postgres://roster:hunter2@db/roster");
            jail.set_env("ROSTER_SECRET_KEY", "k".repeat(40));
            let config = load_in(jail).expect("valid");
            let shown = format!("{config:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(!shown.contains(&"k".repeat(40)), "{shown}");
            Ok(())
        });
    }
}
