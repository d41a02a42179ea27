//! The `proof`, `key` and `issuer-binding` checks of an embedded (Data Integrity style) proof:
//! which suite, which key, whether the signature holds, and whether the key is the issuer's.
//!
//! Every proof of a proof set is checked; the checks report the worst outcome among them.

mod data_integrity;

use serde_json::Value;

use super::did::{self, KeySource, ResolvedMethod};
use super::report::{Check, CheckId, Outcome};
use super::{VerifyContext, VerifyError};

pub use data_integrity::{Intermediates, Suite, intermediates};

/// The three checks an embedded proof answers.
pub(crate) struct ProofChecks {
    pub proof: Check,
    pub key: Check,
    pub binding: Check,
}

/// Checks every proof of a JSON-LD credential.
pub(crate) fn check(doc: &Value, ctx: &VerifyContext<'_>) -> ProofChecks {
    let proofs: Vec<&Value> = match doc.get("proof") {
        None | Some(Value::Null) => {
            return ProofChecks {
                proof: Check::unverifiable(
                    CheckId::Proof,
                    "the credential carries no proof, so nothing shows who issued it or that it is unchanged",
                ),
                key: Check::skipped(CheckId::Key, "no proof, so no key to resolve"),
                binding: Check::skipped(CheckId::IssuerBinding, "no proof, so no key to bind to the issuer"),
            };
        }
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
    };
    if proofs.is_empty() {
        return check(&Value::Null, ctx);
    }
    let issuer = issuer_id(doc);
    let all: Vec<Value> = proofs.iter().map(|p| (*p).clone()).collect();
    let results: Vec<ProofChecks> = proofs.iter().map(|p| check_one(doc, p, &all, issuer.as_deref(), ctx)).collect();
    if results.len() == 1 {
        return results.into_iter().next().unwrap_or_else(|| check(&Value::Null, ctx));
    }
    // Every signature must hold; the issuer must have made at least one of them (the others
    // may be other parties': witnesses, endorsers).
    let merge = |id: CheckId, pick: fn(&ProofChecks) -> &Check| -> Check {
        let checks: Vec<&Check> = results.iter().map(pick).collect();
        let outcome = if id == CheckId::IssuerBinding && checks.iter().any(|c| c.outcome == Outcome::Passed) {
            Outcome::Passed
        } else {
            worst(checks.iter().map(|c| c.outcome))
        };
        let message = checks
            .iter()
            .enumerate()
            .map(|(i, c)| format!("proof {}: {}", i + 1, c.message))
            .collect::<Vec<_>>()
            .join("; ");
        Check::new(id, outcome, message)
    };
    ProofChecks {
        proof: merge(CheckId::Proof, |r| &r.proof),
        key: merge(CheckId::Key, |r| &r.key),
        binding: merge(CheckId::IssuerBinding, |r| &r.binding),
    }
}

fn worst(outcomes: impl Iterator<Item = Outcome>) -> Outcome {
    let rank = |o: Outcome| match o {
        Outcome::Failed => 3,
        Outcome::Unverifiable => 2,
        Outcome::Passed => 1,
        Outcome::Skipped => 0,
    };
    outcomes.max_by_key(|o| rank(*o)).unwrap_or(Outcome::Skipped)
}

/// The issuer's id: `issuer` as a string, or its `id`.
pub(crate) fn issuer_id(doc: &Value) -> Option<String> {
    match doc.get("issuer")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

fn from_error(id: CheckId, e: &VerifyError) -> Check {
    Check::new(id, e.outcome(), e.to_string())
}

fn check_one(doc: &Value, proof: &Value, all: &[Value], issuer: Option<&str>, ctx: &VerifyContext<'_>) -> ProofChecks {
    let skipped_key = |why: &str| Check::skipped(CheckId::Key, why.to_string());
    let skipped_binding = |why: &str| Check::skipped(CheckId::IssuerBinding, why.to_string());
    let suite = match Suite::of(proof) {
        Ok(s) => s,
        Err(e) => {
            return ProofChecks {
                proof: from_error(CheckId::Proof, &e),
                key: skipped_key("the proof could not be read, so its key was not resolved"),
                binding: skipped_binding("the proof could not be read"),
            };
        }
    };
    let Some(method_id) = proof.get("verificationMethod").and_then(Value::as_str) else {
        let e = VerifyError::MalformedProof { reason: "it names no verificationMethod".into() };
        return ProofChecks {
            proof: from_error(CheckId::Proof, &e),
            key: skipped_key("the proof names no key"),
            binding: skipped_binding("the proof names no key"),
        };
    };
    let method = match did::resolve(method_id, ctx.fetcher) {
        Ok(m) => m,
        Err(e) => {
            let key = from_error(CheckId::Key, &e);
            let proof = Check::new(
                CheckId::Proof,
                if key.outcome == Outcome::Failed { Outcome::Failed } else { Outcome::Unverifiable },
                format!("the {} signature could not be checked: {e}", suite.name()),
            );
            return ProofChecks { proof, key, binding: skipped_binding("the key could not be resolved") };
        }
    };
    let key = Check::passed(CheckId::Key, key_message(&method));
    let verified = data_integrity::previous_proofs(proof, all)
        .and_then(|previous| data_integrity::verify(doc, proof, suite, previous.as_deref(), &method.key));
    let proof_check = match verified {
        Ok(note) => Check::passed(CheckId::Proof, format!("the {} signature is correct{note}", suite.name())),
        Err(e) => from_error(CheckId::Proof, &e),
    };
    let purpose = proof.get("proofPurpose").and_then(Value::as_str).unwrap_or_default();
    let binding = binding(&method, purpose, issuer, ctx);
    ProofChecks { proof: proof_check, key, binding }
}

fn key_message(m: &ResolvedMethod) -> String {
    match &m.source {
        KeySource::DidKey => format!("the {} key is written in the DID {} itself", m.key.kind(), m.id),
        KeySource::Document { url } => format!("the {} key {} was read from {url}", m.key.kind(), m.id),
        KeySource::Credential { .. } => {
            format!("the {} key was read from the credential itself ({})", m.key.kind(), m.id)
        }
    }
}

/// The `issuer-binding` check: the key's controller is the issuer, and the issuer's document
/// lists the key under the purpose the proof claims.
pub(crate) fn binding(m: &ResolvedMethod, purpose: &str, issuer: Option<&str>, ctx: &VerifyContext<'_>) -> Check {
    let id = CheckId::IssuerBinding;
    if purpose != "assertionMethod" {
        return Check::failed(
            id,
            format!("the proof was made for \"{purpose}\", but a credential must be signed for assertionMethod"),
        );
    }
    if let KeySource::Credential { why } = &m.source {
        return Check::unverifiable(
            id,
            format!("{why}; such a key shows the credential is unchanged, not who issued it"),
        );
    }
    let Some(issuer) = issuer else {
        return Check::failed(id, "the credential names no issuer");
    };
    if m.controller.as_deref() == Some(issuer) {
        return if m.listed_under(purpose) {
            Check::passed(id, format!("the key belongs to the issuer {issuer}, who lists it for {purpose}"))
        } else {
            Check::failed(id, format!("the issuer {issuer} does not list the key {} for {purpose}", m.id))
        };
    }
    // The key is someone else's: the issuer's own document must list it.
    let owner = m.controller.clone().unwrap_or_else(|| "an unknown controller".into());
    if issuer.starts_with("did:key:") {
        return Check::failed(id, format!("the key belongs to {owner}, not to the issuer {issuer}"));
    }
    let issuer_doc = if issuer.starts_with("did:web:") {
        did::did_web_url(issuer).ok()
    } else if issuer.starts_with("https://") {
        Some(issuer.to_string())
    } else {
        None
    };
    let Some(url) = issuer_doc else {
        return Check::unverifiable(
            id,
            format!("the key belongs to {owner}; whether the issuer {issuer} uses it cannot be looked up"),
        );
    };
    match ctx.fetcher.fetch(&url) {
        Ok(fetched) => {
            let doc: Option<Value> = serde_json::from_slice(&fetched.body).ok();
            let lists = doc.is_some_and(|doc| {
                let probe = ResolvedMethod { document: Some(doc), ..m.clone() };
                probe.listed_under(purpose)
            });
            if lists {
                Check::passed(id, format!("the issuer's document {url} lists the key {} for {purpose}", m.id))
            } else {
                Check::failed(
                    id,
                    format!(
                        "the key belongs to {owner}, and the issuer's document {url} does not list it for {purpose}"
                    ),
                )
            }
        }
        Err(e) if e.is_unreachable() => Check::unverifiable(
            id,
            format!(
                "the key belongs to {owner}; the issuer's document could not be read to see whether {issuer} uses it ({e})"
            ),
        ),
        Err(e) => Check::unverifiable(
            id,
            format!("the key belongs to {owner}; the issuer's document could not be read ({e})"),
        ),
    }
}
