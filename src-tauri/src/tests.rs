//! The shell's own logic on real credentials from `../shared/vectors`: listing with a query,
//! paging totals, filters and their counts, skills, badge images, the status chip, import
//! summaries with failures, re-verifying, the wallet's protection and backups, the settings
//! file, the page's two string catalogues, and that the page's scripts are the modules its
//! main.js reaches.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use stapel_core::net::Offline;
use stapel_core::store::{KdfParams, Protection, Secret, StoredVerification, Unlock};
use stapel_core::verify::{Check, CheckId, Report};

use crate::importing::{self, Progress};
use crate::listing::{self, Chip, PageQuery};
use crate::settings::{self, Settings};
use crate::wallet::Held;
use stapel_core::wallet::import;

pub(crate) const FAST: KdfParams = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };
pub(crate) const EDU: &str = "4-ob2/educredentials-obv3-examples/_data/credentials";
pub(crate) const COMPLETE: &str = "1-ob3/1edtech-openbadges-specification/rendered-spec-gh-pages-9535509/example-36-complete-openbadgecredential.signed.json";
const BAKED: &str = "4-ob2/1edtech-openbadges-specification/ob_v2p0/extracted/baking-example-hosted-assertion.svg";

pub(crate) fn secret(s: &str) -> Secret {
    Secret::new(s.to_string())
}

pub(crate) fn vector(rel: &str) -> String {
    stapel_testkit::vector(rel).display().to_string()
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// An open wallet in `dir` holding the 30 educredentials examples, the OB3 specification's
/// complete example (skills, tags) and the OB2 specification's baked SVG badge: 32 in all.
pub(crate) fn filled(dir: &tempfile::TempDir) -> Held {
    let held = Held::new(Some(dir.path().join("wallet.db")), FAST);
    held.create(Protection::Passphrase(secret("a long passphrase"))).unwrap();
    let summary = held
        .with(|w| Ok(importing::import(w, &[vector(EDU), vector(COMPLETE), vector(BAKED)], &Offline, &mut |_| {})))
        .unwrap();
    assert!(summary.failures.is_empty(), "{:?}", summary.failures);
    held
}

fn query(f: impl FnOnce(&mut PageQuery)) -> PageQuery {
    let mut q = PageQuery::default();
    f(&mut q);
    q
}

#[test]
fn importing_a_folder_a_stray_file_and_a_missing_path_names_each_failure_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let held = Held::new(Some(dir.path().join("wallet.db")), FAST);
    held.create(Protection::Passphrase(secret("a long passphrase"))).unwrap();
    let not_a_credential = vector("SOURCES.md");
    let missing = dir.path().join("no-such-badge.json").display().to_string();
    let mut seen: Vec<Progress> = Vec::new();
    let summary = held
        .with(|w| {
            Ok(importing::import(w, &[vector(EDU), not_a_credential.clone(), missing.clone()], &Offline, &mut |p| {
                seen.push(p)
            }))
        })
        .unwrap();
    assert_eq!(summary.imported, 30);
    assert_eq!(summary.already_present, 0);
    assert_eq!(summary.ids.len(), 30);
    let failed: Vec<&str> = summary.failures.iter().map(|f| f.input.as_str()).collect();
    assert_eq!(failed.len(), 2, "{:?}", summary.failures);
    assert!(failed.iter().any(|i| i.ends_with("SOURCES.md")));
    assert!(failed.iter().any(|i| i.ends_with("no-such-badge.json")));
    let stray = summary.failures.iter().find(|f| f.input.ends_with("SOURCES.md")).unwrap();
    assert_eq!(stray.code, "not_a_credential");
    assert!(!stray.reason.is_empty());
    // Progress before each step: the 30 files, the stray one and the missing one read; the 30
    // credentials verified; then the end.
    let steps = |step: import::Step| seen.iter().filter(|p| p.step == step && p.done < 32).count();
    assert_eq!((steps(import::Step::Reading), steps(import::Step::Verifying)), (32, 30));
    assert!(seen.iter().all(|p| p.total == 32));
    assert_eq!(seen.last().map(|p| p.done), Some(32));
    let missing_failure = summary.failures.iter().find(|f| f.input.ends_with("no-such-badge.json")).unwrap();
    assert_eq!(missing_failure.code, "unreadable_file");
    // Nothing half-imported: exactly the good ones are in the wallet.
    let page = held.with(|w| listing::page(w, &PageQuery { limit: 50, ..PageQuery::default() }, now())).unwrap();
    assert_eq!(page.total, 30);
    // Each verified as it landed: no card says "not checked yet".
    let unchecked: Vec<&str> =
        page.items.iter().filter(|c| c.chip == Chip::Unchecked).map(|c| c.title.as_str()).collect();
    assert!(unchecked.is_empty(), "{unchecked:?}");
    assert!(page.items.iter().all(|c| c.checked_at.is_some()));
    // Again: everything is already there and counted so.
    let again = held.with(|w| Ok(importing::import(w, &[vector(EDU)], &Offline, &mut |_| {}))).unwrap();
    assert_eq!((again.imported, again.already_present), (0, 30));
}

#[test]
fn pages_add_up_to_the_total_without_repeats_and_a_page_past_the_end_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let held = filled(&dir);
    let total = held.with(|w| listing::page(w, &PageQuery::default(), now())).unwrap().total;
    assert_eq!(total, 32);
    let mut ids = BTreeSet::new();
    let mut offset = 0;
    while offset < total as u32 {
        let page = held
            .with(|w| {
                listing::page(
                    w,
                    &query(|q| {
                        q.offset = offset;
                        q.limit = 7;
                    }),
                    now(),
                )
            })
            .unwrap();
        assert_eq!(page.total, total);
        assert!(page.items.len() <= 7 && !page.items.is_empty());
        for card in page.items {
            assert!(ids.insert(card.id), "a card came twice");
        }
        offset += 7;
    }
    assert_eq!(ids.len() as u64, total);
    let past = held.with(|w| listing::page(w, &query(|q| q.offset = 100), now())).unwrap();
    assert_eq!((past.total, past.items.len()), (32, 0));
    let too_many = held.with(|w| listing::page(w, &query(|q| q.limit = 100_000), now())).unwrap();
    assert_eq!(too_many.items.len(), 32);
}

#[test]
fn every_filter_value_offered_lists_exactly_as_many_credentials_as_its_count() {
    let dir = tempfile::tempdir().unwrap();
    let held = filled(&dir);
    let facets = held.with(|w| listing::facets(w)).unwrap();
    assert!(!facets.issuers.is_empty() && !facets.levels.is_empty() && !facets.formats.is_empty());
    assert!(!facets.achievement_types.is_empty());
    for (issuer, n) in &facets.issuers {
        let page = held.with(|w| listing::page(w, &query(|q| q.issuer = Some(issuer.clone())), now())).unwrap();
        assert_eq!(page.total, *n, "issuer {issuer}");
        assert!(page.items.iter().all(|c| c.issuer.as_deref().is_some_and(|i| i.eq_ignore_ascii_case(issuer))));
    }
    for (level, n) in &facets.levels {
        let page = held.with(|w| listing::page(w, &query(|q| q.level = Some(level.clone())), now())).unwrap();
        assert_eq!(page.total, *n, "level {level}");
    }
    for (kind, n) in &facets.achievement_types {
        let page = held.with(|w| listing::page(w, &query(|q| q.achievement_type = Some(kind.clone())), now())).unwrap();
        assert_eq!(page.total, *n, "type {kind}");
        assert!(page.items.iter().all(|c| c.achievement_type.as_deref() == Some(kind.as_str())));
    }
    for (format, n) in &facets.formats {
        let page = held.with(|w| listing::page(w, &query(|q| q.format = Some(format.clone())), now())).unwrap();
        assert_eq!(page.total, *n, "format {format}");
    }
    let sum: u64 = facets.formats.iter().map(|(_, n)| n).sum();
    assert_eq!(sum, 32);
}

#[test]
fn a_search_narrows_the_list_and_words_that_match_nothing_give_an_empty_page() {
    let dir = tempfile::tempdir().unwrap();
    let held = filled(&dir);
    let first = held.with(|w| listing::page(w, &query(|q| q.limit = 1), now())).unwrap().items.remove(0);
    let word = first
        .title
        .split_whitespace()
        .find(|w| w.chars().all(char::is_alphanumeric) && w.len() > 3)
        .unwrap()
        .to_string();
    let page = held.with(|w| listing::page(w, &query(|q| q.search = Some(word.clone())), now())).unwrap();
    assert!(page.total >= 1 && page.total <= 32);
    assert!(page.items.iter().any(|c| c.id == first.id));
    let none = held.with(|w| listing::page(w, &query(|q| q.search = Some("zzqxjkvw".into())), now())).unwrap();
    assert_eq!((none.total, none.items.len()), (0, 0));
    let bad = held.with(|w| listing::page(w, &query(|q| q.sort = Some("colour".into())), now())).unwrap_err();
    assert_eq!(bad.code, "invalid_argument");
}

#[test]
fn sorting_by_credits_puts_the_most_credits_first_and_those_without_a_value_last() {
    let dir = tempfile::tempdir().unwrap();
    let held = filled(&dir);
    let page = held.with(|w| listing::page(w, &query(|q| q.sort = Some("credits".into())), now())).unwrap();
    assert_eq!(page.items.len(), 32);
    let values: Vec<Option<f64>> = page.items.iter().map(|c| c.ects).collect();
    assert!(values.iter().any(Option::is_some), "the educredentials examples state credits");
    let first_none = values.iter().position(Option::is_none).unwrap_or(values.len());
    assert!(values[first_none..].iter().all(Option::is_none), "{values:?}");
    let stated: Vec<f64> = values[..first_none].iter().flatten().copied().collect();
    assert!(stated.windows(2).all(|w| w[0] >= w[1]), "{stated:?}");
    // Paging by credits keeps the order.
    let second = held
        .with(|w| {
            listing::page(
                w,
                &query(|q| {
                    q.sort = Some("credits".into());
                    q.offset = 5;
                    q.limit = 5;
                }),
                now(),
            )
        })
        .unwrap();
    let ids: Vec<&str> = second.items.iter().map(|c| c.id.as_str()).collect();
    let expected: Vec<&str> = page.items[5..10].iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, expected);
}

#[test]
fn skills_are_grouped_by_framework_and_choosing_one_lists_its_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let held = filled(&dir);
    let groups = held.with(|w| listing::skill_groups(w)).unwrap();
    assert!(!groups.is_empty());
    let mut seen_keys = BTreeSet::new();
    for group in &groups {
        assert!(!group.skills.is_empty());
        for skill in &group.skills {
            let q = if group.kind == "tags" {
                query(|q| q.tag = Some(skill.key.clone()))
            } else {
                query(|q| q.skill = Some(skill.key.clone()))
            };
            let page = held.with(|w| listing::page(w, &q, now())).unwrap();
            assert_eq!(page.total, skill.count, "{} in {:?}", skill.label, group.name);
            if group.kind != "tags" {
                assert!(seen_keys.insert((group.name.clone(), skill.key.clone())), "a merged skill is listed once");
            }
        }
    }
}

#[test]
fn an_alignment_without_a_framework_joins_the_same_uri_named_in_a_framework() {
    // The DCC fixture aligns to "Requirements Analysis" twice, with the same URL: once naming
    // its framework, once not. The Skills screen lists it once, under the framework.
    let dir = tempfile::tempdir().unwrap();
    let held = Held::new(Some(dir.path().join("wallet.db")), FAST);
    held.create(Protection::Passphrase(secret("a long passphrase"))).unwrap();
    let alignments = "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-alignments.json";
    let summary = held.with(|w| Ok(importing::import(w, &[vector(alignments)], &Offline, &mut |_| {}))).unwrap();
    assert!(summary.failures.is_empty(), "{:?}", summary.failures);
    let groups = held.with(|w| listing::skill_groups(w)).unwrap();
    let listed: Vec<(Option<String>, String, u64)> = groups
        .iter()
        .flat_map(|g| g.skills.iter().map(|s| (g.name.clone(), s.label.clone(), s.count)))
        .filter(|(_, label, _)| label == "Requirements Analysis")
        .collect();
    assert_eq!(
        listed,
        vec![(Some("Edmonds College Course Catalog".to_string()), "Requirements Analysis".to_string(), 1)]
    );
}

#[test]
fn a_baked_badge_shows_its_own_image_and_an_image_only_on_a_server_is_never_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let held = filled(&dir);
    let cards = held.with(|w| listing::page(w, &query(|q| q.limit = 200), now())).unwrap().items;
    let mut data_urls = 0;
    for card in &cards {
        let image = held.with(|w| listing::badge_image(w, &card.id)).unwrap();
        if let Some(url) = &image {
            assert!(url.starts_with("data:image/"), "{url}");
            data_urls += 1;
        }
        // A card promises an image exactly when one can be shown without the network.
        assert_eq!(card.has_image, image.is_some(), "{}", card.title);
    }
    let baked = cards
        .iter()
        .find(|c| held.with(|w| Ok(w.get(&c.id)?.originals.iter().any(|o| o.media_type == "image/svg+xml"))).unwrap());
    let baked = baked.expect("the baked badge is in the wallet");
    let url = held.with(|w| listing::badge_image(w, &baked.id)).unwrap().unwrap();
    let svg = std::fs::read(stapel_testkit::vector(BAKED)).unwrap();
    use base64::Engine as _;
    assert_eq!(url, format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg)));
    assert!(data_urls >= 1);
}

pub(crate) fn stored(checks: Vec<Check>) -> StoredVerification {
    StoredVerification {
        credential_id: "0".repeat(64),
        report: Report::from_checks(checks),
        checked_at: "2026-01-01T00:00:00Z".into(),
        offline: false,
    }
}

#[test]
fn the_chip_tells_revoked_and_expired_apart_from_other_failures_and_never_checked_from_unverifiable() {
    let t = DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z").unwrap().with_timezone(&Utc);
    let ok = || Check::passed(CheckId::Proof, "the signature matches");
    assert_eq!(listing::chip(None, None, t), Chip::Unchecked);
    assert_eq!(listing::chip(None, Some("2020-01-01T00:00:00Z"), t), Chip::Expired);
    assert_eq!(listing::chip(Some(&stored(vec![ok()])), None, t), Chip::Verified);
    assert_eq!(listing::chip(Some(&stored(vec![ok()])), Some("2026-05-31T23:59:59Z"), t), Chip::Expired);
    assert_eq!(listing::chip(Some(&stored(vec![ok()])), Some("2027-01-01T00:00:00Z"), t), Chip::Verified);
    assert_eq!(
        listing::chip(Some(&stored(vec![ok(), Check::failed(CheckId::Status, "revoked")])), None, t),
        Chip::Revoked
    );
    assert_eq!(
        listing::chip(Some(&stored(vec![ok(), Check::failed(CheckId::Dates, "expired")])), None, t),
        Chip::Expired
    );
    assert_eq!(
        listing::chip(
            Some(&stored(vec![Check::failed(CheckId::Proof, "bad"), Check::failed(CheckId::Dates, "expired")])),
            None,
            t
        ),
        Chip::Invalid
    );
    assert_eq!(
        listing::chip(
            Some(&stored(vec![ok(), Check::new(CheckId::Key, stapel_core::verify::Outcome::Unverifiable, "offline")])),
            None,
            t
        ),
        Chip::Unverifiable
    );
}

#[test]
fn verifying_offline_is_recorded_and_the_card_and_detail_show_it() {
    let dir = tempfile::tempdir().unwrap();
    let held = filled(&dir);
    let id = held.with(|w| listing::page(w, &query(|q| q.limit = 1), now())).unwrap().items.remove(0).id;
    let before = held.with(|w| listing::detail(w, &id, now())).unwrap();
    // Verified as it landed (online, where these examples' issuers cannot be reached).
    assert_eq!(before.chip, Chip::Unverifiable);
    assert!(!before.verification.expect("recorded at import").offline);
    let report = held.with(|w| importing::reverify(w, &id, true)).unwrap();
    let after = held.with(|w| listing::detail(w, &id, now())).unwrap();
    let recorded = after.verification.expect("the report is kept");
    assert_eq!(recorded.report, report);
    assert!(recorded.offline);
    assert_ne!(after.chip, Chip::Unchecked);
    assert_ne!(after.chip, Chip::Verified, "offline, an educredentials example cannot have every check run");
    let card = held
        .with(|w| listing::page(w, &PageQuery::default(), now()))
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.id == id)
        .unwrap();
    assert_eq!(card.chip, after.chip);
    assert!(card.checked_at.is_some());
}

#[test]
fn the_original_is_exported_byte_for_byte_shown_as_json_and_a_removed_credential_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let held = filled(&dir);
    let file = format!("{}/{}", vector(EDU), "mbob_eo_eov_regular_full.json");
    let bytes = std::fs::read(&file).unwrap();
    let id = held
        .with(|w| Ok(importing::import(w, std::slice::from_ref(&file), &Offline, &mut |_| {})))
        .unwrap()
        .ids
        .remove(0);
    let out = dir.path().join("exported.json");
    held.with(|w| importing::export_original(w, &id, 1, &out)).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
    let text = held.with(|w| listing::original_text(w, &id, 1)).unwrap();
    let shown: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(shown, serde_json::from_slice::<serde_json::Value>(&bytes).unwrap());
    assert_eq!(held.with(|w| listing::original_text(w, &id, 9)).unwrap_err().code, "no_original");
    let detail = held.with(|w| listing::detail(w, &id, now())).unwrap();
    assert!(!detail.stored.credential.title.is_empty());
    assert!(detail.credit.is_some(), "the example states its credits");
    held.with(|w| Ok(w.remove(&id)?)).unwrap();
    assert_eq!(held.with(|w| listing::detail(w, &id, now())).unwrap_err().code, "unknown_credential");
    assert_eq!(held.with(|w| listing::page(w, &PageQuery::default(), now())).unwrap().total, 31);
}

#[test]
fn a_baked_image_shows_the_json_baked_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let held = filled(&dir);
    let id = held.with(|w| Ok(importing::import(w, &[vector(BAKED)], &Offline, &mut |_| {}))).unwrap().ids.remove(0);
    let text = held.with(|w| listing::original_text(w, &id, 1)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(json.is_object());
}

#[test]
fn changing_the_passphrase_needs_the_current_one_and_then_only_the_new_one_opens() {
    let dir = tempfile::tempdir().unwrap();
    let held = Held::new(Some(dir.path().join("wallet.db")), FAST);
    held.create(Protection::Passphrase(secret("the first passphrase"))).unwrap();
    let err = held
        .change_protection(Some(secret("not the first one")), Protection::Passphrase(secret("the second passphrase")))
        .unwrap_err();
    assert_eq!(err.code, "wrong_passphrase");
    assert_eq!(
        held.change_protection(None, Protection::Passphrase(secret("the second passphrase"))).unwrap_err().code,
        "passphrase_missing"
    );
    held.change_protection(
        Some(secret("the first passphrase")),
        Protection::Passphrase(secret("the second passphrase")),
    )
    .unwrap();
    held.lock();
    assert_eq!(held.unlock(Unlock::Passphrase(secret("the first passphrase"))).unwrap_err().code, "wrong_passphrase");
    assert!(held.unlock(Unlock::Passphrase(secret("the second passphrase"))).unwrap().open);
}

#[test]
fn a_backup_restores_into_a_new_wallet_and_a_wrong_backup_passphrase_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let held = filled(&dir);
    let file = dir.path().join("wallet.backup");
    held.backup(&file, &secret("backup passphrase")).unwrap();
    let other = tempfile::tempdir().unwrap();
    let fresh = Held::new(Some(other.path().join("wallet.db")), FAST);
    let err = fresh
        .restore(
            &file,
            &secret("wrong backup passphrase"),
            Some(Protection::Passphrase(secret("new wallet pass"))),
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(err.code, "backup_does_not_open");
    assert!(!fresh.status().exists);
    let mut seen = Vec::new();
    let report = fresh
        .restore(
            &file,
            &secret("backup passphrase"),
            Some(Protection::Passphrase(secret("new wallet pass"))),
            &mut |p| seen.push(p),
        )
        .unwrap();
    assert_eq!(report.credentials_added, 32);
    // The page is told both steps: the backup's rows, then each added credential verified.
    let restoring: Vec<_> = seen.iter().filter(|p| p.step == "restoring").collect();
    let verifying: Vec<_> = seen.iter().filter(|p| p.step == "verifying").collect();
    assert!(!restoring.is_empty() && restoring.last().is_some_and(|p| p.done == p.total), "{seen:?}");
    assert_eq!(verifying.last().map(|p| (p.done, p.total)), Some((32, 32)), "{seen:?}");
    assert_eq!(verifying.len(), 33, "before each, and once at the end");
    assert!(seen.iter().position(|p| p.step == "verifying") > seen.iter().rposition(|p| p.step == "restoring"));
    assert_eq!(fresh.with(|w| listing::page(w, &PageQuery::default(), now())).unwrap().total, 32);
    // Into the open wallet it came from: everything is already there.
    let merged = held.restore(&file, &secret("backup passphrase"), None, &mut |_| {}).unwrap();
    assert_eq!((merged.credentials_added, merged.credentials_present), (0, 32));
}

#[test]
fn settings_survive_a_round_trip_and_a_damaged_file_gives_the_defaults_with_a_plain_notice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conf").join(settings::FILE_NAME);
    let missing = settings::load(Some(&path));
    assert_eq!(missing.settings, Settings::default());
    assert_eq!(missing.notice, None);
    let chosen = Settings { language: Some("nl".into()), lock_after_minutes: 3 };
    settings::save(Some(&path), &chosen).unwrap();
    let loaded = settings::load(Some(&path));
    assert_eq!((loaded.settings, loaded.notice), (chosen, None));

    std::fs::write(&path, "{\"language\": \"nl\", \"lockAfterMinutes\": ").unwrap();
    let damaged = settings::load(Some(&path));
    assert_eq!(damaged.settings, Settings::default());
    let notice = damaged.notice.expect("a damaged file is told");
    assert!(notice.contains("settings file") && notice.contains("defaults"), "{notice}");
    assert!(notice.contains(&path.display().to_string()));

    std::fs::write(&path, "{\"language\": \"fr\"}").unwrap();
    assert!(settings::load(Some(&path)).notice.unwrap().contains("\"fr\""));
    let refused =
        settings::save(Some(&path), &Settings { language: Some("fr".into()), lock_after_minutes: 5 }).unwrap_err();
    assert_eq!(refused.code, "invalid_argument");
}

#[test]
fn the_settings_live_beside_a_wallet_named_by_stapel_wallet_else_in_the_config_folder() {
    assert_eq!(
        settings::settings_path(Some(Path::new("/tmp/x/w.db")), Some(PathBuf::from("/cfg"))),
        Some(PathBuf::from("/tmp/x").join(settings::FILE_NAME))
    );
    assert_eq!(
        settings::settings_path(None, Some(PathBuf::from("/cfg"))),
        Some(PathBuf::from("/cfg").join(settings::FILE_NAME))
    );
    assert_eq!(settings::settings_path(None, None), None);
}

/// The page's files, found from this crate's folder.
fn ui(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The folder of the page's scripts that holds its string catalogues (data, not code).
const CATALOGUES: &str = "i18n";

/// Every script of the page (each `.js` file under `ui/` but the catalogues), by its path
/// inside `ui/` (`/`-separated, sorted) with its text.
fn page_scripts() -> Vec<(String, String)> {
    fn walk(dir: &Path, inside: &str, out: &mut Vec<(String, String)>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.map(Result::unwrap) {
            let name = entry.file_name().into_string().expect("file names in ui/ are UTF-8");
            let path = if inside.is_empty() { name.clone() } else { format!("{inside}/{name}") };
            if entry.file_type().unwrap().is_dir() {
                if path != CATALOGUES {
                    walk(&entry.path(), &path, out);
                }
            } else if name.ends_with(".js") {
                out.push((path.clone(), ui(&path)));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui"), "", &mut out);
    out.sort();
    assert!(!out.is_empty(), "the page has scripts");
    out
}

/// The text of every script of the page, one after the other.
fn page_js() -> String {
    page_scripts().into_iter().map(|(_, text)| text).collect::<Vec<_>>().join("\n")
}

/// A catalogue file is a line of JavaScript registering one JSON object that starts on a line
/// of its own (`{`) and ends at the file's last `}`.
fn catalogue(lang: &str) -> serde_json::Map<String, serde_json::Value> {
    let text = ui(&format!("i18n/{lang}.js"));
    let start = text.find("\n{").map(|i| i + 1).expect("the object starts on a line of its own");
    let end = text.rfind('}').map(|i| i + 1).expect("the object ends with }");
    match serde_json::from_str(&text[start..end]).unwrap() {
        serde_json::Value::Object(m) => m,
        other => panic!("the {lang} catalogue is not one JSON object: {other}"),
    }
}

/// Every `"key"` in `text` that follows `marker` (e.g. `data-i18n="` or `t("`), where the marker
/// starts a word (`t("` but not `split("`).
fn keys_after(text: &str, marker: &str, close: char) -> BTreeSet<String> {
    text.match_indices(marker)
        .filter(|(at, _)| {
            text[..*at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '.' || c == '_' || c == '$'))
        })
        .filter_map(|(at, _)| {
            let rest = &text[at + marker.len()..];
            rest.find(close).map(|end| rest[..end].to_string())
        })
        .filter(|k| !k.is_empty() && !k.contains('$') && !k.contains('{'))
        .collect()
}

#[test]
fn both_catalogues_have_the_same_keys_and_every_key_the_page_asks_for() {
    let en = catalogue("en");
    let nl = catalogue("nl");
    let en_keys: BTreeSet<&String> = en.keys().collect();
    let nl_keys: BTreeSet<&String> = nl.keys().collect();
    assert_eq!(en_keys.difference(&nl_keys).collect::<Vec<_>>(), Vec::<&&String>::new(), "missing in nl");
    assert_eq!(nl_keys.difference(&en_keys).collect::<Vec<_>>(), Vec::<&&String>::new(), "missing in en");
    for (k, v) in en.iter().chain(nl.iter()) {
        assert!(v.as_str().is_some_and(|s| !s.trim().is_empty()), "{k} is empty");
    }
    let html = ui("index.html");
    let js = page_js();
    assert!(js.contains("\"@chip.verified\""), "keys chosen at run time are marked with @");
    let mut used = keys_after(&html, "data-i18n=\"", '"');
    used.extend(keys_after(&html, "data-i18n-label=\"", '"'));
    used.extend(keys_after(&html, "data-i18n-placeholder=\"", '"'));
    used.extend(keys_after(&js, "t(\"", '"'));
    assert!(used.len() > 100, "the scan found the page's keys ({})", used.len());
    let missing: Vec<&String> = used.iter().filter(|k| !en.contains_key(k.as_str())).collect();
    assert!(missing.is_empty(), "keys the page uses but the catalogue lacks: {missing:?}");
    // Keys chosen at run time are written out with a leading `@` (`"@chip.verified"`).
    let built = keys_after(&js, "\"@", '"');
    let missing: Vec<&String> = built.iter().filter(|k| !en.contains_key(k.as_str())).collect();
    assert!(missing.is_empty(), "keys built at run time that the catalogue lacks: {missing:?}");
}

/// `path` (`/`-separated, inside `ui/`) of what `spec` names when imported from `from`.
fn resolve(from: &str, spec: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in spec.split('/') {
        match part {
            "." => {}
            ".." => assert!(parts.pop().is_some(), "{from} imports {spec}, outside ui/"),
            name => parts.push(name),
        }
    }
    parts.join("/")
}

#[test]
fn the_page_is_one_module_script_that_reaches_every_script_under_ui() {
    let html = ui("index.html");
    let roots = keys_after(&html, "<script type=\"module\" src=\"", '"');
    assert_eq!(roots, BTreeSet::from(["main.js".to_string()]), "index.html loads main.js as a module");
    assert_eq!(html.matches("<script").count(), roots.len(), "no other script, and none inline");
    // Every import, followed from main.js, names a file there is; together they are every
    // script the catalogue and command checks read (and the catalogues).
    let mut reached = BTreeSet::new();
    let mut next: Vec<String> = roots.into_iter().collect();
    while let Some(path) = next.pop() {
        if !reached.insert(path.clone()) {
            continue;
        }
        let text = ui(&path);
        let imports = keys_after(&text, "from \"", '"').into_iter().chain(keys_after(&text, "import \"", '"'));
        for spec in imports {
            assert!(
                spec.starts_with("./") || spec.starts_with("../"),
                "{path} imports {spec:?}: only the page's own files"
            );
            next.push(resolve(&path, &spec));
        }
    }
    let scripts: BTreeSet<String> = page_scripts().into_iter().map(|(path, _)| path).collect();
    let catalogues: BTreeSet<String> = ["en", "nl"].iter().map(|lang| format!("{CATALOGUES}/{lang}.js")).collect();
    assert!(scripts.len() > 10, "the page is split into modules ({scripts:?})");
    assert_eq!(reached, &scripts | &catalogues, "the modules main.js reaches are the scripts under ui/");
}

#[test]
fn the_page_is_allowed_exactly_the_commands_it_invokes() {
    let capability: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/main.json")).unwrap(),
    )
    .unwrap();
    let allowed: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .map(|p| match p.strip_prefix("allow-") {
            Some(command) => command.replace('-', "_"),
            None => p.to_string(),
        })
        .collect();
    let js = page_js();
    let mut invoked: BTreeSet<String> = keys_after(&js, "invoke(\"", '"')
        .into_iter()
        .map(|c| match c.strip_prefix("plugin:dialog|") {
            Some(what) => format!("dialog:allow-{what}"),
            None => c,
        })
        .collect();
    assert!(js.contains("tauri.event.listen("), "the page listens to drag-and-drop events");
    invoked.insert("core:event:allow-listen".into());
    assert_eq!(allowed, invoked);
}

/// The colours of one theme in `style.css`: `--name: #rrggbb` inside the block that starts at
/// `start` and ends at `end`.
fn theme(css: &str, start: &str, end: &str) -> std::collections::HashMap<String, [f64; 3]> {
    let from = css.find(start).unwrap_or_else(|| panic!("style.css has no {start:?}"));
    let to = from + css[from..].find(end).unwrap_or_else(|| panic!("style.css has no {end:?} after {start:?}"));
    let mut colours = std::collections::HashMap::new();
    for decl in css[from..to].split(';') {
        let Some(at) = decl.find("--") else { continue };
        let Some((name, value)) = decl[at..].split_once(':') else { continue };
        let (name, value) = (name.trim(), value.trim());
        if let (Some(name), Some(hex)) = (name.strip_prefix("--"), value.strip_prefix('#'))
            && hex.len() == 6
        {
            let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap() as f64 / 255.0;
            colours.insert(name.to_string(), [channel(0), channel(2), channel(4)]);
        }
    }
    colours
}

/// WCAG 2.1's contrast ratio of two sRGB colours.
fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
    let lum = |c: [f64; 3]| {
        let lin = |x: f64| if x <= 0.03928 { x / 12.92 } else { ((x + 0.055) / 1.055).powf(2.4) };
        0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
    };
    let (la, lb) = (lum(a), lum(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn every_colour_pair_the_page_uses_meets_wcag_aa_contrast_in_the_light_and_the_dark_theme() {
    let css = ui("style.css");
    // Text (4.5:1) and the non-text parts people must see: focus rings, bars, borders (3:1).
    let pairs: &[(&str, &str, f64, &str)] = &[
        ("ink", "paper", 4.5, "body text"),
        ("ink", "card", 4.5, "text on cards"),
        ("muted", "paper", 4.5, "secondary text"),
        ("muted", "card", 4.5, "secondary text on cards"),
        ("link", "card", 4.5, "links and secondary buttons"),
        ("link", "paper", 4.5, "links"),
        ("accent-ink", "accent", 4.5, "the header, primary buttons, and the header's focus ring"),
        ("error", "card", 4.5, "errors"),
        ("error", "paper", 4.5, "errors"),
        ("ok-ink", "ok-bg", 4.5, "the verified chip"),
        ("bad-ink", "bad-bg", 4.5, "the invalid and revoked chips"),
        ("warn-ink", "warn-bg", 4.5, "the unverifiable and expired chips"),
        ("neutral-ink", "neutral-bg", 4.5, "the not-checked chip"),
        ("bad-ink", "card", 4.5, "danger buttons"),
        ("focus", "paper", 3.0, "the focus ring"),
        ("focus", "card", 3.0, "the focus ring on cards"),
        ("ok-ink", "neutral-bg", 3.0, "the earned part of a progress bar against its track"),
        ("warn-ink", "neutral-bg", 3.0, "the pending part of a progress bar against its track"),
        ("muted", "card", 3.0, "field borders, and a part the camera has not read yet"),
        ("ok-ink", "card", 3.0, "a part the camera has read, against the dialog"),
    ];
    assert!(
        css.contains(".bar :focus-visible { outline-color: var(--accent-ink); }"),
        "the header's focus ring is its own colour"
    );
    let themes =
        [("light", theme(&css, ":root {", "}")), ("dark", theme(&css, "@media (prefers-color-scheme: dark)", "}\n}"))];
    for (name, colours) in &themes {
        assert!(colours.len() >= 18, "the {name} theme's colours were read: {}", colours.len());
        for (fg, bg, minimum, what) in pairs {
            let ratio = contrast(colours[*fg], colours[*bg]);
            assert!(ratio >= *minimum, "{name} theme, {what}: --{fg} on --{bg} is {ratio:.2}:1, below {minimum}:1");
        }
    }
}

/// A fetcher that answers from vector files and counts what it was asked.
struct Counted {
    inner: stapel_core::net::MapFetcher,
    asked: std::sync::Mutex<Vec<String>>,
}

impl stapel_core::net::Fetcher for Counted {
    fn fetch(&self, url: &str) -> Result<stapel_core::net::Fetched, stapel_core::net::FetchError> {
        self.asked.lock().unwrap().push(url.to_string());
        self.inner.fetch(url)
    }
}

/// A school's credential with a revocation entry (index 7 of `list`), and the school's list
/// that revokes it, both signed here (eddsa-jcs-2022) by the same did:key.
fn revoked_pair(list: &str) -> (serde_json::Value, serde_json::Value) {
    use stapel_core::present::{Cryptosuite, HolderKey, sign_data_integrity};
    let school = HolderKey::from_secret_bytes(&[9; 32]);
    let options = |purpose: &str| {
        let mut m = serde_json::Map::new();
        m.insert("created".into(), "2026-01-01T00:00:00Z".into());
        m.insert("proofPurpose".into(), purpose.into());
        m
    };
    let credential = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:7d0b9b5e-6a51-4c1e-9f0e-2f6f3d1c8a77",
        "type": ["VerifiableCredential"],
        "issuer": school.did(),
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Veilig werken 2",
        "credentialSubject": {"id": "did:example:learner"},
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                             "statusListIndex": "7", "statusListCredential": list}
    });
    // 16 KiB of bits, bit 7 set: gzip, then multibase base64url.
    let encoded = "uH4sIAAAAAAACA-3BIQEAAAACIP1_2hkWoAEAAAAAAAAAAAAAAAAAAADeBjn7xTYAQAAA";
    let status = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": school.did(),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": format!("{list}#list"), "type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": encoded}
    });
    (
        sign_data_integrity(&credential, &school, Cryptosuite::EddsaJcs2022, options("assertionMethod")).unwrap(),
        sign_data_integrity(&status, &school, Cryptosuite::EddsaJcs2022, options("assertionMethod")).unwrap(),
    )
}

#[test]
fn when_the_wallet_opens_credentials_with_out_of_date_status_lists_are_checked_again_and_a_revocation_shows() {
    const LIST: &str = "https://school.example/status/3";
    let dir = tempfile::tempdir().unwrap();
    let (credential, list) = revoked_pair(LIST);
    let file = dir.path().join("veilig-werken.json");
    std::fs::write(&file, credential.to_string()).unwrap();
    let list_file = dir.path().join("list.json");
    std::fs::write(&list_file, list.to_string()).unwrap();
    let held = Held::new(Some(dir.path().join("wallet.db")), FAST);
    held.create(Protection::Passphrase(secret("a long passphrase"))).unwrap();
    // Imported without the network: its status could not be had, so its card cannot say revoked.
    let summary = held
        .with(|w| Ok(importing::import(w, &[file.display().to_string(), vector(EDU)], &Offline, &mut |_| {})))
        .unwrap();
    assert!(summary.failures.is_empty(), "{:?}", summary.failures);
    let revoked = held
        .with(|w| {
            Ok(w.views()?
                .into_iter()
                .find(|(_, v)| v.status.iter().any(|s| s.list.as_deref() == Some(LIST)))
                .map(|(id, _)| id))
        })
        .unwrap()
        .expect("the credential names its list");
    let before = held.with(|w| Ok(w.verification(&revoked)?)).unwrap().unwrap();
    assert_eq!(before.report.result, stapel_core::verify::Verdict::Unverifiable, "offline it cannot tell");

    let fetcher = Counted {
        inner: stapel_core::net::MapFetcher::new(
            std::collections::HashMap::from([(LIST.to_string(), list_file)]),
            None,
        ),
        asked: Default::default(),
    };
    let mut seen = Vec::new();
    let checked = importing::recheck_status(&held, &fetcher, &mut |p| seen.push(p)).unwrap();
    // Only the credential with a status list was due (the edubadge names none), and it is revoked.
    let counts = &checked.counts;
    assert_eq!((counts.invalid, counts.verified + counts.unverifiable + counts.failed), (1, 0), "{checked:?}");
    assert_eq!(checked.changed, 1, "unverifiable before, invalid now");
    assert_eq!(
        seen,
        vec![importing::CheckProgress { done: 0, total: 1 }, importing::CheckProgress { done: 1, total: 1 }]
    );
    let after = held.with(|w| Ok(w.verification(&revoked)?)).unwrap().unwrap();
    assert_eq!(after.report.result, stapel_core::verify::Verdict::Invalid);
    assert!(format!("{:?}", after.report.checks).contains("revoked"), "{:?}", after.report.checks);
    assert_eq!(
        fetcher.asked.lock().unwrap().iter().filter(|u| *u == LIST).count(),
        1,
        "fetched once, before the wallet was held"
    );
    // The list is kept now and current: opening the wallet again asks nothing.
    fetcher.asked.lock().unwrap().clear();
    let again = importing::recheck_status(&held, &fetcher, &mut |_| {}).unwrap();
    assert_eq!(again, importing::RecheckSummary::default());
    assert!(fetcher.asked.lock().unwrap().is_empty(), "{:?}", fetcher.asked.lock().unwrap());
    // A locked wallet ends the round without a fuss.
    held.lock();
    assert_eq!(importing::recheck_status(&held, &fetcher, &mut |_| {}).unwrap_err().code, "locked");
}

#[test]
fn check_all_again_verifies_every_credential_anew_with_progress_and_counts_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let held = filled(&dir);
    let before: Vec<String> =
        held.with(|w| Ok(w.verifications()?.into_values().map(|v| v.checked_at).collect::<Vec<_>>())).unwrap();
    assert!(!before.is_empty(), "verified as they landed");
    let mut seen = Vec::new();
    let summary = held.with(|w| importing::verify_all(w, &Offline, &mut |p| seen.push(p))).unwrap();
    let total = held
        .with(|w| Ok(w.list(&stapel_core::store::ListQuery { include_children: true, ..Default::default() })?.len()))
        .unwrap();
    assert_eq!(summary.verified + summary.unverifiable + summary.invalid + summary.failed, total);
    assert_eq!(seen.len(), total + 1, "before each, and once at the end");
    assert_eq!(seen.last(), Some(&importing::CheckProgress { done: total, total }));
    // Every credential has a report again, none is left unchecked.
    let recorded = held.with(|w| Ok(w.verifications()?.len())).unwrap();
    assert_eq!(recorded, total);
}
