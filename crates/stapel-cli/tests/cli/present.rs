//! `stapel holder`, `stapel present` and `stapel verify-presentation` end to end: real Open
//! Badges from `../shared/vectors`, presentations as JSON and as QR images, and the employer's
//! side rejecting what is wrong with the reason.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::support::{Reply, Server, TestWallet, text, vector};

const DCC: &str = "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/dataIntegrityProof/didKey";
const SPEC: &str = "1-ob3/1edtech-openbadges-specification/rendered-spec-gh-pages-9535509";
const OB2: &str = "4-ob2/1edtech-openbadges-validator-core/tests/testfiles/test_components";
const NOW: &str = "2026-11-22T12:00:00Z";

fn typical() -> PathBuf {
    vector(&format!("{DCC}/legacyRegistry-noStatus-noExpiry-basicOBv3.json"))
}

fn imported(w: &TestWallet, path: &Path) -> String {
    let out = w.import(path);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The import prints the (short) id of what it stored.
    let printed = text(&out.stdout);
    w.ids().into_iter().find(|id| printed.contains(&id[..12])).unwrap_or_else(|| panic!("{printed}"))
}

fn holder(w: &TestWallet) -> String {
    let out = w.run(&["holder", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["did"].as_str().unwrap().to_string()
}

/// `stapel verify-presentation` without a wallet: what an employer runs.
fn verify(w: &TestWallet, args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_stapel"));
    cmd.arg("verify-presentation").args(args).args(["--offline", "--now", NOW]);
    cmd.env_remove("STAPEL_WALLET").env_remove("STAPEL_PASSPHRASE_FILE").current_dir(w.dir.path());
    cmd.output().unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn holder_prints_the_wallets_did_key_and_it_survives_a_restore_into_a_new_wallet() {
    let w = TestWallet::new();
    let plain = w.run(&["holder"]);
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    let did = holder(&w);
    assert!(did.starts_with("did:key:z6Mk"), "{did}");
    assert_eq!(text(&plain.stdout).trim(), did);
    assert_eq!(holder(&w), did, "the same DID at every unlock");

    let backup = w.dir.path().join("b.stapel");
    let bpass = w.dir.path().join("bpass");
    std::fs::write(&bpass, "backup passphrase\n").unwrap();
    let out = w.run(&["backup", "-o", p(&backup), "--backup-passphrase-file", p(&bpass)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let moved = w.dir.path().join("new-machine.stapel");
    let on_new_machine = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_stapel"))
            .args(["--wallet", p(&moved), "--passphrase-file", p(&w.passphrase_file)])
            .args(args)
            .env_remove("STAPEL_WALLET")
            .env_remove("STAPEL_PASSPHRASE_FILE")
            .output()
            .unwrap()
    };
    let out = on_new_machine(&["restore", p(&backup), "--backup-passphrase-file", p(&bpass), "--passphrase"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = on_new_machine(&["holder"]);
    assert_eq!(text(&out.stdout).trim(), did, "{}", text(&out.stderr));
}

#[test]
fn a_presentation_made_with_present_verifies_with_verify_presentation_and_a_replay_is_refused() {
    let w = TestWallet::new();
    let id = imported(&w, &typical());
    let vp = w.dir.path().join("vp.json");
    let out = w.run(&["present", &id[..10], "--challenge", "interview-42", "--domain", "acme.example", "-o", p(&vp)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&vp).unwrap()).unwrap();
    assert_eq!(doc["holder"], holder(&w).as_str());
    assert_eq!(doc["proof"]["challenge"], "interview-42");

    let out = verify(&w, &[p(&vp), "--challenge", "interview-42", "--domain", "acme.example", "--json"]);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    let r = &report["presentations"][0];
    let outcome = |id: &str| r["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()["outcome"].clone();
    for id in ["format", "proof", "challenge", "domain"] {
        assert_eq!(outcome(id), "passed", "{id}: {r}");
    }
    assert_eq!(r["credentials"][0]["report"]["result"], "verified", "{r}");
    // The DCC badge is about did:example:…, so it cannot be tied to the holder: exit 3, said.
    assert_eq!(r["credentials"][0]["holder"]["outcome"], "unverifiable");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));

    let out = verify(&w, &[p(&vp), "--challenge", "interview-43"]);
    assert_eq!(out.status.code(), Some(1));
    let shown = text(&out.stdout);
    assert!(shown.contains("INVALID") && shown.contains("not interview-43"), "{shown}");

    let out = verify(&w, &[p(&vp), "--challenge", "interview-42", "--domain", "evil.example"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("not for evil.example"), "{}", text(&out.stdout));

    let mut altered = doc.clone();
    altered["verifiableCredential"][0]["credentialSubject"]["achievement"]["name"] = "Leadership".into();
    let altered_file = w.dir.path().join("altered.json");
    std::fs::write(&altered_file, serde_json::to_vec(&altered).unwrap()).unwrap();
    let out = verify(&w, &[p(&altered_file), "--challenge", "interview-42"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("changed after signing"), "{}", text(&out.stdout));
}

#[test]
fn a_presentation_as_a_qr_png_reads_back_and_verifies_like_its_json() {
    let w = TestWallet::new();
    let id = imported(&w, &typical());
    let png = w.dir.path().join("vp.png");
    let out = w.run(&["present", &id, "--challenge", "c-1", "--qr", p(&png)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("wrote 1 QR code(s)"), "{}", text(&out.stdout));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let out = verify(&w, &[p(&png), "--challenge", "c-1", "--json"]);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    let checks = report["presentations"][0]["checks"].as_array().unwrap().clone();
    assert!(checks.iter().take(3).all(|c| c["outcome"] == "passed"), "{checks:?}");
    assert_eq!(out.status.code(), Some(3));

    let svg = w.dir.path().join("vp.svg");
    let out = w.run(&["present", &id, "--qr", p(&svg)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&std::fs::read(&svg).unwrap()).contains("<svg"));
}

fn many(w: &TestWallet) -> Vec<String> {
    ["36-complete-openbadgecredential", "35-sample-openbadgecredential", "37-sample-endorsementcredential"]
        .iter()
        .map(|n| imported(w, &vector(&format!("{SPEC}/example-{n}.signed.json"))))
        .collect()
}

#[test]
fn a_presentation_too_large_for_one_code_is_written_as_numbered_parts_read_in_any_order_and_a_missing_one_is_named() {
    let w = TestWallet::new();
    let ids = many(&w);
    let base = w.dir.path().join("parts.png");
    let mut args = vec!["present"];
    args.extend(ids.iter().map(String::as_str));
    args.extend(["--qr", p(&base), "--json"]);
    let out = w.run(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let made: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<String> =
        made["qr"]["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
    let n = files.len();
    assert!(n > 1, "{made}");
    assert!(files[0].ends_with(&format!("parts-1of{n}.png")), "{files:?}");

    let mut shuffled: Vec<&str> = files.iter().map(String::as_str).rev().collect();
    shuffled.rotate_left(1);
    let mut args = shuffled.clone();
    args.push("--json");
    let out = verify(&w, &args);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    let r = &report["presentations"][0];
    assert_eq!(r["checks"][1]["outcome"], "passed", "{r}");
    assert_eq!(r["credentials"].as_array().unwrap().len(), 3);

    let without_two: Vec<&str> =
        files.iter().map(String::as_str).filter(|f| !f.contains(&format!("-2of{n}"))).collect();
    let out = verify(&w, &without_two);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("part 2 of {n}")) && err.contains("missing"), "{err}");
}

#[test]
fn a_presentation_signed_by_another_wallet_for_this_holder_is_invalid() {
    let w = TestWallet::new();
    let thief = TestWallet::new();
    let id = imported(&w, &typical());
    let vp = w.dir.path().join("vp.json");
    assert!(w.run(&["present", &id, "-o", p(&vp)]).status.success());
    let theirs = thief.dir.path().join("theirs.json");
    let tid = imported(&thief, &typical());
    assert!(thief.run(&["present", &tid, "-o", p(&theirs)]).status.success());
    // The thief's proof under the learner's name.
    let mut forged: serde_json::Value = serde_json::from_slice(&std::fs::read(&theirs).unwrap()).unwrap();
    let mine: serde_json::Value = serde_json::from_slice(&std::fs::read(&vp).unwrap()).unwrap();
    forged["holder"] = mine["holder"].clone();
    let file = w.dir.path().join("forged.json");
    std::fs::write(&file, serde_json::to_vec(&forged).unwrap()).unwrap();
    let out = verify(&w, &[p(&file)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("not of its holder"), "{}", text(&out.stdout));
}

#[test]
fn linkedin_gives_the_add_to_profile_link_for_a_hosted_badge_and_says_why_not_for_others() {
    // The 1EdTech validator's Open Badges 2.0 hosted assertion, its badge class and issuer,
    // served from loopback; the assertion keeps its published https `id`, its hosted address.
    let base: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let known = base.clone();
    let server = Server::start(move |path| {
        let file = match path {
            "/assertion.json" => "2_0_basic_assertion.json",
            "/badge.json" => "2_0_basic_badgeclass.json",
            "/issuer.json" => "2_0_basic_issuer.json",
            _ => return Reply::Body(404, "text/plain", b"not found".to_vec()),
        };
        let here = known.get().cloned().unwrap_or_default();
        let body = std::fs::read_to_string(vector(&format!("{OB2}/{file}")))
            .unwrap()
            .replace("\"https://example.org/robotics-badge.json\"", &format!("\"{here}/badge.json\""))
            .replace("\"https://example.org/organization.json\"", &format!("\"{here}/issuer.json\""));
        Reply::Body(200, "application/json", body.into_bytes())
    });
    base.set(server.base.clone()).unwrap();
    let w = TestWallet::new();
    let out = w.run(&["import", &server.url("/assertion.json")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ob2 = w.ids()[0].clone();
    let out = w.run(&["present", &ob2, "--linkedin"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let link = text(&out.stdout).trim().to_string();
    assert!(
        link.starts_with(
            "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=Awesome+Robotics+Badge"
        ),
        "{link}"
    );
    assert!(link.contains("&issueYear=2016&issueMonth=12"), "{link}");
    assert!(link.contains("&certUrl=https%3A%2F%2Fexample.org%2Fbeths-robotics-badge.json"), "{link}");

    // The presentation carries the hosted badge as its address.
    let vp = w.dir.path().join("vp.json");
    assert!(w.run(&["present", &ob2, "-o", p(&vp)]).status.success());
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&vp).unwrap()).unwrap();
    assert_eq!(doc["verifiableCredential"][0], "https://example.org/beths-robotics-badge.json");

    let ob3 = imported(&w, &typical());
    let out = w.run(&["present", &ob3, "--linkedin"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no LinkedIn link") && err.contains("no public copy"), "{err}");
    let png = w.dir.path().join("link.png");
    let out = w.run(&["present", &ob2, "--qr", p(&png), "--qr-link"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let texts = stapel_core::present::qr::read_image(&std::fs::read(&png).unwrap()).unwrap();
    assert_eq!(texts, ["https://example.org/beths-robotics-badge.json"]);
}
