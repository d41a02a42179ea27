//! `stapel verify` end to end: published credentials as loose files and in the wallet, exit
//! codes, offline work with `--documents` and with status lists the wallet kept, `--now`, and
//! the stored results shown by `list` and `show`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use crate::support::{Reply, Server, TestWallet, text, vector};

/// eddsa-rdfc-2022, did:key issuer, no status, no dates: the authors expect it to verify.
const VALID: &str = "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-minimal.json";
/// Ed25519Signature2020 with the achievement's name changed after signing: expected invalid.
const TAMPERED: &str =
    "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/ed25519/didKey/legacy-noStatus-noExpiry-tampered.json";
/// The same credential untouched, about `did:example:ebfeb1f712ebc6f1c276e12ec21`.
const UNTOUCHED: &str =
    "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/ed25519/didKey/legacy-noStatus-noExpiry.json";
/// eddsa-rdfc-2022 signed by a did:web key, valid until 2056.
const DID_WEB: &str =
    "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/dataIntegrityProof/didweb/oidf-noStatus-notExpired.json";
const DID_WEB_URL: &str = "https://digitalcredentials.github.io/vc-test-fixtures/dids/oidf/did.json";
const DID_WEB_DOC: &str = "1-ob3/dcc-vc-test-fixtures/dids/oidf/did.json";
/// validFrom 2099: expected not yet valid.
const NOT_YET_VALID: &str = "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/dataIntegrityProof/didKey/oidf-noStatus-notExpired-notYetValid.json";
/// DCC verifier-core fixtures with a Bitstring status entry (index 9 clear, index 8 set).
const WITH_VALID_STATUS: &str =
    "1-ob3/dcc-verifier-core/src/test-fixtures/verifiableCredentials/v2/v2WithValidStatus.extracted.json";
const REVOKED: &str = "1-ob3/dcc-verifier-core/src/test-fixtures/verifiableCredentials/v2/v2Revoked.extracted.json";
const STATUS_URL: &str = "https://raw.githubusercontent.com/digitalcredentials/verifier-core/refs/heads/main/src/test-fixtures/status/e5WK8CbZ1GjycuPombrj";
const STATUS_LIST: &str = "5-status-list/dcc-verifier-core/src/test-fixtures/status/e5WK8CbZ1GjycuPombrj";

/// `stapel` with a wallet path where there is no wallet: loose files need none.
fn stapel_without_wallet(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_stapel"))
        .arg("--wallet")
        .arg(dir.path().join("no-wallet-here.stapel"))
        .args(args)
        .env_remove("STAPEL_WALLET")
        .env_remove("STAPEL_PASSPHRASE_FILE")
        .env("STAPEL_HTTP_TIMEOUT", "2")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", text(&out.stdout), text(&out.stderr)))
}

fn check<'a>(result: &'a Value, id: &str) -> &'a Value {
    result["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} check in {result}"))
}

/// A documents map in a temporary folder.
fn documents(dir: &Path, entries: &[(&str, PathBuf)]) -> PathBuf {
    let map: serde_json::Map<String, Value> =
        entries.iter().map(|(url, file)| (url.to_string(), Value::from(path(file)))).collect();
    let p = dir.join("documents.json");
    std::fs::write(&p, Value::Object(map).to_string()).unwrap();
    p
}

#[test]
fn a_valid_loose_file_is_verified_with_exit_0_and_a_tampered_one_is_invalid_with_exit_1() {
    let out = stapel_without_wallet(&["verify", path(&vector(VALID))]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.starts_with("verified: "), "{shown}");
    assert!(shown.contains("passed       proof"), "one line per check: {shown}");

    let out = stapel_without_wallet(&["verify", "--json", path(&vector(VALID)), path(&vector(TAMPERED))]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = json_of(&out);
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["result"], "verified");
    assert_eq!(results[0]["file"], path(&vector(VALID)));
    assert_eq!(results[0]["id"], Value::Null, "a loose file has no wallet id");
    assert_eq!(results[1]["result"], "invalid");
    assert_eq!(results[1]["title"], "Teamwork Badge");
    assert_eq!(check(&results[1], "proof")["outcome"], "failed");
    assert!(results[1]["checked_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(v["tally"], json!({"verified": 1, "invalid": 1, "unverifiable": 0, "failed": 0}));
}

#[test]
fn offline_a_did_web_or_status_list_credential_is_unverifiable_never_invalid_nor_verified_and_exits_3() {
    for file in [DID_WEB, WITH_VALID_STATUS] {
        let out = stapel_without_wallet(&["verify", "--offline", "--json", path(&vector(file))]);
        assert_eq!(out.status.code(), Some(3), "{file}: {}{}", text(&out.stdout), text(&out.stderr));
        let v = json_of(&out);
        let r = &v["results"][0];
        assert_eq!(r["result"], "unverifiable", "{file}: {r}");
        assert!(
            r["checks"].as_array().unwrap().iter().all(|c| c["outcome"] != "failed"),
            "nothing failed for lack of the network: {r}"
        );
    }
    let out = stapel_without_wallet(&["verify", "--offline", "--json", path(&vector(WITH_VALID_STATUS))]);
    let status = check(&json_of(&out)["results"][0], "status").clone();
    assert_eq!(status["outcome"], "unverifiable");
    assert!(status["message"].as_str().unwrap().contains("offline"), "{status}");
}

#[test]
fn documents_answer_for_their_urls_and_give_the_results_the_authors_expect() {
    let dir = tempfile::tempdir().unwrap();
    let map = documents(dir.path(), &[(STATUS_URL, vector(STATUS_LIST)), (DID_WEB_URL, vector(DID_WEB_DOC))]);
    let out = stapel_without_wallet(&[
        "verify",
        "--offline",
        "--json",
        "--documents",
        path(&map),
        path(&vector(WITH_VALID_STATUS)),
        path(&vector(DID_WEB)),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let v = json_of(&out);
    assert_eq!(check(&v["results"][0], "status")["outcome"], "passed", "{v}");
    assert_eq!(check(&v["results"][1], "key")["outcome"], "passed", "{v}");

    let out =
        stapel_without_wallet(&["verify", "--offline", "--json", "--documents", path(&map), path(&vector(REVOKED))]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let status = check(&json_of(&out)["results"][0], "status").clone();
    assert_eq!(status["outcome"], "failed");
    assert!(status["message"].as_str().unwrap().contains("revoked"), "{status}");
}

#[test]
fn now_sets_the_time_expiry_and_validity_are_judged_at_and_a_bad_time_is_a_usage_error() {
    let file = vector(NOT_YET_VALID);
    let out = stapel_without_wallet(&["verify", "--json", path(&file)]);
    assert_eq!(out.status.code(), Some(1), "not valid before 2099: {}", text(&out.stdout));
    assert_eq!(check(&json_of(&out)["results"][0], "dates")["outcome"], "failed");

    let out = stapel_without_wallet(&["verify", "--json", "--now", "2100-01-01T00:00:00Z", path(&file)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let v = json_of(&out);
    assert_eq!(v["results"][0]["checked_at"], "2100-01-01T00:00:00Z");

    let dir = tempfile::tempdir().unwrap();
    let map = documents(dir.path(), &[(DID_WEB_URL, vector(DID_WEB_DOC))]);
    let did_web = vector(DID_WEB);
    let out = stapel_without_wallet(&[
        "verify",
        "--offline",
        "--documents",
        path(&map),
        path(&did_web),
        "--now",
        "2057-01-01T00:00:00+01:00",
    ]);
    assert_eq!(out.status.code(), Some(1), "expired in 2056: {}", text(&out.stdout));
    assert!(text(&out.stdout).contains("failed       dates"), "{}", text(&out.stdout));

    let out = stapel_without_wallet(&["verify", "--now", "next tuesday", path(&file)]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr).lines().count(), 1, "{}", text(&out.stderr));
}

#[test]
fn verify_without_inputs_or_with_an_unreadable_file_exits_2_in_one_line() {
    let out = stapel_without_wallet(&["verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr).lines().count(), 1, "{}", text(&out.stderr));

    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "these are my notes, not a badge").unwrap();
    let out = stapel_without_wallet(&["verify", path(&junk), path(&vector(VALID))]);
    assert_eq!(out.status.code(), Some(2), "an input that cannot be verified at all outweighs the rest");
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(path(&junk)), "{err}");
    assert!(text(&out.stdout).contains("verified: "), "the other input is still verified");

    let out = stapel_without_wallet(&["verify", "--all", "--json"]);
    assert_eq!(out.status.code(), Some(2), "--all needs a wallet, and there is none");
}

#[test]
fn wallet_credentials_are_verified_by_id_or_all_and_list_and_show_give_the_stored_result() {
    let w = TestWallet::new();
    for f in [VALID, TAMPERED] {
        let out = w.import(&vector(f));
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    // Verified as they landed: nothing says "not checked".
    let before = w.list();
    let mut landed: Vec<&str> = before["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["verification"]["result"].as_str().unwrap_or("none"))
        .collect();
    landed.sort();
    assert_eq!(landed, ["invalid", "verified"], "{before}");
    let out = w.run(&["list"]);
    assert_eq!(text(&out.stdout).matches("not checked").count(), 0, "{}", text(&out.stdout));

    let out = w.run(&["verify", "--all"]);
    assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).trim_end().ends_with("1 verified, 1 invalid, 0 unverifiable"), "{}", text(&out.stdout));

    let listed = w.list();
    let items = listed["credentials"].as_array().unwrap();
    let by_result = |r: &str| {
        items.iter().find(|i| i["verification"]["result"] == r).unwrap_or_else(|| panic!("no {r} in {listed}"))
    };
    let valid_id = by_result("verified")["id"].as_str().unwrap().to_string();
    let tampered_id = by_result("invalid")["id"].as_str().unwrap().to_string();
    assert!(by_result("verified")["verification"]["checked_at"].as_str().unwrap().ends_with('Z'));
    let out = w.run(&["list"]);
    let shown = text(&out.stdout);
    assert!(shown.lines().any(|l| l.starts_with(&valid_id[..12]) && l.contains("verified")), "{shown}");
    assert!(shown.lines().any(|l| l.starts_with(&tampered_id[..12]) && l.contains("invalid")), "{shown}");

    let out = w.run(&["show", &tampered_id[..10]]);
    let shown = text(&out.stdout);
    assert!(shown.contains("verification  invalid (checked at "), "{shown}");
    assert!(shown.contains("failed       proof"), "{shown}");
    let out = w.run(&["show", "--json", &tampered_id]);
    let v = json_of(&out);
    assert_eq!(v["verification"]["result"], "invalid");
    assert_eq!(check(&v["verification"], "proof")["outcome"], "failed");

    // By id prefix, with a time of one's choosing: the stored result follows the last check.
    let out = w.run(&["verify", "--json", "--now", "2030-05-01T10:00:00Z", &valid_id[..8]]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json_of(&out);
    assert_eq!(v["results"][0]["id"], valid_id.as_str());
    assert_eq!(v["results"][0]["file"], Value::Null);
    let out = w.run(&["show", "--json", &valid_id]);
    assert_eq!(json_of(&out)["verification"]["checked_at"], "2030-05-01T10:00:00Z");
    w.integrity_ok();
}

#[test]
fn a_verify_that_fails_leaves_the_wallet_unchanged() {
    let w = TestWallet::new();
    assert!(w.import(&vector(VALID)).status.success());
    let before = w.snapshot();
    let out = w.run(&["verify", "ffffffffffff"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("ffffffffffff"), "{err}");
    let wrong = w.dir.path().join("wrong-passphrase");
    std::fs::write(&wrong, "not the passphrase\n").unwrap();
    let id = w.ids()[0].clone();
    let out = Command::new(env!("CARGO_BIN_EXE_stapel"))
        .args(["--wallet", path(&w.path), "--passphrase-file", path(&wrong), "verify", &id])
        .env_remove("STAPEL_WALLET")
        .env_remove("STAPEL_PASSPHRASE_FILE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a wallet that does not open: {}", text(&out.stderr));
    assert_eq!(w.snapshot(), before, "nothing was written");
}

#[test]
fn identities_are_added_listed_and_removed_and_bad_ones_are_refused_in_one_line() {
    let w = TestWallet::new();
    let out = w.run(&["identity", "list"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).starts_with("no identities"), "{}", text(&out.stdout));
    let out = w.run(&["identity", "add", "email", " Learner@Example.ORG "]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "added email learner@example.org");
    let out = w.run(&["identity", "add", "email", "learner@example.org"]);
    assert!(text(&out.stdout).contains("already there"), "{}", text(&out.stdout));
    assert!(w.run(&["identity", "add", "did", "did:example:ebfeb1f712ebc6f1c276e12ec21"]).status.success());
    assert!(w.run(&["identity", "add", "url", "https://learner.example.org/"]).status.success());
    let out = w.run(&["identity", "list", "--json"]);
    let v = json_of(&out);
    let listed: Vec<(String, String)> = v["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["kind"].as_str().unwrap().to_string(), i["value"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("did".into(), "did:example:ebfeb1f712ebc6f1c276e12ec21".into()),
            ("email".into(), "learner@example.org".into()),
            ("url".into(), "https://learner.example.org/".into()),
        ]
    );

    for (kind, value) in [("email", "no-at-sign"), ("did", "example:123"), ("url", "ftp://files.example.org/")] {
        let out = w.run(&["identity", "add", kind, value]);
        assert_eq!(out.status.code(), Some(1), "{kind} {value}");
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(value), "the message names the value: {err}");
    }
    assert_eq!(
        w.run(&["identity", "add", "phone", "+31 6 1234"]).status.code(),
        Some(2),
        "an unknown kind is a usage error"
    );

    let out = w.run(&["identity", "remove", "url", "https://learner.example.org/"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = w.run(&["identity", "remove", "url", "https://learner.example.org/"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr).lines().count(), 1);
    assert_eq!(json_of(&w.run(&["identity", "list", "--json"]))["identities"].as_array().unwrap().len(), 2);
}

#[test]
fn the_learners_identities_decide_the_recipient_check_of_a_wallet_credential() {
    let w = TestWallet::new();
    assert!(w.import(&vector(UNTOUCHED)).status.success());
    let id = w.ids()[0].clone();
    let recipient = |w: &TestWallet| {
        let out = w.run(&["verify", "--json", &id]);
        let v = json_of(&out);
        (out.status.code(), check(&v["results"][0], "recipient")["outcome"].as_str().unwrap().to_string())
    };
    assert_eq!(recipient(&w), (Some(0), "skipped".to_string()));
    assert!(w.run(&["identity", "add", "did", "did:example:someone-else"]).status.success());
    assert_eq!(recipient(&w), (Some(1), "failed".to_string()), "a credential for someone else is not the learner's");
    assert!(w.run(&["identity", "add", "did", "did:example:ebfeb1f712ebc6f1c276e12ec21"]).status.success());
    assert_eq!(recipient(&w), (Some(0), "passed".to_string()));
}

// ---------------------------------------------------------------------------------------------
// A status list served on loopback, kept by the wallet and used offline later

const DI: &str = "2-w3c-di-eddsa/w3c-vc-di-eddsa/TestVectors";

/// The W3C EdDSA vectors' key pair as a did:key issuer.
struct Issuer {
    did: String,
    method: String,
    key: ed25519_dalek::SigningKey,
}

fn issuer() -> Issuer {
    let pair: Value = serde_json::from_slice(&std::fs::read(vector(&format!("{DI}/keyPair.json"))).unwrap()).unwrap();
    let public = pair["publicKeyMultibase"].as_str().unwrap();
    let (_, secret) = multibase::decode(pair["privateKeyMultibase"].as_str().unwrap()).unwrap();
    assert_eq!(&secret[..2], &[0x80, 0x26], "an Ed25519 private multikey");
    let key = ed25519_dalek::SigningKey::from_bytes(&secret[2..].try_into().unwrap());
    Issuer { did: format!("did:key:{public}"), method: format!("did:key:{public}#{public}"), key }
}

/// Signs with eddsa-rdfc-2022, the bytes to sign computed by the core's own canonicalization.
fn sign(issuer: &Issuer, mut doc: Value) -> Value {
    use ed25519_dalek::Signer;
    doc["proof"] = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2024-01-01T00:00:00Z",
        "verificationMethod": issuer.method,
        "proofPurpose": "assertionMethod",
        "proofValue": "z1111"
    });
    let signed_bytes = stapel_core::verify::proof::intermediates(&doc).unwrap().signed_bytes;
    let signature = issuer.key.sign(&signed_bytes);
    doc["proof"]["proofValue"] = Value::from(multibase::encode(multibase::Base::Base58Btc, signature.to_bytes()));
    doc
}

/// A status list whose entries 2, 6 and 8 are set (the bits of the DCC fixture's list).
fn status_list(issuer: &Issuer, url: &str) -> Value {
    let published: Value = serde_json::from_slice(&std::fs::read(vector(STATUS_LIST)).unwrap()).unwrap();
    sign(
        issuer,
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer.did,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {
                "id": format!("{url}#list"),
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": published["credentialSubject"]["encodedList"]
            }
        }),
    )
}

fn badge(issuer: &Issuer, list_url: &str, index: u32) -> Value {
    sign(
        issuer,
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": format!("urn:uuid:5e1c0a52-6c8e-4d34-9a51-00000000000{index}"),
            "type": ["VerifiableCredential"],
            "issuer": issuer.did,
            "validFrom": "2024-01-01T00:00:00Z",
            "name": format!("Loopback badge {index}"),
            "credentialSubject": {"id": "did:example:learner"},
            "credentialStatus": {
                "id": format!("{list_url}#{index}"),
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": index.to_string(),
                "statusListCredential": list_url
            }
        }),
    )
}

#[test]
fn a_status_list_fetched_while_verifying_is_kept_with_its_time_and_answers_offline_later() {
    let issuer = issuer();
    let served = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let body = served.clone();
    let server = Server::start(move |p| match p {
        "/status/1" => Reply::Body(200, "application/vc+ld+json", body.lock().unwrap().clone()),
        _ => Reply::Body(404, "text/plain", b"not here".to_vec()),
    });
    let list_url = server.url("/status/1");
    *served.lock().unwrap() = serde_json::to_vec(&status_list(&issuer, &list_url)).unwrap();

    let w = TestWallet::new();
    let mut ids = Vec::new();
    for index in [7, 8] {
        let file = w.dir.path().join(format!("badge-{index}.json"));
        std::fs::write(&file, badge(&issuer, &list_url, index).to_string()).unwrap();
        assert!(w.import(&file).status.success());
        let listed = w.list();
        let id = listed["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["title"] == format!("Loopback badge {index}"))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        ids.push(id);
    }

    // Online: the list is fetched, checked, believed, and kept.
    let out = w.run(&["verify", "--json", &ids[0], &ids[1]]);
    assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
    let v = json_of(&out);
    assert_eq!(v["results"][0]["result"], "verified", "{v}");
    assert_eq!(check(&v["results"][1], "status")["outcome"], "failed", "entry 8 is revoked: {v}");

    let kept = {
        let secret = stapel_core::store::Secret::new("correct horse battery staple".to_string());
        let wallet = stapel_core::store::Wallet::open(&w.path, stapel_core::store::Unlock::Passphrase(secret)).unwrap();
        wallet.cached_document(&list_url).unwrap().expect("the status list is kept")
    };
    assert_eq!(kept.bytes, *served.lock().unwrap());
    let fetched_at = chrono::DateTime::parse_from_rfc3339(&kept.fetched_at).unwrap();
    assert!(
        (chrono::Utc::now() - fetched_at.with_timezone(&chrono::Utc)).num_minutes().abs() < 5,
        "{}",
        kept.fetched_at
    );

    // Offline later (and with the server gone): the kept list answers, dated.
    drop(server);
    let out = w.run(&["verify", "--offline", "--json", &ids[0], &ids[1]]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let v = json_of(&out);
    assert_eq!(v["results"][0]["result"], "verified", "{v}");
    let status = check(&v["results"][0], "status");
    assert_eq!(status["outcome"], "passed");
    let message = status["message"].as_str().unwrap();
    assert!(message.contains(&format!("revocation status as of {}", kept.fetched_at)), "{message}");
    assert_eq!(check(&v["results"][1], "status")["outcome"], "failed", "still revoked by the kept list: {v}");
    let out = w.run(&["show", "--json", &ids[0]]);
    assert_eq!(json_of(&out)["verification"]["offline"], true);

    // A loose copy of the same badge has no wallet behind it: nothing kept, so unverifiable.
    let loose = w.dir.path().join("badge-7.json");
    let out = stapel_without_wallet(&["verify", "--offline", path(&loose)]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
}

#[test]
fn a_baked_image_is_verified_by_what_is_baked_into_it() {
    let png = vector("4-ob2/1edtech-openbadges-validator-core/tests/testfiles/baked_heart.png");
    let out = stapel_without_wallet(&["verify", "--offline", "--json", path(&png)]);
    assert_eq!(out.status.code(), Some(3), "hosted verification needs the network: {}", text(&out.stdout));
    let v = json_of(&out);
    let format = check(&v["results"][0], "format");
    assert_eq!(format["outcome"], "passed", "{v}");
    assert!(format["message"].as_str().unwrap().contains("Open Badges 2.0 assertion"), "{format}");
    assert!(check(&v["results"][0], "hosted")["message"].as_str().unwrap().contains("beths-robotics-badge.json"));

    // An image that holds only the hosted address: the address is followed, offline it cannot be.
    let svg = vector("4-ob2/mozilla-openbadges-bakery/test/baked.svg");
    let out = stapel_without_wallet(&["verify", "--offline", "--json", path(&svg)]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let v = json_of(&out);
    let format = check(&v["results"][0], "format");
    assert_eq!(format["outcome"], "unverifiable");
    assert!(format["message"].as_str().unwrap().contains("http://example.org"), "{format}");

    // An SVG with nothing baked in is no credential: exit 2.
    let unbaked = vector("4-ob2/mozilla-openbadges-bakery/test/unbaked.svg");
    assert_eq!(stapel_without_wallet(&["verify", path(&unbaked)]).status.code(), Some(2));
}

#[test]
fn a_credential_kept_as_a_broken_and_a_sound_copy_is_as_sound_as_its_best_proof() {
    let w = TestWallet::new();
    let mut broken: Value = serde_json::from_slice(&std::fs::read(vector(VALID)).unwrap()).unwrap();
    let proof_value = broken["proof"]["proofValue"].as_str().unwrap().to_string();
    let flipped = if proof_value.ends_with('A') { "B" } else { "A" };
    broken["proof"]["proofValue"] = Value::from(format!("{}{flipped}", &proof_value[..proof_value.len() - 1]));
    let file = w.dir.path().join("broken-copy.json");
    std::fs::write(&file, broken.to_string()).unwrap();
    assert!(w.import(&file).status.success());
    let id = w.ids()[0].clone();
    let out = w.run(&["verify", &id]);
    assert_eq!(out.status.code(), Some(1), "alone, the broken copy is invalid: {}", text(&out.stdout));

    let out = w.import(&vector(VALID));
    assert!(text(&out.stdout).contains("already in wallet"), "the same content: {}", text(&out.stdout));
    let shown = json_of(&w.run(&["show", "--json", &id]));
    assert_eq!(shown["originals"].as_array().unwrap().len(), 2, "{shown}");
    let out = w.run(&["verify", &id]);
    assert_eq!(out.status.code(), Some(0), "the sound copy proves the content: {}", text(&out.stdout));
}

/// A loose CLR 2.0 gets its own report and one for each credential it carries, each named
/// after its place; a nested credential's report is what verifying it alone gives.
#[test]
fn a_loose_clr_is_reported_with_each_credential_it_carries_beside_it() {
    let clr =
        vector("1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-clr.signed-credential.json");
    let out = stapel_without_wallet(&["verify", "--json", "--offline", "--now", "2026-11-22T12:00:00Z", path(&clr)]);
    let v = json_of(&out);
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{v}");
    let (outer, part) = (&results[0], &results[1]);
    assert_eq!(outer["input"], path(&clr));
    assert!(outer["part_of"].is_null());
    // The CLR's own proof needs the CLR context, which no package carries (CONFORMANCE.md).
    assert_eq!(outer["result"], "unverifiable");
    assert!(check(outer, "proof")["message"].as_str().unwrap().contains("clr/v2p0"), "{outer}");
    assert_eq!(part["input"], format!("{} › credential 1", path(&clr)));
    assert_eq!(part["part_of"], path(&clr));
    assert_eq!(part["file"], path(&clr));

    // The same credential cut out into a file of its own gets the same checks.
    let doc: Value = serde_json::from_slice(&std::fs::read(&clr).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let alone = dir.path().join("part.json");
    std::fs::write(&alone, serde_json::to_vec(&doc["credentialSubject"]["verifiableCredential"][0]).unwrap()).unwrap();
    let single = json_of(&stapel_without_wallet(&[
        "verify",
        "--json",
        "--offline",
        "--now",
        "2026-11-22T12:00:00Z",
        path(&alone),
    ]));
    let single = &single["results"][0];
    assert_eq!(part["result"], single["result"]);
    assert_eq!(part["checks"], single["checks"]);
    assert_eq!(part["title"], single["title"]);
    // The exit code weighs every report: nothing invalid, something unverifiable.
    assert_eq!(out.status.code(), Some(3));
    let human = stapel_without_wallet(&["verify", "--offline", "--now", "2026-11-22T12:00:00Z", path(&clr)]);
    assert!(text(&human.stdout).contains(&format!("({} › credential 1)", path(&clr))), "{}", text(&human.stdout));
}
