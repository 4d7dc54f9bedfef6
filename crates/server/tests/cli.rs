//! The `roster` binary as an operator meets it: one command to start, one clear line when a
//! setting is wrong, a clean exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn roster() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roster"));
    // Start from a clean slate: no ROSTER_* from the developer's shell leaks into these tests.
    for (key, _) in std::env::vars() {
        if key.starts_with("ROSTER_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("ROSTER_LOG", "warn");
    cmd
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("roster_cli_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Asserts a failed run printed exactly one line naming `setting`, and no panic or backtrace.
fn assert_one_line_error(output: &Output, setting: &str) {
    assert!(!output.status.success(), "must fail");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected, got:\n{stderr}");
    assert!(
        lines[0].contains(setting),
        "'{setting}' not named in: {}",
        lines[0]
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn bad_settings_stop_it_with_one_line_naming_the_setting() {
    let dir = temp_dir("bad");
    let cases: [(&str, &str, &str); 5] = [
        ("ROSTER_PUBLIC_URL", "not a url", "ROSTER_PUBLIC_URL"),
        ("ROSTER_LISTEN", "localhost", "ROSTER_LISTEN"),
        (
            "ROSTER_DATABASE_URL",
            "mysql://db/roster",
            "ROSTER_DATABASE_URL",
        ),
        (
            "ROSTER_DATABASE_MAX_CONNECTIONS",
            "lots",
            "ROSTER_DATABASE_MAX_CONNECTIONS",
        ),
        ("ROSTER_LOG_FORMAT", "xml", "ROSTER_LOG_FORMAT"),
    ];
    for (key, value, setting) in cases {
        let output = roster()
            .current_dir(&dir)
            .env(key, value)
            .arg("serve")
            .output()
            .expect("run roster");
        assert_one_line_error(&output, setting);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_unreachable_database_is_named_with_its_password_hidden() {
    let dir = temp_dir("unreachable");
    let output = roster()
        .current_dir(&dir)
        .env(
            "ROSTER_DATABASE_URL",
            "postgres://roster:hunter2@127.0.0.1:1/roster",
        )
        .env("ROSTER_SECRET_KEY", "x".repeat(40))
        .env("ROSTER_LISTEN", format!("127.0.0.1:{}", free_port()))
        .arg("serve")
        .output()
        .expect("run roster");
    assert_one_line_error(&output, "ROSTER_DATABASE_URL");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("hunter2"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_listen_address_in_use_is_reported() {
    let dir = temp_dir("inuse");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let output = roster()
        .current_dir(&dir)
        .args(["serve", "--listen", &addr.to_string()])
        .output()
        .expect("run roster");
    assert_one_line_error(&output, "ROSTER_LISTEN");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn api_key_create_prints_the_key_alone_on_stdout() {
    let dir = temp_dir("apikey");
    let output = roster()
        .current_dir(&dir)
        .args(["api-key", "create", "--name", "ci"])
        .output()
        .expect("run roster");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.trim().starts_with("rk_"), "{stdout}");
    assert!(
        dir.join("roster-data/roster.db").exists(),
        "embedded database in ./roster-data"
    );
    let _ = std::fs::remove_dir_all(dir);
}

struct Server {
    child: Child,
    stdout: Vec<String>,
    port: u16,
}

fn start_server(dir: &PathBuf) -> Server {
    let port = free_port();
    let mut child = roster()
        .current_dir(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn roster");
    let reader = BufReader::new(child.stdout.take().expect("stdout"));
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    // Reads until the pipe closes, so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in reader.lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stdout = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    // Read the start-up banner up to its last line.
    while let Ok(line) = lines_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let last = line.contains("Stop with");
        stdout.push(line);
        if last {
            break;
        }
    }
    Server {
        child,
        stdout,
        port,
    }
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

#[tokio::test]
async fn first_start_prints_where_it_listens_and_a_key_once_and_sigterm_exits_cleanly() {
    let dir = temp_dir("serve");
    let mut server = start_server(&dir);
    let banner = server.stdout.join("\n");
    assert!(
        banner.contains(&format!("listening on http://127.0.0.1:{}", server.port)),
        "{banner}"
    );
    let key = banner
        .split_whitespace()
        .find(|w| w.starts_with("rk_"))
        .unwrap_or_else(|| panic!("no API key in banner:\n{banner}"))
        .to_owned();

    let client = reqwest::Client::new();
    let response = client
        .get(format!(
            "http://127.0.0.1:{}/api/v1/organizations",
            server.port
        ))
        .bearer_auth(&key)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);

    sigterm(&server.child);
    let status = wait_exit(&mut server.child);
    assert!(status.success(), "SIGTERM must exit 0, got {status}");

    // Second start: same data, no new key printed, the old key still works.
    let mut again = start_server(&dir);
    let banner = again.stdout.join("\n");
    assert!(
        !banner.contains("rk_"),
        "a key is printed on the first start only:\n{banner}"
    );
    let response = client
        .get(format!(
            "http://127.0.0.1:{}/api/v1/organizations",
            again.port
        ))
        .bearer_auth(&key)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    sigterm(&again.child);
    assert!(wait_exit(&mut again.child).success());
    let _ = std::fs::remove_dir_all(dir);
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("roster did not exit after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
