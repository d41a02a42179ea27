//! Revocation and status: signed Open Badges 2.0 assertions with their issuer's key and
//! revocation list, 1EdTech revocation lists, and Bitstring Status List purposes (revocation,
//! suspension, message) with the rule that only the issuer's own list speaks for a credential.
//!
//! Published material from `../shared/vectors` (the Open Badges 2.0 specification's examples,
//! the 1EdTech validator's 2.0 badge class, the W3C key pair) is read in place; what no one has
//! published (a signed 2.0 badge with a usable key, suspension and message lists) is signed here
//! with keys made for the test.

use std::collections::HashMap;
use std::io::Write;
use std::sync::OnceLock;

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use stapel_core::net::{FetchError, Fetched, Fetcher, Offline};
use stapel_core::verify::{CheckId, Outcome, Report, Verdict, VerifyContext, verify_json, verify_jwt};

fn vectors() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors"))
}

fn json_file(rel: &str) -> Value {
    let path = vectors().join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").unwrap().with_timezone(&Utc)
}

fn summary(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Serves JSON documents held in memory; every other URL is offline.
#[derive(Default, Clone)]
struct Docs(HashMap<String, Vec<u8>>);

impl Docs {
    fn with(mut self, url: &str, doc: &Value) -> Self {
        self.0.insert(url.to_string(), doc.to_string().into_bytes());
        self
    }
}

impl Fetcher for Docs {
    fn fetch(&self, url: &str) -> Result<Fetched, FetchError> {
        match self.0.get(url) {
            Some(body) => Ok(Fetched {
                url: url.into(),
                final_url: url.into(),
                content_type: Some("application/json".into()),
                body: body.clone(),
            }),
            None => Err(FetchError::Offline { url: url.into() }),
        }
    }
}

fn check(r: &Report, id: CheckId) -> &stapel_core::verify::Check {
    r.check(id).unwrap_or_else(|| panic!("no {id:?} check in {}", summary(r)))
}

// ---------------------------------------------------------------------------------------------
// Open Badges 2.0 signed assertions

const OB2_SPEC: &str = "4-ob2/1edtech-openbadges-specification/ob_v2p0/extracted";
const OB2_CORE: &str = "4-ob2/1edtech-openbadges-validator-core/tests/testfiles/test_components";
const KEY_URL: &str = "https://example.org/publicKey.json";
const ISSUER_URL: &str = "https://example.org/organization.json";
const LIST_URL: &str = "https://example.org/revocationList.json";

/// One RSA key for the whole test binary: generating it is the slow part.
fn rsa_key() -> &'static rsa::RsaPrivateKey {
    static KEY: OnceLock<rsa::RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("an RSA key"))
}

fn rsa_pem(key: &rsa::RsaPrivateKey) -> String {
    use rsa::pkcs8::EncodePublicKey;
    key.to_public_key().to_public_key_pem(rsa::pkcs8::LineEnding::LF).unwrap()
}

fn rs256(header: &Value, payload: &[u8], key: &rsa::RsaPrivateKey) -> String {
    use rsa::signature::{SignatureEncoding, Signer};
    let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(payload));
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key.clone());
    format!("{input}.{}", b64(&signer.sign(input.as_bytes()).to_bytes()))
}

/// The specification's signed-badge assertion (`verification.creator` = its key document).
fn spec_assertion() -> Value {
    json_file(&format!("{OB2_SPEC}/examples-example-signed-badge-assertion-2.json"))
}

/// The specification's CryptographicKey, holding `pem` instead of its elided example key.
fn key_doc(pem: &str) -> Value {
    let mut key = json_file(&format!("{OB2_SPEC}/examples-CryptographicKey-1.json"));
    key["publicKeyPem"] = Value::from(pem);
    key
}

/// The specification's RevocationList, issued (as its Profile example says) by the profile.
fn own_revocation_list() -> Value {
    let mut list = json_file(&format!("{OB2_SPEC}/examples-RevocationList-1.json"));
    list["issuer"] = Value::from(ISSUER_URL);
    list
}

/// The issuer's world: the specification's Profile (listing the key and the revocation list),
/// the validator's 2.0 badge class, the key and the list.
fn ob2_world(pem: &str) -> Docs {
    Docs::default()
        .with(ISSUER_URL, &json_file(&format!("{OB2_SPEC}/examples-Profile-1.json")))
        .with("https://example.org/robotics-badge.json", &json_file(&format!("{OB2_CORE}/2_0_basic_badgeclass.json")))
        .with(KEY_URL, &key_doc(pem))
        .with(LIST_URL, &own_revocation_list())
}

fn verify_token(token: &str, fetcher: &dyn Fetcher) -> Report {
    verify_jwt(token, &VerifyContext { now: now(), fetcher, identities: &[] })
}

#[test]
fn an_ob2_badge_signed_with_the_issuers_rs256_key_is_verified_with_every_check_said() {
    let key = rsa_key();
    let token = rs256(&json!({"alg": "RS256"}), spec_assertion().to_string().as_bytes(), key);
    let r = verify_token(&token, &ob2_world(&rsa_pem(key)));
    assert_eq!(r.result, Verdict::Verified, "{}", summary(&r));
    assert_eq!(r.outcome(CheckId::Proof), Outcome::Passed);
    assert!(check(&r, CheckId::Key).message.contains(KEY_URL));
    assert!(check(&r, CheckId::IssuerBinding).message.contains(ISSUER_URL), "{}", summary(&r));
    assert!(check(&r, CheckId::Status).message.contains("not revoked"), "{}", summary(&r));
    assert_eq!(r.outcome(CheckId::Hosted), Outcome::Skipped);
}

#[test]
fn a_signed_ob2_badge_whose_payload_was_changed_is_invalid() {
    let key = rsa_key();
    let token = rs256(&json!({"alg": "RS256"}), spec_assertion().to_string().as_bytes(), key);
    let parts: Vec<&str> = token.split('.').collect();
    let mut changed = spec_assertion();
    changed["issuedOn"] = Value::from("2015-01-01T00:00:00Z");
    let tampered = format!("{}.{}.{}", parts[0], b64(changed.to_string().as_bytes()), parts[2]);
    let r = verify_token(&tampered, &ob2_world(&rsa_pem(key)));
    assert_eq!(r.outcome(CheckId::Proof), Outcome::Failed, "{}", summary(&r));
    assert_eq!(r.result, Verdict::Invalid);
}

#[test]
fn a_signed_ob2_badge_whose_key_is_not_the_issuers_is_invalid() {
    let key = rsa_key();
    let token = rs256(&json!({"alg": "RS256"}), spec_assertion().to_string().as_bytes(), key);
    let pem = rsa_pem(key);

    // The key says it belongs to someone else.
    let mut foreign = key_doc(&pem);
    foreign["owner"] = Value::from("https://attacker.example/profile.json");
    let r = verify_token(&token, &ob2_world(&pem).with(KEY_URL, &foreign));
    assert_eq!(r.outcome(CheckId::Proof), Outcome::Passed, "{}", summary(&r));
    assert_eq!(r.outcome(CheckId::IssuerBinding), Outcome::Failed, "{}", summary(&r));
    assert!(check(&r, CheckId::IssuerBinding).message.contains("attacker.example"));
    assert_eq!(r.result, Verdict::Invalid);

    // The key claims the issuer, but the issuer's profile does not list it.
    let mut profile = json_file(&format!("{OB2_SPEC}/examples-Profile-1.json"));
    profile["publicKey"] = Value::from("https://example.org/another-key.json");
    let r = verify_token(&token, &ob2_world(&pem).with(ISSUER_URL, &profile));
    assert_eq!(r.outcome(CheckId::IssuerBinding), Outcome::Failed, "{}", summary(&r));
    assert_eq!(r.result, Verdict::Invalid);
}

#[test]
fn a_signed_ob2_badge_on_the_issuers_revocation_list_is_invalid_with_the_reason() {
    let key = rsa_key();
    let pem = rsa_pem(key);
    // Listed by id, with the specification's reason.
    let mut by_id = spec_assertion();
    by_id["id"] = Value::from("urn:uuid:e79a6c18-787e-4868-8e65-e6a4530fb418");
    let r = verify_token(&rs256(&json!({"alg": "RS256"}), by_id.to_string().as_bytes(), key), &ob2_world(&pem));
    assert_eq!(r.outcome(CheckId::Proof), Outcome::Passed, "{}", summary(&r));
    assert_eq!(r.outcome(CheckId::Status), Outcome::Failed, "{}", summary(&r));
    assert!(check(&r, CheckId::Status).message.contains("Honor code violation"), "{}", summary(&r));
    assert_eq!(r.result, Verdict::Invalid);

    // Listed as a bare id, and by uid.
    let mut bare = spec_assertion();
    bare["id"] = Value::from("urn:uuid:3c574c87-b96f-4f06-8eb5-68a29335b60e");
    let r = verify_token(&rs256(&json!({"alg": "RS256"}), bare.to_string().as_bytes(), key), &ob2_world(&pem));
    assert_eq!(r.outcome(CheckId::Status), Outcome::Failed, "{}", summary(&r));
    let mut by_uid = spec_assertion();
    by_uid["uid"] = Value::from("abc123");
    let r = verify_token(&rs256(&json!({"alg": "RS256"}), by_uid.to_string().as_bytes(), key), &ob2_world(&pem));
    assert!(check(&r, CheckId::Status).message.contains("Issued in error."), "{}", summary(&r));
    assert_eq!(r.result, Verdict::Invalid);
}

#[test]
fn the_specifications_revocation_list_names_another_issuer_so_it_neither_revokes_nor_clears() {
    // As published, the RevocationList example says issuer https://example.org/issuer while the
    // Profile that points at it is https://example.org/organization.json.
    let key = rsa_key();
    let pem = rsa_pem(key);
    let published = json_file(&format!("{OB2_SPEC}/examples-RevocationList-1.json"));
    let mut listed = spec_assertion();
    listed["id"] = Value::from("urn:uuid:e79a6c18-787e-4868-8e65-e6a4530fb418");
    let token = rs256(&json!({"alg": "RS256"}), listed.to_string().as_bytes(), key);
    let r = verify_token(&token, &ob2_world(&pem).with(LIST_URL, &published));
    assert_eq!(r.outcome(CheckId::Status), Outcome::Unverifiable, "{}", summary(&r));
    assert!(check(&r, CheckId::Status).message.contains("https://example.org/issuer"));
    assert_eq!(r.result, Verdict::Unverifiable);
}

#[test]
fn a_signed_ob2_badge_needs_a_key_of_the_kind_its_algorithm_names() {
    use p256::ecdsa::signature::Signer;
    use p256::pkcs8::EncodePublicKey;
    let signing = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let pem = p256::PublicKey::from(*signing.verifying_key()).to_public_key_pem(p256::pkcs8::LineEnding::LF).unwrap();
    let payload = spec_assertion().to_string();
    let input = format!("{}.{}", b64(br#"{"alg":"ES256"}"#), b64(payload.as_bytes()));
    let signature: p256::ecdsa::Signature = signing.sign(input.as_bytes());
    let es256 = format!("{input}.{}", b64(&signature.to_bytes()));
    let r = verify_token(&es256, &ob2_world(&pem));
    assert_eq!(r.result, Verdict::Verified, "an ES256 badge with a P-256 key: {}", summary(&r));

    // An RS256 signature cannot be checked with the issuer's P-256 key.
    let rs = rs256(&json!({"alg": "RS256"}), payload.as_bytes(), rsa_key());
    let r = verify_token(&rs, &ob2_world(&pem));
    assert_eq!(r.outcome(CheckId::Proof), Outcome::Failed, "{}", summary(&r));
    assert_eq!(r.result, Verdict::Invalid);
}

#[test]
fn the_specifications_signed_badge_example_is_unverifiable_offline_never_invalid() {
    let token = std::fs::read_to_string(vectors().join(format!("{OB2_SPEC}/examples-SignedBadge-1.jws"))).unwrap();
    let r = verify_token(&token, &Offline);
    assert_eq!(r.outcome(CheckId::Format), Outcome::Passed, "{}", summary(&r));
    assert_eq!(r.outcome(CheckId::Proof), Outcome::Unverifiable, "{}", summary(&r));
    assert_eq!(r.outcome(CheckId::Key), Outcome::Unverifiable);
    assert_eq!(r.result, Verdict::Unverifiable);
}

#[test]
fn a_signed_ob2_badge_whose_key_cannot_be_read_is_unverifiable_and_a_bare_copy_has_no_signature() {
    let key = rsa_key();
    let token = rs256(&json!({"alg": "RS256"}), spec_assertion().to_string().as_bytes(), key);
    let mut world = ob2_world(&rsa_pem(key));
    world.0.remove(KEY_URL);
    let r = verify_token(&token, &world);
    assert_eq!(r.outcome(CheckId::Key), Outcome::Unverifiable, "{}", summary(&r));
    assert_eq!(r.result, Verdict::Unverifiable);

    // The bare assertion of a signed badge: no signature to check, but the revocation list is.
    let bare = spec_assertion();
    let r = verify_json(&bare, &VerifyContext { now: now(), fetcher: &ob2_world(&rsa_pem(key)), identities: &[] });
    assert_eq!(r.outcome(CheckId::Proof), Outcome::Unverifiable, "{}", summary(&r));
    assert_eq!(r.outcome(CheckId::Status), Outcome::Passed, "{}", summary(&r));
    assert_eq!(r.result, Verdict::Unverifiable);
}

// ---------------------------------------------------------------------------------------------
// Credentials signed here (eddsa-jcs-2022) for status lists of every purpose

const KEY_PAIR: &str = "2-w3c-di-eddsa/w3c-vc-di-eddsa/TestVectors/keyPair.json";

struct Signer {
    did: String,
    key: ed25519_dalek::SigningKey,
}

impl Signer {
    /// The W3C vectors' published key pair.
    fn w3c() -> Signer {
        let pair = json_file(KEY_PAIR);
        let (_, secret) = multibase::decode(pair["privateKeyMultibase"].as_str().unwrap()).unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&secret[2..].try_into().unwrap());
        Signer { did: format!("did:key:{}", pair["publicKeyMultibase"].as_str().unwrap()), key }
    }

    /// A key made for the test.
    fn fresh() -> Signer {
        let key = ed25519_dalek::SigningKey::from_bytes(&rand::random::<[u8; 32]>());
        let mut bytes = vec![0xed, 0x01];
        bytes.extend_from_slice(key.verifying_key().as_bytes());
        Signer { did: format!("did:key:{}", multibase::encode(multibase::Base::Base58Btc, bytes)), key }
    }

    /// Signs `doc` (issued by this signer) with an eddsa-jcs-2022 proof.
    fn sign(&self, mut doc: Value) -> Value {
        use ed25519_dalek::Signer as _;
        let multikey = self.did.trim_start_matches("did:key:");
        doc["issuer"] = Value::from(self.did.clone());
        doc["proof"] = json!({
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "created": "2025-01-01T00:00:00Z",
            "verificationMethod": format!("{}#{multikey}", self.did),
            "proofPurpose": "assertionMethod",
            "proofValue": multibase::encode(multibase::Base::Base58Btc, [0u8; 64]),
        });
        let i = stapel_core::verify::proof::intermediates(&doc).unwrap();
        let signature = self.key.sign(&i.signed_bytes);
        doc["proof"]["proofValue"] = Value::from(multibase::encode(multibase::Base::Base58Btc, signature.to_bytes()));
        doc
    }
}

/// `encodedList` of a list whose entries are `size` bits, with the given values set.
fn encoded_list(size: usize, entries: usize, values: &[(usize, u32)]) -> String {
    let mut bits = vec![0u8; (entries * size).div_ceil(8).max(16 * 1024)];
    for (index, value) in values {
        for b in 0..size {
            if value >> (size - 1 - b) & 1 == 1 {
                let bit = index * size + b;
                bits[bit / 8] |= 0x80 >> (bit % 8);
            }
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bits).unwrap();
    format!("u{}", b64(&gz.finish().unwrap()))
}

fn status_list(signer: &Signer, url: &str, purpose: &str, encoded: String) -> Value {
    signer.sign(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": format!("{url}#list"), "type": "BitstringStatusList", "statusPurpose": purpose, "encodedList": encoded},
    }))
}

fn credential_with(signer: &Signer, status: Value) -> Value {
    signer.sign(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:6c3f4b1e-3c5e-4a0e-9b1f-0d5b2a7c9e11",
        "type": ["VerifiableCredential"],
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
        "credentialStatus": status,
    }))
}

fn entry(url: &str, purpose: &str, index: u64) -> Value {
    json!({"id": format!("{url}#{index}"), "type": "BitstringStatusListEntry", "statusPurpose": purpose, "statusListIndex": index.to_string(), "statusListCredential": url})
}

fn verify_with(doc: &Value, docs: &Docs) -> Report {
    verify_json(doc, &VerifyContext { now: now(), fetcher: docs, identities: &[] })
}

const SUSPENSIONS: &str = "https://issuer.example/status/suspension";
const REVOCATIONS: &str = "https://issuer.example/status/revocation";

#[test]
fn a_credential_signed_here_with_a_clear_status_is_verified() {
    let issuer = Signer::w3c();
    let docs = Docs::default()
        .with(REVOCATIONS, &status_list(&issuer, REVOCATIONS, "revocation", encoded_list(1, 131_072, &[(5, 1)])));
    let r = verify_with(&credential_with(&issuer, entry(REVOCATIONS, "revocation", 4)), &docs);
    assert_eq!(r.result, Verdict::Verified, "{}", summary(&r));
    assert!(check(&r, CheckId::Status).message.contains("not revoked"));
    let r = verify_with(&credential_with(&issuer, entry(REVOCATIONS, "revocation", 5)), &docs);
    assert_eq!(r.outcome(CheckId::Status), Outcome::Failed, "{}", summary(&r));
    assert!(check(&r, CheckId::Status).message.contains("revoked"));
}

#[test]
fn a_suspended_credential_is_invalid_and_says_suspended() {
    let issuer = Signer::w3c();
    let docs = Docs::default()
        .with(SUSPENSIONS, &status_list(&issuer, SUSPENSIONS, "suspension", encoded_list(1, 131_072, &[(42, 1)])));
    let r = verify_with(&credential_with(&issuer, entry(SUSPENSIONS, "suspension", 42)), &docs);
    assert_eq!(r.outcome(CheckId::Proof), Outcome::Passed, "{}", summary(&r));
    assert_eq!(r.outcome(CheckId::Status), Outcome::Failed, "{}", summary(&r));
    assert!(check(&r, CheckId::Status).message.contains("suspended"), "{}", summary(&r));
    assert_eq!(r.result, Verdict::Invalid);

    let r = verify_with(&credential_with(&issuer, entry(SUSPENSIONS, "suspension", 43)), &docs);
    assert_eq!(r.outcome(CheckId::Status), Outcome::Passed, "{}", summary(&r));
    assert!(check(&r, CheckId::Status).message.contains("not suspended"));

    // A revocation entry pointed at the suspension list is not answered by it.
    let r = verify_with(&credential_with(&issuer, entry(SUSPENSIONS, "revocation", 42)), &docs);
    assert_eq!(r.outcome(CheckId::Status), Outcome::Unverifiable, "{}", summary(&r));
}

#[test]
fn a_message_status_of_several_bits_is_reported_and_is_not_a_failure() {
    let issuer = Signer::w3c();
    let url = "https://issuer.example/status/messages";
    let docs =
        Docs::default().with(url, &status_list(&issuer, url, "message", encoded_list(2, 131_072, &[(7, 2), (8, 3)])));
    let mut message = entry(url, "message", 7);
    message["statusSize"] = json!(2);
    message["statusMessage"] = json!([
        {"status": "0x0", "message": "pending review"},
        {"status": "0x1", "message": "accepted"},
        {"status": "0x2", "message": "under appeal"},
        {"status": "0x3", "message": "rejected"},
    ]);
    let r = verify_with(&credential_with(&issuer, message.clone()), &docs);
    assert_eq!(r.outcome(CheckId::Status), Outcome::Passed, "{}", summary(&r));
    assert!(check(&r, CheckId::Status).message.contains("under appeal"), "{}", summary(&r));
    assert_eq!(r.result, Verdict::Verified);

    message["statusListIndex"] = Value::from("8");
    let r = verify_with(&credential_with(&issuer, message.clone()), &docs);
    assert!(check(&r, CheckId::Status).message.contains("rejected"), "{}", summary(&r));
    assert_eq!(r.outcome(CheckId::Status), Outcome::Passed);

    message["statusListIndex"] = Value::from("9");
    let r = verify_with(&credential_with(&issuer, message), &docs);
    assert!(check(&r, CheckId::Status).message.contains("pending review"), "{}", summary(&r));
}

#[test]
fn a_status_list_from_another_issuer_can_neither_revoke_nor_clear_the_credential() {
    let issuer = Signer::w3c();
    let stranger = Signer::fresh();
    // A correctly signed list, but the stranger's: it says the credential is revoked.
    let revoking = Docs::default()
        .with(REVOCATIONS, &status_list(&stranger, REVOCATIONS, "revocation", encoded_list(1, 131_072, &[(4, 1)])));
    let r = verify_with(&credential_with(&issuer, entry(REVOCATIONS, "revocation", 4)), &revoking);
    assert_eq!(r.outcome(CheckId::Status), Outcome::Unverifiable, "{}", summary(&r));
    assert!(check(&r, CheckId::Status).message.contains(&stranger.did), "{}", summary(&r));
    assert_eq!(r.result, Verdict::Unverifiable);
    // ... or that it is clear.
    let clearing = Docs::default()
        .with(REVOCATIONS, &status_list(&stranger, REVOCATIONS, "revocation", encoded_list(1, 131_072, &[])));
    let r = verify_with(&credential_with(&issuer, entry(REVOCATIONS, "revocation", 4)), &clearing);
    assert_eq!(r.outcome(CheckId::Status), Outcome::Unverifiable, "{}", summary(&r));
    assert_eq!(r.result, Verdict::Unverifiable);
}

#[test]
fn a_status_list_whose_list_was_changed_after_signing_is_not_believed() {
    let issuer = Signer::w3c();
    let mut list = status_list(&issuer, REVOCATIONS, "revocation", encoded_list(1, 131_072, &[(4, 1)]));
    list["credentialSubject"]["encodedList"] = Value::from(encoded_list(1, 131_072, &[]));
    let r = verify_with(
        &credential_with(&issuer, entry(REVOCATIONS, "revocation", 4)),
        &Docs::default().with(REVOCATIONS, &list),
    );
    assert_eq!(r.outcome(CheckId::Status), Outcome::Unverifiable, "{}", summary(&r));
    assert!(check(&r, CheckId::Status).message.contains("cannot be trusted"));
}

// ---------------------------------------------------------------------------------------------
// 1EdTech Revocation List (Open Badges 3.0 credentialStatus)

const EDTECH_LIST: &str = "https://issuer.example/api/revocations/1";

fn edtech_credential(signer: &Signer, id: &str) -> Value {
    let mut doc = credential_with(signer, json!({"id": EDTECH_LIST, "type": "1EdTechRevocationList"}));
    doc["id"] = Value::from(id);
    signer.sign(doc)
}

#[test]
fn a_credential_on_its_issuers_1edtech_revocation_list_is_invalid_and_others_pass() {
    let issuer = Signer::w3c();
    let list = json!({
        "id": EDTECH_LIST,
        "issuer": issuer.did,
        "revokedCredentials": [
            {"id": "urn:uuid:00000000-0000-4000-8000-000000000001", "revocationReason": "issued to the wrong learner"},
            {"id": "urn:uuid:00000000-0000-4000-8000-000000000002", "revoked": false},
        ],
    });
    let docs = Docs::default().with(EDTECH_LIST, &list);
    let r = verify_with(&edtech_credential(&issuer, "urn:uuid:00000000-0000-4000-8000-000000000001"), &docs);
    assert_eq!(r.outcome(CheckId::Status), Outcome::Failed, "{}", summary(&r));
    assert!(check(&r, CheckId::Status).message.contains("issued to the wrong learner"));
    assert_eq!(r.result, Verdict::Invalid);

    // Listed with revoked false: reinstated.
    let r = verify_with(&edtech_credential(&issuer, "urn:uuid:00000000-0000-4000-8000-000000000002"), &docs);
    assert_eq!(r.outcome(CheckId::Status), Outcome::Passed, "{}", summary(&r));
    let r = verify_with(&edtech_credential(&issuer, "urn:uuid:00000000-0000-4000-8000-000000000003"), &docs);
    assert_eq!(r.result, Verdict::Verified, "{}", summary(&r));

    // Offline, or the list of someone else: unverifiable, never invalid.
    let r = verify_with(&edtech_credential(&issuer, "urn:uuid:00000000-0000-4000-8000-000000000001"), &Docs::default());
    assert_eq!(r.outcome(CheckId::Status), Outcome::Unverifiable, "{}", summary(&r));
    let mut foreign = list.clone();
    foreign["issuer"] = Value::from("did:example:someone-else");
    let r = verify_with(
        &edtech_credential(&issuer, "urn:uuid:00000000-0000-4000-8000-000000000001"),
        &Docs::default().with(EDTECH_LIST, &foreign),
    );
    assert_eq!(r.outcome(CheckId::Status), Outcome::Unverifiable, "{}", summary(&r));
    assert_eq!(r.result, Verdict::Unverifiable);
}
