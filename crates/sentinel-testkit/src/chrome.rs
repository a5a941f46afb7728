//! A real browser for tests: headless Chromium driven through chromedriver by
//! fantoccini, both started here on loopback.
//!
//! [`Browser::start`] starts `chromedriver` (Debian's `chromium-driver`,
//! `/usr/bin/chromedriver`, or `$CHROMEDRIVER`) on a free loopback port, and a
//! session of `chromium` (`/usr/bin/chromium`, or `$CHROME`) with a fresh
//! profile and the flags a closed network needs. Either one missing **fails**
//! the test with what to install: a browser test never skips.
//!
//! Browsers of one test binary run one at a time (two cores do not run several
//! Chromiums well); the driver, the browser and the profile go when the
//! [`Browser`] is dropped.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini::{Client, Locator};

/// One browser at a time per test binary.
/// (tokio's: held across awaits; not poisoned by a failed test.)
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The window every screenshot has: small PNGs for the README.
pub const WINDOW: (u32, u32) = (720, 560);

/// A headless Chromium session and the chromedriver it runs under.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    driver_addr: SocketAddr,
    session: Option<String>,
    profile: PathBuf,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

/// `$var` if set, else `default`; fails the test if the file is not there.
fn program(var: &str, default: &str, package: &str) -> PathBuf {
    let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
    assert!(
        path.is_file(),
        "{} not found (set ${var} to elsewhere): browser tests need Debian's `chromium` and \
         `chromium-driver`; install them with `apt-get install chromium chromium-driver` \
         (missing package: {package}). They fail rather than skip.",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session.
    pub async fn start() -> Self {
        let turn = ONE_AT_A_TIME.lock().await;
        let chrome = program("CHROME", "/usr/bin/chromium", "chromium");
        let chromedriver = program("CHROMEDRIVER", "/usr/bin/chromedriver", "chromium-driver");
        let port = free_port();
        let mut driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = driver.try_wait() {
                panic!("{} exited at start: {status}", chromedriver.display());
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {addr} within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = std::env::temp_dir().join(format!(
            "sentinel-chrome-{}-{}",
            std::process::id(),
            hex(&crate::random_bytes()[..8])
        ));
        std::fs::create_dir_all(&profile).unwrap();
        let (w, h) = WINDOW;
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={w},{h}"),
            format!("--user-data-dir={}", profile.display()),
        ];
        let caps = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chrome, "args": args},
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = match fantoccini::ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://{addr}"))
            .await
        {
            Ok(c) => c,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!("cannot start a Chromium session through chromedriver: {e}");
            }
        };
        let session = client.session_id().await.ok().flatten();
        Self {
            client,
            driver,
            driver_addr: addr,
            session,
            profile,
            _turn: turn,
        }
    }

    /// Goes to `url` and waits for the page.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// The text of the element with id `id`, waiting up to 10 s for it. An
    /// element found on a page that is being replaced (a click's navigation
    /// still under way) goes stale: it is looked up again on the new page.
    /// Chromium says so either as "stale element reference" or, when the
    /// old document is gone mid-command, as an "unknown error" from its
    /// inspector ("Node with given id does not belong to the document").
    pub async fn text_of(&self, id: &str) -> String {
        use fantoccini::error::ErrorStatus;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            match self.element(id).await.text().await {
                Ok(text) => return text,
                Err(fantoccini::error::CmdError::Standard(e))
                    if (e.error == ErrorStatus::StaleElementReference
                        || (e.error == ErrorStatus::UnknownError
                            && e.message.contains("does not belong to the document")))
                        && std::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("text of #{id}: {e}"),
            }
        }
    }

    /// The element with id `id`, waiting up to 10 s for it.
    pub async fn element(&self, id: &str) -> fantoccini::elements::Element {
        let css = format!("#{id}");
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(&css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no #{id} on {}: {e}", self.url().await),
        }
    }

    /// Types `text` into the input with id `id` (clearing it first).
    pub async fn fill(&self, id: &str, text: &str) {
        let e = self.element(id).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Clicks the element with id `id`.
    pub async fn click(&self, id: &str) {
        self.element(id).await.click().await.unwrap();
    }

    /// Fills the emulator's login page (`#username`, `#password`) and presses
    /// `#login`.
    pub async fn sign_in(&self, username: &str, password: &str) {
        self.fill("username", username).await;
        self.fill("password", password).await;
        self.click("login").await;
    }

    /// The address bar.
    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// The page's HTML as the browser holds it now.
    pub async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    /// Waits up to 10 s for the address bar to satisfy `f`; returns it.
    pub async fn wait_for_url(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.url().await;
            if f(&url) {
                return url;
            }
            assert!(Instant::now() < deadline, "waited for {what}; at {url}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a PNG of the window as `<name>.png` in [`screenshot_dir`].
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Ends the session (Chromium quits), then the driver.
    pub async fn close(mut self) {
        if self.client.clone().close().await.is_ok() {
            self.session = None;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A test that failed halfway has not closed its session: ask the
        // driver to end it (Chromium quits), then stop the driver, our child.
        if let Some(id) = self.session.take()
            && let Ok(mut s) = TcpStream::connect_timeout(&self.driver_addr, Duration::from_secs(1))
        {
            use std::io::{Read as _, Write as _};
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = write!(
                s,
                "DELETE /session/{id} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                self.driver_addr
            );
            let _ = s.read_to_end(&mut Vec::new());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Where screenshots go: `$SENTINEL_SCREENSHOTS` (set it to `docs/screenshots`
/// to refresh the README's), else a directory under the system's temp dir.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("SENTINEL_SCREENSHOTS").map_or_else(
        || std::env::temp_dir().join("sentinel-screenshots"),
        PathBuf::from,
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `path` is a PNG no larger than `max` bytes.
pub fn small_png(path: &Path, max: u64) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() <= max)
        && std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG"))
}
