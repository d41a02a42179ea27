//! VC-JWT: a credential carried as the claims of a compact JWS (`header.payload.signature`),
//! signed with EdDSA (Ed25519), ES256 (P-256) or RS256.
//!
//! The key comes from the header's `kid` (resolved like a Data Integrity verification method)
//! or from a `jwk` written in the header itself; the latter proves integrity only, never who
//! issued the credential. Header URLs that would name a key (`jku`, `x5u`) are never fetched:
//! the credential does not choose where its key comes from.
//!
//! The header is held to RFC 7515 before any signature is checked ([`Jwt::header_refusal`]): a
//! `crit` extension Stapel does not implement makes the JWS invalid (§4.1.11), an unencoded
//! payload (`b64: false`, RFC 7797) is refused, and the algorithm must be an asymmetric one
//! that matches the key (never `none`, never an HMAC, RSA keys of at least 2048 bits).

use base64::Engine;
use serde_json::Value;

use super::did::{self, KeySource, PublicKey, ResolvedMethod};
use super::report::{Check, CheckId, Outcome};
use super::{VerifyContext, VerifyError};

/// The smallest RSA modulus accepted, in bits (NIST SP 800-131A; RFC 7518 §3.3 requires 2048).
const MIN_RSA_BITS: usize = 2048;

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

    /// Why the header cannot be honoured, before any key or signature is looked at: the header
    /// is not an object, `crit` names extensions (Stapel implements none, so RFC 7515 §4.1.11
    /// makes the JWS invalid), the payload is not base64url-encoded (`b64: false`, RFC 7797),
    /// or `alg` is missing, `none` or a symmetric MAC (`HS*`), which proves nothing to anyone
    /// but the holder of the shared secret.
    pub fn header_refusal(&self) -> Option<String> {
        let Some(header) = self.header.as_object() else {
            return Some("the JWT header is not a JSON object".into());
        };
        if let Some(crit) = header.get("crit") {
            let names: Option<Vec<&str>> = crit.as_array().and_then(|a| a.iter().map(Value::as_str).collect());
            return Some(match names {
                Some(names) if !names.is_empty() => format!(
                    "the JWT header marks {} as critical, an extension the wallet does not implement \
                     (RFC 7515: such a JWS is invalid)",
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                ),
                _ => "the JWT header's crit is not a non-empty list of names (RFC 7515)".into(),
            });
        }
        if header.get("b64").is_some_and(|b| b != &Value::Bool(true)) {
            return Some(
                "the JWT's payload is not base64url-encoded (b64: false, RFC 7797), which is not supported".into(),
            );
        }
        match header.get("alg").and_then(Value::as_str) {
            None | Some("") | Some("none") => Some("the JWT is not signed (alg none)".into()),
            Some(alg) if alg.starts_with("HS") => Some(format!(
                "the JWT is sealed with {alg}, a shared-secret MAC, not a signature: it cannot show who issued it"
            )),
            Some(_) => None,
        }
    }

    /// Checks the signature with `key` under the header's `alg`, once the header passes
    /// [`Jwt::header_refusal`].
    pub fn signature_holds(&self, key: &PublicKey) -> Result<bool, VerifyError> {
        use p256::ecdsa::signature::Verifier as _;
        use rsa::traits::PublicKeyParts as _;
        if let Some(reason) = self.header_refusal() {
            return Err(VerifyError::MalformedProof { reason });
        }
        let alg = self.header.get("alg").and_then(Value::as_str).unwrap_or_default();
        let input = self.signing_input.as_bytes();
        if let PublicKey::Rsa(k) = key
            && k.size() * 8 < MIN_RSA_BITS
        {
            return Err(VerifyError::BadKey {
                id: "the JWT key".into(),
                reason: format!("an RSA key of {} bits is too weak (at least {MIN_RSA_BITS})", k.size() * 8),
            });
        }
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
    if let Some(why) = jwt.header_refusal() {
        return [
            Check::failed(CheckId::Proof, format!("the JWT is refused before its signature is checked: {why}")),
            Check::skipped(CheckId::Key, "the JWT's header was refused, so no key was looked up"),
            Check::skipped(CheckId::IssuerBinding, "the JWT's header was refused, so no key was looked up"),
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
    } else if let Some(param) = ["jku", "x5u"].into_iter().find(|p| jwt.header.get(*p).is_some()) {
        Err(VerifyError::KeyUnresolvable {
            id: "the JWT".into(),
            reason: format!(
                "its header names its key only by a URL ({param}), which is never fetched: \
                 a credential does not choose where its key comes from"
            ),
        })
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
