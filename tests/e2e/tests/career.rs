//! A career switcher's journey through the Progress, Share and Check screens, through the page
//! only: a wallet prepared with the `stapel` command (a signed degree that verifies without
//! the internet, a SURF edubadge with 3 ECTS that carries no proof, and the pathway of an
//! associate degree), then in the app: progress towards the pathway with what would count once
//! verified, a goal of their own made from a skill, a signed presentation of two credentials
//! shown as a QR code that an independent decoder (`zbarimg`) reads off the screen, and that
//! code checked on the Check screen, with the employer's challenge and without it, and once
//! more with the wallet locked. Another opens a wallet whose key is in the keychain (a real
//! Secret Service, GNOME Keyring, on the journeys' D-Bus session) by itself. A third uses the
//! keyboard alone (the tab order, the focus ring, Enter and Escape) and a window half as wide,
//! as 200% zoom makes it. An employer without a wallet scans the learner's two codes with a
//! camera (one made in software: PipeWire and GStreamer showing pictures of the codes, which
//! WebKitGTK finds as it finds a webcam), and meets one that gives no picture. Screenshots land
//! in `target/e2e/{career,keychain,keyboard,camera,silent-camera}-*.png`.

// Test code: a panic is a failed test, with its line (clippy.toml covers #[test] functions;
// this covers the helpers beside them).
#![allow(clippy::unwrap_used)]

use std::path::Path;

use stapel_e2e::{App, CAMERA_NAME, Camera, Result, camera_frame, screenshot_dir, stapel, vectors_dir};

const PASSPHRASE: &str = "correct horse battery staple";
/// Signed with a did:key (Digital Credentials Consortium fixtures): verifies offline; aligned
/// to "Requirements Analysis".
const DEGREE_FILE: &str = "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-alignments.json";
/// A SURF edubadge with 3 ECTS and no proof: it can never be verified.
const EDUBADGE_FILE: &str = "4-ob2/educredentials-obv3-examples/_data/credentials/theed_microcredential_full_ho.json";
const DEGREE: &str = "Example University Degree";
const JEDI: &str = "Minor: Jedi Mind Control and Advanced Meditation Practices";
const CHALLENGE: &str = "8Kq2-interview";

fn path_str(path: &Path) -> Result<&str> {
    Ok(path.to_str().ok_or_else(|| format!("{} is not UTF-8", path.display()))?)
}

/// The texts of the QR codes in `image`, read by zbarimg (Debian's zbar-tools), one a line.
fn zbarimg(image: &Path) -> Result<Vec<String>> {
    let out = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(image)
        .output()
        .map_err(|e| format!("zbarimg could not be started (package zbar-tools): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "zbarimg read no QR code in {}: {}",
            image.display(),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    // Exactly as read: a code's text may end in a space (a Base45 character).
    Ok(String::from_utf8(out.stdout)?.split('\n').filter(|l| !l.is_empty()).map(str::to_string).collect())
}

/// Pastes `text` into the field `css` as a clipboard paste does: the whole text at once, then
/// the `input` event. (Typing thousands of characters over WebDriver is not what an employer
/// does, and WebKitWebDriver's key events for it proved lossy.)
async fn paste(app: &App, css: &str, text: &str) -> Result<()> {
    app.visible(css).await?;
    let script = "const el = document.querySelector(arguments[0]); el.focus(); el.value = arguments[1]; \
        el.dispatchEvent(new Event('input', { bubbles: true })); return el.value.length";
    let n = app.step(&format!("pasting into {css}"), app.client.execute(script, vec![css.into(), text.into()])).await?;
    assert_eq!(n.as_u64(), Some(text.chars().count() as u64), "the whole text is in {css}");
    Ok(())
}

/// A passphrase wallet in `dir`, made with the `stapel` command, holding the signed degree and
/// the edubadge; returns it and its passphrase file.
fn wallet_with_degree_and_edubadge(dir: &Path) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    let wallet = dir.join("wallet.stapel");
    let passphrase_file = dir.join("passphrase");
    std::fs::write(&passphrase_file, format!("{PASSPHRASE}\n"))?;
    let vectors = vectors_dir();
    stapel(&wallet, &passphrase_file, &["init", "--passphrase"])?;
    stapel(
        &wallet,
        &passphrase_file,
        &["import", path_str(&vectors.join(DEGREE_FILE))?, path_str(&vectors.join(EDUBADGE_FILE))?],
    )?;
    Ok((wallet, passphrase_file))
}

/// Waits until the Check screen has checked one presentation, and returns its report's lines.
async fn checked_lines(app: &App) -> Result<Vec<String>> {
    app.wait_text("#check-status", "One presentation checked.").await?;
    app.texts("#presentation-0 > ul.report .check-line").await
}

/// Replaces the text of the field `css` with `text`.
async fn retype(app: &App, css: &str, text: &str) -> Result<()> {
    let field = app.visible(css).await?;
    app.step(&format!("clearing {css}"), field.clear()).await?;
    app.type_into(css, text).await
}

#[tokio::test(flavor = "current_thread")]
async fn a_career_switcher_follows_progress_makes_a_goal_shares_a_qr_code_and_an_employer_checks_it() -> Result<()> {
    std::fs::create_dir_all(screenshot_dir())?;
    let dir = tempfile::tempdir()?;
    let (wallet, passphrase_file) = wallet_with_degree_and_edubadge(dir.path())?;
    let pathway = dir.path().join("force-studies.json");
    std::fs::write(
        &pathway,
        serde_json::to_vec_pretty(&serde_json::json!({
            "version": 1,
            "id": "force-studies",
            "target": { "name": "Associate degree Applied Force Studies", "awarding_body": "Examencommissie, Naboo Theed University", "total_credits": 15 },
            "unit": "ects",
            "groups": [
                { "id": "theed", "name": "Force courses at Theed", "credits": 10, "issuers": ["Naboo Theed University"] },
                { "id": "analysis", "name": "Analysis", "credits": 5, "skills": ["Requirements Analysis"] }
            ]
        }))?,
    )?;
    // Verified offline: the degree verifies, the edubadge cannot (it carries no proof). The
    // command exits 3 for "some unverifiable", which the helper counts as a failure.
    let verify = std::process::Command::new(stapel_e2e::cli_binary())
        .args([
            "--wallet",
            path_str(&wallet)?,
            "--passphrase-file",
            path_str(&passphrase_file)?,
            "verify",
            "--all",
            "--offline",
        ])
        .output()?;
    assert_eq!(verify.status.code(), Some(3), "{}", String::from_utf8_lossy(&verify.stdout));
    stapel(&wallet, &passphrase_file, &["pathway", "add", path_str(&pathway)?])?;

    let app = App::launch("career", &wallet).await?;
    app.type_into("#unlock-passphrase", PASSPHRASE).await?;
    app.click("#unlock-submit").await?;
    app.wait_view("wallet").await?;
    app.wait_text("#wallet-heading", "Your credentials (2 credentials)").await?;

    // 1. Progress: the pathway with its bar; the edubadge's 3 ECTS wait for a verification.
    app.click("#nav-progress").await?;
    app.wait_view("progress").await?;
    app.wait_texts("#pathways .pathway-card .title", &["Associate degree Applied Force Studies"]).await?;
    let card = app.text("#pathways .pathway-card").await?;
    assert!(card.contains("Examencommissie, Naboo Theed University · 0 of 2 groups complete"), "{card}");
    assert!(card.contains("0 of 15 ECTS (+3 ECTS once verified)"), "{card}");
    let bar = app.attr("#pathways .meter", "aria-label").await?.unwrap_or_default();
    assert_eq!(bar, "0 of 15 ECTS (+3 ECTS once verified)", "the bar says in words what it shows");
    app.screenshot("01-progress").await?;
    app.click("#pathway-0").await?;
    app.wait_view("pathway").await?;
    app.wait_text("#pathway-title", "Associate degree Applied Force Studies").await?;
    assert_eq!(app.text("#pathway-total-text").await?, "0 of 15 ECTS (+3 ECTS once verified) — 15 ECTS missing");
    assert_eq!(app.text("#group-0 .group-line").await?, "0 of 10 ECTS (+3 ECTS once verified) — 10 ECTS missing");
    // The degree fits "Analysis" but states no credits: shown, not counted as zero.
    let analysis = app.text("#group-1").await?;
    assert!(analysis.contains("These fit but state no credit value, so they add nothing:"), "{analysis}");
    assert!(analysis.contains(DEGREE), "{analysis}");
    app.wait_texts("#pathway-waiting li", &[&format!("{JEDI} — could not be checked the last time")]).await?;
    app.screenshot("02-pathway").await?;

    // 2. A goal of their own from a skill on the Skills screen.
    app.click("#nav-skills").await?;
    app.wait_view("skills").await?;
    let pick = app
        .visible("#skill-groups input.goal-pick[aria-label='Put Requirements Analysis in a goal of my own']")
        .await?;
    app.step("ticking Requirements Analysis", pick.click()).await?;
    app.wait_text("#goal-chosen", "1 skill ticked.").await?;
    app.type_into("#goal-name", "Become a business analyst").await?;
    retype(&app, "#goal-hours", "40").await?;
    app.screenshot("03-goal-from-a-skill").await?;
    app.click("#goal-submit").await?;
    app.wait_view("pathway").await?;
    app.wait_text("#pathway-title", "Become a business analyst").await?;
    assert_eq!(app.text("#pathway-body").await?, "Awarded by Myself. 1 ECTS = 28 study hours.");
    assert_eq!(app.text("#group-0 h3").await?, "Requirements Analysis");
    assert_eq!(app.text("#pathway-total-text").await?, "0 of 40 hours — 40 hours missing");
    app.screenshot("04-goal").await?;
    app.click("#pathway-back").await?;
    app.wait_view("progress").await?;
    app.wait_texts(
        "#pathways .pathway-card .title",
        &["Associate degree Applied Force Studies", "Become a business analyst"],
    )
    .await?;

    // 3. Share two credentials with the employer's challenge: one from its detail screen, one
    // found by searching on the Share screen.
    app.click("#nav-wallet").await?;
    app.wait_view("wallet").await?;
    app.visible("#credentials li.credential button.link").await?;
    let mut degree_button = None;
    for button in
        app.step("finding the cards", app.client.find_all(stapel_e2e::Locator::Css("#credentials button.link"))).await?
    {
        if app.step("reading a card title", button.text()).await? == DEGREE {
            degree_button = app.step("reading a card id", button.attr("id")).await?;
        }
    }
    app.click(&format!("#{}", degree_button.ok_or("no degree card")?)).await?;
    app.wait_view("detail").await?;
    app.wait_text("#detail-title", DEGREE).await?;
    app.click("#detail-share").await?;
    app.wait_view("share").await?;
    app.wait_texts("#share-chosen li span", &[DEGREE]).await?;
    app.type_into("#share-search", "Jedi").await?;
    app.wait_texts("#share-results li span", &[&format!("{JEDI} — Naboo Theed University")]).await?;
    app.click("#share-add-0").await?;
    app.wait_texts("#share-chosen li span", &[DEGREE, JEDI]).await?;
    app.type_into("#share-challenge", CHALLENGE).await?;
    app.click("#share-make").await?;
    let summary = app.text("#share-summary").await?;
    assert!(summary.starts_with("A presentation of 2 credential(s), signed by did:key:z6Mk"), "{summary}");
    let src = app.attr("#share-code", "src").await?.unwrap_or_default();
    assert!(src.starts_with("data:image/svg+xml;base64,"), "the code is drawn by the app, not fetched");
    let linkedin = app.texts("#share-linkedin li").await?;
    assert_eq!(linkedin.len(), 2);
    assert!(
        linkedin.iter().all(|l| l.contains("no LinkedIn link")),
        "imported from files, so no public copy: {linkedin:?}"
    );
    app.screenshot("05-shared").await?;

    // 4. Full screen, the code as large as the window allows; an independent decoder reads
    // every part off the screen (they cycle when there are several).
    app.click("#share-full").await?;
    let parts_text = app.text("#share-dialog-part").await?;
    let parts: usize = match parts_text.as_str() {
        "One code" => 1,
        other => {
            other.rsplit(' ').next().and_then(|n| n.parse().ok()).ok_or_else(|| format!("not a part count: {other}"))?
        }
    };
    // Several parts cycle on their own; "Next part" stops the cycling, then each is stepped to.
    if parts > 1 {
        app.click("#share-dialog-next").await?;
    }
    let mut codes: Vec<String> = Vec::new();
    let mut last = String::new();
    for i in 0..parts {
        let deadline = std::time::Instant::now() + stapel_e2e::PATIENCE;
        let shown = loop {
            let now = app.text("#share-dialog-part").await?;
            if now != last {
                break now;
            }
            if std::time::Instant::now() > deadline {
                return Err(format!("the full-screen code stays at {now}").into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        let shot = app.screenshot(&format!("06-full-screen-{}", i + 1)).await?;
        // The full-screen code, and maybe the same part behind it on the Share screen.
        let mut read = zbarimg(&shot)?;
        read.sort();
        read.dedup();
        assert_eq!(read.len(), 1, "one part on the screen ({shown}): {read:?}");
        if !codes.contains(&read[0]) {
            codes.push(read[0].clone());
        }
        last = shown;
        if parts > 1 {
            app.click("#share-dialog-next").await?;
        }
    }
    app.click("#share-dialog-close").await?;
    assert_eq!(codes.len(), parts, "every part was read off the screen: {codes:?}");
    assert!(codes.iter().all(|c| c.starts_with("SVP1")), "{codes:?}");

    // 5. The employer checks what was scanned, with the challenge they gave. This machine has
    // no camera, so the page offers none.
    app.click("#nav-check").await?;
    app.wait_view("check").await?;
    let offered = app.script("return !document.getElementById('check-camera').hidden").await?;
    assert_eq!(offered, serde_json::json!(false), "no camera, no camera button");
    paste(&app, "#check-text", &codes.join("\n")).await?;
    app.type_into("#check-challenge", CHALLENGE).await?;
    app.click("#check-offline").await?;
    app.click("#check-submit").await?;
    let lines = checked_lines(&app).await?;
    assert!(lines.contains(&"The learner's signature: yes".to_string()), "{lines:?}");
    assert!(lines.contains(&"It answers your code: yes".to_string()), "{lines:?}");
    assert_eq!(
        app.texts("#presentation-0 .presented h4").await?,
        [format!("{DEGREE} — Example University"), format!("{JEDI} — Naboo Theed University")],
        "each credential with its issuer, in the order shared"
    );
    // The degree's own proof holds; neither credential names the learner's DID as its subject,
    // so that they are the presenter's cannot be shown, and the page says so, not "verified".
    let degree_lines = app.texts("#presented-0-0 .check-line").await?;
    assert!(degree_lines.contains(&"The issuer's signature: yes".to_string()), "{degree_lines:?}");
    assert!(
        degree_lines.contains(&"Issued to the learner who shows it: could not be checked".to_string()),
        "{degree_lines:?}"
    );
    let jedi_lines = app.texts("#presented-0-1 .check-line").await?;
    assert!(jedi_lines.contains(&"The issuer's signature: could not be checked".to_string()), "{jedi_lines:?}");
    assert_eq!(app.text("#presented-0-0 .chip").await?, "? Could not be checked");
    assert_eq!(app.text("#presented-0-1 .chip").await?, "? Could not be checked");
    app.screenshot("07-checked").await?;

    // The same codes answering another challenge are refused: a replay.
    retype(&app, "#check-challenge", "another-interview").await?;
    app.click("#check-submit").await?;
    let lines = checked_lines(&app).await?;
    assert!(lines.contains(&"It answers your code: no".to_string()), "{lines:?}");
    assert_eq!(app.text("#presentation-0 > p .chip").await?, "✗ Invalid");
    app.screenshot("08-replay-refused").await?;

    // 6. Locked, Stapel still checks: the unlock screen links to the Check screen.
    app.click("#lock").await?;
    app.wait_view("unlock").await?;
    app.click("#unlock-check").await?;
    app.wait_view("check").await?;
    assert!(app.texts("#check-results section").await?.is_empty(), "nothing of the locked wallet's session stays");
    paste(&app, "#check-text", &codes.join("\n")).await?;
    retype(&app, "#check-challenge", CHALLENGE).await?;
    app.click("#check-submit").await?;
    let lines = checked_lines(&app).await?;
    assert!(lines.contains(&"The learner's signature: yes".to_string()), "{lines:?}");
    assert!(lines.contains(&"It answers your code: yes".to_string()), "{lines:?}");
    app.screenshot("09-checked-while-locked").await?;
    app.click("#check-back").await?;
    app.wait_view("unlock").await?;
    app.close().await
}

/// Presses `key` (a WebDriver key code) on whatever has the focus, and returns the id of what
/// has it then.
async fn press(app: &App, key: &str) -> Result<String> {
    let active = app.step("finding the focused element", app.client.active_element()).await?;
    app.step("pressing a key", active.send_keys(key)).await?;
    let id = app.script("return document.activeElement ? document.activeElement.id : ''").await?;
    Ok(id.as_str().unwrap_or_default().to_string())
}

/// Waits until the element with id `id` has the focus.
async fn wait_focus(app: &App, id: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + stapel_e2e::PATIENCE;
    loop {
        let now = app.script("return document.activeElement ? document.activeElement.id : ''").await?;
        if now.as_str() == Some(id) {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("the focus is on {now}, not #{id}").into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

/// Whether the focused element shows a focus ring of at least 2 CSS pixels.
async fn focus_ring(app: &App) -> Result<bool> {
    let v = app
        .script("const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2")
        .await?;
    Ok(v.as_bool().unwrap_or(false))
}

#[tokio::test(flavor = "current_thread")]
async fn the_page_works_by_keyboard_alone_and_reflows_in_a_window_half_as_wide() -> Result<()> {
    std::fs::create_dir_all(screenshot_dir())?;
    let dir = tempfile::tempdir()?;
    let (wallet, passphrase_file) = wallet_with_degree_and_edubadge(dir.path())?;
    stapel(&wallet, &passphrase_file, &["pathway", "add", path_str(&workspace_example("ad-ict.json"))?])?;

    let app = App::launch("keyboard", &wallet).await?;
    // The passphrase field has the focus on the unlock screen: type, then Enter.
    app.visible("#unlock-passphrase").await?;
    press(&app, &format!("{PASSPHRASE}{ENTER}")).await?;
    app.wait_view("wallet").await?;
    app.wait_text("#wallet-heading", "Your credentials (2 credentials)").await?;

    // From the top of the page, Tab walks the header, then the list's tools, then the cards,
    // in reading order, each with a visible focus ring.
    app.script("document.getElementById('skip-link').focus(); return true").await?;
    let mut order = Vec::new();
    for _ in 0..16 {
        let id = press(&app, TAB).await?;
        assert!(focus_ring(&app).await?, "{id} shows no focus ring");
        order.push(id);
    }
    let expected = [
        "nav-wallet",
        "nav-skills",
        "nav-progress",
        "nav-share",
        "nav-check",
        "nav-import",
        "nav-claim",
        "nav-settings",
        "lock",
        "search",
        "filter-issuer",
        "filter-type",
        "filter-level",
        "filter-format",
        "sort",
    ];
    assert_eq!(&order[..expected.len()], expected, "the tab order: {order:?}");
    assert!(order[expected.len()].starts_with("card-"), "then the first card: {order:?}");
    app.screenshot("k1-focus-on-a-card").await?;

    // Enter opens a credential; the detail's heading takes the focus.
    press(&app, ENTER).await?;
    app.wait_view("detail").await?;
    wait_focus(&app, "detail-title").await?;

    // To Progress and into a pathway by keyboard; a dialog opened by Enter closes with Escape
    // and removes nothing.
    app.script("document.getElementById('nav-progress').focus(); return true").await?;
    press(&app, ENTER).await?;
    app.wait_view("progress").await?;
    app.script("document.getElementById('pathway-0').focus(); return true").await?;
    press(&app, ENTER).await?;
    app.wait_view("pathway").await?;
    app.script("document.getElementById('pathway-remove').focus(); return true").await?;
    press(&app, ENTER).await?;
    wait_focus(&app, "pathway-remove-cancel").await?;
    press(&app, ESCAPE).await?;
    let open = app.script("return document.getElementById('pathway-remove-dialog').open").await?;
    assert_eq!(open, serde_json::Value::Bool(false), "Escape closes the dialog");
    assert_eq!(app.view().await?, "pathway", "and the pathway is still there");
    app.screenshot("k2-pathway").await?;

    // Half as wide (what 200% zoom makes of the 960-pixel window): every screen reflows to the
    // width, nothing needs sideways scrolling.
    let (x, y, _, h) = app.step("reading the window's place", app.client.get_window_rect()).await?;
    app.step("making the window 480 pixels wide", app.client.set_window_rect(x as u32, y as u32, 480, h as u32))
        .await?;
    for (nav, view) in [
        ("#nav-wallet", "wallet"),
        ("#nav-skills", "skills"),
        ("#nav-progress", "progress"),
        ("#nav-share", "share"),
        ("#nav-check", "check"),
        ("#nav-import", "import"),
        ("#nav-settings", "settings"),
    ] {
        app.click(nav).await?;
        app.wait_view(view).await?;
        let fits = app.script("return [document.documentElement.scrollWidth, window.innerWidth]").await?;
        let (scroll, inner) = (fits[0].as_f64().unwrap_or(f64::MAX), fits[1].as_f64().unwrap_or(0.0));
        assert!(inner <= 500.0, "the window is narrow: {inner}");
        assert!(scroll <= inner, "{view} needs sideways scrolling at {inner} px: {scroll} px wide");
    }
    app.click("#nav-progress").await?;
    app.wait_view("progress").await?;
    app.screenshot("k3-narrow-progress").await?;
    app.close().await
}

fn workspace_example(name: &str) -> std::path::PathBuf {
    stapel_e2e::workspace_root().join("docs/examples").join(name)
}

/// Starts GNOME Keyring's Secret Service on the journeys' D-Bus session (scripts/test-e2e runs
/// them in one), its keyrings in `dir`, unlocked.
fn start_secret_service(dir: &Path) -> Result<()> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return Err("no D-Bus session: run the journeys with scripts/test-e2e".into());
    }
    let mut daemon = std::process::Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .env("XDG_DATA_HOME", dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("gnome-keyring-daemon could not be started (package gnome-keyring): {e}"))?;
    use std::io::Write as _;
    daemon.stdin.take().ok_or("no stdin")?.write_all(b"stapel-e2e")?;
    let out = daemon.wait_with_output()?;
    if !out.status.success() {
        return Err(format!("gnome-keyring-daemon failed: {}", String::from_utf8_lossy(&out.stdout)).into());
    }
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn a_wallet_kept_in_the_keychain_opens_by_itself_and_after_a_lock_waits_for_the_learner() -> Result<()> {
    std::fs::create_dir_all(screenshot_dir())?;
    let dir = tempfile::tempdir()?;
    start_secret_service(dir.path())?;
    let wallet = dir.path().join("wallet.stapel");
    // `stapel init` without --passphrase keeps the key in the keychain.
    let out = std::process::Command::new(stapel_e2e::cli_binary())
        .args(["--wallet", path_str(&wallet)?, "init"])
        .stdin(std::process::Stdio::null())
        .output()?;
    assert!(out.status.success(), "stapel init: {}", String::from_utf8_lossy(&out.stderr));
    let vectors = vectors_dir();
    let import = std::process::Command::new(stapel_e2e::cli_binary())
        .args(["--wallet", path_str(&wallet)?, "import", path_str(&vectors.join(DEGREE_FILE))?])
        .stdin(std::process::Stdio::null())
        .output()?;
    assert!(import.status.success(), "stapel import: {}", String::from_utf8_lossy(&import.stderr));

    // Launched, the app opens the wallet from the keychain without a click.
    let app = App::launch("keychain", &wallet).await?;
    app.wait_view("wallet").await?;
    app.wait_text("#wallet-heading", "Your credentials (1 credential)").await?;
    app.screenshot("1-opened-by-itself").await?;

    // Locked by the learner, it stays locked until they choose to open it.
    app.click("#lock").await?;
    app.wait_view("unlock").await?;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(app.view().await?, "unlock", "a wallet the learner locked does not open by itself");
    assert_eq!(app.text("#unlock-keychain").await?, "Unlock with the keychain");
    app.screenshot("2-locked").await?;
    app.click("#unlock-keychain").await?;
    app.wait_view("wallet").await?;
    app.wait_text("#wallet-heading", "Your credentials (1 credential)").await?;
    app.close().await
}

/// A QR code of `text` as a PNG file, 4 pixels a module with its quiet zone, drawn by the
/// `qrcode` crate and written by the `png` crate: a code that is not Stapel's.
fn qr_png(text: &str, path: &Path) -> Result<()> {
    let code = qrcode::QrCode::new(text.as_bytes())?;
    let (modules, scale, quiet) = (code.width(), 4, 4);
    let colours = code.to_colors();
    let side = (modules + 2 * quiet) * scale;
    let mut pixels = vec![255u8; side * side];
    for (i, colour) in colours.iter().enumerate() {
        if *colour == qrcode::Color::Dark {
            let (x, y) = ((i % modules + quiet) * scale, (i / modules + quiet) * scale);
            for dy in 0..scale {
                pixels[(y + dy) * side + x..(y + dy) * side + x + scale].fill(0);
            }
        }
    }
    let mut encoder =
        png::Encoder::new(std::io::BufWriter::new(std::fs::File::create(path)?), side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.write_header()?.write_image_data(&pixels)?;
    Ok(())
}

/// A fresh app with no wallet, on the Check screen reached from the first-run screen, finding
/// `camera`. Each scan below has a camera and an app of its own: a software camera read a
/// second time, in one window or another, made the reading process crash in GStreamer's
/// conversion now and then (decision 0077), and that is a finding to report, not a journey's
/// chance.
async fn check_screen_with(journey: &str, dir: &Path, camera: &Camera) -> Result<App> {
    let app = App::launch_with(journey, &dir.join("employer.stapel"), &camera.env()).await?;
    app.wait_view("create").await?;
    // The link sits at the window's lower edge, where WebKitWebDriver's click lands beside it
    // (seen here: no error, no click); in the middle of the window it is clicked as a person would.
    app.script("document.getElementById('create-check').scrollIntoView({ block: 'center' })").await?;
    app.click("#create-check").await?;
    app.wait_view("check").await?;
    app.visible("#check-camera").await?;
    Ok(app)
}

#[tokio::test(flavor = "current_thread")]
async fn an_employer_without_a_wallet_scans_the_learners_codes_with_a_camera_and_sees_the_verdict() -> Result<()> {
    std::fs::create_dir_all(screenshot_dir())?;
    let dir = tempfile::tempdir()?;
    // The learner's side, with the command: two credentials presented for the employer's
    // challenge, as two numbered codes.
    let (wallet, passphrase_file) = wallet_with_degree_and_edubadge(dir.path())?;
    let listed: serde_json::Value = serde_json::from_str(&stapel(&wallet, &passphrase_file, &["--json", "list"])?)?;
    let ids: Vec<&str> = listed["credentials"]
        .as_array()
        .ok_or("no credentials listed")?
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 2);
    let codes = dir.path().join("codes.png");
    let mut present = vec!["present", "--challenge", CHALLENGE, "--qr", path_str(&codes)?];
    present.extend(&ids);
    stapel(&wallet, &passphrase_file, &present)?;
    let (part1, part2) = (dir.path().join("codes-1of2.png"), dir.path().join("codes-2of2.png"));
    assert!(part1.is_file() && part2.is_file(), "two parts written");
    let poster = dir.path().join("poster.png");
    qr_png("https://example.org/open-day", &poster)?;

    // The camera first sees a poster's code and only the second part, over and over.
    let frames = dir.path().join("frames");
    std::fs::create_dir(&frames)?;
    camera_frame(&poster, &frames, 0)?;
    camera_frame(&part2, &frames, 1)?;
    camera_frame(&part2, &frames, 2)?;
    let camera = Camera::start(&frames).await?;

    // The employer has no wallet: the first-run screen links to Check.
    let app = check_screen_with("camera", dir.path(), &camera).await?;
    app.type_into("#check-challenge", CHALLENGE).await?;
    app.click("#check-offline").await?;
    app.click("#check-camera").await?;
    app.visible("#scan-dialog").await?;
    let label = app
        .script(
            "const v = document.getElementById('scan-video'); \
        return v.srcObject ? v.srcObject.getVideoTracks()[0].label : ''",
        )
        .await?;
    assert_eq!(label.as_str(), Some(CAMERA_NAME), "the page films with the camera PipeWire offers");
    // Part 2 of 2 is read and shown as read; the poster's code is left out, and said so.
    app.wait_text(
        "#scan-status",
        "1 of 2 parts read. Keep the codes in view: the learner's screen shows each part in turn.",
    )
    .await?;
    app.wait_texts("#scan-parts li.read", &["2"]).await?;
    app.wait_text("#scan-foreign", "One QR code that is not a Stapel presentation was left out.").await?;
    assert!(app.texts("#check-results section").await?.is_empty(), "nothing is checked before every part is read");
    app.screenshot("1-one-part-read").await?;

    // Then the learner's screen shows the first part: the scan completes by itself, the
    // camera goes off, and the verdict is on the screen.
    camera_frame(&part1, &frames, 2)?;
    let lines = checked_lines(&app).await?;
    let dialog_open = app.script("return document.getElementById('scan-dialog').open").await?;
    assert_eq!(dialog_open, serde_json::json!(false), "the scan dialog closed");
    let filming = app.script("return document.getElementById('scan-video').srcObject !== null").await?;
    assert_eq!(filming, serde_json::json!(false), "the camera is off");
    assert_eq!(app.text("#presentation-0 > p.muted.small").await?, "From: the camera");
    assert!(lines.contains(&"The learner's signature: yes".to_string()), "{lines:?}");
    assert!(lines.contains(&"It answers your code: yes".to_string()), "{lines:?}");
    assert_eq!(
        app.texts("#presentation-0 .presented h4").await?,
        [format!("{JEDI} — Naboo Theed University"), format!("{DEGREE} — Example University")],
        "each credential with its issuer, in the order presented"
    );
    app.screenshot("2-checked").await?;
    app.close().await?;
    drop(camera);

    // Scanned again for another challenge: a replay, refused.
    let camera = Camera::start(&frames).await?;
    let app = check_screen_with("camera-replay", dir.path(), &camera).await?;
    app.type_into("#check-challenge", "another-interview").await?;
    app.click("#check-offline").await?;
    app.click("#check-camera").await?;
    let lines = checked_lines(&app).await?;
    assert!(lines.contains(&"It answers your code: no".to_string()), "{lines:?}");
    assert_eq!(app.text("#presentation-0 > p .chip").await?, "✗ Invalid");
    app.screenshot("3-replay-refused").await?;
    app.close().await?;
    drop(camera);

    // Now the camera sees only the poster: the scan waits, until Escape (or Stop) ends it and
    // the camera with it.
    camera_frame(&poster, &frames, 1)?;
    camera_frame(&poster, &frames, 2)?;
    for close in ["Escape", "Stop"] {
        let camera = Camera::start(&frames).await?;
        let app = check_screen_with(&format!("camera-{}", close.to_lowercase()), dir.path(), &camera).await?;
        app.click("#check-camera").await?;
        app.wait_text("#scan-foreign", "One QR code that is not a Stapel presentation was left out.").await?;
        assert_eq!(
            app.text("#scan-status").await?,
            "Looking for a QR code… Type the code you gave the learner first, so it is checked too."
        );
        if close == "Escape" {
            wait_focus(&app, "scan-close").await?;
            press(&app, ESCAPE).await?;
        } else {
            app.click("#scan-close").await?;
        }
        let state = app
            .script(
                "return [document.getElementById('scan-dialog').open, \
            document.getElementById('scan-video').srcObject === null]",
            )
            .await?;
        assert_eq!(state, serde_json::json!([false, true]), "{close}: the dialog closed and the camera is off");
        assert!(app.texts("#check-results section").await?.is_empty());
        app.close().await?;
        drop(camera);
    }
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn a_camera_that_gives_no_picture_is_tried_once_more_then_named_and_the_scan_can_start_over() -> Result<()> {
    std::fs::create_dir_all(screenshot_dir())?;
    let dir = tempfile::tempdir()?;
    let poster = dir.path().join("poster.png");
    qr_png("https://example.org/open-day", &poster)?;
    let frames = dir.path().join("frames");
    std::fs::create_dir(&frames)?;
    camera_frame(&poster, &frames, 0)?;
    let camera = Camera::start_silent(&frames).await?;
    let app = check_screen_with("silent-camera", dir.path(), &camera).await?;
    app.click("#check-camera").await?;
    let silent = "The camera gives no picture. Check that it is connected and that no other program uses it, then press Start over.";
    // Six seconds without a picture, opened again, six more: then the page says so.
    app.wait_text("#scan-error", silent).await?;
    let off = app.script("return document.getElementById('scan-video').srcObject === null").await?;
    assert_eq!(off, serde_json::json!(true), "the camera is released");
    app.screenshot("1-no-picture").await?;
    // Start over tries again (and, the camera being as it is, ends the same way).
    app.click("#scan-restart").await?;
    let cleared = app.script("return document.getElementById('scan-error').hidden").await?;
    assert_eq!(cleared, serde_json::json!(true), "starting over clears the message");
    app.wait_text("#scan-error", silent).await?;
    app.click("#scan-close").await?;
    app.close().await
}
