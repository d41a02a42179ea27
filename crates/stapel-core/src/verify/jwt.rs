//! VC-JWT: a credential carried as the claims of a compact JWS (`header.payload.signature`),
//! signed with EdDSA (Ed25519), ES256 (P-256) or RS256.
//!
//! The key comes from the header's `kid` (resolved like a Data Integrity verification method)
//! or from a `jwk` written in the header itself; the latter proves integrity only, never who
//! issued the credential.

use base64::Engine;
use serde_json::Value;

use super::did::{self, KeySource, PublicKey, ResolvedMethod};
use super::report::{Check, CheckId, Outcome};
use super::{VerifyContext, VerifyError};

/// A decoded compact JWT.
pub struct Jwt {
    pub header: Value,
    pub claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

impl Jwt {
    /// Splits and decodes a compact JWT; nothing is checked yet.
    pub fn decode(token: &str) -> Result<Jwt, VerifyError> {
        let malformed = |reason: &str| VerifyError::MalformedProof { reason: reason.to_string() };
        let token = token.trim();
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(malformed("a JWT has three parts separated by dots"));
        };
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let json = |part: &str, what: &str| -> Result<Value, VerifyError> {
            let bytes = b64.decode(part).map_err(|_| malformed(&format!("the JWT {what} is not base64url")))?;
            serde_json::from_slice(&bytes).map_err(|_| malformed(&format!("the JWT {what} is not JSON")))
        };
        let header = json(h, "header")?;
        let claims = json(p, "payload")?;
        let signature = b64.decode(s).map_err(|_| malformed("the JWT signature is not base64url"))?;
        Ok(Jwt { header, claims, signing_input: format!("{h}.{p}"), signature })
    }

    /// The credential the claims carry: the `vc` claim (VC 1.1 JWT) or the claims themselves
    /// (VC 2.0 / Open Badges 3.0 style).
    pub fn credential(&self) -> Value {
        match self.claims.get("vc") {
            Some(vc @ Value::Object(_)) => vc.clone(),
            _ => self.claims.clone(),
        }
    }

    /// Checks the signature with `key` under the header's `alg`.
    pub fn signature_holds(&self, key: &PublicKey) -> Result<bool, VerifyError> {
        use p256::ecdsa::signature::Verifier as _;
        let alg = self.header.get("alg").and_then(Value::as_str).unwrap_or_default();
        let input = self.signing_input.as_bytes();
        Ok(match (alg, key) {
            ("EdDSA", PublicKey::Ed25519(k)) => ed25519_dalek::Signature::from_slice(&self.signature)
                .is_ok_and(|sig| k.verify_strict(input, &sig).is_ok()),
            ("ES256", PublicKey::P256(k)) => {
                p256::ecdsa::Signature::from_slice(&self.signature).is_ok_and(|sig| k.verify(input, &sig).is_ok())
            }
            ("RS256", PublicKey::Rsa(k)) => {
                let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(k.clone());
                rsa::pkcs1v15::Signature::try_from(self.signature.as_slice())
                    .is_ok_and(|sig| rsa::signature::Verifier::verify(&verifier, input, &sig).is_ok())
            }
            ("none", _) | ("", _) => {
                return Err(VerifyError::MalformedProof { reason: "the JWT is not signed (alg none)".into() });
            }
            ("EdDSA" | "ES256" | "RS256", other) => {
                return Err(VerifyError::BadKey {
                    id: "the JWT key".into(),
                    reason: format!("a {} key cannot check an {alg} signature", other.kind()),
                });
            }
            (other, _) => return Err(VerifyError::UnsupportedSuite { suite: format!("JWT algorithm {other}") }),
        })
    }
}

/// The `proof`, `key` and `issuer-binding` checks of a VC-JWT.
pub(crate) fn check(jwt: &Jwt, credential: &Value, ctx: &VerifyContext<'_>) -> [Check; 3] {
    let alg = jwt.header.get("alg").and_then(Value::as_str).unwrap_or("none").to_string();
    if alg == "none" || jwt.signature.is_empty() {
        return [
            Check::failed(CheckId::Proof, "the JWT is not signed (alg none or no signature)"),
            Check::skipped(CheckId::Key, "an unsigned JWT has no key"),
            Check::skipped(CheckId::IssuerBinding, "an unsigned JWT has no key"),
        ];
    }
    let method: Result<ResolvedMethod, VerifyError> = if let Some(kid) = jwt.header.get("kid").and_then(Value::as_str) {
        let kid = match jwt.claims.get("iss").and_then(Value::as_str) {
            // A bare fragment names a key of the issuer's DID.
            Some(iss) if kid.starts_with('#') => format!("{iss}{kid}"),
            _ => kid.to_string(),
        };
        did::resolve(&kid, ctx.fetcher)
    } else if let Some(jwk) = jwt.header.get("jwk") {
        did::jwk(jwk)
            .map(|key| ResolvedMethod {
                id: "the JWT header's jwk".into(),
                controller: None,
                key,
                source: KeySource::Credential {
                    why: "the key is only written in the JWT header (jwk), not published by the issuer".into(),
                },
                document: None,
            })
            .map_err(|reason| VerifyError::BadKey { id: "the JWT header's jwk".into(), reason })
    } else {
        Err(VerifyError::KeyUnresolvable {
            id: "the JWT".into(),
            reason: "its header names no key (neither kid nor jwk)".into(),
        })
    };
    let method = match method {
        Ok(m) => m,
        Err(e) => {
            let key = Check::new(CheckId::Key, e.outcome(), e.to_string());
            let proof = Check::new(
                CheckId::Proof,
                if key.outcome == Outcome::Failed { Outcome::Failed } else { Outcome::Unverifiable },
                format!("the {alg} signature could not be checked: {e}"),
            );
            return [proof, key, Check::skipped(CheckId::IssuerBinding, "the key could not be resolved")];
        }
    };
    let key = Check::passed(
        CheckId::Key,
        match &method.source {
            KeySource::Credential { .. } => format!("the {} key was read from the JWT header", method.key.kind()),
            KeySource::DidKey => format!("the {} key is written in the DID {} itself", method.key.kind(), method.id),
            KeySource::Document { url } => format!("the {} key {} was read from {url}", method.key.kind(), method.id),
        },
    );
    let proof = match jwt.signature_holds(&method.key) {
        Ok(true) => Check::passed(CheckId::Proof, format!("the {alg} signature of the JWT is correct")),
        Ok(false) => Check::failed(CheckId::Proof, VerifyError::BadSignature.to_string()),
        Err(e) => Check::new(CheckId::Proof, e.outcome(), e.to_string()),
    };
    let issuer = super::proof::issuer_id(credential);
    let iss = jwt.claims.get("iss").and_then(Value::as_str);
    let binding = match (iss, issuer.as_deref()) {
        (Some(iss), Some(issuer)) if iss != issuer => Check::failed(
            CheckId::IssuerBinding,
            format!("the JWT was issued by {iss}, but the credential names {issuer} as its issuer"),
        ),
        _ => super::proof::binding(&method, "assertionMethod", issuer.as_deref(), ctx),
    };
    [proof, key, binding]
}

/// The JWT's own validity claims (`nbf`, `exp`), in seconds since 1970.
pub(crate) fn time_claims(jwt: &Jwt, now: chrono::DateTime<chrono::Utc>) -> Option<Check> {
    let at = |k: &str| jwt.claims.get(k).and_then(Value::as_i64);
    let now_s = now.timestamp();
    if let Some(exp) = at("exp")
        && exp <= now_s
    {
        return Some(Check::failed(CheckId::Dates, format!("the JWT expired (exp {exp})")));
    }
    if let Some(nbf) = at("nbf")
        && nbf > now_s
    {
        return Some(Check::failed(CheckId::Dates, format!("the JWT is not valid yet (nbf {nbf})")));
    }
    None
}
