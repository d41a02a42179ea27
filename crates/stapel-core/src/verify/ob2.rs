//! Open Badges 2.0 assertions with hosted verification: the issuer's server vouches for the
//! badge by serving it at its `id`.
//!
//! The hosted copy is fetched and must match the one the learner holds (a copy the issuer
//! withdrew, answers 410 Gone for, or marks `revoked` fails); the badge class and issuer
//! profile are fetched, and the assertion must be hosted where the issuer says its badges live
//! (its `verification.startsWith` / `allowedOrigins`, or the issuer profile's own origin).
//!
//! Signed 2.0 badges are a compact JWS whose payload is the assertion. The signature is checked
//! with the key the assertion's `verification.creator` names (a CryptographicKey document with
//! a `publicKeyPem`, RS256 as the specification says; ES256 or EdDSA only when the key is of
//! that kind). The key must be the issuer's: its `owner` is the issuer profile, and the profile
//! lists it under `publicKey`. The issuer's `revocationList` decides the status check.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::did::{self, PublicKey};
use super::jwt::Jwt;
use super::report::{Check, CheckId, Outcome, Report};
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

/// Whether a JSON object is an Open Badges assertion from before 2.0 (0.5, 1.0, 1.1): it names
/// a badge and a recipient (or a 1.0 `uid`) and is neither a 2.0 assertion nor a VC.
pub fn is_legacy(doc: &Value) -> bool {
    let Some(o) = doc.as_object() else { return false };
    let vc = match o.get("@context") {
        Some(Value::String(c)) => c.contains("/credentials/"),
        Some(Value::Array(list)) => list.first().and_then(Value::as_str).is_some_and(|c| c.contains("/credentials/")),
        _ => false,
    };
    !vc && !is_ob2(doc) && o.contains_key("badge") && (o.contains_key("recipient") || o.contains_key("uid"))
}

/// The report for an assertion from before 2.0: not checked, and said so, never invalid.
pub(crate) fn verify_legacy() -> Report {
    let why = "an Open Badges assertion from before 2.0 (0.5, 1.0 or 1.1): Stapel does not check these yet; it is kept as it came";
    let mut checks = vec![Check::unverifiable(CheckId::Format, why)];
    checks.extend(CheckId::ALL[1..].iter().map(|id| Check::skipped(*id, "an assertion from before Open Badges 2.0")));
    Report::from_checks(checks)
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
        // 410 Gone is how a hosted badge is withdrawn (OB 2.0 §Hosted verification); a 404 may
        // be a record deleted under a retention rule or a server rebuilt, so it is no verdict.
        Err(crate::net::FetchError::Status { status: 410, .. }) => {
            Err((true, format!("{url} answers 410 Gone: the issuer has withdrawn the badge")))
        }
        Err(crate::net::FetchError::Status { status: 404, .. }) => {
            Err((false, format!("{url} answers 404: the issuer's server no longer has it")))
        }
        Err(e) => Err((false, e.to_string())),
    }
}

/// How the hosted check begins when the issuer's copy differs from the learner's.
const HOSTED_DIFFERS: &str = "the issuer's copy of the badge";

/// Whether a check is the hosted check of a badge judged by its issuer's copy because that
/// differs from the one checked (the wallet keeps that copy; a presentation fails on it).
pub fn judged_by_hosted_copy(check: &Check) -> bool {
    check.id == CheckId::Hosted && check.outcome == Outcome::Passed && check.message.starts_with(HOSTED_DIFFERS)
}

/// The top-level members in which two copies of an assertion differ, in name order.
fn differences(mine: &Value, theirs: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (a, b) = (mine.as_object().unwrap_or(&empty), theirs.as_object().unwrap_or(&empty));
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| a.get(*k) != b.get(*k)).map(|k| format!("`{k}`")).collect()
}

/// The assertion's verification object: `verification` (2.0), or `verify` (1.1, still used by
/// the 2.0 specification's signed example).
fn verification(doc: &Value) -> Option<&Value> {
    doc.get("verification").or_else(|| doc.get("verify"))
}

/// The ids a property lists: a string, an object with `id`, or an array of those.
fn ids(value: Option<&Value>) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    };
    match value {
        Some(Value::Array(list)) => list.iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => vec![],
    }
}

/// The issuer profile of an assertion, through its badge class (each embedded or fetched).
fn issuer_profile(doc: &Value, ctx: &VerifyContext<'_>) -> Result<Value, String> {
    linked(doc.get("badge"), "badge class", ctx).and_then(|badge| linked(badge.get("issuer"), "issuer profile", ctx))
}

/// The `status` check of a signed badge: the issuer's `revocationList` (an Open Badges 2.0
/// RevocationList) must not list the assertion, by `id` or by `uid`.
fn revocation(doc: &Value, issuer: &Value, ctx: &VerifyContext<'_>) -> Check {
    let issuer_id = issuer.get("id").and_then(Value::as_str).unwrap_or_default();
    let Some(url) = ids(issuer.get("revocationList")).into_iter().next() else {
        return Check::skipped(CheckId::Status, format!("the issuer {issuer_id} publishes no revocation list"));
    };
    let list = match fetch(&url, ctx) {
        Ok(list) => list,
        Err((_, why)) => {
            return Check::unverifiable(
                CheckId::Status,
                format!("the issuer's revocation list could not be read: {why}"),
            );
        }
    };
    if !type_has(&list, "RevocationList") {
        return Check::unverifiable(CheckId::Status, format!("{url} is not a RevocationList"));
    }
    if let Some(list_issuer) = list.get("issuer").and_then(Value::as_str)
        && !issuer_id.is_empty()
        && list_issuer != issuer_id
    {
        return Check::unverifiable(
            CheckId::Status,
            format!(
                "the revocation list {url} is {list_issuer}'s, not the issuer {issuer_id}'s, so it cannot revoke or clear this badge"
            ),
        );
    }
    let id = doc.get("id").and_then(Value::as_str);
    let uid = doc.get("uid").and_then(Value::as_str);
    let entries = list.get("revokedAssertions").and_then(Value::as_array).cloned().unwrap_or_default();
    for entry in &entries {
        let (entry_id, entry_uid, reason) = match entry {
            Value::String(s) => (Some(s.as_str()), None, None),
            Value::Object(o) => (
                o.get("id").and_then(Value::as_str),
                o.get("uid").and_then(Value::as_str),
                o.get("revocationReason").and_then(Value::as_str),
            ),
            _ => continue,
        };
        let hit = (id.is_some() && entry_id == id) || (uid.is_some() && entry_uid == uid);
        if hit {
            let reason = reason.map_or_else(|| "no reason given".to_string(), |r| format!("reason: {r}"));
            return Check::failed(CheckId::Status, format!("the issuer has revoked the badge ({reason}; {url})"));
        }
    }
    Check::passed(CheckId::Status, format!("not revoked (the issuer's revocation list {url} does not list it)"))
}

/// A CryptographicKey read from its document: the key, its id and its owner.
struct CryptoKey {
    id: String,
    owner: Option<String>,
    key: PublicKey,
}

/// Fetches a CryptographicKey document and reads its `publicKeyPem`.
fn crypto_key(url: &str, ctx: &VerifyContext<'_>) -> Result<CryptoKey, Check> {
    let doc = fetch(url, ctx)
        .map_err(|(_, why)| Check::unverifiable(CheckId::Key, format!("the key {url} could not be read: {why}")))?;
    let id = doc.get("id").and_then(Value::as_str).unwrap_or(url).to_string();
    if id != url {
        return Err(Check::failed(
            CheckId::Key,
            format!("the document at {url} is the key {id}, not the key the badge names"),
        ));
    }
    let pem = doc
        .get("publicKeyPem")
        .and_then(Value::as_str)
        .ok_or_else(|| Check::failed(CheckId::Key, format!("the key document {url} has no publicKeyPem")))?;
    let key =
        did::pem(pem).map_err(|why| Check::failed(CheckId::Key, format!("the key {url} is not usable: {why}")))?;
    let owner = doc.get("owner").and_then(Value::as_str).map(str::to_string);
    Ok(CryptoKey { id, owner, key })
}

/// Verifies a signed Open Badges 2.0 assertion: the compact JWS whose payload is the assertion.
pub(crate) fn verify_signed(jws: &Jwt, ctx: &VerifyContext<'_>) -> Report {
    let doc = &jws.claims;
    let skip = |id: CheckId, why: &str| Check::skipped(id, why.to_string());
    let kind = verification(doc).and_then(|v| v.get("type")).and_then(Value::as_str).unwrap_or_default();
    let id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    let format = if id.is_empty() {
        Check::failed(CheckId::Format, "the Open Badges 2.0 assertion has no id")
    } else if !matches!(kind, "signed" | "SignedBadge") {
        Check::failed(
            CheckId::Format,
            format!(
                "the JWS carries an Open Badges 2.0 assertion whose verification type is \"{kind}\", not SignedBadge"
            ),
        )
    } else {
        Check::passed(CheckId::Format, "an Open Badges 2.0 assertion (signed verification, as a JWS)")
    };
    let dates = check_dates(doc, ctx);
    let recipient = recipient::check_ob2(doc.get("recipient"), ctx.identities);
    let alg = jws.header.get("alg").and_then(Value::as_str).unwrap_or("none").to_string();
    let issuer = issuer_profile(doc, ctx);

    // The key: the one `creator` names, or else the keys the issuer profile lists.
    let creator = verification(doc).and_then(|v| v.get("creator")).and_then(Value::as_str).map(str::to_string);
    let candidates: Vec<String> = match (&creator, &issuer) {
        (Some(c), _) => vec![c.clone()],
        (None, Ok(profile)) => ids(profile.get("publicKey")),
        (None, Err(_)) => vec![],
    };
    let mut key_check = match (&creator, &issuer) {
        (None, Err(why)) => Check::unverifiable(
            CheckId::Key,
            format!(
                "the badge names no key (verification.creator), and the issuer's keys could not be looked up: {why}"
            ),
        ),
        _ => Check::failed(CheckId::Key, "the badge names no key, and the issuer profile lists none (publicKey)"),
    };
    let mut proof = Check::skipped(CheckId::Proof, "no key to check the signature with");
    let mut used: Option<CryptoKey> = None;
    for url in &candidates {
        match crypto_key(url, ctx) {
            Err(check) => {
                key_check = check;
                proof = Check::new(
                    CheckId::Proof,
                    if key_check.outcome == Outcome::Failed { Outcome::Failed } else { Outcome::Unverifiable },
                    format!("the {alg} signature could not be checked: {}", key_check.message),
                );
            }
            Ok(k) => {
                key_check = Check::passed(
                    CheckId::Key,
                    format!("the {} key {} was read from its CryptographicKey document", k.key.kind(), k.id),
                );
                proof = match jws.signature_holds(&k.key) {
                    Ok(true) => Check::passed(CheckId::Proof, format!("the {alg} signature of the JWS is correct")),
                    Ok(false) => Check::failed(CheckId::Proof, super::VerifyError::BadSignature.to_string()),
                    Err(e) => Check::new(CheckId::Proof, e.outcome(), e.to_string()),
                };
                let holds = proof.outcome == Outcome::Passed;
                used = Some(k);
                if holds {
                    break;
                }
            }
        }
    }

    let binding = match (&used, &issuer) {
        (None, _) => Check::skipped(CheckId::IssuerBinding, "no key was read"),
        (Some(_), Err(why)) => Check::unverifiable(
            CheckId::IssuerBinding,
            format!("whether the key is the issuer's cannot be seen: {why}"),
        ),
        (Some(k), Ok(profile)) => {
            let issuer_id = profile.get("id").and_then(Value::as_str).unwrap_or_default();
            let listed = ids(profile.get("publicKey")).contains(&k.id);
            match k.owner.as_deref() {
                None => Check::failed(CheckId::IssuerBinding, format!("the key {} names no owner", k.id)),
                Some(owner) if owner != issuer_id => Check::failed(
                    CheckId::IssuerBinding,
                    format!("the key {} belongs to {owner}, not to the issuer {issuer_id}", k.id),
                ),
                Some(_) if !listed => Check::failed(
                    CheckId::IssuerBinding,
                    format!("the issuer {issuer_id} does not list the key {} among its public keys", k.id),
                ),
                Some(_) => Check::passed(
                    CheckId::IssuerBinding,
                    format!("the key {} belongs to the issuer {issuer_id}, who lists it as its public key", k.id),
                ),
            }
        }
    };
    let status = match &issuer {
        Ok(profile) => revocation(doc, profile, ctx),
        Err(why) => Check::unverifiable(CheckId::Status, format!("the revocation list could not be looked up: {why}")),
    };
    Report::from_checks(vec![
        format,
        proof,
        key_check,
        binding,
        dates,
        status,
        recipient,
        skip(CheckId::Hosted, "the badge is signed, not hosted"),
        skip(CheckId::Schema, "Open Badges 2.0 names no schema"),
    ])
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

/// The `dates` check of an Open Badges 2.0 assertion: issued in the past, not expired.
fn check_dates(doc: &Value, ctx: &VerifyContext<'_>) -> Check {
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
}

/// Verifies an Open Badges 2.0 assertion.
pub(crate) fn verify(doc: &Value, ctx: &VerifyContext<'_>) -> Report {
    let skip = |id: CheckId, why: &str| Check::skipped(id, why.to_string());
    let id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    let kind = verification(doc).and_then(|v| v.get("type")).and_then(Value::as_str).unwrap_or_default();
    let hosted_kind = matches!(kind, "hosted" | "HostedBadge");
    let signed_kind = matches!(kind, "signed" | "SignedBadge");
    let format = if id.is_empty() {
        Check::failed(CheckId::Format, "the Open Badges 2.0 assertion has no id")
    } else if !hosted_kind && !signed_kind {
        Check::failed(CheckId::Format, "the Open Badges 2.0 assertion names no verification type (hosted or signed)")
    } else {
        Check::passed(CheckId::Format, format!("an Open Badges 2.0 assertion ({kind} verification)"))
    };
    if !hosted_kind {
        let dates = check_dates(doc, ctx);
        let recipient = recipient::check_ob2(doc.get("recipient"), ctx.identities);
        // The bare assertion of a signed badge: its signature lives in the JWS, not here.
        let why = "this is the bare assertion of a signed badge; its signature is in the JWS (the signed file or the baked image), which this copy does not carry";
        let status = match issuer_profile(doc, ctx) {
            Ok(issuer) => revocation(doc, &issuer, ctx),
            Err(why) => {
                Check::unverifiable(CheckId::Status, format!("the revocation list could not be looked up: {why}"))
            }
        };
        return Report::from_checks(vec![
            format,
            Check::unverifiable(CheckId::Proof, why),
            skip(CheckId::Key, "the signature is not at hand"),
            skip(CheckId::IssuerBinding, "the signature is not at hand"),
            dates,
            status,
            recipient,
            skip(CheckId::Hosted, "the badge is signed, not hosted"),
            skip(CheckId::Schema, "Open Badges 2.0 names no schema"),
        ]);
    }

    // Hosted: the issuer's copy is the authority (OB 2.0). One that differs from the learner's
    // (the issuer added evidence since) is judged in its place, with the differences named;
    // only a copy marked revoked, or a 410, makes the badge invalid.
    let mut basis = doc;
    let fetched_copy = fetch(id, ctx);
    let hosted = match &fetched_copy {
        Ok(copy) if copy.get("revoked").and_then(Value::as_bool) == Some(true) => {
            let reason = copy.get("revocationReason").and_then(Value::as_str).unwrap_or("no reason given");
            Check::failed(CheckId::Hosted, format!("the issuer has revoked the badge ({reason})"))
        }
        Ok(copy) if copy == doc => Check::passed(CheckId::Hosted, format!("the issuer hosts this very badge at {id}")),
        Ok(copy) if copy.get("id").and_then(Value::as_str) != Some(id) => Check::failed(
            CheckId::Hosted,
            format!(
                "the copy hosted at {id} is another badge (its id is {:?})",
                copy.get("id").and_then(Value::as_str)
            ),
        ),
        Ok(copy) if copy.get("recipient") != doc.get("recipient") => {
            Check::failed(CheckId::Hosted, format!("the badge hosted at {id} names another recipient than this copy"))
        }
        Ok(copy) => {
            basis = copy;
            Check::passed(
                CheckId::Hosted,
                format!(
                    "{HOSTED_DIFFERS} at {id} differs from this copy in {}; the hosted copy, which Open Badges 2.0 makes authoritative, is the one checked",
                    differences(doc, copy).join(", ")
                ),
            )
        }
        Err((true, why)) => Check::failed(CheckId::Hosted, why.clone()),
        Err((false, why)) => Check::unverifiable(CheckId::Hosted, format!("the hosted copy could not be read: {why}")),
    };
    let doc = basis;
    let dates = check_dates(doc, ctx);
    let recipient = recipient::check_ob2(doc.get("recipient"), ctx.identities);
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
                Check::passed(
                    CheckId::IssuerBinding,
                    format!("the badge is hosted where the issuer {issuer_id} hosts its badges"),
                )
            } else {
                Check::failed(
                    CheckId::IssuerBinding,
                    format!("the badge is hosted at {id}, which the issuer {issuer_id} does not name as its own"),
                )
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
