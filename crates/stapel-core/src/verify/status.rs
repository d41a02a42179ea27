//! The `status` check: Bitstring Status List and StatusList2021 entries.
//!
//! The list credential is fetched through the fetcher, its own proof and dates are checked, and
//! the credential's bit is read (index 0 = the most significant bit of the first byte, as both
//! specifications require). A set revocation or suspension bit fails the check; a list that
//! cannot be had or trusted (offline, bad signature, expired, not a list) leaves the status
//! unverifiable, never invalid.

use std::io::Read;

use base64::Engine;
use serde_json::Value;

use super::report::{Check, CheckId, Outcome};
use super::{VerifyContext, dates, proof};

/// The largest decompressed list accepted (a 16-million-entry list is 2 MiB).
const MAX_LIST_BYTES: u64 = 16 * 1024 * 1024;

pub(crate) fn check(doc: &Value, ctx: &VerifyContext<'_>) -> Check {
    let entries: Vec<&Value> = match doc.get("credentialStatus") {
        None | Some(Value::Null) => return Check::skipped(CheckId::Status, "the credential has no status entry"),
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
    };
    let results: Vec<Check> = entries.iter().map(|e| check_entry(e, ctx)).collect();
    let rank = |o: Outcome| match o {
        Outcome::Failed => 3,
        Outcome::Unverifiable => 2,
        Outcome::Passed => 1,
        Outcome::Skipped => 0,
    };
    let outcome = results.iter().map(|c| c.outcome).max_by_key(|o| rank(*o)).unwrap_or(Outcome::Skipped);
    let message = results.iter().map(|c| c.message.clone()).collect::<Vec<_>>().join("; ");
    Check::new(CheckId::Status, outcome, message)
}

fn unverifiable(message: String) -> Check {
    Check::unverifiable(CheckId::Status, message)
}

fn check_entry(entry: &Value, ctx: &VerifyContext<'_>) -> Check {
    let s = |k: &str| entry.get(k).and_then(Value::as_str);
    let ty = s("type").unwrap_or("without a type");
    let list_type = match ty {
        "BitstringStatusListEntry" => "BitstringStatusListCredential",
        "StatusList2021Entry" => "StatusList2021Credential",
        other => return unverifiable(format!("status entries of type {other} are not supported")),
    };
    let Some(url) = s("statusListCredential") else {
        return Check::failed(CheckId::Status, "the status entry names no status list");
    };
    let index = match entry.get("statusListIndex") {
        Some(Value::String(i)) => i.parse::<u64>().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    let Some(index) = index else {
        return Check::failed(CheckId::Status, "the status entry's statusListIndex is not a number");
    };
    let purpose = s("statusPurpose").unwrap_or("revocation");

    let fetched = match ctx.fetcher.fetch(url) {
        Ok(f) => f,
        Err(e) => return unverifiable(format!("the status list could not be read: {e}")),
    };
    let Ok(list) = serde_json::from_slice::<Value>(&fetched.body) else {
        return unverifiable(format!("the status list {url} is not a JSON credential"));
    };
    let types: Vec<&str> = match list.get("type") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(t)) => vec![t.as_str()],
        _ => vec![],
    };
    if !types.contains(&list_type) {
        return unverifiable(format!("{url} is not a {list_type}, so it cannot say whether the credential was revoked"));
    }
    let list_proof = proof::check(&list, ctx);
    if list_proof.proof.outcome != Outcome::Passed {
        return unverifiable(format!("the status list {url} cannot be trusted: {}", list_proof.proof.message));
    }
    let list_dates = dates::check(&list, ctx.now);
    if list_dates.outcome == Outcome::Failed {
        return unverifiable(format!("the status list {url} is not valid now: {}", list_dates.message));
    }
    let subject = list.get("credentialSubject").unwrap_or(&Value::Null);
    let list_purpose = subject.get("statusPurpose").and_then(Value::as_str).unwrap_or_default();
    if list_purpose != purpose {
        return unverifiable(format!("the status list {url} is for {list_purpose}, the entry asks about {purpose}"));
    }
    let Some(bits) = subject.get("encodedList").and_then(Value::as_str).and_then(decode_list) else {
        return unverifiable(format!("the status list {url} cannot be decoded"));
    };
    let Some(byte) = bits.get((index / 8) as usize) else {
        return unverifiable(format!("the status list {url} has no entry {index} (it has {})", bits.len() * 8));
    };
    let set = byte & (0x80 >> (index % 8)) != 0;
    match (purpose, set) {
        ("revocation", true) => Check::failed(CheckId::Status, format!("the issuer has revoked the credential ({url}, entry {index})")),
        ("suspension", true) => Check::failed(CheckId::Status, format!("the issuer has suspended the credential ({url}, entry {index})")),
        ("revocation" | "suspension", false) => Check::passed(
            CheckId::Status,
            format!("not {} (entry {index} of {url})", if purpose == "revocation" { "revoked" } else { "suspended" }),
        ),
        (other, _) => unverifiable(format!("status entries for {other} are not supported")),
    }
}

/// Decodes an `encodedList`: GZIP of the bits, base64url, with the multibase `u` prefix
/// (Bitstring Status List) or without (StatusList2021).
fn decode_list(encoded: &str) -> Option<Vec<u8>> {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let trimmed = encoded.trim_end_matches('=');
    let compressed = engine
        .decode(trimmed)
        .ok()
        .filter(|b| b.starts_with(&[0x1f, 0x8b]))
        .or_else(|| trimmed.strip_prefix('u').and_then(|rest| engine.decode(rest).ok()))?;
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .take(MAX_LIST_BYTES + 1)
        .read_to_end(&mut bits)
        .ok()?;
    (bits.len() as u64 <= MAX_LIST_BYTES).then_some(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undecodable_or_non_gzip_list_is_refused() {
        assert_eq!(decode_list("uH4sIAAAAAAAAA-I-CHANGED-THISAAwFwBZnztF9QwAAA"), None);
        assert_eq!(decode_list("not base64 at all!"), None);
    }
}
