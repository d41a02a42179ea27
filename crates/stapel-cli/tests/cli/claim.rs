//! `stapel claim` end to end: the real binary claims from the loopback issuer in the testkit
//! (a link, a file, a QR picture, standard input; a transaction code from a file; deferred
//! claims polled and cancelled) and from a third-party issuer, oid4vc-ts
//! (`tests/third-party-issuer`), run with Node on loopback.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};
use stapel_core::present::HolderKey;
use stapel_testkit::issuer::{self, Fault, Issuer, Options, Order};

use crate::support::{TestWallet, text};

fn school() -> HolderKey {
    HolderKey::from_secret_bytes(&[11; 32])
}

fn issue(order: &Order) -> Value {
    let school = school();
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

fn json_out(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {} / {}", text(&out.stdout), text(&out.stderr)))
}

#[test]
fn claim_takes_a_link_a_file_a_qr_picture_and_standard_input() {
    let issuer = Issuer::start(Options::new(issue));
    let w = TestWallet::new();
    let out = w.run(&["claim", &issuer.offer_uri()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line = text(&out.stdout);
    assert!(
        line.starts_with("claimed ") && line.trim_end().ends_with(": Statistiek 1 from Hogeschool Lusback (verified)"),
        "{line}"
    );
    assert!(
        text(&out.stderr).contains("Loopback University of Applied Sciences offers Data literacy"),
        "{}",
        text(&out.stderr)
    );
    let listed = w.list();
    assert_eq!(listed["credentials"][0]["verification"]["result"], "verified", "{listed}");

    // A file holding the link, a QR picture of it, and standard input: the same credential.
    let file = w.dir.path().join("offer.txt");
    std::fs::write(&file, format!("{}\n", issuer.offer_by_reference())).unwrap();
    let picture = w.dir.path().join("offer.png");
    std::fs::write(&picture, stapel_core::present::qr::png(&issuer.offer_uri()).unwrap()).unwrap();
    for args in [vec!["claim", file.to_str().unwrap(), "--json"], vec!["claim", picture.to_str().unwrap(), "--json"]] {
        let out = w.run(&args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let v = json_out(&out);
        assert_eq!(v["claimed"][0]["result"], "verified");
        assert_eq!(v["claimed"][0]["already_present"], true);
        assert_eq!(v["claimed"][0]["configuration"], "OpenBadge_JWT");
        assert_eq!(v["pending"], json!([]));
    }
    let out = w.run_with_stdin(&["claim", "-", "--json"], issuer.offer_uri().as_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(w.ids().len(), 1);
}

#[test]
fn the_transaction_code_comes_from_a_file_and_a_wrong_one_changes_nothing() {
    let issuer = Issuer::start(Options { tx_code: Some("4711".into()), ..Options::new(issue) });
    let w = TestWallet::new();
    let before = w.snapshot();
    // No code and no terminal to ask at: one plain line, nothing sent to the token endpoint.
    let out = w.run(&["claim", &issuer.offer_uri()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--tx-code-file"), "{}", text(&out.stderr));
    assert!(!issuer.routes().contains(&"POST /token".to_string()));
    let code = w.dir.path().join("code");
    std::fs::write(&code, "1234\n").unwrap();
    let out = w.run(&["claim", &issuer.offer_uri(), "--tx-code-file", code.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json_out(&out);
    assert_eq!(v["error"]["code"], "wrong_tx_code", "{v}");
    assert_eq!(w.snapshot(), before, "the wallet is unchanged");
    // The wrong length is caught before anything is sent.
    std::fs::write(&code, "12345\n").unwrap();
    let out = w.run(&["claim", &issuer.offer_uri(), "--tx-code-file", code.to_str().unwrap()]);
    assert!(text(&out.stderr).contains("has 4 characters"), "{}", text(&out.stderr));
    std::fs::write(&code, "4711\n").unwrap();
    let out = w.run(&["claim", &issuer.offer_uri(), "--tx-code-file", code.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_failed_claim_is_one_line_and_leaves_the_wallet_as_it_was() {
    let w = TestWallet::new();
    let before = w.snapshot();
    for (offer, says) in [
        ("openid-credential-offer://?nothing=here", "neither credential_offer nor credential_offer_uri"),
        ("no-such-file.txt", "not an offer link, and no such file"),
    ] {
        let out = w.run(&["claim", offer]);
        assert_eq!(out.status.code(), Some(1), "{offer}");
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
    }
    let issuer = Issuer::start(Options { faults: vec![Fault::ExpiredCode], ..Options::new(issue) });
    let out = w.run(&["claim", &issuer.offer_uri()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("refused while getting an access token"), "{}", text(&out.stderr));
    assert_eq!(w.snapshot(), before);
}

#[test]
fn a_deferred_claim_is_listed_polled_and_cancelled() {
    let issuer = Issuer::start(Options { faults: vec![Fault::Deferred], ..Options::new(issue) });
    let w = TestWallet::new();
    let v = json_out(&w.run(&["claim", &issuer.offer_uri(), "--json"]));
    assert_eq!(v["claimed"], json!([]));
    let id = v["pending"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(v["pending"][0]["issuer"], issuer.id);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    // First poll: still pending at the issuer. Second, after the interval: it arrives.
    let v = json_out(&w.run(&["claim", "--pending", "--json"]));
    assert_eq!(v["pending"][0]["id"], id.as_str(), "{v}");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = w.run(&["claim", "--pending"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Statistiek 1 from Hogeschool Lusback (verified)"), "{}", text(&out.stdout));
    assert_eq!(text(&w.run(&["claim", "--pending"]).stdout).trim(), "no pending claims");

    let v = json_out(&w.run(&["claim", &issuer.offer_uri(), "--json"]));
    let id = v["pending"][0]["id"].as_str().unwrap().to_string();
    let out = w.run(&["claim", "--cancel", &id[..8]]);
    assert!(text(&out.stdout).starts_with(&format!("cancelled the pending claim {id}")), "{}", text(&out.stdout));
    assert_eq!(text(&w.run(&["claim", "--pending"]).stdout).trim(), "no pending claims");
}

#[test]
fn removing_a_claimed_credential_tells_its_issuer() {
    let issuer = Issuer::start(Options::new(issue));
    let w = TestWallet::new();
    let v = json_out(&w.run(&["claim", &issuer.offer_uri(), "--json"]));
    let id = v["claimed"][0]["id"].as_str().unwrap().to_string();
    let out = w.run(&["remove", &id[..12]]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("told its issuer it was removed (credential_deleted)"), "{}", text(&out.stdout));
    assert_eq!(
        issuer.seen().notifications.last(),
        Some(&json!({"notification_id": "n-1", "event": "credential_deleted"}))
    );
    assert!(w.ids().is_empty());
}

#[test]
fn an_offer_that_asks_to_sign_in_opens_the_browser_and_waits_for_it() {
    let issuer =
        Issuer::start(Options { grant: issuer::Grant::AuthorizationCode { par: true }, ..Options::new(issue) });
    let w = TestWallet::new();
    // $BROWSER as a learner might set it; curl plays the browser that signs in and follows the
    // redirect back to Stapel.
    let out = w
        .command()
        .args(["claim", &issuer.offer_uri(), "--json"])
        .env("BROWSER", "curl -sfL -o /dev/null %s")
        .env("STAPEL_OAUTH_CLIENT_ID", "wallet-registered-at-lusback")
        .output()
        .unwrap();
    assert!(out.status.success(), "{} {}", text(&out.stdout), text(&out.stderr));
    assert_eq!(json_out(&out)["claimed"][0]["result"], "verified");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("sign in at the issuer in your browser"), "{stderr}");
    assert!(stderr.contains(&issuer.server.url("/authorize?client_id=wallet-registered-at-lusback")), "{stderr}");
    let pushed = issuer.seen().requests.into_iter().find(|r| r.route() == "/par").unwrap();
    assert_eq!(pushed.field("client_id").as_deref(), Some("wallet-registered-at-lusback"));

    // No browser starts and nobody signs in: the address is printed, the wait ends, nothing kept.
    let issuer =
        Issuer::start(Options { grant: issuer::Grant::AuthorizationCode { par: false }, ..Options::new(issue) });
    let w = TestWallet::new();
    let before = w.snapshot();
    let out = w
        .command()
        .args(["claim", &issuer.offer_uri(), "--sign-in-timeout", "1", "--json"])
        .env("BROWSER", "no-such-browser-anywhere")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_out(&out)["error"]["code"], "sign_in_timed_out");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("cannot start the browser (no-such-browser-anywhere)"), "{stderr}");
    assert!(stderr.contains(&issuer.server.url("/authorize?response_type=code")), "{stderr}");
    assert_eq!(w.snapshot(), before);
    let out = w.run(&["claim", &issuer.offer_uri(), "--sign-in-timeout", "0"]);
    assert_eq!(out.status.code(), Some(2), "a zero wait is refused as an argument");
}

// ---- The third-party issuer: oid4vc-ts on Node ----

struct NodeIssuer {
    child: Child,
    offer: String,
}

impl Drop for NodeIssuer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn third_party_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/third-party-issuer");
    assert!(
        dir.join("node_modules/@openid4vc/openid4vci").is_dir(),
        "the third-party issuer is not installed: run tests/third-party-issuer/setup (./scripts/test does)"
    );
    dir
}

fn start_node_issuer(extra: &[&str]) -> NodeIssuer {
    let dir = third_party_dir();
    let mut child = Command::new("node")
        .arg("server.mjs")
        .args(["--port", "0"])
        .args(extra)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("openid-credential-offer://"), "the issuer did not print its offer: {line:?}");
    NodeIssuer { child, offer: line.trim().to_string() }
}

#[test]
fn a_claim_from_oid4vc_ts_lands_verified() {
    // `--dpop`: the library requires DPoP with ES256 and a server nonce, and checks the proofs.
    // ES256 only: the proof is made with the wallet's P-256 key, named by `jwk`; the library
    // checks it, and binds the credential to that key's did:jwk (its members in its own order).
    for extra in [&[][..], &["--vcdm", "1.1"][..], &["--dpop"][..], &["--proof-algs", "ES256", "--binding", "jwk"][..]]
    {
        let node = start_node_issuer(extra);
        let w = TestWallet::new();
        let out = w.run(&["claim", &node.offer, "--json"]);
        assert!(out.status.success(), "{extra:?}: {} {}", text(&out.stdout), text(&out.stderr));
        let v = json_out(&out);
        assert_eq!(v["claimed"].as_array().unwrap().len(), 1, "{v}");
        assert_eq!(v["claimed"][0]["result"], "verified", "{extra:?}: {v}");
        assert_eq!(v["refused"], json!([]));
    }
    // With a transaction code, typed from a file.
    let node = start_node_issuer(&["--tx-code", "493817"]);
    let w = TestWallet::new();
    let code = w.dir.path().join("code");
    std::fs::write(&code, "493817\n").unwrap();
    let out = w.run(&["claim", &node.offer, "--tx-code-file", code.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(json_out(&out)["claimed"][0]["result"], "verified");
}

#[test]
fn signing_in_at_oid4vc_ts_claims_with_par_and_pkce_and_with_dpop() {
    // The library parses and verifies the pushed request, and checks the code and the PKCE
    // verifier at the token endpoint; with --dpop it requires DPoP there and at the credential.
    for extra in [&["--sign-in"][..], &["--sign-in", "--dpop"][..]] {
        let node = start_node_issuer(extra);
        let w = TestWallet::new();
        let out = w
            .command()
            .args(["claim", &node.offer, "--sign-in-timeout", "20", "--json"])
            .env("BROWSER", "curl -sfL -o /dev/null %s")
            .output()
            .unwrap();
        assert!(out.status.success(), "{extra:?}: {} {}", text(&out.stdout), text(&out.stderr));
        let v = json_out(&out);
        assert_eq!(v["claimed"][0]["result"], "verified", "{extra:?}: {v}");
        assert!(text(&out.stderr).contains("/authorize?client_id=stapel-wallet&request_uri="), "{}", text(&out.stderr));
    }
}
