//! Making a Data Integrity proof with the holder's Ed25519 key: `eddsa-jcs-2022` (what Stapel
//! signs presentations with, see docs/decisions/0060) or `eddsa-rdfc-2022`.
//!
//! The steps are those of the W3C Data Integrity EdDSA Cryptosuites v1.0: the proof
//! configuration (the proof less its `proofValue`, with the document's `@context`) and the
//! document less its proof are each put in canonical form (JCS through `serde_jcs`, or RDFC-1.0
//! through the verifier's [`crate::verify::canon`] with the wallet's pinned contexts), hashed
//! with SHA-256, and `sha256(config) || sha256(document)` is signed; the signature is written
//! as multibase base58btc. Nothing here is hand-rolled: canonical forms, hashing, signing and
//! multibase come from the crates the verifier uses to check the same proofs.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{HolderKey, PresentError};
use crate::verify::canon;
use crate::verify::contexts::PinnedLoader;

/// The cryptosuites the holder can sign with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Cryptosuite {
    /// JSON Canonicalization Scheme (RFC 8785): the default (decision 0060).
    #[default]
    #[serde(rename = "eddsa-jcs-2022")]
    EddsaJcs2022,
    /// RDF Dataset Canonicalization over the JSON-LD of the document.
    #[serde(rename = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
}

impl Cryptosuite {
    pub fn name(self) -> &'static str {
        match self {
            Cryptosuite::EddsaJcs2022 => "eddsa-jcs-2022",
            Cryptosuite::EddsaRdfc2022 => "eddsa-rdfc-2022",
        }
    }
}

/// Signs `doc` (a JSON object without a `proof`) and returns it with the proof added. `options`
/// are the proof's fields other than `type`, `cryptosuite`, `verificationMethod` and
/// `proofValue` (`created`, `proofPurpose`, `challenge`, `domain`, ...).
pub fn sign_data_integrity(
    doc: &Value,
    key: &HolderKey,
    suite: Cryptosuite,
    options: Map<String, Value>,
) -> Result<Value, PresentError> {
    let Value::Object(doc_map) = doc else {
        return Err(PresentError::Sign("the document to sign is not a JSON object".into()));
    };
    if doc_map.contains_key("proof") {
        return Err(PresentError::Sign("the document to sign already has a proof".into()));
    }
    let mut config = Map::new();
    config.insert("type".into(), Value::String("DataIntegrityProof".into()));
    config.insert("cryptosuite".into(), Value::String(suite.name().into()));
    for (k, v) in options {
        config.insert(k, v);
    }
    config.insert("verificationMethod".into(), Value::String(key.verification_method()));
    if let Some(context) = doc_map.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    let config = Value::Object(config);
    let (canonical_config, canonical_doc) = match suite {
        Cryptosuite::EddsaJcs2022 => (canon::jcs(&config)?, canon::jcs(doc)?),
        Cryptosuite::EddsaRdfc2022 => {
            let loader = PinnedLoader::new();
            (canon::rdfc_jsonld(&config, &loader)?, canon::rdfc_jsonld(doc, &loader)?)
        }
    };
    let mut hash_data = Sha256::digest(canonical_config.as_bytes()).to_vec();
    hash_data.extend_from_slice(&Sha256::digest(canonical_doc.as_bytes()));
    let signature = key.sign(&hash_data);
    let Value::Object(mut proof) = config else {
        return Err(PresentError::Sign("the proof configuration is not a JSON object".into()));
    };
    if suite == Cryptosuite::EddsaRdfc2022 {
        // The RDFC proof takes the document's context when it is checked; it does not carry it.
        proof.remove("@context");
    }
    proof.insert("proofValue".into(), Value::String(multibase::encode(multibase::Base::Base58Btc, signature)));
    let mut signed = doc_map.clone();
    signed.insert("proof".into(), Value::Object(proof));
    Ok(Value::Object(signed))
}
