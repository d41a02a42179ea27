//! Presentations (issue 7): the holder key in the wallet, signing against the W3C test vectors,
//! round trips through JSON and QR codes with real Open Badges 3.0 credentials from
//! `../shared/vectors`, and each way a presentation can be wrong.

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};
use stapel_core::net::Offline;
use stapel_core::present::{
    self, Cryptosuite, Entry, Expectations, HolderKey, PresentOptions, PresentationCheckId, PresentationReport, qr,
};
use stapel_core::store::{Backup, KdfParams, Protection, Secret, Unlock, Wallet};
use stapel_core::verify::{CheckId, Outcome, Verdict, VerifyContext, verify_json, verify_jwt};
use stapel_core::wallet::import::{Input, import_one};
use stapel_core::wallet::present::{entry_for, present};

const CHEAP: KdfParams = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };

fn pass(s: &str) -> Secret {
    Secret::new(s.to_string())
}

fn vectors() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors"))
}

fn json_at(rel: &str) -> Value {
    let path = vectors().join(rel);
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// "Now" as the vectors' expectations assume it (SOURCES.md: about 2026-11-22).
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).single().unwrap()
}

const DCC: &str = "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/dataIntegrityProof/didKey";
const SPEC: &str = "1-ob3/1edtech-openbadges-specification/rendered-spec-gh-pages-9535509";
/// A typical Open Badges 3.0 badge: the DCC "basic OBv3" fixture (eddsa-rdfc-2022, did:key).
const TYPICAL: &str = "legacyRegistry-noStatus-noExpiry-basicOBv3.json";

struct Tmp {
    dir: tempfile::TempDir,
    wallet: PathBuf,
}

fn new_wallet() -> (Tmp, Wallet) {
    let dir = tempfile::tempdir().unwrap();
    let wallet = dir.path().join("wallet.db");
    let w = Wallet::create(&wallet, Protection::Passphrase(pass("p")), CHEAP).unwrap();
    (Tmp { dir, wallet }, w)
}

fn import(w: &mut Wallet, rel: &str) -> String {
    let input = Input::File(vectors().join(rel));
    import_one(w, &input, &Offline, now()).unwrap_or_else(|e| panic!("{rel}: {e}")).id
}

fn options(challenge: Option<&str>, domain: Option<&str>) -> PresentOptions {
    PresentOptions {
        challenge: challenge.map(str::to_string),
        domain: domain.map(str::to_string),
        now: now(),
        suite: Cryptosuite::EddsaJcs2022,
    }
}

fn check(vp: &Value, challenge: Option<&str>, domain: Option<&str>) -> PresentationReport {
    let ctx = VerifyContext { now: now(), fetcher: &Offline, identities: &[] };
    present::verify_presentation(
        vp,
        &ctx,
        &Expectations { challenge: challenge.map(str::to_string), domain: domain.map(str::to_string) },
    )
}

fn outcome(r: &PresentationReport, id: PresentationCheckId) -> (Outcome, String) {
    let c = r.checks.iter().find(|c| c.id == id).unwrap();
    (c.outcome, c.message.clone())
}

// ---- The holder key ----

#[test]
fn the_holder_did_is_an_ed25519_did_key_and_stays_the_same_across_lock_and_unlock() {
    let (t, w) = new_wallet();
    let did = w.holder_did().unwrap();
    assert!(did.starts_with("did:key:z6Mk"), "{did}");
    // The did:key resolves (through the verifier's own did module) to the wallet's key.
    let resolved = stapel_core::verify::did::resolve(&did, &Offline).unwrap();
    assert_eq!(resolved.key, stapel_core::verify::did::PublicKey::Ed25519(w.holder_key().unwrap().verifying_key()));
    drop(w);
    let again = Wallet::open(&t.wallet, Unlock::Passphrase(pass("p"))).unwrap();
    assert_eq!(again.holder_did().unwrap(), did);
    let (_, other) = new_wallet();
    assert_ne!(other.holder_did().unwrap(), did, "each wallet has its own key");
}

#[test]
fn a_wallet_made_before_the_holder_key_existed_gets_one_on_its_first_open_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let old = Wallet::create_at_schema_version(&path, Protection::Passphrase(pass("p")), CHEAP, 4).unwrap();
    assert!(old.holder_did().is_err(), "a version 4 wallet has no holder key yet");
    drop(old);
    let first = Wallet::open(&path, Unlock::Passphrase(pass("p"))).unwrap();
    let did = first.holder_did().unwrap();
    drop(first);
    let second = Wallet::open(&path, Unlock::Passphrase(pass("p"))).unwrap();
    assert_eq!(second.holder_did().unwrap(), did);
}

#[test]
fn a_restore_into_a_new_wallet_keeps_the_backups_holder_did_and_a_merge_keeps_the_wallets_own() {
    let (t, w) = new_wallet();
    let did = w.holder_did().unwrap();
    let p256 = w.claim_keys().unwrap().p256.did();
    let out = t.dir.path().join("backup.stapel");
    w.backup(&out, &pass("b"), CHEAP, &mut |_, _| {}).unwrap();
    let backup = Backup::read(&out, &pass("b")).unwrap();

    // A new machine: the learner's DID moves with the backup.
    let moved = t.dir.path().join("new-machine.db");
    let (restored, _) =
        Wallet::restore_new(&moved, Protection::Passphrase(pass("n")), CHEAP, &backup, &mut |_, _| {}).unwrap();
    assert_eq!(restored.holder_did().unwrap(), did);
    assert_eq!(restored.claim_keys().unwrap().p256.did(), p256, "the P-256 key moves too");
    drop(restored);
    let reopened = Wallet::open(&moved, Unlock::Passphrase(pass("n"))).unwrap();
    assert_eq!(reopened.holder_did().unwrap(), did);
    assert_eq!(reopened.claim_keys().unwrap().p256.did(), p256);

    // A merge into another wallet keeps that wallet's own key.
    let (_, mut other) = new_wallet();
    let own = other.holder_did().unwrap();
    let own_p256 = other.claim_keys().unwrap().p256.did();
    other.restore(&backup, &mut |_, _| {}).unwrap();
    assert_eq!(other.holder_did().unwrap(), own);
    assert_eq!(other.claim_keys().unwrap().p256.did(), own_p256);
    assert_ne!(own, did);
}

#[test]
fn the_holder_secret_never_shows_in_the_wallet_dump_or_debug_output() {
    let (_t, w) = new_wallet();
    let dump = w.dump().unwrap();
    assert!(dump.contains("\"holder\""), "the holder table is listed");
    assert!(dump.contains("(secret)"), "its secret is masked");
    let dumped: Value = serde_json::from_str(&dump).unwrap();
    let holder_keys = dumped["tables"].as_array().unwrap().iter().find(|t| t["name"] == "holder_keys").unwrap();
    assert_eq!(holder_keys["rows"][0][1], json!({"text": "(secret)"}), "the P-256 key is masked too: {holder_keys}");
    let key = w.holder_key().unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains("did:key:") && !debug.contains("signing"), "{debug}");
}

// ---- Signing, against the W3C vectors ----

/// The W3C vectors' key pair (`keyPair.json`): multibase multicodec `ed25519-priv`.
fn w3c_key() -> HolderKey {
    let pair = json_at("2-w3c-di-eddsa/w3c-vc-di-eddsa/TestVectors/keyPair.json");
    let (_, bytes) = multibase::decode(pair["privateKeyMultibase"].as_str().unwrap()).unwrap();
    assert_eq!(&bytes[..2], &[0x80, 0x26], "multicodec ed25519-priv");
    let key = HolderKey::from_secret_bytes(&bytes[2..].try_into().unwrap());
    assert_eq!(key.did(), format!("did:key:{}", pair["publicKeyMultibase"].as_str().unwrap()));
    key
}

#[test]
fn signing_reproduces_the_w3c_eddsa_jcs_2022_and_eddsa_rdfc_2022_test_vectors_exactly() {
    let key = w3c_key();
    let unsigned = json_at("2-w3c-di-eddsa/w3c-vc-di-eddsa/TestVectors/unsigned.json");
    for (suite, signed) in [
        (Cryptosuite::EddsaJcs2022, "eddsa-jcs-2022/signedJCS.json"),
        (Cryptosuite::EddsaRdfc2022, "eddsa-rdfc-2022/signedDataInt.json"),
    ] {
        let expected = json_at(&format!("2-w3c-di-eddsa/w3c-vc-di-eddsa/TestVectors/{signed}"));
        let mut opts = Map::new();
        opts.insert("created".into(), expected["proof"]["created"].clone());
        opts.insert("proofPurpose".into(), json!("assertionMethod"));
        let ours = present::sign_data_integrity(&unsigned, &key, suite, opts).unwrap();
        assert_eq!(ours["proof"]["proofValue"], expected["proof"]["proofValue"], "{}", suite.name());
        assert_eq!(ours["proof"]["verificationMethod"], expected["proof"]["verificationMethod"]);
        // And the verification engine accepts what was signed.
        let r = verify_json(&ours, &VerifyContext { now: now(), fetcher: &Offline, identities: &[] });
        assert_eq!(r.outcome(stapel_core::verify::CheckId::Proof), Outcome::Passed, "{r:?}");
    }
}

// ---- Round trips with real credentials ----

#[test]
fn a_presentation_of_real_open_badges_round_trips_through_json_and_each_credential_is_judged_as_alone() {
    let (_t, mut w) = new_wallet();
    let ids = vec![
        import(&mut w, &format!("{DCC}/{TYPICAL}")),
        import(&mut w, &format!("{SPEC}/example-35-sample-openbadgecredential.signed.json")),
        import(&mut w, &format!("{SPEC}/example-38-achievement-alignment-case.jwt")),
    ];
    let vp = present(&w, &ids, &options(Some("n-0S6_WzA2Mj"), Some("employer.example"))).unwrap();
    assert_eq!(vp["holder"], json!(w.holder_did().unwrap()));
    assert_eq!(vp["proof"]["cryptosuite"], "eddsa-jcs-2022");
    assert_eq!(vp["proof"]["proofPurpose"], "authentication");
    assert_eq!(vp["proof"]["created"], "2026-11-22T12:00:00Z");
    // The JSON-LD credentials are embedded exactly as issued; the JWT is enveloped unchanged.
    assert_eq!(vp["verifiableCredential"][0], json_at(&format!("{DCC}/{TYPICAL}")));
    let jwt =
        std::fs::read_to_string(vectors().join(format!("{SPEC}/example-38-achievement-alignment-case.jwt"))).unwrap();
    assert_eq!(vp["verifiableCredential"][2]["type"], "EnvelopedVerifiableCredential");
    assert_eq!(vp["verifiableCredential"][2]["id"], json!(format!("data:application/vc+jwt,{}", jwt.trim())));

    // Through a file, as the employer receives it.
    let text = serde_json::to_string_pretty(&vp).unwrap();
    let back: Value = serde_json::from_str(&text).unwrap();
    let r = check(&back, Some("n-0S6_WzA2Mj"), Some("employer.example"));
    for id in [
        PresentationCheckId::Format,
        PresentationCheckId::Proof,
        PresentationCheckId::Challenge,
        PresentationCheckId::Domain,
    ] {
        assert_eq!(outcome(&r, id).0, Outcome::Passed, "{id:?}: {}", outcome(&r, id).1);
    }
    assert_eq!(r.credentials.len(), 3);
    let ctx = VerifyContext { now: now(), fetcher: &Offline, identities: &[] };
    assert_eq!(r.credentials[0].report, verify_json(&json_at(&format!("{DCC}/{TYPICAL}")), &ctx));
    assert_eq!(r.credentials[0].report.result, Verdict::Verified);
    assert_eq!(r.credentials[2].report, verify_jwt(jwt.trim(), &ctx));
    // The DCC badge is about did:example:…, not the holder: said, not hidden.
    assert_eq!(r.credentials[0].holder.outcome, Outcome::Unverifiable);
    assert!(r.credentials[0].holder.message.contains("did:example:ebfeb1f712ebc6f1c276e12ec21"));
    assert_ne!(r.result, Verdict::Invalid);
}

#[test]
fn a_credential_about_the_holder_passes_the_holder_check() {
    let (_t, w) = new_wallet();
    let key = w.holder_key().unwrap();
    // A credential the holder's own key issued about itself (self-issued), signed for real.
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": key.did(),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": key.did()},
    });
    let mut opts = Map::new();
    opts.insert("proofPurpose".into(), json!("assertionMethod"));
    let vc = present::sign_data_integrity(&unsigned, &key, Cryptosuite::EddsaRdfc2022, opts).unwrap();
    let vp = present::build_presentation(&key, &[Entry::Embedded(vc)], &options(None, None)).unwrap();
    let r = check(&vp, None, None);
    assert_eq!(r.credentials[0].holder.outcome, Outcome::Passed, "{:?}", r.credentials[0].holder);
    assert_eq!(r.credentials[0].report.result, Verdict::Verified, "{:?}", r.credentials[0].report);
    assert_eq!(r.result, Verdict::Verified);
}

// ---- Each way a presentation can be wrong ----

fn typical_presentation(challenge: Option<&str>, domain: Option<&str>) -> (Tmp, Wallet, Value) {
    let (t, mut w) = new_wallet();
    let id = import(&mut w, &format!("{DCC}/{TYPICAL}"));
    let vp = present(&w, &[id], &options(challenge, domain)).unwrap();
    (t, w, vp)
}

#[test]
fn an_altered_presentation_is_invalid_and_the_altered_credential_is_named() {
    let (_t, _w, vp) = typical_presentation(Some("c1"), None);
    let mut altered = vp.clone();
    altered["verifiableCredential"][0]["name"] = json!("A tampered credential");
    let r = check(&altered, Some("c1"), None);
    assert_eq!(r.result, Verdict::Invalid);
    let (o, why) = outcome(&r, PresentationCheckId::Proof);
    assert_eq!(o, Outcome::Failed);
    assert!(why.contains("changed after signing"), "{why}");
    assert_eq!(r.credentials[0].report.result, Verdict::Invalid, "the issuer's signature fails too");

    let mut holder_swapped = vp;
    holder_swapped["proof"]["challenge"] = json!("c2");
    let r = check(&holder_swapped, Some("c2"), None);
    assert_eq!(outcome(&r, PresentationCheckId::Proof).0, Outcome::Failed, "a changed challenge breaks the signature");
}

#[test]
fn a_presentation_replayed_with_another_challenge_or_for_another_domain_is_rejected_with_the_reason() {
    let (_t, _w, vp) = typical_presentation(Some("first-interview"), Some("acme.example"));
    let r = check(&vp, Some("second-interview"), Some("acme.example"));
    assert_eq!(r.result, Verdict::Invalid);
    let (o, why) = outcome(&r, PresentationCheckId::Challenge);
    assert_eq!(o, Outcome::Failed);
    assert!(why.contains("first-interview") && why.contains("replayed"), "{why}");

    let r = check(&vp, Some("first-interview"), Some("evil.example"));
    assert_eq!(r.result, Verdict::Invalid);
    let (o, why) = outcome(&r, PresentationCheckId::Domain);
    assert_eq!(o, Outcome::Failed);
    assert!(why.contains("acme.example") && why.contains("evil.example"), "{why}");

    let (_t, _w, unchallenged) = typical_presentation(None, None);
    let r = check(&unchallenged, Some("first-interview"), None);
    assert_eq!(outcome(&r, PresentationCheckId::Challenge).0, Outcome::Failed);
}

#[test]
fn a_presentation_signed_by_another_key_than_its_holders_is_invalid() {
    let (_t, w, vp) = typical_presentation(None, None);
    let (_t2, thief) = new_wallet();
    // The thief re-signs the learner's presentation, keeping the learner as holder.
    let mut unsigned = vp.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    let mut opts = Map::new();
    opts.insert("proofPurpose".into(), json!("authentication"));
    let forged =
        present::sign_data_integrity(&unsigned, &thief.holder_key().unwrap(), Cryptosuite::EddsaJcs2022, opts).unwrap();
    assert_eq!(forged["holder"], json!(w.holder_did().unwrap()));
    let r = check(&forged, None, None);
    assert_eq!(r.result, Verdict::Invalid);
    let (o, why) = outcome(&r, PresentationCheckId::Proof);
    assert_eq!(o, Outcome::Failed);
    assert!(why.contains("not of its holder"), "{why}");

    // A proof naming the holder's key but made with another one fails on the signature.
    let mut lying = forged;
    lying["proof"]["verificationMethod"] = vp["proof"]["verificationMethod"].clone();
    let (o, why) = outcome(&check(&lying, None, None), PresentationCheckId::Proof);
    assert_eq!(o, Outcome::Failed);
    assert!(why.contains("signature does not match"), "{why}");
}

#[test]
fn a_proof_made_for_assertion_instead_of_authentication_is_refused() {
    let (_t, w, vp) = typical_presentation(None, None);
    let mut unsigned = vp;
    unsigned.as_object_mut().unwrap().remove("proof");
    let mut opts = Map::new();
    opts.insert("proofPurpose".into(), json!("assertionMethod"));
    let wrong =
        present::sign_data_integrity(&unsigned, &w.holder_key().unwrap(), Cryptosuite::EddsaJcs2022, opts).unwrap();
    let (o, why) = outcome(&check(&wrong, None, None), PresentationCheckId::Proof);
    assert_eq!(o, Outcome::Failed);
    assert!(why.contains("authentication"), "{why}");
}

// ---- QR codes ----

#[test]
fn a_typical_open_badge_with_its_proof_fits_one_qr_code_at_level_m_and_reads_back_from_a_png() {
    let (_t, _w, vp) = typical_presentation(Some("n-0S6_WzA2Mj"), None);
    let encoded = qr::encode(&vp).unwrap();
    assert_eq!(encoded.parts.len(), 1, "{encoded:?}");
    assert!(encoded.parts[0].starts_with("SVP1:"));
    assert!(encoded.versions[0] <= 40);
    eprintln!(
        "typical badge: {} bytes JSON, {} compressed, {} characters, version {}",
        encoded.json_bytes,
        encoded.compressed_bytes,
        encoded.parts[0].len(),
        encoded.versions[0]
    );
    let png = qr::png(&encoded.parts[0]).unwrap();
    let texts = qr::read_image(&png).unwrap();
    assert_eq!(texts, encoded.parts);
    let back = qr::decode(&texts).unwrap();
    assert_eq!(back, vp);
    let r = check(&back, Some("n-0S6_WzA2Mj"), None);
    assert_eq!(outcome(&r, PresentationCheckId::Proof).0, Outcome::Passed);
}

#[test]
fn qr_payload_sizes_of_real_badges_are_measured_and_each_single_badge_fits_one_code() {
    let (_t, mut w) = new_wallet();
    let key = w.holder_key().unwrap();
    let mut files: Vec<String> = std::fs::read_dir(vectors().join(DCC))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .map(|n| format!("{DCC}/{n}"))
        .collect();
    files.sort();
    files.push(format!("{SPEC}/example-35-sample-openbadgecredential.signed.json"));
    files.push(
        "1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-ob.signed-credential.json".into(),
    );
    let mut largest = 0;
    for rel in &files {
        let id = import(&mut w, rel);
        let entry = entry_for(&w, &id).unwrap();
        let vp = present::build_presentation(&key, &[entry], &options(Some("n-0S6_WzA2Mj"), None)).unwrap();
        let raw = std::fs::metadata(vectors().join(rel)).unwrap().len();
        let e = qr::encode(&vp).unwrap();
        eprintln!(
            "{rel}: file {raw} B, presentation {} B, deflated {} B, code {} chars, {} code(s), version {:?}",
            e.json_bytes,
            e.compressed_bytes,
            e.parts.iter().map(String::len).sum::<usize>(),
            e.parts.len(),
            e.versions
        );
        assert_eq!(e.parts.len(), 1, "{rel} needs {} codes", e.parts.len());
        largest = largest.max(e.versions[0]);
        assert_eq!(qr::decode(&e.parts).unwrap(), vp);
    }
    eprintln!("largest version for one badge: {largest}");
}

/// A presentation large enough to need several codes: the complete spec example many times.
fn big_presentation() -> Value {
    let (_t, mut w) = new_wallet();
    let mut ids = Vec::new();
    for n in ["36-complete-openbadgecredential", "35-sample-openbadgecredential", "37-sample-endorsementcredential"] {
        ids.push(import(&mut w, &format!("{SPEC}/example-{n}.signed.json")));
    }
    present(&w, &ids, &options(Some("c"), None)).unwrap()
}

#[test]
fn a_large_presentation_is_split_into_numbered_parts_that_read_back_in_any_order() {
    let vp = big_presentation();
    let e = qr::encode(&vp).unwrap();
    assert!(e.parts.len() > 1, "{} bytes compressed", e.compressed_bytes);
    let n = e.parts.len();
    for (i, part) in e.parts.iter().enumerate() {
        assert!(part.starts_with(&format!("SVP1/{}/{n}/", i + 1)), "{}", &part[..20]);
    }
    let mut shuffled = e.parts.clone();
    shuffled.reverse();
    shuffled.rotate_left(1);
    assert_eq!(qr::decode(&shuffled).unwrap(), vp);
    // All parts in one picture, or each in its own: the same presentation.
    let texts: Vec<String> = e.parts.iter().flat_map(|p| qr::read_image(&qr::png(p).unwrap()).unwrap()).rev().collect();
    assert_eq!(qr::decode(&texts).unwrap(), vp);
}

#[test]
fn a_missing_or_foreign_qr_part_is_named_and_nothing_is_guessed() {
    let vp = big_presentation();
    let e = qr::encode(&vp).unwrap();
    let n = e.parts.len();
    let mut missing = e.parts.clone();
    missing.remove(1);
    let err = qr::decode(&missing).unwrap_err().to_string();
    assert!(err.contains(&format!("part 2 of {n}")) && err.contains("missing"), "{err}");

    let (_t, _w, other) = typical_presentation(Some("x"), None);
    let mut mixed = e.parts.clone();
    mixed.push(qr::encode(&other).unwrap().parts[0].clone());
    let err = qr::decode(&mixed).unwrap_err().to_string();
    assert!(err.contains("more than one presentation"), "{err}");

    let mut damaged = e.parts.clone();
    let last = damaged.last_mut().unwrap();
    let flip = if last.ends_with('0') { '1' } else { '0' };
    last.pop();
    last.push(flip);
    let err = qr::decode(&damaged).unwrap_err().to_string();
    assert!(err.contains("damaged"), "{err}");
}

/// A camera's view of a code shown on a screen: the code's PNG scaled to `side` pixels (not a
/// whole number of pixels a module, so edges blur), on a grey, unevenly lit background of a
/// 1280×720 frame, off centre.
fn camera_frame(text: &str, side: u32) -> (u32, u32, Vec<u8>) {
    let code = image::load_from_memory(&qr::png(text).unwrap()).unwrap().to_luma8();
    let code = image::imageops::resize(&code, side, side, image::imageops::FilterType::Triangle);
    let (w, h) = (1280u32, 720u32);
    let mut frame = image::GrayImage::from_fn(w, h, |x, y| image::Luma([(90 + x * 60 / w + y * 30 / h) as u8]));
    image::imageops::overlay(&mut frame, &code, i64::from(w - side) / 2 + 70, i64::from(h - side) / 2 - 20);
    (w, h, frame.into_raw())
}

#[test]
fn a_camera_frame_of_a_code_on_a_screen_reads_back_to_the_code_and_a_frame_without_one_reads_nothing() {
    let vp = big_presentation();
    let e = qr::encode(&vp).unwrap();
    for part in &e.parts {
        let (w, h, pixels) = camera_frame(part, 560);
        assert_eq!(qr::read_frame(w, h, pixels).unwrap(), vec![part.clone()]);
    }
    let empty = vec![128u8; 640 * 480];
    assert_eq!(qr::read_frame(640, 480, empty).unwrap(), Vec::<String>::new());

    let wrong = qr::read_frame(640, 480, vec![0; 640 * 479]).unwrap_err().to_string();
    assert!(wrong.contains("640×480") && wrong.contains("306560 values"), "{wrong}");
    let wrong = qr::read_frame(640, 480, vec![0; 640 * 480 + 1]).unwrap_err().to_string();
    assert!(wrong.contains("307201 values"), "{wrong}");
    let huge = qr::read_frame(5000, 1, vec![0; 5000]).unwrap_err().to_string();
    assert!(huge.contains("5000×1") && huge.contains("4096"), "{huge}");
    assert!(qr::read_frame(0, 10, Vec::new()).is_err());
}

#[test]
fn a_camera_scan_counts_the_parts_read_in_any_order_ignores_other_codes_and_completes_once() {
    let vp = big_presentation();
    let e = qr::encode(&vp).unwrap();
    let n = e.parts.len();
    assert!(n >= 2);
    let nothing = qr::scan(&[]).unwrap();
    assert_eq!((nothing.count, nothing.read.len(), nothing.complete()), (0, 0, false));

    // The camera sees a poster's code, then the last part twice, then the rest backwards.
    let mut seen = vec!["https://example.org/open-day".to_string()];
    seen.push(e.parts[n - 1].clone());
    let first = qr::scan(&seen).unwrap();
    assert_eq!((first.count, first.read.clone(), first.foreign, first.complete()), (n, vec![n], 1, false));
    seen.push(format!("  {}  ", e.parts[n - 1]));
    assert_eq!(qr::scan(&seen).unwrap(), first, "a part read again changes nothing");
    for part in e.parts[..n - 1].iter().rev() {
        assert!(!qr::scan(&seen).unwrap().complete());
        seen.push(part.clone());
    }
    let done = qr::scan(&seen).unwrap();
    assert!(done.complete());
    assert_eq!(done.read, (1..=n).collect::<Vec<_>>());
    assert_eq!(done.codes.len(), n, "each part once, the poster left out");
    assert_eq!(qr::decode(&done.codes).unwrap(), vp);

    let (_t, _w, other) = typical_presentation(Some("x"), None);
    let single = qr::encode(&other).unwrap().parts;
    let whole = qr::scan(&single).unwrap();
    assert_eq!((whole.count, whole.read.clone(), whole.complete()), (1, vec![1], true));

    let mut mixed = vec![e.parts[0].clone()];
    mixed.extend(single.iter().cloned());
    let err = qr::scan(&mixed).unwrap_err().to_string();
    assert!(err.contains("more than one presentation"), "{err}");
    let newer = qr::scan(&["SVP2:ABC".to_string()]).unwrap_err().to_string();
    assert!(newer.contains("another format version (SVP2)"), "{newer}");
}

/// The measurements behind decisions 0060 and 0061, printed with `--nocapture`: code versions of
/// the payload choices, and the time to sign and check a presentation with each cryptosuite.
#[test]
fn deflate_and_base45_make_a_smaller_code_than_plain_or_base64_json_and_jcs_is_the_quicker_suite() {
    use base64::Engine as _;
    let (_t, mut w) = new_wallet();
    let key = w.holder_key().unwrap();
    let id = import(&mut w, &format!("{DCC}/{TYPICAL}"));
    let entry = entry_for(&w, &id).unwrap();
    let vp =
        present::build_presentation(&key, std::slice::from_ref(&entry), &options(Some("n-0S6_WzA2Mj"), None)).unwrap();
    let json = serde_json::to_vec(&vp).unwrap();
    let e = qr::encode(&vp).unwrap();
    let byte_mode = |bytes: &[u8]| {
        qrcode::QrCode::with_error_correction_level(bytes, qrcode::EcLevel::M)
            .ok()
            .map(|c| format!("{:?}", c.version()))
    };
    let mut deflated = Vec::new();
    {
        use std::io::Write as _;
        let mut enc = flate2::write::DeflateEncoder::new(&mut deflated, flate2::Compression::best());
        enc.write_all(&json).unwrap();
        enc.finish().unwrap();
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&deflated);
    eprintln!("plain JSON {} B: {:?}", json.len(), byte_mode(&json));
    eprintln!("deflate + base64url {} chars (byte mode): {:?}", b64.len(), byte_mode(b64.as_bytes()));
    eprintln!("deflate raw binary {} B (byte mode): {:?}", deflated.len(), byte_mode(&deflated));
    eprintln!("deflate + Base45 {} chars (alphanumeric): version {:?}", e.parts[0].len(), e.versions);
    let v =
        |s: Option<String>| s.and_then(|s| s.trim_start_matches("Normal(").trim_end_matches(')').parse::<i16>().ok());
    assert!(v(byte_mode(&json)).is_none_or(|plain| plain > e.versions[0]));
    assert!(v(byte_mode(b64.as_bytes())).is_some_and(|b| b > e.versions[0]));

    for suite in [Cryptosuite::EddsaJcs2022, Cryptosuite::EddsaRdfc2022] {
        let start = std::time::Instant::now();
        let mut opts = options(Some("c"), None);
        opts.suite = suite;
        let signed = present::build_presentation(&key, std::slice::from_ref(&entry), &opts).unwrap();
        let signing = start.elapsed();
        let start = std::time::Instant::now();
        let r = check(&signed, Some("c"), None);
        let checking = start.elapsed();
        assert_eq!(outcome(&r, PresentationCheckId::Proof).0, Outcome::Passed, "{}", suite.name());
        eprintln!("{}: sign {signing:?}, check (holder proof and the badge) {checking:?}", suite.name());
    }
}

/// The worked example of docs/qr.md: a fixed key, a small credential the holder issued about
/// itself, a fixed time and challenge. The payload printed in the document must be exactly what
/// the code makes (Ed25519, JCS and DEFLATE are deterministic), and must read back.
fn worked_example() -> (Value, qr::Encoded) {
    use sha2::Digest as _;
    let secret: [u8; 32] = sha2::Sha256::digest(b"stapel docs/qr.md worked example").into();
    let key = HolderKey::from_secret_bytes(&secret);
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": key.did(),
        "validFrom": "2026-11-01T00:00:00Z",
        "name": "Worked example",
        "credentialSubject": {"id": key.did()},
    });
    let mut opts = Map::new();
    opts.insert("created".into(), json!("2026-11-01T00:00:00Z"));
    opts.insert("proofPurpose".into(), json!("assertionMethod"));
    let vc = present::sign_data_integrity(&unsigned, &key, Cryptosuite::EddsaJcs2022, opts).unwrap();
    let vp = present::build_presentation(&key, &[Entry::Embedded(vc)], &options(Some("n-0S6_WzA2Mj"), None)).unwrap();
    let encoded = qr::encode(&vp).unwrap();
    (vp, encoded)
}

#[test]
fn the_worked_example_in_docs_qr_md_is_what_the_code_makes_and_it_verifies() {
    let (vp, encoded) = worked_example();
    if std::env::var_os("STAPEL_PRINT_QR_EXAMPLE").is_some() {
        println!("{}\n{}\n{encoded:?}", serde_json::to_string_pretty(&vp).unwrap(), encoded.parts[0]);
    }
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/qr.md")).unwrap();
    let payload = doc.split("<!-- payload -->").nth(1).and_then(|s| s.split("```").nth(1)).unwrap().trim();
    // The printed payload decodes to exactly the presentation the code makes. Its bytes need
    // not equal a fresh encoding: DEFLATE output depends on the compressor build (flate2's
    // backend is chosen by feature unification), while every valid stream decodes the same.
    assert!(payload.starts_with("SVP1:") && encoded.parts[0].starts_with("SVP1:"));
    let back = qr::decode(&[payload.to_string()]).unwrap();
    assert_eq!(back, vp);
    let r = check(&back, Some("n-0S6_WzA2Mj"), None);
    assert_eq!(r.result, Verdict::Verified, "{r:?}");
}

#[test]
fn open_badges_2_assertions_travel_as_their_hosted_url_or_signed_jws_and_are_judged_as_alone() {
    let ob2 = vectors().join("4-ob2/1edtech-openbadges-validator-core/tests/testfiles/test_components");
    let map = std::collections::HashMap::from([
        ("https://example.org/beths-robotics-badge.json".to_string(), ob2.join("2_0_basic_assertion.json")),
        ("https://example.org/robotics-badge.json".to_string(), ob2.join("2_0_basic_badgeclass.json")),
        ("https://example.org/organization.json".to_string(), ob2.join("2_0_basic_issuer.json")),
    ]);
    let fetcher = stapel_core::net::MapFetcher::new(map, None);
    let jws_path =
        vectors().join("4-ob2/1edtech-openbadges-specification/ob_v2p0/extracted/examples-SignedBadge-1.jws");
    let jws = std::fs::read_to_string(&jws_path).unwrap().trim().to_string();
    let (_t, w) = new_wallet();
    let key = w.holder_key().unwrap();
    let entries =
        [Entry::Ob2Hosted("https://example.org/beths-robotics-badge.json".into()), Entry::Ob2Signed(jws.clone())];
    let vp = present::build_presentation(&key, &entries, &options(Some("c"), None)).unwrap();
    assert_eq!(vp["verifiableCredential"][0], "https://example.org/beths-robotics-badge.json");
    assert_eq!(vp["verifiableCredential"][1], json!(format!("data:application/jose,{jws}")));

    let ctx = VerifyContext { now: now(), fetcher: &fetcher, identities: &[] };
    let r = present::verify_presentation(&vp, &ctx, &Expectations { challenge: Some("c".into()), domain: None });
    assert_eq!(outcome(&r, PresentationCheckId::Proof).0, Outcome::Passed);
    let hosted = &r.credentials[0];
    assert_eq!(hosted.kind, present::EntryKind::Ob2Hosted);
    assert_eq!(
        hosted.report,
        verify_json(
            &json_at(
                "4-ob2/1edtech-openbadges-validator-core/tests/testfiles/test_components/2_0_basic_assertion.json"
            ),
            &ctx
        )
    );
    assert_eq!(hosted.name.as_deref(), None, "an OB2 assertion's name is in its badge class");
    assert_eq!(hosted.holder.outcome, Outcome::Skipped);
    let signed = &r.credentials[1];
    assert_eq!(signed.kind, present::EntryKind::Ob2Signed);
    // Judged as the signed badge file alone is: the whole JWS (its bare claims carry no signature).
    assert_eq!(signed.report, verify_jwt(&jws, &ctx));

    // Offline, the hosted badge cannot be read: unverifiable, never verified or invalid.
    let offline = check(&vp, Some("c"), None);
    assert_eq!(offline.credentials[0].report.result, Verdict::Unverifiable, "{:?}", offline.credentials[0].report);
}

#[test]
fn a_credential_that_arrived_both_as_json_and_as_a_jwt_is_presented_in_the_form_it_was_first_stored_in() {
    let json_file = format!("{SPEC}/example-38-achievement-alignment-case.signed.json");
    let jwt_file = format!("{SPEC}/example-38-achievement-alignment-case.jwt");
    let (_t, mut w) = new_wallet();
    let id = import(&mut w, &json_file);
    assert_eq!(import(&mut w, &jwt_file), id, "one credential, two originals");
    assert_eq!(entry_for(&w, &id).unwrap(), Entry::Embedded(json_at(&json_file)));

    let (_t, mut w) = new_wallet();
    let id = import(&mut w, &jwt_file);
    assert_eq!(import(&mut w, &json_file), id);
    let jwt = std::fs::read_to_string(vectors().join(&jwt_file)).unwrap();
    assert_eq!(entry_for(&w, &id).unwrap(), Entry::Enveloped(jwt.trim().to_string()));
}

#[test]
fn the_same_qr_code_read_twice_counts_once() {
    let (_t, _w, vp) = typical_presentation(None, None);
    let text = qr::encode(&vp).unwrap().parts.remove(0);
    assert_eq!(qr::decode(&[text.clone(), text]).unwrap(), vp);
}

// ---- Every format the wallet stores, through present and verify-presentation ----

/// Serves JSON documents held in memory; every other URL is offline.
#[derive(Default, Clone)]
struct Docs(std::collections::HashMap<String, Vec<u8>>);

impl Docs {
    fn with(mut self, url: &str, doc: &Value) -> Self {
        self.0.insert(url.to_string(), doc.to_string().into_bytes());
        self
    }
}

impl stapel_core::net::Fetcher for Docs {
    fn fetch(&self, url: &str) -> Result<stapel_core::net::Fetched, stapel_core::net::FetchError> {
        match self.0.get(url) {
            Some(body) => Ok(stapel_core::net::Fetched {
                url: url.into(),
                final_url: url.into(),
                content_type: Some("application/json".into()),
                body: body.clone(),
            }),
            None => Err(stapel_core::net::FetchError::Offline { url: url.into() }),
        }
    }
}

const OB2_SPEC: &str = "4-ob2/1edtech-openbadges-specification/ob_v2p0/extracted";
const OB2_CORE: &str = "4-ob2/1edtech-openbadges-validator-core/tests/testfiles/test_components";
const HOSTED_URL: &str = "https://example.org/beths-robotics-badge.json";

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An RSA key made for the tests: no published signed Open Badges 2.0 badge has a usable key.
fn rsa_key() -> &'static rsa::RsaPrivateKey {
    static KEY: std::sync::OnceLock<rsa::RsaPrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("an RSA key"))
}

/// The issuer's world of the Open Badges 2.0 specification and the 1EdTech validator: the
/// profile (listing its key and revocation list), the validator's badge class and hosted
/// assertion, the key (holding the test key's PEM) and the revocation list.
fn ob2_world() -> Docs {
    use rsa::pkcs8::EncodePublicKey as _;
    let pem = rsa_key().to_public_key().to_public_key_pem(rsa::pkcs8::LineEnding::LF).expect("a PEM");
    let mut key = json_at(&format!("{OB2_SPEC}/examples-CryptographicKey-1.json"));
    key["publicKeyPem"] = json!(pem);
    let mut list = json_at(&format!("{OB2_SPEC}/examples-RevocationList-1.json"));
    list["issuer"] = json!("https://example.org/organization.json");
    Docs::default()
        .with("https://example.org/organization.json", &json_at(&format!("{OB2_SPEC}/examples-Profile-1.json")))
        .with("https://example.org/robotics-badge.json", &json_at(&format!("{OB2_CORE}/2_0_basic_badgeclass.json")))
        .with("https://example.org/publicKey.json", &key)
        .with("https://example.org/revocationList.json", &list)
        .with(HOSTED_URL, &json_at(&format!("{OB2_CORE}/2_0_basic_assertion.json")))
}

/// The specification's signed-badge assertion as a compact JWS, RS256 with the test key.
fn ob2_signed_jws(claims: &Value) -> String {
    use rsa::signature::{SignatureEncoding as _, Signer as _};
    let input = format!("{}.{}", b64(br#"{"alg":"RS256"}"#), b64(claims.to_string().as_bytes()));
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(rsa_key().clone());
    format!("{input}.{}", b64(&signer.sign(input.as_bytes()).to_bytes()))
}

/// A VC-JWT in the VCDM 1.1 shape (`vc` claim), EdDSA, issued by a did:key about `subject`.
fn vc_jwt_11(issuer: &HolderKey, subject: &str) -> String {
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": issuer.verification_method()});
    let claims = json!({
        "iss": issuer.did(), "sub": subject, "jti": "urn:uuid:5a0c0e8e-4c4e-4d7e-9d55-0b2f6c1e9a11", "nbf": 1_767_225_600,
        "vc": {
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": issuer.did(), "type": ["Profile"], "name": "Test issuer"},
            "issuanceDate": "2026-01-01T00:00:00Z",
            "name": "Teamwork (VC-JWT 1.1)",
            "credentialSubject": {"id": subject, "type": ["AchievementSubject"], "achievement": {
                "id": "https://example.org/achievements/teamwork", "type": ["Achievement"], "name": "Teamwork",
                "description": "Works well in a team.", "criteria": {"narrative": "Observed in a project."}}},
        },
    });
    let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    format!("{input}.{}", b64(&issuer.sign(input.as_bytes())))
}

/// A JWS with one claim of its payload changed and its signature kept.
fn with_changed_claim(jws: &str, change: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = jws.split('.').collect();
    let mut claims = stapel_core::verify::jwt::Jwt::decode(jws).unwrap().claims;
    change(&mut claims);
    format!("{}.{}.{}", parts[0], b64(claims.to_string().as_bytes()), parts[2])
}

fn import_bytes(w: &mut Wallet, bytes: Vec<u8>, fetcher: &dyn stapel_core::net::Fetcher) -> String {
    import_one(w, &Input::Stdin(bytes), fetcher, now()).unwrap_or_else(|e| panic!("{e}")).id
}

/// One credential of every format the wallet stores, imported into a wallet: (id, format).
fn every_format(w: &mut Wallet, world: &Docs) -> Vec<(String, stapel_core::formats::Format)> {
    use stapel_core::formats::Format;
    let issuer = HolderKey::from_secret_bytes(&[7u8; 32]);
    let holder = w.holder_did().unwrap();
    let mut out = vec![
        (import(w, &format!("{DCC}/{TYPICAL}")), Format::VcJsonLd),
        (
            import(
                w,
                "1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-clr.signed-credential.json",
            ),
            Format::VcJsonLd,
        ),
        (import(w, &format!("{SPEC}/example-38-achievement-alignment-case.jwt")), Format::VcJose),
        (import_bytes(w, vc_jwt_11(&issuer, &holder).into_bytes(), &Offline), Format::VcJwt),
    ];
    let hosted = import_one(w, &Input::Url(HOSTED_URL.into()), world, now()).unwrap_or_else(|e| panic!("{e}")).id;
    out.push((hosted, Format::Ob2Hosted));
    let signed = ob2_signed_jws(&json_at(&format!("{OB2_SPEC}/examples-example-signed-badge-assertion-2.json")));
    out.push((import_bytes(w, signed.into_bytes(), world), Format::Ob2Signed));
    for (id, format) in &out {
        assert_eq!(w.get(id).unwrap().summary.format, *format, "{id}");
    }
    out
}

/// What verifying the credential alone gives: the report a presentation must repeat.
fn alone(entry: &Entry, ctx: &VerifyContext<'_>) -> stapel_core::verify::Report {
    match entry {
        Entry::Embedded(v) => verify_json(v, ctx),
        Entry::Enveloped(jwt) | Entry::Ob2Signed(jwt) => verify_jwt(jwt, ctx),
        Entry::Ob2Hosted(url) => {
            let doc: Value =
                serde_json::from_slice(&stapel_core::net::Fetcher::fetch(ctx.fetcher, url).unwrap().body).unwrap();
            verify_json(&doc, ctx)
        }
    }
}

#[test]
fn every_credential_format_the_wallet_stores_round_trips_through_present_qr_and_verify_presentation() {
    use stapel_core::formats::Format;
    let world = ob2_world();
    let (_t, mut w) = new_wallet();
    let stored = every_format(&mut w, &world);
    let ids: Vec<String> = stored.iter().map(|(id, _)| id.clone()).collect();
    let vp = present(&w, &ids, &options(Some("round-trip"), Some("employer.example"))).unwrap();

    // Through the QR codes (several parts), drawn as PNG and read back, and through a file.
    let e = qr::encode(&vp).unwrap();
    let texts: Vec<String> = e.parts.iter().flat_map(|p| qr::read_image(&qr::png(p).unwrap()).unwrap()).collect();
    let from_qr = qr::decode(&texts).unwrap();
    assert_eq!(from_qr, vp);
    let from_file: Value = serde_json::from_str(&serde_json::to_string_pretty(&vp).unwrap()).unwrap();
    assert_eq!(from_file, vp);

    let ctx = VerifyContext { now: now(), fetcher: &world, identities: &[] };
    let expect = Expectations { challenge: Some("round-trip".into()), domain: Some("employer.example".into()) };
    let r = present::verify_presentation(&from_qr, &ctx, &expect);
    for id in [
        PresentationCheckId::Format,
        PresentationCheckId::Proof,
        PresentationCheckId::Challenge,
        PresentationCheckId::Domain,
    ] {
        assert_eq!(outcome(&r, id).0, Outcome::Passed, "{id:?}: {}", outcome(&r, id).1);
    }
    assert_eq!(r.credentials.len(), stored.len());
    for ((id, format), c) in stored.iter().zip(&r.credentials) {
        let entry = entry_for(&w, id).unwrap();
        let kind = match format {
            Format::VcJsonLd => present::EntryKind::Embedded,
            Format::VcJwt | Format::VcJose => present::EntryKind::Enveloped,
            Format::Ob2Hosted => present::EntryKind::Ob2Hosted,
            Format::Ob2Signed => present::EntryKind::Ob2Signed,
        };
        assert_eq!(c.kind, kind, "{format:?}");
        assert_eq!(c.report, alone(&entry, &ctx), "{format:?}: judged as alone");
        assert_ne!(c.report.result, Verdict::Invalid, "{format:?}: {:?}", c.report);
    }
    // The ones that can be checked completely offline-with-the-issuer's-world are verified.
    let result = |f: Format| r.credentials[stored.iter().position(|(_, g)| *g == f).unwrap()].report.result;
    assert_eq!(result(Format::VcJwt), Verdict::Verified);
    assert_eq!(result(Format::Ob2Signed), Verdict::Verified);
    assert_eq!(result(Format::Ob2Hosted), Verdict::Verified);
    let jwt11 = &r.credentials[3];
    assert_eq!(jwt11.holder.outcome, Outcome::Passed, "the VC-JWT is about the holder: {:?}", jwt11.holder);
}

/// The holder alters one field inside an embedded credential and signs the presentation anyway:
/// the holder's proof holds, so only the issuer's own signature (or hosted copy) can catch it.
/// For every format the wallet presents, it does; and the same change without re-signing
/// breaks the holder's proof as well.
#[test]
fn one_field_altered_inside_any_embedded_credential_makes_the_presentation_invalid_even_when_the_holder_re_signs() {
    let world = ob2_world();
    let (_t, mut w) = new_wallet();
    let key = w.holder_key().unwrap();
    let stored = every_format(&mut w, &world);
    let ctx = VerifyContext { now: now(), fetcher: &world, identities: &[] };
    // An altered copy of the hosted badge, served from a place the holder controls.
    let copy_url = "https://holder.example/my-badge.json";
    let mut altered_copy = json_at(&format!("{OB2_CORE}/2_0_basic_assertion.json"));
    altered_copy["issuedOn"] = json!("2010-01-01T00:00:00Z");
    let world_with_copy = world.clone().with(copy_url, &altered_copy);
    let ctx_with_copy = VerifyContext { now: now(), fetcher: &world_with_copy, identities: &[] };

    let mut unchecked = Vec::new();
    for (id, format) in &stored {
        let entry = entry_for(&w, id).unwrap();
        let altered = match &entry {
            Entry::Embedded(v) => {
                let mut v = v.clone();
                let name = if v["credentialSubject"]["achievement"].is_object() {
                    &mut v["credentialSubject"]["achievement"]["name"]
                } else {
                    &mut v["name"]
                };
                *name = json!("A tampered credential");
                Entry::Embedded(v)
            }
            Entry::Enveloped(jwt) => Entry::Enveloped(with_changed_claim(jwt, |c| {
                let target = if c.get("vc").is_some() { &mut c["vc"]["name"] } else { &mut c["name"] };
                *target = json!("A tampered credential");
            })),
            Entry::Ob2Signed(jws) => {
                Entry::Ob2Signed(with_changed_claim(jws, |c| c["issuedOn"] = json!("2010-01-01T00:00:00Z")))
            }
            Entry::Ob2Hosted(_) => Entry::Ob2Hosted(copy_url.into()),
        };
        let ctx = if matches!(entry, Entry::Ob2Hosted(_)) { &ctx_with_copy } else { &ctx };
        let honest =
            present::build_presentation(&key, std::slice::from_ref(&entry), &options(Some("c"), None)).unwrap();
        let honest_report =
            present::verify_presentation(&honest, ctx, &Expectations { challenge: Some("c".into()), domain: None });
        assert_ne!(
            honest_report.credentials[0].report.result,
            Verdict::Invalid,
            "{format:?}: the untouched credential"
        );

        // Re-signed by the holder: the presentation's proof holds, the credential does not.
        let re_signed =
            present::build_presentation(&key, std::slice::from_ref(&altered), &options(Some("c"), None)).unwrap();
        let r =
            present::verify_presentation(&re_signed, ctx, &Expectations { challenge: Some("c".into()), domain: None });
        assert_eq!(outcome(&r, PresentationCheckId::Proof).0, Outcome::Passed, "{format:?}");
        let c = &r.credentials[0];
        let expected = if matches!(entry, Entry::Ob2Hosted(_)) { CheckId::Hosted } else { CheckId::Proof };
        if honest_report.credentials[0].report.outcome(expected) == Outcome::Passed {
            assert_eq!(c.report.result, Verdict::Invalid, "{format:?}: {:?}", c.report);
            let failed: Vec<_> =
                c.report.checks.iter().filter(|k| k.outcome == Outcome::Failed).map(|k| k.id).collect();
            assert!(failed.contains(&expected), "{format:?}: failed checks {failed:?}");
            assert_eq!(r.result, Verdict::Invalid, "{format:?}");
        } else {
            // The issuer's signature could not be checked even untouched (the CLR 2.0 vector:
            // its context is not among those the wallet carries), so the change cannot be told
            // apart from it; the credential is still never verified.
            unchecked.push(*format);
            assert_eq!(c.report.outcome(CheckId::Proof), Outcome::Unverifiable, "{format:?}");
            assert_ne!(r.result, Verdict::Verified, "{format:?}");
        }

        // Not re-signed: the altered entry inside the honest presentation breaks the holder's proof.
        let mut swapped = honest.clone();
        swapped["verifiableCredential"][0] = altered.to_value();
        let r =
            present::verify_presentation(&swapped, ctx, &Expectations { challenge: Some("c".into()), domain: None });
        let (o, why) = outcome(&r, PresentationCheckId::Proof);
        assert_eq!(o, Outcome::Failed, "{format:?}");
        assert!(why.contains("changed after signing"), "{format:?}: {why}");
        assert_eq!(r.result, Verdict::Invalid);
    }
    // Only the CLR's own signature is out of reach; the other five are checked for real.
    assert_eq!(unchecked, [stapel_core::formats::Format::VcJsonLd], "{unchecked:?}");
}

#[test]
fn a_credential_about_the_learner_presented_from_another_wallet_is_never_verified() {
    let (_t, learner) = new_wallet();
    let (_t2, thief) = new_wallet();
    let issuer = HolderKey::from_secret_bytes(&[7u8; 32]);
    let jwt = vc_jwt_11(&issuer, &learner.holder_did().unwrap());
    // The thief presents the learner's credential under the thief's own key and DID.
    let vp =
        present::build_presentation(&thief.holder_key().unwrap(), &[Entry::Enveloped(jwt)], &options(Some("c"), None))
            .unwrap();
    let r = check(&vp, Some("c"), None);
    assert_eq!(outcome(&r, PresentationCheckId::Proof).0, Outcome::Passed, "the thief did sign it");
    assert_eq!(r.credentials[0].report.result, Verdict::Verified, "the credential itself is genuine");
    let holder = &r.credentials[0].holder;
    assert_eq!(holder.outcome, Outcome::Unverifiable);
    assert!(holder.message.contains(&learner.holder_did().unwrap()), "{}", holder.message);
    assert_ne!(r.result, Verdict::Verified);
}

#[test]
fn one_character_changed_in_a_single_qr_code_is_refused_or_breaks_the_holders_proof_never_verified() {
    let (_t, _w, vp) = typical_presentation(Some("c"), None);
    let text = qr::encode(&vp).unwrap().parts.remove(0);
    let mut refused = 0;
    let mut broken = 0;
    // Change each of several positions through the payload (after the `SVP1:` header).
    for at in (6..text.len()).step_by(97) {
        let mut chars: Vec<char> = text.chars().collect();
        chars[at] = if chars[at] == '0' { '1' } else { '0' };
        let changed: String = chars.into_iter().collect();
        match qr::decode(&[changed]) {
            Err(e) => {
                assert!(e.to_string().contains("damaged") || e.to_string().contains("not a presentation"), "{e}");
                refused += 1;
            }
            Ok(back) => {
                assert_ne!(back, vp);
                let r = check(&back, Some("c"), None);
                assert_ne!(r.result, Verdict::Verified, "a changed code at {at} verified");
                broken += 1;
            }
        }
    }
    assert!(refused + broken >= 10, "{refused} refused, {broken} broken");
}

// ---- An independent decoder: zbarimg (ZBar, C) reads what Stapel draws ----

/// The texts `zbarimg` (Debian's zbar-tools) reads from an image, one per QR code.
fn zbarimg(image: &std::path::Path) -> Vec<String> {
    let out = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(image)
        .output()
        .unwrap_or_else(|e| {
            panic!("zbarimg could not be run ({e}): install Debian's zbar-tools (./scripts/setup-system build does) to run this test")
        });
    assert!(
        out.status.success(),
        "zbarimg found no code in {}: {}",
        image.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("zbarimg prints text").lines().map(str::to_string).collect()
}

/// Run by `./scripts/test` (`cargo test -p stapel-core --test core -- --ignored zbarimg`):
/// it needs the `zbarimg` program, and fails with that message when it is missing.
#[test]
#[ignore = "needs zbarimg (Debian zbar-tools); ./scripts/test runs it with --ignored"]
fn qr_codes_stapel_draws_are_read_back_exactly_by_zbarimg_an_independent_decoder() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<(&str, Vec<String>, Value)> = Vec::new();
    let (vp, encoded) = worked_example();
    cases.push(("worked example", encoded.parts, vp));
    let (_t, _w, vp) = typical_presentation(Some("n-0S6_WzA2Mj"), Some("employer.example"));
    cases.push(("typical badge", qr::encode(&vp).unwrap().parts, vp));
    let vp = big_presentation();
    cases.push(("three large badges, in parts", qr::encode(&vp).unwrap().parts, vp));
    assert!(cases[2].1.len() > 1);
    for (what, parts, vp) in cases {
        let mut read = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let file = dir.path().join(format!("{}-{i}.png", what.replace(' ', "-")));
            std::fs::write(&file, qr::png(part).unwrap()).unwrap();
            let texts = zbarimg(&file);
            assert_eq!(
                texts,
                std::slice::from_ref(part),
                "{what}, part {}: zbarimg must read the exact payload",
                i + 1
            );
            read.extend(texts);
        }
        assert_eq!(qr::decode(&read).unwrap(), vp, "{what}");
        eprintln!("{what}: {} code(s), zbarimg read every one exactly", parts.len());
    }
}

#[test]
fn inputs_to_check_may_be_json_files_code_images_and_code_texts_in_any_mix_and_bad_ones_are_named() {
    let (tmp, _w, vp) = typical_presentation(Some("c"), None);
    let big = big_presentation();
    let parts = qr::encode(&big).unwrap().parts;
    assert!(parts.len() > 1, "the big presentation needs several codes");
    // Part 1 as an image, the rest as the text a scanner gives, one a line; the typical
    // presentation as its JSON file (with a byte-order mark, as some editors save it).
    let png = dir_file(&tmp, "part1.png", &qr::png(&parts[0]).unwrap());
    let rest = parts[1..].join("\n");
    let mut json = b"\xEF\xBB\xBF".to_vec();
    json.extend(serde_json::to_vec_pretty(&vp).unwrap());
    let inputs = vec![
        ("typical.json".to_string(), json),
        ("part1.png".to_string(), std::fs::read(&png).unwrap()),
        ("scanned.txt".to_string(), rest.into_bytes()),
    ];
    let read = present::read_inputs(&inputs).unwrap();
    assert_eq!(read.len(), 2);
    assert_eq!(read[0], ("typical.json".to_string(), vp.clone()));
    assert_eq!(read[1], ("part1.png + scanned.txt".to_string(), big));

    let err = |inputs: Vec<(String, Vec<u8>)>| present::read_inputs(&inputs).unwrap_err().to_string();
    let e = err(vec![("notes.txt".into(), b"hello".to_vec())]);
    assert!(e.starts_with("notes.txt: neither a presentation"), "{e}");
    let e = err(vec![("blank.png".into(), blank_png())]);
    assert!(e.starts_with("blank.png: ") && e.contains("no readable QR code was found"), "{e}");
    let e = err(vec![("only-part-2.txt".into(), parts[1].clone().into_bytes())]);
    assert!(e.starts_with("only-part-2.txt: ") && e.contains("missing"), "{e}");
    assert!(err(Vec::new()).contains("nothing was given"));
}

fn dir_file(tmp: &Tmp, name: &str, bytes: &[u8]) -> PathBuf {
    let path = tmp.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A white PNG without any code in it.
fn blank_png() -> Vec<u8> {
    let img = image::GrayImage::from_pixel(64, 64, image::Luma([255u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn codes_are_written_as_png_or_svg_files_named_by_part_and_another_extension_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = qr::encode(&big_presentation()).unwrap().parts;
    let n = parts.len();
    let files = qr::write_files(&tmp.path().join("code.png"), &parts).unwrap();
    let names: Vec<String> = files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, (1..=n).map(|i| format!("code-{i}of{n}.png")).collect::<Vec<_>>());
    for (file, part) in files.iter().zip(&parts) {
        assert_eq!(qr::read_image(&std::fs::read(file).unwrap()).unwrap(), vec![part.clone()]);
    }
    let one = qr::write_files(&tmp.path().join("one.SVG"), &parts[..1]).unwrap();
    assert_eq!(one, vec![tmp.path().join("one.SVG")], "one code keeps the name");
    assert!(std::fs::read_to_string(&one[0]).unwrap().contains("<svg"));
    let e = qr::write_files(&tmp.path().join("code.jpg"), &parts).unwrap_err();
    assert!(e.to_string().ends_with("code.jpg: the QR file must end in .png or .svg"), "{e}");
    assert!(!tmp.path().join("code-1of2.jpg").exists() && !tmp.path().join("code.jpg").exists());
}
