//! Reading every credential format: the whole shared vector set, chosen expectations, bad input
//! and duplicate keys.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use stapel_core::formats::{self, FormatError, Parsed};
use stapel_core::net::{Fetcher, MapFetcher, Offline};
use stapel_core::store::{KdfParams, ListQuery, NewOriginal, Protection, Secret, Wallet};

fn vectors() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors")).to_path_buf()
}

fn all_files() -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("vector folder readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() { walk(&path, out) } else { out.push(path) }
        }
    }
    let root = vectors();
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut out: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|p| (p.strip_prefix(&root).expect("under root").to_string_lossy().replace('\\', "/"), p))
        .collect();
    out.sort();
    out
}

fn read_file(rel: &str) -> Vec<u8> {
    std::fs::read(vectors().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const OB2_COMPONENTS: &str = "4-ob2/1edtech-openbadges-validator-core/tests/testfiles/test_components";

/// Serves the OB 2.0 example URLs from the local copies of the validator-core trio (2.0, or
/// 1.1 when `v1_1`), and the OB 1.0 `a.com` URLs from the 1.0 trio.
fn ob2_fetcher(v1_1: bool) -> MapFetcher {
    let c = vectors().join(OB2_COMPONENTS);
    let v = if v1_1 { "1_1" } else { "2_0" };
    let map: HashMap<String, PathBuf> = [
        ("https://example.org/robotics-badge.json".to_string(), c.join(format!("{v}_basic_badgeclass.json"))),
        ("https://example.org/organization.json".to_string(), c.join(format!("{v}_basic_issuer.json"))),
        ("http://a.com/badgeclass".to_string(), c.join("1_0_basic_badgeclass.json")),
        ("http://a.com/issuer".to_string(), c.join("1_0_basic_issuer.json")),
    ]
    .into_iter()
    .collect();
    MapFetcher::new(map, None)
}

/// What the walk expects of a file.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// A credential: `read` must succeed.
    Parse,
    /// Deliberately malformed or unbaked: `read` must fail, with this in the message.
    Fail(&'static str),
    /// Not a credential; the reason it is left out. `read` must still not panic.
    Excluded(&'static str),
}

/// Patterns: `*` stands for any run of characters (including `/`); the rest must match exactly.
/// First match wins, so the specific entries come before the general ones.
const TABLE: &[(&str, Expect)] = &[
    // Deliberately malformed or unbaked inputs: each must give one clear error.
    ("4-ob2/mozilla-openbadges-bakery/test/bad-json.svg", Expect::Fail("the JSON is malformed")),
    ("4-ob2/mozilla-openbadges-bakery/test/unbaked.svg", Expect::Fail("no badge baked into it")),
    ("4-ob2/mozilla-openbadges-bakery/test/unbaked.png", Expect::Fail("no badge baked into it")),
    (
        "4-ob2/1edtech-openbadges-validator-core/tests/testfiles/public_domain_heart.png",
        Expect::Fail("no badge baked into it"),
    ),
    ("*/mixedRegistry-validStatus-noExpiry.svg", Expect::Fail("no badge baked into it")),
    ("*examples-BadgeClass-1.as-published-invalid-json.txt", Expect::Fail("the JSON is malformed at line 15")),
    (
        "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v1/ed25519/didKey/legacy-noStatus-noExpiry.json",
        Expect::Fail("the file is empty"),
    ),
    // Baked SVGs whose badge lives at the placeholder http://example.org: offline they fail
    // naming that address (a test below serves an assertion there and they parse).
    (
        "4-ob2/mozilla-openbadges-bakery/test/baked.svg",
        Expect::Fail("http://example.org: not fetched, working offline"),
    ),
    (
        "4-ob2/mozilla-openbadges-bakery/test/no-json.svg",
        Expect::Fail("http://example.org: not fetched, working offline"),
    ),
    // The JCS canonical form of a credential is that credential's JSON.
    ("*/eddsa-jcs-2022/canonDocJCS.txt", Expect::Parse),
    // Not credentials.
    ("3-contexts/*", Expect::Excluded("JSON-LD context documents and their licences")),
    ("2-w3c-di-eddsa/w3c-rdf-canon/*", Expect::Excluded("RDF canonicalization test suite (N-Quads, manifests)")),
    ("*.md", Expect::Excluded("documentation")),
    (
        "*.ts",
        Expect::Excluded("TypeScript source (JS object literals, not JSON; the verbatim JSON is in *.extracted.json)"),
    ),
    ("*.js", Expect::Excluded("JavaScript test source")),
    ("*.py", Expect::Excluded("Python source")),
    ("*.kt", Expect::Excluded("Kotlin test source")),
    ("*.html", Expect::Excluded("web pages (specification text)")),
    ("*.gz", Expect::Excluded("compressed copy of the rendered specification")),
    ("*.tsv", Expect::Excluded("provenance table")),
    ("*LICENSE*", Expect::Excluded("licence text")),
    ("*/git.info", Expect::Excluded("copy metadata")),
    ("*.txt", Expect::Excluded("canonical N-Quads, hashes, signatures and HTTP exchanges as text")),
    ("*/did.json", Expect::Excluded("DID documents (issuers' keys)")),
    ("*context.json", Expect::Excluded("JSON-LD context documents")),
    ("*/contexts/*", Expect::Excluded("JSON-LD context documents")),
    ("*/multiKeyPairs.json", Expect::Excluded("key pairs")),
    ("*/schema.json", Expect::Excluded("JSON Schemas")),
    ("4-ob2/educredentials-obv3-examples/schemas/*", Expect::Excluded("JSON Schemas")),
    ("*package.json", Expect::Excluded("npm package manifests")),
    ("*/config/runner.json", Expect::Excluded("test-runner configuration")),
    ("5-status-list/dcc-credential-status-playground/config.json", Expect::Excluded("status service configuration")),
    ("5-status-list/dcc-credential-status-playground/log.json", Expect::Excluded("status service log")),
    ("*KeyPair*.json", Expect::Excluded("key pairs")),
    ("*keyPair.json", Expect::Excluded("key pairs")),
    ("*/defaultKey.json", Expect::Excluded("key pairs")),
    ("*/proofSetConfig*", Expect::Excluded("proof configurations (signing inputs)")),
    ("*/proofChainConfig*", Expect::Excluded("proof configurations (signing inputs)")),
    ("*/proofConfig*", Expect::Excluded("proof configurations (signing inputs)")),
    ("*.proof.json", Expect::Excluded("a proof on its own, without its credential")),
    ("*.intermediate-values.json", Expect::Excluded("signing intermediates (hashes, keys, signature)")),
    (
        "*/credentials/dl-v1.json",
        Expect::Excluded("selective-disclosure test input wrapping a credential with pointers"),
    ),
    (
        "*/credentials/dl-v2.json",
        Expect::Excluded("selective-disclosure test input wrapping a credential with pointers"),
    ),
    (
        "6-oid4vci/*",
        Expect::Excluded("OpenID4VCI offers, issuer metadata and HTTP exchanges (the offer module reads them)"),
    ),
    ("*/examples-Profile-1.json", Expect::Excluded("OB 2.0 issuer profile")),
    ("*/examples-CryptographicKey-1.json", Expect::Excluded("OB 2.0 public key")),
    ("*/examples-RevocationList-1.json", Expect::Excluded("OB 2.0 revocation list")),
    (
        "*/examples-Endorsement-*",
        Expect::Excluded("OB 2.0 endorsements (a third party's comment on a badge, issuer or assertion)"),
    ),
    ("*/examples-Criteria-1.json", Expect::Excluded("spec fragment showing one property, not a whole assertion")),
    ("*/examples-Evidence-*", Expect::Excluded("spec fragment showing one property, not a whole assertion")),
    ("*/examples-Image-*", Expect::Excluded("spec fragment showing one property, not a whole assertion")),
    (
        "*/examples-Internationalization-*",
        Expect::Excluded("spec fragment showing one property, not a whole assertion"),
    ),
    ("*/examples-badgeclass-version-control-1.json", Expect::Excluded("spec fragment showing badge class versioning")),
    (
        "*/examples-revoked-hosted-assertion-1.json",
        Expect::Excluded("spec fragment: a host's answer for a revoked assertion"),
    ),
    ("*_badgeclass.json", Expect::Excluded("OB badge classes (served to the assertions through the MapFetcher)")),
    ("*_issuer.json", Expect::Excluded("OB issuer profiles (served to the assertions through the MapFetcher)")),
    ("*/openbadges_context*.json", Expect::Excluded("JSON-LD context documents")),
    // Section 7 of SOURCES.md: registries that list issuers, their clients' code and the
    // OpenID Federation text; no file there is a credential.
    ("7-issuer-registries/*", Expect::Excluded("issuer registries and trust-chain material, not credentials")),
];

fn matches(pattern: &str, path: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return path == pattern;
    }
    if !path.starts_with(first) || !path[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &path[first.len()..path.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    path.len() >= first.len() + last.len()
}

fn expect_for(rel: &str) -> Expect {
    TABLE.iter().find(|(p, _)| matches(p, rel)).map(|(_, e)| *e).unwrap_or(Expect::Parse)
}

#[test]
fn every_credential_in_the_shared_vectors_parses_and_every_other_file_is_listed_with_a_reason() {
    let (mut parsed, mut failed, mut excluded, mut children) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    // Every credential that parses is also stored, in one encrypted wallet, as import does.
    let dir = tempfile::tempdir().unwrap();
    let mut wallet = Wallet::create(
        &dir.path().join("w.stapel"),
        Protection::Passphrase(Secret::new("vectors".into())),
        KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 },
    )
    .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").unwrap().to_utc();
    let (mut stored_new, mut stored_again, mut new_children) = (0, 0, 0);
    for (rel, path) in all_files() {
        let bytes = std::fs::read(&path).expect("vector readable");
        let fetcher = ob2_fetcher(rel.contains("/1_1_"));
        let result = formats::read(&bytes, &fetcher);
        match (expect_for(&rel), result) {
            (Expect::Parse, Ok(p)) => {
                parsed += 1;
                children += p.children.len();
                if p.credential.title.trim().is_empty() {
                    problems.push(format!("{rel}: parsed with an empty title"));
                }
                if !(p.key.starts_with("id:") || p.key.starts_with("sha256:")) {
                    problems.push(format!("{rel}: key {} has no kind prefix", p.key));
                }
                let original = NewOriginal {
                    role: "credential".into(),
                    media_type: stapel_core::wallet::import::sniff_media_type(&bytes)
                        .unwrap_or("application/octet-stream")
                        .into(),
                    source: rel.clone(),
                    bytes: bytes.clone(),
                };
                match wallet.insert(&stapel_core::wallet::import::to_new_credential(p, original), now) {
                    Ok(i) if i.already_present => stored_again += 1,
                    Ok(i) => {
                        stored_new += 1;
                        new_children += i.children.iter().filter(|c| !c.already_present).count();
                    }
                    Err(e) => problems.push(format!("{rel}: parsed but not stored: {e}")),
                }
            }
            (Expect::Parse, Err(e)) => problems.push(format!("{rel}: should parse, failed: {e}")),
            (Expect::Fail(want), Err(e)) => {
                failed += 1;
                if !e.to_string().contains(want) {
                    problems.push(format!("{rel}: error `{e}` does not say `{want}`"));
                }
            }
            (Expect::Fail(want), Ok(_)) => problems.push(format!("{rel}: should fail with `{want}`, parsed")),
            (Expect::Excluded(_), _) => excluded += 1,
        }
    }
    println!(
        "parsed {parsed} credentials (+{children} nested), {failed} malformed inputs refused, {excluded} files excluded"
    );
    println!(
        "stored {stored_new} new credentials (+{new_children} nested); {stored_again} were the same credential in another file or wrapping"
    );
    wallet.integrity_check().unwrap();
    assert_eq!(stored_new + stored_again, parsed);
    let listed = wallet.count(&ListQuery { include_children: true, ..ListQuery::default() }).unwrap();
    assert_eq!(listed as usize, stored_new + new_children, "every stored credential and nested one is listed");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(parsed, PARSED_COUNT, "number of credential files in the vectors changed");
    assert_eq!(failed, 9);
    assert_eq!(children, 2, "the two CLR files each hold one nested credential");
}

const PARSED_COUNT: usize = 233;

// ---------------------------------------------------------------------------------------------
// Expectations for a representative set: snapshot files under `expected/` (reviewed line by
// line when written) plus the key fields asserted in code.

/// The parts of a [`Parsed`] a snapshot records.
fn summary(p: &Parsed) -> serde_json::Value {
    serde_json::json!({
        "format": p.format,
        "wrapping": p.wrapping,
        "key": p.key,
        "credential": p.credential,
        "children": p.children.iter().map(summary).collect::<Vec<_>>(),
        "related": p.related.iter().map(|r| serde_json::json!({
            "role": r.role, "url": r.url, "media_type": r.media_type, "fetched": r.fetched, "bytes": r.bytes.len(),
        })).collect::<Vec<_>>(),
        "warnings": p.warnings,
    })
}

/// Compares with `expected/<name>.json`. A missing file is written and the test fails, so a
/// new snapshot is always reviewed before it counts; `STAPEL_BLESS=1` rewrites them.
fn snapshot(name: &str, p: &Parsed) {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/core/expected")).join(format!("{name}.json"));
    let got = summary(p);
    let bless = std::env::var_os("STAPEL_BLESS").is_some();
    match std::fs::read_to_string(&path) {
        Ok(text) if !bless => {
            let want: serde_json::Value = serde_json::from_str(&text).expect("snapshot is JSON");
            assert_eq!(got, want, "{name}: the view differs from {}", path.display());
        }
        _ => {
            std::fs::write(&path, serde_json::to_string_pretty(&got).expect("serializable") + "\n")
                .expect("write snapshot");
            assert!(bless, "{name}: wrote a new snapshot {}; review it and run again", path.display());
        }
    }
}

fn read_ok(rel: &str, fetcher: &dyn Fetcher) -> Parsed {
    formats::read(&read_file(rel), fetcher).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const SPEC: &str = "1-ob3/1edtech-openbadges-specification";
const RENDERED: &str = "1-ob3/1edtech-openbadges-specification/rendered-spec-gh-pages-9535509";
const EDU: &str = "4-ob2/educredentials-obv3-examples/_data/credentials";

#[test]
fn the_1edtech_ob3_test_vector_reads_into_the_view() {
    let p = read_ok(&format!("{SPEC}/impl/extracted/linked-data-proof-ob.signed-credential.json"), &Offline);
    assert_eq!(p.format, formats::Format::VcJsonLd);
    assert_eq!(p.wrapping, formats::Wrapping::Bare);
    assert_eq!(p.credential.title, "Teamwork Badge");
    assert!(p.credential.types.contains(&"OpenBadgeCredential".to_string()));
    // Keyed by content less the proof: the unsigned credential is the same credential.
    let unsigned = read_ok(&format!("{SPEC}/impl/extracted/linked-data-proof-ob.unsigned-credential.json"), &Offline);
    assert_eq!(p.key, unsigned.key);
    assert!(p.key.starts_with("sha256:"));
    snapshot("ob3-1edtech-linked-data-proof-ob", &p);
}

#[test]
fn the_complete_ob3_spec_example_keeps_results_alignments_evidence_endorsements_and_status() {
    let p = read_ok(&format!("{RENDERED}/example-36-complete-openbadgecredential.signed.json"), &Offline);
    let c = &p.credential;
    assert_eq!(c.achievement.achievement_type.as_deref(), Some("Degree"));
    assert_eq!(c.achievement.field_of_study.as_deref(), Some("Research"));
    assert_eq!(c.tags, ["research", "computer science"]);
    assert_eq!(c.skills.len(), 2);
    assert_eq!(c.skills[0].framework.as_deref(), Some("1EdTech University Program and Course Catalog"));
    assert_eq!(c.skills[1].framework.as_deref(), Some("Credential Engine"), "known host wins over the stated name");
    assert!(c.credits.iter().any(|k| k.amount == 36.0 && k.source == "achievement.creditsAvailable"));
    assert!(c.credits.iter().any(|k| k.amount == 42.0 && k.source == "credentialSubject.creditsEarned"));
    assert_eq!(c.results.len(), 3);
    assert_eq!(c.results[0].description.as_deref(), Some("Final Project Grade"));
    assert_eq!(c.results[0].value.as_deref(), Some("A"));
    assert_eq!(c.results[2].status.as_deref(), Some("Completed"));
    assert_eq!(c.evidence.len(), 3, "two evidence objects and the subject's narrative");
    assert_eq!(
        c.endorsements,
        [
            "http://1edtech.edu/endorsementcredential/3735",
            "http://1edtech.edu/endorsementcredential/3734",
            "http://1edtech.edu/endorsementcredential/3736"
        ]
    );
    assert_eq!(c.status.len(), 1);
    assert_eq!(c.status[0].kind, "1EdTechRevocationList");
    assert_eq!(c.status[0].list.as_deref(), Some("https://1edtech.edu/credentials/3732/revocations"));
    assert_eq!(c.valid_until.as_deref(), Some("2030-01-01T00:00:00Z"));
    assert_eq!(c.issuer.country.as_deref(), Some("USA"));
    snapshot("ob3-spec-example-36-complete", &p);
}

#[test]
fn a_clr_is_read_as_a_whole_with_each_nested_credential_as_a_child() {
    let p = read_ok(&format!("{SPEC}/impl/extracted/linked-data-proof-clr.signed-credential.json"), &Offline);
    assert!(p.credential.types.contains(&"ClrCredential".to_string()));
    assert_eq!(p.credential.title, "Sample Transcript");
    assert_eq!(p.children.len(), 1);
    let child = &p.children[0];
    assert_eq!(child.format, formats::Format::VcJsonLd);
    assert_eq!(child.credential.title, "Example University Degree");
    assert_eq!(child.credential.achievement.name.as_deref(), Some("Achievement 1"));
    assert!(child.key.starts_with("sha256:") && child.key != p.key);
    assert_eq!(p.all().len(), 2);
    snapshot("clr-1edtech-linked-data-proof-clr", &p);
}

#[test]
fn the_spec_jwt_example_decodes_to_the_same_credential_as_its_json() {
    let jwt = read_ok(&format!("{RENDERED}/example-35-sample-openbadgecredential.jwt"), &Offline);
    let json = read_ok(&format!("{RENDERED}/example-35-sample-openbadgecredential.signed.json"), &Offline);
    // The 1EdTech "as JWT" tab puts the credential itself in the payload (VCDM 2.0 JOSE style).
    assert_eq!(jwt.format, formats::Format::VcJose);
    assert_eq!(jwt.key, json.key);
    assert_eq!(jwt.credential.title, "Teamwork Badge");
    assert_eq!(jwt.credential.issuer.name.as_deref(), Some("Example Corp"));
    assert_eq!(jwt.credential, json.credential);
    snapshot("ob3-spec-example-35-jwt", &jwt);
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn a_vc_jwt_with_a_vc_claim_reads_the_claim_and_fills_gaps_from_the_jwt_claims() {
    let json = read_ok(&format!("{RENDERED}/example-35-sample-openbadgecredential.unsigned.json"), &Offline);
    let mut vc = json.document.clone();
    let id = vc.as_object_mut().and_then(|o| o.remove("id")).expect("has an id");
    let claims = serde_json::json!({"vc": vc, "jti": id, "iss": "https://example.com/issuers/876543", "nbf": 1262304000, "exp": 1893456000, "sub": "did:example:ebfeb1f712ebc6f1c276e12ec21"});
    let token = format!(
        "{}.{}.{}",
        b64url(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64url(claims.to_string().as_bytes()),
        b64url(b"not checked here")
    );
    let p = formats::read(token.as_bytes(), &Offline).expect("VC-JWT reads");
    assert_eq!(p.format, formats::Format::VcJwt);
    assert_eq!(p.document, vc, "the document is the vc claim, unchanged");
    assert_eq!(p.key, json.key, "jti stands in for the missing id");
    // Without the issuer in the claim, `iss` fills the gap (and the key differs: the claim no
    // longer says who issued it).
    let mut bare = vc.clone();
    bare.as_object_mut().map(|o| o.remove("issuer"));
    let claims2 = serde_json::json!({"vc": bare, "jti": claims["jti"], "iss": "https://example.com/issuers/876543"});
    let token2 = format!(
        "{}.{}.{}",
        b64url(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64url(claims2.to_string().as_bytes()),
        b64url(b"x")
    );
    let p2 = formats::read(token2.as_bytes(), &Offline).expect("VC-JWT reads");
    assert_eq!(p2.credential.issuer.id.as_deref(), Some("https://example.com/issuers/876543"));
    assert_eq!(p.credential.issuer.id.as_deref(), Some("https://example.com/issuers/876543"));
    assert_eq!(p.credential.valid_from.as_deref(), Some("2010-01-01T00:00:00Z"));
    assert_eq!(p.credential.valid_until.as_deref(), Some("2030-01-01T00:00:00Z"));
}

#[test]
fn a_baked_ob2_png_follows_its_badge_class_and_issuer_through_the_fetcher() {
    let p = read_ok("4-ob2/1edtech-openbadges-validator-core/tests/testfiles/baked_heart.png", &ob2_fetcher(false));
    assert_eq!(p.format, formats::Format::Ob2Hosted);
    assert_eq!(p.wrapping, formats::Wrapping::BakedPng);
    assert_eq!(p.key, "id:https://example.org/beths-robotics-badge.json");
    assert_eq!(p.credential.title, "Awesome Robotics Badge");
    assert_eq!(p.credential.issuer.name.as_deref(), Some("An Example Badge Issuer"));
    assert_eq!(p.credential.issuer.email.as_deref(), Some("contact@example.org"));
    assert_eq!(p.credential.issued.as_deref(), Some("2016-12-31T23:59:59Z"));
    let r = p.credential.recipient.as_ref().expect("recipient");
    assert!(r.hashed);
    assert_eq!(r.salt.as_deref(), Some("deadsea"));
    let roles: Vec<(&str, bool)> = p.related.iter().map(|r| (r.role.as_str(), r.fetched)).collect();
    assert_eq!(roles, [("badgeclass", true), ("issuer", true)]);
    assert_eq!(p.related[0].bytes, read_file(&format!("{OB2_COMPONENTS}/2_0_basic_badgeclass.json")), "kept verbatim");
    snapshot("ob2-baked-heart-png", &p);
}

#[test]
fn without_the_network_an_ob2_assertion_whose_badge_class_is_a_url_is_kept_and_says_what_it_could_not_get() {
    let p =
        formats::read(&read_file("4-ob2/1edtech-openbadges-validator-core/tests/testfiles/baked_heart.png"), &Offline)
            .expect("kept without its badge class");
    assert_eq!(p.wrapping, formats::Wrapping::BakedPng);
    assert_eq!(p.credential.not_retrieved, ["badge class"]);
    assert_eq!(p.credential.title, "https://example.org/robotics-badge.json");
    assert_eq!(p.credential.issued.as_deref(), Some("2016-12-31T23:59:59Z"));
    assert_eq!(
        p.warnings,
        [
            "the badge class could not be retrieved, only its address is known: cannot get the badge class: https://example.org/robotics-badge.json: not fetched, working offline"
        ]
    );
    assert!(p.related.is_empty(), "nothing fetched, nothing embedded");
}

#[test]
fn the_spec_baked_svg_reads_its_embedded_badge_class_and_issuer() {
    let p = read_ok(
        "4-ob2/1edtech-openbadges-specification/ob_v2p0/extracted/baking-example-hosted-assertion.svg",
        &Offline,
    );
    assert_eq!(p.wrapping, formats::Wrapping::BakedSvg);
    assert_eq!(p.key, "id:https://example.org/assertions/123");
    assert_eq!(p.credential.title, "3-D Printmaster");
    assert_eq!(p.credential.criteria.as_deref(), Some("Students are tested on …"));
    assert_eq!(p.credential.issuer.name.as_deref(), Some("Example Maker Society"));
    assert_eq!(p.credential.issued.as_deref(), Some("2016-12-31T23:59:59Z"));
    let roles: Vec<(&str, bool)> = p.related.iter().map(|r| (r.role.as_str(), r.fetched)).collect();
    assert_eq!(roles, [("badgeclass", false), ("issuer", false)]);
    snapshot("ob2-spec-baked-svg", &p);
}

#[test]
fn a_baked_svg_holding_only_a_url_is_followed_to_the_hosted_assertion() {
    let c = vectors().join(OB2_COMPONENTS);
    let map: HashMap<String, PathBuf> = [
        ("http://example.org".to_string(), c.join("2_0_basic_assertion.json")),
        ("https://example.org/robotics-badge.json".to_string(), c.join("2_0_basic_badgeclass.json")),
        ("https://example.org/organization.json".to_string(), c.join("2_0_basic_issuer.json")),
    ]
    .into_iter()
    .collect();
    let fetcher = MapFetcher::new(map, None);
    for name in ["baked.svg", "no-json.svg"] {
        let p = read_ok(&format!("4-ob2/mozilla-openbadges-bakery/test/{name}"), &fetcher);
        assert_eq!(p.wrapping, formats::Wrapping::BakedSvg, "{name}");
        assert_eq!(p.credential.title, "Awesome Robotics Badge", "{name}");
        let roles: Vec<&str> = p.related.iter().map(|r| r.role.as_str()).collect();
        assert_eq!(roles, ["assertion", "badgeclass", "issuer"], "{name}");
        assert_eq!(p.related[0].url.as_deref(), Some("http://example.org"));
    }
    let self_closing = br#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="http://example.org"/></svg>"#;
    let p = formats::read(self_closing, &fetcher).expect("self-closing badge element");
    assert_eq!(p.credential.title, "Awesome Robotics Badge");
}

#[test]
fn skill_frameworks_are_named_from_the_target_url_the_edubadges_target_type_or_the_stated_framework() {
    let mut doc = edubadges_assertion();
    doc["badge"]["alignment"] = serde_json::json!([
        {"targetName": "manage budgets", "targetUrl": "http://data.europa.eu/esco/skill/1a2b", "targetFramework": "something else"},
        {"targetName": "Samenwerken", "targetUrl": "https://competentnl.nl/skills/123"},
        {"targetName": "Digital content creation", "targetUrl": "https://example.org/x", "targetType": "ext:DigCompAlignment"},
        {"targetName": "Problem-Solving", "targetUrl": "https://learning.mozilla.org/skills#problem-solving", "targetFramework": "Mozilla 21st Century Skills"},
        {"targetName": "No framework"},
    ]);
    let p = formats::read(doc.to_string().as_bytes(), &Offline).expect("reads");
    let frameworks: Vec<Option<&str>> = p.credential.skills.iter().map(|s| s.framework.as_deref()).collect();
    assert_eq!(
        frameworks,
        [Some("ESCO"), Some("CompetentNL"), Some("DigComp"), Some("Mozilla 21st Century Skills"), None]
    );
    assert_eq!(p.credential.skills[0].label, "manage budgets");
}

#[test]
fn dcc_fixtures_v1_and_v2_read_into_the_view() {
    let v1 = read_ok(
        "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v1/dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-oldDCCExample.json",
        &Offline,
    );
    assert_eq!(v1.credential.title, "GT Guide", "a DCC credential names itself in hasCredential");
    assert_eq!(v1.credential.issuer.name.as_deref(), Some("Your friendly issuer."));
    assert_eq!(v1.credential.issued.as_deref(), Some("2021-09-06T00:00:00Z"));
    assert_eq!(v1.credential.recipient.as_ref().and_then(|r| r.name.as_deref()), Some("Ya Ya Na"));
    snapshot("dcc-v1-old-dcc-example", &v1);
    let v2 = read_ok(
        "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2/dataIntegrityProof/didKey/noRegistry-revokedStatus-noExpiry.json",
        &Offline,
    );
    assert_eq!(v2.credential.status.len(), 1);
    assert_eq!(v2.credential.status[0].kind, "BitstringStatusListEntry");
    assert_eq!(v2.credential.status[0].purpose.as_deref(), Some("revocation"));
    assert!(v2.credential.status[0].index.is_some());
    snapshot("dcc-v2-revoked-status", &v2);
}

#[test]
fn an_educredential_microcredential_gives_ects_eqf_language_and_the_eu_elements() {
    let p = read_ok(&format!("{EDU}/theed_microcredential_full_ho.json"), &Offline);
    let c = &p.credential;
    let e = c.edubadges.as_ref().expect("edubadges fields");
    assert_eq!(e.ects, Some(3.0));
    assert_eq!(e.eqf.as_deref(), Some("4"));
    assert_eq!(e.language.as_deref(), Some("en-EN"));
    assert_eq!(e.institution_identifier.as_deref(), Some("42NB"));
    assert_eq!(e.institution_name.as_deref(), Some("Naboo Theed University"));
    assert_eq!(e.institution_country.as_deref(), Some("Naboo"));
    assert_eq!(e.badge_kind.as_deref(), Some("microcredential"));
    assert_eq!(c.levels, [formats::Level { framework: "EQF".into(), level: "4".into() }]);
    assert_eq!(c.languages, ["en-EN"]);
    assert_eq!(c.credits.len(), 1);
    assert_eq!(
        (c.credits[0].amount, c.credits[0].unit, c.credits[0].source.as_str()),
        (3.0, formats::CreditUnit::Ects, "achievement.ECTS")
    );
    assert!(c.skills.is_empty(), "EQF and quality assurance alignments are not skills");
    assert_eq!(c.eu.participation_form.as_deref(), Some("onsite or blended"));
    assert_eq!(c.eu.assessment_type.as_deref(), Some("testing"));
    assert_eq!(c.eu.identity_checked, Some(true));
    assert_eq!(c.eu.supervision.as_deref(), Some("onsite with identity verification"));
    assert_eq!(c.eu.quality_assurance.as_deref(), Some("M Psychological Assessment (AV-4223)"));
    assert_eq!(c.eu.grade.as_deref(), Some("8.5"));
    assert_eq!(c.eu.workload.as_deref(), Some("3 ECTS"));
    assert_eq!(c.results[0].description.as_deref(), Some("Final Project Grade"));
    snapshot("educredential-theed-microcredential-full-ho", &p);
}

#[test]
fn educredentials_with_sbu_or_time_investment_give_hour_credits() {
    let sbu = read_ok(&format!("{EDU}/mbob_eo_eov_microcredential_full.json"), &Offline);
    let e = sbu.credential.edubadges.as_ref().expect("edubadges");
    assert_eq!(e.study_load_hours, Some(240.0));
    assert_eq!(e.education_program_identifier.as_deref(), Some("20121343"));
    assert_eq!(sbu.credential.credits[0].unit, formats::CreditUnit::Sbu);
    assert_eq!(sbu.credential.languages, ["nl-NL"]);
    let time = read_ok(&format!("{EDU}/theed_extracurricular_full_ho.json"), &Offline);
    let e = time.credential.edubadges.as_ref().expect("edubadges");
    assert_eq!(e.time_investment_hours, Some(13.0));
    assert_eq!(e.badge_kind.as_deref(), Some("extracurricular"));
    assert_eq!(time.credential.credits[0].unit, formats::CreditUnit::Hours);
}

#[test]
fn every_educredential_example_reads_with_edubadges_fields_and_an_eqf_level_where_aligned() {
    let dir = vectors().join(EDU);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("dir") {
        let path = entry.expect("entry").path();
        let p = formats::read(&std::fs::read(&path).expect("file"), &Offline).expect("reads");
        let raw = p.document.to_string();
        assert!(p.credential.edubadges.is_some(), "{}", path.display());
        assert_eq!(
            raw.contains("ext:EQF"),
            p.credential.levels.iter().any(|l| l.framework == "EQF"),
            "{}",
            path.display()
        );
        assert!(!p.credential.languages.is_empty(), "{}", path.display());
        n += 1;
    }
    assert_eq!(n, 30);
}

/// An OB 2.0 assertion carrying all eleven edubadges extensions, each built from its published
/// context: the extension name from `obi:validatesType`, the property from the context's own
/// term (no public edubadges assertion exists to read instead).
fn edubadges_assertion() -> serde_json::Value {
    let dir = vectors().join("4-ob2/edubadges-server/apps/mainsite/static/extensions");
    let value_for = |term: &str| -> serde_json::Value {
        match term {
            "ECTS" => serde_json::json!(2.5),
            "EQF" => serde_json::json!(7),
            "StudyLoad" => serde_json::json!(84),
            "TimeInvestment" => serde_json::json!(12),
            "EducationProgramIdentifier" => serde_json::json!([56823]),
            "Language" => serde_json::json!("nl_NL"),
            "LearningOutcome" => serde_json::json!("Will appreciate the benefits of learning a foreign language."),
            "InstitutionIdentifier" => serde_json::json!("21PL"),
            "InstitutionName" => serde_json::json!("Universiteit Utrecht"),
            "InstitutionCountry" => serde_json::json!("NL"),
            "GradingTableURL" => serde_json::json!("https://example.org/grading-table"),
            other => panic!("an extension context defines an unexpected term {other}"),
        }
    };
    let mut badge = serde_json::json!({
        "type": "BadgeClass", "id": "https://example.org/edubadges/badgeclass/1", "name": "Introduction to Psychology",
        "description": "Basics", "criteria": {"narrative": "Pass the exam"}, "image": "https://example.org/badge.png",
        "issuer": {"type": "Issuer", "id": "https://example.org/edubadges/issuer/1", "name": "Faculty of Social Sciences", "url": "https://example.org"},
        "alignment": [{"targetName": "Psychology", "targetUrl": "http://data.europa.eu/esco/skill/abc", "targetCode": "abc"}],
        "tags": ["psychology"],
    });
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("extensions dir") {
        let path = entry.expect("entry").path();
        if !path.is_dir() {
            continue;
        }
        let ctx: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path.join("context.json")).expect("context")).expect("JSON");
        let name = ctx["obi:validation"][0]["obi:validatesType"].as_str().expect("validatesType").to_string();
        let term = ctx["@context"]
            .as_object()
            .expect("context object")
            .keys()
            .find(|k| *k != "obi" && *k != "extensions")
            .expect("term")
            .clone();
        let mut ext = serde_json::json!({
            "@context": format!("https://api.edubadges.nl/static/extensions/{}/context.json", path.file_name().expect("name").to_string_lossy()),
            "type": ["Extension", name],
        });
        ext[&term] = value_for(&term);
        badge[&name] = ext;
        names.push(name);
    }
    assert_eq!(names.len(), 11, "eleven edubadges extensions");
    serde_json::json!({
        "@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": "https://example.org/edubadges/assertion/1",
        "recipient": {"type": "email", "hashed": true, "salt": "s", "identity": "sha256$00"},
        "issuedOn": "2024-02-01T10:00:00+01:00", "verification": {"type": "hosted"}, "badge": badge,
    })
}

#[test]
fn an_ob2_assertion_with_the_eleven_edubadges_extensions_fills_the_typed_fields() {
    let doc = edubadges_assertion();
    let p = formats::read(doc.to_string().as_bytes(), &Offline).expect("reads");
    let c = &p.credential;
    let e = c.edubadges.as_ref().expect("edubadges fields");
    assert_eq!(e.ects, Some(2.5));
    assert_eq!(e.eqf.as_deref(), Some("7"));
    assert_eq!(e.study_load_hours, Some(84.0));
    assert_eq!(e.time_investment_hours, Some(12.0));
    assert_eq!(e.learning_outcome.as_deref(), Some("Will appreciate the benefits of learning a foreign language."));
    assert_eq!(e.language.as_deref(), Some("nl_NL"));
    assert_eq!(e.institution_identifier.as_deref(), Some("21PL"));
    assert_eq!(e.institution_name.as_deref(), Some("Universiteit Utrecht"));
    assert_eq!(e.institution_country.as_deref(), Some("NL"));
    assert_eq!(e.grading_table.as_deref(), Some("https://example.org/grading-table"));
    assert_eq!(e.education_program_identifier.as_deref(), Some("56823"));
    assert_eq!(c.levels, [formats::Level { framework: "EQF".into(), level: "7".into() }]);
    assert_eq!(c.languages, ["nl-NL"]);
    assert_eq!(c.learning_outcomes.len(), 1);
    let credits: Vec<(f64, formats::CreditUnit, &str)> = {
        let mut v: Vec<_> = c.credits.iter().map(|k| (k.amount, k.unit, k.source.as_str())).collect();
        v.sort_by(|a, b| a.2.cmp(b.2));
        v
    };
    assert_eq!(
        credits,
        [
            (2.5, formats::CreditUnit::Ects, "extensions:ECTSExtension.ECTS"),
            (84.0, formats::CreditUnit::Hours, "extensions:StudyLoadExtension.StudyLoad"),
            (12.0, formats::CreditUnit::Hours, "extensions:TimeInvestmentExtension.TimeInvestment"),
        ]
    );
    assert_eq!(c.issuer.country.as_deref(), Some("NL"));
    assert_eq!(c.issued.as_deref(), Some("2024-02-01T09:00:00Z"));
    assert_eq!(c.skills.len(), 1);
    assert_eq!(c.skills[0].framework.as_deref(), Some("ESCO"));
    assert_eq!(c.tags, ["psychology"]);
    assert_eq!(c.eu.workload.as_deref(), Some("2.5 ECTS"));
}

// ---------------------------------------------------------------------------------------------
// Bad input: each case is one clear error, never a panic.

fn error_of(bytes: &[u8]) -> FormatError {
    match formats::read(bytes, &Offline) {
        Ok(p) => panic!("expected an error, read {:?}", p.credential.title),
        Err(e) => e,
    }
}

#[test]
fn empty_input_is_refused_as_empty() {
    assert!(matches!(error_of(b""), FormatError::Empty));
    assert!(matches!(error_of(b" \n\t "), FormatError::Empty));
    assert_eq!(error_of(b"").to_string(), "the file is empty");
}

#[test]
fn input_larger_than_the_cap_is_refused_before_it_is_read() {
    let big = vec![b' '; formats::MAX_INPUT_BYTES + 1];
    let e = error_of(&big);
    assert!(matches!(e, FormatError::TooLarge { limit: formats::MAX_INPUT_BYTES, .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!("the file is {} bytes, more than the 20971520 bytes a single credential may have", big.len())
    );
}

#[test]
fn truncated_json_says_the_file_was_cut_off() {
    let full = read_file(&format!("{RENDERED}/example-35-sample-openbadgecredential.signed.json"));
    let e = error_of(&full[..full.len() / 2]);
    assert!(matches!(e, FormatError::TruncatedJson { .. }), "{e}");
    assert!(e.to_string().starts_with("the JSON ends too early, as if the file were cut off"), "{e}");
}

#[test]
fn non_utf8_input_is_refused_with_the_position_of_the_bad_byte() {
    let e = error_of(b"{\"name\": \"caf\xe9\"}");
    assert!(matches!(e, FormatError::NotText { at: 13 }), "{e}");
    assert_eq!(e.to_string(), "the file is neither a PNG image nor text (it is not valid UTF-8 at byte 13)");
}

#[test]
fn json_nested_a_hundred_thousand_deep_is_one_plain_error() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = error_of(deep.as_bytes());
    assert!(matches!(e, FormatError::TooDeep), "{e}");
    let deep_objects = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let e = error_of(deep_objects.as_bytes());
    assert_eq!(e.to_string(), "the JSON is nested too deeply to read (more than 128 levels)");
}

#[test]
fn a_png_or_svg_without_a_badge_says_there_is_no_badge_in_it() {
    let png = error_of(&read_file("4-ob2/1edtech-openbadges-validator-core/tests/testfiles/public_domain_heart.png"));
    assert_eq!(
        png.to_string(),
        "not an Open Badge or Verifiable Credential: the PNG image has no badge baked into it (no openbadges chunk)"
    );
    let svg = error_of(&read_file("4-ob2/mozilla-openbadges-bakery/test/unbaked.svg"));
    assert!(svg.to_string().contains("the SVG image has no badge baked into it"), "{svg}");
}

/// Offsets of each chunk's (start, type, data length) in a PNG.
fn png_chunks(png: &[u8]) -> Vec<(usize, String, usize)> {
    let mut out = Vec::new();
    let mut i = 8;
    while i + 8 <= png.len() {
        let len = u32::from_be_bytes(png[i..i + 4].try_into().expect("4 bytes")) as usize;
        out.push((i, String::from_utf8_lossy(&png[i + 4..i + 8]).into_owned(), len));
        i += 12 + len;
    }
    out
}

#[test]
fn a_png_with_a_corrupt_chunk_checksum_is_refused() {
    let good = read_file("4-ob2/1edtech-openbadges-validator-core/tests/testfiles/baked_heart.png");
    for target in ["iTXt", "IDAT"] {
        let (start, _, _) = png_chunks(&good).into_iter().find(|(_, t, _)| t == target).expect("chunk present");
        let mut bad = good.clone();
        bad[start + 8 + 3] ^= 0x20; // one bit of the chunk's data; its CRC no longer matches
        let e = formats::read(&bad, &ob2_fetcher(false)).expect_err("corrupt chunk");
        assert!(matches!(e, FormatError::BadPng(_)), "{target}: {e}");
        assert_eq!(
            e.to_string(),
            "the PNG image cannot be read: a chunk is damaged (its checksum does not match): the file was corrupted",
            "{target}"
        );
    }
    let e = error_of(&good[..good.len() - 40]);
    assert!(matches!(e, FormatError::BadPng(_)), "truncated PNG: {e}");
}

/// Records every URL asked for, and refuses it.
struct Recording(std::sync::Mutex<Vec<String>>);

impl Fetcher for Recording {
    fn fetch(&self, url: &str) -> Result<stapel_core::net::Fetched, stapel_core::net::FetchError> {
        self.0.lock().expect("lock").push(url.to_string());
        Err(stapel_core::net::FetchError::Offline { url: url.to_string() })
    }
}

#[test]
fn an_svg_with_an_external_entity_is_refused_and_nothing_is_fetched() {
    let svg = r#"<?xml version="1.0"?>
<!DOCTYPE svg [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ENTITY web SYSTEM "https://attacker.example/x"> ]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">
  <openbadges:assertion verify="https://example.org/a.json">&xxe;&web;</openbadges:assertion>
</svg>"#;
    let fetcher = Recording(std::sync::Mutex::new(Vec::new()));
    let e = formats::read(svg.as_bytes(), &fetcher).expect_err("refused");
    assert!(matches!(e, FormatError::BadSvg(_)), "{e}");
    assert!(e.to_string().contains("`&xxe;`"), "{e}");
    assert!(fetcher.0.lock().expect("lock").is_empty(), "nothing may be fetched");
    // In the verify attribute too.
    let attr = svg.replace(r#"verify="https://example.org/a.json">&xxe;&web;"#, r#"verify="&web;">"#);
    let e = formats::read(attr.as_bytes(), &fetcher).expect_err("refused");
    assert!(matches!(e, FormatError::BadSvg(_)), "{e}");
    assert!(fetcher.0.lock().expect("lock").is_empty(), "nothing may be fetched");
}

#[test]
fn an_svg_with_billion_laughs_entities_is_refused_without_expanding_them() {
    let mut dtd = String::from(r#"<!ENTITY lol0 "lol">"#);
    for i in 1..10 {
        let prev = format!("&lol{};", i - 1);
        dtd.push_str(&format!(r#"<!ENTITY lol{i} "{}">"#, prev.repeat(10)));
    }
    let inside = format!(
        r#"<?xml version="1.0"?><!DOCTYPE svg [{dtd}]><svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion>&lol9;</openbadges:assertion></svg>"#
    );
    let e = error_of(inside.as_bytes());
    assert!(matches!(e, FormatError::BadSvg(_)), "{e}");
    assert!(e.to_string().contains("`&lol9;`"), "{e}");
    let outside = format!(
        r#"<?xml version="1.0"?><!DOCTYPE svg [{dtd}]><svg xmlns="http://www.w3.org/2000/svg"><text>&lol9;</text></svg>"#
    );
    let e = error_of(outside.as_bytes());
    assert!(e.to_string().contains("no badge baked into it"), "{e}");
}

#[test]
fn a_jwt_with_a_bad_base64_segment_names_the_segment() {
    let header = b64url(br#"{"alg":"RS256"}"#);
    let payload = b64url(br#"{"vc":{"type":["VerifiableCredential"],"credentialSubject":{}}}"#);
    let e = error_of(format!("{header}.{}!!.c2ln", &payload[..10]).as_bytes());
    assert!(matches!(e, FormatError::BadJwt(_)), "{e}");
    assert!(e.to_string().starts_with("the JWT is malformed: its payload is not valid base64url"), "{e}");
    let e = error_of(format!("{header}.{payload}.sig*nature").as_bytes());
    assert!(e.to_string().starts_with("the JWT is malformed: its signature is not valid base64url"), "{e}");
    let e = error_of(format!("eyJhbGciOi$$.{payload}.c2ln").as_bytes());
    assert!(e.to_string().starts_with("the JWT is malformed: its header is not valid base64url"), "{e}");
}

#[test]
fn an_html_page_given_instead_of_a_badge_says_so() {
    let e =
        error_of(b"<!DOCTYPE html>\n<html><head><title>My badge</title></head><body><img src=badge.png></body></html>");
    assert!(matches!(e, FormatError::Html), "{e}");
    assert_eq!(e.to_string(), "this is a web page (HTML), not a badge: save the badge image or its JSON file instead");
    let rec = error_of(&read_file("5-status-list/w3c-vc-bitstring-status-list/transitions/2025/REC/index.html"));
    assert!(matches!(rec, FormatError::Html), "{rec}");
}

#[test]
fn json_that_is_not_a_credential_says_what_it_is() {
    let e = error_of(&read_file(&format!("{OB2_COMPONENTS}/2_0_basic_badgeclass.json")));
    assert!(e.to_string().contains("badge class"), "{e}");
    let e = error_of(&read_file("1-ob3/dcc-vc-test-fixtures/dids/legacy/did.json"));
    assert!(e.to_string().starts_with("not an Open Badge or Verifiable Credential"), "{e}");
    let e = error_of(&read_file("6-oid4vci/openid-OpenID4VCI/1.0-final/examples/credential_offer_pre-authz_code.json"));
    assert!(e.to_string().contains("credential offer"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Duplicate keys: the same credential in another wrapping gives the same key.

/// Bakes `text` into a 1×1 PNG under `keyword`, as a badge baker does.
fn bake_png(keyword: &str, text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, 1, 1);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.add_itxt_chunk(keyword.to_string(), text.to_string()).expect("iTXt");
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&[0, 0, 0, 255]).expect("pixel");
        writer.finish().expect("finish");
    }
    out
}

/// Bakes `text` into the bakery's unbaked SVG as `openbadges:<element>`, in CDATA.
fn bake_svg(element: &str, text: &str) -> Vec<u8> {
    let svg = String::from_utf8(read_file("4-ob2/mozilla-openbadges-bakery/test/unbaked.svg")).expect("UTF-8");
    let open = svg.find("<svg").expect("svg element");
    let close = open + svg[open..].find('>').expect("end of tag");
    format!(
        "{} xmlns:openbadges=\"http://openbadges.org\">\n<openbadges:{element}><![CDATA[{text}]]></openbadges:{element}>{}",
        &svg[..close],
        &svg[close + 1..]
    )
    .into_bytes()
}

#[test]
fn an_ob2_badge_as_json_baked_png_and_baked_svg_gives_one_key() {
    let fetcher = ob2_fetcher(false);
    let json_bytes = read_file(&format!("{OB2_COMPONENTS}/2_0_basic_assertion.json"));
    let json = formats::read(&json_bytes, &fetcher).expect("json");
    let baked = read_ok("4-ob2/1edtech-openbadges-validator-core/tests/testfiles/baked_heart.png", &fetcher);
    assert_eq!(json.key, baked.key);
    let text = std::str::from_utf8(&json_bytes).expect("UTF-8");
    let svg = formats::read(&bake_svg("assertion", text), &fetcher).expect("baked svg");
    assert_eq!(svg.wrapping, formats::Wrapping::BakedSvg);
    assert_eq!(svg.key, json.key);
    // The spec's baked SVG and the same assertion baked into a PNG.
    let spec_svg = read_ok(
        "4-ob2/1edtech-openbadges-specification/ob_v2p0/extracted/baking-example-hosted-assertion.svg",
        &Offline,
    );
    let png = formats::read(&bake_png("openbadges", &spec_svg.document.to_string()), &Offline).expect("baked png");
    assert_eq!(png.wrapping, formats::Wrapping::BakedPng);
    assert_eq!(png.key, spec_svg.key);
    assert_eq!(png.credential, spec_svg.credential);
}

#[test]
fn an_ob3_credential_as_json_jwt_baked_png_and_baked_svg_gives_one_key() {
    let json = read_ok(&format!("{RENDERED}/example-35-sample-openbadgecredential.signed.json"), &Offline);
    let jwt = read_ok(&format!("{RENDERED}/example-35-sample-openbadgecredential.jwt"), &Offline);
    let text = json.document.to_string();
    let png = formats::read(&bake_png("openbadgecredential", &text), &Offline).expect("png");
    let svg = formats::read(&bake_svg("credential", &text), &Offline).expect("svg");
    let jwt_text =
        String::from_utf8(read_file(&format!("{RENDERED}/example-35-sample-openbadgecredential.jwt"))).expect("UTF-8");
    let jwt_in_png = formats::read(&bake_png("openbadgecredential", jwt_text.trim()), &Offline).expect("jwt in png");
    assert_eq!((png.format, png.wrapping), (formats::Format::VcJsonLd, formats::Wrapping::BakedPng));
    assert_eq!((svg.format, svg.wrapping), (formats::Format::VcJsonLd, formats::Wrapping::BakedSvg));
    assert_eq!((jwt_in_png.format, jwt_in_png.wrapping), (formats::Format::VcJose, formats::Wrapping::BakedPng));
    for p in [&jwt, &png, &svg, &jwt_in_png] {
        assert_eq!(p.key, json.key);
    }
    assert_eq!(png.credential, json.credential);
}

#[test]
fn a_credential_without_an_id_is_keyed_by_the_hash_of_its_canonical_json() {
    let json = read_ok(&format!("{RENDERED}/example-35-sample-openbadgecredential.unsigned.json"), &Offline);
    let mut doc = json.document.clone();
    doc.as_object_mut().expect("object").remove("id");
    let pretty = serde_json::to_string_pretty(&doc).expect("json");
    let compact = doc.to_string();
    let a = formats::read(pretty.as_bytes(), &Offline).expect("pretty");
    let b = formats::read(&bake_png("openbadgecredential", &compact), &Offline).expect("png");
    let c = formats::read(&bake_svg("credential", &compact), &Offline).expect("svg");
    assert!(a.key.starts_with("sha256:") && a.key.len() == 7 + 64, "{}", a.key);
    assert_eq!(a.key, b.key, "white space and wrapping do not change the key");
    assert_eq!(a.key, c.key);
    doc["name"] = serde_json::json!("Another badge");
    let d = formats::read(doc.to_string().as_bytes(), &Offline).expect("changed");
    assert_ne!(a.key, d.key, "different content, different key");
}

#[test]
fn ten_thousand_credentials_differing_only_in_id_get_ten_thousand_keys() {
    // How fast reading is, is measured by the benchmarks, not here.
    let base = read_ok(&format!("{EDU}/theed_microcredential_full_ho.json"), &Offline).document;
    let mut keys = std::collections::HashSet::new();
    for i in 0..10_000 {
        let mut doc = base.clone();
        doc["id"] = serde_json::json!(format!("urn:uuid:generated-{i}"));
        let p = formats::read(doc.to_string().as_bytes(), &Offline).expect("reads");
        keys.insert(p.key);
    }
    assert_eq!(keys.len(), 10_000);
}

#[test]
fn ob_0_5_1_0_and_1_1_assertions_read_where_they_are_simple() {
    let fetcher = ob2_fetcher(false);
    let v1_0 = read_ok(&format!("{OB2_COMPONENTS}/1_0_basic_assertion.json"), &fetcher);
    assert_eq!(v1_0.credential.title, "Basic Badge");
    assert_eq!(v1_0.credential.issuer.name.as_deref(), Some("Basic Issuer"));
    assert_eq!(v1_0.credential.issued.as_deref(), Some("2015-04-30T00:00:00Z"));
    assert_eq!(v1_0.credential.recipient.as_ref().and_then(|r| r.identity.as_deref()), Some("test@example.com"));
    assert!(v1_0.key.starts_with("sha256:"), "OB 1.0 assertions have no id");
    let v1_1 = read_ok(&format!("{OB2_COMPONENTS}/1_1_basic_assertion.json"), &ob2_fetcher(true));
    assert_eq!(v1_1.credential.title, "Awesome Robotics Badge");
    assert_eq!(v1_1.related[0].bytes, read_file(&format!("{OB2_COMPONENTS}/1_1_basic_badgeclass.json")));
    let v0_5 = read_ok(&format!("{OB2_COMPONENTS}/0_5_1_assertion.json"), &Offline);
    assert_eq!(v0_5.credential.title, "Basic McBadge");
    assert_eq!(v0_5.credential.issuer.url.as_deref(), Some("http://oldstyle.com"));
    assert_eq!(v0_5.credential.issued.as_deref(), Some("2011-06-01T00:00:00Z"));
    let r = v0_5.credential.recipient.as_ref().expect("recipient");
    assert!(r.hashed);
    assert_eq!(r.salt.as_deref(), Some("sel gris"));
}

#[test]
fn the_ob2_spec_signed_assertion_is_decoded_without_checking_its_signature() {
    let p = read_ok(
        "4-ob2/1edtech-openbadges-specification/ob_v2p0/extracted/examples-SignedBadge-1.jws",
        &ob2_fetcher(false),
    );
    assert_eq!(p.format, formats::Format::Ob2Signed);
    // A signed assertion is keyed by what it says, not by the URL it names.
    assert!(p.key.starts_with("sha256:"), "{}", p.key);
    assert_eq!(p.credential.title, "Awesome Robotics Badge");
}
