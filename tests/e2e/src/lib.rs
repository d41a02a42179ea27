//! The harness the end-to-end journeys share: it starts the real, built `stapel-app` under
//! `tauri-driver` (which drives WebKitGTK's `WebKitWebDriver`), hands the app its wallet path
//! through `STAPEL_WALLET`, connects a WebDriver client (fantoccini) and saves screenshots
//! of the app's window, taken from the X server (see [`App::screenshot`]).
//!
//! Each journey gets its own tauri-driver on free local ports, in its own process group, so
//! the driver, WebKitWebDriver and the app are all ended when the journey's [`App`] drops,
//! whatever the journey's outcome. Every WebDriver call is bounded ([`STEP`]), so a journey
//! fails instead of hanging. Wallets a journey needs beforehand are filled with the built
//! `stapel` command ([`stapel`]). A display must already be there (`scripts/test-e2e` runs
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

/// How long one WebDriver call may take before the journey fails (it never waits for ever).
pub const STEP: Duration = Duration::from_secs(30);

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Calls back once the page has painted a new frame (two animation frames: the first is
/// scheduled, the second starts after it was presented).
const PAINTED: &str = "const done = arguments[arguments.length - 1]; \
    requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";

/// Saves the rectangle `(x, y, width, height)` of the X display in `DISPLAY` as the PNG file
/// `path`, with ImageMagick's `import` (Debian package `imagemagick`), within [`STEP`].
pub async fn grab_window(rect: (u64, u64, u64, u64), path: &Path) -> Result<()> {
    let (x, y, w, h) = rect;
    if w == 0 || h == 0 {
        return Err(format!("the window has no area ({w}x{h})").into());
    }
    let crop = format!("{w}x{h}+{x}+{y}");
    let mut import = tokio::process::Command::new("import");
    import
        .args(["-silent", "-window", "root", "-crop", &crop, "+repage"])
        .arg(format!("png:{}", path.display()))
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let out = match tokio::time::timeout(STEP, import.output()).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => {
            return Err(format!("ImageMagick's import could not be started (package imagemagick): {e}").into());
        }
        Err(_) => return Err(format!("import did not return within {STEP:?}").into()),
    };
    if !out.status.success() {
        return Err(format!("import failed: {}", String::from_utf8_lossy(&out.stderr).trim()).into());
    }
    let png = std::fs::read(path)?;
    if !png.starts_with(b"\x89PNG") {
        return Err(format!("{} is not a PNG", path.display()).into());
    }
    Ok(())
}

/// The built app: `STAPEL_APP` if set, else `stapel-app` in the cargo target dir's debug profile.
pub fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("STAPEL_APP") {
        return PathBuf::from(path);
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug/stapel-app")
}

/// The built `stapel` command: `STAPEL_CLI` if set, else `stapel` beside the app.
pub fn cli_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("STAPEL_CLI") {
        return PathBuf::from(path);
    }
    app_binary().with_file_name("stapel")
}

/// Runs the `stapel` command with `args` on the wallet `wallet` (passphrase read from the file
/// `passphrase_file`), and returns its standard output; a failed run is an error carrying its
/// standard error.
pub fn stapel(wallet: &Path, passphrase_file: &Path, args: &[&str]) -> Result<String> {
    let cli = cli_binary();
    let out = Command::new(&cli)
        .arg("--wallet")
        .arg(wallet)
        .arg("--passphrase-file")
        .arg(passphrase_file)
        .args(args)
        .env_remove("STAPEL_WALLET")
        .env_remove("STAPEL_PASSPHRASE_FILE")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("the stapel command could not be started from {}: {e}", cli.display()))?;
    if !out.status.success() {
        return Err(format!("stapel {args:?} failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// Where screenshots go: `STAPEL_E2E_OUT` if set, else `target/e2e/` in the workspace.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("STAPEL_E2E_OUT").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target/e2e"))
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
        Self::launch_binary(journey, &app_binary(), Some(wallet)).await
    }

    /// Starts the app with `STAPEL_WALLET=wallet` and the environment `env` added (a
    /// [`Camera`]'s, say), and waits until its window is driven.
    pub async fn launch_with(journey: &str, wallet: &Path, env: &[(&str, &std::ffi::OsStr)]) -> Result<App> {
        Self::launch_full(journey, &app_binary(), Some(wallet), env).await
    }

    /// Starts the Tauri program `app` (the Stapel app, or another one such as the benchmark's
    /// blank window, or a script that starts one), with `STAPEL_WALLET=wallet` when given, and
    /// waits until its window is driven.
    pub async fn launch_binary(journey: &str, app: &Path, wallet: Option<&Path>) -> Result<App> {
        Self::launch_full(journey, app, wallet, &[]).await
    }

    async fn launch_full(
        journey: &str,
        app: &Path,
        wallet: Option<&Path>,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Result<App> {
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
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0);
        match wallet {
            Some(wallet) => command.env("STAPEL_WALLET", wallet),
            None => command.env_remove("STAPEL_WALLET"),
        };
        command.envs(env.iter().copied());
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
        let url = format!("http://127.0.0.1:{port}");
        let mut builder = fantoccini::ClientBuilder::native();
        builder.capabilities(caps);
        let connect = builder.connect(&url);
        let client = match tokio::time::timeout(PATIENCE, connect).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => return Err(format!("no WebDriver session with the app: {e}").into()),
            Err(_) => return Err(format!("the app's WebDriver session did not start within {PATIENCE:?}").into()),
        };
        Ok(App { client, journey: journey.to_string(), _driver: driver })
    }

    /// Runs one WebDriver call, failing with `what` when it does not answer within [`STEP`]:
    /// a call that never returns (the page's process stuck, a driver gone) fails the journey
    /// instead of hanging it.
    pub async fn step<T, E: std::fmt::Display>(
        &self,
        what: &str,
        call: impl std::future::Future<Output = std::result::Result<T, E>>,
    ) -> Result<T> {
        match tokio::time::timeout(STEP, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(format!("{}: {what} failed: {e}", self.journey).into()),
            Err(_) => Err(format!("{}: {what} did not return within {STEP:?}", self.journey).into()),
        }
    }

    /// Waits for the element `css` to exist and be displayed, and returns it.
    pub async fn visible(&self, css: &str) -> Result<fantoccini::elements::Element> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(el) = self.step(&format!("finding {css}"), self.client.find(Locator::Css(css))).await
                && self.step(&format!("asking whether {css} shows"), el.is_displayed()).await?
            {
                return Ok(el);
            }
            if Instant::now() > deadline {
                let _ = self.screenshot("timeout").await;
                return Err(format!("{}: {css} never showed within {PATIENCE:?}", self.journey).into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The visible text of the element `css`, once it shows.
    pub async fn text(&self, css: &str) -> Result<String> {
        let el = self.visible(css).await?;
        self.step(&format!("reading the text of {css}"), el.text()).await
    }

    /// Waits until the element `css` shows exactly `expected` (the page fills some texts in
    /// after a command answers), and fails with the last text seen.
    pub async fn wait_text(&self, css: &str, expected: &str) -> Result<()> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let seen = self.text(css).await?;
            if seen == expected {
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = self.screenshot("timeout").await;
                return Err(format!("{}: {css} shows {seen:?}, not {expected:?}", self.journey).into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs `script` in the page and returns its value.
    pub async fn script(&self, script: &str) -> Result<serde_json::Value> {
        self.step(&format!("running {script:?}"), self.client.execute(script, vec![])).await
    }

    /// Which of its views the page shows: `loading`, `create`, `unlock` or `wallet`.
    pub async fn view(&self) -> Result<String> {
        let value = self.script("return document.body.dataset.view || ''").await?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    /// Waits until the page shows the view `name`.
    pub async fn wait_view(&self, name: &str) -> Result<()> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let view = self.view().await?;
            if view == name {
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = self.screenshot("timeout").await;
                return Err(
                    format!("{}: the page shows {view:?}, not {name:?}, after {PATIENCE:?}", self.journey).into()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The visible texts of every element matching `css`, in page order (none: empty).
    pub async fn texts(&self, css: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for el in self.step(&format!("finding every {css}"), self.client.find_all(Locator::Css(css))).await? {
            out.push(self.step(&format!("reading the text of a {css}"), el.text()).await?);
        }
        Ok(out)
    }

    /// Waits until the elements matching `css` show exactly the texts `expected`, in page
    /// order, and fails with the last seen. The page redraws a list after a command answers,
    /// so an element found may be gone when read: that is a reading to take again.
    pub async fn wait_texts(&self, css: &str, expected: &[&str]) -> Result<()> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let seen = match self.texts(css).await {
                Ok(seen) if seen == expected => return Ok(()),
                Ok(seen) => format!("{seen:?}"),
                Err(e) => e.to_string(),
            };
            if Instant::now() > deadline {
                let _ = self.screenshot("timeout").await;
                return Err(format!("{}: {css} show {seen}, not {expected:?}", self.journey).into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The attribute `name` of the element `css`, once it shows.
    pub async fn attr(&self, css: &str, name: &str) -> Result<Option<String>> {
        let el = self.visible(css).await?;
        self.step(&format!("reading {name} of {css}"), el.attr(name)).await
    }

    /// Types `text` into the field `css`.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let el = self.visible(css).await?;
        self.step(&format!("typing into {css}"), el.send_keys(text)).await
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        let el = self.visible(css).await?;
        self.step(&format!("clicking {css}"), el.click()).await
    }

    /// Saves the window as `target/e2e/<journey>-<step>.png` and returns the path.
    ///
    /// The picture is taken from the X server (ImageMagick's `import` on the display the
    /// journeys run in), cropped to the app window's rectangle, not with WebDriver's Take
    /// Screenshot: WebKitGTK answers that only after the page paints a new frame, and a page
    /// with nothing to repaint never answers it (docs/decisions/0023). The page is first asked
    /// for a painted frame, so what the X server holds is what the page last drew.
    pub async fn screenshot(&self, step: &str) -> Result<PathBuf> {
        self.step(
            &format!("waiting for a painted frame before the screenshot {step}"),
            self.client.execute_async(PAINTED, vec![]),
        )
        .await?;
        let rect = self
            .step(&format!("reading the window's place for the screenshot {step}"), self.client.get_window_rect())
            .await?;
        let path = screenshot_dir().join(format!("{}-{step}.png", self.journey));
        grab_window(rect, &path).await.map_err(|e| format!("{}: the screenshot {step}: {e}", self.journey))?;
        Ok(path)
    }

    /// Ends the WebDriver session (which closes the app), then the driver.
    pub async fn close(self) -> Result<()> {
        let journey = self.journey.clone();
        match tokio::time::timeout(STEP, self.client.close()).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(format!("{journey}: ending the WebDriver session did not return within {STEP:?}").into()),
        }
    }
}

/// A camera for the app to find, made in software: a PipeWire daemon and its session manager
/// (WirePlumber) of their own, in a private runtime folder, and a GStreamer pipeline that
/// offers a `Video/Source` node, as a webcam's driver does, showing the PNG pictures
/// `frame-0.png`, `frame-1.png`, ... of a folder in turn, each for half a second, at 1280×720
/// and 10 frames a second, over and over. The pictures are read anew each time round, so a
/// journey can change what the camera sees by replacing one (write another file, then rename
/// it over). WebKitGTK finds the camera through GStreamer's PipeWire device provider, exactly
/// as it finds a USB webcam on a desktop with PipeWire; the app is told where this PipeWire
/// is with `PIPEWIRE_RUNTIME_DIR` ([`Camera::env`]). Everything ends when it drops.
///
/// Debian packages: pipewire, wireplumber, gstreamer1.0-pipewire, gstreamer1.0-tools,
/// gstreamer1.0-plugins-good (`scripts/setup-system e2e` installs them).
pub struct Camera {
    // Dropped in this order: the picture source, then PipeWire and WirePlumber, then their
    // runtime folder.
    _pipeline: ProcessGroup,
    _daemons: Vec<ProcessGroup>,
    runtime: tempfile::TempDir,
}

/// The name the camera's node has, as the page's `MediaStreamTrack.label` shows it (no spaces:
/// gst-launch splits its arguments at them).
pub const CAMERA_NAME: &str = "Stapel-test-camera";

impl Camera {
    /// Starts the camera on the pictures `frame-N.png` (N from 0, 1280×720) in `frames`; there
    /// must be at least one.
    pub async fn start(frames: &Path) -> Result<Camera> {
        Self::start_with(frames, true).await
    }

    /// A camera that is there but gives no picture, as with a broken driver or a covered
    /// sensor that sends nothing: its node links, and no frame ever comes.
    pub async fn start_silent(frames: &Path) -> Result<Camera> {
        Self::start_with(frames, false).await
    }

    async fn start_with(frames: &Path, gives_pictures: bool) -> Result<Camera> {
        if !frames.join("frame-0.png").is_file() {
            return Err(format!("no frame-0.png in {}", frames.display()).into());
        }
        let runtime = tempfile::Builder::new().prefix("stapel-camera-").tempdir()?;
        let log = |name: &str| std::fs::File::create(screenshot_dir().join(format!("camera-{name}.log")));
        let spawn = |program: &str, args: &[&str], name: &str| -> Result<ProcessGroup> {
            let log = log(name)?;
            let child = Command::new(program)
                .args(args)
                .env("PIPEWIRE_RUNTIME_DIR", runtime.path())
                .env("XDG_RUNTIME_DIR", runtime.path())
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .process_group(0)
                .spawn()
                .map_err(|e| format!("{program} could not be started (scripts/setup-system e2e installs it): {e}"))?;
            Ok(ProcessGroup { child })
        };
        let mut daemons = vec![spawn("pipewire", &[], "pipewire")?];
        let socket = runtime.path().join("pipewire-0");
        let deadline = Instant::now() + PATIENCE;
        while !socket.exists() {
            if Instant::now() > deadline {
                return Err(
                    format!("PipeWire made no socket in {} within {PATIENCE:?}", runtime.path().display()).into()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        daemons.push(spawn("wireplumber", &[], "wireplumber")?);
        let location = format!("location={}", frames.join("frame-%d.png").display());
        let properties = format!(
            "stream-properties=props,media.class=Video/Source,media.role=Camera,node.description={CAMERA_NAME}"
        );
        let client = format!("client-name={CAMERA_NAME}");
        // A silent camera drops every picture before PipeWire (`valve`), passing on only the
        // format, so it links and never gives a frame.
        let valve = if gives_pictures { "drop=false" } else { "drop=true" };
        let pipeline: Vec<&str> = vec![
            "multifilesrc",
            &location,
            "index=0",
            "loop=true",
            "caps=image/png,framerate=2/1",
            "!",
            "pngdec",
            "!",
            "videoconvert",
            "!",
            "videorate",
            "!",
            "video/x-raw,format=YUY2,width=1280,height=720,framerate=10/1",
            "!",
            "valve",
            valve,
            "drop-mode=forward-sticky-events",
            "!",
            "pipewiresink",
            "mode=provide",
            &properties,
            &client,
        ];
        let pipeline = spawn("gst-launch-1.0", &pipeline, "gstreamer")?;
        let camera = Camera { _pipeline: pipeline, _daemons: daemons, runtime };
        // Ready once PipeWire lists the camera's node.
        let deadline = Instant::now() + PATIENCE;
        loop {
            let nodes = Command::new("pw-cli")
                .args(["ls", "Node"])
                .env("PIPEWIRE_RUNTIME_DIR", camera.runtime.path())
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("pw-cli could not be started (package pipewire-bin): {e}"))?;
            if String::from_utf8_lossy(&nodes.stdout).contains("Video/Source") {
                return Ok(camera);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the camera's node never showed in PipeWire within {PATIENCE:?}: see target/e2e/camera-*.log"
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What the app needs to find this camera.
    pub fn env(&self) -> [(&'static str, &std::ffi::OsStr); 1] {
        [("PIPEWIRE_RUNTIME_DIR", self.runtime.path().as_os_str())]
    }
}

/// Writes what a [`Camera`] sees of the code in `image` (a PNG or any picture ImageMagick
/// reads): the code a little larger, on a grey background, 1280×720, as the picture
/// `frames/frame-N.png` (ImageMagick's `convert`; renamed into place so the camera never reads
/// half a file).
pub fn camera_frame(image: &Path, frames: &Path, n: usize) -> Result<()> {
    let partial = frames.join(format!("next-{n}.png"));
    let out = Command::new("convert")
        .arg(image)
        .args(["-resize", "110%", "-background", "#777777", "-gravity", "center", "-extent", "1280x720"])
        .arg(format!("PNG24:{}", partial.display()))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("ImageMagick's convert could not be started (package imagemagick): {e}"))?;
    if !out.status.success() {
        return Err(format!("convert failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    std::fs::rename(&partial, frames.join(format!("frame-{n}.png")))?;
    Ok(())
}
