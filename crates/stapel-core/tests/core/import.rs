//! Every way in verifies at the door (issue 16): a bulk import verifies each credential as it
//! lands and records the report, so the cards and progress are right when the import ends;
//! the progress names both steps; a verification that cannot run keeps the credential in.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use stapel_core::net::{MapFetcher, Offline};
use stapel_core::store::{KdfParams, Protection, Secret, Wallet};
use stapel_core::verify::Verdict;
use stapel_core::wallet::check::Run;
use stapel_core::wallet::import::{self, Input, Step};

const DCC: &str = "1-ob3/dcc-vc-test-fixtures/verifiableCredentials";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).single().unwrap()
}

fn vector(rel: &str) -> PathBuf {
    stapel_testkit::vector(rel)
}

fn new_wallet(dir: &tempfile::TempDir) -> Wallet {
    Wallet::create(
        &dir.path().join("w.db"),
        Protection::Passphrase(Secret::new("p".into())),
        KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 },
    )
    .unwrap()
}

#[test]
fn a_bulk_import_verifies_each_credential_as_it_lands_and_keeps_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut wallet = new_wallet(&dir);
    let did_key = vector(&format!("{DCC}/v2/ed25519/didKey/legacy-noStatus-noExpiry.json"));
    let did_web = vector(&format!("{DCC}/v1/ed25519/didWeb/legacy-noStatus-noExpiry.json"));
    // The did:key credential with one word changed after signing: it must land invalid.
    let mut tampered: Value = serde_json::from_slice(&std::fs::read(&did_key).unwrap()).unwrap();
    tampered["credentialSubject"]["name"] = Value::String("Someone Else".into());
    let tampered_file = dir.path().join("tampered.json");
    std::fs::write(&tampered_file, tampered.to_string()).unwrap();
    let stray = dir.path().join("notes.txt");
    std::fs::write(&stray, "not a credential").unwrap();
    let inputs: Vec<Input> =
        [&did_key, &did_web, &tampered_file, &stray].into_iter().map(|p| Input::File(p.clone())).collect();

    let run = Run { now: now(), fetched_at: now(), fetcher: &Offline, offline: true };
    let mut seen: Vec<(Step, usize, String)> = Vec::new();
    let outcomes = import::import_all(&mut wallet, &inputs, &run, &mut |p| seen.push((p.step, p.done, p.input.into())));
    let verdicts: Vec<Option<Verdict>> =
        outcomes.iter().map(|o| o.verification.as_ref().map(|v| v.as_ref().unwrap().result)).collect();
    assert_eq!(
        verdicts,
        vec![Some(Verdict::Verified), Some(Verdict::Unverifiable), Some(Verdict::Invalid), None],
        "offline, the did:web issuer's key cannot be had; the stray file is not imported"
    );
    assert!(outcomes[3].result.is_err());
    // The report is the wallet's record, with the run's time and its offline flag.
    for o in &outcomes[..3] {
        let id = &o.result.as_ref().unwrap().id;
        let stored = wallet.verification(id).unwrap().expect("recorded at import");
        assert_eq!(Some(stored.report.result), o.verification.as_ref().map(|v| v.as_ref().unwrap().result));
        assert!(stored.offline);
    }
    // Both steps, for each input that got that far, then the end.
    let name = |i: usize| inputs[i].name();
    assert_eq!(
        seen,
        vec![
            (Step::Reading, 0, name(0)),
            (Step::Verifying, 0, name(0)),
            (Step::Reading, 1, name(1)),
            (Step::Verifying, 1, name(1)),
            (Step::Reading, 2, name(2)),
            (Step::Verifying, 2, name(2)),
            (Step::Reading, 3, name(3)),
            (Step::Verifying, 4, String::new()),
        ]
    );

    // Online (the issuer's DID document to be had), the did:web credential lands verified, and
    // importing it again re-verifies it, so the card is right with the better answer.
    let docs = MapFetcher::new(
        HashMap::from([(
            "https://digitalcredentials.github.io/vc-test-fixtures/dids/legacy/did.json".to_string(),
            vector("1-ob3/dcc-vc-test-fixtures/dids/legacy/did.json"),
        )]),
        None,
    );
    let online = Run { now: now(), fetched_at: now(), fetcher: &docs, offline: false };
    let again = import::import_all(&mut wallet, &[Input::File(did_web)], &online, &mut |_| {});
    assert!(again[0].result.as_ref().unwrap().already_present);
    assert_eq!(again[0].verification.as_ref().unwrap().as_ref().unwrap().result, Verdict::Verified);
    let id = &again[0].result.as_ref().unwrap().id;
    assert_eq!(wallet.verification(id).unwrap().unwrap().report.result, Verdict::Verified);
}

#[test]
fn a_restore_names_what_it_added_and_each_is_verified_anew() {
    let dir = tempfile::tempdir().unwrap();
    let mut wallet = new_wallet(&dir);
    let did_key = vector(&format!("{DCC}/v2/ed25519/didKey/legacy-noStatus-noExpiry.json"));
    let run = Run { now: now(), fetched_at: now(), fetcher: &Offline, offline: true };
    let outcomes = import::import_all(&mut wallet, &[Input::File(did_key)], &run, &mut |_| {});
    let id = outcomes[0].result.as_ref().unwrap().id.clone();
    let file = dir.path().join("w.backup");
    let secret = Secret::new("backup pass".into());
    let cheap = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };
    wallet.backup(&file, &secret, cheap, &mut |_, _| {}).unwrap();
    let backup = stapel_core::store::Backup::read(&file, &secret).unwrap();
    let (mut restored, report) = Wallet::restore_new(
        &dir.path().join("new.db"),
        Protection::Passphrase(Secret::new("q".into())),
        cheap,
        &backup,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(report.added, vec![id.clone()]);
    // The backup's report came with it, checked when it was made; the restore checks again.
    let later = now() + chrono::Duration::days(30);
    let again = Run { now: later, fetched_at: later, fetcher: &Offline, offline: true };
    let mut seen = Vec::new();
    let results =
        stapel_core::wallet::check::verify_each(&mut restored, &report.added, &again, &mut |d, t, _| seen.push((d, t)));
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].1.as_ref().unwrap().result, Verdict::Verified);
    assert_eq!(seen, vec![(0, 1), (1, 1)]);
    let record = restored.verification(&id).unwrap().unwrap();
    assert_eq!(record.checked_at, "2027-01-03T09:00:00Z");
    // Merged into the wallet it came from, nothing is added, so nothing needs checking.
    let merged = wallet.restore(&backup, &mut |_, _| {}).unwrap();
    assert!(merged.added.is_empty());
}

#[test]
fn an_ob2_assertion_whose_badge_class_cannot_be_had_is_kept_with_what_it_states() {
    // The 1EdTech validator's own test badges: their badge classes live at example.org
    // addresses that do not answer. Servers go away; the learner's copy is then the only one.
    let dir = stapel_testkit::vector("4-ob2/1edtech-openbadges-validator-core/tests/testfiles");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("test_components"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("assertion.json"))
        .collect();
    files.sort();
    files.push(dir.join("baked_heart.png"));
    assert_eq!(files.len(), 6, "{files:?}");
    let tmp = tempfile::tempdir().unwrap();
    let mut wallet = new_wallet(&tmp);
    let run = Run { now: now(), fetched_at: now(), fetcher: &Offline, offline: true };
    let inputs: Vec<Input> = files.iter().map(|p| Input::File(p.clone())).collect();
    let outcomes = import::import_all(&mut wallet, &inputs, &run, &mut |_| {});
    for o in &outcomes {
        let inserted = o.result.as_ref().unwrap_or_else(|e| panic!("{}: {e}", o.input));
        let stored = wallet.get(&inserted.id).unwrap();
        let view = &stored.credential;
        if view.not_retrieved.is_empty() {
            // The oldest forms (0.5) carry their badge class inside the assertion.
            assert!(o.input.contains("0_5"), "{}: {view:?}", o.input);
            continue;
        }
        assert_eq!(view.not_retrieved, ["badge class"], "{}", o.input);
        let badge_url = view.achievement.id.clone().unwrap();
        assert!(badge_url.starts_with("http"), "{badge_url}");
        assert_eq!(view.title, badge_url, "{}: the badge's address stands in for its name", o.input);
        assert!(view.issued.is_some(), "{}: the dates it states are kept", o.input);
        // Verification cannot check what it could not fetch: unverifiable, never invalid for it.
        let report = o.verification.as_ref().unwrap().as_ref().unwrap();
        assert!(
            report
                .checks
                .iter()
                .all(|c| c.outcome != stapel_core::verify::Outcome::Failed || !c.message.contains("badge class")),
            "{}: {report:?}",
            o.input
        );
        assert_eq!(report.result, Verdict::Unverifiable, "{}: {report:?}", o.input);
    }
    let baked = outcomes.last().unwrap().result.as_ref().unwrap();
    let stored = wallet.get(&baked.id).unwrap();
    // The baked image carries the same assertion as the 2.0 file: one credential, both kept.
    assert!(baked.already_present);
    assert!(stored.originals.iter().any(|o| o.media_type == "image/png"), "{:?}", stored.originals);
}

#[test]
fn a_badge_whose_hosted_copy_grew_is_kept_with_that_copy_and_lands_verified() {
    let dir = stapel_testkit::vector("4-ob2/1edtech-openbadges-validator-core/tests/testfiles/test_components");
    let mine = dir.join("2_0_basic_assertion.json");
    let mut hosted: Value = serde_json::from_slice(&std::fs::read(&mine).unwrap()).unwrap();
    hosted["evidence"] = serde_json::json!({"narrative": "Built a robot that sorts socks."});
    let tmp = tempfile::tempdir().unwrap();
    let hosted_file = tmp.path().join("hosted.json");
    std::fs::write(&hosted_file, hosted.to_string()).unwrap();
    let docs = MapFetcher::new(
        HashMap::from([
            ("https://example.org/beths-robotics-badge.json".to_string(), hosted_file),
            ("https://example.org/robotics-badge.json".to_string(), dir.join("2_0_basic_badgeclass.json")),
            ("https://example.org/organization.json".to_string(), dir.join("2_0_basic_issuer.json")),
        ]),
        None,
    );
    let mut wallet = new_wallet(&tmp);
    wallet.add_identity(stapel_core::store::IdentityKind::Email, "nobody@example.org", now()).unwrap();
    let run = Run { now: now(), fetched_at: now(), fetcher: &docs, offline: false };
    let outcomes = import::import_all(&mut wallet, &[Input::File(mine)], &run, &mut |_| {});
    let report = outcomes[0].verification.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(report.result, Verdict::Verified, "{report:?}");
    let id = &outcomes[0].result.as_ref().unwrap().id;
    let roles: Vec<(String, String)> =
        wallet.get(id).unwrap().originals.into_iter().map(|o| (o.role, o.source)).collect();
    let hosted_role = ("hosted-assertion".to_string(), "https://example.org/beths-robotics-badge.json".to_string());
    assert!(roles.contains(&hosted_role), "{roles:?}");
    // Checked again, the same copy is not kept twice.
    stapel_core::wallet::check::verify_stored(&mut wallet, id, &run).unwrap();
    let count = wallet.get(id).unwrap().originals.iter().filter(|o| o.role == "hosted-assertion").count();
    assert_eq!(count, 1);
}

#[test]
fn a_badge_class_that_comes_at_a_later_verification_completes_the_stored_card() {
    let dir = stapel_testkit::vector("4-ob2/1edtech-openbadges-validator-core/tests/testfiles/test_components");
    let tmp = tempfile::tempdir().unwrap();
    let mut wallet = new_wallet(&tmp);
    // At import the badge class's server does not answer: the card shows the badge's address.
    let offline = Run { now: now(), fetched_at: now(), fetcher: &Offline, offline: true };
    let outcomes =
        import::import_all(&mut wallet, &[Input::File(dir.join("2_0_basic_assertion.json"))], &offline, &mut |_| {});
    let id = outcomes[0].result.as_ref().unwrap().id.clone();
    let before = wallet.get(&id).unwrap();
    assert_eq!(before.credential.not_retrieved, ["badge class"]);
    assert_eq!(before.summary.title, "https://example.org/robotics-badge.json");
    // A verification while it does not answer either changes nothing.
    stapel_core::wallet::check::verify_stored(&mut wallet, &id, &offline).unwrap();
    assert_eq!(wallet.get(&id).unwrap().credential, before.credential);

    // Later it answers: the card is read anew, with the badge's name and its issuer, and what
    // was fetched is kept with the learner's copy.
    let docs = MapFetcher::new(
        HashMap::from([
            ("https://example.org/beths-robotics-badge.json".to_string(), dir.join("2_0_basic_assertion.json")),
            ("https://example.org/robotics-badge.json".to_string(), dir.join("2_0_basic_badgeclass.json")),
            ("https://example.org/organization.json".to_string(), dir.join("2_0_basic_issuer.json")),
        ]),
        None,
    );
    let later = now() + chrono::Duration::days(2);
    let online = Run { now: later, fetched_at: later, fetcher: &docs, offline: false };
    stapel_core::wallet::check::verify_stored(&mut wallet, &id, &online).unwrap();
    let after = wallet.get(&id).unwrap();
    let class: Value = serde_json::from_slice(&std::fs::read(dir.join("2_0_basic_badgeclass.json")).unwrap()).unwrap();
    assert!(after.credential.not_retrieved.is_empty(), "{:?}", after.credential.not_retrieved);
    assert_eq!(after.summary.title, class["name"].as_str().unwrap());
    assert_eq!(after.credential.description.as_deref(), class["description"].as_str());
    assert!(after.credential.issuer.name.is_some(), "{:?}", after.credential.issuer);
    let roles: Vec<&str> = after.originals.iter().map(|o| o.role.as_str()).collect();
    assert!(roles.contains(&"badgeclass") && roles.contains(&"issuer"), "{roles:?}");
    assert_eq!(after.originals[0], before.originals[0], "the learner's copy stays first and unchanged");
    // Found by its name now.
    let found = wallet
        .list(&stapel_core::store::ListQuery {
            search: Some(class["name"].as_str().unwrap().into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1);
    // Verified again, nothing more is added.
    let originals = after.originals.len();
    stapel_core::wallet::check::verify_stored(&mut wallet, &id, &online).unwrap();
    assert_eq!(wallet.get(&id).unwrap().originals.len(), originals);
}

#[test]
fn the_credentials_whose_kept_status_lists_are_out_of_date_are_the_ones_to_check_again() {
    let tmp = tempfile::tempdir().unwrap();
    let mut wallet = new_wallet(&tmp);
    let mut with_list = |n: u32, list: Option<&str>| {
        let mut c = serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": format!("urn:uuid:00000000-0000-4000-8000-00000000000{n}"),
            "type": ["VerifiableCredential"],
            "issuer": "did:example:school",
            "validFrom": "2025-01-01T00:00:00Z",
            "name": format!("Course {n}"),
            "credentialSubject": {"id": "did:example:learner"}
        });
        if let Some(url) = list {
            c["credentialStatus"] = serde_json::json!({"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                "statusListIndex": "7", "statusListCredential": url});
        }
        let file = tmp.path().join(format!("c{n}.json"));
        std::fs::write(&file, c.to_string()).unwrap();
        let run = Run { now: now(), fetched_at: now(), fetcher: &Offline, offline: true };
        import::import_all(&mut wallet, &[Input::File(file)], &run, &mut |_| {})[0].result.as_ref().unwrap().id.clone()
    };
    let daily = with_list(1, Some("https://school.example/status/daily"));
    let hourly = with_list(2, Some("https://school.example/status/hourly"));
    let ending = with_list(3, Some("https://school.example/status/ending"));
    let never_kept = with_list(4, Some("https://school.example/status/never"));
    let _no_status = with_list(5, None);
    let list = |ttl: Option<u64>, valid_until: Option<&str>| {
        let mut l = serde_json::json!({"type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "credentialSubject": {"type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"}});
        if let Some(ms) = ttl {
            l["credentialSubject"]["ttl"] = serde_json::json!(ms);
        }
        if let Some(end) = valid_until {
            l["validUntil"] = serde_json::json!(end);
        }
        l.to_string().into_bytes()
    };
    wallet.cache_document("https://school.example/status/daily", None, &list(None, None), now()).unwrap();
    wallet.cache_document("https://school.example/status/hourly", None, &list(Some(3_600_000), None), now()).unwrap();
    let end = (now() + chrono::Duration::minutes(30)).to_rfc3339();
    wallet
        .cache_document("https://school.example/status/ending", None, &list(Some(3_600_000), Some(&end)), now())
        .unwrap();
    let stale = |wallet: &stapel_core::store::Wallet, minutes: i64| {
        stapel_core::wallet::check::stale_status(wallet, now() + chrono::Duration::minutes(minutes)).unwrap()
    };
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };
    // Just kept: only the list that was never had.
    assert_eq!(stale(&wallet, 1), vec![never_kept.clone()]);
    // Past its own validUntil (30 min), before its ttl (an hour).
    assert_eq!(stale(&wallet, 40), sorted(vec![never_kept.clone(), ending.clone()]));
    // Past the ttl.
    assert_eq!(stale(&wallet, 61), sorted(vec![never_kept.clone(), ending.clone(), hourly.clone()]));
    // A list that says nothing is taken as current for a day.
    assert_eq!(stale(&wallet, 23 * 60), sorted(vec![never_kept.clone(), ending.clone(), hourly.clone()]));
    assert_eq!(
        stale(&wallet, 25 * 60),
        sorted(vec![never_kept.clone(), ending.clone(), hourly.clone(), daily.clone()])
    );
    // Fetched again: current again.
    let later = now() + chrono::Duration::hours(25);
    wallet.cache_document("https://school.example/status/daily", None, &list(None, None), later).unwrap();
    assert!(!stale(&wallet, 25 * 60 + 1).contains(&daily));
}
