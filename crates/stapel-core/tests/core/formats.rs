//! Reading every credential format: the whole shared vector set, chosen expectations, bad input
//! and duplicate keys.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use stapel_core::formats::{self, FormatError, Parsed};
#[allow(unused_imports)]
use stapel_core::net::{Fetcher, MapFetcher, Offline};

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
    ("4-ob2/1edtech-openbadges-validator-core/tests/testfiles/public_domain_heart.png", Expect::Fail("no badge baked into it")),
    ("*/mixedRegistry-validStatus-noExpiry.svg", Expect::Fail("no badge baked into it")),
    ("*examples-BadgeClass-1.as-published-invalid-json.txt", Expect::Fail("the JSON is malformed at line 15")),
    ("1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v1/ed25519/didKey/legacy-noStatus-noExpiry.json", Expect::Fail("the file is empty")),
    // Baked SVGs whose badge lives at the placeholder http://example.org: offline they fail
    // naming that address (a test below serves an assertion there and they parse).
    ("4-ob2/mozilla-openbadges-bakery/test/baked.svg", Expect::Fail("http://example.org: not fetched, working offline")),
    ("4-ob2/mozilla-openbadges-bakery/test/no-json.svg", Expect::Fail("http://example.org: not fetched, working offline")),
    // The JCS canonical form of a credential is that credential's JSON.
    ("*/eddsa-jcs-2022/canonDocJCS.txt", Expect::Parse),
    // Not credentials.
    ("3-contexts/*", Expect::Excluded("JSON-LD context documents and their licences")),
    ("2-w3c-di-eddsa/w3c-rdf-canon/*", Expect::Excluded("RDF canonicalization test suite (N-Quads, manifests)")),
    ("*.md", Expect::Excluded("documentation")),
    ("*.ts", Expect::Excluded("TypeScript source (JS object literals, not JSON; the verbatim JSON is in *.extracted.json)")),
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
    ("*/credentials/dl-v1.json", Expect::Excluded("selective-disclosure test input wrapping a credential with pointers")),
    ("*/credentials/dl-v2.json", Expect::Excluded("selective-disclosure test input wrapping a credential with pointers")),
    ("6-oid4vci/*", Expect::Excluded("OpenID4VCI offers, issuer metadata and HTTP exchanges (the offer module reads them)")),
    ("*/examples-Profile-1.json", Expect::Excluded("OB 2.0 issuer profile")),
    ("*/examples-CryptographicKey-1.json", Expect::Excluded("OB 2.0 public key")),
    ("*/examples-RevocationList-1.json", Expect::Excluded("OB 2.0 revocation list")),
    ("*/examples-Endorsement-*", Expect::Excluded("OB 2.0 endorsements (a third party's comment on a badge, issuer or assertion)")),
    ("*/examples-Criteria-1.json", Expect::Excluded("spec fragment showing one property, not a whole assertion")),
    ("*/examples-Evidence-*", Expect::Excluded("spec fragment showing one property, not a whole assertion")),
    ("*/examples-Image-*", Expect::Excluded("spec fragment showing one property, not a whole assertion")),
    ("*/examples-Internationalization-*", Expect::Excluded("spec fragment showing one property, not a whole assertion")),
    ("*/examples-badgeclass-version-control-1.json", Expect::Excluded("spec fragment showing badge class versioning")),
    ("*/examples-revoked-hosted-assertion-1.json", Expect::Excluded("spec fragment: a host's answer for a revoked assertion")),
    ("*_badgeclass.json", Expect::Excluded("OB badge classes (served to the assertions through the MapFetcher)")),
    ("*_issuer.json", Expect::Excluded("OB issuer profiles (served to the assertions through the MapFetcher)")),
    ("*/openbadges_context*.json", Expect::Excluded("JSON-LD context documents")),
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
    println!("parsed {parsed} credentials (+{children} nested), {failed} malformed inputs refused, {excluded} files excluded");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(parsed, PARSED_COUNT, "number of credential files in the vectors changed");
    assert_eq!(failed, 9);
    assert_eq!(children, 2, "the two CLR files each hold one nested credential");
}

const PARSED_COUNT: usize = 233;
