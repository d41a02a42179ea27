//! Open Badges 2.0 assertions with hosted verification: the issuer's server vouches for the
//! badge by serving it at its `id`.
//!
//! The hosted copy is fetched and must match the one the learner holds (a copy the issuer
//! withdrew, answers 410 Gone for, or marks `revoked` fails); the badge class and issuer
//! profile are fetched, and the assertion must be hosted where the issuer says its badges live
//! (its `verification.startsWith` / `allowedOrigins`, or the issuer profile's own origin).
//! Signed 2.0 badges (JWS) are not checked yet.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::report::{Check, CheckId, Report};
use super::{VerifyContext, recipient};

const OB2_CONTEXTS: [&str; 2] = ["https://w3id.org/openbadges/v2", "https://openbadgespec.org/v2/context.json"];

/// True when the document looks like an Open Badges 2.0 assertion.
pub fn is_ob2(doc: &Value) -> bool {
    let context_ok = match doc.get("@context") {
        Some(Value::String(c)) => OB2_CONTEXTS.contains(&c.as_str()),
        Some(Value::Array(list)) => list.iter().any(|c| c.as_str().is_some_and(|c| OB2_CONTEXTS.contains(&c))),
        _ => false,
    };
    context_ok && type_has(doc, "Assertion")
}

fn type_has(doc: &Value, wanted: &str) -> bool {
    match doc.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(list)) => list.iter().any(|t| t.as_str() == Some(wanted)),
        _ => false,
    }
}

fn origin(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization())
}

/// Fetches a JSON document, or says why not (and whether that means it is gone).
fn fetch(url: &str, ctx: &VerifyContext<'_>) -> Result<Value, (bool, String)> {
    match ctx.fetcher.fetch(url) {
        Ok(f) => serde_json::from_slice(&f.body).map_err(|_| (false, format!("{url} does not answer with JSON"))),
        Err(crate::net::FetchError::Status { status, .. }) if status == 404 || status == 410 => {
            Err((true, format!("{url} answers {status}: the issuer no longer hosts it")))
        }
        Err(e) => Err((false, e.to_string())),
    }
}

/// Resolves a property that may be embedded or a URL (badge, issuer).
fn linked(value: Option<&Value>, what: &str, ctx: &VerifyContext<'_>) -> Result<Value, String> {
    match value {
        Some(Value::String(url)) => fetch(url, ctx).map_err(|(_, why)| format!("the {what} could not be read: {why}")),
        Some(obj @ Value::Object(_)) => Ok(obj.clone()),
        _ => Err(format!("the badge names no {what}")),
    }
}

fn date(doc: &Value, field: &str) -> Option<Result<DateTime<Utc>, String>> {
    let text = doc.get(field)?.as_str()?;
    Some(
        DateTime::parse_from_rfc3339(text)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| format!("{field} \"{text}\" is not a valid date and time")),
    )
}

/// Verifies an Open Badges 2.0 assertion.
pub(crate) fn verify(doc: &Value, ctx: &VerifyContext<'_>) -> Report {
    let skip = |id: CheckId, why: &str| Check::skipped(id, why.to_string());
    let id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    let kind = doc.pointer("/verification/type").and_then(Value::as_str).unwrap_or_default();
    let hosted_kind = matches!(kind, "hosted" | "HostedBadge");
    let signed_kind = matches!(kind, "signed" | "SignedBadge");
    let format = if id.is_empty() {
        Check::failed(CheckId::Format, "the Open Badges 2.0 assertion has no id")
    } else if !hosted_kind && !signed_kind {
        Check::failed(CheckId::Format, "the Open Badges 2.0 assertion names no verification type (hosted or signed)")
    } else {
        Check::passed(CheckId::Format, format!("an Open Badges 2.0 assertion ({kind} verification)"))
    };
    let dates = {
        let mut check = Check::skipped(CheckId::Dates, "the badge names no dates");
        for (field, must_be_past) in [("issuedOn", true), ("expires", false)] {
            match date(doc, field) {
                None => {}
                Some(Err(e)) => {
                    check = Check::failed(CheckId::Dates, e);
                    break;
                }
                Some(Ok(d)) if must_be_past && d > ctx.now => {
                    check = Check::failed(CheckId::Dates, format!("the badge is issued in the future ({field} {d})"));
                    break;
                }
                Some(Ok(d)) if !must_be_past && d <= ctx.now => {
                    check = Check::failed(CheckId::Dates, format!("the badge expired on {}", d.format("%Y-%m-%d")));
                    break;
                }
                Some(Ok(_)) => check = Check::passed(CheckId::Dates, "issued in the past and not expired"),
            }
        }
        check
    };
    let recipient = recipient::check_ob2(doc.get("recipient"), ctx.identities);
    if !hosted_kind {
        let mut checks = vec![format];
        let why = "signed Open Badges 2.0 badges are not checked yet";
        checks.push(Check::unverifiable(CheckId::Proof, why));
        checks.push(skip(CheckId::Key, why));
        checks.push(skip(CheckId::IssuerBinding, why));
        checks.extend([dates, skip(CheckId::Status, why), recipient, skip(CheckId::Hosted, "the badge is signed, not hosted"), skip(CheckId::Schema, "Open Badges 2.0 names no schema")]);
        return Report::from_checks(checks);
    }

    // Hosted: the issuer's copy must exist and match.
    let hosted = match fetch(id, ctx) {
        Ok(copy) if copy.get("revoked").and_then(Value::as_bool) == Some(true) => {
            let reason = copy.get("revocationReason").and_then(Value::as_str).unwrap_or("no reason given");
            Check::failed(CheckId::Hosted, format!("the issuer has revoked the badge ({reason})"))
        }
        Ok(copy) if copy == *doc => Check::passed(CheckId::Hosted, format!("the issuer hosts this very badge at {id}")),
        Ok(_) => Check::failed(CheckId::Hosted, format!("the badge hosted at {id} differs from this copy")),
        Err((true, why)) => Check::failed(CheckId::Hosted, why),
        Err((false, why)) => Check::unverifiable(CheckId::Hosted, format!("the hosted copy could not be read: {why}")),
    };
    // The issuer: the assertion must live where the issuer's badges live.
    let binding = match linked(doc.get("badge"), "badge class", ctx)
        .and_then(|badge| linked(badge.get("issuer"), "issuer profile", ctx))
    {
        Err(why) => Check::unverifiable(CheckId::IssuerBinding, why),
        Ok(issuer) => {
            let issuer_id = issuer.get("id").and_then(Value::as_str).unwrap_or_default();
            let starts: Vec<&str> = match issuer.pointer("/verification/startsWith") {
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let origins: Vec<&str> = match issuer.pointer("/verification/allowedOrigins") {
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let host = url::Url::parse(id).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
            let allowed = if !starts.is_empty() {
                starts.iter().any(|p| id.starts_with(p))
            } else if !origins.is_empty() {
                origins.iter().any(|o| *o == host)
            } else {
                origin(id).is_some() && origin(id) == origin(issuer_id)
            };
            if allowed {
                Check::passed(CheckId::IssuerBinding, format!("the badge is hosted where the issuer {issuer_id} hosts its badges"))
            } else {
                Check::failed(CheckId::IssuerBinding, format!("the badge is hosted at {id}, which the issuer {issuer_id} does not name as its own"))
            }
        }
    };
    let why = "a hosted badge has no signature: the issuer's server vouches for it";
    Report::from_checks(vec![
        format,
        skip(CheckId::Proof, why),
        skip(CheckId::Key, why),
        binding,
        dates,
        skip(CheckId::Status, "a hosted badge is revoked by its hosted copy (see hosted)"),
        recipient,
        hosted,
        skip(CheckId::Schema, "Open Badges 2.0 names no schema"),
    ])
}
