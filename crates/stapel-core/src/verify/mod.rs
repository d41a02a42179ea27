//! Verification of credentials: a pipeline of checks (format, proof, key, issuer binding,
//! dates, status, recipient, hosted copy, schema) that returns a [`Report`] with one entry per
//! check and an overall result.
//!
//! Time and the network are handed in through [`VerifyContext`]. JSON-LD is interpreted with
//! the contexts the wallet carries ([`contexts`]); nothing is fetched to interpret a credential.
//! The fetcher is used only to resolve keys (did:web, issuer documents).

pub mod canon;
pub mod contexts;
pub mod dates;
pub mod did;
pub mod jwt;
pub mod ob2;
pub mod proof;
pub mod recipient;
pub mod report;
pub mod schema;
pub mod status;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::net::Fetcher;
pub use report::{Check, CheckId, Outcome, Report, Verdict};

/// What a verification needs from outside: the time and the network.
pub struct VerifyContext<'a> {
    /// The time the credential is checked at.
    pub now: DateTime<Utc>,
    /// Resolves keys (did:web, issuer documents) and status lists. Pass
    /// [`crate::net::Offline`] to stay offline.
    pub fetcher: &'a dyn Fetcher,
    /// The learner's identities (email addresses, DIDs, names) for the recipient check; empty
    /// skips it.
    pub identities: &'a [String],
}

/// Why a step of verification did not succeed. Each error knows whether it means the
/// credential is wrong ([`Outcome::Failed`]) or only that it could not be checked
/// ([`Outcome::Unverifiable`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "the credential uses the context {url}, which the wallet does not carry (contexts are never fetched to interpret a credential)"
    )]
    UnknownContext { url: String },
    #[error("the wallet's copy of the context {url} is damaged or missing (it does not match its pinned sha256)")]
    ContextDamaged { url: String },
    #[error("the credential's linked data cannot be read: {reason}")]
    JsonLd { reason: String },
    #[error(
        "the credential's data is too tangled to put in canonical form (more than {limit} steps); it may be built to stall verifiers"
    )]
    CanonTooComplex { limit: usize },
    #[error("the credential's data cannot be put in canonical form: {reason}")]
    Canon { reason: String },
    #[error("the proof is malformed: {reason}")]
    MalformedProof { reason: String },
    #[error("the proof type {suite} is not supported")]
    UnsupportedSuite { suite: String },
    #[error("the signature does not match the credential: it was changed after signing, or signed with another key")]
    BadSignature,
    #[error("the key {id} could not be resolved: {reason}")]
    KeyUnresolvable { id: String, reason: String },
    #[error("the key {id} is not usable: {reason}")]
    BadKey { id: String, reason: String },
    #[error("{kind} are not supported")]
    UnsupportedKey { kind: String },
}

impl VerifyError {
    /// Whether this error means the check failed or could not run.
    pub fn outcome(&self) -> Outcome {
        match self {
            VerifyError::JsonLd { .. }
            | VerifyError::CanonTooComplex { .. }
            | VerifyError::Canon { .. }
            | VerifyError::MalformedProof { .. }
            | VerifyError::BadSignature
            | VerifyError::BadKey { .. } => Outcome::Failed,
            VerifyError::UnknownContext { .. }
            | VerifyError::ContextDamaged { .. }
            | VerifyError::UnsupportedSuite { .. }
            | VerifyError::KeyUnresolvable { .. }
            | VerifyError::UnsupportedKey { .. } => Outcome::Unverifiable,
        }
    }
}

const CREDENTIALS_V1: &str = "https://www.w3.org/2018/credentials/v1";
const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";

/// Verifies a JSON credential: a JSON-LD credential (VC 1.1 or 2.0, Open Badges 3.0, CLR 2.0)
/// with an embedded proof, or an Open Badges 2.0 assertion (hosted verification).
pub fn verify_json(doc: &Value, ctx: &VerifyContext<'_>) -> Report {
    if ob2::is_ob2(doc) {
        return ob2::verify(doc, ctx);
    }
    if ob2::is_legacy(doc) {
        return ob2::verify_legacy();
    }
    let format = check_format(doc);
    if format.outcome == Outcome::Failed && !doc.is_object() {
        let mut checks = vec![format];
        checks.extend(CheckId::ALL[1..].iter().map(|id| Check::skipped(*id, "not a credential")));
        return Report::from_checks(checks);
    }
    let proofs = proof::check(doc, ctx);
    let mut checks = vec![format, proofs.proof, proofs.key, proofs.binding, dates::check(doc, ctx.now)];
    checks.extend(later_checks(doc, ctx, "the credential is signed, not hosted"));
    Report::from_checks(checks)
}

/// Verifies a VC-JWT (compact JWS whose claims carry the credential), or a signed Open Badges
/// 2.0 assertion (compact JWS whose payload is the assertion).
pub fn verify_jwt(token: &str, ctx: &VerifyContext<'_>) -> Report {
    let jwt = match jwt::Jwt::decode(token) {
        Ok(jwt) => jwt,
        Err(e) => {
            let mut checks = vec![Check::failed(CheckId::Format, e.to_string())];
            checks.extend(CheckId::ALL[1..].iter().map(|id| Check::skipped(*id, "not a readable JWT")));
            return Report::from_checks(checks);
        }
    };
    if ob2::is_ob2(&jwt.claims) {
        return ob2::verify_signed(&jwt, ctx);
    }
    let credential = jwt.credential();
    let mut format = check_format(&credential);
    if format.outcome == Outcome::Passed {
        format.message = format!("{}, as a JWT", format.message);
    }
    let [proof, key, binding] = jwt::check(&jwt, &credential, ctx);
    let dates = jwt::time_claims(&jwt, ctx.now).unwrap_or_else(|| dates::check(&credential, ctx.now));
    let mut checks = vec![format, proof, key, binding, dates];
    checks.extend(later_checks(&credential, ctx, "the credential is signed, not hosted"));
    Report::from_checks(checks)
}

/// Status, recipient, schema, and the hosted check that does not apply to signed credentials.
fn later_checks(doc: &Value, ctx: &VerifyContext<'_>, hosted_note: &str) -> [Check; 4] {
    let status = status::check(doc, ctx);
    let recipient = recipient::check(doc, ctx.identities);
    let hosted = Check::skipped(CheckId::Hosted, hosted_note.to_string());
    let schema = schema::check(doc, ctx.fetcher);
    [status, recipient, hosted, schema]
}

/// The `format` check: the shape of a W3C Verifiable Credential.
fn check_format(doc: &Value) -> Check {
    let id = CheckId::Format;
    let Value::Object(map) = doc else {
        return Check::failed(id, "the credential is not a JSON object");
    };
    let contexts: Vec<&str> = match map.get("@context") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => return Check::failed(id, "the credential has no @context"),
    };
    let version = match contexts.first() {
        Some(&CREDENTIALS_V2) => "2.0",
        Some(&CREDENTIALS_V1) => "1.1",
        _ => return Check::failed(id, "the first @context is not the W3C Verifiable Credentials context"),
    };
    let types: Vec<&str> = match map.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.contains(&"VerifiableCredential") {
        return Check::failed(id, "the type does not include VerifiableCredential");
    }
    if proof::issuer_id(doc).is_none() {
        return Check::failed(id, "the credential names no issuer");
    }
    if map.get("credentialSubject").is_none() {
        return Check::failed(id, "the credential has no credentialSubject");
    }
    let kind = types.iter().find(|t| **t != "VerifiableCredential").copied().unwrap_or("VerifiableCredential");
    Check::passed(id, format!("a W3C Verifiable Credential {version} ({kind})"))
}
