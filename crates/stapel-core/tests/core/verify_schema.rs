//! The `schema` check: credentials validated against the JSON Schemas they name, the schema
//! documents obtained only through the fetcher (local copies from `../shared/vectors`).

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value;
use stapel_core::net::{FetchError, Fetched, Fetcher, MapFetcher, Offline};
use stapel_core::verify::{CheckId, Outcome, Report, Verdict, VerifyContext, verify_json};
use stapel_testkit::{Reply, Server};

fn vectors() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors"))
}

fn json(rel: &str) -> Value {
    let path = vectors().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").unwrap().with_timezone(&Utc)
}

/// A DCC fixture (signed, did:key) naming the OB 3.0 AchievementCredential JSON Schema.
const DCC_WITH_SCHEMA: &str = "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/dataIntegrityProof/didKey/legacyRegistry-noStatus-notExpired-withSchema.json";
const OB3_SCHEMA_URL: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";
/// SURF's examples: unsigned OB 3.0 credentials that name the OB 3.0 schema and SURF's own
/// schemas, and the copies of those schemas their CI validates them against (the OB 3.0 one
/// downloaded from its purl URL, README.md there).
const SURF: &str = "4-ob2/educredentials-obv3-examples";
const SURF_SCHEMAS: &str = "https://raw.githubusercontent.com/educredentials/obv3-examples/refs/heads/main/schemas/";
const SURF_EXAMPLE: &str = "4-ob2/educredentials-obv3-examples/_data/credentials/theed_microcredential_full_ho.json";

/// The schema URLs SURF's examples name, answered from SURF's copies; nothing else.
fn schema_fetcher(extra: &[(&str, PathBuf)]) -> MapFetcher {
    let dir = vectors().join(SURF).join("schemas");
    let mut map = HashMap::new();
    map.insert(OB3_SCHEMA_URL.to_string(), dir.join("ob_v3p0_achievementcredential_schema.json"));
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        map.insert(format!("{SURF_SCHEMAS}{name}"), entry.path());
    }
    for (url, path) in extra {
        map.insert(url.to_string(), path.clone());
    }
    MapFetcher::new(map, None)
}

fn report(doc: &Value, fetcher: &dyn Fetcher) -> Report {
    verify_json(doc, &VerifyContext { now: now(), fetcher, identities: &[] })
}

fn pretty(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap()
}

fn schema_message(r: &Report) -> String {
    r.check(CheckId::Schema).unwrap().message.clone()
}

#[test]
fn every_surf_example_conforms_to_the_schemas_it_names() {
    let fetcher = schema_fetcher(&[]);
    let mut checked = 0;
    for entry in std::fs::read_dir(vectors().join(SURF).join("_data/credentials")).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let named = doc["credentialSchema"].as_array().map_or(0, Vec::len);
        assert!(named >= 2, "{}: names {named} schemas", entry.path().display());
        let r = report(&doc, &fetcher);
        assert_eq!(r.outcome(CheckId::Schema), Outcome::Passed, "{}: {}", entry.path().display(), pretty(&r));
        assert!(schema_message(&r).contains(OB3_SCHEMA_URL), "{}", schema_message(&r));
        checked += 1;
    }
    assert_eq!(checked, 30);
}

#[test]
fn a_credential_missing_a_required_property_fails_the_schema_check_naming_the_property() {
    let mut doc = json(SURF_EXAMPLE);
    doc.as_object_mut().unwrap().remove("validFrom").expect("the example has validFrom");
    let r = report(&doc, &schema_fetcher(&[]));
    assert_eq!(r.outcome(CheckId::Schema), Outcome::Failed, "{}", pretty(&r));
    let message = schema_message(&r);
    assert!(message.contains("validFrom") && message.contains(OB3_SCHEMA_URL), "{message}");
    assert_eq!(r.result, Verdict::Invalid);
}

#[test]
fn a_signed_credential_with_a_required_property_removed_fails_its_proof_and_its_schema() {
    let mut doc = json(DCC_WITH_SCHEMA);
    doc.as_object_mut().unwrap().remove("validFrom").expect("the fixture has validFrom");
    let r = report(&doc, &schema_fetcher(&[]));
    // The proof covers validFrom; the schema check fails on its own account and says why.
    assert_eq!(r.outcome(CheckId::Proof), Outcome::Failed, "{}", pretty(&r));
    assert_eq!(r.outcome(CheckId::Schema), Outcome::Failed, "{}", pretty(&r));
    assert!(schema_message(&r).contains("\"validFrom\" is a required property"), "{}", schema_message(&r));
}

#[test]
fn a_value_of_the_wrong_type_is_reported_with_its_path() {
    let mut doc = json(SURF_EXAMPLE);
    doc["credentialSubject"]["achievement"]["name"] = serde_json::json!(42);
    let r = report(&doc, &schema_fetcher(&[]));
    assert_eq!(r.outcome(CheckId::Schema), Outcome::Failed, "{}", pretty(&r));
    assert!(schema_message(&r).contains("/credentialSubject/achievement/name"), "{}", schema_message(&r));
}

#[test]
fn a_rule_of_an_issuers_own_schema_is_enforced_too() {
    // SURF's microcredential schema requires an ECTS value between 3 and 30.
    let mut doc = json(SURF_EXAMPLE);
    let ects = format!("{SURF_SCHEMAS}microcredential_ects.json");
    assert!(
        doc["credentialSchema"].as_array().unwrap().iter().any(|e| e["id"] == ects.as_str()),
        "the example names {ects}"
    );
    doc["credentialSubject"]["achievement"]["ECTS"] = serde_json::json!(45);
    let r = report(&doc, &schema_fetcher(&[]));
    assert_eq!(r.outcome(CheckId::Schema), Outcome::Failed, "{}", pretty(&r));
    let message = schema_message(&r);
    assert!(message.contains(&ects) && message.contains("/credentialSubject/achievement/ECTS"), "{message}");
}

#[test]
fn a_schema_that_cannot_be_fetched_makes_the_check_unverifiable_naming_its_url() {
    let doc = json(DCC_WITH_SCHEMA);
    let r = report(&doc, &Offline);
    assert_eq!(r.outcome(CheckId::Schema), Outcome::Unverifiable, "{}", pretty(&r));
    assert!(schema_message(&r).contains(OB3_SCHEMA_URL), "{}", pretty(&r));
    assert_eq!(r.outcome(CheckId::Proof), Outcome::Passed, "{}", pretty(&r));
    assert_eq!(r.result, Verdict::Unverifiable);
}

#[test]
fn a_credential_without_credential_schema_skips_the_check() {
    let doc = json("1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/ed25519/didKey/legacy-noStatus-noExpiry.json");
    assert!(doc.get("credentialSchema").is_none());
    let r = report(&doc, &schema_fetcher(&[]));
    assert_eq!(r.outcome(CheckId::Schema), Outcome::Skipped, "{}", pretty(&r));
}

#[test]
fn a_schema_type_that_is_not_json_schema_is_unverifiable_not_passed() {
    let mut doc = json(SURF_EXAMPLE);
    doc["credentialSchema"] = serde_json::json!([{"id": OB3_SCHEMA_URL, "type": "ShaclValidator2017"}]);
    let r = report(&doc, &schema_fetcher(&[]));
    assert_eq!(r.outcome(CheckId::Schema), Outcome::Unverifiable, "{}", pretty(&r));
    assert!(schema_message(&r).contains("ShaclValidator2017"), "{}", pretty(&r));
}

/// Records every URL asked for, and answers from a map.
struct Recording {
    inner: MapFetcher,
    asked: std::sync::Mutex<Vec<String>>,
}

impl Fetcher for Recording {
    fn fetch(&self, url: &str) -> Result<Fetched, FetchError> {
        self.asked.lock().unwrap().push(url.to_string());
        self.inner.fetch(url)
    }
}

#[test]
fn a_schema_referring_to_another_document_gets_it_through_the_fetcher_only() {
    // A schema of the credential's own (as an issuer might publish it) that requires the OB 3.0
    // schema by `$ref` and adds a rule of its own.
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("own.json");
    let own_url = "https://issuer.example/schemas/own.json";
    std::fs::write(
        &own,
        serde_json::to_vec(&serde_json::json!({
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            "allOf": [{"$ref": OB3_SCHEMA_URL}],
            "properties": {"credentialSubject": {"required": ["achievement"]}}
        }))
        .unwrap(),
    )
    .unwrap();
    let mut doc = json(SURF_EXAMPLE);
    doc["credentialSchema"] = serde_json::json!([{"id": own_url, "type": "1EdTechJsonSchemaValidator2019"}]);

    let fetcher = Recording { inner: schema_fetcher(&[(own_url, own.clone())]), asked: Default::default() };
    let r = report(&doc, &fetcher);
    assert_eq!(r.outcome(CheckId::Schema), Outcome::Passed, "{}", pretty(&r));
    let asked = fetcher.asked.lock().unwrap().clone();
    assert!(asked.iter().any(|u| u == own_url) && asked.iter().any(|u| u == OB3_SCHEMA_URL), "{asked:?}");

    // The referred schema still applies: the credential without validFrom breaks it.
    doc.as_object_mut().unwrap().remove("validFrom");
    let r = report(&doc, &fetcher);
    assert_eq!(r.outcome(CheckId::Schema), Outcome::Failed, "{}", pretty(&r));
    assert!(r.check(CheckId::Schema).unwrap().message.contains("validFrom"), "{}", pretty(&r));

    // Without the referred document the validator does not go looking for it.
    let only_own = MapFetcher::new(HashMap::from([(own_url.to_string(), own)]), None);
    let r = report(&doc, &only_own);
    assert_eq!(r.outcome(CheckId::Schema), Outcome::Unverifiable, "{}", pretty(&r));
    assert!(r.check(CheckId::Schema).unwrap().message.contains(OB3_SCHEMA_URL), "{}", pretty(&r));
}

#[test]
fn a_schema_served_over_http_by_a_local_server_is_used() {
    let schema = std::fs::read(vectors().join(SURF).join("schemas/ob_v3p0_achievementcredential_schema.json")).unwrap();
    let server = Server::start(move |path| match path {
        "/schema.json" => Reply::Body(200, "application/schema+json", schema.clone()),
        _ => Reply::Body(404, "text/plain", b"not here".to_vec()),
    });
    let url = server.url("/schema.json");
    let mut doc = json(SURF_EXAMPLE);
    doc["credentialSchema"] = serde_json::json!([{"id": url, "type": "1EdTechJsonSchemaValidator2019"}]);
    let fetcher = stapel_core::net::HttpFetcher::new(stapel_core::net::HttpPolicy {
        allow_loopback_http: true,
        ..Default::default()
    })
    .unwrap();
    let r = report(&doc, &fetcher);
    assert_eq!(r.outcome(CheckId::Schema), Outcome::Passed, "{}", pretty(&r));
}
