//! The Claim screen's logic (`claiming`) against the loopback OpenID4VCI issuer in
//! `stapel-testkit`: who offers what in the learner's language, the transaction code checked
//! before anything is sent, the claim's steps, the kept card verified, an offer spent or given
//! back, a sign-in in a browser, pending claims polled and cancelled, and a failed claim that
//! leaves the wallet as it was.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use stapel_core::claim::Browser;
use stapel_core::net::{HttpFetcher, HttpPolicy};
use stapel_core::present::HolderKey;
use stapel_core::store::{Protection, Unlock};
use stapel_core::verify::Verdict;
use stapel_testkit::issuer::{self, Fault, Grant, Issuer, Options, Order};

use crate::claiming::{self, ClaimProgress, SignIn};
use crate::listing::{self, Chip};
use crate::tests::{FAST, secret};
use crate::wallet::Held;

fn loopback() -> HttpFetcher {
    HttpFetcher::new(HttpPolicy {
        allow_loopback_http: true,
        timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(1),
        ..HttpPolicy::default()
    })
    .unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).single().unwrap()
}

/// The issuing school's key and its did:key.
fn school() -> HolderKey {
    HolderKey::from_secret_bytes(&[7; 32])
}

/// An Open Badges 3.0 credential for the order's holder, signed by the school as a VC-JOSE JWT.
fn issue_jwt(order: &Order) -> Value {
    let school = school();
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:0c8d7f3e-2a41-4e61-9d5b-6a1f2e3d4c5b",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": school.did(), "type": ["Profile"], "name": "Hogeschool Lusback"},
        "validFrom": "2026-11-01T00:00:00Z",
        "name": "Datageletterdheid",
        "credentialSubject": {
            "id": order.holder,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://lusback.example/achievements/data-literacy",
                "type": ["Achievement"],
                "name": "Datageletterdheid",
                "description": "Data lezen, bewerken en kritisch beoordelen.",
                "criteria": {"narrative": "Een beoordeeld eindproduct."}
            }
        }
    });
    let header = json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": school.verification_method()});
    Value::String(issuer::compact_jws(&header, &credential, &|input| school.sign(input).to_vec()))
}

fn open_wallet(dir: &tempfile::TempDir) -> Held {
    let held = Held::new(Some(dir.path().join("wallet.db")), FAST);
    held.create(Protection::Passphrase(secret("a long passphrase"))).unwrap();
    held
}

fn count(held: &Held) -> usize {
    held.list().unwrap().len()
}

/// A browser that must not be asked (pre-authorized claims).
struct NoBrowserWanted;

impl Browser for NoBrowserWanted {
    fn open(&self, url: &str) -> Result<(), String> {
        panic!("a pre-authorized claim opened the browser at {url}");
    }
}

/// The learner's browser: opens the sign-in address and follows its redirects (plain HTTP/1.1
/// over loopback) on its own thread, while the wallet waits at its one-time listener.
#[derive(Default)]
struct LoopbackBrowser {
    opened: std::sync::Mutex<Vec<String>>,
}

impl Browser for LoopbackBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        self.opened.lock().unwrap().push(url.to_string());
        let url = url.to_string();
        std::thread::spawn(move || follow(&url, 5));
        Ok(())
    }
}

/// GETs `url` (http://127.0.0.1:PORT/…) and follows `Location` at most `hops` times.
fn follow(url: &str, hops: usize) {
    let Some(rest) = url.strip_prefix("http://") else { return };
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let Ok(mut stream) = std::net::TcpStream::connect(host) else { return };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let location = answer
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("Location: ").or_else(|| l.strip_prefix("location: ")))
        .map(str::trim);
    if let (Some(next), true) = (location, hops > 0) {
        follow(next, hops - 1);
    }
}

/// Claims `offer` with `code`, recording the steps sent.
fn claim_with(
    held: &Held,
    offer: u64,
    code: Option<&str>,
    browser: &dyn Browser,
    wait: Duration,
) -> (Result<stapel_core::wallet::claim::KeptClaim, crate::error::CommandError>, Vec<ClaimProgress>) {
    let steps = RefCell::new(Vec::new());
    let sign_in = SignIn { browser, client_id: "stapel-wallet".into(), wait };
    let result = claiming::claim(held, offer, code, &sign_in, &loopback(), now(), &|p| steps.borrow_mut().push(p));
    (result, steps.into_inner())
}

#[test]
fn an_offer_says_who_offers_what_in_the_learner_s_language_with_the_logo_and_the_code_asked_for() {
    let issuer = Issuer::start(Options { tx_code: Some("493536".into()), ..Options::new(issue_jwt) });
    let dir = tempfile::tempdir().unwrap();
    let held = open_wallet(&dir);
    let nl = claiming::prepare(&held, &format!("  {}\n", issuer.offer_uri()), "nl", &loopback()).unwrap();
    assert_eq!(nl.issuer, "Hogeschool Lusback");
    assert_eq!(nl.issuer_id, issuer.id);
    assert_eq!(nl.credentials.len(), 1);
    assert_eq!(nl.credentials[0].name, "Datageletterdheid");
    assert_eq!(nl.credentials[0].configuration, "OpenBadge_JWT");
    assert_eq!(nl.credentials[0].refused, None);
    let logo = nl.logo.as_deref().unwrap();
    let png = base64::engine::general_purpose::STANDARD.decode(logo.strip_prefix("data:image/png;base64,").unwrap());
    assert!(png.unwrap().starts_with(b"\x89PNG"), "the issuer's logo, fetched once, as a data: URL");
    assert_eq!(nl.logo_alt.as_deref(), Some("logo"));
    let tx = nl.tx_code.as_ref().unwrap();
    assert_eq!((tx.input_mode.as_str(), tx.length), ("numeric", Some(6)));
    assert_eq!(tx.description.as_deref(), Some("Typ de code uit de e-mail van de hogeschool"));
    assert!(!nl.sign_in);
    // English, by reference, and a newer offer gets a newer number.
    let en = claiming::prepare(&held, &issuer.offer_by_reference(), "en-GB", &loopback()).unwrap();
    assert_eq!(en.issuer, "Loopback University of Applied Sciences");
    assert_eq!(en.credentials[0].name, "Data literacy");
    assert!(en.offer > nl.offer);
    // Nothing was claimed: no token asked for, nothing kept.
    assert!(!issuer.routes().iter().any(|r| r.contains("token")), "{:?}", issuer.routes());
    assert_eq!(count(&held), 0);
}

#[test]
fn what_is_not_an_offer_is_said_plainly_and_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let held = open_wallet(&dir);
    assert_eq!(claiming::prepare(&held, "  ", "en", &loopback()).unwrap_err().code, "offer_missing");
    let err = claiming::prepare(&held, "openid-credential-offer://?foo=bar", "en", &loopback()).unwrap_err();
    assert_eq!(err.code, "offer_invalid");
    assert!(err.message.contains("neither"), "{}", err.message);
    // A configuration the issuer does not describe.
    let issuer = Issuer::start(Options { faults: vec![Fault::UnknownConfiguration], ..Options::new(issue_jwt) });
    assert_eq!(claiming::prepare(&held, &issuer.offer_uri(), "en", &loopback()).unwrap_err().code, "offer_invalid");
    // No offer is kept by a failed preparation: a claim finds none.
    assert_eq!(claim_with(&held, 1, None, &NoBrowserWanted, Duration::ZERO).0.unwrap_err().code, "offer_gone");
}

#[test]
fn a_claim_with_the_code_goes_step_by_step_and_ends_on_the_card_verified() {
    let issuer = Issuer::start(Options { tx_code: Some("493536".into()), ..Options::new(issue_jwt) });
    let dir = tempfile::tempdir().unwrap();
    let held = open_wallet(&dir);
    let offer = claiming::prepare(&held, &issuer.offer_uri(), "nl", &loopback()).unwrap();
    let (kept, steps) = claim_with(&held, offer.offer, Some(" 493536 "), &NoBrowserWanted, Duration::ZERO);
    let kept = kept.unwrap();
    assert!(kept.refused.is_empty() && kept.pending.is_empty(), "{kept:?}");
    assert_eq!(kept.kept.len(), 1);
    let card = &kept.kept[0];
    assert_eq!((card.title.as_str(), card.issuer.as_str()), ("Datageletterdheid", "Hogeschool Lusback"));
    assert_eq!(card.result, Verdict::Verified);
    let names: Vec<(&str, usize, usize)> = steps.iter().map(|p| (p.step, p.done, p.total)).collect();
    assert_eq!(names, vec![("claiming", 0, 0), ("keeping", 0, 1), ("keeping", 1, 1)]);
    // The card the screen opens is in the wallet, verified, with the issuer's originals.
    let detail = held.with(|w| listing::detail(w, &card.id, now())).unwrap();
    assert_eq!(detail.chip, Chip::Verified);
    assert_eq!(detail.verification.unwrap().report.result, Verdict::Verified);
    assert_eq!(count(&held), 1);
    // The logo shown with the offer is the one kept with the card: fetched once.
    assert_eq!(issuer.routes().iter().filter(|r| *r == "GET /logo.png").count(), 1, "{:?}", issuer.routes());
    let roles: Vec<String> =
        held.with(|w| Ok(w.get(&card.id)?.originals)).unwrap().into_iter().map(|o| o.role).collect();
    assert!(roles.contains(&"issuer-logo".to_string()), "{roles:?}");
    // The offer is spent: claiming it again asks nothing of the issuer.
    let tokens = issuer.routes().iter().filter(|r| r.contains("token")).count();
    let again = claim_with(&held, offer.offer, Some("493536"), &NoBrowserWanted, Duration::ZERO).0;
    assert_eq!(again.unwrap_err().code, "offer_gone");
    assert_eq!(issuer.routes().iter().filter(|r| r.contains("token")).count(), tokens);
}

#[test]
fn a_mistyped_or_wrong_code_changes_nothing_and_the_same_offer_can_be_claimed_after() {
    let issuer = Issuer::start(Options { tx_code: Some("493536".into()), ..Options::new(issue_jwt) });
    let dir = tempfile::tempdir().unwrap();
    let held = open_wallet(&dir);
    let offer = claiming::prepare(&held, &issuer.offer_uri(), "nl", &loopback()).unwrap().offer;
    let code_of = |code: Option<&str>| claim_with(&held, offer, code, &NoBrowserWanted, Duration::ZERO).0.unwrap_err();
    // Checked here before anything is sent.
    assert_eq!(code_of(None).code, "tx_code_needed");
    assert_eq!(code_of(Some("")).code, "tx_code_needed");
    assert_eq!(code_of(Some("4935")).code, "tx_code_length");
    assert_eq!(code_of(Some("49353a")).code, "tx_code_digits");
    assert!(!issuer.routes().iter().any(|r| r.contains("token")), "nothing was sent: {:?}", issuer.routes());
    // A wrong code: the issuer says no, the wallet is unchanged, and the code is in no message.
    let wrong = code_of(Some("000000"));
    assert_eq!(wrong.code, "wrong_tx_code");
    assert!(!wrong.message.contains("000000"), "{}", wrong.message);
    assert_eq!(count(&held), 0);
    assert!(claiming::pending(&held, "nl").unwrap().is_empty());
    // Typed again, rightly: the same offer is claimed.
    let (kept, _) = claim_with(&held, offer, Some("493536"), &NoBrowserWanted, Duration::ZERO);
    assert_eq!(kept.unwrap().kept.len(), 1);
    assert_eq!(count(&held), 1);
}

#[test]
fn an_issuer_that_fails_leaves_the_wallet_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let held = open_wallet(&dir);
    for (fault, code) in [
        (Fault::ExpiredCode, "issuer_refused"),
        (Fault::InvalidNonceAlways, "issuer_refused"),
        (Fault::RequiresEncryption, "claim_unsupported"),
        (Fault::HugeResponse, "fetch_failed"),
    ] {
        let issuer = Issuer::start(Options { faults: vec![fault], ..Options::new(issue_jwt) });
        let offer = claiming::prepare(&held, &issuer.offer_uri(), "en", &loopback()).unwrap().offer;
        let (result, _) = claim_with(&held, offer, None, &NoBrowserWanted, Duration::ZERO);
        let err = result.unwrap_err();
        assert_eq!(err.code, code, "{fault:?}: {}", err.message);
        assert!(!err.message.is_empty());
        assert_eq!(count(&held), 0, "{fault:?}");
        assert!(claiming::pending(&held, "nl").unwrap().is_empty(), "{fault:?}");
    }
    // A credential issued to someone else is refused, not kept, and the issuer told.
    let other = HolderKey::from_secret_bytes(&[9; 32]).did();
    let issuer =
        Issuer::start(Options::new(move |o: &Order| issue_jwt(&Order { holder: Some(other.clone()), ..o.clone() })));
    let offer = claiming::prepare(&held, &issuer.offer_uri(), "en", &loopback()).unwrap().offer;
    let kept = claim_with(&held, offer, None, &NoBrowserWanted, Duration::ZERO).0.unwrap();
    assert!(kept.kept.is_empty());
    assert!(kept.refused[0].reason.contains("not to this wallet"), "{:?}", kept.refused);
    assert_eq!(count(&held), 0);
}

#[test]
fn a_locked_wallet_forgets_the_offer_and_a_claim_while_locked_asks_the_issuer_nothing() {
    let issuer = Issuer::start(Options::new(issue_jwt));
    let dir = tempfile::tempdir().unwrap();
    let held = open_wallet(&dir);
    // Locked after reading: the offer goes with the wallet.
    let offer = claiming::prepare(&held, &issuer.offer_uri(), "en", &loopback()).unwrap().offer;
    held.lock();
    held.unlock(Unlock::Passphrase(secret("a long passphrase"))).unwrap();
    assert_eq!(claim_with(&held, offer, None, &NoBrowserWanted, Duration::ZERO).0.unwrap_err().code, "offer_gone");
    // Read while locked: the claim says so and asks nothing; after the unlock it goes through.
    held.lock();
    let offer = claiming::prepare(&held, &issuer.offer_uri(), "en", &loopback()).unwrap().offer;
    assert_eq!(claim_with(&held, offer, None, &NoBrowserWanted, Duration::ZERO).0.unwrap_err().code, "locked");
    assert!(!issuer.routes().iter().any(|r| r.contains("token")));
    // (the page reads the offer again after the unlock, as the lock forgot it)
    held.unlock(Unlock::Passphrase(secret("a long passphrase"))).unwrap();
    let offer = claiming::prepare(&held, &issuer.offer_uri(), "en", &loopback()).unwrap().offer;
    assert_eq!(claim_with(&held, offer, None, &NoBrowserWanted, Duration::ZERO).0.unwrap().kept.len(), 1);
    // The page's word to forget it.
    let offer = claiming::prepare(&held, &issuer.offer_uri(), "en", &loopback()).unwrap().offer;
    held.forget_offer();
    assert_eq!(claim_with(&held, offer, None, &NoBrowserWanted, Duration::ZERO).0.unwrap_err().code, "offer_gone");
}

#[test]
fn a_sign_in_offer_opens_the_browser_tells_the_page_the_address_and_lands_the_card() {
    let issuer = Issuer::start(Options { grant: Grant::AuthorizationCode { par: false }, ..Options::new(issue_jwt) });
    let dir = tempfile::tempdir().unwrap();
    let held = open_wallet(&dir);
    let offer = claiming::prepare(&held, &issuer.offer_uri(), "nl", &loopback()).unwrap();
    assert!(offer.sign_in);
    assert!(offer.tx_code.is_none());
    let browser = LoopbackBrowser::default();
    let (kept, steps) = claim_with(&held, offer.offer, None, &browser, Duration::from_secs(10));
    let kept = kept.unwrap();
    assert_eq!(kept.kept.len(), 1, "{kept:?}");
    assert_eq!(kept.kept[0].result, Verdict::Verified);
    let opened = browser.opened.lock().unwrap().clone();
    assert_eq!(opened.len(), 1);
    assert!(opened[0].starts_with(&format!("{}/authorize?", issuer.server.base)), "{opened:?}");
    assert_eq!(steps[0].step, "signing_in");
    assert_eq!(steps[0].url.as_deref(), Some(opened[0].as_str()), "the address, for opening by hand");
    let names: Vec<&str> = steps.iter().map(|p| p.step).collect();
    assert_eq!(names, vec!["signing_in", "claiming", "keeping", "keeping"]);
    assert_eq!(count(&held), 1);
}

#[test]
fn an_abandoned_sign_in_ends_after_the_wait_keeps_nothing_and_the_offer_can_be_tried_again() {
    let issuer = Issuer::start(Options {
        grant: Grant::AuthorizationCode { par: false },
        faults: vec![Fault::NeverSignsIn],
        ..Options::new(issue_jwt)
    });
    let dir = tempfile::tempdir().unwrap();
    let held = open_wallet(&dir);
    let offer = claiming::prepare(&held, &issuer.offer_uri(), "en", &loopback()).unwrap().offer;
    let browser = LoopbackBrowser::default();
    let (result, steps) = claim_with(&held, offer, None, &browser, Duration::from_secs(1));
    assert_eq!(result.unwrap_err().code, "sign_in_timed_out");
    assert_eq!(steps.len(), 1, "only the sign-in was started: {steps:?}");
    assert_eq!(count(&held), 0);
    // Given back: the same offer can be signed in for again (and is abandoned again).
    let (again, _) = claim_with(&held, offer, None, &browser, Duration::from_secs(1));
    assert_eq!(again.unwrap_err().code, "sign_in_timed_out");
    assert_eq!(browser.opened.lock().unwrap().len(), 2);
}

#[test]
fn a_deferred_claim_is_pending_at_its_issuer_polled_when_due_and_can_be_cancelled() {
    let issuer = Issuer::start(Options { faults: vec![Fault::Deferred], ..Options::new(issue_jwt) });
    let dir = tempfile::tempdir().unwrap();
    let held = open_wallet(&dir);
    let offer = claiming::prepare(&held, &issuer.offer_uri(), "en", &loopback()).unwrap().offer;
    let kept = claim_with(&held, offer, None, &NoBrowserWanted, Duration::ZERO).0.unwrap();
    assert!(kept.kept.is_empty());
    assert_eq!(kept.pending.len(), 1);
    let pending = claiming::pending(&held, "en").unwrap();
    assert_eq!(pending, kept.pending);
    assert_eq!(pending[0].issuer, issuer.id);
    assert_eq!(pending[0].configuration, "OpenBadge_JWT");
    // Shown by the names in the issuer's metadata, in the learner's language.
    assert_eq!(
        (pending[0].title.as_str(), pending[0].issuer_name.as_str()),
        ("Data literacy", "Loopback University of Applied Sciences")
    );
    let dutch = claiming::pending(&held, "nl").unwrap();
    assert_eq!((dutch[0].title.as_str(), dutch[0].issuer_name.as_str()), ("Datageletterdheid", "Hogeschool Lusback"));
    let polls = || issuer.routes().iter().filter(|r| *r == "POST /deferred").count();
    // Not due yet: nothing asked.
    let out = claiming::poll(&held, "en", &loopback(), now()).unwrap();
    assert_eq!((out.pending.len(), polls()), (1, 0));
    // Due: still pending at the issuer.
    let out = claiming::poll(&held, "en", &loopback(), now() + chrono::Duration::seconds(2)).unwrap();
    assert_eq!((out.pending.len(), polls()), (1, 1));
    // It arrives, verified.
    let out = claiming::poll(&held, "en", &loopback(), now() + chrono::Duration::seconds(5)).unwrap();
    assert_eq!(out.kept.len(), 1, "{out:?}");
    assert_eq!(out.kept[0].result, Verdict::Verified);
    assert!(claiming::pending(&held, "nl").unwrap().is_empty());
    assert_eq!(count(&held), 1);

    // A second deferred claim, cancelled by a prefix of its id.
    let issuer = Issuer::start(Options { faults: vec![Fault::Deferred], ..Options::new(issue_jwt) });
    let offer = claiming::prepare(&held, &issuer.offer_uri(), "en", &loopback()).unwrap().offer;
    let id = claim_with(&held, offer, None, &NoBrowserWanted, Duration::ZERO).0.unwrap().pending[0].id.clone();
    assert_eq!(claiming::cancel(&held, "no-such-claim", "nl").unwrap_err().code, "unknown_pending_claim");
    assert_eq!(claiming::cancel(&held, &id[..8], "nl").unwrap().id, id);
    assert!(claiming::pending(&held, "nl").unwrap().is_empty());
    assert_eq!(count(&held), 1);
    held.lock();
    assert_eq!(claiming::pending(&held, "nl").unwrap_err().code, "locked");
}

#[test]
fn an_offer_link_that_arrives_while_the_wallet_is_locked_waits_for_the_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let held = open_wallet(&dir);
    let links = claiming::Links::default();
    assert!(!links.arrive(["stapel-app", "--verbose", "https://example.org/badge.json"]), "no offer among them");
    assert_eq!(links.take(&held), None);
    held.lock();
    assert!(links.arrive([
        "stapel-app",
        "openid-credential-offer://?credential_offer_uri=a",
        "HAIP://?credential_offer_uri=b"
    ]));
    assert_eq!(links.take(&held), None, "locked: it waits");
    assert_eq!(links.take(&held), None, "still waiting, not lost");
    held.unlock(Unlock::Passphrase(secret("a long passphrase"))).unwrap();
    assert_eq!(links.take(&held).as_deref(), Some("HAIP://?credential_offer_uri=b"), "the newest");
    assert_eq!(links.take(&held), None, "taken once");
}

#[test]
fn the_schemes_stapel_registers_for_are_the_ones_it_takes_offer_links_by() {
    let conf: Value = serde_json::from_str(
        &std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tauri.conf.json")).unwrap(),
    )
    .unwrap();
    let schemes: Vec<&str> = conf["plugins"]["deep-link"]["desktop"]["schemes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(schemes, claiming::LINK_SCHEMES);
    assert!(claiming::is_offer_link("openid-credential-offer://?credential_offer_uri=x"));
    assert!(!claiming::is_offer_link("openid-credential-offer-not://x") && !claiming::is_offer_link("--flag"));
}
