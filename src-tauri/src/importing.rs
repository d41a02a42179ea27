//! Import from the app: the files and folders the learner dropped or chose, or a URL they
//! pasted, each input its own transaction (`stapel_core::wallet::import`) and verified as it
//! lands, with progress reported before each step of each input (reading, verifying) and a
//! summary that names every failure with its reason. Also the verifying and
//! exporting the detail screen does, since both need the network's policy or a path.

use std::path::Path;

use chrono::Utc;
use serde::Serialize;
use stapel_core::net::{Fetcher, HttpFetcher, HttpPolicy, Offline};
use stapel_core::store::Wallet;
use stapel_core::verify::Report;
use stapel_core::wallet::check::{Run, verify_stored};
use stapel_core::wallet::import::{self, Input};

use crate::error::{CommandError, import_code};
use crate::wallet::Held;

/// Sent to the page before each step of each input, and once when all are done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub step: import::Step,
    pub done: usize,
    pub total: usize,
    pub input: String,
}

/// One input that was not imported, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub input: String,
    pub code: &'static str,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub imported: usize,
    pub already_present: usize,
    /// The ids of the credentials imported or found already present, in input order.
    pub ids: Vec<String>,
    pub failures: Vec<Failure>,
}

/// The network as the CLI uses it: https only, the user's limits, with the environment's test
/// overrides ([`HttpPolicy::from_environment`]).
pub fn http_fetcher() -> Result<Box<dyn Fetcher>, CommandError> {
    Ok(Box::new(HttpFetcher::new(HttpPolicy::from_environment())?))
}

/// Expands the learner's paths and URLs into inputs (a folder into its files), one at a time,
/// so a path that does not exist is one failure in the summary rather than the end of all.
pub fn expand(args: &[String]) -> (Vec<Input>, Vec<Failure>) {
    let mut inputs = Vec::new();
    let mut failures = Vec::new();
    for arg in args.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        if arg == "-" {
            failures.push(Failure { input: arg.into(), code: "unreadable_file", reason: "not a file or URL".into() });
            continue;
        }
        match import::expand(&[arg.to_string()], &mut std::io::empty()) {
            Ok(found) => inputs.extend(found),
            Err((name, e)) => failures.push(Failure { input: name, code: import_code(&e), reason: e.to_string() }),
        }
    }
    (inputs, failures)
}

/// Imports every input, calling `progress` after each one.
pub fn import(
    wallet: &mut Wallet,
    args: &[String],
    fetcher: &dyn Fetcher,
    progress: &mut dyn FnMut(Progress),
) -> ImportSummary {
    let (inputs, failures) = expand(args);
    let mut summary = ImportSummary { failures, ..ImportSummary::default() };
    let now = Utc::now();
    let run = Run { now, fetched_at: now, fetcher, offline: false };
    let outcomes = import::import_all(wallet, &inputs, &run, &mut |p| {
        progress(Progress { step: p.step, done: p.done, total: p.total, input: p.input.to_string() })
    });
    for outcome in outcomes {
        match outcome.result {
            Ok(inserted) => {
                if inserted.already_present {
                    summary.already_present += 1;
                } else {
                    summary.imported += 1;
                }
                summary.ids.push(inserted.id);
            }
            Err(e) => {
                summary.failures.push(Failure { input: outcome.input, code: import_code(&e), reason: e.to_string() })
            }
        }
    }
    summary
}

/// Verifies a stored credential again and records the report, online (the real network) or
/// offline (kept status lists only).
pub fn reverify(wallet: &mut Wallet, id: &str, offline: bool) -> Result<Report, CommandError> {
    let fetcher: Box<dyn Fetcher> = if offline { Box::new(Offline) } else { http_fetcher()? };
    let now = Utc::now();
    let run = Run { now, fetched_at: now, fetcher: fetcher.as_ref(), offline };
    Ok(verify_stored(wallet, id, &run)?)
}

/// Sent to the page before each credential "Check all again" verifies, and once at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckProgress {
    pub done: usize,
    pub total: usize,
}

/// How "Check all again" went: how many came out verified, unverifiable or invalid, and how
/// many could not be checked at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    pub verified: usize,
    pub unverifiable: usize,
    pub invalid: usize,
    pub failed: usize,
}

/// Verifies every credential in the wallet again (its CLRs' parts too), online under the net
/// policy, recording each report: "Check all again".
pub fn verify_all(
    wallet: &mut Wallet,
    fetcher: &dyn Fetcher,
    progress: &mut dyn FnMut(CheckProgress),
) -> Result<CheckSummary, CommandError> {
    let query = stapel_core::store::ListQuery { include_children: true, ..Default::default() };
    let ids: Vec<String> = wallet.list(&query)?.into_iter().map(|s| s.id).collect();
    let now = Utc::now();
    let run = Run { now, fetched_at: now, fetcher, offline: false };
    let results = stapel_core::wallet::check::verify_each(wallet, &ids, &run, &mut |done, total, _| {
        progress(CheckProgress { done, total })
    });
    let mut summary = CheckSummary::default();
    for (_, result) in results {
        summary.add(result.map(|r| r.result).ok());
    }
    Ok(summary)
}

impl CheckSummary {
    fn add(&mut self, verdict: Option<stapel_core::verify::Verdict>) {
        match verdict {
            Some(stapel_core::verify::Verdict::Verified) => self.verified += 1,
            Some(stapel_core::verify::Verdict::Unverifiable) => self.unverifiable += 1,
            Some(stapel_core::verify::Verdict::Invalid) => self.invalid += 1,
            None => self.failed += 1,
        }
    }
}

/// How the round of status checks when the wallet opens went: the counts of "Check all
/// again", and how many credentials' verdicts changed (the cards are redrawn only then).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecheckSummary {
    #[serde(flatten)]
    pub counts: CheckSummary,
    pub changed: usize,
}

/// When the wallet opens: the credentials whose kept status lists are out of date
/// (`wallet::check::stale_status`) are verified again online, so a revocation since shows on
/// their cards. Each is first verified outside the wallet, which fills one memory of what the
/// network answered (the slow part, and the part that can hang until its time limit); then the
/// wallet is held only for the verification that records the report, answered from that
/// memory. So the learner's own actions go on meanwhile; a wallet locked meanwhile ends the
/// round quietly.
pub fn recheck_status(
    held: &Held,
    fetcher: &dyn Fetcher,
    progress: &mut dyn FnMut(CheckProgress),
) -> Result<RecheckSummary, CommandError> {
    let now = Utc::now();
    let ids = held.with(|w| Ok(stapel_core::wallet::check::stale_status(w, now)?))?;
    let memory = stapel_core::net::CachingFetcher::new(fetcher);
    let run = Run { now, fetched_at: now, fetcher: &memory, offline: false };
    let total = ids.len();
    let mut summary = RecheckSummary::default();
    for (done, id) in ids.iter().enumerate() {
        progress(CheckProgress { done, total });
        let held_now = held.with(|w| {
            let before = w.verification(id)?.map(|v| v.report.result);
            let stored = w.get(id)?;
            let first =
                stored.originals.iter().find(|o| o.role == "credential").or(stored.originals.first()).map(|o| o.n);
            let bytes = match first {
                Some(n) => Some(w.original(id, n)?.bytes),
                None => None,
            };
            Ok((before, bytes))
        });
        let (before, bytes) = match held_now {
            Ok(found) => found,
            Err(e) if e.code == "locked" => break,
            Err(_) => {
                summary.counts.add(None);
                continue;
            }
        };
        if let Some(bytes) = bytes {
            // Only to fill the memory: what it says is said again below, with the wallet.
            let _ = stapel_core::wallet::check::verify_loose(&bytes, None, &run);
        }
        match held.with(|w| Ok(verify_stored(w, id, &run)?)) {
            Ok(report) => {
                summary.changed += usize::from(before != Some(report.result));
                summary.counts.add(Some(report.result));
            }
            Err(e) if e.code == "locked" => break,
            Err(_) => summary.counts.add(None),
        }
    }
    progress(CheckProgress { done: total, total });
    Ok(summary)
}

/// Writes the `n`th original, byte for byte, to `path`.
pub fn export_original(wallet: &Wallet, id: &str, n: usize, path: &Path) -> Result<(), CommandError> {
    let original = wallet.original(id, n)?;
    std::fs::write(path, &original.bytes)
        .map_err(|e| CommandError::new("io", format!("could not write {}: {e}", path.display())))
}
