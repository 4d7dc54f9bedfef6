//! The real `roster` binary as a child process, for tests that `kill -9` it.
//!
//! The binary is found next to the running test executable (`<target>/debug/deps/e2e-…` →
//! `<target>/debug/roster`); `cargo test --workspace` builds it (the server crate's own
//! integration tests need it). Set `ROSTER_BIN` to use another one. A test cannot build it
//! itself: the running `cargo test` holds the target directory's lock.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the `roster` binary is.
pub fn roster_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("ROSTER_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current test executable");
    let mut dir = exe.parent().map(PathBuf::from).unwrap_or_default();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let binary = dir.join(format!("roster{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} does not exist: run `cargo build -p roster-server` (or `cargo test --workspace`) first, \
         or set ROSTER_BIN",
        binary.display()
    );
    binary
}

/// A `roster serve` child process with its own environment.
pub struct ServerProcess {
    pub base_url: String,
    pub listen: String,
    env: Vec<(String, String)>,
    /// `--role all|api|worker`.
    role: String,
    child: Option<Child>,
    log: PathBuf,
}

impl ServerProcess {
    /// Runs `roster api-key create` against the configured database; returns the key.
    pub fn create_api_key(env: &[(String, String)]) -> String {
        let output = Command::new(roster_binary())
            .args(["api-key", "create", "--name", "test"])
            .env_clear()
            .envs(base_env())
            .envs(env.iter().cloned())
            .output()
            .expect("run roster api-key create");
        assert!(
            output.status.success(),
            "api-key create failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Starts `roster serve` on a free loopback port with `env` (ROSTER_* settings); waits until
    /// it answers `/readyz`. Output goes to `log`.
    pub async fn start(env: Vec<(String, String)>, log: PathBuf) -> ServerProcess {
        Self::start_role("all", env, log).await
    }

    /// Like [`ServerProcess::start`], with `--role` (`all`, `api` or `worker`).
    pub async fn start_role(role: &str, env: Vec<(String, String)>, log: PathBuf) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let listen = format!("127.0.0.1:{port}");
        let mut process = ServerProcess {
            base_url: format!("http://{listen}"),
            listen,
            env,
            role: role.to_owned(),
            child: None,
            log,
        };
        process.restart().await;
        process
    }

    /// (Re)starts the process on the same port and waits until it is ready.
    pub async fn restart(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("open server log");
        let child = Command::new(roster_binary())
            .args(["serve", "--listen", &self.listen, "--role", &self.role])
            .env_clear()
            .envs(base_env())
            .envs(self.env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn roster serve");
        self.child = Some(child);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = client.get(format!("{}/readyz", self.base_url)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "roster serve exited with {status}; log: {}",
                        std::fs::read_to_string(&self.log).unwrap_or_default()
                    );
                }
            }
            assert!(
                Instant::now() < deadline,
                "roster serve did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, then waits for the process to exit (up to 60 s): the graceful shutdown path.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("the server is running");
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait().expect("wait for roster") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "roster did not exit within 60 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// PATH and HOME only: the test's own ROSTER_* variables must not leak into the child.
fn base_env() -> Vec<(String, String)> {
    ["PATH", "HOME", "TMPDIR"]
        .into_iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_owned(), v)))
        .collect()
}
