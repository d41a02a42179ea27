//! The `status` check: Bitstring Status List, StatusList2021 and 1EdTech Revocation List
//! entries.
//!
//! A status list credential is fetched through the fetcher, its own proof, key binding and
//! dates are checked, it must be issued by the credential's own issuer (a third party's list
//! can neither revoke nor clear a credential), and the credential's entry is read (index 0 =
//! the most significant bit of the first byte, as both specifications require; `statusSize`
//! bits per entry). A set revocation or suspension entry fails the check; a `message` entry is
//! reported, never a failure. A 1EdTech Revocation List (Open Badges 3.0) is a plain JSON list
//! of revoked credential ids at the URL the signed credential names. A list that cannot be had
//! or trusted (offline, bad signature, expired, not a list, someone else's) leaves the status
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
    let results: Vec<Check> = entries.iter().map(|e| check_entry(doc, e, ctx)).collect();
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

fn check_entry(doc: &Value, entry: &Value, ctx: &VerifyContext<'_>) -> Check {
    let s = |k: &str| entry.get(k).and_then(Value::as_str);
    let ty = s("type").unwrap_or("without a type");
    let list_type = match ty {
        "BitstringStatusListEntry" => "BitstringStatusListCredential",
        "StatusList2021Entry" => "StatusList2021Credential",
        "1EdTechRevocationList" => return edtech_revocation_list(doc, entry, ctx),
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
        return unverifiable(format!(
            "{url} is not a {list_type}, so it cannot say whether the credential was revoked"
        ));
    }
    let list_proof = proof::check(&list, ctx);
    if list_proof.proof.outcome != Outcome::Passed {
        return unverifiable(format!("the status list {url} cannot be trusted: {}", list_proof.proof.message));
    }
    if list_proof.binding.outcome != Outcome::Passed {
        return unverifiable(format!(
            "the status list {url} cannot be trusted: its key is not shown to be its issuer's ({})",
            list_proof.binding.message
        ));
    }
    let list_dates = dates::check(&list, ctx.now);
    if list_dates.outcome == Outcome::Failed {
        return unverifiable(format!("the status list {url} is not valid now: {}", list_dates.message));
    }
    if let Some(unbound) = foreign_list(doc, &list, url) {
        return unbound;
    }
    let subject = list.get("credentialSubject").unwrap_or(&Value::Null);
    let list_purposes: Vec<&str> = match subject.get("statusPurpose") {
        Some(Value::String(p)) => vec![p.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !list_purposes.contains(&purpose) {
        return unverifiable(format!(
            "the status list {url} is for {}, the entry asks about {purpose}",
            if list_purposes.is_empty() { "no stated purpose".to_string() } else { list_purposes.join(" and ") }
        ));
    }
    let size = match entry.get("statusSize") {
        None => 1,
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        Some(Value::String(t)) => t.parse::<u64>().unwrap_or(0),
        Some(_) => 0,
    };
    if !(1..=32).contains(&size) {
        return Check::failed(CheckId::Status, "the status entry's statusSize is not a whole number from 1 to 32");
    }
    let Some(bits) = subject.get("encodedList").and_then(Value::as_str).and_then(decode_list) else {
        return unverifiable(format!("the status list {url} cannot be decoded"));
    };
    let Some(value) = read_entry(&bits, index, size) else {
        return unverifiable(format!(
            "the status list {url} has no entry {index} (it has {})",
            bits.len() as u64 * 8 / size
        ));
    };
    let message = status_message(entry, value);
    let said = message.as_deref().map(|m| format!(": \"{m}\"")).unwrap_or_default();
    match (purpose, value != 0) {
        ("revocation", true) => Check::failed(
            CheckId::Status,
            format!("the issuer has revoked the credential{said} ({url}, entry {index})"),
        ),
        ("suspension", true) => Check::failed(
            CheckId::Status,
            format!("the issuer has suspended the credential{said} ({url}, entry {index})"),
        ),
        ("revocation" | "suspension", false) => Check::passed(
            CheckId::Status,
            format!("not {} (entry {index} of {url})", if purpose == "revocation" { "revoked" } else { "suspended" }),
        ),
        ("message", _) => Check::passed(
            CheckId::Status,
            match message {
                Some(m) => format!("the issuer's status message: \"{m}\" (entry {index} of {url})"),
                None => format!(
                    "the issuer's status value is {value:#x}, for which it gives no message (entry {index} of {url})"
                ),
            },
        ),
        (other, _) => unverifiable(format!("status entries for {other} are not supported")),
    }
}

/// Reads `size` bits at entry `index` (bit 0 = the most significant bit of the first byte).
fn read_entry(bits: &[u8], index: u64, size: u64) -> Option<u32> {
    let start = index.checked_mul(size)?;
    let end = start.checked_add(size)?;
    if end > bits.len() as u64 * 8 {
        return None;
    }
    let mut value = 0u32;
    for bit in start..end {
        let byte = bits[(bit / 8) as usize];
        value = (value << 1) | u32::from(byte & (0x80 >> (bit % 8)) != 0);
    }
    Some(value)
}

/// The entry's `statusMessage` for a value (`status` written in hex, as `0x1`).
fn status_message(entry: &Value, value: u32) -> Option<String> {
    entry.get("statusMessage")?.as_array()?.iter().find_map(|m| {
        let status = m.get("status")?.as_str()?;
        let parsed = u32::from_str_radix(status.trim_start_matches("0x").trim_start_matches("0X"), 16).ok()?;
        (parsed == value).then(|| m.get("message").and_then(Value::as_str).unwrap_or_default().to_string())
    })
}

/// The status list must be the credential issuer's own: when it names another issuer, the
/// check cannot say anything about the credential.
fn foreign_list(doc: &Value, list: &Value, url: &str) -> Option<Check> {
    let issuer = proof::issuer_id(doc);
    let list_issuer = proof::issuer_id(list);
    match (issuer, list_issuer) {
        (Some(issuer), Some(list_issuer)) if issuer == list_issuer => None,
        (Some(issuer), Some(list_issuer)) => Some(unverifiable(format!(
            "the status list {url} was issued by {list_issuer}, not by the credential's issuer {issuer}; a third party's list can neither revoke nor clear a credential"
        ))),
        (None, _) => {
            Some(unverifiable("the credential names no issuer, so no status list can speak for it".to_string()))
        }
        (Some(issuer), None) => {
            Some(unverifiable(format!("the status list {url} names no issuer, so it cannot be shown to be {issuer}'s")))
        }
    }
}

/// A 1EdTech Revocation List entry (Open Badges 3.0 / CLR 2.0): the list at the entry's `id`
/// is a JSON object whose `revokedCredentials` names revoked credentials by `id` (with
/// `revoked` true or absent, and an optional `revocationReason`).
fn edtech_revocation_list(doc: &Value, entry: &Value, ctx: &VerifyContext<'_>) -> Check {
    let Some(url) = entry.get("id").and_then(Value::as_str) else {
        return Check::failed(CheckId::Status, "the 1EdTechRevocationList entry names no list (its id)");
    };
    let Some(credential_id) = doc.get("id").and_then(Value::as_str) else {
        return unverifiable("the credential has no id, so a revocation list cannot name it".to_string());
    };
    let fetched = match ctx.fetcher.fetch(url) {
        Ok(f) => f,
        Err(e) => return unverifiable(format!("the revocation list could not be read: {e}")),
    };
    let Ok(list) = serde_json::from_slice::<Value>(&fetched.body) else {
        return unverifiable(format!("the revocation list {url} is not JSON"));
    };
    let Some(revoked) = list.get("revokedCredentials").and_then(Value::as_array) else {
        return unverifiable(format!("{url} is not a 1EdTech revocation list (it has no revokedCredentials)"));
    };
    if let (Some(issuer), Some(list_issuer)) = (proof::issuer_id(doc), list.get("issuer").and_then(Value::as_str))
        && issuer != list_issuer
    {
        return unverifiable(format!(
            "the revocation list {url} is {list_issuer}'s, not the credential's issuer {issuer}'s; a third party's list can neither revoke nor clear a credential"
        ));
    }
    for item in revoked {
        let id = match item {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("id").and_then(Value::as_str),
            _ => None,
        };
        let still = item.get("revoked").and_then(Value::as_bool).unwrap_or(true);
        if id == Some(credential_id) && still {
            let reason = item
                .get("revocationReason")
                .and_then(Value::as_str)
                .map_or_else(|| "no reason given".to_string(), |r| format!("reason: {r}"));
            return Check::failed(CheckId::Status, format!("the issuer has revoked the credential ({reason}; {url})"));
        }
    }
    Check::passed(CheckId::Status, format!("not revoked (the issuer's revocation list {url} does not name it)"))
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
    flate2::read::GzDecoder::new(compressed.as_slice()).take(MAX_LIST_BYTES + 1).read_to_end(&mut bits).ok()?;
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
