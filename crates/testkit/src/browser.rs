//! Headless Chromium for the admin portal's browser tests: Debian's `chromium` driven through
//! its `chromedriver` (WebDriver) by fantoccini. `scripts/install-browser.sh` installs both (run
//! by the first browser test when they are missing, and by `.ci/run`); nothing downloads a
//! browser from elsewhere. Each [`Browser`] has its own chromedriver port and profile
//! folder, so tests run in parallel.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Installs Debian's Chromium and ChromeDriver with the project's own script when they are
/// missing, once per test process, so `cargo test --workspace` works on a fresh machine.
fn ensure_installed() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let overridden = std::env::var_os("ROSTER_CHROMIUM").is_some()
            || std::env::var_os("ROSTER_CHROMEDRIVER").is_some();
        if overridden
            || (Path::new("/usr/bin/chromium").exists()
                && Path::new("/usr/bin/chromedriver").exists())
        {
            return;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/install-browser.sh");
        let status = Command::new("bash")
            .arg(&script)
            .status()
            .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
        assert!(status.success(), "{} failed", script.display());
    });
}

fn binary(env: &str, default: &str) -> PathBuf {
    ensure_installed();
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    assert!(
        path.exists(),
        "{} is missing: headless Chromium is needed, run scripts/install-browser.sh",
        path.display()
    );
    path
}

/// A chromedriver process and one browser session.
pub struct Browser {
    client: Option<Client>,
    driver: Child,
    profile: PathBuf,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless session
    /// (`ROSTER_CHROMEDRIVER` / `ROSTER_CHROMIUM` override the binaries).
    pub async fn start() -> Browser {
        let chromium = binary("ROSTER_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = binary("ROSTER_CHROMEDRIVER", "/usr/bin/chromedriver");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile =
            std::env::temp_dir().join(format!("roster-chromium-{}", uuid::Uuid::new_v4().simple()));
        let mut browser = Browser {
            client: None,
            driver,
            profile,
        };
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = http
                .get(format!("{url}/status"))
                .send()
                .await
                .ok()
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium.display().to_string(),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,900", "--hide-scrollbars",
                    format!("--user-data-dir={}", browser.profile.display()),
                ],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&url)
            .await
            .expect("a Chromium session");
        browser.client = Some(client);
        browser
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("session open")
    }

    pub async fn goto(&self, url: &str) {
        self.client()
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    pub async fn current_url(&self) -> String {
        self.client()
            .current_url()
            .await
            .expect("current url")
            .to_string()
    }

    /// The page's HTML as the browser has it now.
    pub async fn source(&self) -> String {
        self.client().source().await.expect("page source")
    }

    /// The visible text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> String {
        self.retrying(css, |e| async move { e.text().await }).await
    }

    /// The `value` property of an input.
    pub async fn value_of(&self, css: &str) -> String {
        self.retrying(css, |e| async move { e.prop("value").await })
            .await
            .unwrap_or_default()
    }

    pub async fn click(&self, css: &str) {
        self.retrying(css, |e| async move { e.click().await }).await
    }

    /// Finds `css` and runs `act` on it, again while the page is still changing under it (an
    /// element found just before a navigation goes stale).
    async fn retrying<T, F, Fut>(&self, css: &str, act: F) -> T
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let element = self.wait_for(css, Duration::from_secs(5)).await;
            match act(element).await {
                Ok(value) => return value,
                Err(e) if Instant::now() >= deadline => panic!("{css}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Replaces an input's text with `value`, as typed.
    pub async fn fill(&self, css: &str, value: &str) {
        let element = self.wait_for(css, Duration::from_secs(5)).await;
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        if !value.is_empty() {
            element
                .send_keys(value)
                .await
                .unwrap_or_else(|e| panic!("type into {css}: {e}"));
        }
    }

    /// The first element matching `css`, waiting up to `timeout` for it to appear.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> fantoccini::elements::Element {
        let deadline = Instant::now() + timeout;
        loop {
            match self.client().find(Locator::Css(css)).await {
                Ok(element) => return element,
                Err(e) if Instant::now() >= deadline => {
                    panic!(
                        "{css} not found on {}: {e}\n{}",
                        self.current_url().await,
                        self.source().await
                    )
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Waits until the page's text contains `text`.
    pub async fn wait_for_text(&self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let body = self.text_of("body").await;
            if body.contains(text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "\"{text}\" never appeared on {}:\n{body}",
                self.current_url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn execute(&self, script: &str) -> Value {
        self.client()
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.client()
            .set_window_size(width, height)
            .await
            .expect("window size");
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client().screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot folder");
        }
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Ends the session and chromedriver.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // A test that panicked never closed its session: end the Chromium processes of this
        // profile, which chromedriver's death leaves behind.
        let _ = Command::new("pkill")
            .arg("-f")
            .arg(self.profile.display().to_string())
            .status();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
