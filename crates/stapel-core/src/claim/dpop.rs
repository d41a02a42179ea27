//! DPoP (RFC 9449): proving, with a key of the wallet's, that it holds the access token it
//! sends. Used when the authorization server offers it (`dpop_signing_alg_values_supported`,
//! §5.1) in an algorithm Stapel signs with; OpenID4VCI 1.0 leaves DPoP optional, and an
//! issuer that offers it binds its tokens to the key, so a token that leaks is no use alone.
//!
//! The key is made for one claim and kept with what the claim leaves behind (a pending claim,
//! a notice to send when the credential is removed), inside the encrypted wallet, for as long
//! as the token is: a token bound to a key is useless without it. It is never the holder key,
//! so the proofs of possession of the token and of the credential's key stay apart.
//!
//! Each proof is a JWT of `typ` `dpop+jwt` with the public key in its header, the request's
//! method (`htm`) and URL without query and fragment (`htu`), `iat`, a fresh `jti`, the
//! server's nonce where it gave one (§8, §9), and `ath`, the token's SHA-256, on requests
//! that carry a token (§4.2). A server that asks for a nonce (`use_dpop_nonce` with a
//! `DPoP-Nonce` header, §8.1, §9.1) is asked once more with it.

use std::sync::Mutex;
use std::time::Instant;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::net::{Method, Response};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The algorithms Stapel makes DPoP proofs with, in the order it prefers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Ed25519 (`EdDSA`, or its fully specified name `Ed25519`).
    EdDSA,
    /// ECDSA over P-256 with SHA-256.
    ES256,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::EdDSA => "EdDSA",
            Algorithm::ES256 => "ES256",
        }
    }

    /// The first algorithm of Stapel's that the server lists; none when it lists none of them
    /// (or nothing: then it does not offer DPoP).
    pub fn choose(offered: &[String]) -> Option<Algorithm> {
        if offered.iter().any(|a| a == "EdDSA" || a == "Ed25519") {
            Some(Algorithm::EdDSA)
        } else if offered.iter().any(|a| a == "ES256") {
            Some(Algorithm::ES256)
        } else {
            None
        }
    }
}

/// A DPoP key: its algorithm and its secret (an Ed25519 seed or a P-256 scalar, 32 bytes).
#[derive(Clone)]
pub struct DpopKey {
    algorithm: Algorithm,
    secret: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopKey").field("algorithm", &self.algorithm).finish_non_exhaustive()
    }
}

impl DpopKey {
    /// A new key from the system's random source.
    pub fn generate(algorithm: Algorithm) -> Result<DpopKey, String> {
        loop {
            let mut secret = Zeroizing::new([0u8; 32]);
            getrandom::getrandom(secret.as_mut()).map_err(|e| format!("the system's random source failed: {e}"))?;
            let key = DpopKey { algorithm, secret };
            // A P-256 scalar must be below the group order; a random one almost always is.
            if key.check().is_ok() {
                return Ok(key);
            }
        }
    }

    fn check(&self) -> Result<(), String> {
        match self.algorithm {
            Algorithm::EdDSA => Ok(()),
            Algorithm::ES256 => p256::ecdsa::SigningKey::from_slice(self.secret.as_ref())
                .map(|_| ())
                .map_err(|_| "the kept DPoP key is not a P-256 key".to_string()),
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The public key as a JWK (RFC 8037 for Ed25519, RFC 7518 §6.2 for P-256).
    pub fn public_jwk(&self) -> Value {
        match self.algorithm {
            Algorithm::EdDSA => {
                let key = ed25519_dalek::SigningKey::from_bytes(&self.secret);
                json!({"kty": "OKP", "crv": "Ed25519", "x": B64.encode(key.verifying_key().as_bytes())})
            }
            Algorithm::ES256 => {
                let key = p256::ecdsa::SigningKey::from_slice(self.secret.as_ref()).expect("checked when made or read");
                let point = key.verifying_key().to_encoded_point(false);
                json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": B64.encode(point.x().expect("an uncompressed point has x")),
                    "y": B64.encode(point.y().expect("an uncompressed point has y")),
                })
            }
        }
    }

    /// A JWS signature over `message`: Ed25519's 64 bytes, or ES256's `r || s` (RFC 7518 §3.4).
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self.algorithm {
            Algorithm::EdDSA => {
                use ed25519_dalek::Signer as _;
                ed25519_dalek::SigningKey::from_bytes(&self.secret).sign(message).to_bytes().to_vec()
            }
            Algorithm::ES256 => {
                use p256::ecdsa::signature::Signer as _;
                let key = p256::ecdsa::SigningKey::from_slice(self.secret.as_ref()).expect("checked when made or read");
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_bytes().to_vec()
            }
        }
    }

    /// The key as the wallet keeps it: `{"alg": …, "d": …}`, a secret.
    pub fn to_stored(&self) -> Zeroizing<String> {
        Zeroizing::new(json!({"alg": self.algorithm.name(), "d": B64.encode(self.secret.as_ref())}).to_string())
    }

    /// A key the wallet kept ([`DpopKey::to_stored`]).
    pub fn from_stored(text: &str) -> Result<DpopKey, String> {
        let value: Value = serde_json::from_str(text).map_err(|_| "the kept DPoP key cannot be read".to_string())?;
        let algorithm = match value.get("alg").and_then(Value::as_str) {
            Some("EdDSA") => Algorithm::EdDSA,
            Some("ES256") => Algorithm::ES256,
            _ => return Err("the kept DPoP key has an unknown algorithm".into()),
        };
        let d = value
            .get("d")
            .and_then(Value::as_str)
            .and_then(|d| B64.decode(d).ok())
            .map(Zeroizing::new)
            .ok_or_else(|| "the kept DPoP key cannot be read".to_string())?;
        let secret: [u8; 32] =
            d.as_slice().try_into().map_err(|_| "the kept DPoP key has the wrong length".to_string())?;
        let key = DpopKey { algorithm, secret: Zeroizing::new(secret) };
        key.check()?;
        Ok(key)
    }
}

/// A DPoP key in use with the nonces the servers gave, and the clock the proofs' `iat` come
/// from: the caller's time, moved on by what has passed since (a sign-in can take minutes).
pub struct Dpop {
    key: DpopKey,
    /// The last `DPoP-Nonce` each server (by origin) sent.
    nonces: Mutex<Vec<(String, String)>>,
    base: DateTime<Utc>,
    started: Instant,
}

impl std::fmt::Debug for Dpop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dpop").field("key", &self.key).finish_non_exhaustive()
    }
}

impl Clone for Dpop {
    fn clone(&self) -> Dpop {
        Dpop {
            key: self.key.clone(),
            nonces: Mutex::new(self.nonces.lock().map(|n| n.clone()).unwrap_or_default()),
            base: self.base,
            started: self.started,
        }
    }
}

/// The origin a nonce belongs to (RFC 9449 §8: nonces are per server).
fn origin(url: &str) -> String {
    url::Url::parse(url).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
}

/// The `htu` of a request: its URL without query and fragment (§4.2).
fn target(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

impl Dpop {
    /// A session with `key`, its proofs dated from `now` on.
    pub fn new(key: DpopKey, now: DateTime<Utc>) -> Dpop {
        Dpop { key, nonces: Mutex::new(Vec::new()), base: now, started: Instant::now() }
    }

    pub fn key(&self) -> &DpopKey {
        &self.key
    }

    fn now(&self) -> DateTime<Utc> {
        self.base + chrono::Duration::from_std(self.started.elapsed()).unwrap_or_default()
    }

    /// The proof for one request, bound to `access_token` where the request carries one.
    pub fn proof(&self, method: Method, url: &str, access_token: Option<&str>) -> Result<String, String> {
        let mut jti = [0u8; 16];
        getrandom::getrandom(&mut jti).map_err(|e| format!("the system's random source failed: {e}"))?;
        let header = json!({"typ": "dpop+jwt", "alg": self.key.algorithm.name(), "jwk": self.key.public_jwk()});
        let mut claims = json!({
            "jti": B64.encode(jti),
            "htm": match method { Method::Get => "GET", Method::Post => "POST" },
            "htu": target(url),
            "iat": self.now().timestamp(),
        });
        let origin = origin(url);
        if let Some((_, nonce)) = self.nonces.lock().ok().and_then(|n| n.iter().find(|(o, _)| *o == origin).cloned()) {
            claims["nonce"] = json!(nonce);
        }
        if let Some(token) = access_token {
            claims["ath"] = json!(B64.encode(Sha256::digest(token.as_bytes())));
        }
        Ok(super::flow::compact_jws(&header, &claims, &|m| self.key.sign(m)))
    }

    /// Keeps the nonce a response carries (`DPoP-Nonce`), and says whether the response asks
    /// for the request to be made again with it: a 400 `use_dpop_nonce` error from an
    /// authorization server (§8), or a 401 whose `WWW-Authenticate` says so (§9).
    pub fn take_nonce(&self, response: &Response) -> bool {
        let Some(nonce) = response.header("dpop-nonce").filter(|n| is_nonce(n)) else { return false };
        if let Ok(mut nonces) = self.nonces.lock() {
            let origin = origin(&response.url);
            nonces.retain(|(o, _)| *o != origin);
            nonces.push((origin, nonce.to_string()));
        }
        let said_in_body = serde_json::from_slice::<Value>(&response.body)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(|e| e == "use_dpop_nonce"))
            .unwrap_or(false);
        let said_in_challenge = response.header("www-authenticate").is_some_and(|c| c.contains("use_dpop_nonce"));
        (response.status == 400 && said_in_body) || (response.status == 401 && said_in_challenge)
    }
}

/// A nonce as §8.1 allows it: `1*NQCHAR` (visible ASCII but `"` and `\`), kept short.
fn is_nonce(text: &str) -> bool {
    !text.is_empty() && text.len() <= 512 && text.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_key_reads_back_as_the_same_key_and_a_damaged_one_is_refused() {
        for algorithm in [Algorithm::EdDSA, Algorithm::ES256] {
            let key = DpopKey::generate(algorithm).unwrap();
            let back = DpopKey::from_stored(&key.to_stored()).unwrap();
            assert_eq!(back.public_jwk(), key.public_jwk());
            assert!(!format!("{key:?}").contains(&B64.encode(key.secret.as_ref())), "the secret stays out of Debug");
        }
        let order = format!("{}8", "_".repeat(42)); // 2^256 - 1: above the order of P-256
        for (text, why) in [
            ("not json", "cannot be read"),
            (r#"{"alg":"HS256","d":"AAAA"}"#, "unknown algorithm"),
            (r#"{"alg":"EdDSA","d":"AAAA"}"#, "wrong length"),
            (&format!(r#"{{"alg":"ES256","d":"{order}"}}"#)[..], "not a P-256 key"),
        ] {
            let err = DpopKey::from_stored(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    #[test]
    fn a_nonce_is_kept_per_server_and_a_retry_is_asked_only_by_use_dpop_nonce() {
        let dpop = Dpop::new(DpopKey::generate(Algorithm::EdDSA).unwrap(), Utc::now());
        let answer = |url: &str, status: u16, nonce: &str, body: &str, challenge: Option<&str>| Response {
            url: url.into(),
            status,
            content_type: Some("application/json".into()),
            headers: [("dpop-nonce".to_string(), nonce.to_string())]
                .into_iter()
                .chain(challenge.map(|c| ("www-authenticate".to_string(), c.to_string())))
                .collect(),
            body: body.as_bytes().to_vec(),
        };
        assert!(dpop.take_nonce(&answer("https://as.example/token", 400, "n1", r#"{"error":"use_dpop_nonce"}"#, None)));
        assert!(!dpop.take_nonce(&answer("https://as.example/token", 400, "n2", r#"{"error":"invalid_grant"}"#, None)));
        assert!(dpop.take_nonce(&answer(
            "https://rs.example/c",
            401,
            "r1",
            "",
            Some(r#"DPoP error="use_dpop_nonce""#)
        )));
        assert!(!dpop.take_nonce(&answer(
            "https://rs.example/c",
            400,
            "bad\"nonce",
            r#"{"error":"use_dpop_nonce"}"#,
            None
        )));
        let nonce_in = |url: &str| {
            let proof = dpop.proof(Method::Post, url, None).unwrap();
            let claims: Value = serde_json::from_slice(&B64.decode(proof.split('.').nth(1).unwrap()).unwrap()).unwrap();
            claims.get("nonce").cloned()
        };
        assert_eq!(nonce_in("https://as.example/token?x=1"), Some(json!("n2")), "the latest nonce of that server");
        assert_eq!(nonce_in("https://rs.example/c"), Some(json!("r1")), "a nonce that breaks the grammar is not kept");
        assert_eq!(nonce_in("https://other.example/"), None);
        let proof = dpop.proof(Method::Get, "https://as.example/token?x=1#f", Some("tok")).unwrap();
        let claims: Value = serde_json::from_slice(&B64.decode(proof.split('.').nth(1).unwrap()).unwrap()).unwrap();
        assert_eq!(claims["htu"], "https://as.example/token");
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["ath"], json!(B64.encode(Sha256::digest(b"tok"))));
    }
}
