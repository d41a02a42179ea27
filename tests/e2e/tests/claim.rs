//! Claiming through the real app (issue 16): a learner pastes the school's offer link, types
//! the transaction code the school sent apart, and ends on the new card, verified; then a
//! second offer link, opened while Stapel runs (as a browser hands an
//! `openid-credential-offer://` link to the app registered for it), reaches the open window.
//! Another scans the offer's QR code with a camera (one made in software, `stapel_e2e::Camera`),
//! types the code and sees the verified card. A third signs in at the issuer in the browser
//! (`$BROWSER` is curl, which follows the sign-in's redirect back to Stapel as a browser
//! does); the issuer defers the credential, and after a restart of the app the learner asks
//! again and gets it, verified. The issuer is the testkit's loopback OpenID4VCI issuer,
//! started by each journey. Screenshots land in
//! `target/e2e/{claim,claim-scan,sign-in,sign-in-restarted}-*.png`.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stapel_core::present::{HolderKey, qr};
use stapel_e2e::{App, CAMERA_NAME, Camera, Result, app_binary, camera_frame, screenshot_dir, stapel};
use stapel_testkit::issuer::{self, Fault, Grant, Issuer, Options, Order};

const PASSPHRASE: &str = "correct horse battery staple";

fn issue(order: &Order) -> Value {
    let school = HolderKey::from_secret_bytes(&[21; 32]);
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": school.did(), "type": ["Profile"], "name": "Hogeschool Lusback"},
        "validFrom": "2026-11-01T00:00:00Z",
        "name": "Statistiek 1",
        "credentialSubject": {
            "id": order.holder,
            "type": ["AchievementSubject"],
            "achievement": {"id": "https://lusback.example/a/stat-1", "type": ["Achievement"], "name": "Statistiek 1",
                            "description": "Beschrijvende statistiek.", "criteria": {"narrative": "Tentamen."}}
        }
    });
    let header = json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": school.verification_method()});
    Value::String(issuer::compact_jws(&header, &credential, &|input| school.sign(input).to_vec()))
}

/// Waits until `css` shows text containing `wanted`.
async fn wait_containing(app: &App, css: &str, wanted: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = app.text(css).await.unwrap_or_default();
        if seen.contains(wanted) {
            return Ok(());
        }
        if Instant::now() > deadline {
            let _ = app.screenshot("timeout").await;
            return Err(format!("{css} shows {seen:?}, not {wanted:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A new wallet made with the `stapel` command in `dir`: its path and its passphrase file.
fn new_wallet(dir: &std::path::Path) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    let wallet = dir.join("wallet.stapel");
    let passphrase_file = dir.join("passphrase");
    std::fs::write(&passphrase_file, format!("{PASSPHRASE}\n"))?;
    stapel(&wallet, &passphrase_file, &["init", "--passphrase"])?;
    Ok((wallet, passphrase_file))
}

/// Unlocks the wallet with the passphrase and waits for the cards.
async fn unlock(app: &App) -> Result<()> {
    app.type_into("#unlock-passphrase", PASSPHRASE).await?;
    app.click("#unlock-submit").await?;
    app.wait_view("wallet").await
}

/// Longer than the testkit issuer's interval between asks for a deferred credential (1 s, which
/// the wallet keeps to the second, rounded down): after this, the wallet asks when told to.
const ISSUER_INTERVAL_PASSED: Duration = Duration::from_millis(1500);

/// How many times the issuer was asked for the deferred credential.
fn deferred_polls(issuer: &Issuer) -> usize {
    issuer.routes().iter().filter(|r| *r == "POST /deferred").count()
}

#[tokio::test(flavor = "current_thread")]
async fn a_learner_claims_by_link_with_the_code_and_a_link_opened_while_stapel_runs_reaches_its_window() -> Result<()> {
    std::fs::create_dir_all(screenshot_dir())?;
    let dir = tempfile::tempdir()?;
    let (wallet, _) = new_wallet(dir.path())?;
    let with_code = Issuer::start(Options { tx_code: Some("493536".into()), ..Options::new(issue) });

    let loopback = std::ffi::OsStr::new("1");
    let app = App::launch_with("claim", &wallet, &[("STAPEL_ALLOW_LOOPBACK_HTTP", loopback)]).await?;
    unlock(&app).await?;

    // The link from the school's e-mail, pasted: who offers what, and the code it asks for.
    app.click("#nav-claim").await?;
    app.wait_view("claim").await?;
    app.type_into("#claim-link", &with_code.offer_uri()).await?;
    app.click("#claim-read").await?;
    wait_containing(&app, "#claim-issuer", "Loopback University of Applied Sciences").await?;
    wait_containing(&app, "#claim-credentials", "Data literacy").await?;
    wait_containing(&app, "#claim-tx-description", "Typ de code uit de e-mail van de hogeschool").await?;
    app.screenshot("1-the-offer").await?;

    // A wrong code is said plainly and changes nothing; the right one ends on the card.
    app.type_into("#claim-tx-code", "000000").await?;
    app.click("#claim-submit").await?;
    app.visible("#claim-error").await?;
    assert!(!app.text("#claim-error").await?.is_empty());
    app.screenshot("2-a-wrong-code").await?;
    let field = app.visible("#claim-tx-code").await?;
    app.step("clearing #claim-tx-code", field.clear()).await?;
    app.type_into("#claim-tx-code", "493536").await?;
    app.click("#claim-submit").await?;
    app.wait_view("detail").await?;
    app.wait_text("#detail-title", "Statistiek 1").await?;
    wait_containing(&app, "#detail-chip", "Verified").await?;
    app.screenshot("3-the-verified-card").await?;

    // A second offer's link, opened while Stapel runs: the second launch hands it to this
    // window and ends; the window shows the offer.
    let second = Issuer::start(Options::new(issue));
    let mut handing = Command::new(app_binary())
        .arg(second.offer_uri())
        .env("STAPEL_WALLET", &wallet)
        .env("STAPEL_ALLOW_LOOPBACK_HTTP", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    app.wait_view("claim").await?;
    wait_containing(&app, "#claim-issuer", "Loopback University of Applied Sciences").await?;
    app.screenshot("4-a-link-reached-the-window").await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = handing.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = handing.kill();
            return Err("the second launch did not end after handing its link over".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "the second launch: {status}");
    app.click("#claim-submit").await?;
    app.wait_view("detail").await?;
    wait_containing(&app, "#detail-chip", "Verified").await?;
    assert_eq!(second.seen().issued, 1);
    app.close().await
}

#[tokio::test(flavor = "current_thread")]
async fn a_learner_claims_by_scanning_the_offers_qr_code_types_the_code_and_sees_the_verified_card() -> Result<()> {
    std::fs::create_dir_all(screenshot_dir())?;
    let dir = tempfile::tempdir()?;
    let (wallet, _) = new_wallet(dir.path())?;
    let school = Issuer::start(Options { tx_code: Some("731904".into()), ..Options::new(issue) });

    // The school's page shows the offer as a QR code (drawn by Stapel's own QR code maker); a
    // poster beside it has a code that holds no offer (a guest Wi-Fi's). The camera first sees
    // only the poster.
    let offer_code = dir.path().join("offer.png");
    std::fs::write(&offer_code, qr::png(&school.offer_uri())?)?;
    let poster = dir.path().join("poster.png");
    std::fs::write(&poster, qr::png("WIFI:T:WPA;S:Lusback-gast;P:welkom2026;;")?)?;
    let frames = dir.path().join("frames");
    std::fs::create_dir(&frames)?;
    camera_frame(&poster, &frames, 0)?;
    camera_frame(&poster, &frames, 1)?;
    let camera = Camera::start(&frames).await?;

    let loopback = std::ffi::OsStr::new("1");
    let mut env = camera.env().to_vec();
    env.push(("STAPEL_ALLOW_LOOPBACK_HTTP", loopback));
    let app = App::launch_with("claim-scan", &wallet, &env).await?;
    unlock(&app).await?;
    app.click("#nav-claim").await?;
    app.wait_view("claim").await?;
    // There is a camera, so the Claim screen offers to scan.
    app.click("#claim-camera").await?;
    app.visible("#claim-scan-dialog").await?;
    let label = app
        .script(
            "const v = document.getElementById('claim-scan-video'); \
        return v.srcObject ? v.srcObject.getVideoTracks()[0].label : ''",
        )
        .await?;
    assert_eq!(label.as_str(), Some(CAMERA_NAME), "the page films with the camera PipeWire offers");
    // The poster's code is read and said to be no offer; the scan goes on.
    app.wait_text(
        "#claim-scan-status",
        "That QR code holds no credential offer. Hold the issuer's code in front of the camera.",
    )
    .await?;
    app.screenshot("1-not-an-offer").await?;

    // Then the school's code comes into view: the scan ends by itself, the camera goes off, and
    // the offer is shown with the code it asks for.
    camera_frame(&offer_code, &frames, 1)?;
    wait_containing(&app, "#claim-issuer", "Loopback University of Applied Sciences").await?;
    let state = app
        .script(
            "return [document.getElementById('claim-scan-dialog').open, \
        document.getElementById('claim-scan-video').srcObject === null, \
        document.getElementById('claim-link').value]",
        )
        .await?;
    assert_eq!(state, json!([false, true, school.offer_uri()]), "the dialog closed, the camera is off, the link read");
    wait_containing(&app, "#claim-credentials", "Data literacy").await?;
    wait_containing(&app, "#claim-tx-description", "Typ de code uit de e-mail van de hogeschool").await?;
    app.screenshot("2-the-scanned-offer").await?;

    app.type_into("#claim-tx-code", "731904").await?;
    app.click("#claim-submit").await?;
    app.wait_view("detail").await?;
    app.wait_text("#detail-title", "Statistiek 1").await?;
    wait_containing(&app, "#detail-chip", "Verified").await?;
    app.screenshot("3-the-verified-card").await?;
    let seen = school.seen();
    assert_eq!(seen.issued, 1);
    assert_eq!(seen.notifications, [json!({"notification_id": "n-1", "event": "credential_accepted"})]);
    app.close().await?;
    drop(camera);
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn a_learner_claims_by_signing_in_in_the_browser_and_gets_the_deferred_credential_after_a_restart() -> Result<()>
{
    std::fs::create_dir_all(screenshot_dir())?;
    let dir = tempfile::tempdir()?;
    let (wallet, _) = new_wallet(dir.path())?;
    let school = Issuer::start(Options {
        grant: Grant::AuthorizationCode { par: true },
        faults: vec![Fault::Deferred],
        ..Options::new(issue)
    });
    // The learner's browser, as `$BROWSER` names it: curl opens the sign-in page, where the
    // issuer's test server signs the learner in at once, and follows its redirect back to Stapel.
    let env: [(&str, &std::ffi::OsStr); 2] =
        [("STAPEL_ALLOW_LOOPBACK_HTTP", "1".as_ref()), ("BROWSER", "curl -sfL -o /dev/null %s".as_ref())];

    let app = App::launch_with("sign-in", &wallet, &env).await?;
    unlock(&app).await?;
    app.click("#nav-claim").await?;
    app.wait_view("claim").await?;
    app.type_into("#claim-link", &school.offer_uri()).await?;
    app.click("#claim-read").await?;
    wait_containing(&app, "#claim-issuer", "Loopback University of Applied Sciences").await?;
    // No code to type: the issuer asks the learner to sign in, and the page says so.
    app.visible("#claim-sign-in-note").await?;
    let tx_hidden = app.script("return document.getElementById('claim-tx-fields').hidden").await?;
    assert_eq!(tx_hidden, json!(true), "no transaction code is asked for");
    app.wait_text("#claim-submit", "Sign in and claim").await?;
    app.screenshot("1-the-offer-asks-to-sign-in").await?;

    // Signed in in the browser; the issuer defers the credential: the claim waits at the issuer.
    app.click("#claim-submit").await?;
    app.wait_text("#claim-result-text", "Kept: 0. Waiting at the issuer: 1. Refused: 0.").await?;
    let claimed_at = Instant::now();
    // Named as the issuer's metadata names it in the learner's language, not by its ids.
    let waiting = "Data literacy at Loopback University of Applied Sciences".to_string();
    app.wait_texts("#claim-kept li", &[waiting.as_str()]).await?;
    app.screenshot("2-deferred").await?;
    let seen = school.seen();
    let authorize =
        seen.requests.iter().find(|r| r.route() == "/authorize").ok_or("the sign-in page was never opened")?;
    let browser = authorize.header("user-agent").unwrap_or_default();
    assert!(browser.starts_with("curl/"), "the sign-in page was opened by $BROWSER, not by Stapel: {browser:?}");
    let flow = ["POST /par", "GET /authorize", "POST /token", "POST /credential"];
    let asked: Vec<String> = school.routes().into_iter().filter(|r| flow.contains(&r.as_str())).collect();
    assert_eq!(asked, flow, "the request pushed, the sign-in, the code for a token, the credential asked for once");
    assert_eq!((seen.issued, deferred_polls(&school)), (0, 0), "nothing issued, nothing asked again yet");

    // The claim waits on the cards' screen.
    app.click("#nav-wallet").await?;
    app.wait_view("wallet").await?;
    app.wait_texts("#pending-list li > span:first-child", &[waiting.as_str()]).await?;
    app.screenshot("3-waiting-at-the-issuer").await?;
    app.close().await?;

    // Stapel is started again: the claim is still there, and the learner asks again.
    let app = App::launch_with("sign-in-restarted", &wallet, &env).await?;
    unlock(&app).await?;
    app.wait_texts("#pending-list li > span:first-child", &[waiting.as_str()]).await?;
    app.screenshot("4-still-waiting-after-the-restart").await?;
    // The issuer asked for a second between asks; more has passed since the claim (the restart
    // alone takes longer), so the wallet asks it now.
    tokio::time::sleep(ISSUER_INTERVAL_PASSED.saturating_sub(claimed_at.elapsed())).await;
    app.click("#pending-poll").await?;
    app.wait_text("#pending-status", "Arrived: 0. Still waiting: 1. Refused: 0.").await?;
    let asked_at = Instant::now();
    assert_eq!(deferred_polls(&school), 1, "the issuer was asked once, and said not yet");
    app.wait_texts("#pending-list li > span:first-child", &[waiting.as_str()]).await?;
    app.screenshot("5-not-yet").await?;

    // A second later the issuer has it: asked again, the card arrives, verified.
    tokio::time::sleep(ISSUER_INTERVAL_PASSED.saturating_sub(asked_at.elapsed())).await;
    app.click("#pending-poll").await?;
    app.wait_text("#pending-status", "Arrived: 1. Still waiting: 0. Refused: 0.").await?;
    let hidden = app.script("return document.getElementById('pending').hidden").await?;
    assert_eq!(hidden, json!(true), "nothing waits at the issuer any more");
    app.wait_texts("#credentials li.credential .title", &["Statistiek 1"]).await?;
    wait_containing(&app, "#credentials li.credential .chip", "Verified").await?;
    app.screenshot("6-arrived").await?;
    app.click("#credentials li.credential .title button").await?;
    app.wait_view("detail").await?;
    app.wait_text("#detail-title", "Statistiek 1").await?;
    wait_containing(&app, "#detail-chip", "Verified").await?;
    app.screenshot("7-the-verified-card").await?;
    let seen = school.seen();
    assert_eq!((seen.issued, deferred_polls(&school)), (1, 2), "{:?}", school.routes());
    assert_eq!(seen.notifications, [json!({"notification_id": "n-2", "event": "credential_accepted"})]);
    app.close().await
}
