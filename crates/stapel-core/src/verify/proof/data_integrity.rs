//! Data Integrity style proofs with Ed25519: `eddsa-rdfc-2022`, `eddsa-jcs-2022`,
//! `Ed25519Signature2020` and the legacy `Ed25519Signature2018` (detached JWS).
//!
//! All four sign `sha256(canonical proof options) || sha256(canonical document)`; they differ
//! in the canonical form (RDFC-1.0 or JCS) and in how the signature is carried.

use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::super::VerifyError;
use super::super::canon;
use super::super::contexts::PinnedLoader;
use super::super::did::PublicKey;

/// The proof suites this module checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    EddsaRdfc2022,
    EddsaJcs2022,
    EcdsaRdfc2019,
    EcdsaJcs2019,
    Ed25519Signature2020,
    Ed25519Signature2018,
}

impl Suite {
    /// Which suite a proof uses; unsupported suites are `unverifiable`, not invalid.
    pub fn of(proof: &Value) -> Result<Suite, VerifyError> {
        let ty = proof.get("type").and_then(Value::as_str).unwrap_or_default();
        match ty {
            "DataIntegrityProof" => match proof.get("cryptosuite").and_then(Value::as_str) {
                Some("eddsa-rdfc-2022") => Ok(Suite::EddsaRdfc2022),
                Some("eddsa-jcs-2022") => Ok(Suite::EddsaJcs2022),
                Some("ecdsa-rdfc-2019") => Ok(Suite::EcdsaRdfc2019),
                Some("ecdsa-jcs-2019") => Ok(Suite::EcdsaJcs2019),
                Some(other) => Err(VerifyError::UnsupportedSuite { suite: format!("DataIntegrityProof {other}") }),
                None => Err(VerifyError::MalformedProof { reason: "a DataIntegrityProof names no cryptosuite".into() }),
            },
            "Ed25519Signature2020" => Ok(Suite::Ed25519Signature2020),
            "Ed25519Signature2018" => Ok(Suite::Ed25519Signature2018),
            "" => Err(VerifyError::MalformedProof { reason: "it has no type".into() }),
            other => Err(VerifyError::UnsupportedSuite { suite: other.to_string() }),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Suite::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Suite::EddsaJcs2022 => "eddsa-jcs-2022",
            Suite::EcdsaRdfc2019 => "ecdsa-rdfc-2019",
            Suite::EcdsaJcs2019 => "ecdsa-jcs-2019",
            Suite::Ed25519Signature2020 => "Ed25519Signature2020",
            Suite::Ed25519Signature2018 => "Ed25519Signature2018",
        }
    }

    fn rdfc(self) -> bool {
        !matches!(self, Suite::EddsaJcs2022 | Suite::EcdsaJcs2019)
    }

    /// The key type the suite signs with.
    fn key_kind(self) -> &'static str {
        match self {
            Suite::EcdsaRdfc2019 | Suite::EcdsaJcs2019 => "P-256",
            _ => "Ed25519",
        }
    }
}

/// The values a proof check computes on the way, as the specifications' test vectors list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intermediates {
    pub suite: Suite,
    /// The proof options in canonical form (RDFC-1.0 N-Quads or JCS).
    pub canonical_proof_options: String,
    /// The credential without its proof, in canonical form.
    pub canonical_document: String,
    pub proof_hash: [u8; 32],
    pub document_hash: [u8; 32],
    /// The bytes the signature covers: for Ed25519Signature2018 the JWS signing input,
    /// otherwise `proof_hash || document_hash`.
    pub signed_bytes: Vec<u8>,
    pub signature: Vec<u8>,
}

/// The intermediate values of the (first) proof of `doc`, with the contexts' first versions.
pub fn intermediates(doc: &Value) -> Result<Intermediates, VerifyError> {
    let proof = match doc.get("proof") {
        Some(Value::Array(list)) => list.first(),
        other => other,
    }
    .ok_or_else(|| VerifyError::MalformedProof { reason: "the credential has no proof".into() })?;
    let suite = Suite::of(proof)?;
    let all = match doc.get("proof") {
        Some(Value::Array(list)) => list.clone(),
        Some(one) => vec![one.clone()],
        None => vec![],
    };
    let previous = previous_proofs(proof, &all)?;
    compute(doc, proof, suite, previous.as_deref(), &PinnedLoader::new())
}

/// The proofs a proof chains to (`previousProof`), found among all the credential's proofs.
/// `None` when the proof is not part of a chain.
pub(crate) fn previous_proofs(proof: &Value, all: &[Value]) -> Result<Option<Vec<Value>>, VerifyError> {
    let malformed = |reason: String| VerifyError::MalformedProof { reason };
    let ids: Vec<&str> = match proof.get("previousProof") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(id)) => vec![id.as_str()],
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| malformed("its previousProof list holds something other than proof ids".into()))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(malformed("its previousProof is neither a proof id nor a list of them".into())),
    };
    let mut found = Vec::new();
    for id in ids {
        let previous = all
            .iter()
            .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| malformed(format!("it follows the proof {id}, which the credential does not carry")))?;
        found.push(previous.clone());
    }
    Ok(Some(found))
}

fn compute(
    doc: &Value,
    proof: &Value,
    suite: Suite,
    previous: Option<&[Value]>,
    loader: &PinnedLoader,
) -> Result<Intermediates, VerifyError> {
    let malformed = |reason: &str| VerifyError::MalformedProof { reason: reason.to_string() };
    let Value::Object(doc_map) = doc else { return Err(malformed("the credential is not a JSON object")) };
    let Value::Object(proof_map) = proof else { return Err(malformed("the proof is not a JSON object")) };
    let mut unsecured = doc_map.clone();
    unsecured.remove("proof");
    if let Some(previous) = previous {
        // A chained proof signs the credential together with the proofs it follows.
        unsecured.insert("proof".into(), Value::Array(previous.to_vec()));
    }
    let mut options = proof_map.clone();
    let signature_field = if suite == Suite::Ed25519Signature2018 { "jws" } else { "proofValue" };
    let signature_text = options
        .remove(signature_field)
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| malformed(&format!("it has no {signature_field}")))?;

    if suite.rdfc() {
        let context = doc_map.get("@context").cloned().ok_or_else(|| malformed("the credential has no @context"))?;
        options.insert("@context".into(), context);
    } else if let Some(proof_context) = options.get("@context") {
        // eddsa-jcs-2022: the proof's contexts must open the document's, and then stand for them.
        let as_list = |v: &Value| match v {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        let theirs = as_list(proof_context);
        let ours = as_list(doc_map.get("@context").unwrap_or(&Value::Null));
        if ours.len() < theirs.len() || ours[..theirs.len()] != theirs[..] {
            return Err(malformed("the proof's @context does not match the start of the credential's"));
        }
        unsecured.insert("@context".into(), proof_context.clone());
    }
    let unsecured = Value::Object(unsecured);
    let options = Value::Object(options);
    let (canonical_proof_options, canonical_document) = if suite.rdfc() {
        (canon::rdfc_jsonld(&options, loader)?, canon::rdfc_jsonld(&unsecured, loader)?)
    } else {
        (canon::jcs(&options)?, canon::jcs(&unsecured)?)
    };
    let proof_hash: [u8; 32] = Sha256::digest(canonical_proof_options.as_bytes()).into();
    let document_hash: [u8; 32] = Sha256::digest(canonical_document.as_bytes()).into();
    let mut hash_data = proof_hash.to_vec();
    hash_data.extend_from_slice(&document_hash);

    let (signed_bytes, signature) = if suite == Suite::Ed25519Signature2018 {
        let (header_b64, signature_b64) = signature_text
            .split_once("..")
            .ok_or_else(|| malformed("its jws is not a detached JWS (header..signature)"))?;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header: Value = b64
            .decode(header_b64)
            .ok()
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or_else(|| malformed("its JWS header is not base64url JSON"))?;
        if header.get("alg").and_then(Value::as_str) != Some("EdDSA") || header.get("b64") != Some(&Value::Bool(false))
        {
            return Err(malformed("its JWS header is not {\"alg\":\"EdDSA\",\"b64\":false}"));
        }
        let signature = b64.decode(signature_b64).map_err(|_| malformed("its JWS signature is not base64url"))?;
        let mut input = format!("{header_b64}.").into_bytes();
        input.extend_from_slice(&hash_data);
        (input, signature)
    } else {
        let (_, signature) =
            multibase::decode(&signature_text).map_err(|_| malformed("its proofValue is not multibase"))?;
        (hash_data, signature)
    };
    Ok(Intermediates {
        suite,
        canonical_proof_options,
        canonical_document,
        proof_hash,
        document_hash,
        signed_bytes,
        signature,
    })
}

fn signature_holds(key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
    match key {
        PublicKey::Ed25519(k) => {
            ed25519_dalek::Signature::from_slice(signature).is_ok_and(|sig| k.verify_strict(message, &sig).is_ok())
        }
        PublicKey::P256(k) => {
            use p256::ecdsa::signature::Verifier as _;
            p256::ecdsa::Signature::from_slice(signature).is_ok_and(|sig| k.verify(message, &sig).is_ok())
        }
        PublicKey::Rsa(_) => false,
    }
}

/// Checks one proof. `Ok` carries a note for the report (empty, or which context version
/// made it hold).
pub(crate) fn verify(
    doc: &Value,
    proof: &Value,
    suite: Suite,
    previous: Option<&[Value]>,
    key: &PublicKey,
) -> Result<String, VerifyError> {
    if key.kind() != suite.key_kind() {
        return Err(VerifyError::BadKey {
            id: proof.get("verificationMethod").and_then(Value::as_str).unwrap_or("the key").to_string(),
            reason: format!("a {} key cannot check a {} proof", key.kind(), suite.name()),
        });
    }
    let mut loader = PinnedLoader::new();
    let first = compute(doc, proof, suite, previous, &loader)?;
    if signature_holds(key, &first.signed_bytes, &first.signature) {
        return Ok(String::new());
    }
    if suite.rdfc() {
        // Where a context has several published versions, the issuer may have used another.
        let several: Vec<String> = loader.asked().into_iter().filter(|u| loader.version_count(u) > 1).collect();
        for url in several {
            for n in 1..loader.version_count(&url) {
                loader.reset_choices();
                loader.choose(&url, n);
                if let Ok(other) = compute(doc, proof, suite, previous, &loader)
                    && signature_holds(key, &other.signed_bytes, &other.signature)
                {
                    let which = loader.describe(&url).unwrap_or(url.clone());
                    return Ok(format!(" with the context version {which}"));
                }
            }
        }
    }
    Err(VerifyError::BadSignature)
}
