//! Verifying what the learner holds: this module owns the step from bytes (a loose file, or a
//! credential's stored original) to the right verifier, and the bookkeeping around a
//! verification of a wallet credential: the learner's identities fed to the recipient check,
//! the documents fetched on the way kept in the wallet with their fetch time, earlier kept
//! status lists standing in when the network cannot be had, and the report recorded.
//!
//! The form is detected from the bytes: JSON (a JSON-LD credential or an Open Badges 2.0
//! assertion) goes to [`verify::verify_json`], a compact JWS (VC-JWT, VCDM 2.0 JOSE, a signed
//! Open Badges 2.0 assertion) to [`verify::verify_jwt`], and a baked PNG or SVG image is opened
//! and what is baked in is verified in the form it was signed in (a baked URL is fetched, as
//! hosted verification requires).
//!
//! A kept status list is only used when fetching the list fails because the network cannot be
//! had (`--offline`, no connection, a time-out), never in place of a list the issuer answered
//! with. Its answer counts as checked, and the status check's message says the date of the copy
//! ("revocation status as of ..."); the list's own validity period, checked against `now` like
//! any status list's, bounds how old a copy may be believed. See
//! `docs/decisions/0052-verify-cli-and-stored-results.md`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::formats::{self, FormatError, MAX_INPUT_BYTES};
use crate::net::{CachingFetcher, CopyUsed, FetchError, FetchedDocument, Fetcher, KeptCopy};
use crate::store::{NewOriginal, StoreError, Wallet};
use crate::verify::{self, Check, CheckId, Report, VerifyContext};

/// Why a credential could not be verified at all (as opposed to a verification whose answer
/// is `invalid` or `unverifiable`).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("not a credential that can be verified: {0}")]
    Unreadable(#[from] FormatError),
    #[error("the input is too large for a credential (more than {limit} bytes)", limit = MAX_INPUT_BYTES)]
    TooLarge,
    #[error("the credential {id} has no stored original to verify")]
    NoOriginal { id: String },
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// What a verification of a wallet credential needs from outside.
pub struct Run<'a> {
    /// The time the credential is checked at (the clock, or a time the learner chose).
    pub now: DateTime<Utc>,
    /// The real time of this run: documents fetched now are kept with it as their fetch time.
    pub fetched_at: DateTime<Utc>,
    /// The network (or its refusal, [`crate::net::Offline`], or local copies).
    pub fetcher: &'a dyn Fetcher,
    /// The run was asked to stay offline; recorded with the result.
    pub offline: bool,
}

/// Verifies a credential given as bytes, in whatever form it comes: JSON, a compact JWS, or a
/// badge baked into a PNG or SVG image. `Err` only when the bytes are no credential form at
/// all; every other problem is in the report.
pub fn verify_bytes(bytes: &[u8], ctx: &VerifyContext<'_>) -> Result<Report, CheckError> {
    verify_form(bytes, ctx, 0)
}

fn verify_form(bytes: &[u8], ctx: &VerifyContext<'_>, depth: usize) -> Result<Report, CheckError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(CheckError::TooLarge);
    }
    if bytes.is_empty() {
        return Err(FormatError::Empty.into());
    }
    let (text, baked) = match formats::baked_payload(bytes)? {
        Some(payload) => (payload, true),
        None => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let text = std::str::from_utf8(bytes).map_err(|e| FormatError::NotText { at: e.valid_up_to() })?;
            (text.to_string(), false)
        }
    };
    let t = text.trim();
    if t.starts_with('{') {
        let doc: Value = serde_json::from_str(t).map_err(|e| FormatError::BadJson {
            line: e.line(),
            column: e.column(),
            reason: e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
        })?;
        if let Some(url) = stub_url(&doc)
            && depth == 0
        {
            return follow(&url, ctx, depth);
        }
        return Ok(verify::verify_json(&doc, ctx));
    }
    if is_compact_jws(t) {
        return Ok(verify::verify_jwt(t, ctx));
    }
    if baked && depth == 0 && (t.starts_with("https://") || t.starts_with("http://")) {
        // A baked image that holds only the hosted assertion's address.
        return follow(t, ctx, depth);
    }
    if t.is_empty() {
        return Err(FormatError::Empty.into());
    }
    Err(FormatError::NotACredential(if baked {
        "the image holds neither JSON, a JWT nor a web address".into()
    } else {
        "the file is not JSON, a JWT, or a PNG or SVG image with a badge baked in".into()
    })
    .into())
}

/// Verifies the badge a baked address (or a stub) points at, as hosted verification does.
fn follow(url: &str, ctx: &VerifyContext<'_>, depth: usize) -> Result<Report, CheckError> {
    Ok(match ctx.fetcher.fetch(url) {
        Ok(fetched) => verify_form(&fetched.body, ctx, depth + 1)?,
        Err(e) => unreadable_hosted(&e),
    })
}

/// The address in a stub that holds nothing but a pointer to the hosted assertion
/// (`{"verify": {"url": ...}}`, as old bakers wrote).
fn stub_url(doc: &Value) -> Option<String> {
    let o = doc.as_object()?;
    if ["@context", "badge", "credentialSubject", "type"].iter().any(|k| o.contains_key(*k)) {
        return None;
    }
    ["verify", "verification"].iter().find_map(|k| o.get(*k)?.get("url")?.as_str().map(str::to_string))
}

/// The report for a baked address that could not be fetched: nothing could be checked.
fn unreadable_hosted(e: &FetchError) -> Report {
    let mut checks = vec![Check::unverifiable(
        CheckId::Format,
        format!("the image holds only the address of the badge, which could not be read: {e}"),
    )];
    checks.extend(CheckId::ALL[1..].iter().map(|id| Check::skipped(*id, "the badge itself could not be read")));
    Report::from_checks(checks)
}

fn is_compact_jws(t: &str) -> bool {
    !t.contains(char::is_whitespace) && t.split('.').count() == 3 && (t.starts_with("ey") || t.starts_with("ew"))
}

/// Whether a kept document is a status list (a Bitstring Status List or StatusList2021
/// credential, an Open Badges revocation list): the only kind a kept copy may stand in for.
pub fn is_status_list(bytes: &[u8]) -> bool {
    const LIST_TYPES: [&str; 4] =
        ["BitstringStatusListCredential", "StatusList2021Credential", "RevocationList", "1EdTechRevocationList"];
    let Ok(doc) = serde_json::from_slice::<Value>(bytes) else { return false };
    match doc.get("type") {
        Some(Value::String(t)) => LIST_TYPES.contains(&t.as_str()),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(|t| LIST_TYPES.contains(&t)),
        _ => false,
    }
}

/// Verifies `bytes` with a caching fetcher: a first pass over the network; when some document
/// could not be had and the wallet keeps a status list for its URL, a second pass with those
/// copies standing in (nothing is fetched twice). The report's status message names the date
/// of each copy used.
pub(crate) fn verify_with_copies(
    bytes: &[u8],
    wallet: Option<&Wallet>,
    identities: &[String],
    run: &Run<'_>,
) -> Result<(Report, Vec<FetchedDocument>), CheckError> {
    let mut fetcher = CachingFetcher::new(run.fetcher);
    let mut report = {
        let ctx = VerifyContext { now: run.now, fetcher: &fetcher, identities };
        verify_bytes(bytes, &ctx)?
    };
    if let Some(wallet) = wallet {
        let mut added = false;
        for url in fetcher.missed() {
            if let Some(copy) = wallet.cached_document(&url)?
                && is_status_list(&copy.bytes)
            {
                fetcher.add_copy(KeptCopy {
                    url: copy.url,
                    media_type: copy.media_type,
                    fetched_at: copy.fetched_at,
                    bytes: copy.bytes,
                });
                added = true;
            }
        }
        if added {
            fetcher.start_pass();
            let ctx = VerifyContext { now: run.now, fetcher: &fetcher, identities };
            report = verify_bytes(bytes, &ctx)?;
            note_copies(&mut report, &fetcher.copies_used());
        }
    }
    Ok((report, fetcher.fetched()))
}

/// Says in the report which answers came from kept copies, and of when.
fn note_copies(report: &mut Report, copies: &[CopyUsed]) {
    for copy in copies {
        let note = format!(
            "revocation status as of {}: the network could not be had, so the copy of the status list {} kept then was used",
            copy.fetched_at, copy.url
        );
        let target = report
            .checks
            .iter()
            .position(|c| c.message.contains(&copy.url))
            .or_else(|| report.checks.iter().position(|c| c.id == CheckId::Status));
        if let Some(i) = target {
            let check = &mut report.checks[i];
            check.message = format!("{} ({note})", check.message);
        }
    }
}

/// The learner's identities as the recipient check wants them.
pub fn identities(wallet: &Wallet) -> Result<Vec<String>, StoreError> {
    let mut ids: Vec<String> = wallet.identities()?.into_iter().map(|i| i.value).collect();
    // Once the learner has named identities, the recipient check compares against all of them,
    // and a credential claimed into this wallet names one of its own holder keys: those DIDs are
    // the learner's too, or checking such a credential again would call it someone else's.
    // With no identities named, the check is skipped as before.
    if !ids.is_empty() {
        ids.extend(crate::claim::ProofSigner::identities(&wallet.claim_keys()?));
    }
    Ok(ids)
}

/// Verifies a loose file's bytes (not in the wallet) with the wallet's identities and kept
/// status lists when a wallet is at hand. Nothing is written.
pub fn verify_loose(bytes: &[u8], wallet: Option<&Wallet>, run: &Run<'_>) -> Result<Report, CheckError> {
    let ids = match wallet {
        Some(w) => identities(w)?,
        None => Vec::new(),
    };
    Ok(verify_with_copies(bytes, wallet, &ids, run)?.0)
}

/// A credential nested in another (an achievement credential a CLR carries), in the form it is
/// carried in: a JSON object, or a compact JWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nested {
    /// 1-based position in the container's `verifiableCredential`.
    pub position: usize,
    /// Its title as the wallet would show it ("" when it cannot be read).
    pub title: String,
    /// The bytes to verify it from ([`verify_loose`] takes them like a file).
    pub form: Vec<u8>,
}

/// The credentials nested directly in `bytes` when they are a CLR 2.0 (`ClrCredential`),
/// exactly those the reader stores as its children ([`formats::nested_entries`]), in their
/// order; empty for anything else or anything unreadable. Each is verified on its own,
/// so a CLR's report and its parts' reports stand side by side (issue 4: "the outer proof and
/// every nested credential, each with its own report").
pub fn nested_credentials(bytes: &[u8]) -> Vec<Nested> {
    let Ok(parsed) = formats::read(bytes, &crate::net::Offline) else { return Vec::new() };
    formats::nested_entries(&parsed.document)
        .into_iter()
        .enumerate()
        .filter_map(|(i, entry)| {
            let form = match entry {
                Value::String(jws) => jws.clone().into_bytes(),
                Value::Object(_) => serde_json::to_vec(entry).ok()?,
                _ => return None,
            };
            let title = formats::read(&form, &crate::net::Offline).map(|p| p.credential.title).unwrap_or_default();
            Some(Nested { position: i + 1, title, form })
        })
        .collect()
}

/// Verifies a wallet credential's stored original, keeps the documents fetched on the way
/// with `run.fetched_at`, and records the report as the credential's latest verification,
/// checked at `run.now`. When the original cannot be read as a credential, nothing is written.
///
/// The originals imported as the credential (role `credential`; else the first original) are
/// all the same credential (the wallet merges copies whose content, less proofs, is the same:
/// a JSON file and its baked image, a signed and an unsigned copy). Each is verified and the
/// best-founded report is kept (verified before unverifiable before invalid; the first on a
/// tie), since the content is as well proven as its best proof proves it.
pub fn verify_stored(wallet: &mut Wallet, id_or_prefix: &str, run: &Run<'_>) -> Result<Report, CheckError> {
    let id = wallet.resolve(id_or_prefix)?;
    let stored = wallet.get(&id)?;
    // What the import could not have (an Open Badges 2.0 badge class whose server did not
    // answer) is asked for again with the verification, through one memory, so it is fetched
    // once; when it comes, the stored view is read anew from the originals.
    let memory = CachingFetcher::new(run.fetcher);
    let run = &Run { fetcher: &memory, ..*run };
    if !stored.credential.not_retrieved.is_empty() {
        complete_view(wallet, &stored, run)?;
    }
    let mut numbers: Vec<usize> = stored.originals.iter().filter(|o| o.role == "credential").map(|o| o.n).collect();
    if numbers.is_empty() {
        numbers.extend(stored.originals.first().map(|o| o.n));
    }
    if numbers.is_empty() {
        return Err(CheckError::NoOriginal { id });
    }
    let ids = identities(wallet)?;
    let rank = |v: verify::Verdict| match v {
        verify::Verdict::Verified => 0,
        verify::Verdict::Unverifiable => 1,
        verify::Verdict::Invalid => 2,
    };
    let mut best: Option<Report> = None;
    let mut first_error = None;
    let mut fetched = Vec::new();
    for n in numbers {
        let original = wallet.original(&id, n)?;
        match verify_with_copies(&original.bytes, Some(wallet), &ids, run) {
            Ok((report, docs)) => {
                fetched.extend(docs);
                if best.as_ref().is_none_or(|b| rank(report.result) < rank(b.result)) {
                    best = Some(report);
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let Some(report) = best else {
        return Err(first_error.unwrap_or(CheckError::NoOriginal { id }));
    };
    for doc in &fetched {
        wallet.cache_document(&doc.url, doc.media_type.as_deref(), &doc.bytes, run.fetched_at)?;
    }
    keep_hosted_copy(wallet, &id, stored.credential.id.as_deref(), &report, &fetched, run)?;
    wallet.record_verification(&id, &report, run.now, run.offline)?;
    Ok(report)
}

/// How long a kept status list is taken to say the status now, when it states no `ttl` of its
/// own: a day from when it was fetched. A list's `validUntil` says how long the list is a valid
/// credential, not how long its bits are current, so it only shortens this.
pub const STATUS_LIST_FRESH_FOR: chrono::Duration = chrono::Duration::hours(24);

/// The longest `ttl` a status list is taken at its word for: thirty days.
pub const STATUS_LIST_TTL_CAP: chrono::Duration = chrono::Duration::days(30);

/// The wallet's credentials (CLR parts included) whose status cannot be told from a current
/// kept status list: one of their lists was never kept, or its copy is past its `ttl` (RFC
/// Bitstring Status List §2.2, milliseconds; [`STATUS_LIST_FRESH_FOR`] when it states none) or
/// its own `validUntil` / `expirationDate`. The app checks these again when the wallet opens.
/// Sorted by id.
pub fn stale_status(wallet: &Wallet, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    let mut ids = Vec::new();
    let mut current: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    for (id, view) in wallet.views()? {
        let mut stale = false;
        for url in view.status.iter().filter_map(|s| s.list.as_deref()) {
            let fresh = match current.get(url) {
                Some(fresh) => *fresh,
                None => {
                    let fresh = wallet.cached_document(url)?.is_some_and(|copy| list_is_current(&copy, now));
                    current.insert(url.to_string(), fresh);
                    fresh
                }
            };
            stale |= !fresh;
        }
        if stale {
            ids.push(id);
        }
    }
    ids.sort();
    Ok(ids)
}

/// Whether a kept status list still tells the status at `now` (see [`stale_status`]).
fn list_is_current(copy: &crate::store::CachedDocument, now: DateTime<Utc>) -> bool {
    let time =
        |text: Option<&str>| text.and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc));
    let Some(fetched) = time(Some(&copy.fetched_at)) else { return false };
    let list: Value = serde_json::from_slice(&copy.bytes).unwrap_or(Value::Null);
    let ttl = list
        .get("credentialSubject")
        .and_then(|s| s.get("ttl"))
        .and_then(|t| t.as_u64().or_else(|| t.as_str().and_then(|t| t.parse().ok())))
        // A ttl beyond a month is taken as a month: the wallet looks again at least that often.
        .map(|ms| chrono::Duration::milliseconds(ms.min(STATUS_LIST_TTL_CAP.num_milliseconds() as u64) as i64))
        .unwrap_or(STATUS_LIST_FRESH_FOR);
    let mut until = fetched + ttl;
    let stated = list.get("validUntil").or_else(|| list.get("expirationDate")).and_then(Value::as_str);
    if let Some(end) = time(stated) {
        until = until.min(end);
    }
    now < until
}

/// Reads a stored credential anew from its first original and replaces its view when the new
/// reading has more of it (fewer parts not retrieved), keeping what was fetched for it as
/// further originals. A reading that fails, or has no more, changes nothing.
fn complete_view(wallet: &mut Wallet, stored: &crate::store::Stored, run: &Run<'_>) -> Result<(), StoreError> {
    let Some(first) = stored.originals.iter().find(|o| o.role == "credential").or(stored.originals.first()) else {
        return Ok(());
    };
    let original = wallet.original(&stored.summary.id, first.n)?;
    let Ok(parsed) = formats::read(&original.bytes, run.fetcher) else { return Ok(()) };
    if parsed.credential.not_retrieved.len() >= stored.credential.not_retrieved.len() {
        return Ok(());
    }
    let renewed = super::import::to_new_credential(
        parsed,
        NewOriginal {
            role: original.info.role.clone(),
            media_type: original.info.media_type.clone(),
            source: original.info.source.clone(),
            bytes: original.bytes.clone(),
        },
    );
    wallet.replace_view(&stored.summary.id, &renewed.credential)?;
    for o in renewed.originals.iter().skip(1) {
        wallet.add_original(&stored.summary.id, o, run.fetched_at)?;
    }
    Ok(())
}

/// Verifies each of the wallet's credentials named, recording each report (a restore's added
/// credentials; "check all again"). `progress(done, total, id)` before each and at the end.
pub fn verify_each(
    wallet: &mut Wallet,
    ids: &[String],
    run: &Run<'_>,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Vec<(String, Result<Report, CheckError>)> {
    let total = ids.len();
    let mut results = Vec::with_capacity(total);
    for (done, id) in ids.iter().enumerate() {
        progress(done, total, id);
        results.push((id.clone(), verify_stored(wallet, id, run)));
    }
    progress(total, total, "");
    results
}

/// An Open Badges 2.0 badge judged by its hosted copy because that differs from the learner's
/// is kept with that copy as a further original (role `hosted-assertion`), so the version the
/// verdict rests on stays in the wallet.
fn keep_hosted_copy(
    wallet: &mut Wallet,
    id: &str,
    url: Option<&str>,
    report: &Report,
    fetched: &[crate::net::FetchedDocument],
    run: &Run<'_>,
) -> Result<(), StoreError> {
    let judged_by_copy = report.checks.iter().any(verify::ob2::judged_by_hosted_copy);
    let Some(url) = url.filter(|_| judged_by_copy) else { return Ok(()) };
    if let Some(doc) = fetched.iter().find(|d| d.url == url) {
        let original = NewOriginal {
            role: "hosted-assertion".into(),
            media_type: doc.media_type.clone().unwrap_or_else(|| "application/json".into()),
            source: doc.url.clone(),
            bytes: doc.bytes.clone(),
        };
        wallet.add_original(id, &original, run.fetched_at)?;
    }
    Ok(())
}

/// `2026-11-23T12:00:00Z`: how times are written in reports and records.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::net::Offline;

    #[test]
    fn bytes_that_are_no_credential_form_are_an_error_not_a_report() {
        let ctx = VerifyContext { now: Utc::now(), fetcher: &Offline, identities: &[] };
        assert!(matches!(verify_bytes(b"", &ctx), Err(CheckError::Unreadable(FormatError::Empty))));
        assert!(matches!(verify_bytes(b"hello there", &ctx), Err(CheckError::Unreadable(_))));
        assert!(matches!(verify_bytes(b"{\"a\":", &ctx), Err(CheckError::Unreadable(_))));
        let r = verify_bytes(b"{\"a\": 1}", &ctx).unwrap();
        assert_eq!(r.result, verify::Verdict::Invalid, "JSON that is no credential fails the format check");
    }

    #[test]
    fn a_stored_credential_is_verified_recorded_and_later_checked_offline_against_the_kept_list() {
        use crate::net::MapFetcher;
        use crate::store::{KdfParams, Protection, Secret};
        use chrono::TimeZone;
        const CREDENTIAL: &str =
            "1-ob3/dcc-verifier-core/src/test-fixtures/verifiableCredentials/v2/v2WithValidStatus.extracted.json";
        const LIST_URL: &str = "https://raw.githubusercontent.com/digitalcredentials/verifier-core/refs/heads/main/src/test-fixtures/status/e5WK8CbZ1GjycuPombrj";
        const LIST: &str = "5-status-list/dcc-verifier-core/src/test-fixtures/status/e5WK8CbZ1GjycuPombrj";
        let dir = tempfile::tempdir().unwrap();
        let cheap = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };
        let mut wallet =
            Wallet::create(&dir.path().join("w.stapel"), Protection::Passphrase(Secret::new("pw".into())), cheap)
                .unwrap();
        let file = stapel_testkit::vector(CREDENTIAL);
        let first_day = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let inserted = crate::wallet::import::import_one(
            &mut wallet,
            &crate::wallet::import::Input::File(file),
            &Offline,
            first_day,
        )
        .unwrap();

        let documents = MapFetcher::new(HashMap::from([(LIST_URL.to_string(), stapel_testkit::vector(LIST))]), None);
        let run = Run { now: first_day, fetched_at: first_day, fetcher: &documents, offline: false };
        let report = verify_stored(&mut wallet, &inserted.id[..10], &run).unwrap();
        assert_eq!(report.result, verify::Verdict::Verified, "{report:?}");
        let stored = wallet.verification(&inserted.id).unwrap().unwrap();
        assert_eq!(
            (stored.report, stored.checked_at.as_str(), stored.offline),
            (report, "2026-03-01T09:00:00Z", false)
        );
        assert_eq!(wallet.cached_document(LIST_URL).unwrap().unwrap().fetched_at, "2026-03-01T09:00:00Z");

        let later = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
        let run = Run { now: later, fetched_at: later, fetcher: &Offline, offline: true };
        let report = verify_stored(&mut wallet, &inserted.id, &run).unwrap();
        assert_eq!(report.result, verify::Verdict::Verified, "{report:?}");
        let status = report.check(CheckId::Status).unwrap();
        assert!(status.message.contains("revocation status as of 2026-03-01T09:00:00Z"), "{}", status.message);
        let stored = wallet.verification(&inserted.id).unwrap().unwrap();
        assert_eq!((stored.checked_at.as_str(), stored.offline), ("2026-06-01T09:00:00Z", true));

        // Without the wallet, the same bytes offline cannot have their status checked.
        let bytes = wallet.original(&inserted.id, 1).unwrap().bytes;
        let loose = verify_loose(&bytes, None, &run).unwrap();
        assert_eq!(loose.result, verify::Verdict::Unverifiable);
    }

    #[test]
    fn only_status_lists_are_recognized_as_such() {
        assert!(is_status_list(br#"{"type":["VerifiableCredential","BitstringStatusListCredential"]}"#));
        assert!(is_status_list(br#"{"type":"RevocationList"}"#));
        assert!(!is_status_list(br#"{"id":"did:web:example.org","verificationMethod":[]}"#));
        assert!(!is_status_list(b"not json"));
    }
}
