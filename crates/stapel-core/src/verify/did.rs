//! Turning a proof's verification method into a public key, and saying who controls it.
//!
//! Supported: `did:key` (Ed25519, P-256), `did:jwk`, `did:web` (its `did.json` through the fetcher), and HTTPS
//! controller documents (an issuer profile listing its keys). Where a key is merely written in
//! the credential itself (the 1EdTech convention of a multibase key in the URL fragment), the
//! key is used for integrity only and its source says so: it proves nothing about who signed.

use serde_json::Value;

use super::VerifyError;
use crate::net::Fetcher;

/// A public key the proof suites can check signatures with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
    Rsa(rsa::RsaPublicKey),
}

impl PublicKey {
    pub fn kind(&self) -> &'static str {
        match self {
            PublicKey::Ed25519(_) => "Ed25519",
            PublicKey::P256(_) => "P-256",
            PublicKey::Rsa(_) => "RSA",
        }
    }
}

/// Where the key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Derived from the DID itself (`did:key`, `did:jwk`): the DID document is the key.
    DidKey,
    /// Read from a DID document or controller document that was resolved.
    Document { url: String },
    /// Only written in the credential (URL fragment): integrity only, no binding to anyone.
    Credential { why: String },
}

/// A verification method resolved to its key.
#[derive(Debug, Clone)]
pub struct ResolvedMethod {
    /// The verification method's id, as the proof names it.
    pub id: String,
    /// Who controls the key, per the document that lists it.
    pub controller: Option<String>,
    pub key: PublicKey,
    pub source: KeySource,
    /// The controller's document (DID document or controller document), for the purpose check.
    pub document: Option<Value>,
}

impl ResolvedMethod {
    /// True when the controller's document lists this method under `purpose`
    /// (`assertionMethod`, ...).
    pub fn listed_under(&self, purpose: &str) -> bool {
        let Some(doc) = &self.document else { return false };
        let base = doc.get("id").and_then(Value::as_str).unwrap_or_default();
        let entries = match doc.get(purpose) {
            Some(Value::Array(a)) => a.clone(),
            Some(other) => vec![other.clone()],
            None => return false,
        };
        entries.iter().any(|e| {
            let id = match e {
                Value::String(s) => Some(s.as_str()),
                Value::Object(o) => o.get("id").and_then(Value::as_str),
                _ => None,
            };
            id.is_some_and(|id| absolute(base, id) == self.id)
        })
    }
}

fn absolute(base: &str, id: &str) -> String {
    if id.starts_with('#') { format!("{base}{id}") } else { id.to_string() }
}

/// Resolves a verification method id to its key.
pub fn resolve(method: &str, fetcher: &dyn Fetcher) -> Result<ResolvedMethod, VerifyError> {
    let (doc_url, _fragment) = method.split_once('#').unwrap_or((method, ""));
    if let Some(rest) = doc_url.strip_prefix("did:key:") {
        return resolve_did_key(method, doc_url, rest);
    }
    if let Some(encoded) = doc_url.strip_prefix("did:jwk:") {
        return resolve_did_jwk(method, doc_url, encoded);
    }
    if doc_url.starts_with("did:web:") {
        let url = did_web_url(doc_url)?;
        let doc = fetch_json(&url, fetcher)
            .map_err(|reason| VerifyError::KeyUnresolvable { id: method.to_string(), reason })?;
        if doc.get("id").and_then(Value::as_str) != Some(doc_url) {
            return Err(VerifyError::BadKey {
                id: method.to_string(),
                reason: format!("the DID document at {url} is not the document of {doc_url}"),
            });
        }
        return method_in_document(method, doc, KeySource::Document { url });
    }
    if doc_url.starts_with("did:") {
        let scheme = doc_url.splitn(3, ':').take(2).collect::<Vec<_>>().join(":");
        return Err(VerifyError::UnsupportedKey { kind: format!("{scheme} identifiers") });
    }
    if doc_url.starts_with("https://") || doc_url.starts_with("http://") {
        return match fetch_json(doc_url, fetcher) {
            Ok(doc) => method_in_document(method, doc, KeySource::Document { url: doc_url.to_string() }),
            Err(reason) => match key_in_fragment(method) {
                Some(key) => Ok(ResolvedMethod {
                    id: method.to_string(),
                    controller: None,
                    key,
                    source: KeySource::Credential {
                        why: format!(
                            "the key is only written in the credential (in the fragment of {method}); \
                             the issuer's document could not be read ({reason})"
                        ),
                    },
                    document: None,
                }),
                None => Err(VerifyError::KeyUnresolvable { id: method.to_string(), reason }),
            },
        };
    }
    Err(VerifyError::BadKey { id: method.to_string(), reason: "it is neither a DID nor a web address".into() })
}

/// Whether two DIDs that are keys (did:key, did:jwk) name the same key: the same DID written
/// differently (a did:jwk's members in another order, or with `use` or `kid` beside them), or
/// one key written as a did:key and as a did:jwk. Equal texts always do; other DIDs only then.
pub fn same_key(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let key_of = |did: &str| {
        let did = did.split('#').next().unwrap_or(did);
        (did.starts_with("did:key:") || did.starts_with("did:jwk:"))
            .then(|| resolve(did, &crate::net::Offline).ok().map(|m| m.key))
            .flatten()
    };
    matches!((key_of(a), key_of(b)), (Some(x), Some(y)) if x == y)
}

/// A key written as a multibase multikey in the method's URL fragment (`...#z6Mk...`).
fn key_in_fragment(method: &str) -> Option<PublicKey> {
    let (_, fragment) = method.split_once('#')?;
    multikey(fragment).ok()
}

fn resolve_did_key(method: &str, did: &str, multibase_value: &str) -> Result<ResolvedMethod, VerifyError> {
    let key = multikey_key(multibase_value).map_err(|p| match p {
        KeyProblem::Unsupported(kind) => VerifyError::UnsupportedKey { kind },
        KeyProblem::Bad(reason) => VerifyError::BadKey { id: method.to_string(), reason },
    })?;
    let vm_id = format!("{did}#{multibase_value}");
    if method != did && method != vm_id {
        return Err(VerifyError::BadKey { id: method.to_string(), reason: format!("a did:key has one key, {vm_id}") });
    }
    // The DID document a did:key stands for: its one key under every relationship.
    let document = serde_json::json!({
        "id": did,
        "verificationMethod": [{"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase_value}],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    });
    Ok(ResolvedMethod {
        id: vm_id,
        controller: Some(did.to_string()),
        key,
        source: KeySource::DidKey,
        document: Some(document),
    })
}

/// `did:jwk:<base64url JWK>`: the DID document lists the one key as `#0`.
fn resolve_did_jwk(method: &str, did: &str, encoded: &str) -> Result<ResolvedMethod, VerifyError> {
    use base64::Engine;
    let bad = |reason: String| VerifyError::BadKey { id: method.to_string(), reason };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| bad("a did:jwk is not base64url".into()))?;
    let jwk_value: Value = serde_json::from_slice(&bytes).map_err(|_| bad("a did:jwk does not hold JSON".into()))?;
    let key = jwk_key(&jwk_value).map_err(|p| match p {
        KeyProblem::Unsupported(kind) => VerifyError::UnsupportedKey { kind },
        KeyProblem::Bad(reason) => bad(reason),
    })?;
    let vm_id = format!("{did}#0");
    if method != did && method != vm_id {
        return Err(bad(format!("a did:jwk has one key, {vm_id}")));
    }
    let signing = jwk_value.get("use").and_then(Value::as_str) != Some("enc");
    let listed = if signing { vec![vm_id.clone()] } else { vec![] };
    let document = serde_json::json!({
        "id": did,
        "verificationMethod": [{"id": vm_id, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk_value}],
        "assertionMethod": listed,
        "authentication": listed,
    });
    Ok(ResolvedMethod {
        id: vm_id,
        controller: Some(did.to_string()),
        key,
        source: KeySource::DidKey,
        document: Some(document),
    })
}

/// Decodes a multibase multikey (multicodec-prefixed public key).
pub fn multikey(value: &str) -> Result<PublicKey, String> {
    multikey_key(value).map_err(|p| match p {
        KeyProblem::Unsupported(kind) => format!("{kind} are not supported"),
        KeyProblem::Bad(reason) => reason,
    })
}

fn multikey_key(value: &str) -> Result<PublicKey, KeyProblem> {
    let (_, bytes) = multibase::decode(value).map_err(|e| KeyProblem::Bad(format!("{value} is not multibase: {e}")))?;
    match bytes.as_slice() {
        [0xed, 0x01, key @ ..] => ed25519(key).map_err(KeyProblem::Bad),
        [0x80, 0x24, key @ ..] => p256_key(key).map_err(KeyProblem::Bad),
        [0x81, 0x24, ..] => Err(KeyProblem::Unsupported("P-384 keys".into())),
        [0xe7, 0x01, ..] => Err(KeyProblem::Unsupported("secp256k1 keys".into())),
        [0xeb, 0x01, ..] => Err(KeyProblem::Unsupported("BLS12-381 keys".into())),
        _ => Err(KeyProblem::Bad(format!("{value} is not a known kind of public key"))),
    }
}

fn ed25519(bytes: &[u8]) -> Result<PublicKey, String> {
    let arr: [u8; 32] =
        bytes.try_into().map_err(|_| format!("an Ed25519 key has 32 bytes, this one has {}", bytes.len()))?;
    ed25519_dalek::VerifyingKey::from_bytes(&arr)
        .map(PublicKey::Ed25519)
        .map_err(|_| "the bytes are not a valid Ed25519 public key".to_string())
}

fn p256_key(sec1: &[u8]) -> Result<PublicKey, String> {
    p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1)
        .map(PublicKey::P256)
        .map_err(|_| "the bytes are not a valid P-256 public key".to_string())
}

/// `did:web:example.com:a:b` → `https://example.com/a/b/did.json`.
pub fn did_web_url(did: &str) -> Result<String, VerifyError> {
    let rest = did.strip_prefix("did:web:").unwrap_or(did);
    let mut parts = rest.split(':');
    let host = parts
        .next()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| VerifyError::BadKey { id: did.to_string(), reason: "a did:web names no host".into() })?;
    let host = host.replace("%3A", ":").replace("%3a", ":");
    let path: Vec<&str> = parts.collect();
    Ok(if path.is_empty() {
        format!("https://{host}/.well-known/did.json")
    } else {
        format!("https://{host}/{}/did.json", path.join("/"))
    })
}

fn fetch_json(url: &str, fetcher: &dyn Fetcher) -> Result<Value, String> {
    let fetched = fetcher.fetch(url).map_err(|e| e.to_string())?;
    serde_json::from_slice(&fetched.body).map_err(|e| format!("{url} is not JSON: {e}"))
}

/// Finds `method` in a DID document or controller document and reads its key.
fn method_in_document(method: &str, doc: Value, source: KeySource) -> Result<ResolvedMethod, VerifyError> {
    let base = doc.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut candidates: Vec<&Value> = Vec::new();
    for field in ["verificationMethod", "assertionMethod", "authentication", "publicKey"] {
        match doc.get(field) {
            Some(Value::Array(a)) => candidates.extend(a.iter().filter(|v| v.is_object())),
            Some(v @ Value::Object(_)) => candidates.push(v),
            _ => {}
        }
    }
    let vm = candidates
        .into_iter()
        .find(|vm| vm.get("id").and_then(Value::as_str).is_some_and(|id| absolute(&base, id) == method))
        .ok_or_else(|| VerifyError::BadKey {
            id: method.to_string(),
            reason: format!("the document {base} does not list this key"),
        })?
        .clone();
    let key = key_of(&vm).map_err(|reason| match reason {
        KeyProblem::Unsupported(kind) => VerifyError::UnsupportedKey { kind },
        KeyProblem::Bad(reason) => VerifyError::BadKey { id: method.to_string(), reason },
    })?;
    let controller = vm.get("controller").and_then(Value::as_str).map(|c| absolute(&base, c));
    Ok(ResolvedMethod { id: method.to_string(), controller, key, source, document: Some(doc) })
}

enum KeyProblem {
    Unsupported(String),
    Bad(String),
}

fn key_of(vm: &Value) -> Result<PublicKey, KeyProblem> {
    if let Some(mb) = vm.get("publicKeyMultibase").and_then(Value::as_str) {
        let (_, bytes) = multibase::decode(mb).map_err(|e| KeyProblem::Bad(format!("{mb} is not multibase: {e}")))?;
        return match bytes.as_slice() {
            [0xed, 0x01, key @ ..] => ed25519(key).map_err(KeyProblem::Bad),
            // Early Ed25519VerificationKey2020 documents carry the bare key.
            key if key.len() == 32 => ed25519(key).map_err(KeyProblem::Bad),
            [0x80, 0x24, key @ ..] => p256_key(key).map_err(KeyProblem::Bad),
            _ => Err(KeyProblem::Unsupported(format!("the key {mb}"))),
        };
    }
    if let Some(b58) = vm.get("publicKeyBase58").and_then(Value::as_str) {
        let (_, bytes) =
            multibase::decode(format!("z{b58}")).map_err(|e| KeyProblem::Bad(format!("{b58} is not base58: {e}")))?;
        return ed25519(&bytes).map_err(KeyProblem::Bad);
    }
    if let Some(jwk) = vm.get("publicKeyJwk") {
        return jwk_key(jwk);
    }
    let ty = vm.get("type").and_then(Value::as_str).unwrap_or("without a type");
    Err(KeyProblem::Unsupported(format!("verification methods of type {ty}")))
}

/// Reads a PEM public key (`publicKeyPem` of an Open Badges 2.0 CryptographicKey): an RSA key
/// (SubjectPublicKeyInfo or PKCS#1), a P-256 key or an Ed25519 key. The PEM parsers of the
/// `rsa`, `p256` and `ed25519-dalek` crates do the work; a key whose lines were joined or
/// wrapped differently is re-wrapped at 64 characters first.
pub fn pem(text: &str) -> Result<PublicKey, String> {
    let attempt = |pem: &str| -> Option<PublicKey> {
        use rsa::pkcs1::DecodeRsaPublicKey;
        use rsa::pkcs8::DecodePublicKey;
        if let Ok(k) = rsa::RsaPublicKey::from_public_key_pem(pem) {
            return Some(PublicKey::Rsa(k));
        }
        if let Ok(k) = rsa::RsaPublicKey::from_pkcs1_pem(pem) {
            return Some(PublicKey::Rsa(k));
        }
        if let Ok(k) = p256::PublicKey::from_public_key_pem(pem) {
            return Some(PublicKey::P256(k.into()));
        }
        ed25519_dalek::VerifyingKey::from_public_key_pem(pem).ok().map(PublicKey::Ed25519)
    };
    let text = text.replace("\r\n", "\n");
    let text = text.trim();
    if let Some(key) = attempt(text) {
        return Ok(key);
    }
    let unreadable = || "the publicKeyPem is not a readable RSA, P-256 or Ed25519 public key".to_string();
    let begin = text.find("-----BEGIN ").ok_or_else(unreadable)?;
    let label_end = text[begin + 11..].find("-----").ok_or_else(unreadable)? + begin + 11;
    let label = &text[begin + 11..label_end];
    let end_marker = format!("-----END {label}-----");
    let body_end = text.find(&end_marker).ok_or_else(unreadable)?;
    let body: String = text[label_end + 5..body_end].chars().filter(|c| !c.is_whitespace()).collect();
    let mut rewrapped = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        rewrapped.push_str(std::str::from_utf8(chunk).map_err(|_| unreadable())?);
        rewrapped.push('\n');
    }
    rewrapped.push_str(&end_marker);
    rewrapped.push('\n');
    attempt(&rewrapped).ok_or_else(unreadable)
}

/// Reads a public JWK: OKP Ed25519, EC P-256, RSA.
pub fn jwk(jwk: &Value) -> Result<PublicKey, String> {
    jwk_key(jwk).map_err(|p| match p {
        KeyProblem::Unsupported(kind) => format!("{kind} are not supported"),
        KeyProblem::Bad(reason) => reason,
    })
}

fn jwk_key(jwk: &Value) -> Result<PublicKey, KeyProblem> {
    use base64::Engine;
    let s = |k: &str| jwk.get(k).and_then(Value::as_str).unwrap_or_default();
    let b64 = |k: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s(k))
            .map_err(|e| KeyProblem::Bad(format!("the JWK's {k} is not base64url: {e}")))
    };
    match (s("kty"), s("crv")) {
        ("OKP", "Ed25519") => ed25519(&b64("x")?).map_err(KeyProblem::Bad),
        ("EC", "P-256") => {
            let (x, y) = (b64("x")?, b64("y")?);
            if x.len() != 32 || y.len() != 32 {
                return Err(KeyProblem::Bad("a P-256 JWK has 32-byte x and y".into()));
            }
            let mut sec1 = vec![0x04];
            sec1.extend_from_slice(&x);
            sec1.extend_from_slice(&y);
            p256_key(&sec1).map_err(KeyProblem::Bad)
        }
        ("RSA", _) => {
            let n = rsa::BigUint::from_bytes_be(&b64("n")?);
            let e = rsa::BigUint::from_bytes_be(&b64("e")?);
            rsa::RsaPublicKey::new(n, e)
                .map(PublicKey::Rsa)
                .map_err(|e| KeyProblem::Bad(format!("the RSA key is not usable: {e}")))
        }
        (kty, crv) => Err(KeyProblem::Unsupported(format!("JWK keys of type {kty} {crv}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_names_map_to_their_did_json() {
        assert_eq!(did_web_url("did:web:example.com").unwrap(), "https://example.com/.well-known/did.json");
        assert_eq!(
            did_web_url("did:web:digitalcredentials.github.io:vc-test-fixtures:dids:legacy").unwrap(),
            "https://digitalcredentials.github.io/vc-test-fixtures/dids/legacy/did.json"
        );
        assert_eq!(did_web_url("did:web:localhost%3A8443:u").unwrap(), "https://localhost:8443/u/did.json");
    }

    #[test]
    fn a_did_key_resolves_to_its_own_key_under_assertion_method() {
        let did = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        let m =
            resolve(&format!("{did}#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"), &crate::net::Offline).unwrap();
        assert_eq!(m.controller.as_deref(), Some(did));
        assert_eq!(m.source, KeySource::DidKey);
        assert!(m.listed_under("assertionMethod"));
        assert!(!m.listed_under("keyAgreement"));
    }

    #[test]
    fn a_did_key_that_is_not_a_key_is_a_bad_key_not_a_crash() {
        assert!(matches!(resolve("did:key:z6Mk", &crate::net::Offline), Err(VerifyError::BadKey { .. })));
        assert!(matches!(resolve("did:key:zzzz%%", &crate::net::Offline), Err(VerifyError::BadKey { .. })));
    }

    #[test]
    fn one_key_written_as_different_dids_is_the_same_key_and_other_keys_are_not() {
        use base64::Engine as _;
        let b64 = |t: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(t);
        let did_key = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
        let Ok(ResolvedMethod { key: PublicKey::Ed25519(key), .. }) = resolve(did_key, &crate::net::Offline) else {
            panic!("an Ed25519 did:key")
        };
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes());
        let jcs = format!("did:jwk:{}", b64(&format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#)));
        let other_order =
            format!("did:jwk:{}", b64(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","use":"sig"}}"#)));
        assert!(same_key(&jcs, &other_order), "members in another order, with use");
        assert!(same_key(did_key, &jcs), "a did:key and a did:jwk of one key");
        assert!(same_key(&format!("{did_key}#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"), did_key));
        let another = "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG";
        assert!(!same_key(another, &jcs));
        assert!(!same_key("did:web:example.org", "did:web:example.org:x"));
        assert!(same_key("did:web:example.org", "did:web:example.org"), "equal texts");
        assert!(!same_key("did:jwk:not-base64!", &jcs));
    }
}
