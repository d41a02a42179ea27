//! Whole journeys through the real Stapel app: its window, its page, its commands and the
//! core underneath, driven over WebDriver as a learner would use them. Each journey starts
//! the app on a wallet path of its own and leaves a screenshot of each step in `target/e2e/`.

// Test code: a panic is a failed test, with its line (clippy.toml covers #[test] functions;
// this covers the helpers beside them).
#![allow(clippy::unwrap_used)]

use std::path::Path;

use stapel_e2e::{App, Locator, Result, screenshot_dir, stapel, vectors_dir};

const PASSPHRASE: &str = "correct horse battery staple";

fn fresh_dir() -> Result<tempfile::TempDir> {
    std::fs::create_dir_all(screenshot_dir())?;
    Ok(tempfile::tempdir()?)
}

/// The wallet file and its key description, byte for byte: what "unchanged" is measured by.
fn wallet_bytes(wallet: &Path) -> Result<(Vec<u8>, Vec<u8>)> {
    let sidecar =
        wallet.with_file_name(format!("{}.keyinfo.json", wallet.file_name().unwrap_or_default().to_string_lossy()));
    Ok((std::fs::read(wallet)?, std::fs::read(sidecar)?))
}

#[tokio::test(flavor = "current_thread")]
async fn first_run_create_see_the_empty_list_lock_refuse_a_wrong_passphrase_and_unlock() -> Result<()> {
    let dir = fresh_dir()?;
    let wallet = dir.path().join("wallet.stapel");
    let app = App::launch("first-run", &wallet).await?;

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
    app.screenshot("1-passphrases-differ").await?;

    // The same passphrase twice: the wallet is created, opened, and lists nothing yet.
    let confirm = app.visible("#create-confirm").await?;
    app.step("clearing #create-confirm", confirm.clear()).await?;
    app.type_into("#create-confirm", PASSPHRASE).await?;
    app.click("#create-submit").await?;
    app.wait_view("wallet").await?;
    assert!(wallet.is_file(), "the wallet file is written");
    assert_eq!(app.text("#wallet-heading").await?, "Your credentials");
    assert_eq!(app.text("#list-empty").await?, "No credentials yet.");
    app.screenshot("2-created-empty").await?;

    // Lock: the page asks for the passphrase again.
    app.click("#lock").await?;
    app.wait_view("unlock").await?;
    assert_eq!(app.text("#unlock h2").await?, "Unlock your wallet");
    app.screenshot("3-locked").await?;

    // A wrong passphrase: the plain error, the page stays locked, the wallet is unchanged.
    let before = wallet_bytes(&wallet)?;
    app.type_into("#unlock-passphrase", "not the passphrase at all").await?;
    app.click("#unlock-submit").await?;
    app.wait_text("#unlock-error", "That passphrase does not open this wallet.").await?;
    assert_eq!(app.view().await?, "unlock");
    assert!(wallet_bytes(&wallet)? == before, "a wrong passphrase changed the wallet");
    app.screenshot("4-wrong-passphrase").await?;

    // The right passphrase opens it again.
    let field = app.visible("#unlock-passphrase").await?;
    app.step("clearing #unlock-passphrase", field.clear()).await?;
    app.type_into("#unlock-passphrase", PASSPHRASE).await?;
    app.click("#unlock-submit").await?;
    app.wait_view("wallet").await?;
    assert_eq!(app.text("#list-empty").await?, "No credentials yet.");
    app.screenshot("5-unlocked").await?;
    app.close().await
}

#[tokio::test(flavor = "current_thread")]
async fn a_wallet_filled_with_the_stapel_command_opens_in_the_app_and_lists_its_titles() -> Result<()> {
    let dir = fresh_dir()?;
    let wallet = dir.path().join("wallet.stapel");
    let passphrase_file = dir.path().join("passphrase");
    std::fs::write(&passphrase_file, format!("{PASSPHRASE}\n"))?;

    // Prepared beforehand with the CLI: three credentials other people published, in three
    // formats (an Open Badges 3.0 credential, a CLR 2.0 with its achievements, an OB 2.0 badge
    // baked in an SVG). The list shows the top-level credentials, as `stapel list` does.
    let vectors = vectors_dir();
    let inputs = [
        vectors
            .join("1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-ob.signed-credential.json"),
        vectors.join("4-ob2/1edtech-openbadges-specification/ob_v2p0/extracted/baking-example-hosted-assertion.svg"),
        vectors
            .join("1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-clr.signed-credential.json"),
    ];
    stapel(&wallet, &passphrase_file, &["init", "--passphrase"])?;
    let mut args = vec!["import"];
    for input in &inputs {
        args.push(input.to_str().ok_or("a vector path is not UTF-8")?);
    }
    stapel(&wallet, &passphrase_file, &args)?;
    let listed: serde_json::Value = serde_json::from_str(&stapel(&wallet, &passphrase_file, &["list", "--json"])?)?;
    let mut cli_titles: Vec<String> = listed["credentials"]
        .as_array()
        .ok_or("stapel list --json has no credentials array")?
        .iter()
        .map(|c| c["title"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(cli_titles.len(), inputs.len(), "the CLI imported every vector: {cli_titles:?}");

    let app = App::launch("cli-wallet", &wallet).await?;
    // The wallet exists: the page asks for its passphrase, not to create one.
    assert_eq!(app.text("#unlock h2").await?, "Unlock your wallet");
    app.screenshot("1-unlock").await?;
    app.type_into("#unlock-passphrase", PASSPHRASE).await?;
    app.click("#unlock-submit").await?;
    app.wait_view("wallet").await?;
    app.wait_text("#wallet-heading", "Your credentials (3 credentials)").await?;

    let mut page_titles = Vec::new();
    for el in app.step("finding the listed titles", app.client.find_all(Locator::Css("#credentials .title"))).await? {
        page_titles.push(app.step("reading a title", el.text()).await?);
    }
    page_titles.sort();
    cli_titles.sort();
    assert_eq!(page_titles, cli_titles, "the page lists the titles the CLI stored");
    assert!(page_titles.iter().any(|t| t == "Teamwork Badge"), "the OB 3.0 credential's title shows: {page_titles:?}");
    app.screenshot("2-listed").await?;
    app.close().await
}
