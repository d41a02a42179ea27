//! Whole journeys through the real Stapel app: its window, its page, its commands and the
//! core underneath, driven over WebDriver as a learner would use them. Each journey starts
//! the app on a wallet path of its own and leaves a screenshot in `target/e2e/`.

use stapel_e2e::{App, Result, screenshot_dir};

const PASSPHRASE: &str = "correct horse battery staple";

fn fresh_dir() -> Result<tempfile::TempDir> {
    std::fs::create_dir_all(screenshot_dir())?;
    Ok(tempfile::tempdir()?)
}

#[tokio::test(flavor = "current_thread")]
async fn a_new_learner_is_offered_a_wallet_at_the_path_given_and_a_mismatched_passphrase_is_refused() -> Result<()> {
    let dir = fresh_dir()?;
    let wallet = dir.path().join("wallet.stapel");
    let app = App::launch("create-wallet", &wallet).await?;

    // First run: the page offers to create a wallet at the path the app was given.
    assert_eq!(app.text("#create h2").await?, "Create your wallet");
    assert_eq!(app.text("#wallet-path").await?, wallet.display().to_string());
    assert!(!wallet.exists(), "no wallet file before the learner creates one");

    // A passphrase typed twice differently is refused by the page, and nothing is written.
    app.type_into("#create-passphrase", PASSPHRASE).await?;
    app.type_into("#create-confirm", "something else entirely").await?;
    app.click("#create-submit").await?;
    assert_eq!(app.text("#create-error").await?, "The two passphrases are not the same.");
    assert!(!wallet.exists());

    let shot = app.screenshot("1-form").await?;
    assert!(std::fs::metadata(shot)?.len() > 1000);
    // Known defect (issue 5): after "Create wallet" through the page, the wallet is written but
    // the next WebDriver call never returns under tauri-driver + WebKitWebDriver here, so the
    // journey stops before that click. The create and list commands themselves are tested in
    // src-tauri's own tests and through the CLI.
    app.close().await
}
