//! Checking a presentation someone shows: its shape, the holder's proof (the key is the
//! holder's, listed for authentication, and the signature holds), the verifier's challenge and
//! domain, that each credential is about the holder where it names its subject, and each
//! credential itself through the verification engine ([`crate::verify`]).
//!
//! The result uses the engine's two kinds of "no": a check that ran and failed makes the
//! presentation `invalid`; one that could not run makes it `unverifiable`.

use serde::Serialize;
use serde_json::Value;

use super::{OB2_JWS_DATA, VC_JWT_DATA};
use crate::verify::did::{self, PublicKey};
use crate::verify::jwt::Jwt;
use crate::verify::proof::{Suite, intermediates};
use crate::verify::{Check, CheckId, Outcome, Report, Verdict, VerifyContext, verify_json, verify_jwt};

/// What the verifier expects: the challenge and domain they gave the learner.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    pub challenge: Option<String>,
    pub domain: Option<String>,
}

/// The checks made on the presentation itself, and the holder check made on each credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PresentationCheckId {
    /// The document has the shape of a VCDM 2.0 Verifiable Presentation.
    Format,
    /// The holder's signature holds, with the holder's key, made for authentication.
    Proof,
    /// The proof answers the verifier's challenge (no replay).
    Challenge,
    /// The proof was made for the verifier's domain.
    Domain,
    /// The credential is about the holder.
    Holder,
}

/// One check's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresentationCheck {
    pub id: PresentationCheckId,
    pub outcome: Outcome,
    pub message: String,
}

fn pc(id: PresentationCheckId, outcome: Outcome, message: impl Into<String>) -> PresentationCheck {
    PresentationCheck { id, outcome, message: message.into() }
}

/// How a credential is carried in the presentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    Embedded,
    Enveloped,
    Ob2Hosted,
    Ob2Signed,
    Unknown,
}

/// The verdict on one credential of the presentation.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialReport {
    /// 1-based position in `verifiableCredential`.
    pub index: usize,
    pub kind: EntryKind,
    /// The credential's own id, where it states one.
    pub id: Option<String>,
    pub name: Option<String>,
    pub issuer: Option<String>,
    /// Whether the credential is about the presenter.
    pub holder: PresentationCheck,
    /// The engine's report on the credential.
    pub report: Report,
    /// The credential's result: the engine's, made worse by the holder check.
    pub result: Verdict,
}

/// The verdict on a presentation.
#[derive(Debug, Clone, Serialize)]
pub struct PresentationReport {
    pub result: Verdict,
    /// The holder DID the presentation names.
    pub holder: Option<String>,
    pub checks: Vec<PresentationCheck>,
    pub credentials: Vec<CredentialReport>,
}

fn verdict(outcomes: impl IntoIterator<Item = Outcome>) -> Verdict {
    let all: Vec<Outcome> = outcomes.into_iter().collect();
    if all.contains(&Outcome::Failed) {
        Verdict::Invalid
    } else if all.contains(&Outcome::Unverifiable) || !all.contains(&Outcome::Passed) {
        Verdict::Unverifiable
    } else {
        Verdict::Verified
    }
}

fn as_outcome(v: Verdict) -> Outcome {
    match v {
        Verdict::Verified => Outcome::Passed,
        Verdict::Invalid => Outcome::Failed,
        Verdict::Unverifiable => Outcome::Unverifiable,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => vec![],
    }
}

/// Checks a presentation. `ctx` is the engine's context (time, network, identities) for the
/// credentials; the holder's key is resolved through the same fetcher (a `did:key` needs none).
pub fn verify_presentation(vp: &Value, ctx: &VerifyContext<'_>, expect: &Expectations) -> PresentationReport {
    use PresentationCheckId as Id;
    let holder = vp.get("holder").and_then(|h| match h {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    });
    let format = check_format(vp, holder.as_deref());
    if format.outcome == Outcome::Failed {
        let checks = vec![
            format,
            pc(Id::Proof, Outcome::Skipped, "not a presentation"),
            pc(Id::Challenge, Outcome::Skipped, "not a presentation"),
            pc(Id::Domain, Outcome::Skipped, "not a presentation"),
        ];
        return PresentationReport { result: Verdict::Invalid, holder, checks, credentials: vec![] };
    }
    let proof = vp.get("proof").cloned().unwrap_or(Value::Null);
    let checks = vec![
        format,
        check_proof(vp, &proof, holder.as_deref(), ctx),
        check_challenge(&proof, expect.challenge.as_deref()),
        check_domain(&proof, expect.domain.as_deref()),
    ];
    let entries = match vp.get("verifiableCredential") {
        Some(Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
        None => vec![],
    };
    let credentials: Vec<CredentialReport> =
        entries.iter().enumerate().map(|(i, entry)| check_entry(i + 1, entry, holder.as_deref(), ctx)).collect();
    let result = verdict(checks.iter().map(|c| c.outcome).chain(credentials.iter().map(|c| as_outcome(c.result))));
    PresentationReport { result, holder, checks, credentials }
}

fn check_format(vp: &Value, holder: Option<&str>) -> PresentationCheck {
    let id = PresentationCheckId::Format;
    if !vp.is_object() {
        return pc(id, Outcome::Failed, "the presentation is not a JSON object");
    }
    let contexts = strings(vp.get("@context"));
    if contexts.first().map(String::as_str) != Some(super::CREDENTIALS_V2) {
        return pc(id, Outcome::Failed, "the first @context is not the W3C Verifiable Credentials 2.0 context");
    }
    if !strings(vp.get("type")).iter().any(|t| t == "VerifiablePresentation") {
        return pc(id, Outcome::Failed, "the type does not include VerifiablePresentation");
    }
    let Some(holder) = holder else {
        return pc(id, Outcome::Failed, "the presentation names no holder");
    };
    let count = match vp.get("verifiableCredential") {
        Some(Value::Array(a)) => a.len(),
        Some(Value::Null) | None => 0,
        Some(_) => 1,
    };
    if count == 0 {
        return pc(id, Outcome::Failed, "the presentation holds no credential");
    }
    pc(id, Outcome::Passed, format!("a Verifiable Presentation 2.0 by {holder} holding {count} credential(s)"))
}

fn check_proof(vp: &Value, proof: &Value, holder: Option<&str>, ctx: &VerifyContext<'_>) -> PresentationCheck {
    let id = PresentationCheckId::Proof;
    let from = |e: crate::verify::VerifyError| pc(id, e.outcome(), e.to_string());
    let Value::Object(p) = proof else {
        return pc(
            id,
            Outcome::Failed,
            match proof {
                Value::Null => {
                    "the presentation carries no proof, so nothing shows who presents it or that it is unchanged"
                }
                _ => "the presentation must carry exactly one proof, by its holder",
            },
        );
    };
    let purpose = p.get("proofPurpose").and_then(Value::as_str).unwrap_or_default();
    if purpose != "authentication" {
        return pc(
            id,
            Outcome::Failed,
            format!("the proof was made for \"{purpose}\", but a presentation must be signed for authentication"),
        );
    }
    let suite = match Suite::of(proof) {
        Ok(s) => s,
        Err(e) => return from(e),
    };
    let Some(method_id) = p.get("verificationMethod").and_then(Value::as_str) else {
        return pc(id, Outcome::Failed, "the proof names no verificationMethod");
    };
    let method = match did::resolve(method_id, ctx.fetcher) {
        Ok(m) => m,
        Err(e) => return from(e),
    };
    let holder = holder.unwrap_or_default();
    if method.controller.as_deref() != Some(holder) {
        return pc(
            id,
            Outcome::Failed,
            format!(
                "the presentation is signed with a key of {}, not of its holder {holder}",
                method.controller.as_deref().unwrap_or("an unknown controller")
            ),
        );
    }
    if !method.listed_under("authentication") {
        return pc(
            id,
            Outcome::Failed,
            format!("the holder {holder} does not list the key {} for authentication", method.id),
        );
    }
    let values = match intermediates(vp) {
        Ok(v) => v,
        Err(e) => return from(e),
    };
    let holds = match &method.key {
        PublicKey::Ed25519(k) => ed25519_dalek::Signature::from_slice(&values.signature)
            .is_ok_and(|sig| k.verify_strict(&values.signed_bytes, &sig).is_ok()),
        PublicKey::P256(k) => {
            use p256::ecdsa::signature::Verifier as _;
            p256::ecdsa::Signature::from_slice(&values.signature)
                .is_ok_and(|sig| k.verify(&values.signed_bytes, &sig).is_ok())
        }
        PublicKey::Rsa(_) => false,
    };
    if !holds {
        return from(crate::verify::VerifyError::BadSignature);
    }
    let created = p.get("created").and_then(Value::as_str).map(|c| format!(" on {c}")).unwrap_or_default();
    pc(id, Outcome::Passed, format!("the holder {holder} signed it ({}){created}", suite.name()))
}

fn check_challenge(proof: &Value, expected: Option<&str>) -> PresentationCheck {
    let id = PresentationCheckId::Challenge;
    let given = proof.get("challenge").and_then(Value::as_str);
    match (expected, given) {
        (Some(e), Some(g)) if e == g => pc(id, Outcome::Passed, format!("the proof answers the challenge {e}")),
        (Some(e), Some(g)) => pc(
            id,
            Outcome::Failed,
            format!("the proof answers the challenge {g}, not {e}: it was made for someone else, or is replayed"),
        ),
        (Some(e), None) => pc(
            id,
            Outcome::Failed,
            format!("the proof answers no challenge, but {e} was asked for: it may be replayed"),
        ),
        (None, Some(g)) => pc(
            id,
            Outcome::Skipped,
            format!("the proof answers the challenge {g}; no challenge was given to compare it with"),
        ),
        (None, None) => {
            pc(id, Outcome::Skipped, "no challenge was asked for or answered, so a replay cannot be told apart")
        }
    }
}

fn check_domain(proof: &Value, expected: Option<&str>) -> PresentationCheck {
    let id = PresentationCheckId::Domain;
    let given = strings(proof.get("domain"));
    match expected {
        Some(e) if given.iter().any(|g| g == e) => pc(id, Outcome::Passed, format!("the proof was made for {e}")),
        Some(e) if given.is_empty() => {
            pc(id, Outcome::Failed, format!("the proof names no domain, but it must be made for {e}"))
        }
        Some(e) => pc(id, Outcome::Failed, format!("the proof was made for {}, not for {e}", given.join(", "))),
        None if given.is_empty() => pc(id, Outcome::Skipped, "no domain was asked for or named"),
        None => pc(
            id,
            Outcome::Skipped,
            format!("the proof was made for {}; no domain was given to compare it with", given.join(", ")),
        ),
    }
}

/// A report for a credential the engine could not be run on.
fn not_checked(outcome: Outcome, message: String) -> Report {
    let mut checks = vec![Check::new(CheckId::Format, outcome, message)];
    checks.extend(CheckId::ALL[1..].iter().map(|id| Check::skipped(*id, "the credential could not be read")));
    Report::from_checks(checks)
}

/// In the learner's own wallet an Open Badges 2.0 badge whose hosted copy differs is judged by
/// that copy (the issuer's, which OB 2.0 makes authoritative). Presented to someone else, the
/// copy shown is the holder's, so a difference from the issuer's fails: a verifier must never
/// see "verified" above content the issuer does not host.
fn presented_as_hosted(report: Report) -> Report {
    let differs = crate::verify::ob2::judged_by_hosted_copy;
    if !report.checks.iter().any(differs) {
        return report;
    }
    let checks = report
        .checks
        .into_iter()
        .map(|c| {
            if differs(&c) {
                let detail = c.message.split("; ").next().unwrap_or_default().to_string();
                Check::failed(CheckId::Hosted, format!("the presented copy is not the one the issuer hosts: {detail}"))
            } else {
                c
            }
        })
        .collect();
    Report::from_checks(checks)
}

fn check_entry(index: usize, entry: &Value, holder: Option<&str>, ctx: &VerifyContext<'_>) -> CredentialReport {
    let (kind, credential, report) = match entry {
        Value::Object(o) if strings(o.get("type")).iter().any(|t| t == "EnvelopedVerifiableCredential") => {
            let data = o.get("id").and_then(Value::as_str).unwrap_or_default();
            match data.strip_prefix(VC_JWT_DATA) {
                Some(jwt) => {
                    let credential = Jwt::decode(jwt).ok().map(|j| j.credential());
                    (EntryKind::Enveloped, credential, verify_jwt(jwt, ctx))
                }
                None => (
                    EntryKind::Unknown,
                    None,
                    not_checked(
                        Outcome::Unverifiable,
                        "an enveloped credential of a kind other than data:application/vc+jwt is not supported".into(),
                    ),
                ),
            }
        }
        Value::Object(_) => (EntryKind::Embedded, Some(entry.clone()), verify_json(entry, ctx)),
        Value::String(s) if s.starts_with(OB2_JWS_DATA) => {
            let jws = &s[OB2_JWS_DATA.len()..];
            match Jwt::decode(jws) {
                // The whole JWS, as `stapel verify` checks a signed badge file: its signature,
                // the issuer's key and revocation list (the bare claims carry no signature).
                Ok(j) => (EntryKind::Ob2Signed, Some(j.claims.clone()), verify_jwt(jws, ctx)),
                Err(e) => (
                    EntryKind::Ob2Signed,
                    None,
                    not_checked(Outcome::Failed, format!("the signed badge is unreadable: {e}")),
                ),
            }
        }
        Value::String(url) if url.starts_with("https://") || url.starts_with("http://") => match ctx.fetcher.fetch(url)
        {
            Ok(fetched) => match serde_json::from_slice::<Value>(&fetched.body) {
                Ok(doc) => (EntryKind::Ob2Hosted, Some(doc.clone()), verify_json(&doc, ctx)),
                Err(_) => (
                    EntryKind::Ob2Hosted,
                    None,
                    not_checked(Outcome::Failed, format!("the hosted badge {url} does not answer with JSON")),
                ),
            },
            Err(e) => (
                EntryKind::Ob2Hosted,
                None,
                not_checked(
                    if e.is_unreachable() { Outcome::Unverifiable } else { Outcome::Failed },
                    format!("the hosted badge could not be read: {e}"),
                ),
            ),
        },
        _ => (
            EntryKind::Unknown,
            None,
            not_checked(Outcome::Failed, "the entry is neither a credential nor a link to one".into()),
        ),
    };
    let report = presented_as_hosted(report);
    let holder_check = check_subject(kind, credential.as_ref(), holder);
    let doc = credential.unwrap_or(Value::Null);
    let name = doc
        .get("name")
        .and_then(Value::as_str)
        .or_else(|| doc.pointer("/credentialSubject/achievement/name").and_then(Value::as_str))
        .or_else(|| doc.pointer("/badge/name").and_then(Value::as_str))
        .map(str::to_string);
    let issuer = match doc.get("issuer") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("name").or_else(|| o.get("id")).and_then(Value::as_str).map(str::to_string),
        _ => doc.pointer("/badge/issuer/name").and_then(Value::as_str).map(str::to_string),
    };
    let result = verdict([as_outcome(report.result), holder_check.outcome, Outcome::Passed]);
    CredentialReport {
        index,
        kind,
        id: doc.get("id").and_then(Value::as_str).map(str::to_string),
        name,
        issuer,
        holder: holder_check,
        report,
        result,
    }
}

/// Whether the credential is about the presenter: its subject's `id` is the holder DID.
fn check_subject(kind: EntryKind, credential: Option<&Value>, holder: Option<&str>) -> PresentationCheck {
    let id = PresentationCheckId::Holder;
    let Some(doc) = credential else {
        return pc(id, Outcome::Skipped, "the credential could not be read, so its subject is not known");
    };
    if matches!(kind, EntryKind::Ob2Hosted | EntryKind::Ob2Signed) {
        return pc(
            id,
            Outcome::Skipped,
            "an Open Badges 2.0 badge names its recipient by email or URL, which a holder key cannot show",
        );
    }
    let subjects: Vec<&Value> = match doc.get("credentialSubject") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => vec![],
    };
    let ids: Vec<&str> = subjects.iter().filter_map(|s| s.get("id").and_then(Value::as_str)).collect();
    let holder = holder.unwrap_or_default();
    if ids.contains(&holder) {
        return pc(id, Outcome::Passed, format!("the credential is about the holder {holder}"));
    }
    if ids.is_empty() {
        return pc(
            id,
            Outcome::Skipped,
            "the credential does not name its subject by an id, so it cannot be tied to the holder's key",
        );
    }
    pc(
        id,
        Outcome::Unverifiable,
        format!(
            "the credential is about {}, not the holder {holder}: nothing here shows the person presenting it is that subject",
            ids.join(", ")
        ),
    )
}
