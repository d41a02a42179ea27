//! The encrypted wallet, against real SQLCipher files in temp folders (and, in the tests
//! marked as needing a Secret Service, the real OS keychain: `scripts/test-keychain`).

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use stapel_core::formats::{Credential, Format, Image, Issuer, Skill};
use stapel_core::store::{
    Backup, KdfParams, KeyMode, ListQuery, NewCredential, NewOriginal, Protection, Secret, Sort, StoreError, Unlock,
    Wallet, credential_id, default_wallet_path, sidecar_path,
};

/// Cheap Argon2id parameters: the tests pass them explicitly; the app uses `DESKTOP`.
const CHEAP: KdfParams = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };

fn pass(s: &str) -> Secret {
    Secret::new(s.to_string())
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 14, 9, 26, 53).single().expect("a valid date")
}

fn later() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 12, 0, 0).single().expect("a valid date")
}

struct Tmp {
    _dir: tempfile::TempDir,
    wallet: PathBuf,
}

fn tmp() -> Tmp {
    let dir = tempfile::tempdir().expect("a temp dir");
    let wallet = dir.path().join("wallet.db");
    Tmp { _dir: dir, wallet }
}

fn new_wallet(t: &Tmp, passphrase: &str) -> Wallet {
    Wallet::create(&t.wallet, Protection::Passphrase(pass(passphrase)), CHEAP).expect("a new wallet")
}

fn json_original(source: &str, body: &str) -> NewOriginal {
    NewOriginal {
        role: "credential".into(),
        media_type: "application/json".into(),
        source: source.into(),
        bytes: body.as_bytes().to_vec(),
    }
}

fn cred(key: &str, title: &str, issuer: &str, issued: Option<&str>) -> NewCredential {
    let credential = Credential {
        id: Some(key.to_string()),
        types: vec!["Assertion".into()],
        title: title.into(),
        description: Some(format!("Description of {title}")),
        image: Some(Image { url: format!("https://example.org/{key}.png"), caption: None }),
        issuer: Issuer {
            id: Some(format!("https://{issuer}.example/issuer")),
            name: Some(issuer.into()),
            ..Default::default()
        },
        issued: issued.map(str::to_string),
        ..Default::default()
    };
    NewCredential {
        key: key.into(),
        format: Format::Ob2Hosted,
        credential,
        originals: vec![json_original(&format!("{key}.json"), &format!("{{\"id\":\"{key}\",\"name\":\"{title}\"}}"))],
        children: vec![],
    }
}

fn skill(framework: &str, code: &str, label: &str) -> Skill {
    Skill {
        framework: Some(framework.into()),
        code: Some(code.into()),
        url: Some(format!("http://data.europa.eu/esco/skill/{code}")),
        label: label.into(),
        ..Default::default()
    }
}

/// The key the wallet file is encrypted with, derived independently of the store from the
/// sidecar's salt and parameters.
fn derive_key_from_sidecar(wallet: &Path, passphrase: &str) -> [u8; 32] {
    let sc: serde_json::Value =
        serde_json::from_slice(&fs::read(sidecar_path(wallet)).expect("the sidecar")).expect("json");
    let kdf = &sc["kdf"];
    assert_eq!(kdf["algorithm"], "argon2id");
    let salt = base64::engine::general_purpose::STANDARD.decode(kdf["salt"].as_str().expect("a salt")).expect("base64");
    let n = |k: &str| u32::try_from(kdf[k].as_u64().expect("a number")).expect("u32");
    let params = argon2::Params::new(n("m_cost_kib"), n("t_cost"), n("p_cost"), Some(32)).expect("params");
    let mut key = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), &salt, &mut key)
        .expect("argon2");
    key
}

fn raw_open(wallet: &Path, key: &[u8; 32]) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(wallet).expect("open");
    let hexkey: String = key.iter().map(|b| format!("{b:02X}")).collect();
    conn.query_row(&format!("PRAGMA key = \"x'{hexkey}'\""), [], |_| Ok(())).ok();
    conn.query_row("PRAGMA cipher_compatibility = 4", [], |_| Ok(())).ok();
    conn
}

fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .expect("a dir")
        .map(|e| {
            let e = e.expect("an entry");
            (e.file_name().to_string_lossy().into_owned(), fs::read(e.path()).expect("a file"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_file_on_disk_is_encrypted_and_opens_only_with_its_key() {
    let t = tmp();
    let mut w = new_wallet(&t, "correct horse");
    w.insert(&cred("urn:uuid:1", "Zeldzame Titel Xylofoon", "Hanze", Some("2025-06-01T00:00:00Z")), now())
        .expect("insert");
    drop(w);

    let bytes = fs::read(&t.wallet).expect("the wallet file");
    assert!(bytes.len() >= 4096);
    assert_ne!(&bytes[..16], b"SQLite format 3\0");
    assert!(!bytes.windows(8).any(|w| w == b"Xylofoon"), "the title is readable in the file");

    let plain = rusqlite::Connection::open(&t.wallet).expect("open without key");
    let err =
        plain.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).expect_err("no key, no read");
    assert!(err.to_string().contains("not a database"), "{err}");
    drop(plain);

    let conn = raw_open(&t.wallet, &derive_key_from_sidecar(&t.wallet, "correct horse"));
    let title: String = conn.query_row("SELECT title FROM credentials", [], |r| r.get(0)).expect("the right key reads");
    assert_eq!(title, "Zeldzame Titel Xylofoon");

    let wrong = raw_open(&t.wallet, &derive_key_from_sidecar(&t.wallet, "wrong horse"));
    assert!(wrong.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_err());
}

#[test]
fn a_wrong_passphrase_is_one_clear_error_and_changes_nothing() {
    let t = tmp();
    let mut w = new_wallet(&t, "correct horse");
    w.insert(&cred("urn:uuid:1", "Title", "Hanze", None), now()).expect("insert");
    drop(w);
    let dir = t.wallet.parent().expect("a parent");
    let before = files_in(dir);

    let err = Wallet::open(&t.wallet, Unlock::Passphrase(pass("battery staple"))).expect_err("wrong passphrase");
    assert!(matches!(err, StoreError::WrongPassphrase), "{err:?}");
    assert_eq!(err.to_string(), "the passphrase does not open this wallet");
    let err = Wallet::open(&t.wallet, Unlock::Keychain).expect_err("a passphrase wallet");
    assert!(matches!(err, StoreError::NeedsPassphrase), "{err:?}");

    assert_eq!(files_in(dir), before, "a failed open changed files");
    let w = Wallet::open(&t.wallet, Unlock::Passphrase(pass("correct horse"))).expect("the right passphrase");
    assert_eq!(w.count(&ListQuery::default()).expect("count"), 1);
}

#[test]
fn creating_refuses_an_existing_wallet_and_opening_a_missing_one_says_so() {
    let t = tmp();
    drop(new_wallet(&t, "one"));
    let err = Wallet::create(&t.wallet, Protection::Passphrase(pass("two")), CHEAP).expect_err("exists");
    assert!(matches!(err, StoreError::Exists { .. }), "{err:?}");
    let w = Wallet::open(&t.wallet, Unlock::Passphrase(pass("one"))).expect("still the first wallet");
    drop(w);

    let missing = t.wallet.with_file_name("nothing.db");
    let err = Wallet::open(&missing, Unlock::Passphrase(pass("one"))).expect_err("missing");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert!(!missing.exists(), "opening created a file");

    fs::remove_file(sidecar_path(&t.wallet)).expect("remove the sidecar");
    let err = Wallet::open(&t.wallet, Unlock::Passphrase(pass("one"))).expect_err("no sidecar");
    assert!(matches!(err, StoreError::SidecarMissing { .. }), "{err:?}");
}

#[test]
fn kdf_parameters_beyond_the_limits_are_refused_before_anything_is_written() {
    let t = tmp();
    let huge = KdfParams { m_cost_kib: u32::MAX, t_cost: 1, p_cost: 1 };
    let err = Wallet::create(&t.wallet, Protection::Passphrase(pass("p")), huge).expect_err("too big");
    assert!(matches!(err, StoreError::KdfParams(_)), "{err:?}");
    assert!(!t.wallet.exists() && !sidecar_path(&t.wallet).exists());
}

#[test]
fn info_reads_the_key_mode_and_schema_version_without_a_secret() {
    let t = tmp();
    drop(new_wallet(&t, "p"));
    let info = Wallet::info(&t.wallet).expect("info");
    assert_eq!(info.key_mode, KeyMode::Passphrase);
    assert_eq!(info.schema_version, stapel_core::store::SCHEMA_VERSION);
    assert_eq!(info.path, t.wallet);
}

#[test]
fn the_default_wallet_path_is_a_wallet_file_in_the_platform_data_directory() {
    if let Some(p) = default_wallet_path() {
        assert_eq!(p.file_name().and_then(|f| f.to_str()), Some("wallet.db"));
        assert!(p.to_string_lossy().to_lowercase().contains("stapel"), "{}", p.display());
    }
}

#[test]
fn changing_the_passphrase_rekeys_so_only_the_new_one_opens() {
    let t = tmp();
    let mut w = new_wallet(&t, "old passphrase");
    w.insert(&cred("urn:uuid:1", "Title", "Hanze", None), now()).expect("insert");
    let key_before = derive_key_from_sidecar(&t.wallet, "old passphrase");
    w.change_protection(Protection::Passphrase(pass("new passphrase")), CHEAP).expect("rekey");
    // The open wallet keeps working after the re-key.
    assert_eq!(w.count(&ListQuery::default()).expect("count"), 1);
    drop(w);

    assert_ne!(derive_key_from_sidecar(&t.wallet, "new passphrase"), key_before);
    let err = Wallet::open(&t.wallet, Unlock::Passphrase(pass("old passphrase"))).expect_err("old one");
    assert!(matches!(err, StoreError::WrongPassphrase), "{err:?}");
    let w = Wallet::open(&t.wallet, Unlock::Passphrase(pass("new passphrase"))).expect("new one");
    assert_eq!(w.list(&ListQuery::default()).expect("list")[0].title, "Title");
    w.integrity_check().expect("integrity");
    let names: Vec<String> = files_in(t.wallet.parent().expect("dir")).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["wallet.db", "wallet.db.keyinfo.json"]);
}

#[test]
fn a_rekey_interrupted_after_the_database_changed_is_finished_on_open() {
    let t = tmp();
    let mut w = new_wallet(&t, "old");
    w.insert(&cred("urn:uuid:1", "Title", "Hanze", None), now()).expect("insert");
    let old_sidecar = fs::read(sidecar_path(&t.wallet)).expect("sidecar");
    w.change_protection(Protection::Passphrase(pass("new")), CHEAP).expect("rekey");
    drop(w);
    // The state a crash between the re-key and the rename leaves: the database has the new
    // key, the sidecar still describes the old one, the new description is pending.
    let pending = PathBuf::from(format!("{}.pending", sidecar_path(&t.wallet).display()));
    fs::rename(sidecar_path(&t.wallet), &pending).expect("pending");
    fs::write(sidecar_path(&t.wallet), &old_sidecar).expect("old sidecar");

    let err = Wallet::open(&t.wallet, Unlock::Passphrase(pass("old"))).expect_err("the old key is gone");
    assert!(matches!(err, StoreError::WrongPassphrase), "{err:?}");
    assert!(pending.exists(), "a failed open must not touch the pending re-key");
    let w = Wallet::open(&t.wallet, Unlock::Passphrase(pass("new"))).expect("the new key opens");
    assert_eq!(w.count(&ListQuery::default()).expect("count"), 1);
    drop(w);
    assert!(!pending.exists());
    Wallet::open(&t.wallet, Unlock::Passphrase(pass("new"))).expect("and keeps opening");
}

#[test]
fn a_rekey_interrupted_before_the_database_changed_is_dropped_on_open() {
    let t = tmp();
    drop(new_wallet(&t, "old"));
    let other = tmp();
    drop(new_wallet(&other, "new"));
    // A pending description for a key the database never got.
    let pending = PathBuf::from(format!("{}.pending", sidecar_path(&t.wallet).display()));
    fs::copy(sidecar_path(&other.wallet), &pending).expect("pending");
    let err = Wallet::open(&t.wallet, Unlock::Passphrase(pass("new"))).expect_err("the re-key never happened");
    assert!(matches!(err, StoreError::WrongPassphrase), "{err:?}");
    Wallet::open(&t.wallet, Unlock::Passphrase(pass("old"))).expect("the old key still opens");
    assert!(!pending.exists());
}

#[test]
fn a_credential_is_stored_with_all_its_originals_verbatim() {
    let t = tmp();
    let mut w = new_wallet(&t, "p");
    let png: Vec<u8> = (0u8..=255).cycle().take(3000).collect();
    let mut c = cred("https://hanze.example/assertions/42", "Data Literacy", "Hanze", Some("2025-06-01T00:00:00Z"));
    c.originals.push(NewOriginal {
        role: "baked-png".into(),
        media_type: "image/png".into(),
        source: "badge.png".into(),
        bytes: png.clone(),
    });
    let ins = w.insert(&c, now()).expect("insert");
    assert!(!ins.already_present);
    assert_eq!(ins.originals_added, 2);
    assert_eq!(ins.id, credential_id(&c.key));
    assert_eq!(ins.id.len(), 64);

    let s = w.get(&ins.id[..8]).expect("get by prefix");
    assert_eq!(s.summary.id, ins.id);
    assert_eq!(s.summary.title, "Data Literacy");
    assert_eq!(s.summary.issuer.as_deref(), Some("Hanze"));
    assert_eq!(s.summary.format, Format::Ob2Hosted);
    assert_eq!(s.credential, c.credential);
    assert_eq!(s.imported_at, "2026-03-14T09:26:53Z");
    assert_eq!(s.originals.len(), 2);
    assert_eq!((s.originals[0].n, s.originals[0].role.as_str()), (1, "credential"));
    assert_eq!((s.originals[1].n, s.originals[1].source.as_str(), s.originals[1].size), (2, "badge.png", 3000));

    let o = w.original(&ins.id, 2).expect("second original");
    assert_eq!(o.bytes, png);
    assert_eq!(o.info.media_type, "image/png");
    assert_eq!(w.original(&ins.id, 1).expect("first").bytes, c.originals[0].bytes);
    let err = w.original(&ins.id, 3).expect_err("no third");
    assert!(matches!(err, StoreError::NoOriginal { n: 3, count: 2, .. }), "{err:?}");
    assert!(w.original(&ins.id, 0).is_err());
}

#[test]
fn a_credential_already_in_the_wallet_is_not_inserted_again_but_its_new_original_is_kept() {
    let t = tmp();
    let mut w = new_wallet(&t, "p");
    let c = cred("urn:uuid:dup", "Original title", "Hanze", None);
    let first = w.insert(&c, now()).expect("insert");

    let again = w.insert(&c, later()).expect("insert again");
    assert!(again.already_present);
    assert_eq!(again.originals_added, 0);
    assert_eq!(again.id, first.id);

    let mut baked = cred("urn:uuid:dup", "A different title", "Hanze", None);
    baked.originals = vec![
        c.originals[0].clone(),
        NewOriginal {
            role: "baked-png".into(),
            media_type: "image/png".into(),
            source: "https://x.example/b.png".into(),
            bytes: vec![137, 80, 78, 71, 1, 2, 3],
        },
    ];
    let third = w.insert(&baked, later()).expect("insert the baked one");
    assert!(third.already_present);
    assert_eq!(third.originals_added, 1);

    assert_eq!(w.count(&ListQuery::default()).expect("count"), 1);
    let s = w.get(&first.id).expect("get");
    assert_eq!(s.summary.title, "Original title", "the stored view is kept");
    assert_eq!(s.originals.len(), 2);
    assert_eq!(s.originals[1].imported_at, "2026-04-01T12:00:00Z");
    assert_eq!(s.originals[1].source, "https://x.example/b.png");
}

#[test]
fn children_are_linked_to_their_parent_and_removed_with_it_but_one_imported_alone_stays_listed() {
    let t = tmp();
    let mut w = new_wallet(&t, "p");
    let standalone = cred("urn:uuid:standalone", "Other", "Elsewhere", None);
    w.insert(&standalone, now()).expect("insert");
    let already = cred("urn:uuid:child-b", "Child B", "Hanze", None);
    w.insert(&already, now()).expect("insert a child on its own first");

    let mut clr = cred("urn:uuid:clr", "Learner record", "Hanze", Some("2025-07-01T00:00:00Z"));
    clr.format = Format::VcJsonLd;
    clr.children = vec![cred("urn:uuid:child-a", "Child A", "Hanze", None), already.clone()];
    let ins = w.insert(&clr, now()).expect("insert clr");
    assert_eq!(ins.children.len(), 2);
    assert!(!ins.children[0].already_present);
    assert!(ins.children[1].already_present);

    // Child B was imported on its own: it stays on the list beside the CLR that carries it.
    let titles = |w: &Wallet, q: &ListQuery| {
        let mut t = w.list(q).expect("list").into_iter().map(|s| s.title).collect::<Vec<_>>();
        t.sort();
        t
    };
    assert_eq!(titles(&w, &ListQuery::default()), ["Child B", "Learner record", "Other"]);
    let top = w.list(&ListQuery::default()).expect("list");
    let card = |title: &str| top.iter().find(|s| s.title == title).expect("listed").clone();
    assert_eq!(card("Learner record").children, 2);
    assert_eq!(card("Child B").parent.as_deref(), Some(ins.id.as_str()), "listed, and shown as part of the CLR");
    let all = w.list(&ListQuery { include_children: true, ..Default::default() }).expect("list all");
    assert_eq!(all.len(), 4);
    let stored = w.get(&ins.id).expect("get");
    assert_eq!(stored.children.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(), ["Child A", "Child B"]);
    assert!(stored.children.iter().all(|c| c.parent.as_deref() == Some(ins.id.as_str())));
    assert!(w.facets().expect("facets").issuers.contains(&("Hanze".to_string(), 2)), "the CLR and Child B");

    // Removing the CLR takes Child A with it; Child B, which the learner brought in, stays.
    let removed = w.remove(&ins.id[..10]).expect("remove");
    assert_eq!(removed.title, "Learner record");
    let everything = ListQuery { include_children: true, ..Default::default() };
    assert_eq!(titles(&w, &everything), ["Child B", "Other"]);
    assert_eq!(w.get(&ins.children[1].id).expect("kept").summary.parent, None);
    assert!(matches!(w.original(&ins.children[0].id, 1), Err(StoreError::UnknownId(_))));
    let search = ListQuery { search: Some("Child".into()), include_children: true, ..Default::default() };
    assert_eq!(titles(&w, &search), ["Child B"]);
    w.integrity_check().expect("integrity");

    // The other way round: a part of a CLR in the wallet, imported on its own, is listed
    // (and counted as imported); removing it from the list leaves the CLR whole.
    let ins = w.insert(&clr, now()).expect("insert clr again");
    assert_eq!(titles(&w, &ListQuery::default()), ["Child B", "Learner record", "Other"]);
    let child_a = cred("urn:uuid:child-a", "Child A", "Hanze", None);
    let alone = w.insert(&child_a, now()).expect("import a part on its own");
    assert!(!alone.already_present, "new on the list");
    assert!(w.insert(&child_a, now()).expect("again").already_present);
    assert_eq!(titles(&w, &ListQuery::default()), ["Child A", "Child B", "Learner record", "Other"]);
    w.remove(&alone.id).expect("take it off the list");
    assert_eq!(titles(&w, &ListQuery::default()), ["Child B", "Learner record", "Other"]);
    assert_eq!(w.get(&ins.id).expect("get").children.len(), 2, "the CLR is whole");
    w.integrity_check().expect("integrity");
}

#[test]
fn a_credential_that_contains_itself_is_refused() {
    let t = tmp();
    let mut w = new_wallet(&t, "p");
    let mut c = cred("urn:uuid:loop", "Loop", "Hanze", None);
    c.children = vec![cred("urn:uuid:loop", "Loop again", "Hanze", None)];
    let err = w.insert(&c, now()).expect_err("a loop");
    assert!(matches!(err, StoreError::InvalidCredential(_)), "{err:?}");
    assert_eq!(w.count(&ListQuery { include_children: true, ..Default::default() }).expect("count"), 0);
}

fn sample_wallet(t: &Tmp) -> Wallet {
    let mut w = new_wallet(t, "p");
    let mut a = cred("urn:a", "Data Literacy", "Hanze", Some("2025-06-01T00:00:00Z"));
    a.credential.skills = vec![skill("ESCO", "S5.6.1", "analyse data"), skill("DigComp", "1.1", "browsing")];
    a.credential.tags = vec!["data".into(), "python".into(), "data".into()];
    let mut b = cred("urn:b", "Academic Writing", "Universiteit Leiden", Some("2024-01-15T00:00:00Z"));
    b.credential.skills = vec![skill("ESCO", "S1.0", "write reports")];
    b.credential.tags = vec!["writing".into()];
    let mut c = cred("urn:c", "Basic Safety", "ROC Friese Poort", None);
    c.format = Format::VcJwt;
    c.credential.description = Some("Veiligheid op de bouwplaats".into());
    c.credential.skills = vec![skill("ESCO", "S5.6.1", "analyse data")];
    let mut d = cred("urn:d", "Advanced Data Science", "Hanze", Some("2025-11-20T00:00:00Z"));
    d.format = Format::VcJsonLd;
    for x in [a, b, c, d] {
        w.insert(&x, now()).expect("insert");
    }
    w
}

fn titles(w: &Wallet, q: ListQuery) -> Vec<String> {
    let list = w.list(&q).expect("list");
    assert!(w.count(&ListQuery { limit: None, offset: 0, ..q }).expect("count") as usize >= list.len());
    list.into_iter().map(|s| s.title).collect()
}

#[test]
fn listing_filters_by_issuer_skill_tag_format_and_text_and_sorts() {
    let t = tmp();
    let w = sample_wallet(&t);
    assert_eq!(
        titles(&w, ListQuery::default()),
        ["Advanced Data Science", "Data Literacy", "Academic Writing", "Basic Safety"]
    );
    assert_eq!(
        titles(&w, ListQuery { sort: Sort::Title, ..Default::default() }),
        ["Academic Writing", "Advanced Data Science", "Basic Safety", "Data Literacy"]
    );
    assert_eq!(
        titles(&w, ListQuery { issuer: Some("hanze".into()), ..Default::default() }),
        ["Advanced Data Science", "Data Literacy"]
    );
    assert_eq!(
        titles(
            &w,
            ListQuery { issuer: Some("https://Universiteit Leiden.example/issuer".into()), ..Default::default() }
        ),
        ["Academic Writing"]
    );
    assert_eq!(
        titles(&w, ListQuery { skill: Some("Analyse Data".into()), ..Default::default() }),
        ["Data Literacy", "Basic Safety"]
    );
    assert_eq!(titles(&w, ListQuery { skill: Some("S1.0".into()), ..Default::default() }), ["Academic Writing"]);
    assert_eq!(titles(&w, ListQuery { tag: Some("PYTHON".into()), ..Default::default() }), ["Data Literacy"]);
    assert_eq!(titles(&w, ListQuery { format: Some(Format::VcJwt), ..Default::default() }), ["Basic Safety"]);
    assert_eq!(
        titles(&w, ListQuery { search: Some("data".into()), ..Default::default() }),
        ["Advanced Data Science", "Data Literacy", "Basic Safety"]
    );
    assert_eq!(titles(&w, ListQuery { search: Some("veilig".into()), ..Default::default() }), ["Basic Safety"]);
    assert_eq!(
        titles(&w, ListQuery { search: Some("leiden report".into()), ..Default::default() }),
        ["Academic Writing"]
    );
    assert_eq!(titles(&w, ListQuery { search: Some("\"*)(".into()), ..Default::default() }), Vec::<String>::new());
    assert_eq!(
        titles(
            &w,
            ListQuery {
                search: Some("data".into()),
                issuer: Some("Hanze".into()),
                format: Some(Format::Ob2Hosted),
                ..Default::default()
            }
        ),
        ["Data Literacy"]
    );
    assert_eq!(
        titles(&w, ListQuery { limit: Some(2), offset: 1, ..Default::default() }),
        ["Data Literacy", "Academic Writing"]
    );
    assert_eq!(w.count(&ListQuery { issuer: Some("Hanze".into()), ..Default::default() }).expect("count"), 2);

    let skills = w.skills().expect("skills");
    assert_eq!(skills[0].label, "analyse data");
    assert_eq!(skills[0].count, 2);
    assert_eq!(skills.len(), 3);
    assert_eq!(w.tags().expect("tags")[0], ("data".to_string(), 1));
}

#[test]
fn ids_resolve_from_a_unique_prefix_and_ambiguous_or_unknown_ones_are_clear_errors() {
    let t = tmp();
    let mut w = new_wallet(&t, "p");
    let mut ids = Vec::new();
    for i in 0..17 {
        ids.push(w.insert(&cred(&format!("urn:n:{i}"), &format!("T{i}"), "X", None), now()).expect("insert").id);
    }
    // 17 ids over 16 hex digits: at least two share their first digit.
    let shared = ids.iter().find(|a| ids.iter().filter(|b| b[..1] == a[..1]).count() > 1).expect("pigeonhole");
    let err = w.get(&shared[..1]).expect_err("ambiguous");
    assert!(matches!(err, StoreError::AmbiguousId { count, .. } if count >= 2), "{err:?}");
    assert!(err.to_string().contains("give more characters"));
    for id in &ids {
        assert_eq!(&w.get(&id[..12]).expect("a unique prefix").summary.id, id);
        assert_eq!(&w.get(&id.to_uppercase()).expect("case does not matter").summary.id, id);
    }
    let unknown = ["zz", "", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"];
    for u in unknown {
        assert!(matches!(w.get(u), Err(StoreError::UnknownId(_))), "{u}");
    }
    let absent = (0..16)
        .map(|d| format!("{d:x}"))
        .flat_map(|a| (0..16).map(move |b| format!("{a}{b:x}")))
        .find(|p| !ids.iter().any(|i| i.starts_with(p.as_str())))
        .expect("a free prefix");
    assert!(matches!(w.remove(&absent), Err(StoreError::UnknownId(_))));
}

#[test]
fn a_failed_insert_leaves_the_wallet_content_exactly_as_it_was() {
    let t = tmp();
    let mut w = sample_wallet(&t);
    let before = w.dump().expect("dump");

    let mut clr = cred("urn:clr:bad", "Record", "Hanze", None);
    clr.children =
        vec![cred("urn:clr:bad:1", "Good child", "Hanze", None), cred("urn:clr:bad:2", "Bad child", "Hanze", None)];
    // A constraint of the schema: an original must say what it is.
    clr.children[1].originals[0].role = String::new();
    let err = w.insert(&clr, now()).expect_err("the constraint holds");
    assert!(matches!(err, StoreError::InvalidCredential(_)), "{err:?}");
    assert!(err.to_string().contains("urn:clr:bad:2.json"), "{err}");

    assert_eq!(w.dump().expect("dump"), before);
    w.integrity_check().expect("integrity");
    assert!(
        w.list(&ListQuery { search: Some("Record".into()), include_children: true, ..Default::default() })
            .expect("search")
            .is_empty()
    );
    drop(w);
    let w = Wallet::open(&t.wallet, Unlock::Passphrase(pass("p"))).expect("reopen");
    assert_eq!(w.dump().expect("dump"), before);
}

#[test]
fn a_backup_restores_into_a_new_wallet_with_identical_content() {
    let t = tmp();
    let mut w = sample_wallet(&t);
    let mut clr = cred("urn:clr", "Record", "Hanze", None);
    clr.children = vec![cred("urn:clr:1", "Child", "Hanze", None)];
    clr.originals.push(NewOriginal {
        role: "baked-png".into(),
        media_type: "image/png".into(),
        source: "r.png".into(),
        bytes: vec![0, 159, 146, 150, 255],
    });
    w.insert(&clr, later()).expect("insert");
    let out = t.wallet.with_file_name("backup.stapel");
    let mut calls = Vec::new();
    w.backup(&out, &pass("backup pass"), CHEAP, &mut |d, n| calls.push((d, n))).expect("backup");
    assert_eq!(calls.last().copied(), Some((calls[0].1, calls[0].1)), "progress ends at the total");
    assert!(calls[0].1 >= 6);

    let file = fs::read(&out).expect("backup file");
    assert_eq!(&file[..8], b"STAPELBK");
    assert!(!file.windows(7).any(|w| w == b"Literacy"), "content readable in the backup");
    assert!(!out.with_file_name("backup.stapel.partial").exists());

    let b = Backup::read(&out, &pass("backup pass")).expect("read");
    assert_eq!(b.credential_count(), 6);
    let target = t.wallet.with_file_name("restored.db");
    let mut progress = Vec::new();
    let (r, report) =
        Wallet::restore_new(&target, Protection::Passphrase(pass("new wallet")), CHEAP, &b, &mut |d, n| {
            progress.push((d, n))
        })
        .expect("restore");
    assert_eq!(report.credentials_added, 6);
    assert_eq!(report.credentials_present, 0);
    assert_eq!(report.originals_added, 7);
    // Six credentials and two other rows: the holder keys (migrations 0005 and 0010).
    assert_eq!(progress.last().copied(), Some((8, 8)));
    assert_eq!(r.dump().expect("dump"), w.dump().expect("dump"));
    assert_eq!(
        titles(&r, ListQuery { search: Some("analyse".into()), ..Default::default() }),
        ["Data Literacy", "Basic Safety"]
    );
    assert_eq!(r.original(&credential_id("urn:clr"), 2).expect("png").bytes, vec![0, 159, 146, 150, 255]);
    r.integrity_check().expect("integrity");
    drop(r);
    Wallet::open(&target, Unlock::Passphrase(pass("new wallet")))
        .expect("the restored wallet opens with its own passphrase");
}

#[test]
fn a_tampered_or_wrongly_unlocked_backup_is_one_error_and_nothing_is_written() {
    let t = tmp();
    let w = sample_wallet(&t);
    let out = t.wallet.with_file_name("backup.stapel");
    w.backup(&out, &pass("backup pass"), CHEAP, &mut |_, _| {}).expect("backup");
    let good = fs::read(&out).expect("read");
    let target = t.wallet.with_file_name("restored.db");

    let err = Backup::read(&out, &pass("not it")).expect_err("wrong passphrase");
    assert!(matches!(err, StoreError::BackupDoesNotOpen { .. }), "{err:?}");
    assert!(err.to_string().starts_with("the passphrase does not open the backup"));

    // A byte of the ciphertext, of the tag, of the salt, of a KDF parameter.
    for at in [good.len() / 2, good.len() - 1, 30, 14] {
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        fs::write(&out, &bad).expect("write");
        let err = Backup::read(&out, &pass("backup pass")).expect_err("tampered");
        assert!(matches!(err, StoreError::BackupDoesNotOpen { .. }), "byte {at}: {err:?}");
    }
    let mut bad = good.clone();
    bad[0] = b'X';
    fs::write(&out, &bad).expect("write");
    assert!(matches!(Backup::read(&out, &pass("backup pass")), Err(StoreError::NotABackup { .. })));
    fs::write(&out, &good[..good.len() - 20]).expect("write");
    assert!(matches!(Backup::read(&out, &pass("backup pass")), Err(StoreError::BackupDoesNotOpen { .. })));

    assert!(!target.exists());
    fs::write(&out, &good).expect("write");
    let b = Backup::read(&out, &pass("backup pass")).expect("the intact backup reads");
    Wallet::restore_new(&target, Protection::Passphrase(pass("x")), CHEAP, &b, &mut |_, _| {}).expect("restore");
}

#[test]
fn restoring_into_an_existing_wallet_merges_without_duplicates() {
    let a = tmp();
    let mut wa = new_wallet(&a, "a");
    wa.insert(&cred("urn:1", "One", "Hanze", None), now()).expect("insert");
    let mut two = cred("urn:2", "Two", "Hanze", None);
    two.originals.push(NewOriginal {
        role: "baked-png".into(),
        media_type: "image/png".into(),
        source: "two.png".into(),
        bytes: vec![1, 2, 3],
    });
    wa.insert(&two, now()).expect("insert");
    let out = a.wallet.with_file_name("a.stapel");
    wa.backup(&out, &pass("b"), CHEAP, &mut |_, _| {}).expect("backup");

    let b = tmp();
    let mut wb = new_wallet(&b, "b");
    let mut two_b = cred("urn:2", "Two as B saw it", "Hanze", None);
    two_b.originals = vec![two.originals[0].clone()];
    two_b.originals.push(NewOriginal {
        role: "baked-png".into(),
        media_type: "image/png".into(),
        source: "other.png".into(),
        bytes: vec![9, 9],
    });
    wb.insert(&two_b, later()).expect("insert");
    wb.insert(&cred("urn:3", "Three", "Hanze", None), later()).expect("insert");

    let backup = Backup::read(&out, &pass("b")).expect("read");
    let report = wb.restore(&backup, &mut |_, _| {}).expect("restore");
    assert_eq!((report.credentials_added, report.credentials_present, report.originals_added), (1, 1, 2));
    assert_eq!(titles(&wb, ListQuery { sort: Sort::Title, ..Default::default() }), ["One", "Three", "Two as B saw it"]);
    let s = wb.get(&credential_id("urn:2")).expect("two");
    assert_eq!(
        s.originals.iter().map(|o| o.source.as_str()).collect::<Vec<_>>(),
        ["urn:2.json", "other.png", "two.png"]
    );
    assert_eq!(wb.original(&credential_id("urn:2"), 3).expect("merged").bytes, vec![1, 2, 3]);
    assert_eq!(wb.get(&credential_id("urn:1")).expect("one").imported_at, "2026-03-14T09:26:53Z");

    let dump = wb.dump().expect("dump");
    let again = wb.restore(&backup, &mut |_, _| {}).expect("restore again");
    assert_eq!((again.credentials_added, again.credentials_present, again.originals_added), (0, 2, 0));
    assert_eq!(wb.dump().expect("dump"), dump);
    wb.integrity_check().expect("integrity");
}

/// Writes a credential the way a version 1 wallet stored it: no skills or tags tables yet.
fn insert_v1_row(conn: &rusqlite::Connection, key: &str, view: &Credential) {
    let id = credential_id(key);
    conn.execute(
        "INSERT INTO credentials (id, key, format, title, issuer_name, view_json, imported_at) VALUES (?1, ?2, 'ob2-hosted', ?3, ?4, ?5, '2025-01-01T00:00:00Z')",
        rusqlite::params![id, key, view.title, view.issuer.name, serde_json::to_string(view).expect("json")],
    )
    .expect("v1 insert");
    conn.execute(
        "INSERT INTO originals (credential_id, seq, role, media_type, source, imported_at, sha256, bytes) VALUES (?1, 1, 'credential', 'application/json', 'old.json', '2025-01-01T00:00:00Z', ?2, x'7b7d')",
        rusqlite::params![id, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"],
    )
    .expect("v1 original");
}

#[test]
fn a_wallet_at_schema_version_one_is_upgraded_on_open() {
    let t = tmp();
    drop(
        Wallet::create_at_schema_version(&t.wallet, Protection::Passphrase(pass("p")), CHEAP, 1).expect("a v1 wallet"),
    );
    assert_eq!(Wallet::info(&t.wallet).expect("info").schema_version, 1);
    let conn = raw_open(&t.wallet, &derive_key_from_sidecar(&t.wallet, "p"));
    assert!(
        conn.query_row("SELECT count(*) FROM skills", [], |r| r.get::<_, i64>(0)).is_err(),
        "v1 has no skills table"
    );
    let mut view = cred("urn:old", "Old Badge", "Hanze", None).credential;
    view.skills = vec![skill("ESCO", "S9", "teach children"), skill("ESCO", "S8", "plan lessons")];
    view.tags = vec!["onderwijs".into()];
    insert_v1_row(&conn, "urn:old", &view);
    drop(conn);

    let w = Wallet::open(&t.wallet, Unlock::Passphrase(pass("p"))).expect("open upgrades");
    assert_eq!(w.info_now().schema_version, stapel_core::store::SCHEMA_VERSION);
    assert_eq!(Wallet::info(&t.wallet).expect("info").schema_version, stapel_core::store::SCHEMA_VERSION);
    let labels: Vec<String> = w.skills().expect("skills").into_iter().map(|s| s.label).collect();
    assert_eq!(labels, ["plan lessons", "teach children"]);
    assert_eq!(titles(&w, ListQuery { skill: Some("S9".into()), ..Default::default() }), ["Old Badge"]);
    assert_eq!(titles(&w, ListQuery { tag: Some("onderwijs".into()), ..Default::default() }), ["Old Badge"]);
    assert_eq!(titles(&w, ListQuery { search: Some("lesson".into()), ..Default::default() }), ["Old Badge"]);
    assert!(w.get("").is_err());
    assert_eq!(w.get(&credential_id("urn:old")).expect("get").credential, view);
    w.integrity_check().expect("integrity");
}

#[test]
fn a_backup_of_a_version_one_wallet_restores_through_the_migrations() {
    let t = tmp();
    let w1 =
        Wallet::create_at_schema_version(&t.wallet, Protection::Passphrase(pass("p")), CHEAP, 1).expect("a v1 wallet");
    let conn = raw_open(&t.wallet, &derive_key_from_sidecar(&t.wallet, "p"));
    let mut view = cred("urn:old", "Old Badge", "Hanze", None).credential;
    view.skills = vec![skill("ESCO", "S9", "teach children")];
    insert_v1_row(&conn, "urn:old", &view);
    drop(conn);
    let out = t.wallet.with_file_name("v1.stapel");
    w1.backup(&out, &pass("b"), CHEAP, &mut |_, _| {}).expect("backup");
    drop(w1);

    let b = Backup::read(&out, &pass("b")).expect("read");
    assert_eq!(b.schema_version(), 1);
    let (w, report) = Wallet::restore_new(
        &t.wallet.with_file_name("new.db"),
        Protection::Passphrase(pass("n")),
        CHEAP,
        &b,
        &mut |_, _| {},
    )
    .expect("restore");
    assert_eq!(report.credentials_added, 1);
    assert_eq!(titles(&w, ListQuery { skill: Some("teach children".into()), ..Default::default() }), ["Old Badge"]);
    assert_eq!(w.original(&credential_id("urn:old"), 1).expect("original").bytes, b"{}");
}

// The OS keychain, for real. On Linux these need a Secret Service on the session bus;
// `scripts/test-keychain` starts one (gnome-keyring in a private D-Bus session) and runs them.

#[test]
#[ignore = "needs a Secret Service: run scripts/test-keychain"]
fn keychain_a_wallet_key_kept_in_the_keychain_survives_closing_and_reopening() {
    let t = tmp();
    let mut w = Wallet::create(&t.wallet, Protection::Keychain, CHEAP).expect("a keychain wallet");
    w.insert(&cred("urn:k", "Kept", "Hanze", None), now()).expect("insert");
    drop(w);
    let info = Wallet::info(&t.wallet).expect("info");
    assert_eq!(info.key_mode, KeyMode::Keychain);
    let sidecar = fs::read_to_string(sidecar_path(&t.wallet)).expect("sidecar");
    assert!(!sidecar.contains("salt"), "{sidecar}");

    let w = Wallet::open(&t.wallet, Unlock::Keychain).expect("reopen from the keychain");
    assert_eq!(w.get(&credential_id("urn:k")).expect("get").summary.title, "Kept");
    drop(w);
    let err = Wallet::open(&t.wallet, Unlock::Passphrase(pass("anything"))).expect_err("no passphrase");
    assert!(matches!(err, StoreError::NeedsKeychain), "{err:?}");
    assert_ne!(&fs::read(&t.wallet).expect("file")[..16], b"SQLite format 3\0");

    // Deleting the wallet takes its key out of the keychain.
    let saved = fs::read(sidecar_path(&t.wallet)).expect("sidecar");
    let copy = t.wallet.with_file_name("copy.db");
    fs::copy(&t.wallet, &copy).expect("copy");
    fs::write(sidecar_path(&copy), &saved).expect("copy sidecar");
    Wallet::open(&t.wallet, Unlock::Keychain).expect("open").delete().expect("delete");
    assert!(!t.wallet.exists() && !sidecar_path(&t.wallet).exists());
    let err = Wallet::open(&copy, Unlock::Keychain).expect_err("the key is gone");
    assert!(matches!(err, StoreError::KeychainKeyMissing), "{err:?}");
}

#[test]
#[ignore = "needs a Secret Service: run scripts/test-keychain"]
fn keychain_switching_between_keychain_and_passphrase_rekeys_and_forgets_the_old_key() {
    let t = tmp();
    let mut w = Wallet::create(&t.wallet, Protection::Keychain, CHEAP).expect("a keychain wallet");
    w.insert(&cred("urn:k", "Kept", "Hanze", None), now()).expect("insert");
    let keychain_sidecar = fs::read(sidecar_path(&t.wallet)).expect("sidecar");
    w.change_protection(Protection::Passphrase(pass("now a passphrase")), CHEAP).expect("to passphrase");
    drop(w);
    assert_eq!(Wallet::info(&t.wallet).expect("info").key_mode, KeyMode::Passphrase);
    let err = Wallet::open(&t.wallet, Unlock::Keychain).expect_err("not the keychain any more");
    assert!(matches!(err, StoreError::NeedsPassphrase), "{err:?}");

    // The old keychain entry is gone: the old description finds no key.
    let saved = fs::read(sidecar_path(&t.wallet)).expect("sidecar");
    fs::write(sidecar_path(&t.wallet), &keychain_sidecar).expect("write");
    let err = Wallet::open(&t.wallet, Unlock::Keychain).expect_err("the old entry was removed");
    assert!(matches!(err, StoreError::KeychainKeyMissing), "{err:?}");
    assert_eq!(err.to_string(), "the keychain holds no key that opens this wallet");
    fs::write(sidecar_path(&t.wallet), &saved).expect("write");

    let mut w = Wallet::open(&t.wallet, Unlock::Passphrase(pass("now a passphrase"))).expect("open with passphrase");
    w.change_protection(Protection::Keychain, CHEAP).expect("back to the keychain");
    drop(w);
    let w = Wallet::open(&t.wallet, Unlock::Keychain).expect("open from the keychain");
    assert_eq!(w.count(&ListQuery::default()).expect("count"), 1);
    w.integrity_check().expect("integrity");
    drop(w);
    let err =
        Wallet::open(&t.wallet, Unlock::Passphrase(pass("now a passphrase"))).expect_err("the passphrase is gone");
    assert!(matches!(err, StoreError::NeedsKeychain), "{err:?}");
    Wallet::open(&t.wallet, Unlock::Keychain).expect("open").delete().expect("delete");
}

#[test]
#[ignore = "needs a Secret Service: run scripts/test-keychain"]
fn keychain_a_backup_restores_into_a_new_keychain_wallet() {
    let t = tmp();
    let w = sample_wallet(&t);
    let out = t.wallet.with_file_name("b.stapel");
    w.backup(&out, &pass("b"), CHEAP, &mut |_, _| {}).expect("backup");
    let b = Backup::read(&out, &pass("b")).expect("read");
    let target = t.wallet.with_file_name("k.db");
    let (r, _) = Wallet::restore_new(&target, Protection::Keychain, CHEAP, &b, &mut |_, _| {}).expect("restore");
    assert_eq!(r.dump().expect("dump"), w.dump().expect("dump"));
    drop(r);
    let r = Wallet::open(&target, Unlock::Keychain).expect("reopen");
    assert_eq!(r.count(&ListQuery::default()).expect("count"), 4);
    r.delete().expect("delete");
    assert!(!target.exists());
}

#[test]
fn a_backup_is_never_written_over_the_wallet_it_comes_from() {
    let t = tmp();
    let w = sample_wallet(&t);
    let before = files_in(t.wallet.parent().expect("dir"));
    for out in [t.wallet.clone(), sidecar_path(&t.wallet)] {
        let err = w.backup(&out, &pass("b"), CHEAP, &mut |_, _| {}).expect_err("over the wallet");
        assert!(matches!(err, StoreError::BackupOverWallet { .. }), "{err:?}");
    }
    assert_eq!(files_in(t.wallet.parent().expect("dir")), before);
}

#[test]
fn an_empty_wallet_file_is_refused_whatever_the_passphrase() {
    let t = tmp();
    drop(new_wallet(&t, "p"));
    fs::write(&t.wallet, b"").expect("truncate");
    let err = Wallet::open(&t.wallet, Unlock::Passphrase(pass("anything"))).expect_err("empty");
    assert!(matches!(err, StoreError::EmptyWallet { .. }), "{err:?}");
    assert_eq!(fs::metadata(&t.wallet).expect("file").len(), 0);
}

#[test]
fn deleting_a_passphrase_wallet_removes_its_files() {
    let t = tmp();
    new_wallet(&t, "p").delete().expect("delete");
    assert!(files_in(t.wallet.parent().expect("dir")).is_empty());
    let err = Wallet::open(&t.wallet, Unlock::Passphrase(pass("p"))).expect_err("gone");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

#[test]
fn the_desktop_key_derivation_parameters_create_and_open_a_wallet() {
    assert_eq!(KdfParams::DESKTOP, KdfParams { m_cost_kib: 65536, t_cost: 3, p_cost: 1 });
    let t = tmp();
    drop(Wallet::create(&t.wallet, Protection::Passphrase(pass("p")), KdfParams::DESKTOP).expect("create"));
    let sc: serde_json::Value =
        serde_json::from_slice(&fs::read(sidecar_path(&t.wallet)).expect("sidecar")).expect("json");
    assert_eq!(sc["kdf"]["m_cost_kib"], 65536);
    assert_eq!(sc["kdf"]["t_cost"], 3);
    Wallet::open(&t.wallet, Unlock::Passphrase(pass("p"))).expect("open");
}

/// Opens a backup by its documented layout, independently of the store.
fn unseal(file: &[u8], passphrase: &str) -> (Vec<u8>, serde_json::Value) {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    assert_eq!(&file[..8], b"STAPELBK");
    let be = |i: usize| u32::from_be_bytes(file[i..i + 4].try_into().expect("4 bytes"));
    let salt_len = usize::from(file[23]);
    let header_len = 24 + salt_len + 24;
    let params = argon2::Params::new(be(11), be(15), be(19), Some(32)).expect("params");
    let mut key = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), &file[24..24 + salt_len], &mut key)
        .expect("argon2");
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key));
    let plain = cipher
        .decrypt(
            chacha20poly1305::XNonce::from_slice(&file[24 + salt_len..header_len]),
            Payload { msg: &file[header_len..], aad: &file[..header_len] },
        )
        .expect("the documented layout decrypts");
    (file[..header_len].to_vec(), serde_json::from_slice(&plain).expect("json content"))
}

/// Seals changed content under the same header, as a backup writer following the layout would.
fn reseal(header: &[u8], content: &serde_json::Value, passphrase: &str) -> Vec<u8> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let be = |i: usize| u32::from_be_bytes(header[i..i + 4].try_into().expect("4 bytes"));
    let salt_len = usize::from(header[23]);
    let params = argon2::Params::new(be(11), be(15), be(19), Some(32)).expect("params");
    let mut key = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), &header[24..24 + salt_len], &mut key)
        .expect("argon2");
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key));
    let msg = serde_json::to_vec(content).expect("json");
    let sealed = cipher
        .encrypt(chacha20poly1305::XNonce::from_slice(&header[24 + salt_len..]), Payload { msg: &msg, aad: header })
        .expect("encrypt");
    [header.to_vec(), sealed].concat()
}

#[test]
fn the_backup_file_follows_its_documented_layout() {
    let t = tmp();
    let w = sample_wallet(&t);
    let out = t.wallet.with_file_name("b.stapel");
    w.backup(&out, &pass("b"), CHEAP, &mut |_, _| {}).expect("backup");
    let file = fs::read(&out).expect("read");
    assert_eq!(&file[8..11], &[0, 1, 1], "format version 1, Argon2id");
    let (_, content) = unseal(&file, "b");
    assert_eq!(content["format"], "stapel-backup-content");
    let names: Vec<&str> =
        content["tables"].as_array().expect("tables").iter().map(|t| t["name"].as_str().expect("a name")).collect();
    assert_eq!(
        names,
        [
            "claim_notices",
            "credentials",
            "fetched_documents",
            "holder",
            "holder_keys",
            "identities",
            "originals",
            "pathways",
            "pending_claims",
            "skills",
            "tags",
            "verifications"
        ],
        "every table but the derived search index, in name order"
    );
}

#[test]
fn a_restore_that_fails_half_way_changes_nothing_and_leaves_no_new_wallet() {
    let t = tmp();
    let src = sample_wallet(&t);
    let out = t.wallet.with_file_name("b.stapel");
    src.backup(&out, &pass("b"), CHEAP, &mut |_, _| {}).expect("backup");
    let (header, mut content) = unseal(&fs::read(&out).expect("read"), "b");

    // The last credential row (in id order) gets a wrong id for its key: the staging database
    // accepts it, but a wallet that already holds that key refuses it, after the credentials
    // before it in the same restore went in.
    let tables = content["tables"].as_array_mut().expect("tables");
    let creds = tables.iter_mut().find(|t| t["name"] == "credentials").expect("credentials");
    let id_at = creds["columns"].as_array().expect("cols").iter().position(|c| c == "id").expect("id");
    let key_at = creds["columns"].as_array().expect("cols").iter().position(|c| c == "key").expect("key");
    let rows = creds["rows"].as_array_mut().expect("rows");
    let last = rows.last_mut().expect("a row");
    let key = last[key_at]["text"].as_str().expect("a key").to_string();
    let bad_id = "f".repeat(64);
    let real_id = last[id_at]["text"].as_str().expect("an id").to_string();
    last[id_at] = serde_json::json!({ "text": bad_id });
    for t in tables.iter_mut().filter(|t| t["name"] != "credentials") {
        let Some(at) = t["columns"].as_array().expect("cols").iter().position(|c| c == "credential_id") else {
            continue;
        };
        for row in t["rows"].as_array_mut().expect("rows") {
            if row[at]["text"] == real_id.as_str() {
                row[at] = serde_json::json!({ "text": bad_id });
            }
        }
    }
    fs::write(&out, reseal(&header, &content, "b")).expect("write");
    let backup = Backup::read(&out, &pass("b")).expect("authentic, if wrong inside");

    let other = tmp();
    let mut target = new_wallet(&other, "p");
    let holder = ["urn:a", "urn:b", "urn:c", "urn:d"].into_iter().find(|k| *k == key).expect("one of the sample keys");
    target.insert(&cred(holder, "Already here", "Hanze", None), now()).expect("insert");
    let before = target.dump().expect("dump");
    let err = target.restore(&backup, &mut |_, _| {}).expect_err("the key is taken");
    assert!(matches!(err, StoreError::Database { .. }), "{err:?}");
    assert_eq!(target.dump().expect("dump"), before);
    target.integrity_check().expect("integrity");

    // Into a new wallet: the same content without the holder restores fine, so break it
    // instead with a child whose parent is missing; nothing is left behind.
    let tables = content["tables"].as_array_mut().expect("tables");
    let creds = tables.iter_mut().find(|t| t["name"] == "credentials").expect("credentials");
    let parent_at =
        creds["columns"].as_array().expect("cols").iter().position(|c| c == "parent_id").expect("parent_id");
    creds["rows"].as_array_mut().expect("rows")[0][parent_at] = serde_json::json!({ "text": "e".repeat(64) });
    fs::write(&out, reseal(&header, &content, "b")).expect("write");
    let backup = Backup::read(&out, &pass("b")).expect("authentic");
    let fresh = other.wallet.with_file_name("fresh.db");
    let err = Wallet::restore_new(&fresh, Protection::Passphrase(pass("n")), CHEAP, &backup, &mut |_, _| {})
        .expect_err("a broken link");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(!fresh.exists() && !sidecar_path(&fresh).exists());
}

// ---- What the wallet keeps around its credentials (migration 0004) ----

fn report(result: stapel_core::verify::Verdict) -> stapel_core::verify::Report {
    use stapel_core::verify::{Check, CheckId, Report};
    let checks = match result {
        stapel_core::verify::Verdict::Verified => vec![Check::passed(CheckId::Proof, "the signature is correct")],
        stapel_core::verify::Verdict::Invalid => vec![Check::failed(CheckId::Status, "revoked by its issuer")],
        stapel_core::verify::Verdict::Unverifiable => vec![Check::unverifiable(CheckId::Key, "offline")],
    };
    let r = Report::from_checks(checks);
    assert_eq!(r.result, result);
    r
}

#[test]
fn the_latest_verification_of_a_credential_is_kept_and_replaces_the_one_before() {
    use stapel_core::verify::Verdict;
    let t = tmp();
    let mut w = new_wallet(&t, "pw");
    let a = w.insert(&cred("urn:a", "A", "Hanze", None), now()).expect("insert").id;
    assert_eq!(w.verification(&a).expect("read"), None, "never verified yet");

    w.record_verification(&a, &report(Verdict::Unverifiable), now(), true).expect("record");
    w.record_verification(&a[..8], &report(Verdict::Invalid), later(), false).expect("record again");
    let v = w.verification(&a).expect("read").expect("one verification");
    assert_eq!(v.report, report(Verdict::Invalid));
    assert_eq!(v.checked_at, "2026-04-01T12:00:00Z");
    assert!(!v.offline);
    assert_eq!(w.verifications().expect("all").len(), 1);

    let err = w.record_verification("ffff", &report(Verdict::Verified), now(), false).expect_err("unknown id");
    assert!(matches!(err, StoreError::UnknownId(_)), "{err}");

    w.remove(&a).expect("remove");
    assert!(w.verifications().expect("all").is_empty(), "the verification goes with its credential");
}

#[test]
fn identities_are_checked_normalized_and_kept_once() {
    use stapel_core::store::IdentityKind;
    let t = tmp();
    let mut w = new_wallet(&t, "pw");
    assert!(w.add_identity(IdentityKind::Email, " Lotte.Jansen@Student.Hanze.nl ", now()).expect("add"));
    assert!(!w.add_identity(IdentityKind::Email, "lotte.jansen@student.hanze.nl", now()).expect("again"));
    assert!(
        w.add_identity(IdentityKind::Did, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", now())
            .expect("did")
    );
    assert!(w.add_identity(IdentityKind::Url, "https://lotte.example/me", now()).expect("url"));
    for (kind, bad) in [
        (IdentityKind::Email, "lotte.example"),
        (IdentityKind::Did, "key:z6Mk"),
        (IdentityKind::Did, "did:KEY:x"),
        (IdentityKind::Url, "ftp://lotte.example"),
        (IdentityKind::Url, "javascript:alert(1)"),
    ] {
        let err = w.add_identity(kind, bad, now()).expect_err(bad);
        assert!(matches!(err, StoreError::InvalidIdentity(_)), "{bad}: {err}");
    }
    let ids: Vec<(IdentityKind, String)> =
        w.identities().expect("list").into_iter().map(|i| (i.kind, i.value)).collect();
    assert_eq!(
        ids,
        [
            (IdentityKind::Did, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".to_string()),
            (IdentityKind::Email, "lotte.jansen@student.hanze.nl".to_string()),
            (IdentityKind::Url, "https://lotte.example/me".to_string()),
        ]
    );
    assert!(w.remove_identity(IdentityKind::Email, "LOTTE.JANSEN@student.hanze.nl").expect("remove"));
    assert!(!w.remove_identity(IdentityKind::Email, "lotte.jansen@student.hanze.nl").expect("gone"));
    assert_eq!(w.identities().expect("list").len(), 2);
}

#[test]
fn a_pathway_is_kept_verbatim_replaced_by_its_id_and_removed() {
    let t = tmp();
    let mut w = new_wallet(&t, "pw");
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/ad-ict.json");
    let json = fs::read_to_string(file).expect("example pathway");
    let p = stapel_core::stacking::parse_pathway("ad-ict.json", json.as_bytes()).expect("parses");
    assert!(!w.add_pathway(&p, &json, "ad-ict.json", now()).expect("add"));
    assert!(w.add_pathway(&p, &json, "copy/ad-ict.json", later()).expect("replace"));
    let stored = w.pathway(&p.id).expect("stored");
    assert_eq!(stored.json, json, "kept verbatim");
    assert_eq!(stored.pathway, p);
    assert_eq!(stored.source, "copy/ad-ict.json");
    assert_eq!(w.pathways().expect("all").len(), 1);
    w.remove_pathway(&p.id).expect("remove");
    assert!(matches!(w.pathway(&p.id), Err(StoreError::UnknownPathway(_))));
    assert!(matches!(w.remove_pathway(&p.id), Err(StoreError::UnknownPathway(_))));
}

#[test]
fn identities_pathways_verifications_and_fetched_documents_survive_a_backup_and_restore() {
    use stapel_core::store::IdentityKind;
    use stapel_core::verify::Verdict;
    let t = tmp();
    let mut w = new_wallet(&t, "pw");
    let a = w.insert(&cred("urn:a", "A", "Hanze", None), now()).expect("insert").id;
    w.record_verification(&a, &report(Verdict::Verified), now(), false).expect("record");
    w.add_identity(IdentityKind::Email, "lotte@hanze.nl", now()).expect("identity");
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/ad-ict.json");
    let json = fs::read_to_string(file).expect("example pathway");
    let p = stapel_core::stacking::parse_pathway("ad-ict.json", json.as_bytes()).expect("parses");
    w.add_pathway(&p, &json, "ad-ict.json", now()).expect("pathway");
    w.cache_document("https://hanze.example/status/1", Some("application/vc+ld+json"), b"{\"list\":1}", now())
        .expect("cache");
    w.cache_document("https://hanze.example/status/1", None, b"{\"list\":2}", later()).expect("refresh");
    let doc = w.cached_document("https://hanze.example/status/1").expect("read").expect("kept");
    assert_eq!(
        (doc.bytes.as_slice(), doc.media_type, doc.fetched_at.as_str()),
        (&b"{\"list\":2}"[..], None, "2026-04-01T12:00:00Z")
    );

    let out = t.wallet.with_file_name("backup.stapel");
    w.backup(&out, &pass("backup pass"), CHEAP, &mut |_, _| {}).expect("backup");
    let b = Backup::read(&out, &pass("backup pass")).expect("read");
    let target = t.wallet.with_file_name("restored.db");
    let (r, _) =
        Wallet::restore_new(&target, Protection::Passphrase(pass("new")), CHEAP, &b, &mut |_, _| {}).expect("restore");
    assert_eq!(r.dump().expect("dump"), w.dump().expect("dump"));
    assert_eq!(r.verification(&a).expect("read").map(|v| v.report.result), Some(Verdict::Verified));
    assert_eq!(r.identities().expect("ids").len(), 1);
    assert_eq!(r.pathway(&p.id).expect("pathway").json, json);
}

#[test]
fn a_common_skill_pages_through_the_same_credentials_in_the_same_order_as_a_rare_one_would() {
    // One credential carries the skill 600 times, so the skill has more rows than the store's
    // "common" threshold and pages are read by walking the list; the whole list (no limit) is
    // read from the skills indexes. Both must give the same credentials in the same order.
    let t = tmp();
    let mut w = new_wallet(&t, "pw");
    let mut heavy = cred("urn:heavy", "Heavy", "Hanze", Some("2024-01-01"));
    heavy.credential.skills = (0..600).map(|_| skill("ESCO", "S1.2", "program software")).collect();
    w.insert(&heavy, now()).expect("insert");
    for i in 0..30 {
        let mut c =
            cred(&format!("urn:c{i}"), &format!("Course {i:02}"), "Hanze", Some(&format!("2025-01-{:02}", i % 28 + 1)));
        if i % 3 != 0 {
            c.credential.skills = vec![skill("ESCO", "S1.2", "Program Software")];
        }
        w.insert(&c, now()).expect("insert");
    }
    for (skill_query, sort) in [("program software", Sort::Date), ("S1.2", Sort::Title)] {
        let all = titles(&w, ListQuery { skill: Some(skill_query.into()), sort, ..Default::default() });
        assert_eq!(all.len(), 21, "20 courses and the heavy one");
        let mut paged = Vec::new();
        for page in 0..6 {
            paged.extend(titles(
                &w,
                ListQuery {
                    skill: Some(skill_query.into()),
                    sort,
                    limit: Some(4),
                    offset: page * 4,
                    ..Default::default()
                },
            ));
        }
        assert_eq!(paged, all, "{skill_query}");
    }
}
