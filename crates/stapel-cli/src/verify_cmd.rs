//! `stapel verify`: verifies loose files and the wallet's credentials and prints each report.
//!
//! An argument that names an existing path is a file (a folder: every file in it); any other
//! argument is a wallet credential's id or id prefix. Loose files are verified and nothing is
//! written; wallet credentials have their report recorded (and the documents fetched on the
//! way kept) through `stapel_core::wallet::check`. The wallet is opened only when an id or `--all` is
//! given. Exit codes: 0 all verified, 1 some invalid, 3 none invalid but some unverifiable,
//! 2 usage, or an input that could not be verified at all (unreadable, unknown id, no wallet).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::{Value, json};
use stapel_core::net::{Fetcher, MapFetcher, Offline};
use stapel_core::store::{ListQuery, StoredVerification, Wallet};
use stapel_core::verify::{Outcome, Report, Verdict};
use stapel_core::wallet::check::{self, Run};

use crate::Global;

#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// Files (or folders) to verify, or ids (any unique prefix) of wallet credentials; an
    /// argument that names an existing path is a file
    #[arg(value_name = "FILE|ID")]
    targets: Vec<String>,
    /// Verify every credential in the wallet (nested ones too)
    #[arg(long, conflicts_with = "targets")]
    all: bool,
    /// Do not use the network: documents come only from --documents, and status lists the
    /// wallet kept from earlier checks may stand in
    #[arg(long)]
    offline: bool,
    /// A JSON object mapping URLs to local files that answer for them
    #[arg(long, value_name = "MAP.json")]
    documents: Option<PathBuf>,
    /// The time to check at, RFC 3339 (default: now)
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
}

/// One thing to verify.
enum Target {
    File(PathBuf),
    Id(String),
}

/// What became of one target.
struct Done {
    input: String,
    id: Option<String>,
    file: Option<String>,
    title: String,
    result: Result<Report, String>,
    /// The input this credential is nested in (a loose CLR's parts), if any.
    part_of: Option<String>,
}

/// Usage errors exit 2 like clap's own.
fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("stapel: {message}");
    ExitCode::from(2)
}

pub(crate) fn run(g: &Global, args: VerifyArgs) -> Result<ExitCode> {
    // For `verify`, 1 means "some credential is invalid": an operation that failed is 2.
    Ok(run_checked(g, args).unwrap_or_else(|e| {
        eprintln!("stapel: {}", crate::one_line(&e));
        ExitCode::from(2)
    }))
}

fn run_checked(g: &Global, args: VerifyArgs) -> Result<ExitCode> {
    if args.targets.is_empty() && !args.all {
        return Ok(usage("verify needs files, credential ids, or --all"));
    }
    let now = match &args.now {
        None => Utc::now(),
        Some(text) => match DateTime::parse_from_rfc3339(text) {
            Ok(t) => t.with_timezone(&Utc),
            Err(e) => {
                return Ok(usage(format!("--now {text:?} is not an RFC 3339 time (like 2026-01-31T12:00:00Z): {e}")));
            }
        },
    };
    let fetcher: Box<dyn Fetcher> = match (&args.documents, args.offline) {
        (Some(map), offline) => {
            let map = match MapFetcher::read_map(map) {
                Ok(m) => m,
                Err(e) => return Ok(usage(format!("--documents {e}"))),
            };
            let fallback = if offline { None } else { Some(crate::fetcher()?) };
            Box::new(MapFetcher::new(map, fallback))
        }
        (None, true) => Box::new(Offline),
        (None, false) => crate::fetcher()?,
    };
    let run = Run { now, fetched_at: Utc::now(), fetcher: fetcher.as_ref(), offline: args.offline };

    let mut targets = Vec::new();
    for arg in &args.targets {
        let path = Path::new(arg);
        if path.is_dir() {
            let inputs = stapel_core::wallet::import::expand(std::slice::from_ref(arg), &mut std::io::empty())
                .map_err(|(name, e)| anyhow!("{name}: {e}"))?;
            for input in inputs {
                if let stapel_core::wallet::import::Input::File(p) = input {
                    targets.push(Target::File(p));
                }
            }
        } else if path.exists() {
            targets.push(Target::File(path.to_path_buf()));
        } else {
            targets.push(Target::Id(arg.clone()));
        }
    }
    let needs_wallet = args.all || targets.iter().any(|t| matches!(t, Target::Id(_)));
    let mut wallet = if needs_wallet {
        match crate::open(g) {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("stapel: {}", crate::one_line(&e));
                return Ok(ExitCode::from(2));
            }
        }
    } else {
        None
    };
    if args.all
        && let Some(w) = &wallet
    {
        let all = w.list(&ListQuery { include_children: true, ..ListQuery::default() })?;
        targets.extend(all.into_iter().map(|s| Target::Id(s.id)));
    }

    let bar = if args.all { crate::progress_bar(targets.len()) } else { indicatif::ProgressBar::hidden() };
    let mut outcomes = Vec::with_capacity(targets.len());
    for (i, target) in targets.iter().enumerate() {
        let outcome = match target {
            Target::File(p) => verify_file(p, wallet.as_ref(), &run),
            Target::Id(id) => vec![match wallet.as_mut() {
                Some(w) => verify_id(w, id, &run),
                None => no_wallet(id),
            }],
        };
        bar.set_position(i as u64 + 1);
        bar.set_message(outcome[0].title.clone());
        outcomes.extend(outcome);
    }
    bar.finish_and_clear();

    let tally = Tally::of(&outcomes);
    let checked_at = check::timestamp(now);
    if g.json {
        let results: Vec<Value> = outcomes.iter().map(|o| to_json(o, &checked_at, args.offline)).collect();
        println!("{}", serde_json::to_string_pretty(&json!({"results": results, "tally": tally.to_json()}))?);
    } else {
        print_human(&outcomes, &checked_at);
        if args.all || outcomes.len() > 1 {
            println!("{}", tally.line());
        }
    }
    Ok(tally.exit_code())
}

fn no_wallet(id: &str) -> Done {
    // The wallet is opened whenever an id is given; kept total for the type's sake.
    Done {
        input: id.into(),
        id: None,
        file: None,
        title: id.into(),
        result: Err("no wallet is open".into()),
        part_of: None,
    }
}

/// A loose file's report, then (for a CLR) one report per credential nested in it, depth
/// first, each named `FILE › credential N` (`› credential N.M` deeper down).
fn verify_file(path: &Path, wallet: Option<&Wallet>, run: &Run<'_>) -> Vec<Done> {
    let input = path.display().to_string();
    let bytes = match read_capped(path) {
        Ok(b) => b,
        Err(e) => {
            return vec![Done {
                input: input.clone(),
                id: None,
                file: Some(input.clone()),
                title: input,
                result: Err(e),
                part_of: None,
            }];
        }
    };
    let title = title_of(&bytes).unwrap_or_else(|| file_name(path));
    let mut out = Vec::new();
    verify_form(&bytes, title, &Place { file: &input, position: String::new(), part_of: None }, wallet, run, &mut out);
    out
}

/// Where a verified form sits: its file, its position among the nested credentials ("" for
/// the file itself, `2`, `2.1`, ...), and what it is nested in.
struct Place<'a> {
    file: &'a str,
    position: String,
    part_of: Option<String>,
}

fn verify_form(
    bytes: &[u8],
    title: String,
    at: &Place<'_>,
    wallet: Option<&Wallet>,
    run: &Run<'_>,
    out: &mut Vec<Done>,
) {
    let input = if at.position.is_empty() {
        at.file.to_string()
    } else {
        format!("{} › credential {}", at.file, at.position)
    };
    let result = check::verify_loose(bytes, wallet, run).map_err(|e| e.to_string());
    out.push(Done {
        input: input.clone(),
        id: None,
        file: Some(at.file.to_string()),
        title,
        result,
        part_of: at.part_of.clone(),
    });
    for nested in check::nested_credentials(bytes) {
        let position = if at.position.is_empty() {
            nested.position.to_string()
        } else {
            format!("{}.{}", at.position, nested.position)
        };
        let title = if nested.title.trim().is_empty() { format!("credential {position}") } else { nested.title };
        let place = Place { file: at.file, position, part_of: Some(input.clone()) };
        verify_form(&nested.form, title, &place, wallet, run, out);
    }
}

fn verify_id(wallet: &mut Wallet, id: &str, run: &Run<'_>) -> Done {
    let (full, title) = match wallet.get(id) {
        Ok(stored) => (stored.summary.id, stored.summary.title),
        Err(e) => {
            return Done {
                input: id.into(),
                id: None,
                file: None,
                title: id.into(),
                result: Err(e.to_string()),
                part_of: None,
            };
        }
    };
    let result = check::verify_stored(wallet, &full, run).map_err(|e| e.to_string());
    Done { input: id.into(), id: Some(full), file: None, title, result, part_of: None }
}

fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the file: {e}"))?;
    if meta.len() > stapel_core::formats::MAX_INPUT_BYTES as u64 {
        return Err(format!(
            "the file is too large for a credential (more than {} bytes)",
            stapel_core::formats::MAX_INPUT_BYTES
        ));
    }
    std::fs::read(path).map_err(|e| format!("cannot read the file: {e}"))
}

/// The title as the wallet would show it, read without the network.
fn title_of(bytes: &[u8]) -> Option<String> {
    let parsed = stapel_core::formats::read(bytes, &Offline).ok()?;
    Some(parsed.credential.title).filter(|t| !t.trim().is_empty())
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

pub(crate) fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Verified => "verified",
        Verdict::Invalid => "invalid",
        Verdict::Unverifiable => "unverifiable",
    }
}

pub(crate) fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Unverifiable => "unverifiable",
        Outcome::Skipped => "skipped",
    }
}

/// The report's checks, one line each: outcome word, check id, message.
pub(crate) fn print_checks(out: &mut dyn std::io::Write, report: &Report, indent: &str) -> std::io::Result<()> {
    for c in &report.checks {
        writeln!(out, "{indent}{:<13}{:<16}{}", outcome_word(c.outcome), c.id.as_str(), c.message)?;
    }
    Ok(())
}

fn print_human(outcomes: &[Done], checked_at: &str) {
    let mut out = std::io::stdout().lock();
    for (i, o) in outcomes.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out);
        }
        let what = match &o.id {
            Some(id) => crate::short(id).to_string(),
            None => o.input.clone(),
        };
        match &o.result {
            Ok(report) => {
                let _ = writeln!(out, "{}: {} ({what})", verdict_word(report.result), o.title);
                let _ = writeln!(out, "  checked at {checked_at}");
                let _ = print_checks(&mut out, report, "  ");
            }
            Err(e) => {
                let _ = out.flush();
                eprintln!("{}: {e}", o.input);
            }
        }
    }
}

fn to_json(o: &Done, checked_at: &str, offline: bool) -> Value {
    match &o.result {
        Ok(report) => json!({
            "input": o.input,
            "id": o.id,
            "file": o.file,
            "title": o.title,
            "result": report.result,
            "checked_at": checked_at,
            "offline": offline,
            "checks": report.checks,
            "part_of": o.part_of,
        }),
        Err(e) => json!({"input": o.input, "id": o.id, "file": o.file, "error": e, "part_of": o.part_of}),
    }
}

#[derive(Default)]
struct Tally {
    verified: usize,
    invalid: usize,
    unverifiable: usize,
    failed: usize,
}

impl Tally {
    fn of(outcomes: &[Done]) -> Tally {
        let mut t = Tally::default();
        for o in outcomes {
            match &o.result {
                Ok(r) => match r.result {
                    Verdict::Verified => t.verified += 1,
                    Verdict::Invalid => t.invalid += 1,
                    Verdict::Unverifiable => t.unverifiable += 1,
                },
                Err(_) => t.failed += 1,
            }
        }
        t
    }

    fn line(&self) -> String {
        let mut s = format!("{} verified, {} invalid, {} unverifiable", self.verified, self.invalid, self.unverifiable);
        if self.failed > 0 {
            s.push_str(&format!(", {} could not be verified", self.failed));
        }
        s
    }

    fn to_json(&self) -> Value {
        json!({"verified": self.verified, "invalid": self.invalid, "unverifiable": self.unverifiable, "failed": self.failed})
    }

    /// 2 when an input could not be verified at all, else 1 for any invalid, else 3 for any
    /// unverifiable, else 0.
    fn exit_code(&self) -> ExitCode {
        if self.failed > 0 {
            ExitCode::from(2)
        } else if self.invalid > 0 {
            ExitCode::from(1)
        } else if self.unverifiable > 0 {
            ExitCode::from(3)
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// The status column of `list`: verified, invalid, unverifiable, or not checked.
pub(crate) fn status_word(v: Option<&StoredVerification>) -> &'static str {
    v.map_or("not checked", |v| verdict_word(v.report.result))
}

/// A `list --json` item with its `verification`: `{result, checked_at, offline}` or null.
pub(crate) fn with_verification(mut item: Value, v: Option<&StoredVerification>) -> Result<Value> {
    item["verification"] = match v {
        Some(v) => json!({"result": v.report.result, "checked_at": v.checked_at, "offline": v.offline}),
        None => Value::Null,
    };
    Ok(item)
}

/// The stored verification as `show --json` gives it: `{result, checked_at, offline,
/// checks: [...]}` or null.
pub(crate) fn stored_json(v: Option<&StoredVerification>) -> Value {
    match v {
        Some(v) => json!({
            "result": v.report.result,
            "checked_at": v.checked_at,
            "offline": v.offline,
            "checks": v.report.checks,
        }),
        None => Value::Null,
    }
}

/// The stored verification as `show` prints it.
pub(crate) fn print_stored(v: Option<&StoredVerification>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match v {
        None => writeln!(out, "  verification  not checked (run: stapel verify ID)")?,
        Some(v) => {
            let offline = if v.offline { ", offline" } else { "" };
            writeln!(out, "  verification  {} (checked at {}{offline})", verdict_word(v.report.result), v.checked_at)?;
            print_checks(&mut out, &v.report, "    ")?;
        }
    }
    Ok(())
}
