//! Claiming through the real app (issue 16): a learner pastes the school's offer link, types
//! the transaction code the school sent apart, and ends on the new card, verified; then a
//! second offer link, opened while Stapel runs (as a browser hands an
//! `openid-credential-offer://` link to the app registered for it), reaches the open window.
//! The issuer is the testkit's loopback OpenID4VCI issuer, started by the journey.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stapel_core::present::HolderKey;
use stapel_e2e::{App, Result, app_binary, screenshot_dir, stapel};
use stapel_testkit::issuer::{self, Issuer, Options, Order};

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

#[tokio::test(flavor = "current_thread")]
async fn a_learner_claims_by_link_with_the_code_and_a_link_opened_while_stapel_runs_reaches_its_window() -> Result<()> {
    std::fs::create_dir_all(screenshot_dir())?;
    let dir = tempfile::tempdir()?;
    let wallet = dir.path().join("wallet.stapel");
    let passphrase_file = dir.path().join("passphrase");
    std::fs::write(&passphrase_file, format!("{PASSPHRASE}\n"))?;
    stapel(&wallet, &passphrase_file, &["init", "--passphrase"])?;
    let with_code = Issuer::start(Options { tx_code: Some("493536".into()), ..Options::new(issue) });

    let loopback = std::ffi::OsStr::new("1");
    let app = App::launch_with("claim", &wallet, &[("STAPEL_ALLOW_LOOPBACK_HTTP", loopback)]).await?;
    app.type_into("#unlock-passphrase", PASSPHRASE).await?;
    app.click("#unlock-submit").await?;
    app.wait_view("wallet").await?;

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
