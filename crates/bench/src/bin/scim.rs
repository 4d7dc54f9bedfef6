//! SCIM ingress benchmark (issue 5): `POST /Users` throughput and `GET /Users?filter=userName eq`
//! latency of the real `roster` binary, on SQLite and PostgreSQL, next to PostgreSQL's own
//! ceiling for the same transaction shape (pgbench) measured in the same run.
//!
//! Run it with `scripts/bench-scim.sh` (builds the server, then this binary); see
//! `crates/bench/README.md` for what each figure means and how the data is seeded.
//!
//! Progress goes to stderr; the Markdown report (paste-ready for the README) to stdout.

use anyhow::{bail, ensure, Context, Result};
use clap::{Parser, ValueEnum};
use roster_bench::percentile;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Parser, Debug, Clone)]
#[command(about = "SCIM ingress benchmark: POST /Users throughput and userName-eq lookup latency")]
struct Args {
    /// The `roster` binary to run (build it with `cargo build --profile release-fast -p roster-server`).
    #[arg(long, default_value = "target/release-fast/roster")]
    roster: PathBuf,
    /// Engines to measure, in order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "sqlite,postgres"
    )]
    engines: Vec<Engine>,
    /// PostgreSQL server (no database name): scratch databases `bench_<random>` are created there.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres: String,
    #[arg(long, default_value = "pgbench")]
    pgbench: String,
    #[arg(long, default_value = "psql")]
    psql: String,
    #[arg(long, default_value = "sqlite3")]
    sqlite3: String,
    /// Directory holding `scim-create.sql` and `scim-lookup.sql`.
    #[arg(long, default_value = "crates/bench/pgbench")]
    pgbench_scripts: PathBuf,
    /// Measured seconds per load phase.
    #[arg(long, default_value_t = 15)]
    duration: u64,
    /// Unmeasured seconds before each load phase.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Seconds per pgbench run.
    #[arg(long, default_value_t = 15)]
    pgbench_duration: u64,
    /// In-flight `POST /Users` requests (one phase per value).
    #[arg(long, value_delimiter = ',', default_value = "16,64")]
    create_concurrency: Vec<usize>,
    /// In-flight lookups of the concurrent lookup phase (a concurrency-1 phase always runs too).
    #[arg(long, default_value_t = 16)]
    lookup_concurrency: usize,
    /// Directories of the "spread" create phases and of the large lookup data set.
    #[arg(long, default_value_t = 100)]
    directories: usize,
    /// Users seeded into the single lookup directory.
    #[arg(long, default_value_t = 100_000)]
    users_one: u64,
    /// Members of the group measured after the one-directory lookups (needs at least this many
    /// users seeded in that directory).
    #[arg(long, default_value_t = 50_000)]
    group_members: u64,
    /// Skip the group measurements.
    #[arg(long)]
    skip_groups: bool,
    /// Users seeded across `--directories` directories (evenly).
    #[arg(long, default_value_t = 1_000_000)]
    users_many: u64,
    /// Skip the "one directory" create phases (keep only the spread ones).
    #[arg(long)]
    skip_one_directory_creates: bool,
    /// Skip the settings-recompute measurement (after the one-directory lookups).
    #[arg(long)]
    skip_recompute: bool,
    /// Skip the lookup phases (and the seeding they need).
    #[arg(long)]
    skip_lookups: bool,
    /// Skip pgbench.
    #[arg(long)]
    skip_pgbench: bool,
    /// Keep the scratch databases and data folders (their names are printed).
    #[arg(long)]
    keep: bool,
    /// Loopback port for the server.
    #[arg(long, default_value_t = 18480)]
    port: u16,
    /// `ROSTER_DATABASE_MAX_CONNECTIONS` for the PostgreSQL runs (roster's default is 10).
    #[arg(long)]
    pg_pool: Option<u32>,
    /// PostgreSQL only: after the one-replica create phases, start this many replicas in all
    /// (ports `--port`, `--port`+1, …; one database) and repeat the spread create phases with
    /// requests spread over them. 1: no replica phases.
    #[arg(long, default_value_t = 1)]
    replicas: usize,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

const SECRET_KEY: &str = "bench-secret-key-0123456789abcdef0123456789";
const TEMPLATE: &str = "seedtemplate";

fn log(msg: impl AsRef<str>) {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    eprintln!(
        "[{:02}:{:02}:{:02}] {}",
        (t / 3600) % 24,
        (t / 60) % 60,
        t % 60,
        msg.as_ref()
    );
}

/// splitmix64: a cheap, well-spread hash for picking directories and userNames.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn random_tag() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    format!("{:08x}", mix(nanos ^ u64::from(std::process::id())) as u32)
}

// ---------------------------------------------------------------------------------------------
// External tools
// ---------------------------------------------------------------------------------------------

fn run_tool(mut cmd: Command, stdin: Option<&str>, what: &str) -> Result<String> {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("{what}: cannot start"))?;
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .context("stdin")?
            .write_all(input.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn psql(args: &Args, url: &str, sql: &str) -> Result<String> {
    let mut cmd = Command::new(&args.psql);
    cmd.args([
        "-X",
        "-q",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        url,
        "-f",
        "-",
    ]);
    run_tool(cmd, Some(sql), "psql")
}

fn sqlite(args: &Args, db: &Path, sql: &str) -> Result<String> {
    let mut cmd = Command::new(&args.sqlite3);
    cmd.arg("-bail").arg(db);
    run_tool(cmd, Some(sql), "sqlite3")
}

/// utime + stime of a process, in clock ticks.
fn proc_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// CPU ticks so far of roster, of PostgreSQL (the backends of our database and the auxiliary
/// processes; other databases' backends are left out: the machine is shared), of this benchmark,
/// and of the whole machine (busy ticks, all cores).
#[derive(Clone, Copy, Default)]
struct Cpu {
    roster: u64,
    postgres: u64,
    bench: u64,
    machine: u64,
}

fn machine_busy_ticks() -> u64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            let line = s.lines().next()?.to_owned();
            let f: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|v| v.parse().ok())
                .collect();
            // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
            Some(f.iter().take(8).sum::<u64>() - f.get(3)? - f.get(4)?)
        })
        .unwrap_or(0)
}

fn cpu_sample(roster_pid: Option<u32>, db: Option<&str>) -> Cpu {
    let mut postgres = 0;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            else {
                continue;
            };
            if !std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
            {
                continue;
            }
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            let client_backend = cmdline.contains('(') || cmdline.contains("[local]");
            let ours = db.is_some_and(|db| cmdline.contains(&format!(" {db} ")));
            if !client_backend || ours {
                postgres += proc_ticks(pid).unwrap_or(0);
            }
        }
    }
    Cpu {
        roster: roster_pid
            .and_then(|p| proc_ticks(&p.to_string()))
            .unwrap_or(0),
        postgres,
        bench: proc_ticks("self").unwrap_or(0),
        machine: machine_busy_ticks(),
    }
}

/// CPU use between two samples, in percent of one core (the machine: of all cores, in % of one).
#[derive(Clone, Copy, Default)]
struct CpuUse {
    roster: f64,
    postgres: f64,
    bench: f64,
    machine: f64,
}

fn cpu_use(a: Cpu, b: Cpu, elapsed: Duration, ticks_per_sec: f64) -> CpuUse {
    let pct = |x: u64, y: u64| {
        (y.saturating_sub(x)) as f64 / ticks_per_sec / elapsed.as_secs_f64() * 100.0
    };
    CpuUse {
        roster: pct(a.roster, b.roster),
        postgres: pct(a.postgres, b.postgres),
        bench: pct(a.bench, b.bench),
        machine: pct(a.machine, b.machine),
    }
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

struct Server {
    child: Option<Child>,
    env: Vec<(String, String)>,
    roster: PathBuf,
    log: PathBuf,
    port: u16,
    /// The PostgreSQL database, if any (for CPU accounting).
    db: Option<String>,
}

impl Server {
    fn new(args: &Args, env: Vec<(String, String)>, work: &Path) -> Self {
        Server {
            child: None,
            env,
            roster: args.roster.clone(),
            log: work.join("roster.log"),
            port: args.port,
            db: None,
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.roster);
        for (k, _) in std::env::vars() {
            if k.starts_with("ROSTER_") {
                cmd.env_remove(k);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    fn run(&self, sub: &[&str]) -> Result<String> {
        let mut cmd = self.command();
        cmd.args(sub);
        run_tool(cmd, None, &format!("roster {}", sub.join(" ")))
    }

    async fn start(&mut self) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let mut cmd = self.command();
        cmd.args(["serve", "--no-migrate"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        self.child = Some(cmd.spawn().context("cannot start roster serve")?);
        let client = reqwest::Client::builder().no_proxy().build()?;
        let url = format!("http://127.0.0.1:{}/healthz", self.port);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    bail!(
                        "roster exited at start-up ({status}); see {}",
                        self.log.display()
                    );
                }
            }
            if client
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            ensure!(Instant::now() < deadline, "roster not ready after 60 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGTERM, then wait (SIGKILL after 20 s).
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---------------------------------------------------------------------------------------------
// Load generation
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
struct Directory {
    id: String,
    base: String,
    token: String,
}

#[derive(Default)]
struct Stats {
    latencies: Vec<Duration>,
    errors: u64,
    error_samples: Vec<String>,
}

#[derive(Clone, Copy, Default)]
struct Measure {
    rps: f64,
    p50: Duration,
    p99: Duration,
    count: usize,
    errors: u64,
    cpu: CpuUse,
}

/// Runs `conc` workers, each with one request in flight, for `warmup + duration`; counts the
/// requests that complete inside the measured window.
async fn run_load<F, Fut>(
    conc: usize,
    warmup: Duration,
    duration: Duration,
    roster_pid: Option<u32>,
    db: Option<String>,
    ticks: f64,
    op: F,
) -> (Measure, Vec<String>)
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = std::result::Result<(), String>> + Send,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let m_start = start + warmup;
    let m_end = m_start + duration;
    let sampler = tokio::spawn(async move {
        tokio::time::sleep_until(m_start.into()).await;
        let a = cpu_sample(roster_pid, db.as_deref());
        let t = Instant::now();
        tokio::time::sleep_until(m_end.into()).await;
        cpu_use(a, cpu_sample(roster_pid, db.as_deref()), t.elapsed(), ticks)
    });
    let mut workers = Vec::with_capacity(conc);
    for w in 0..conc {
        let op = op.clone();
        workers.push(tokio::spawn(async move {
            let mut stats = Stats::default();
            let mut i = 0u64;
            loop {
                let t0 = Instant::now();
                if t0 >= m_end {
                    break;
                }
                let result = op(w, i).await;
                i += 1;
                let t1 = Instant::now();
                if t1 < m_start || t1 > m_end {
                    continue;
                }
                match result {
                    Ok(()) => stats.latencies.push(t1 - t0),
                    Err(e) => {
                        stats.errors += 1;
                        if stats.error_samples.len() < 3 {
                            stats.error_samples.push(e);
                        }
                    }
                }
            }
            stats
        }));
    }
    let mut all = Stats::default();
    for w in workers {
        let s = w.await.unwrap_or_default();
        all.latencies.extend(s.latencies);
        all.errors += s.errors;
        all.error_samples.extend(s.error_samples);
    }
    let cpu = sampler.await.unwrap_or_default();
    all.latencies.sort_unstable();
    let count = all.latencies.len();
    all.error_samples.truncate(5);
    (
        Measure {
            rps: count as f64 / duration.as_secs_f64(),
            p50: percentile(&all.latencies, 50.0),
            p99: percentile(&all.latencies, 99.0),
            count,
            errors: all.errors,
            cpu,
        },
        all.error_samples,
    )
}

/// An Okta-shaped SCIM 2.0 create (Okta's default profile push plus title, phone, enterprise
/// attributes): about 750 bytes.
fn okta_user(user_name: &str, n: u64) -> Value {
    let given = [
        "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken",
    ][(n % 8) as usize];
    let family = [
        "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
    ][((n / 8) % 8) as usize];
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": format!("{given} {family}"),
        "locale": "en-US",
        "title": "Senior Software Engineer",
        "externalId": format!("00u{:017x}", mix(n) >> 4),
        "phoneNumbers": [{"primary": true, "value": "+1 555 0100", "type": "mobile"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": format!("{}", 100_000 + n % 900_000),
            "department": "Engineering",
            "costCenter": "R&D-42",
            "organization": "Example Corp"
        },
        "groups": [],
        "password": "xK9#mP2$vL7qR4tN",
        "active": true
    })
}

struct Http {
    client: reqwest::Client,
    api: String,
    key: String,
}

impl Http {
    fn new(port: u16, key: String) -> Result<Self> {
        Ok(Http {
            client: reqwest::Client::builder()
                .no_proxy()
                .tcp_nodelay(true)
                .pool_max_idle_per_host(512)
                .timeout(Duration::from_secs(60))
                .build()?,
            api: format!("http://127.0.0.1:{port}/api/v1"),
            key,
        })
    }

    async fn post_api(&self, path: &str, body: Value) -> Result<Value> {
        let r = self
            .client
            .post(format!("{}{path}", self.api))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let text = r.text().await?;
        ensure!(status.is_success(), "POST {path}: {status}: {text}");
        Ok(serde_json::from_str(&text)?)
    }

    /// A PATCH that may take long (a settings change recomputing a large directory).
    async fn patch_api(&self, path: &str, body: Value) -> Result<Value> {
        let r = self
            .client
            .patch(format!("{}{path}", self.api))
            .bearer_auth(&self.key)
            .timeout(Duration::from_secs(1800))
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let text = r.text().await?;
        ensure!(status.is_success(), "PATCH {path}: {status}: {text}");
        Ok(serde_json::from_str(&text)?)
    }

    /// `n` organizations with one Okta directory each.
    async fn directories(&self, prefix: &str, n: usize) -> Result<Vec<Directory>> {
        let mut out = Vec::with_capacity(n);
        for k in 0..n {
            let org = self
                .post_api(
                    "/organizations",
                    json!({"name": format!("{prefix} org {k}")}),
                )
                .await?;
            let org_id = org["id"].as_str().context("organization id")?;
            let d = self
                .post_api(
                    &format!("/organizations/{org_id}/directories"),
                    json!({"name": format!("{prefix} directory {k}"), "provider": "okta"}),
                )
                .await?;
            out.push(Directory {
                id: d["directory"]["id"]
                    .as_str()
                    .context("directory id")?
                    .to_owned(),
                base: d["directory"]["scim_base_url"]
                    .as_str()
                    .context("scim_base_url")?
                    .to_owned(),
                token: d["token"].as_str().context("token")?.to_owned(),
            });
        }
        Ok(out)
    }

    async fn create_user(&self, dir: &Directory, body: &Value) -> Result<Value> {
        let r = self
            .client
            .post(format!("{}/Users", dir.base))
            .bearer_auth(&dir.token)
            .header("content-type", "application/scim+json")
            .json(body)
            .send()
            .await?;
        let status = r.status();
        let text = r.text().await?;
        ensure!(status.as_u16() == 201, "POST /Users: {status}: {text}");
        Ok(serde_json::from_str(&text)?)
    }
}

/// One authenticated request per directory, in turn: activation and the first token
/// verification happen here rather than inside a measured window.
async fn prime(client: &reqwest::Client, dirs: &[Directory]) -> Result<()> {
    for d in dirs {
        let r = client
            .get(format!("{}/Users?count=1", d.base))
            .bearer_auth(&d.token)
            .send()
            .await?;
        let status = r.status();
        let text = r.text().await?;
        ensure!(
            status.is_success(),
            "GET {}/Users?count=1: {status}: {text}",
            d.base
        );
    }
    Ok(())
}

async fn create_op(
    client: reqwest::Client,
    dir: Directory,
    body: Vec<u8>,
) -> std::result::Result<(), String> {
    let r = client
        .post(format!("{}/Users", dir.base))
        .bearer_auth(&dir.token)
        .header("content-type", "application/scim+json")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status();
    let text = r.text().await.map_err(|e| e.to_string())?;
    if status.as_u16() == 201 {
        Ok(())
    } else {
        Err(format!(
            "{status}: {}",
            text.chars().take(300).collect::<String>()
        ))
    }
}

async fn lookup_op(
    client: reqwest::Client,
    dir: Directory,
    user_name: String,
) -> std::result::Result<(), String> {
    let url = format!(
        "{}/Users?filter=userName%20eq%20%22{user_name}%22",
        dir.base
    );
    let r = client
        .get(url)
        .bearer_auth(&dir.token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status();
    let text = r.text().await.map_err(|e| e.to_string())?;
    if status.as_u16() != 200 {
        return Err(format!(
            "{status}: {}",
            text.chars().take(300).collect::<String>()
        ));
    }
    match total_results(&text) {
        Some(1) => Ok(()),
        other => Err(format!("{user_name}: totalResults {other:?}")),
    }
}

fn total_results(body: &str) -> Option<u64> {
    let at = body.find("\"totalResults\"")? + "\"totalResults\"".len();
    let rest = body[at..].trim_start().strip_prefix(':')?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// Seeding: rows of exactly the shape `save_user` writes, cloned from a template user per
// directory that was created over HTTP (so `data` and `raw_attributes` are what roster produced).
// ---------------------------------------------------------------------------------------------

fn template_name(k: usize) -> String {
    format!("{TEMPLATE}-{k}@example.com")
}

/// The userName the seed gives user `g` (1-based) of directory `k`.
fn seeded_name(g: u64, k: usize) -> String {
    format!("seed{g}-{k}@example.com")
}

async fn create_templates(http: &Http, dirs: &[Directory], first_k: usize) -> Result<()> {
    for (i, d) in dirs.iter().enumerate() {
        let mut body = okta_user(&template_name(first_k + i), i as u64);
        body["externalId"] = json!(format!("00u{TEMPLATE}-{}", first_k + i));
        http.create_user(d, &body).await?;
    }
    Ok(())
}

fn seed_sql(engine: Engine, dir_ids: &[String], per_dir: u64) -> String {
    let ids = dir_ids
        .iter()
        .map(|d| format!("'{d}'"))
        .collect::<Vec<_>>()
        .join(",");
    let (new_id, new_eid, series, cast, txt) = match engine {
        Engine::Postgres => (
            "'user_' || lpad(to_hex(g), 8, '0') || substr(t.id, 14)",
            "'user_' || lpad(to_hex(g), 8, '0') || substr(e.user_id, 14)",
            format!("generate_series(1, {per_dir}) AS s(g)"),
            "::jsonb",
            "::text",
        ),
        Engine::Sqlite => (
            "'user_' || printf('%08x', g) || substr(t.id, 14)",
            "'user_' || printf('%08x', g) || substr(e.user_id, 14)",
            "s".to_owned(),
            "",
            "",
        ),
    };
    let with = match engine {
        Engine::Postgres => String::new(),
        Engine::Sqlite => format!(
            "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {per_dir}) "
        ),
    };
    let r = |col: &str| format!("replace(t.{col}, '{TEMPLATE}', 'seed' || g)");
    format!(
        "CREATE TEMP TABLE tpl AS SELECT * FROM users \
           WHERE user_name_key LIKE '{TEMPLATE}-%' AND directory_id IN ({ids});\n\
         {with}INSERT INTO users (id, directory_id, organization_id, idp_id, external_id, user_name, \
           user_name_key, display_name, primary_email, state, version, data, raw_attributes, \
           created_at, updated_at, deleted_at) \
         SELECT {new_id}, t.directory_id, t.organization_id, {idp}, {ext}, {un}, {unk}, t.display_name, \
           {pe}, t.state, t.version, \
           replace(replace(t.data{txt}, t.id, {new_id}), '{TEMPLATE}', 'seed' || g){cast}, \
           replace(t.raw_attributes{txt}, '{TEMPLATE}', 'seed' || g){cast}, \
           t.created_at, t.updated_at, NULL \
         FROM tpl t CROSS JOIN {series};\n\
         {with}INSERT INTO user_emails (user_id, directory_id, value_key) \
         SELECT {new_eid}, e.directory_id, replace(e.value_key, '{TEMPLATE}', 'seed' || g) \
         FROM tpl t JOIN user_emails e ON e.user_id = t.id CROSS JOIN {series};\n",
        idp = r("idp_id"),
        ext = r("external_id"),
        un = r("user_name"),
        unk = r("user_name_key"),
        pe = r("primary_email"),
    )
}

// ---------------------------------------------------------------------------------------------
// pgbench
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Default)]
struct PgbenchResult {
    tps: f64,
    latency_ms: f64,
    failed: u64,
    cpu: CpuUse,
}

fn pgbench(
    args: &Args,
    db_url: &str,
    script: &str,
    clients: usize,
    defines: &[(&str, String)],
    ticks: f64,
) -> Result<PgbenchResult> {
    let mut cmd = Command::new(&args.pgbench);
    cmd.args(["-n", "-f"])
        .arg(args.pgbench_scripts.join(script))
        .args(["-c", &clients.to_string(), "-j", "2", "-T"])
        .arg(args.pgbench_duration.to_string());
    for (k, v) in defines {
        cmd.arg("-D").arg(format!("{k}={v}"));
    }
    cmd.arg(db_url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let db = db_url.rsplit('/').next();
    let child = cmd.spawn().context("cannot start pgbench")?;
    // Backends exit with pgbench and take their CPU ticks with them: sample inside the run.
    let total = Duration::from_secs(args.pgbench_duration);
    let edge = (total / 5).min(Duration::from_secs(2));
    std::thread::sleep(edge);
    let (a, t) = (cpu_sample(None, db), Instant::now());
    std::thread::sleep(total.saturating_sub(edge * 2));
    let cpu = cpu_use(a, cpu_sample(None, db), t.elapsed(), ticks);
    let output = child.wait_with_output()?;
    ensure!(
        output.status.success(),
        "pgbench {script} failed: {}{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    let field = |prefix: &str| -> Option<f64> {
        out.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
    };
    Ok(PgbenchResult {
        tps: field("tps = ").with_context(|| format!("no tps in pgbench output: {out}"))?,
        latency_ms: field("latency average = ").unwrap_or(0.0),
        failed: field("number of failed transactions: ").unwrap_or(0.0) as u64,
        cpu,
    })
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
struct Row {
    engine: Engine,
    scenario: String,
    conc: usize,
    m: Measure,
    /// The pgbench configuration this row is compared with, if any.
    baseline: Option<String>,
}

#[derive(Default)]
struct Report {
    rows: Vec<Row>,
    pgbench: BTreeMap<String, PgbenchResult>,
    notes: Vec<String>,
    seed_times: Vec<String>,
}

struct Ctx {
    args: Args,
    ticks: f64,
}

impl Ctx {
    fn warmup(&self) -> Duration {
        Duration::from_secs(self.args.warmup)
    }
    fn duration(&self) -> Duration {
        Duration::from_secs(self.args.duration)
    }
}

async fn create_phase(
    ctx: &Ctx,
    server: &Server,
    client: &reqwest::Client,
    dirs: &Arc<Vec<Directory>>,
    spread: bool,
    conc: usize,
    tag: &str,
) -> (Measure, Vec<String>) {
    let client = client.clone();
    let dirs = dirs.clone();
    let tag = tag.to_owned();
    run_load(
        conc,
        ctx.warmup(),
        ctx.duration(),
        server.pid(),
        server.db.clone(),
        ctx.ticks,
        move |w, i| {
            let n = (w as u64) << 32 | i;
            let dir = if spread {
                dirs[(mix(n) % dirs.len() as u64) as usize].clone()
            } else {
                dirs[0].clone()
            };
            let body =
                serde_json::to_vec(&okta_user(&format!("{tag}.w{w}.n{i}@bench.example.com"), n))
                    .unwrap_or_default();
            create_op(client.clone(), dir, body)
        },
    )
    .await
}

async fn lookup_phase(
    ctx: &Ctx,
    server: &Server,
    client: &reqwest::Client,
    dirs: &Arc<Vec<Directory>>,
    (first_k, per_dir): (usize, u64),
    conc: usize,
    duration: Duration,
) -> (Measure, Vec<String>) {
    let client = client.clone();
    let dirs = dirs.clone();
    run_load(
        conc,
        ctx.warmup(),
        duration,
        server.pid(),
        server.db.clone(),
        ctx.ticks,
        move |w, i| {
            let h = mix((w as u64) << 40 ^ i ^ 0x5eed);
            let k = (h % dirs.len() as u64) as usize;
            let g = 1 + (h >> 20) % per_dir;
            lookup_op(client.clone(), dirs[k].clone(), seeded_name(g, first_k + k))
        },
    )
    .await
}

fn record(
    report: &mut Report,
    engine: Engine,
    scenario: &str,
    conc: usize,
    res: (Measure, Vec<String>),
    baseline: Option<String>,
) {
    let (m, errors) = res;
    log(format!(
        "  {} {scenario} c={conc}: {} requests, {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, {} errors; CPU roster {:.0} %, postgres {:.0} %, bench {:.0} %, machine {:.0} %",
        engine.name(),
        m.count,
        m.rps,
        ms(m.p50),
        ms(m.p99),
        m.errors,
        m.cpu.roster,
        m.cpu.postgres,
        m.cpu.bench,
        m.cpu.machine
    ));
    for e in &errors {
        log(format!("    error: {e}"));
    }
    if m.errors > 0 {
        report.notes.push(format!(
            "{} {scenario} at {conc}: {} errors, e.g. `{}`",
            engine.name(),
            m.errors,
            errors
                .first()
                .map(String::as_str)
                .unwrap_or("")
                .replace('`', "'")
        ));
    }
    report.rows.push(Row {
        engine,
        scenario: scenario.to_owned(),
        conc,
        m,
        baseline,
    });
}

/// The spread create phases again with `--replicas` processes on the same database, each request
/// to a random replica (a load balancer's view); the ratio to the one-replica figure of the same
/// run goes into the notes.
async fn replica_phases(
    ctx: &Ctx,
    report: &mut Report,
    first: &Server,
    client: &reqwest::Client,
    dirs: &Arc<Vec<Directory>>,
    work: &Path,
) -> Result<()> {
    let args = &ctx.args;
    let n = args.replicas;
    let mut others = Vec::new();
    for k in 1..n {
        let port = args.port + k as u16;
        let mut env: Vec<(String, String)> = first
            .env
            .iter()
            .filter(|(key, _)| key != "ROSTER_LISTEN")
            .cloned()
            .collect();
        env.push(("ROSTER_LISTEN".into(), format!("127.0.0.1:{port}")));
        let mut server = Server::new(args, env, work);
        server.port = port;
        server.log = work.join(format!("roster-{k}.log"));
        server.start().await?;
        others.push(server);
    }
    let spread: Vec<Directory> = dirs
        .iter()
        .flat_map(|d| {
            (0..n).map(move |k| Directory {
                base: d.base.replace(
                    &format!(":{}/", args.port),
                    &format!(":{}/", args.port + k as u16),
                ),
                ..d.clone()
            })
        })
        .collect();
    let spread = Arc::new(spread);
    prime(client, &spread).await?;
    let scenario = format!("POST /Users, {} directories", dirs.len());
    for &c in &args.create_concurrency {
        log(format!("postgres: {scenario}, {n} replicas, {c} in flight"));
        let res = create_phase(
            ctx,
            first,
            client,
            &spread,
            true,
            c,
            &format!("replicas{c}"),
        )
        .await;
        let single = report
            .rows
            .iter()
            .find(|r| r.engine == Engine::Postgres && r.scenario == scenario && r.conc == c)
            .map(|r| r.m.rps);
        if let Some(single) = single.filter(|s| *s > 0.0) {
            report.notes.push(format!(
                "{scenario} at {c} in flight: {n} replicas {:.0} req/s vs 1 replica {single:.0} \
                 req/s ({:.0} %), same database, same run",
                res.0.rps,
                100.0 * res.0.rps / single
            ));
        }
        record(
            report,
            Engine::Postgres,
            &format!("{scenario}, {n} replicas"),
            c,
            res,
            None,
        );
    }
    for mut server in others {
        server.stop();
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run_engine(ctx: &Ctx, engine: Engine, report: &mut Report) -> Result<()> {
    let args = &ctx.args;
    let tag = random_tag();
    let work = std::env::temp_dir().join(format!("roster-bench-{tag}"));
    std::fs::create_dir_all(&work)?;
    let mut env: Vec<(String, String)> = vec![
        ("ROSTER_LISTEN".into(), format!("127.0.0.1:{}", args.port)),
        (
            "ROSTER_DATA_DIR".into(),
            work.join("data").display().to_string(),
        ),
        ("ROSTER_SECRET_KEY".into(), SECRET_KEY.into()),
        ("ROSTER_SCIM_RATE_LIMIT".into(), "0".into()),
        ("ROSTER_LOG".into(), "warn".into()),
    ];
    let db_name = format!("bench_{tag}");
    let pg_url = format!("{}/{db_name}", args.postgres);
    let sqlite_path = work.join("data").join("roster.db");
    if engine == Engine::Postgres {
        psql(
            args,
            &format!("{}/postgres", args.postgres),
            &format!("CREATE DATABASE {db_name};"),
        )?;
        env.push(("ROSTER_DATABASE_URL".into(), pg_url.clone()));
        if let Some(n) = args.pg_pool {
            env.push(("ROSTER_DATABASE_MAX_CONNECTIONS".into(), n.to_string()));
        }
        log(format!(
            "{}: database {db_name}, work folder {}",
            engine.name(),
            work.display()
        ));
    } else {
        log(format!(
            "{}: data folder {}",
            engine.name(),
            work.join("data").display()
        ));
    }
    let result = run_engine_inner(ctx, engine, report, env, &work, &pg_url, &sqlite_path).await;
    if !args.keep {
        if engine == Engine::Postgres {
            let drop = format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE);");
            if let Err(e) = psql(args, &format!("{}/postgres", args.postgres), &drop) {
                log(format!("could not drop {db_name}: {e}"));
            }
        }
        let _ = std::fs::remove_dir_all(&work);
    }
    result
}

async fn run_engine_inner(
    ctx: &Ctx,
    engine: Engine,
    report: &mut Report,
    env: Vec<(String, String)>,
    work: &Path,
    pg_url: &str,
    sqlite_path: &Path,
) -> Result<()> {
    let args = &ctx.args;
    let mut server = Server::new(args, env, work);
    if engine == Engine::Postgres {
        server.db = pg_url.rsplit('/').next().map(str::to_owned);
    }
    server.run(&["migrate"])?;
    let key = server
        .run(&["api-key", "create", "--name", "bench"])?
        .trim()
        .to_owned();
    ensure!(!key.is_empty(), "roster api-key create printed nothing");
    server.start().await?;
    let http = Http::new(args.port, key)?;
    let dirs = Arc::new(http.directories("bench", args.directories).await?);
    let client = http.client.clone();
    // First requests activate a directory and verify its token (argon2): not what we measure.
    prime(&client, &dirs).await?;
    let name = engine.name();
    let pgb = |shape: &str, c: usize| (engine == Engine::Postgres).then(|| format!("{shape} c{c}"));

    // POST /Users.
    if !args.skip_one_directory_creates {
        for &c in &args.create_concurrency {
            log(format!("{name}: POST /Users, one directory, {c} in flight"));
            let res =
                create_phase(ctx, &server, &client, &dirs, false, c, &format!("one{c}")).await;
            record(
                report,
                engine,
                "POST /Users, one directory",
                c,
                res,
                pgb("create 1 dir", c),
            );
        }
    }
    for &c in &args.create_concurrency {
        log(format!(
            "{name}: POST /Users, {} directories, {c} in flight",
            dirs.len()
        ));
        let res = create_phase(ctx, &server, &client, &dirs, true, c, &format!("spread{c}")).await;
        record(
            report,
            engine,
            &format!("POST /Users, {} directories", dirs.len()),
            c,
            res,
            pgb(&format!("create {} dirs", dirs.len()), c),
        );
    }
    if engine == Engine::Postgres && args.replicas > 1 {
        replica_phases(ctx, report, &server, &client, &dirs, work).await?;
    }
    if args.skip_lookups {
        return Ok(());
    }

    // GET /Users?filter=userName eq: data set 1, one directory.
    let one = Arc::new(http.directories("lookup", 1).await?);
    prime(&client, &one).await?;
    let per_many = (args.users_many / dirs.len() as u64).max(1);
    let datasets: [(&str, Arc<Vec<Directory>>, usize, u64); 2] = [
        ("one directory", one.clone(), 1000, args.users_one),
        ("many directories", dirs.clone(), 0, per_many),
    ];
    for (label, set, first_k, per_dir) in datasets {
        let total = per_dir * set.len() as u64;
        log(format!(
            "{name}: seeding {total} users into {} director(y|ies)",
            set.len()
        ));
        create_templates(&http, &set, first_k).await?;
        let ids: Vec<String> = set.iter().map(|d| d.id.clone()).collect();
        let sql = seed_sql(engine, &ids, per_dir);
        let t = Instant::now();
        match engine {
            Engine::Postgres => {
                psql(
                    args,
                    pg_url,
                    &format!("BEGIN;\n{sql}COMMIT;\nANALYZE users;\nANALYZE user_emails;\n"),
                )?;
            }
            Engine::Sqlite => {
                server.stop();
                sqlite(
                    args,
                    sqlite_path,
                    &format!("PRAGMA busy_timeout = 10000;\nPRAGMA synchronous = OFF;\nBEGIN;\n{sql}COMMIT;\nPRAGMA wal_checkpoint(TRUNCATE);\n"),
                )?;
                server.start().await?;
                prime(&client, &dirs).await?;
                prime(&client, &one).await?;
            }
        }
        let secs = t.elapsed().as_secs_f64();
        log(format!("  seeded in {secs:.0} s"));
        report.seed_times.push(format!(
            "{name}: {total} users ({label}) seeded in {secs:.0} s"
        ));
        let label = if set.len() == 1 {
            format!("GET userName eq, {} users in the directory", fmt_int(total))
        } else {
            format!(
                "GET userName eq, {} users across {} directories",
                fmt_int(total),
                set.len()
            )
        };
        // Sanity check: one seeded user answers.
        let probe = lookup_op(
            client.clone(),
            set[0].clone(),
            seeded_name(per_dir, first_k),
        )
        .await;
        if let Err(e) = probe {
            bail!("seeded user not found: {e}");
        }
        log(format!("{name}: {label}, 1 in flight"));
        let res = lookup_phase(
            ctx,
            &server,
            &client,
            &set,
            (first_k, per_dir),
            1,
            ctx.duration() / 2,
        )
        .await;
        record(report, engine, &label, 1, res, None);
        let c = args.lookup_concurrency;
        log(format!("{name}: {label}, {c} in flight"));
        let res = lookup_phase(
            ctx,
            &server,
            &client,
            &set,
            (first_k, per_dir),
            c,
            ctx.duration(),
        )
        .await;
        let base = (engine == Engine::Postgres).then(|| {
            format!(
                "lookup {} c{c}",
                if set.len() == 1 { "one" } else { "many" }
            )
        });
        record(report, engine, &label, c, res, base);
        if set.len() == 1 && !args.skip_groups {
            log(format!(
                "{name}: a group of {} members",
                fmt_int(args.group_members)
            ));
            let ids = seeded_ids(
                engine,
                args,
                pg_url,
                sqlite_path,
                &set[0].id,
                args.group_members,
            )?;
            let lines = group_phase(&client, &set[0], &ids).await?;
            for line in lines {
                report.notes.push(format!("{name}: {line}"));
            }
        }
        if set.len() == 1 && !args.skip_recompute {
            // A new attribute mapping that changes every user: one PATCH recomputes them all
            // and appends one user.updated each, in one transaction.
            log(format!(
                "{name}: settings recompute of {} users",
                fmt_int(total)
            ));
            let started = Instant::now();
            http.patch_api(
                &format!("/directories/{}", set[0].id),
                json!({"attribute_mappings": [{"source": "name.givenName", "target": "given_name"}]}),
            )
            .await?;
            let secs = started.elapsed().as_secs_f64();
            let line = format!(
                "a new attribute mapping recomputed {} users (one user.updated each) in {secs:.1} s, {:.0} users/s",
                fmt_int(total),
                total as f64 / secs
            );
            log(format!("  {line}"));
            report.notes.push(format!("{name}: {line}"));
        }

        if engine == Engine::Postgres {
            let dir = &set[0].id;
            let user = seeded_name(per_dir / 2, first_k);
            let explain = psql(
                args,
                pg_url,
                &format!(
                    "EXPLAIN (ANALYZE, BUFFERS) SELECT COUNT(*) FROM users WHERE directory_id = '{dir}' AND deleted_at IS NULL AND user_name_key = '{user}';\n\
                     EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM users WHERE directory_id = '{dir}' AND deleted_at IS NULL AND user_name_key = '{user}' ORDER BY id LIMIT 100 OFFSET 0;\n"
                ),
            )?;
            log(format!(
                "EXPLAIN ANALYZE of the lookup's two queries ({label}):\n{explain}"
            ));
            let times: Vec<&str> = explain
                .lines()
                .filter(|l| l.contains("Execution Time"))
                .collect();
            report.notes.push(format!(
                "PostgreSQL {label}: EXPLAIN ANALYZE of the count and the page query: {}",
                times.join(", ")
            ));
            if !args.skip_pgbench {
                server.stop();
                let defines = [
                    ("dir", format!("'{dir}'")),
                    ("k", first_k.to_string()),
                    ("nusers", per_dir.to_string()),
                ];
                log(format!("pgbench lookup ({label}), {c} clients"));
                let r = pgbench(args, pg_url, "scim-lookup.sql", c, &defines, ctx.ticks)?;
                log(format!(
                    "  {:.0} tps, {:.2} ms average",
                    r.tps, r.latency_ms
                ));
                report.pgbench.insert(
                    format!(
                        "lookup {} c{c}",
                        if set.len() == 1 { "one" } else { "many" }
                    ),
                    r,
                );
                server.start().await?;
                prime(&client, &dirs).await?;
                prime(&client, &one).await?;
            }
        }
    }
    server.stop();
    let log_text = std::fs::read_to_string(&server.log).unwrap_or_default();
    let warnings = log_text
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .count();
    if warnings > 0 {
        report.notes.push(format!(
            "{name}: the server logged {warnings} warning/error lines, e.g. `{}`",
            log_text
                .lines()
                .find(|l| l.contains("WARN") || l.contains("ERROR"))
                .map(plain)
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect::<String>()
                .replace('`', "'")
        ));
    }
    Ok(())
}

/// The ids of `n` seeded users of a directory, read straight from the database.
fn seeded_ids(
    engine: Engine,
    args: &Args,
    pg_url: &str,
    sqlite_path: &Path,
    directory_id: &str,
    n: u64,
) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT id FROM users WHERE directory_id = '{directory_id}' ORDER BY id LIMIT {n};\n"
    );
    let out = match engine {
        Engine::Postgres => psql(args, pg_url, &sql)?,
        Engine::Sqlite => sqlite(args, sqlite_path, &sql)?,
    };
    let ids: Vec<String> = out
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("user_"))
        .map(str::to_owned)
        .collect();
    ensure!(
        ids.len() as u64 == n,
        "wanted {n} user ids, got {}",
        ids.len()
    );
    Ok(ids)
}

fn summary(label: &str, mut samples: Vec<Duration>) -> String {
    samples.sort();
    let n = samples.len();
    let max = samples.last().copied().unwrap_or_default();
    format!(
        "{label}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({n} requests, one at a time)",
        ms(roster_bench::percentile(&samples, 50.0)),
        ms(roster_bench::percentile(&samples, 99.0)),
        ms(max),
    )
}

async fn timed(req: reqwest::RequestBuilder, expect: u16) -> Result<(Duration, String)> {
    let t = Instant::now();
    let r = req.send().await?;
    let status = r.status().as_u16();
    let text = r.text().await?;
    let elapsed = t.elapsed();
    ensure!(
        status == expect,
        "expected {expect}, got {status}: {}",
        text.chars().take(300).collect::<String>()
    );
    Ok((elapsed, text))
}

/// Issue 5's group figures: PATCHes of 1,000 members up to a group of `ids.len()` members, then
/// reads of that group with and without its members, then a 1,000-member removal.
async fn group_phase(
    client: &reqwest::Client,
    dir: &Directory,
    ids: &[String],
) -> Result<Vec<String>> {
    let patch_op = |op: &str, chunk: &[String]| {
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": op, "path": "members",
                            "value": chunk.iter().map(|id| json!({"value": id})).collect::<Vec<_>>()}],
        })
    };
    let (_, created) = timed(
        client
            .post(format!("{}/Groups", dir.base))
            .bearer_auth(&dir.token)
            .json(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Everyone", "members": []})),
        201,
    )
    .await?;
    let group: Value = serde_json::from_str(&created)?;
    let gid = group["id"].as_str().context("group id")?.to_owned();
    let group_url = format!("{}/Groups/{gid}", dir.base);
    let mut adds = Vec::new();
    for chunk in ids.chunks(1000) {
        let (t, _) = timed(
            client
                .patch(&group_url)
                .bearer_auth(&dir.token)
                .json(&patch_op("add", chunk)),
            204,
        )
        .await?;
        adds.push(t);
    }
    let mut lines = vec![summary(
        &format!(
            "PATCH adding 1,000 members, growing a group to {}",
            fmt_int(ids.len() as u64)
        ),
        adds,
    )];
    let mut excluded = Vec::new();
    for _ in 0..200 {
        let (t, body) = timed(
            client
                .get(format!("{group_url}?excludedAttributes=members"))
                .bearer_auth(&dir.token),
            200,
        )
        .await?;
        ensure!(
            !body.contains("\"members\""),
            "members returned despite excludedAttributes"
        );
        excluded.push(t);
    }
    lines.push(summary(
        &format!(
            "GET /Groups/{{id}}?excludedAttributes=members on the {}-member group",
            fmt_int(ids.len() as u64)
        ),
        excluded,
    ));
    let mut lookups = Vec::new();
    for _ in 0..200 {
        let (t, _) = timed(
            client
                .get(format!(
                    "{}/Groups?excludedAttributes=members&filter=displayName%20eq%20%22Everyone%22",
                    dir.base
                ))
                .bearer_auth(&dir.token),
            200,
        )
        .await?;
        lookups.push(t);
    }
    lines.push(summary(
        "GET /Groups?excludedAttributes=members&filter=displayName eq (Entra's lookup)",
        lookups,
    ));
    let mut full = Vec::new();
    for _ in 0..5 {
        let (t, body) = timed(client.get(&group_url).bearer_auth(&dir.token), 200).await?;
        ensure!(
            body.matches("\"value\"").count() >= ids.len(),
            "not every member returned"
        );
        full.push(t);
    }
    lines.push(summary(
        &format!(
            "GET /Groups/{{id}} with all {} members",
            fmt_int(ids.len() as u64)
        ),
        full,
    ));
    let mut removes = Vec::new();
    for chunk in ids.chunks(1000).take(5) {
        let (t, _) = timed(
            client
                .patch(&group_url)
                .bearer_auth(&dir.token)
                .json(&patch_op("remove", chunk)),
            204,
        )
        .await?;
        removes.push(t);
    }
    lines.push(summary(
        "PATCH removing 1,000 members from the full group",
        removes,
    ));
    Ok(lines)
}

/// pgbench of the create transaction against a scratch database with roster's tables.
fn run_pgbench_creates(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let args = &ctx.args;
    let tag = random_tag();
    let db_name = format!("bench_{tag}_pgbench");
    let admin = format!("{}/postgres", args.postgres);
    let url = format!("{}/{db_name}", args.postgres);
    psql(args, &admin, &format!("CREATE DATABASE {db_name};"))?;
    let result = (|| -> Result<()> {
        let work = std::env::temp_dir().join(format!("roster-bench-{tag}"));
        std::fs::create_dir_all(&work)?;
        let server = Server::new(
            args,
            vec![
                ("ROSTER_DATABASE_URL".into(), url.clone()),
                ("ROSTER_SECRET_KEY".into(), SECRET_KEY.into()),
                ("ROSTER_LOG".into(), "warn".into()),
                ("ROSTER_DATA_DIR".into(), work.display().to_string()),
            ],
            &work,
        );
        server.run(&["migrate"])?;
        let _ = std::fs::remove_dir_all(&work);
        let n = args.directories;
        psql(
            args,
            &url,
            &format!(
                "INSERT INTO organizations (id, name, created_at, updated_at) VALUES ('org_pgbench', 'pgbench', now(), now());\n\
                 INSERT INTO directories (id, organization_id, name, provider, scim_version, state, enabled, settings, event_sequence, created_at, updated_at) \
                 SELECT 'directory_pgbench' || d, 'org_pgbench', 'pgbench ' || d, 'okta', '2.0', 'active', true, '{{}}', 0, now(), now() \
                 FROM generate_series(1, {n}) AS d;\n"
            ),
        )?;
        let mut shapes = vec![(format!("create {n} dirs"), n)];
        if !args.skip_one_directory_creates {
            shapes.push(("create 1 dir".to_owned(), 1));
        }
        for (shape, ndirs) in shapes {
            for &c in &args.create_concurrency {
                log(format!("pgbench {shape}, {c} clients"));
                let r = pgbench(
                    args,
                    &url,
                    "scim-create.sql",
                    c,
                    &[("ndirs", ndirs.to_string())],
                    ctx.ticks,
                )?;
                log(format!(
                    "  {:.0} tps, {:.2} ms average, {} failed; CPU postgres {:.0} %",
                    r.tps, r.latency_ms, r.failed, r.cpu.postgres
                ));
                report.pgbench.insert(format!("{shape} c{c}"), r);
            }
        }
        let sizes = psql(
            args,
            &url,
            "SELECT round(avg(pg_column_size(data) + pg_column_size(raw_attributes))) FROM users;\n\
             SELECT round(avg(pg_column_size(data))) FROM events;",
        )?;
        let mut it = sizes.lines();
        report.notes.push(format!(
            "pgbench rows: user JSONB {} bytes (data + raw_attributes, as stored), event JSONB {} bytes",
            it.next().unwrap_or("?"),
            it.next().unwrap_or("?")
        ));
        Ok(())
    })();
    if !args.keep {
        let _ = psql(
            args,
            &admin,
            &format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE);"),
        );
    } else {
        log(format!("kept {db_name}"));
    }
    result
}

/// A log line without its ANSI colours.
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn fmt_int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn machine() -> String {
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{date}; `nproc` {nproc}; CPU {cpu}; {mem} RAM; 1-minute load {load} at the start")
}

fn render(ctx: &Ctx, report: &Report, machine: &str, pg_version: &str) -> String {
    let args = &ctx.args;
    let mut out = String::new();
    let _ = writeln!(out, "Run: {machine}; {pg_version}.");
    let _ = writeln!(
        out,
        "Load phases: {} s warm-up + {} s measured (concurrency-1 lookups: {} s); pgbench `-T {}` per row. \
         CPU in % of one core over the measured window (machine: all processes, both cores, so up to 200 %).\n",
        args.warmup,
        args.duration,
        args.duration / 2,
        args.pgbench_duration
    );
    let _ = writeln!(
        out,
        "| engine | workload | in flight | req/s | p50 | p99 | errors | CPU roster / postgres / bench / machine | pgbench (same run) | roster ÷ pgbench |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---|---:|---:|");
    for r in &report.rows {
        let base = r.baseline.as_ref().and_then(|b| report.pgbench.get(b));
        let cpu = if r.engine == Engine::Postgres {
            format!(
                "{:.0} / {:.0} / {:.0} / {:.0} %",
                r.m.cpu.roster, r.m.cpu.postgres, r.m.cpu.bench, r.m.cpu.machine
            )
        } else {
            format!(
                "{:.0} / – / {:.0} / {:.0} %",
                r.m.cpu.roster, r.m.cpu.bench, r.m.cpu.machine
            )
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.2} ms | {:.2} ms | {} | {} | {} | {} |",
            r.engine.name(),
            r.scenario,
            r.conc,
            fmt_int(r.m.rps.round() as u64),
            ms(r.m.p50),
            ms(r.m.p99),
            r.m.errors,
            cpu,
            base.map(|b| format!("{} tps", fmt_int(b.tps.round() as u64)))
                .unwrap_or_else(|| "–".into()),
            base.map(|b| format!("{:.0} %", r.m.rps / b.tps * 100.0))
                .unwrap_or_else(|| "–".into()),
        );
    }
    if !report.pgbench.is_empty() {
        let _ = writeln!(
            out,
            "\npgbench (`crates/bench/pgbench/*.sql`, `-n -j 2`):\n"
        );
        let _ = writeln!(
            out,
            "| transaction | clients | tps | avg latency | failed | CPU postgres / machine |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
        for (k, v) in &report.pgbench {
            let (shape, c) = k.rsplit_once(" c").unwrap_or((k, "?"));
            let _ = writeln!(
                out,
                "| {shape} | {c} | {} | {:.2} ms | {} | {:.0} / {:.0} % |",
                fmt_int(v.tps.round() as u64),
                v.latency_ms,
                v.failed,
                v.cpu.postgres,
                v.cpu.machine
            );
        }
    }
    // Targets.
    let mut targets = Vec::new();
    for r in report.rows.iter().filter(|r| r.engine == Engine::Postgres) {
        if r.scenario.starts_with("POST") {
            if let Some(b) = r.baseline.as_ref().and_then(|b| report.pgbench.get(b)) {
                let ratio = r.m.rps / b.tps * 100.0;
                targets.push(format!(
                    "- {} at {}: {:.0} % of pgbench (target ≥ 50 %): {}",
                    r.scenario,
                    r.conc,
                    ratio,
                    if ratio >= 50.0 { "met" } else { "**not met**" }
                ));
            }
        } else if r.scenario.starts_with("GET") {
            targets.push(format!(
                "- {} at {}: p99 {:.2} ms (target < 5 ms): {}",
                r.scenario,
                r.conc,
                ms(r.m.p99),
                if ms(r.m.p99) < 5.0 {
                    "met"
                } else {
                    "**not met**"
                }
            ));
        }
    }
    if !targets.is_empty() {
        let _ = writeln!(out, "\nTargets (PostgreSQL):\n");
        for t in targets {
            let _ = writeln!(out, "{t}");
        }
    }
    if !report.seed_times.is_empty() || !report.notes.is_empty() {
        let _ = writeln!(out, "\nNotes:\n");
        for n in report.seed_times.iter().chain(&report.notes) {
            let _ = writeln!(out, "- {n}");
        }
    }
    out
}

fn main() -> Result<()> {
    let args = Args::parse();
    ensure!(
        args.roster.exists(),
        "no roster binary at {} (build it: cargo build --profile release-fast -p roster-server)",
        args.roster.display()
    );
    ensure!(args.directories > 0, "--directories must be at least 1");
    let ticks: f64 = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0);
    let machine = machine();
    let needs_pg = args.engines.contains(&Engine::Postgres) || !args.skip_pgbench;
    let pg_version = if needs_pg {
        psql(
            &args,
            &format!("{}/postgres", args.postgres),
            "SHOW server_version;",
        )
        .map(|v| {
            format!(
                "PostgreSQL {} (shared_buffers {}, synchronous_commit {})",
                v.trim(),
                psql(
                    &args,
                    &format!("{}/postgres", args.postgres),
                    "SHOW shared_buffers;"
                )
                .unwrap_or_default()
                .trim(),
                psql(
                    &args,
                    &format!("{}/postgres", args.postgres),
                    "SHOW synchronous_commit;"
                )
                .unwrap_or_default()
                .trim()
            )
        })
        .context("PostgreSQL unreachable (or pass --engines sqlite --skip-pgbench)")?
    } else {
        "no PostgreSQL".into()
    };
    let ctx = Ctx { args, ticks };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut report = Report::default();
    let t = Instant::now();
    if !ctx.args.skip_pgbench {
        run_pgbench_creates(&ctx, &mut report)?;
    }
    for &engine in &ctx.args.engines {
        rt.block_on(run_engine(&ctx, engine, &mut report))?;
    }
    log(format!("done in {:.0} s", t.elapsed().as_secs_f64()));
    print!("{}", render(&ctx, &report, &machine, &pg_version));
    Ok(())
}
