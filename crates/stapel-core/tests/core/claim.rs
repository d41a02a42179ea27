//! Claiming over OpenID4VCI (issue 16): offers read from the specification's own examples and
//! EUDI's test cases in `../shared/vectors/6-oid4vci`, and whole claims against the loopback
//! issuer in `stapel-testkit` (1.0 final and draft 13), with each way an issuer can fail or
//! misbehave. After every failure the wallet is asserted unchanged.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use stapel_core::claim::{self, ClaimError, Dialect, ProofKey, read_offer};
use stapel_core::net::{FetchError, HttpFetcher, HttpPolicy, MapFetcher, Offline};
use stapel_core::present::HolderKey;
use stapel_core::store::{KdfParams, ListQuery, Protection, Secret, Wallet};
use stapel_core::verify::Verdict;
use stapel_core::wallet::claim::{ClaimKeys, KeptClaim, keep_claimed, run_for_claim, show_offer};
use stapel_testkit::issuer::{self, Fault, Issuer, Options, Order};

const CHEAP: KdfParams = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };
const OID: &str = "6-oid4vci/openid-OpenID4VCI";
const EUDI: &str = "6-oid4vci/eudi-lib-jvm-openid4vci-kt/src/test/resources/eu/europa/ec/eudi/openid4vci/internal";

fn text(rel: &str) -> String {
    std::fs::read_to_string(stapel_testkit::vector(rel)).unwrap()
}

/// The JSON body of an example stored as an HTTP response (after the blank line).
fn http_body(rel: &str) -> String {
    let t = text(rel);
    t.split_once("\n\n").or_else(|| t.split_once("\r\n\r\n")).map(|(_, b)| b.to_string()).unwrap_or(t)
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).single().unwrap()
}

fn offer_error(text: &str) -> String {
    match read_offer(text, &Offline) {
        Err(ClaimError::Offer(why)) => why,
        other => panic!("expected the offer to be refused: {text}: {other:?}"),
    }
}

#[test]
fn the_specification_s_offers_are_read_in_every_form() {
    for version in ["1.0-final", "draft-13"] {
        let pre =
            read_offer(&text(&format!("{OID}/{version}/examples/credential_offer_pre-authz_code.json")), &Offline)
                .unwrap();
        assert_eq!(pre.credential_issuer, "https://credential-issuer.example.com");
        assert_eq!(pre.configuration_ids, vec!["UniversityDegreeCredential"]);
        let grant = pre.pre_authorized.unwrap();
        assert_eq!(grant.code, "adhjhdjajkdkhjhdj");
        let tx = grant.tx_code.unwrap();
        assert_eq!(tx.input_mode, "numeric", "the default input mode");
        assert!(tx.description.unwrap().contains("SMS"));

        let multiple = read_offer(
            &text(&format!("{OID}/{version}/examples/credential_offer_multiple_credentials.json")),
            &Offline,
        )
        .unwrap();
        assert_eq!(multiple.configuration_ids.len(), 2);
        assert_eq!(multiple.pre_authorized.unwrap().tx_code.unwrap().length, Some(4));

        // `tx_code: {}` still asks for a code (§6.1: sent "even if the object was empty").
        let empty =
            read_offer(&text(&format!("{OID}/{version}/examples/credential_offer_by_reference.json")), &Offline)
                .unwrap();
        assert!(empty.pre_authorized.unwrap().tx_code.is_some());

        let authz =
            read_offer(&http_body(&format!("{OID}/{version}/examples/credential_offer_authz_code.txt")), &Offline)
                .unwrap();
        assert!(authz.pre_authorized.is_none());
        assert_eq!(authz.authorization_code.unwrap().issuer_state.as_deref(), Some("eyJhbGciOiJSU0Et...FYUaBy"));
    }
    let by_value = read_offer(&text(&format!("{OID}/1.0-final/extracted/offer-uri-1-by-value.txt")), &Offline).unwrap();
    assert_eq!(by_value.configuration_ids, vec!["org.iso.18013.5.1.mDL"]);
    assert_eq!(by_value.pre_authorized.unwrap().tx_code.unwrap().input_mode, "text");
    // The same query on an https link (the spec's GET form, under the issuer's own host).
    let get = text(&format!("{OID}/1.0-final/extracted/offer-get-1-by-value.txt"));
    let query = get.trim().trim_start_matches("GET /credential_offer");
    let link = read_offer(&format!("https://wallet.example.org/credential_offer{query}"), &Offline).unwrap();
    assert_eq!(link.configuration_ids.len(), 2);
    let haip = read_offer(&format!("haip://{query}"), &Offline).unwrap();
    assert_eq!(haip, link);
}

#[test]
fn an_offer_by_reference_is_fetched_under_the_net_policy() {
    let uri = text(&format!("{OID}/1.0-final/extracted/offer-uri-2-by-reference.txt"));
    // Offline, the reference is named and nothing else is asked.
    match read_offer(&uri, &Offline) {
        Err(ClaimError::Network { source: FetchError::Offline { url }, .. }) => {
            assert_eq!(url, "https://server.example.com/credential-offer/GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM")
        }
        other => panic!("{other:?}"),
    }
    // A plain-http reference is refused by the policy users have (EUDI: InvalidCredentialOfferUri).
    let users = HttpFetcher::new(HttpPolicy::default()).unwrap();
    let err = read_offer("openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fissuer.example%2Foffer", &users)
        .unwrap_err();
    assert!(matches!(err, ClaimError::Network { source: FetchError::NotHttps { .. }, .. }), "{err}");
    // On loopback (the opt-in tests use), it is fetched, and must be JSON.
    let server = stapel_testkit::Server::start(|path| match path {
        "/offer" => stapel_testkit::Reply::Body(
            200,
            "application/json",
            text(&format!("{OID}/1.0-final/examples/credential_offer_pre-authz_code.json")).into_bytes(),
        ),
        _ => stapel_testkit::Reply::Body(200, "text/html", b"<html>login</html>".to_vec()),
    });
    let fetcher = loopback();
    let link =
        |path: &str| format!("openid-credential-offer://?credential_offer_uri={}", issuer::encode(&server.url(path)));
    let offer = read_offer(&link("/offer"), &fetcher).unwrap();
    assert_eq!(offer.fetched_from.as_deref(), Some(server.url("/offer").as_str()));
    assert!(offer_error_with(&link("/page"), &fetcher).contains("text/html"));
}

fn offer_error_with(text: &str, fetcher: &dyn stapel_core::net::Fetcher) -> String {
    read_offer(text, fetcher).unwrap_err().to_string()
}

#[test]
fn a_malformed_offer_is_refused_with_its_reason() {
    // EUDI's CredentialOfferRequestTest cases, and the specification's MUSTs.
    assert!(offer_error("file:///etc/passwd").contains("file:"));
    assert!(offer_error("openid-credential-offer://?foo=bar").contains("neither"));
    assert!(
        offer_error("openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https%3A%2F%2Fa.example")
            .contains("both")
    );
    assert!(offer_error("openid-credential-offer://?credential_offer=%7Bnot-json").contains("not valid JSON"));
    assert!(offer_error("").contains("empty"));
    assert!(offer_error(&"x".repeat(70_000)).contains("longer"));
    assert!(
        offer_error(&text(&format!("{EUDI}/credential_offer_with_blank_pre_authorized_code.json"))).contains("blank")
    );
    assert!(
        offer_error(&text(&format!("{EUDI}/credential_offer_with_blank_issuer_state.json"))).contains("issuer_state")
    );
    // EUDI's oversized description comes with a blank code too; each is refused on its own.
    let oversized = text(&format!("{EUDI}/credential_offer_over_sized_tx_code_description.json"));
    assert!(offer_error(&oversized).contains("blank"));
    let mut with_code: Value = serde_json::from_str(&oversized).unwrap();
    with_code["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"] = json!("c0de");
    assert!(offer_error(&with_code.to_string()).contains("over the 300"));
    // The shape before draft 13 is named, not misread.
    for name in ["credential_offer_pre-authz_code.json", "credential_offer_multiple_credentials.json"] {
        assert!(
            offer_error(&text(&format!("{OID}/pre-draft-13_5ec81b66/examples/{name}"))).contains("draft before 13")
        );
    }
    let mut offer: Value =
        serde_json::from_str(&text(&format!("{OID}/1.0-final/examples/credential_offer_pre-authz_code.json"))).unwrap();
    offer["credential_configuration_ids"] = json!([]);
    assert!(offer_error(&offer.to_string()).contains("empty"));
    offer["credential_configuration_ids"] = json!(["a"]);
    offer["credential_issuer"] = json!("https://issuer.example/?tenant=1");
    assert!(offer_error(&offer.to_string()).contains("query"));
    offer["credential_issuer"] = json!("ftp://issuer.example");
    assert!(offer_error(&offer.to_string()).contains("https"));
    // Unknown parameters are ignored.
    offer["credential_issuer"] = json!("https://issuer.example");
    offer["something_new"] = json!({"x": 1});
    assert!(read_offer(&offer.to_string(), &Offline).is_ok());
}

/// The EUDI fixtures' documents, by the URLs the offer leads to.
fn eudi_documents(with_as: bool) -> MapFetcher {
    let dir = stapel_testkit::vector(EUDI);
    let mut map: HashMap<String, PathBuf> = HashMap::from([(
        "https://credential-issuer.example.com/.well-known/openid-credential-issuer".to_string(),
        dir.join("credential_issuer_metadata_valid.json"),
    )]);
    if with_as {
        map.insert(
            "https://keycloak-eudi.netcompany-intrasoft.com/realms/pid-issuer-realm/.well-known/openid-configuration"
                .into(),
            dir.join("oauth_authorization_server_metadata_no_auth_endpoint.json"),
        );
    }
    MapFetcher::new(map, None)
}

#[test]
fn eudi_s_offers_resolve_against_their_metadata_as_eudi_expects() {
    let docs = eudi_documents(true);
    // "resolve success": every configuration is described, and the pre-authorized grant needs no
    // authorization endpoint.
    let offer = read_offer(&text(&format!("{EUDI}/sample_credential_offer.json")), &docs).unwrap();
    let prepared = claim::prepare(offer, &docs).unwrap();
    let formats: Vec<(&str, bool)> =
        prepared.offered.iter().map(|o| (o.configuration.format.as_str(), o.refused.is_none())).collect();
    assert_eq!(
        formats,
        vec![("jwt_vc_json", true), ("mso_mdoc", false), ("ldp_vc", true), ("jwt_vc_json-ld", true)],
        "mdoc is refused by name, the rest are formats Stapel reads"
    );
    assert!(prepared.offered[1].refused.as_ref().unwrap().contains("ISO mdoc"));
    assert_eq!(prepared.tx_code().unwrap().input_mode, "numeric");
    // This issuer requires encrypted responses: the claim stops before the code is spent.
    let key = ClaimKeys {
        ed25519: HolderKey::from_secret_bytes(&[1; 32]),
        p256: stapel_core::present::P256HolderKey::from_secret_bytes(&[1; 32]).unwrap(),
    };
    let err = claim::claim_pre_authorized(&prepared, Some("1234"), &key, &docs, now()).unwrap_err();
    assert!(matches!(&err, ClaimError::Unsupported { reason, .. } if reason.contains("encrypted")), "{err}");

    // InvalidCredentials: a configuration the metadata does not describe.
    let offer = read_offer(&text(&format!("{EUDI}/credential_offer_with_unknown_format.json")), &docs).unwrap();
    let err = claim::prepare(offer, &docs).unwrap_err();
    assert!(err.to_string().contains("\"UnknownCredential\""), "{err}");

    // InvalidGrants: sign-in at a server without an authorization endpoint.
    let offer = read_offer(&text(&format!("{EUDI}/sample_credential_offer_auth_code.json")), &docs).unwrap();
    let err = claim::prepare(offer, &docs).unwrap_err();
    assert!(err.to_string().contains("no authorization endpoint"), "{err}");

    // Without the authorization server's metadata, the step that could not be done is named.
    let offer = read_offer(&text(&format!("{EUDI}/sample_credential_offer.json")), &docs).unwrap();
    let err = claim::prepare(offer, &eudi_documents(false)).unwrap_err();
    assert!(err.to_string().starts_with("reading the authorization server's metadata"), "{err}");
}

// ---- Whole claims against the loopback issuer ----

fn loopback() -> HttpFetcher {
    HttpFetcher::new(HttpPolicy {
        allow_loopback_http: true,
        timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(1),
        ..HttpPolicy::default()
    })
    .unwrap()
}

/// The issuing school's key (a fixed seed) and its did:key.
fn school() -> HolderKey {
    HolderKey::from_secret_bytes(&[7; 32])
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An Open Badges 3.0 credential for the order's holder, as the school would issue it.
fn badge(holder: Option<&str>) -> Value {
    let school = school();
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:5b3c2a8e-9d3f-4f0e-8a57-3f4c1f6a0b21",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": school.did(), "type": ["Profile"], "name": "Hogeschool Lusback"},
        "validFrom": "2026-11-01T00:00:00Z",
        "name": "Datageletterdheid",
        "credentialSubject": {
            "id": holder,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://lusback.example/achievements/data-literacy",
                "type": ["Achievement"],
                "name": "Datageletterdheid",
                "description": "Data lezen, bewerken en kritisch beoordelen.",
                "criteria": {"narrative": "Een beoordeeld eindproduct."}
            }
        }
    })
}

/// The badge as a VCDM 2.0 JOSE credential (`vc+jwt`), signed by the school.
fn signed_jwt(credential: &Value) -> String {
    let school = school();
    let header = json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": school.verification_method()});
    issuer::compact_jws(&header, credential, &|input| school.sign(input).to_vec())
}

fn issue_jwt(order: &Order) -> Value {
    Value::String(signed_jwt(&badge(order.holder.as_deref())))
}

struct Learner {
    _dir: tempfile::TempDir,
    wallet: Wallet,
}

fn new_learner() -> Learner {
    let dir = tempfile::tempdir().unwrap();
    let wallet =
        Wallet::create(&dir.path().join("w.db"), Protection::Passphrase(Secret::new("p".into())), CHEAP).unwrap();
    Learner { _dir: dir, wallet }
}

fn count(wallet: &Wallet) -> usize {
    wallet.list(&ListQuery::default()).unwrap().len()
}

/// Offer → metadata → claim → verify and keep, as the fronts do it.
fn claim_into(learner: &mut Learner, offer: &str, tx_code: Option<&str>) -> Result<KeptClaim, ClaimError> {
    let fetcher = loopback();
    let offer = read_offer(offer, &fetcher)?;
    let shown = show_offer(offer, "nl", &fetcher)?;
    let key = learner.wallet.claim_keys().unwrap();
    let claimed = claim::claim_pre_authorized(&shown.prepared, tx_code, &key, &fetcher, now())?;
    Ok(keep_claimed(&mut learner.wallet, &shown, &claimed, &key, &run_for_claim(&fetcher, now()), &mut |_, _, _| {}))
}

#[test]
fn a_claim_from_a_1_0_issuer_lands_verified_with_its_source_and_the_issuer_told() {
    let issuer = Issuer::start(Options::new(issue_jwt));
    let mut learner = new_learner();
    let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
    assert!(kept.refused.is_empty(), "{:?}", kept.refused);
    assert_eq!(kept.kept.len(), 1);
    let card = &kept.kept[0];
    assert_eq!(card.result, Verdict::Verified, "{card:?}");
    assert_eq!(card.title, "Datageletterdheid");
    assert_eq!(card.issuer, "Hogeschool Lusback");
    assert_eq!(card.configuration, "OpenBadge_JWT");
    // The steps of 1.0, in order, and nothing else asked of the issuer: the logo once, when
    // the offer is shown.
    assert_eq!(
        issuer.routes(),
        vec![
            "GET /.well-known/openid-credential-issuer",
            "GET /.well-known/oauth-authorization-server",
            "GET /logo.png",
            "POST /token",
            "POST /nonce",
            "POST /credential",
            "POST /notification"
        ]
    );
    let seen = issuer.seen();
    assert_eq!(seen.notifications, vec![json!({"notification_id": "n-1", "event": "credential_accepted"})]);
    // Stored with its source, the issuer's metadata and logo, and its verification.
    let stored = learner.wallet.get(&card.id).unwrap();
    let roles: Vec<(&str, &str)> = stored.originals.iter().map(|o| (o.role.as_str(), o.source.as_str())).collect();
    let source = format!("openid4vci:{}", issuer.id);
    assert_eq!(roles[0], ("credential", source.as_str()));
    assert_eq!(roles[1].0, "issuer-metadata");
    assert_eq!(roles[2], ("issuer-logo", issuer.server.url("/logo.png").as_str()));
    let original = learner.wallet.original(&card.id, 1).unwrap();
    assert_eq!(original.bytes, signed_jwt(&badge(Some(&learner.wallet.holder_did().unwrap()))).into_bytes());
    assert_eq!(learner.wallet.verification(&card.id).unwrap().unwrap().report.result, Verdict::Verified);
    // Claiming the same credential again keeps one card.
    let again = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
    assert!(again.kept[0].already_present);
    assert_eq!(count(&learner.wallet), 1);
}

#[test]
fn a_claim_from_a_draft_13_issuer_uses_draft_13_s_requests() {
    for path in ["", "/tenant/hbo"] {
        let issuer =
            Issuer::start(Options { dialect: issuer::Dialect::Draft13, path: path.into(), ..Options::new(issue_jwt) });
        let mut learner = new_learner();
        let kept = claim_into(&mut learner, &issuer.offer_by_reference(), None).unwrap();
        assert_eq!(kept.kept.len(), 1, "{path}: {:?}", kept.refused);
        assert_eq!(kept.kept[0].result, Verdict::Verified);
        let credential_request = issuer
            .seen()
            .requests
            .into_iter()
            .find(|r| r.route() == "/credential")
            .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap())
            .unwrap();
        assert_eq!(credential_request["format"], "jwt_vc_json");
        assert_eq!(credential_request["proof"]["proof_type"], "jwt");
        assert!(credential_request.get("proofs").is_none());
        // The metadata was found where draft 13 puts it, after one miss where 1.0 does.
        let routes = issuer.routes();
        if !path.is_empty() {
            assert_eq!(routes[1], format!("GET /.well-known/openid-credential-issuer{path}"));
            assert_eq!(routes[2], format!("GET {path}/.well-known/openid-credential-issuer"));
        }
        assert!(!routes.contains(&"POST /nonce".to_string()));
    }
}

#[test]
fn the_key_proof_is_what_an_issuer_checks() {
    let issuer = Issuer::start(Options::new(issue_jwt));
    let mut learner = new_learner();
    claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
    let request = issuer.seen().requests.into_iter().find(|r| r.route() == "/credential").unwrap();
    assert_eq!(request.header("authorization"), Some(format!("Bearer {}", issuer::ACCESS_TOKEN).as_str()));
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["credential_configuration_id"], "OpenBadge_JWT");
    let jwt = body["proofs"]["jwt"][0].as_str().unwrap();
    let part = |n: usize| -> Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwt.split('.').nth(n).unwrap()).unwrap(),
        )
        .unwrap()
    };
    let key = learner.wallet.claim_keys().unwrap();
    assert_eq!(part(0), json!({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": key.ed25519.did_key_method()}));
    assert_eq!(part(1), json!({"aud": issuer.id, "iat": now().timestamp(), "nonce": "nonce-1"}));
    // A binding to did:jwk only names the key as the did:jwk the verifier resolves.
    let jwk = HolderKey::from_secret_bytes(&[3; 32]);
    let did = jwk.did_jwk();
    let doc = stapel_core::verify::did::resolve(&format!("{did}#0"), &Offline).unwrap();
    assert!(format!("{doc:?}").contains(&b64(jwk.verifying_key().as_bytes())), "{doc:?}");
}

#[test]
fn the_transaction_code_is_asked_for_and_a_wrong_one_can_be_typed_again() {
    let issuer = Issuer::start(Options { tx_code: Some("493536".into()), ..Options::new(issue_jwt) });
    let mut learner = new_learner();
    let fetcher = loopback();
    let prepared = claim::prepare(read_offer(&issuer.offer_uri(), &fetcher).unwrap(), &fetcher).unwrap();
    let tx = prepared.tx_code().unwrap();
    assert_eq!((tx.input_mode.as_str(), tx.length), ("numeric", Some(6)));
    assert_eq!(tx.description.as_deref(), Some("Typ de code uit de e-mail van de hogeschool"));
    let key = learner.wallet.claim_keys().unwrap();
    // None given: nothing is sent.
    let before = issuer.routes().len();
    let err = claim::claim_pre_authorized(&prepared, None, &key, &fetcher, now()).unwrap_err();
    assert!(matches!(err, ClaimError::TxCodeNeeded { .. }), "{err}");
    assert_eq!(issuer.routes().len(), before);
    // A wrong one: said plainly, and the learner may try again.
    let err = claim::claim_pre_authorized(&prepared, Some("000000"), &key, &fetcher, now()).unwrap_err();
    assert_eq!(err.code(), "wrong_tx_code");
    assert!(err.to_string().contains("did not accept the transaction code"), "{err}");
    assert!(!err.to_string().contains("493536") && !format!("{err:?}").contains(issuer::PRE_AUTHORIZED_CODE));
    assert_eq!(count(&learner.wallet), 0);
    let kept = claim_into(&mut learner, &issuer.offer_uri(), Some(" 493536 ")).unwrap();
    assert_eq!(kept.kept.len(), 1);
    let token = issuer.seen().requests.into_iter().rfind(|r| r.route() == "/token").unwrap();
    assert_eq!(token.field("tx_code").as_deref(), Some("493536"));
    assert_eq!(token.field("grant_type").as_deref(), Some("urn:ietf:params:oauth:grant-type:pre-authorized_code"));
}

#[test]
fn a_stale_nonce_gets_one_fresh_try() {
    for dialect in [issuer::Dialect::Final, issuer::Dialect::Draft13] {
        let issuer =
            Issuer::start(Options { dialect, faults: vec![Fault::InvalidNonceOnce], ..Options::new(issue_jwt) });
        let mut learner = new_learner();
        let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
        assert_eq!(kept.kept.len(), 1, "{dialect:?}");
        assert_eq!(issuer.routes().iter().filter(|r| *r == "POST /credential").count(), 2);

        let issuer =
            Issuer::start(Options { dialect, faults: vec![Fault::InvalidNonceAlways], ..Options::new(issue_jwt) });
        let mut fresh = new_learner();
        let err = claim_into(&mut fresh, &issuer.offer_uri(), None).unwrap_err();
        assert_eq!(err.code(), "issuer_refused", "{err}");
        assert!(err.to_string().contains("while getting the credential"), "{err}");
        assert_eq!(issuer.routes().iter().filter(|r| *r == "POST /credential").count(), 2, "one retry, not more");
        assert_eq!(count(&fresh.wallet), 0);
    }
}

/// Claims from an issuer with one fault and returns the error, asserting the wallet unchanged.
fn failing(options: Options) -> (Issuer, ClaimError) {
    let issuer = Issuer::start(options);
    let mut learner = new_learner();
    let err = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap_err();
    assert_eq!(count(&learner.wallet), 0, "the wallet is unchanged by a failed claim: {err}");
    (issuer, err)
}

#[test]
fn each_issuer_fault_is_one_plain_sentence_and_the_wallet_is_unchanged() {
    let (issuer, err) = failing(Options { faults: vec![Fault::WrongCredentialIssuer], ..Options::new(issue_jwt) });
    assert!(err.to_string().contains("https://someone-else.example") && err.to_string().contains("refused"), "{err}");
    assert!(!issuer.routes().contains(&"POST /token".to_string()), "no code is spent on a foreign issuer");

    let (_, err) = failing(Options { faults: vec![Fault::ExpiredCode], ..Options::new(issue_jwt) });
    assert!(
        err.to_string().contains("wrong, already used or expired") && err.to_string().contains("(invalid_grant)"),
        "{err}"
    );
    assert!(err.to_string().contains("the issuer says: \"the code has expired\""), "{err}");

    let (_, err) = failing(Options { faults: vec![Fault::HugeResponse], ..Options::new(issue_jwt) });
    assert!(matches!(&err, ClaimError::Network { source: FetchError::TooLarge { .. }, .. }), "{err}");

    let (issuer, err) = failing(Options { faults: vec![Fault::RedirectLoop], ..Options::new(issue_jwt) });
    assert!(err.to_string().contains("answered 302"), "{err}");
    assert_eq!(issuer.routes().iter().filter(|r| *r == "POST /credential").count(), 1, "a redirect is not followed");

    let (_, err) = failing(Options { faults: vec![Fault::Hang], ..Options::new(issue_jwt) });
    assert!(
        matches!(&err, ClaimError::Network { step: "getting an access token", source: FetchError::Timeout { .. } }),
        "{err}"
    );

    let (issuer, err) = failing(Options { faults: vec![Fault::RequiresEncryption], ..Options::new(issue_jwt) });
    assert!(err.to_string().contains("requires encrypted responses"), "{err}");
    assert!(!issuer.routes().contains(&"POST /token".to_string()));

    let (issuer, err) = failing(Options { faults: vec![Fault::RequiresWalletAttestation], ..Options::new(issue_jwt) });
    assert_eq!(err.code(), "claim_unsupported");
    assert!(err.to_string().contains("admits only wallets that a wallet provider vouches for"), "{err}");
    assert!(!issuer.routes().contains(&"POST /token".to_string()), "refused before the code is spent");

    // Batch issuance offered: still one proof, and a response with more credentials is refused.
    let (issuer, err) = failing(Options { faults: vec![Fault::MoreCredentialsThanProofs], ..Options::new(issue_jwt) });
    assert!(err.to_string().contains("holds 3 credentials, and one was asked for"), "{err}");
    let request = issuer.seen().requests.into_iter().find(|r| r.route() == "/credential").unwrap();
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["proofs"]["jwt"].as_array().map(Vec::len), Some(1), "one proof: {body}");

    let (issuer, err) = failing(Options { faults: vec![Fault::RequiresKeyAttestation], ..Options::new(issue_jwt) });
    assert!(err.to_string().contains("OpenBadge_JWT requires a key attestation"), "{err}");
    assert!(!issuer.routes().contains(&"POST /token".to_string()));

    let (_, err) = failing(Options { faults: vec![Fault::UnknownConfiguration], ..Options::new(issue_jwt) });
    assert!(err.to_string().contains("\"NoSuchCredential\""), "{err}");

    let (_, err) =
        failing(Options { proof_algorithms: vec!["RS256".into(), "ES384".into()], ..Options::new(issue_jwt) });
    assert!(err.to_string().contains("RS256, ES384 only"), "{err}");

    let (_, err) = failing(Options { binding_methods: vec!["did:web".into()], ..Options::new(issue_jwt) });
    assert!(err.to_string().contains("did:web"), "{err}");

    let (_, err) =
        failing(Options { configurations: vec![("PID".into(), "dc+sd-jwt".into())], ..Options::new(issue_jwt) });
    assert!(err.to_string().contains("SD-JWT VC (dc+sd-jwt)"), "{err}");
    assert_eq!(err.code(), "claim_unsupported");
}

#[test]
fn an_authorization_server_found_only_by_openid_configuration_still_serves() {
    let issuer = Issuer::start(Options { faults: vec![Fault::OpenIdConfigurationOnly], ..Options::new(issue_jwt) });
    let mut learner = new_learner();
    assert_eq!(claim_into(&mut learner, &issuer.offer_uri(), None).unwrap().kept.len(), 1);
}

#[test]
fn a_credential_for_someone_else_or_tampered_is_refused_and_the_issuer_told() {
    // Issued to another holder's DID.
    let other = HolderKey::from_secret_bytes(&[9; 32]).did();
    let issuer = Issuer::start(Options::new(move |_: &Order| Value::String(signed_jwt(&badge(Some(&other))))));
    let mut learner = new_learner();
    let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
    assert!(kept.kept.is_empty());
    assert!(kept.refused[0].reason.contains("not to this wallet"), "{:?}", kept.refused);
    assert_eq!(issuer.seen().notifications[0]["event"], "credential_failure");
    assert_eq!(count(&learner.wallet), 0);

    // Changed after signing: the signature no longer holds.
    let issuer = Issuer::start(Options::new(|order: &Order| {
        let jwt = signed_jwt(&badge(order.holder.as_deref()));
        let mut parts: Vec<String> = jwt.split('.').map(str::to_string).collect();
        let mut changed = badge(order.holder.as_deref());
        changed["name"] = json!("Master of Science in Medicine");
        parts[1] = b64(changed.to_string().as_bytes());
        Value::String(parts.join("."))
    }));
    let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
    assert!(kept.kept.is_empty());
    assert!(kept.refused[0].reason.starts_with("the credential does not verify"), "{:?}", kept.refused);
    assert_eq!(issuer.seen().notifications[0]["event"], "credential_failure");
    assert_eq!(count(&learner.wallet), 0);

    // Not a credential at all.
    let issuer = Issuer::start(Options::new(|_: &Order| json!("hello")));
    let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
    assert!(kept.refused[0].reason.contains("not a credential Stapel can read"), "{:?}", kept.refused);
    assert_eq!(count(&learner.wallet), 0);
}

#[test]
fn a_notification_that_fails_loses_nothing() {
    let issuer = Issuer::start(Options { faults: vec![Fault::NotificationFails], ..Options::new(issue_jwt) });
    let mut learner = new_learner();
    let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
    assert_eq!(kept.kept.len(), 1);
    assert!(kept.notices[0].contains("could not be told (credential_accepted)"), "{:?}", kept.notices);
    assert_eq!(count(&learner.wallet), 1);
}

#[test]
fn removing_a_claimed_credential_tells_the_issuer_while_the_claim_s_token_is_good() {
    use stapel_core::wallet::claim::remove_credential;
    let issuer = Issuer::start(Options::new(issue_jwt));
    let mut learner = new_learner();
    let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
    let id = kept.kept[0].id.clone();
    // The token was good for 300 s from the claim: a minute later the issuer is told.
    let removed =
        remove_credential(&mut learner.wallet, &id[..10], &loopback(), now() + chrono::Duration::seconds(60)).unwrap();
    assert!(removed.issuer_told && removed.notice.is_none(), "{removed:?}");
    assert_eq!(removed.summary.id, id);
    assert_eq!(count(&learner.wallet), 0);
    let seen = issuer.seen();
    assert_eq!(seen.notifications.last(), Some(&json!({"notification_id": "n-1", "event": "credential_deleted"})));
    let told = seen.requests.iter().rfind(|r| r.route() == "/notification").unwrap();
    assert_eq!(told.header("authorization"), Some(format!("Bearer {}", issuer::ACCESS_TOKEN).as_str()));

    // After the token expired nothing can be told: nothing is sent, the removal stands.
    let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
    let before = issuer.seen().notifications.len();
    let late = now() + chrono::Duration::seconds(301);
    let removed = remove_credential(&mut learner.wallet, &kept.kept[0].id, &loopback(), late).unwrap();
    assert!(!removed.issuer_told && removed.notice.is_none());
    assert_eq!(issuer.seen().notifications.len(), before);
    assert_eq!(count(&learner.wallet), 0);

    // An issuer that fails to take it: said, and the credential is removed all the same.
    let failing = Issuer::start(Options { faults: vec![Fault::NotificationFails], ..Options::new(issue_jwt) });
    let kept = claim_into(&mut learner, &failing.offer_uri(), None).unwrap();
    let removed = remove_credential(&mut learner.wallet, &kept.kept[0].id, &loopback(), now()).unwrap();
    assert!(!removed.issuer_told);
    assert!(removed.notice.as_deref().unwrap_or_default().contains("credential_deleted"), "{removed:?}");
    assert_eq!(count(&learner.wallet), 0);

    // An imported credential has no issuer to tell.
    let file = learner._dir.path().join("badge.jwt");
    std::fs::write(&file, signed_jwt(&badge(None))).unwrap();
    let inserted = stapel_core::wallet::import::import_one(
        &mut learner.wallet,
        &stapel_core::wallet::import::Input::File(file),
        &Offline,
        now(),
    )
    .unwrap();
    let removed = remove_credential(&mut learner.wallet, &inserted.id, &loopback(), now()).unwrap();
    assert!(!removed.issuer_told && removed.notice.is_none());
}

#[test]
fn a_deferred_credential_comes_with_its_transaction_and_arrives_when_polled() {
    let issuer = Issuer::start(Options { faults: vec![Fault::Deferred], ..Options::new(issue_jwt) });
    let learner = new_learner();
    let fetcher = loopback();
    let prepared = claim::prepare(read_offer(&issuer.offer_uri(), &fetcher).unwrap(), &fetcher).unwrap();
    let key = learner.wallet.claim_keys().unwrap();
    let claimed = claim::claim_pre_authorized(&prepared, None, &key, &fetcher, now()).unwrap();
    assert!(claimed.issued.is_empty());
    assert_eq!(claimed.dialect, Dialect::Final);
    let pending = &claimed.deferred[0];
    assert_eq!((pending.transaction_id.as_str(), pending.interval), ("tx-1", 1));
    assert!(!format!("{pending:?}").contains(issuer::ACCESS_TOKEN), "the token stays out of Debug");
    let first = claim::flow::deferred_request(&prepared.metadata, &pending.access, "tx-1", &fetcher).unwrap();
    assert!(matches!(first, claim::flow::CredentialAnswer::Deferred { .. }), "issuance_pending is still pending");
    match claim::flow::deferred_request(&prepared.metadata, &pending.access, "tx-1", &fetcher).unwrap() {
        claim::flow::CredentialAnswer::Issued { credentials, notification_id, .. } => {
            assert_eq!(credentials.len(), 1);
            assert_eq!(notification_id.as_deref(), Some("n-2"));
        }
        other => panic!("{other:?}"),
    }
    let err = claim::flow::deferred_request(&prepared.metadata, &pending.access, "tx-2", &fetcher).unwrap_err();
    assert!(err.to_string().contains("no longer knows this deferred claim"), "{err}");
}

/// A new wallet at `path` claims from `issuer` (which defers) and is closed again: what the
/// claim brought is handed to `check` first, and what the wallet kept is returned.
fn claim_deferred_and_close(path: &std::path::Path, issuer: &Issuer, check: impl FnOnce(&claim::Claimed)) -> KeptClaim {
    let fetcher = loopback();
    let mut wallet = Wallet::create(path, Protection::Passphrase(Secret::new("p".into())), CHEAP).unwrap();
    let shown = show_offer(read_offer(&issuer.offer_uri(), &fetcher).unwrap(), "en", &fetcher).unwrap();
    let key = wallet.claim_keys().unwrap();
    let claimed = claim::claim_pre_authorized(&shown.prepared, None, &key, &fetcher, now()).unwrap();
    check(&claimed);
    let kept = keep_claimed(&mut wallet, &shown, &claimed, &key, &run_for_claim(&fetcher, now()), &mut |_, _, _| {});
    assert_eq!(count(&wallet), 0);
    kept
}

/// A run `secs` seconds after [`now`], online through `fetcher`.
fn run_after(fetcher: &HttpFetcher, secs: i64) -> stapel_core::wallet::check::Run<'_> {
    let at = now() + chrono::Duration::seconds(secs);
    stapel_core::wallet::check::Run { now: at, fetched_at: at, fetcher, offline: false }
}

#[test]
fn a_deferred_claim_is_kept_pending_across_a_restart_polled_no_faster_than_asked_and_lands_verified() {
    let issuer = Issuer::start(Options { faults: vec![Fault::Deferred], ..Options::new(issue_jwt) });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let fetcher = loopback();
    let kept = claim_deferred_and_close(&path, &issuer, |_| {});
    assert!(kept.kept.is_empty());
    assert_eq!(kept.pending.len(), 1);
    assert_eq!(kept.pending[0].next_poll, "2026-12-04T09:00:01Z", "the issuer's interval of 1 s");
    // The app restarts: the claim is still there, and still a secret kept only in the wallet.
    let mut wallet = Wallet::open(&path, stapel_core::store::Unlock::Passphrase(Secret::new("p".into()))).unwrap();
    let pending = stapel_core::wallet::claim::pending(&wallet, "en").unwrap();
    assert_eq!(pending.len(), 1);
    // Named as the issuer's metadata names it, in the language asked for.
    assert_eq!(
        (pending[0].title.as_str(), pending[0].issuer_name.as_str()),
        ("Data literacy", "Loopback University of Applied Sciences")
    );
    let dutch = &stapel_core::wallet::claim::pending(&wallet, "nl").unwrap()[0];
    assert_eq!((dutch.title.as_str(), dutch.issuer_name.as_str()), ("Datageletterdheid", "Hogeschool Lusback"));
    assert!(
        !std::fs::read(&path)
            .unwrap()
            .windows(issuer::ACCESS_TOKEN.len())
            .any(|w| w == issuer::ACCESS_TOKEN.as_bytes())
    );
    let key = wallet.claim_keys().unwrap();
    let at = |secs: i64| run_after(&fetcher, secs);
    let polls = || issuer.routes().iter().filter(|r| *r == "POST /deferred").count();
    // Not yet due: nothing is asked.
    let out = stapel_core::wallet::claim::poll_pending(&mut wallet, &key, &at(0), "en", &mut |_, _, _| {}).unwrap();
    assert_eq!((out.pending.len(), polls()), (1, 0));
    // Due: the issuer says it is still pending; asked again after the interval.
    let out = stapel_core::wallet::claim::poll_pending(&mut wallet, &key, &at(2), "en", &mut |_, _, _| {}).unwrap();
    assert_eq!((out.pending.len(), polls()), (1, 1));
    assert_eq!(out.pending[0].next_poll, "2026-12-04T09:00:03Z");
    // It arrives: kept, verified, and the issuer told.
    let out = stapel_core::wallet::claim::poll_pending(&mut wallet, &key, &at(5), "en", &mut |_, _, _| {}).unwrap();
    assert_eq!(polls(), 2);
    assert!(out.pending.is_empty() && out.refused.is_empty(), "{out:?}");
    assert_eq!(out.kept[0].result, Verdict::Verified);
    assert_eq!(count(&wallet), 1);
    assert!(stapel_core::wallet::claim::pending(&wallet, "en").unwrap().is_empty());
    assert_eq!(issuer.seen().notifications.last().unwrap()["notification_id"], "n-2");
}

#[test]
fn a_pending_claim_can_be_cancelled() {
    let issuer = Issuer::start(Options { faults: vec![Fault::Deferred], ..Options::new(issue_jwt) });
    let mut learner = new_learner();
    let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
    let id = kept.pending[0].id.clone();
    assert_eq!(kept.pending[0].title, "Datageletterdheid", "named in the language the offer was shown in");
    assert!(stapel_core::wallet::claim::cancel_pending(&mut learner.wallet, "no-such", "nl").is_err());
    let gone = stapel_core::wallet::claim::cancel_pending(&mut learner.wallet, &id[..6], "nl").unwrap();
    assert_eq!(gone.id, id);
    assert!(stapel_core::wallet::claim::pending(&learner.wallet, "en").unwrap().is_empty());
}

// ---- Signing in at the issuer (the authorization code flow) ----

/// A browser as the learner's: it opens the sign-in page and follows every redirect, on its own
/// thread (the wallet waits on its loopback redirect meanwhile), and keeps what it was shown.
#[derive(Default, Clone)]
struct TestBrowser {
    opened: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    shown: std::sync::Arc<std::sync::Mutex<Vec<(u16, String)>>>,
}

impl claim::Browser for TestBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        self.opened.lock().unwrap().push(url.to_string());
        let (url, shown) = (url.to_string(), self.shown.clone());
        std::thread::spawn(move || {
            let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
            if let Ok(response) = client.get(&url).send() {
                let status = response.status().as_u16();
                shown.lock().unwrap().push((status, response.text().unwrap_or_default()));
            }
        });
        Ok(())
    }
}

/// What the browser was shown, once it has written down `n` pages: its thread does so just
/// after the wallet answered, which may be after the claim has ended.
fn shown_by(browser: &TestBrowser, n: usize) -> Vec<(u16, String)> {
    for _ in 0..500 {
        let shown = browser.shown.lock().unwrap().clone();
        if shown.len() >= n {
            return shown;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the browser was shown {:?}, not {n} pages", browser.shown.lock().unwrap());
}

/// A browser that cannot be started.
struct NoBrowser;

impl claim::Browser for NoBrowser {
    fn open(&self, _url: &str) -> Result<(), String> {
        Err("cannot start the browser (xdg-open): No such file or directory".into())
    }
}

fn sign_in_and_claim(
    learner: &mut Learner,
    issuer: &Issuer,
    browser: &dyn claim::Browser,
    wait: Duration,
) -> Result<KeptClaim, ClaimError> {
    let fetcher = loopback();
    let shown = show_offer(read_offer(&issuer.offer_uri(), &fetcher)?, "en", &fetcher)?;
    let prepared = &shown.prepared;
    assert!(prepared.needs_sign_in());
    assert!(prepared.tx_code().is_none());
    let key = learner.wallet.claim_keys().unwrap();
    let claimed =
        claim::claim_authorization_code(prepared, browser, claim::DEFAULT_CLIENT_ID, wait, &key, &fetcher, now())?;
    Ok(keep_claimed(&mut learner.wallet, &shown, &claimed, &key, &run_for_claim(&fetcher, now()), &mut |_, _, _| {}))
}

fn signing_in(par: bool, faults: Vec<Fault>) -> Options {
    Options { grant: issuer::Grant::AuthorizationCode { par }, faults, ..Options::new(issue_jwt) }
}

fn query_of(url: &str) -> HashMap<String, String> {
    url::Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

#[test]
fn signing_in_in_the_browser_claims_with_pkce_and_the_issuers_state_pushed_or_not() {
    for par in [false, true] {
        let issuer = Issuer::start(signing_in(par, vec![]));
        let mut learner = new_learner();
        let browser = TestBrowser::default();
        let kept = sign_in_and_claim(&mut learner, &issuer, &browser, Duration::from_secs(10)).unwrap();
        assert_eq!(kept.kept.len(), 1, "par {par}: {:?}", kept.refused);
        assert_eq!(kept.kept[0].result, Verdict::Verified);
        // The browser was sent once to the sign-in page and came back to Stapel's own page.
        let opened = browser.opened.lock().unwrap().clone();
        assert_eq!(opened.len(), 1);
        assert!(opened[0].starts_with(&issuer.server.url("/authorize?")), "{opened:?}");
        let shown = shown_by(&browser, 1);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].0, 200);
        assert!(shown[0].1.contains("Stapel has your sign-in"), "{shown:?}");
        // What the sign-in asked: in the link, or pushed first and only referred to in the link.
        let seen = issuer.seen();
        let asked: HashMap<String, String> = if par {
            let link = query_of(&opened[0]);
            assert_eq!(link.keys().count(), 2, "only client_id and request_uri travel in the link: {link:?}");
            assert_eq!(link["client_id"], claim::DEFAULT_CLIENT_ID);
            seen.requests.iter().find(|r| r.route() == "/par").unwrap().form().into_iter().collect()
        } else {
            assert!(!issuer.routes().contains(&"POST /par".to_string()));
            query_of(&opened[0])
        };
        assert_eq!(asked["response_type"], "code");
        assert_eq!(asked["client_id"], claim::DEFAULT_CLIENT_ID);
        assert_eq!(asked["code_challenge_method"], "S256");
        assert_eq!(asked["issuer_state"], issuer::ISSUER_STATE);
        assert!(asked["redirect_uri"].starts_with("http://127.0.0.1:") && asked["redirect_uri"].ends_with("/callback"));
        let details: Value = serde_json::from_str(&asked["authorization_details"]).unwrap();
        assert_eq!(details, json!([{"type": "openid_credential", "credential_configuration_id": "OpenBadge_JWT"}]));
        // The token request proves the PKCE verifier behind the challenge, with the same redirect.
        let token = seen.requests.iter().find(|r| r.route() == "/token").unwrap();
        assert_eq!(token.field("grant_type").as_deref(), Some("authorization_code"));
        assert_eq!(token.field("code").as_deref(), Some(issuer::AUTHORIZATION_CODE));
        assert_eq!(token.field("redirect_uri").as_ref(), Some(&asked["redirect_uri"]));
        let verifier = token.field("code_verifier").unwrap();
        assert_eq!(verifier.len(), 43);
        assert_eq!(claim::authorize::pkce_challenge(&verifier), asked["code_challenge"]);
        // The credential is asked for by the identifier the token granted (§8.2).
        let request = seen.requests.iter().find(|r| r.route() == "/credential").unwrap();
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body["credential_identifier"], "OpenBadge_JWT-2026");
        assert!(body.get("credential_configuration_id").is_none(), "one or the other, never both: {body}");
    }
    // Two sign-ins never share a verifier or a state.
    let a = Issuer::start(signing_in(false, vec![]));
    let b = Issuer::start(signing_in(false, vec![]));
    let (ba, bb) = (TestBrowser::default(), TestBrowser::default());
    sign_in_and_claim(&mut new_learner(), &a, &ba, Duration::from_secs(10)).unwrap();
    sign_in_and_claim(&mut new_learner(), &b, &bb, Duration::from_secs(10)).unwrap();
    let (qa, qb) = (query_of(&ba.opened.lock().unwrap()[0]), query_of(&bb.opened.lock().unwrap()[0]));
    assert_ne!(qa["state"], qb["state"]);
    assert_ne!(qa["code_challenge"], qb["code_challenge"]);
}

#[test]
fn a_sign_in_that_is_refused_forged_abandoned_or_cannot_start_is_said_plainly_and_keeps_nothing() {
    let mut learner = new_learner();
    let wait = Duration::from_secs(10);

    let issuer = Issuer::start(signing_in(false, vec![Fault::AccessDenied]));
    let err = sign_in_and_claim(&mut learner, &issuer, &TestBrowser::default(), wait).unwrap_err();
    assert_eq!(err.code(), "issuer_refused", "{err}");
    assert!(err.to_string().contains("access_denied") && err.to_string().contains("the learner said no"), "{err}");
    assert!(!issuer.routes().contains(&"POST /token".to_string()));

    // An answer with another state is not this sign-in's: its code is never spent.
    let issuer = Issuer::start(signing_in(true, vec![Fault::WrongState]));
    let browser = TestBrowser::default();
    let err = sign_in_and_claim(&mut learner, &issuer, &browser, wait).unwrap_err();
    assert_eq!(err.code(), "issuer_protocol", "{err}");
    assert!(err.to_string().contains("another state"), "{err}");
    assert!(!issuer.routes().contains(&"POST /token".to_string()));
    assert_eq!(shown_by(&browser, 1)[0].0, 400);

    // The learner never finishes signing in: the wait ends, and says how to go on.
    let issuer = Issuer::start(signing_in(false, vec![Fault::NeverSignsIn]));
    let err = sign_in_and_claim(&mut learner, &issuer, &TestBrowser::default(), Duration::from_secs(1)).unwrap_err();
    assert_eq!(err.code(), "sign_in_timed_out", "{err}");
    assert!(err.to_string().contains("within 1 seconds") && err.to_string().contains("claim again"), "{err}");

    let issuer = Issuer::start(signing_in(false, vec![]));
    let err = sign_in_and_claim(&mut learner, &issuer, &NoBrowser, wait).unwrap_err();
    assert!(err.to_string().contains("cannot open the browser to sign in"), "{err}");
    assert!(!issuer.routes().contains(&"GET /authorize".to_string()));
    assert_eq!(count(&learner.wallet), 0);

    // A sign-in page the wallet's policy would not fetch is never opened in the browser either.
    let fetcher = loopback();
    let prepared = claim::prepare(read_offer(&issuer.offer_uri(), &fetcher).unwrap(), &fetcher).unwrap();
    let strict = HttpFetcher::new(HttpPolicy::default()).unwrap();
    let browser = TestBrowser::default();
    let key = learner.wallet.claim_keys().unwrap();
    let err =
        claim::claim_authorization_code(&prepared, &browser, "stapel-wallet", wait, &key, &strict, now()).unwrap_err();
    assert!(matches!(err, ClaimError::Network { source: FetchError::NotHttps { .. }, .. }), "{err}");
    assert!(browser.opened.lock().unwrap().is_empty());
}

#[test]
fn the_loopback_redirect_ignores_other_paths_and_takes_only_its_own_answer() {
    // A browser that first asks for /favicon.ico and / on the redirect's port, then follows the
    // sign-in: the wallet answers 404 and waits on.
    #[derive(Default, Clone)]
    struct Curious(TestBrowser);
    impl claim::Browser for Curious {
        fn open(&self, url: &str) -> Result<(), String> {
            let redirect = query_of(url)["redirect_uri"].clone();
            let port = url::Url::parse(&redirect).unwrap().port().unwrap();
            let (url, shown) = (url.to_string(), self.0.shown.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
                for path in ["/favicon.ico", "/", "/callback/../favicon.ico"] {
                    let status = client.get(format!("http://127.0.0.1:{port}{path}")).send().unwrap().status();
                    shown.lock().unwrap().push((status.as_u16(), path.to_string()));
                }
                let response = client.get(&url).send().unwrap();
                shown.lock().unwrap().push((response.status().as_u16(), response.text().unwrap()));
            });
            Ok(())
        }
    }
    let issuer = Issuer::start(signing_in(false, vec![]));
    let browser = Curious::default();
    let kept = sign_in_and_claim(&mut new_learner(), &issuer, &browser, Duration::from_secs(10)).unwrap();
    assert_eq!(kept.kept.len(), 1);
    let shown = shown_by(&browser.0, 4);
    assert_eq!(shown[0], (404, "/favicon.ico".to_string()));
    assert_eq!(shown[1], (404, "/".to_string()));
    assert_eq!(shown[2].0, 404);
    assert_eq!(shown[3].0, 200);
    assert!(shown[3].1.contains("Stapel has your sign-in"));
}

// ---- DPoP (RFC 9449) ----

fn with_dpop(algorithms: &[&str], faults: Vec<Fault>) -> Options {
    Options { dpop_algorithms: algorithms.iter().map(|a| a.to_string()).collect(), faults, ..Options::new(issue_jwt) }
}

/// The header and claims of a DPoP proof a request carried.
fn dpop_of(request: &stapel_testkit::Request) -> (Value, Value) {
    let proof = request.header("dpop").unwrap_or_else(|| panic!("{} carried no DPoP proof", request.route()));
    let part = |n: usize| -> Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(proof.split('.').nth(n).unwrap()).unwrap(),
        )
        .unwrap()
    };
    (part(0), part(1))
}

#[test]
fn with_dpop_every_request_proves_the_key_the_token_is_bound_to_and_nonces_are_taken_when_asked() {
    for (offered, alg, kty) in [(&["ES256"][..], "ES256", "EC"), (&["RS256", "EdDSA", "ES256"][..], "EdDSA", "OKP")] {
        let issuer = Issuer::start(with_dpop(offered, vec![Fault::DpopNonceAtToken, Fault::DpopNonceAtCredential]));
        let mut learner = new_learner();
        let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
        assert!(kept.refused.is_empty() && kept.notices.is_empty(), "{kept:?}");
        assert_eq!(kept.kept[0].result, Verdict::Verified);
        // Each server asked once for its nonce, and was asked again with it.
        assert_eq!(
            issuer.routes(),
            vec![
                "GET /.well-known/openid-credential-issuer",
                "GET /.well-known/oauth-authorization-server",
                "GET /logo.png",
                "POST /token",
                "POST /token",
                "POST /nonce",
                "POST /credential",
                "POST /credential",
                "POST /notification"
            ]
        );
        let seen = issuer.seen();
        let with = |route: &str| seen.requests.iter().filter(|r| r.route() == route).collect::<Vec<_>>();
        let (tokens, credentials) = (with("/token"), with("/credential"));
        let (header, first) = dpop_of(tokens[0]);
        assert_eq!((header["typ"].as_str(), header["alg"].as_str()), (Some("dpop+jwt"), Some(alg)));
        assert_eq!(header["jwk"]["kty"], kty);
        assert!(header["jwk"].get("d").is_none(), "no private part in the header");
        assert_eq!(
            (first["htm"].as_str(), first["htu"].as_str()),
            (Some("POST"), Some(issuer.server.url("/token").as_str()))
        );
        assert!(first.get("nonce").is_none() && first.get("ath").is_none());
        assert_eq!(dpop_of(tokens[1]).1["nonce"], "as-nonce-1");
        assert_ne!(first["jti"], dpop_of(tokens[1]).1["jti"], "a fresh jti per proof");
        // The resource requests: the DPoP scheme, the same key, the token's hash, the
        // resource server's own nonce once it asked.
        let ath = b64(&<sha2::Sha256 as sha2::Digest>::digest(issuer::ACCESS_TOKEN.as_bytes()));
        for request in credentials.iter().chain(with("/notification").iter()) {
            assert_eq!(request.header("authorization"), Some(format!("DPoP {}", issuer::ACCESS_TOKEN).as_str()));
            let (h, c) = dpop_of(request);
            assert_eq!(h["jwk"], header["jwk"]);
            assert_eq!(c["ath"].as_str(), Some(ath.as_str()));
        }
        // One origin serves both here, so the first credential request tries the nonce it has.
        assert_eq!(dpop_of(credentials[0]).1["nonce"], "as-nonce-1");
        assert_eq!(dpop_of(credentials[1]).1["nonce"], "rs-nonce-1");
        // The DPoP key is not the holder key that proves the credential's binding.
        let holder = learner.wallet.claim_keys().unwrap();
        assert_ne!(header["jwk"], holder.ed25519.public_jwk());
        assert_ne!(header["jwk"], holder.p256.public_jwk());
        assert_eq!(seen.notifications, vec![json!({"notification_id": "n-1", "event": "credential_accepted"})]);
    }
}

#[test]
fn a_dpop_bound_token_kept_for_later_comes_back_with_its_key_after_a_restart() {
    // Deferred: the pending claim keeps the key with the token, encrypted, and polls with it.
    let issuer = Issuer::start(with_dpop(&["EdDSA"], vec![Fault::Deferred, Fault::DpopNonceAtCredential]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let fetcher = loopback();
    let kept = claim_deferred_and_close(&path, &issuer, |claimed| {
        assert!(claimed.deferred[0].access.is_dpop());
        assert!(!format!("{:?}", claimed.deferred[0]).contains("\"d\""), "the key stays out of Debug");
    });
    assert_eq!(kept.pending.len(), 1);
    let mut wallet = Wallet::open(&path, stapel_core::store::Unlock::Passphrase(Secret::new("p".into()))).unwrap();
    let key = wallet.claim_keys().unwrap();
    for secs in [2, 5] {
        stapel_core::wallet::claim::poll_pending(
            &mut wallet,
            &key,
            &run_after(&fetcher, secs),
            "en",
            &mut |_, _, _| {},
        )
        .unwrap();
    }
    assert_eq!(count(&wallet), 1, "{:?}", issuer.routes());
    let seen = issuer.seen();
    let token_key = dpop_of(seen.requests.iter().find(|r| r.route() == "/token").unwrap()).0["jwk"].clone();
    let polls: Vec<_> = seen.requests.iter().filter(|r| r.route() == "/deferred").collect();
    assert!(polls.len() >= 2);
    for poll in &polls {
        assert_eq!(dpop_of(poll).0["jwk"], token_key, "the kept key, not a new one");
    }

    // A notice kept for removal: the issuer takes credential_deleted only with the same key.
    use stapel_core::wallet::claim::remove_credential;
    let issuer = Issuer::start(with_dpop(&["ES256"], vec![]));
    let mut learner = new_learner();
    let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
    let removed = remove_credential(&mut learner.wallet, &kept.kept[0].id, &loopback(), now()).unwrap();
    assert!(removed.issuer_told, "{removed:?}");
    assert_eq!(
        issuer.seen().notifications.last(),
        Some(&json!({"notification_id": "n-1", "event": "credential_deleted"}))
    );
}

#[test]
fn a_dpop_token_given_without_a_proof_is_refused_plainly_and_keeps_nothing() {
    let (issuer, err) = failing(with_dpop(&["ES256"], vec![Fault::DpopTokenWithoutProof]));
    assert_eq!(err.code(), "issuer_protocol");
    assert!(err.to_string().contains("gave a DPoP access token to a request without a DPoP proof"), "{err}");
    assert!(!issuer.routes().contains(&"POST /credential".to_string()));
    // An authorization server that offers DPoP only in algorithms Stapel does not sign with
    // gets Bearer requests, and its refusal is its own words.
    let issuer = Issuer::start(with_dpop(&["RS256"], vec![]));
    let mut learner = new_learner();
    let err = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap_err();
    assert!(err.to_string().contains("a DPoP proof is required"), "{err}");
    assert!(issuer.seen().requests.iter().all(|r| r.header("dpop").is_none()));
    assert_eq!(count(&learner.wallet), 0);
}

#[test]
fn signing_in_with_dpop_proves_the_key_at_the_pushed_request_and_the_token() {
    let issuer = Issuer::start(Options { dpop_algorithms: vec!["ES256".into()], ..signing_in(true, vec![]) });
    let mut learner = new_learner();
    let browser = TestBrowser::default();
    let kept = sign_in_and_claim(&mut learner, &issuer, &browser, Duration::from_secs(10)).unwrap();
    assert_eq!(kept.kept.len(), 1, "{kept:?}");
    let seen = issuer.seen();
    let key_at = |route: &str| dpop_of(seen.requests.iter().find(|r| r.route() == route).unwrap()).0["jwk"].clone();
    assert_eq!(key_at("/par"), key_at("/token"));
    assert_eq!(key_at("/credential"), key_at("/token"));
}

#[test]
fn an_issuer_that_takes_only_es256_gets_a_proof_by_the_p256_key_and_the_credential_bound_to_it_lands() {
    for (binding, kid_prefix) in [("did:key", "did:key:zDn"), ("did:jwk", "did:jwk:")] {
        let issuer = Issuer::start(Options {
            proof_algorithms: vec!["ES256".into()],
            binding_methods: vec![binding.into()],
            ..Options::new(issue_jwt)
        });
        let mut learner = new_learner();
        let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
        assert!(kept.refused.is_empty(), "{binding}: {:?}", kept.refused);
        assert_eq!(kept.kept[0].result, Verdict::Verified);
        let keys = learner.wallet.claim_keys().unwrap();
        let request = issuer.seen().requests.into_iter().find(|r| r.route() == "/credential").unwrap();
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let jwt = body["proofs"]["jwt"][0].as_str().unwrap().to_string();
        let header: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwt.split('.').next().unwrap()).unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], "ES256");
        let kid = header["kid"].as_str().unwrap();
        assert!(kid.starts_with(kid_prefix), "{kid}");
        let p256_did = if binding == "did:key" { keys.p256.did_key() } else { keys.p256.did_jwk() };
        assert_eq!(kid.split('#').next(), Some(p256_did.as_str()));
        // The credential names the P-256 key's DID, one of this wallet's: its subject check passed.
        let stored = learner.wallet.get(&kept.kept[0].id).unwrap();
        assert_eq!(stored.credential.recipient.as_ref().and_then(|r| r.subject_id.as_deref()), Some(p256_did.as_str()));
    }
    // The P-256 key is the wallet's for good: the same after reopening, and a new wallet has its own.
    let learner = new_learner();
    let did = learner.wallet.claim_keys().unwrap().p256.did_key();
    let path = learner._dir.path().join("w.db");
    drop(learner.wallet);
    let wallet = Wallet::open(&path, stapel_core::store::Unlock::Passphrase(Secret::new("p".into()))).unwrap();
    assert_eq!(wallet.claim_keys().unwrap().p256.did_key(), did);
    assert_ne!(new_learner().wallet.claim_keys().unwrap().p256.did_key(), did);
}

#[test]
fn a_claimed_credential_stays_verified_when_checked_again_by_a_learner_who_named_identities() {
    let issuer = Issuer::start(Options::new(issue_jwt));
    let mut learner = new_learner();
    learner.wallet.add_identity(stapel_core::store::IdentityKind::Email, "sam@example.org", now()).unwrap();
    let kept = claim_into(&mut learner, &issuer.offer_uri(), None).unwrap();
    let id = kept.kept[0].id.clone();
    assert_eq!(kept.kept[0].result, Verdict::Verified);
    // Checked again later: the credential names this wallet's own holder DID, which is the
    // learner's as much as the e-mail address is.
    let fetcher = loopback();
    let report = stapel_core::wallet::check::verify_stored(&mut learner.wallet, &id, &run_after(&fetcher, 60)).unwrap();
    assert_eq!(report.result, Verdict::Verified, "{report:?}");
    let recipient = report.checks.iter().find(|c| c.id == stapel_core::verify::CheckId::Recipient).unwrap();
    assert_eq!(recipient.outcome, stapel_core::verify::Outcome::Passed, "{recipient:?}");
    assert!(recipient.message.contains(&learner.wallet.holder_did().unwrap()), "{}", recipient.message);
    // A credential about someone else is still someone else's.
    let stranger = HolderKey::from_secret_bytes(&[42; 32]).did();
    let file = learner._dir.path().join("stranger.jwt");
    std::fs::write(&file, signed_jwt(&badge(Some(&stranger)))).unwrap();
    let report = stapel_core::wallet::check::verify_loose(
        &std::fs::read(&file).unwrap(),
        Some(&learner.wallet),
        &run_after(&fetcher, 60),
    )
    .unwrap();
    assert_eq!(report.result, Verdict::Invalid, "{report:?}");
}
