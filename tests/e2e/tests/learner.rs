//! A learner's whole day with the real app, through its page only: create a wallet, import
//! real credentials other people published (an Open Badges 3.0 credential signed as JSON-LD,
//! a badge baked into a PNG, a SURF edubadge with ECTS) by typing their paths on the import
//! screen, with a broken file among them; find them as cards with their images, by text and by
//! skill; read one's verification report; switch to Dutch; lock and unlock. Every assertion is
//! on what the page shows; a screenshot of each step lands in `target/e2e/learner-*.png`.

// Test code: a panic is a failed test, with its line (clippy.toml covers #[test] functions;
// this covers the helpers beside them).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use stapel_e2e::{App, Locator, Result, screenshot_dir, vectors_dir};

const PASSPHRASE: &str = "correct horse battery staple";

/// An Open Badges 3.0 credential signed with eddsa-rdfc-2022 (1EdTech's own example).
const OB3_JSONLD: &str =
    "1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-ob.signed-credential.json";
/// A signed OB 3.0 credential with skill alignments whose key is a did:key, so it verifies
/// without the network (Digital Credentials Consortium fixtures); baked into a PNG below.
const TO_BAKE: &str = "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-alignments.json";
/// The unbaked heart from 1EdTech's validator-core, which its own tests bake at run time.
const HEART: &str = "4-ob2/1edtech-openbadges-validator-core/tests/testfiles/public_domain_heart.png";
/// A SURF edubadge (educredentials' examples of the edubadges metadata model) with 3 ECTS.
const EDUBADGE: &str = "4-ob2/educredentials-obv3-examples/_data/credentials/theed_microcredential_full_ho.json";

const TEAMWORK: &str = "Teamwork Badge";
const DEGREE: &str = "Example University Degree";
const JEDI: &str = "Minor: Jedi Mind Control and Advanced Meditation Practices";

fn vector(relative: &str) -> Result<PathBuf> {
    let path = vectors_dir().join(relative);
    Ok(path.canonicalize().map_err(|e| format!("the vector {} is not there: {e}", path.display()))?)
}

fn utf8(path: &Path) -> Result<&str> {
    Ok(path.to_str().ok_or_else(|| format!("{} is not UTF-8", path.display()))?)
}

/// Bakes `json` into the PNG image `image` under the keyword `openbadges` (an `iTXt` chunk),
/// as the Open Badges baking specification says and badge bakers do.
fn bake_png(image: &Path, json: &str) -> Result<Vec<u8>> {
    let mut decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(image)?));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info()?;
    let mut pixels = vec![0; reader.output_buffer_size().ok_or("the heart image is too large")?];
    let frame = reader.next_frame(&mut pixels)?;
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, frame.width, frame.height);
        encoder.set_color(frame.color_type);
        encoder.set_depth(frame.bit_depth);
        encoder.add_itxt_chunk("openbadges".to_string(), json.to_string())?;
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels[..frame.buffer_size()])?;
        writer.finish()?;
    }
    Ok(out)
}

/// One card as the page shows it.
#[derive(Debug)]
struct Card {
    id: String,
    title: String,
    /// The text of the whole card (title, issuer, date, type, credits, chip).
    text: String,
    chip: String,
    /// The `src` of the card's image when it shows one.
    image: Option<String>,
}

/// The cards the page shows. The page redraws the list after each query and swaps a card's
/// placeholder for its image once loaded, so a card found may be gone when read: then the
/// cards are read again (within [`stapel_e2e::PATIENCE`]).
async fn cards(app: &App) -> Result<Vec<Card>> {
    let deadline = std::time::Instant::now() + stapel_e2e::PATIENCE;
    loop {
        match cards_once(app).await {
            Ok(cards) => return Ok(cards),
            Err(e) if std::time::Instant::now() > deadline => return Err(e),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
}

async fn cards_once(app: &App) -> Result<Vec<Card>> {
    let mut out = Vec::new();
    for li in app.step("finding the cards", app.client.find_all(Locator::Css("#credentials li.credential"))).await? {
        let id = app.step("reading a card's id", li.attr("data-id")).await?.unwrap_or_default();
        let title = app.step("finding a card's title", li.find(Locator::Css(".title"))).await?;
        let chip = app.step("finding a card's chip", li.find(Locator::Css(".chip"))).await?;
        let mut image = None;
        for img in app.step("finding a card's image", li.find_all(Locator::Css("img"))).await? {
            if app.step("asking whether a card's image shows", img.is_displayed()).await? {
                image = app.step("reading a card image's src", img.attr("src")).await?;
            }
        }
        out.push(Card {
            id,
            title: app.step("reading a card's title", title.text()).await?,
            text: app.step("reading a card's text", li.text()).await?,
            chip: app.step("reading a card's chip", chip.text()).await?,
            image,
        });
    }
    Ok(out)
}

fn titles(cards: &[Card]) -> Vec<&str> {
    let mut titles: Vec<&str> = cards.iter().map(|c| c.title.as_str()).collect();
    titles.sort();
    titles
}

/// Waits until the cards that show a `data:` image are exactly those titled `expected` (the
/// page loads images after the list is drawn).
async fn wait_images(app: &App, expected: &[&str]) -> Result<Vec<Card>> {
    let deadline = std::time::Instant::now() + stapel_e2e::PATIENCE;
    loop {
        let cards = cards(app).await?;
        let mut with: Vec<&str> = cards
            .iter()
            .filter(|c| c.image.as_deref().is_some_and(|s| s.starts_with("data:image/")))
            .map(|c| c.title.as_str())
            .collect();
        with.sort();
        if with == expected {
            return Ok(cards);
        }
        if std::time::Instant::now() > deadline {
            let _ = app.screenshot("timeout").await;
            return Err(format!("the cards with an image are {with:?}, not {expected:?}").into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Types into the search field as a learner does: the new text replaces the old one.
async fn search(app: &App, text: &str) -> Result<()> {
    let field = app.visible("#search").await?;
    let old = app.step("reading #search", field.prop("value")).await?.unwrap_or_default();
    if !old.is_empty() {
        let erase = "\u{E003}".repeat(old.chars().count()); // WebDriver's Backspace key
        app.step("erasing #search", field.send_keys(&erase)).await?;
    }
    if !text.is_empty() {
        app.step("typing into #search", field.send_keys(text)).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn a_learner_imports_real_badges_finds_them_by_text_and_skill_reads_a_report_and_works_in_dutch() -> Result<()> {
    std::fs::create_dir_all(screenshot_dir())?;
    let dir = tempfile::tempdir()?;
    let wallet = dir.path().join("wallet.stapel");

    // What the learner has on disk: a folder with a badge baked into a PNG, the edubadge and
    // the OB 3.0 badge again (links to the published files, never copies in the repository),
    // and a file cut off half-way.
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox)?;
    std::fs::write(
        inbox.join("broken.json"),
        br#"{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential""#,
    )?;
    std::fs::write(
        inbox.join("degree-baked.png"),
        bake_png(&vector(HEART)?, &std::fs::read_to_string(vector(TO_BAKE)?)?)?,
    )?;
    std::os::unix::fs::symlink(vector(EDUBADGE)?, inbox.join("edubadge-ects.json"))?;
    std::os::unix::fs::symlink(vector(OB3_JSONLD)?, inbox.join("teamwork-again.json"))?;

    let app = App::launch("learner", &wallet).await?;

    // 1. Create the wallet.
    assert_eq!(app.text("#create h2").await?, "Create your wallet");
    app.type_into("#create-passphrase", PASSPHRASE).await?;
    app.type_into("#create-confirm", PASSPHRASE).await?;
    app.click("#create-submit").await?;
    app.wait_view("wallet").await?;
    assert_eq!(app.text("#list-empty").await?, "No credentials yet.");
    app.screenshot("01-created").await?;

    // 2. Import the OB 3.0 badge by typing its path on the import screen.
    app.click("#nav-import").await?;
    app.wait_view("import").await?;
    assert_eq!(app.text("#import h2").await?, "Import credentials");
    app.type_into("#import-url", utf8(&vector(OB3_JSONLD)?)?).await?;
    app.click("#import-url-submit").await?;
    app.wait_text("#import-summary-text", "1 imported, 0 already in your wallet, 0 not imported.").await?;
    assert!(app.texts("#import-failures li").await?.is_empty(), "nothing failed");
    app.screenshot("02-imported-ob3").await?;

    // 3. Import the folder: two new, one already there, the broken file named with its reason.
    let field = app.visible("#import-url").await?;
    app.step("clearing #import-url", field.clear()).await?;
    app.type_into("#import-url", utf8(&inbox)?).await?;
    app.click("#import-url-submit").await?;
    app.wait_text("#import-summary-text", "2 imported, 1 already in your wallet, 1 not imported.").await?;
    let failures = app.texts("#import-failures li").await?;
    assert_eq!(failures.len(), 1, "{failures:?}");
    let failure = app.text("#import-failure-0").await?;
    assert!(
        failure.starts_with(&format!("{}:", inbox.join("broken.json").display())),
        "the failure names its file: {failure}"
    );
    assert!(failure.contains("the JSON ends too early"), "the failure says why: {failure}");
    app.screenshot("03-imported-folder-with-a-failure").await?;

    // 4. The wallet lists the three as cards; the baked badge shows its image, the edubadge
    // its credits; each was verified as it landed, and every chip says the result in words.
    app.click("#nav-wallet").await?;
    app.wait_view("wallet").await?;
    app.wait_text("#wallet-heading", "Your credentials (3 credentials)").await?;
    let all = wait_images(&app, &[DEGREE]).await?;
    assert_eq!(titles(&all), [DEGREE, JEDI, TEAMWORK]);
    let degree_image = all.iter().find(|c| c.title == DEGREE).and_then(|c| c.image.clone()).unwrap_or_default();
    assert!(
        degree_image.starts_with("data:image/png;base64,"),
        "the baked PNG is the card's image: {}",
        &degree_image[..40.min(degree_image.len())]
    );
    let jedi = all.iter().find(|c| c.title == JEDI).ok_or("no edubadge card")?;
    assert!(jedi.text.contains("Issued by Naboo Theed University"), "{}", jedi.text);
    assert!(jedi.text.contains("3 ECTS"), "the edubadge's credits show on its card: {}", jedi.text);
    for card in &all {
        assert!(
            ["Verified", "Could not be checked", "Invalid"].iter().any(|w| card.chip.ends_with(w)),
            "the chip of {} says the check's result in words, not only colour: {:?}",
            card.title,
            card.chip
        );
    }
    // The edubadge's issuer publishes no key this machine can reach: said so, not "not checked".
    assert_eq!(jedi.chip, "? Could not be checked");
    app.screenshot("04-listed-with-images").await?;

    // 5. Search as you type narrows the list: by a word of a title, then by a skill's name.
    search(&app, "Jedi").await?;
    app.wait_text("#wallet-heading", "Your credentials (1 credential)").await?;
    assert_eq!(titles(&cards(&app).await?), [JEDI]);
    app.screenshot("05-search-jedi").await?;
    search(&app, "requirements").await?;
    app.wait_text("#wallet-heading", "Your credentials (1 credential)").await?;
    app.wait_texts("#credentials li.credential .title", &[DEGREE]).await?;
    search(&app, "").await?;
    app.wait_text("#wallet-heading", "Your credentials (3 credentials)").await?;
    assert_eq!(titles(&cards(&app).await?), [DEGREE, JEDI, TEAMWORK]);

    // 6. Filter by a skill from the Skills screen: only the credential that names it.
    app.click("#nav-skills").await?;
    app.wait_view("skills").await?;
    assert_eq!(app.text("#skills-heading").await?, "Skills");
    let mut skill_id = None;
    for button in
        app.step("finding the skills", app.client.find_all(Locator::Css("#skill-groups button.skill"))).await?
    {
        let text = app.step("reading a skill", button.text()).await?;
        if text.starts_with("Requirements Analysis") {
            assert!(text.ends_with("1×"), "the skill's count shows: {text}");
            skill_id = app.step("reading a skill's id", button.attr("id")).await?;
            break;
        }
    }
    let skill_id = skill_id.ok_or("the Skills screen does not offer Requirements Analysis")?;
    assert!(skill_id.starts_with("skill-"), "{skill_id}");
    app.screenshot("06-skills").await?;
    app.click(&format!("#{skill_id}")).await?;
    app.wait_view("wallet").await?;
    app.wait_text("#skill-filter-text", "Showing credentials with: Requirements Analysis").await?;
    app.wait_text("#wallet-heading", "Your credentials (1 credential)").await?;
    let filtered = cards(&app).await?;
    assert_eq!(titles(&filtered), [DEGREE]);
    let degree_id = filtered[0].id.clone();
    app.screenshot("07-filtered-by-skill").await?;
    // The skill stays chosen until the learner lets it go.
    app.click("#skill-filter-clear").await?;
    app.wait_text("#wallet-heading", "Your credentials (3 credentials)").await?;
    assert_eq!(titles(&cards(&app).await?), [DEGREE, JEDI, TEAMWORK]);
    let filter_line = app.step("finding #skill-filter", app.client.find(Locator::Css("#skill-filter"))).await?;
    assert!(
        !app.step("asking whether #skill-filter shows", filter_line.is_displayed()).await?,
        "no skill is chosen any more"
    );

    // 7. Open the baked badge and check it without the internet: one plain line per check,
    // the technical detail folded away, the verdict and the chip in words.
    let card_button = format!("#card-{}", degree_id.get(..12).ok_or("a card id shorter than 12")?);
    app.click(&card_button).await?;
    app.wait_view("detail").await?;
    assert_eq!(app.text("#detail-title").await?, DEGREE);
    assert_eq!(app.text("#detail-issuer").await?, "Issued by Example University");
    app.click("#detail-verify-offline").await?;
    app.wait_text("#detail-status", "Checked. The result below is new.").await?;
    app.wait_texts(
        "#detail-report li .check-line",
        &[
            "The credential is well formed: yes",
            "The issuer's signature: yes",
            "The signing key: yes",
            "The key belongs to the issuer: yes",
            "The credential is valid today: yes",
            "Not revoked or suspended: does not apply",
            "Issued to you: does not apply",
            "The issuer's online copy: does not apply",
            "The credential follows its schema: does not apply",
        ],
    )
    .await?;
    assert_eq!(app.attr("#check-1 details", "open").await?, None, "the technical detail is folded away");
    assert_eq!(app.text("#check-1 summary").await?, "Technical detail");
    let verdict = app.text("#detail-verdict").await?;
    assert!(verdict.starts_with("Verified: every check that applies passed. Checked on "), "{verdict}");
    assert!(verdict.ends_with(", without the internet."), "{verdict}");
    assert_eq!(app.text("#detail-chip").await?, "✓ Verified");
    let image = app.visible("img#detail-image").await?;
    let src = app.step("reading the detail image's src", image.attr("src")).await?.unwrap_or_default();
    assert!(src.starts_with("data:image/png;base64,"), "the baked PNG shows on the detail screen");
    app.screenshot("08-verification-report").await?;

    // The edubadge's own fields: its credits, level and institution, as the issuer wrote them.
    app.click("#detail-back").await?;
    app.wait_view("wallet").await?;
    app.wait_text("#wallet-heading", "Your credentials (3 credentials)").await?;
    let jedi_id = cards(&app).await?.into_iter().find(|c| c.title == JEDI).ok_or("no edubadge card")?.id;
    app.click(&format!("#card-{}", jedi_id.get(..12).ok_or("a card id shorter than 12")?)).await?;
    app.wait_view("detail").await?;
    app.wait_text("#detail-title", JEDI).await?;
    let terms = app.texts("#detail-fields > dt").await?;
    let values = app.texts("#detail-fields > dd").await?;
    let field = |name: &str| terms.iter().position(|t| t == name).and_then(|i| values.get(i)).cloned();
    assert_eq!(field("ECTS").as_deref(), Some("3"), "the edubadge's ECTS: {terms:?} {values:?}");
    assert_eq!(field("EQF level").as_deref(), Some("4"));
    assert_eq!(field("Kind of badge").as_deref(), Some("microcredential"));
    assert!(field("Institution").is_some_and(|v| v.starts_with("Naboo Theed University")), "{terms:?} {values:?}");
    assert_eq!(
        app.text("#detail-verdict").await?.split(" Checked on ").next().unwrap_or_default(),
        "Could not be fully checked: nothing failed, but some checks could not run."
    );
    assert_eq!(app.text("#detail-chip").await?, "? Could not be checked");
    app.screenshot("09-edubadge-fields").await?;

    // 8. Dutch, chosen in Settings: the wallet screen speaks Dutch, also after lock and unlock.
    app.click("#nav-settings").await?;
    app.wait_view("settings").await?;
    let language = app.visible("#settings-language").await?;
    app.step("choosing Nederlands", language.select_by_value("nl")).await?;
    app.click("#settings-save").await?;
    app.wait_text("#settings-status", "Instellingen opgeslagen.").await?;
    app.screenshot("10-settings-dutch").await?;
    app.click("#nav-wallet").await?;
    app.wait_view("wallet").await?;
    app.wait_text("#wallet-heading", "Je credentials (3 credentials)").await?;
    assert_eq!(app.text("#nav-skills").await?, "Vaardigheden");
    assert_eq!(app.text("#lock").await?, "Vergrendelen");
    let dutch = cards(&app).await?;
    let degree = dutch.iter().find(|c| c.title == DEGREE).ok_or("no degree card")?;
    assert_eq!(degree.chip, "✓ Geverifieerd", "the chip follows the last check, in Dutch");
    let jedi = dutch.iter().find(|c| c.title == JEDI).ok_or("no edubadge card")?;
    assert!(
        jedi.text.contains("Uitgegeven door Naboo Theed University op 30 augustus 2024"),
        "dates in Dutch: {}",
        jedi.text
    );
    assert!(jedi.text.contains("3 EC"), "credits in Dutch: {}", jedi.text);
    assert_eq!(jedi.chip, "? Niet te controleren");
    app.screenshot("11-wallet-dutch").await?;

    app.click("#lock").await?;
    app.wait_view("unlock").await?;
    assert_eq!(app.text("#unlock h2").await?, "Ontgrendel je wallet");
    app.screenshot("12-locked-dutch").await?;
    app.type_into("#unlock-passphrase", PASSPHRASE).await?;
    app.click("#unlock-submit").await?;
    app.wait_view("wallet").await?;
    app.wait_text("#wallet-heading", "Je credentials (3 credentials)").await?;
    assert_eq!(app.text("#nav-settings").await?, "Instellingen");
    app.screenshot("13-unlocked-dutch").await?;
    app.close().await
}
