//! The harness the end-to-end journeys share: it starts the real, built `stapel-app` under
//! `tauri-driver` (which drives WebKitGTK's `WebKitWebDriver`), hands the app its wallet path
//! through `STAPEL_WALLET`, connects a WebDriver client (fantoccini) and saves screenshots.
//!
//! Each journey gets its own tauri-driver on free local ports, in its own process group, so
//! the driver, WebKitWebDriver and the app are all ended when the journey's [`App`] drops,
//! whatever the journey's outcome. A display must already be there (`scripts/test-e2e` runs
//! the journeys under Xvfb); the harness never fakes one.

use std::error::Error;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini::{Client, Locator};

pub type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// How long a journey waits for the page to reach a state before it fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The built app: `STAPEL_APP` if set, else `stapel-app` in the cargo target dir's debug profile.
pub fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("STAPEL_APP") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug/stapel-app")
}

/// Where screenshots go: `STAPEL_E2E_OUT` if set, else `target/e2e/` in the workspace.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("STAPEL_E2E_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/e2e"))
}

/// The test vectors other people published, read in place (never copied).
pub fn vectors_dir() -> PathBuf {
    workspace_root().join("../shared/vectors")
}

/// Two distinct free local ports (both held while asked for, so they cannot be the same).
fn free_ports() -> Result<(u16, u16)> {
    let a = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
    let b = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
    Ok((a.local_addr()?.port(), b.local_addr()?.port()))
}

/// A process group started by the harness; ended (TERM, then KILL) when dropped.
struct ProcessGroup {
    child: Child,
}

impl ProcessGroup {
    fn signal(&self, signal: &str) {
        // `kill -SIG -- -PGID` reaches the driver and every process it started in its group.
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever is still in the group (WebKitWebDriver, the app) goes now.
        self.signal("-KILL");
        let _ = self.child.wait();
    }
}

/// One running app, driven over WebDriver.
pub struct App {
    pub client: Client,
    pub journey: String,
    _driver: ProcessGroup,
}

impl App {
    /// Starts the app with `STAPEL_WALLET=wallet` and waits until its window is driven.
    pub async fn launch(journey: &str, wallet: &Path) -> Result<App> {
        let app = app_binary();
        if !app.is_file() {
            return Err(format!("the app is not built at {} (run scripts/test-e2e)", app.display()).into());
        }
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            return Err("no display: run the journeys under Xvfb (scripts/test-e2e does)".into());
        }
        let driver_bin = std::env::var_os("TAURI_DRIVER").map(PathBuf::from).unwrap_or_else(|| "tauri-driver".into());
        let (port, native_port) = free_ports()?;
        let log = std::fs::File::create(screenshot_dir().join(format!("{journey}.driver.log")))?;
        let mut command = Command::new(&driver_bin);
        command
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("STAPEL_WALLET", wallet)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0);
        if let Some(native) = std::env::var_os("WEBKIT_WEBDRIVER") {
            command.arg("--native-driver").arg(native);
        }
        let child = command
            .spawn()
            .map_err(|e| format!("tauri-driver could not be started from {}: {e}", driver_bin.display()))?;
        let driver = ProcessGroup { child };

        let deadline = Instant::now() + PATIENCE;
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            if Instant::now() > deadline {
                return Err(format!("tauri-driver did not listen on port {port} within {PATIENCE:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), serde_json::json!("wry"));
        caps.insert("tauri:options".into(), serde_json::json!({ "application": app }));
        let client = fantoccini::ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| format!("no WebDriver session with the app: {e}"))?;
        Ok(App { client, journey: journey.to_string(), _driver: driver })
    }

    /// Waits for the element `css` to exist and be displayed, and returns it.
    pub async fn visible(&self, css: &str) -> Result<fantoccini::elements::Element> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if el.is_displayed().await.unwrap_or(false) {
                    return Ok(el);
                }
            }
            if Instant::now() > deadline {
                let _ = self.screenshot("timeout").await;
                return Err(format!("{} never showed within {PATIENCE:?}", css).into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The visible text of the element `css`, once it shows.
    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.visible(css).await?.text().await?)
    }

    /// Types `text` into the field `css`.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        self.visible(css).await?.send_keys(text).await?;
        Ok(())
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        self.visible(css).await?.click().await?;
        Ok(())
    }

    /// Saves the window as `target/e2e/<journey>-<step>.png` and returns the path.
    pub async fn screenshot(&self, step: &str) -> Result<PathBuf> {
        let png = self.client.screenshot().await?;
        if !png.starts_with(b"\x89PNG") {
            return Err("the screenshot is not a PNG".into());
        }
        let path = screenshot_dir().join(format!("{}-{step}.png", self.journey));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the WebDriver session (which closes the app), then the driver.
    pub async fn close(self) -> Result<()> {
        self.client.close().await?;
        Ok(())
    }
}
