//! The `roster` command line.

use crate::app::{self, Role};
use crate::config::{Config, ConfigError, Overrides};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use tokio_util::sync::CancellationToken;

#[derive(Parser, Debug)]
#[command(
    name = "roster",
    version,
    about = "Directory sync gateway: SCIM in, signed events out."
)]
pub struct Cli {
    /// Configuration file (default: ./roster.toml if it exists). Also ROSTER_CONFIG.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (migrations are applied first unless --no-migrate).
    Serve {
        /// Address to listen on (ROSTER_LISTEN, default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// Data folder of the embedded database (ROSTER_DATA_DIR, default ./roster-data).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Database URL (ROSTER_DATABASE_URL; default: SQLite in the data folder).
        #[arg(long)]
        database_url: Option<String>,
        /// Which parts to run.
        #[arg(long, value_enum, default_value_t = Role::All)]
        role: Role,
        /// Don't apply migrations at start-up (run `roster migrate` separately).
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Delete events (with their finished deliveries) and activity-log rows older than
    /// ROSTER_EVENT_RETENTION; an event a delivery still waits for is kept. Safe to run on
    /// several replicas at once; schedule it (cron, Kubernetes CronJob).
    Prune {
        /// Only count what would be deleted.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Manage management API keys.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Print the OpenAPI document of the management API.
    Openapi,
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create a key; prints the key alone on stdout (shown once).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        database_url: Option<String>,
    },
}

/// Runs a parsed command line to completion.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            listen,
            data_dir,
            database_url,
            role,
            no_migrate,
        } => {
            let overrides = Overrides {
                config_file: cli.config,
                listen,
                data_dir,
                database_url,
                migrate_on_start: no_migrate.then_some(false),
            };
            serve(overrides, role).await
        }
        Command::Migrate {
            data_dir,
            database_url,
        } => {
            let config = Config::load(&Overrides {
                config_file: cli.config,
                data_dir,
                database_url,
                ..Default::default()
            })?;
            let store = app::open_store(&config).await?;
            let pending = store.pending_migrations().await?;
            store.migrate().await?;
            eprintln!("roster: {pending} migration(s) applied; the schema is up to date");
            Ok(())
        }
        Command::Prune {
            dry_run,
            data_dir,
            database_url,
        } => {
            let config = Config::load(&Overrides {
                config_file: cli.config,
                data_dir,
                database_url,
                ..Default::default()
            })?;
            let Some(retention) = config.event_retention else {
                eprintln!("roster: ROSTER_EVENT_RETENTION is off; nothing to prune");
                return Ok(());
            };
            let store = app::open_store(&config).await?;
            let cutoff = chrono::Utc::now()
                - chrono::Duration::from_std(retention)
                    .map_err(|e| ConfigError::new("ROSTER_EVENT_RETENTION", e.to_string()))?;
            let report = store.prune(cutoff, dry_run).await?;
            let verb = if dry_run { "would delete" } else { "deleted" };
            println!(
                "{verb} {} events, {} deliveries, {} attempts and {} activity rows older than {}; \
                 {} older events kept (deliveries still owed)",
                report.events,
                report.deliveries,
                report.attempts,
                report.activity,
                cutoff.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                report.events_kept
            );
            Ok(())
        }
        Command::ApiKey {
            command:
                ApiKeyCommand::Create {
                    name,
                    data_dir,
                    database_url,
                },
        } => {
            if name.trim().is_empty() || name.len() > 200 {
                return Err(ConfigError::new("--name", "must be 1 to 200 characters").into());
            }
            let config = Config::load(&Overrides {
                config_file: cli.config,
                data_dir,
                database_url,
                ..Default::default()
            })?;
            let store = app::open_store(&config).await?;
            store.migrate().await?;
            let key = create_api_key(&store, name.trim()).await?;
            eprintln!(
                "roster: created API key {} ({name}); it is shown once:",
                key.0
            );
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{}", key.1)?;
            Ok(())
        }
        Command::Openapi => {
            let doc = crate::api::openapi::document();
            println!("{}", serde_json::to_string_pretty(&doc)?);
            Ok(())
        }
    }
}

/// Creates and stores an API key; returns (id, key).
async fn create_api_key(
    store: &roster_store::Store,
    name: &str,
) -> anyhow::Result<(String, String)> {
    let generated = crate::auth::generate_api_key().await?;
    store
        .create_api_key(generated.id.as_str(), name, &generated.hash)
        .await?;
    Ok((generated.id.into_string(), generated.key))
}

async fn serve(overrides: Overrides, role: Role) -> anyhow::Result<()> {
    let mut config = Config::load(&overrides)?;
    crate::telemetry::init(config.log_format);
    for var in crate::config::unknown_env_vars() {
        tracing::warn!(variable = %var, "unknown ROSTER_ setting ignored (typo?)");
    }
    let listener = std::net::TcpListener::bind(config.listen).map_err(|e| {
        ConfigError::new(
            "ROSTER_LISTEN",
            format!("cannot listen on {}: {e}", config.listen),
        )
    })?;
    let store = app::open_store(&config).await?;
    if config.migrate_on_start {
        store.migrate().await?;
    } else if store.pending_migrations().await? > 0 {
        return Err(ConfigError::new(
            "ROSTER_MIGRATE_ON_START",
            "the database schema is behind this version: run `roster migrate` first",
        )
        .into());
    }
    let first_key = if store.count_api_keys().await? == 0 {
        Some(create_api_key(&store, "default").await?)
    } else {
        None
    };
    let state = app::build_state(&mut config, store).await?;
    let shutdown = CancellationToken::new();
    let running = app::start(listener, state, role, shutdown.clone())?;

    println!("Roster is listening on http://{}", running.local_addr);
    println!("  SCIM and API base URL: {}", config.public_url);
    if config.is_embedded() {
        println!("  Data: {} (SQLite)", config.data_dir.display());
    }
    if let Some((_, key)) = first_key {
        println!("  Management API key (shown once, keep it now): {key}");
        println!(
            "  Try: curl -H 'Authorization: Bearer {key}' {}/api/v1/organizations",
            config.public_url
        );
    }
    println!("  Stop with Ctrl-C or SIGTERM (in-flight requests are drained).");
    tracing::info!(listen = %running.local_addr, role = ?role, "roster started");

    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: draining in-flight requests");
        shutdown.cancel();
    });
    running.handle.await??;
    tracing::info!("roster stopped");
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
