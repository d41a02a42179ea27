//! `stapel`: the command-line front of the Stapel wallet. A thin clap layer over
//! `stapel-core`: it reads arguments and secrets, calls the core, and prints one plain line
//! per failure that names the input and the reason. Exit codes: 0 success, 1 a failed
//! operation, 2 a usage error (`verify` has its own: see `verify_cmd`).

mod claim_cmd;
mod identity_cmd;
mod present_cmd;
mod secrets;
mod stacking_cmd;
mod verify_cmd;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use stapel_core::formats::Format;
use stapel_core::net::{Fetcher, HttpFetcher, HttpPolicy};
use stapel_core::store::{self, Backup, KdfParams, KeyMode, ListQuery, Protection, Unlock, Wallet};
use stapel_core::wallet::import::{self, Tally};

use crate::secrets::{PassphraseSource, read_new_passphrase, read_passphrase};

#[derive(Parser)]
#[command(name = "stapel", version, about = "Stapel: your own wallet for diplomas, badges and microcredentials")]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Global {
    /// The wallet file (default: the platform's data folder)
    #[arg(long, global = true, env = "STAPEL_WALLET", value_name = "PATH")]
    wallet: Option<PathBuf>,
    /// Read the wallet's passphrase from this file's first line (`-`: standard input)
    #[arg(long, global = true, env = "STAPEL_PASSPHRASE_FILE", value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Print machine-readable JSON
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new, encrypted wallet
    Init {
        /// Protect the wallet with a passphrase instead of a key in the system keychain
        #[arg(long)]
        passphrase: bool,
    },
    /// Claim credentials from their issuer (OpenID4VCI): an offer link, a file or QR picture of
    /// one, or `-`; --pending asks again for deferred ones
    Claim(claim_cmd::ClaimArgs),
    /// Import credentials: files, folders (recursively), URLs, or `-` for standard input
    Import {
        #[arg(required = true, value_name = "PATH|URL|-")]
        inputs: Vec<String>,
    },
    /// List the credentials in the wallet
    List {
        #[arg(long, value_name = "TEXT")]
        issuer: Option<String>,
        #[arg(long, value_name = "TEXT")]
        skill: Option<String>,
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
        #[arg(long, value_name = "TEXT")]
        tag: Option<String>,
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// The achievement type or edubadges kind, as stated
        #[arg(long = "type", value_name = "TEXT")]
        achievement_type: Option<String>,
        /// A level as FRAMEWORK LEVEL (`EQF 6`)
        #[arg(long, value_name = "LEVEL")]
        level: Option<String>,
        /// Sort by title instead of newest first
        #[arg(long, conflicts_with = "by_credits")]
        by_title: bool,
        /// Sort by credit value (most first; those without one last)
        #[arg(long)]
        by_credits: bool,
        /// Also list the credentials nested in others (the achievements inside a CLR)
        #[arg(long)]
        nested: bool,
        /// At most this many
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
        /// Skip this many first
        #[arg(long, value_name = "N", default_value_t = 0)]
        offset: u32,
    },
    /// Show one credential in full
    Show { id: String },
    /// Write a credential to a file: its normalized view as JSON, or with --original the
    /// bytes exactly as imported
    Export {
        id: String,
        /// Export the original bytes (the first original, or number N as listed by `show`)
        #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "1")]
        original: Option<usize>,
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Remove a credential (and the credentials nested in it)
    Remove { id: String },
    /// Write an encrypted backup of the whole wallet
    Backup {
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Read the backup's passphrase from this file (`-`: standard input); asked for when absent
        #[arg(long, value_name = "FILE")]
        backup_passphrase_file: Option<PathBuf>,
    },
    /// Bring a backup back: into a new wallet, or merged into the existing one
    Restore {
        file: PathBuf,
        #[arg(long, value_name = "FILE")]
        backup_passphrase_file: Option<PathBuf>,
        /// When the backup creates a new wallet: protect it with a passphrase instead of the keychain
        #[arg(long)]
        passphrase: bool,
    },
    /// Manage the wallet's passphrase
    Passphrase {
        #[command(subcommand)]
        action: PassphraseAction,
    },
    /// List each credential's credits, their unit and source, in ECTS and study hours
    Credits,
    /// Manage the pathways (diplomas, programmes, goals) progress is measured against
    Pathway {
        #[command(subcommand)]
        action: stacking_cmd::PathwayAction,
    },
    /// Show progress towards the stored pathways, or one in detail (with --report: a PDF)
    Progress(stacking_cmd::ProgressArgs),
    /// Verify credentials: loose files, wallet credentials by id, or --all (exit 0 all
    /// verified, 1 some invalid, 3 some unverifiable, 2 usage or unreadable input)
    Verify(verify_cmd::VerifyArgs),
    /// Your identities (email, DID, URL), matched against a credential's recipient
    Identity {
        #[command(subcommand)]
        action: identity_cmd::IdentityAction,
    },
    /// Show the wallet's holder DID (did:key), which signs your presentations
    Holder,
    /// Present credentials: a signed Verifiable Presentation as JSON, QR codes, or LinkedIn links
    Present(present_cmd::PresentArgs),
    /// Check a presentation someone shows you: its JSON file or pictures of its QR code(s)
    VerifyPresentation(present_cmd::VerifyPresentationArgs),
}

#[derive(Subcommand)]
enum PassphraseAction {
    /// Re-key the wallet with a new passphrase, or move its key into the system keychain
    Change {
        /// Read the new passphrase from this file (`-`: standard input); asked for when absent
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
        /// Keep the key in the system keychain instead of deriving it from a passphrase
        #[arg(long, conflicts_with = "new_passphrase_file")]
        keychain: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("stapel: {}", one_line(&e));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes on one line: `context: cause: cause`.
fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

fn run(cli: Cli) -> Result<ExitCode> {
    let g = cli.global;
    match cli.command {
        Command::Init { passphrase } => init(&g, passphrase),
        Command::Claim(args) => claim_cmd::run(&g, &args),
        Command::Import { inputs } => import(&g, &inputs),
        Command::List {
            issuer,
            skill,
            tag,
            format,
            search,
            achievement_type,
            level,
            by_title,
            by_credits,
            nested,
            limit,
            offset,
        } => {
            let format = match format {
                Some(f) => Some(Format::parse(&f).with_context(|| {
                    format!("unknown format {f:?} (one of: ob2-hosted, ob2-signed, vc-jsonld, vc-jwt, vc-jose)")
                })?),
                None => None,
            };
            let sort = match (by_title, by_credits) {
                (true, _) => store::Sort::Title,
                (_, true) => store::Sort::Credits,
                _ => store::Sort::Date,
            };
            list(
                &g,
                ListQuery {
                    issuer,
                    skill,
                    tag,
                    format,
                    search,
                    achievement_type,
                    level,
                    sort,
                    limit,
                    offset,
                    include_children: nested,
                },
            )
        }
        Command::Show { id } => show(&g, &id),
        Command::Export { id, original, output } => export(&g, &id, original, &output),
        Command::Remove { id } => {
            let mut wallet = open(&g)?;
            let fetcher = fetcher()?;
            let removed =
                stapel_core::wallet::claim::remove_credential(&mut wallet, &id, fetcher.as_ref(), chrono::Utc::now())?;
            println!("removed {} {}", short(&removed.summary.id), removed.summary.title);
            if removed.issuer_told {
                println!("told its issuer it was removed (credential_deleted)");
            }
            if let Some(notice) = &removed.notice {
                eprintln!("{notice}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { output, backup_passphrase_file } => backup(&g, &output, backup_passphrase_file.as_deref()),
        Command::Restore { file, backup_passphrase_file, passphrase } => {
            restore(&g, &file, backup_passphrase_file.as_deref(), passphrase)
        }
        Command::Holder => present_cmd::holder(&g),
        Command::Present(a) => present_cmd::present(&g, &a),
        Command::VerifyPresentation(a) => Ok(present_cmd::verify_presentation(&g, &a)),
        Command::Passphrase { action: PassphraseAction::Change { new_passphrase_file, keychain } } => {
            let mut wallet = open(&g)?;
            let protection = if keychain {
                Protection::Keychain
            } else {
                Protection::Passphrase(read_new_passphrase(new_passphrase_file.as_deref(), "new passphrase")?)
            };
            wallet.change_protection(protection, KdfParams::default())?;
            println!("the wallet is re-keyed");
            Ok(ExitCode::SUCCESS)
        }
        Command::Credits => stacking_cmd::credits(&g),
        Command::Pathway { action } => stacking_cmd::pathway(&g, action),
        Command::Progress(args) => stacking_cmd::progress(&g, args),
        Command::Verify(args) => verify_cmd::run(&g, args),
        Command::Identity { action } => identity_cmd::run(&g, action),
    }
}

fn wallet_path(g: &Global) -> Result<PathBuf> {
    match &g.wallet {
        Some(p) => Ok(p.clone()),
        None => store::default_wallet_path()
            .context("no data folder on this system: give the wallet's place with --wallet PATH"),
    }
}

fn open(g: &Global) -> Result<Wallet> {
    let path = wallet_path(g)?;
    let info = Wallet::info(&path).with_context(|| format!("{}", path.display()))?;
    let unlock = match info.key_mode {
        KeyMode::Keychain => Unlock::Keychain,
        KeyMode::Passphrase => Unlock::Passphrase(read_passphrase(source(g), "passphrase")?),
    };
    Wallet::open(&path, unlock).with_context(|| format!("{}", path.display()))
}

fn source(g: &Global) -> PassphraseSource<'_> {
    match &g.passphrase_file {
        Some(p) => PassphraseSource::File(p),
        None => PassphraseSource::Prompt,
    }
}

fn init(g: &Global, passphrase: bool) -> Result<ExitCode> {
    let path = wallet_path(g)?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let use_passphrase = passphrase || g.passphrase_file.is_some();
    let protection = if use_passphrase {
        let secret = match &g.passphrase_file {
            Some(p) => read_passphrase(PassphraseSource::File(p), "passphrase")?,
            None => read_new_passphrase(None, "passphrase")?,
        };
        Protection::Passphrase(secret)
    } else {
        Protection::Keychain
    };
    Wallet::create(&path, protection, KdfParams::default()).with_context(|| format!("{}", path.display()))?;
    let how = if use_passphrase { "a passphrase" } else { "a key in the system keychain" };
    println!("created an encrypted wallet at {} (protected by {how})", path.display());
    Ok(ExitCode::SUCCESS)
}

fn fetcher() -> Result<Box<dyn Fetcher>> {
    // Local development and the tests serve badges from loopback over plain HTTP.
    Ok(Box::new(HttpFetcher::new(HttpPolicy::from_environment())?))
}

fn progress_bar(total: usize) -> ProgressBar {
    if total < 2 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} {wide_msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar
}

fn import(g: &Global, args: &[String]) -> Result<ExitCode> {
    let mut wallet = open(g)?;
    let fetcher = fetcher()?;
    let inputs = import::expand(args, &mut std::io::stdin()).map_err(|(name, e)| anyhow::anyhow!("{name}: {e}"))?;
    let bar = progress_bar(inputs.len());
    let now = chrono::Utc::now();
    let run = stapel_core::wallet::check::Run { now, fetched_at: now, fetcher: fetcher.as_ref(), offline: false };
    let outcomes = import::import_all(&mut wallet, &inputs, &run, &mut |p| {
        bar.set_position(p.done as u64);
        bar.set_message(match p.step {
            import::Step::Reading => p.input.to_string(),
            import::Step::Verifying => format!("verifying {}", p.input),
        });
    });
    bar.finish_and_clear();
    let tally = Tally::of(&outcomes);
    let checked = |o: &import::Outcome| match &o.verification {
        Some(Ok(report)) => verify_cmd::verdict_word(report.result).to_string(),
        Some(Err(e)) => format!("not checked: {e}"),
        None => String::new(),
    };
    if g.json {
        let items: Vec<_> = outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(i) => {
                    let mut item =
                        serde_json::json!({"input": o.input, "id": i.id, "already_present": i.already_present});
                    match &o.verification {
                        Some(Ok(report)) => item["result"] = serde_json::json!(report.result),
                        Some(Err(e)) => item["verification_error"] = serde_json::json!(e.to_string()),
                        None => {}
                    }
                    item
                }
                Err(e) => serde_json::json!({"input": o.input, "error": e.to_string()}),
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"imported": tally.imported, "already_present": tally.already_present, "failed": tally.failed, "inputs": items})
        );
    } else {
        for o in &outcomes {
            match &o.result {
                Ok(i) if i.already_present => {
                    println!("{}: already in wallet ({}, {})", o.input, short(&i.id), checked(o))
                }
                Ok(i) => println!("{}: imported {} ({})", o.input, short(&i.id), checked(o)),
                Err(e) => eprintln!("{}: {e}", o.input),
            }
        }
        if outcomes.len() > 1 {
            let count = |v: stapel_core::verify::Verdict| {
                outcomes.iter().filter(|o| matches!(&o.verification, Some(Ok(r)) if r.result == v)).count()
            };
            use stapel_core::verify::Verdict::{Invalid, Unverifiable, Verified};
            println!(
                "{tally}; {} verified, {} unverifiable, {} invalid",
                count(Verified),
                count(Unverifiable),
                count(Invalid)
            );
        }
    }
    Ok(if tally.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// IDs are shown as their first 12 characters; any unique prefix is accepted back.
fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

fn list(g: &Global, q: ListQuery) -> Result<ExitCode> {
    let wallet = open(g)?;
    let items = wallet.list(&q)?;
    let verifications = wallet.verifications()?;
    if g.json {
        let items = items
            .iter()
            .map(|s| verify_cmd::with_verification(serde_json::to_value(s)?, verifications.get(&s.id)))
            .collect::<Result<Vec<_>>>()?;
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "credentials": items }))?);
    } else if items.is_empty() {
        println!("no credentials");
    } else {
        let mut out = std::io::stdout().lock();
        for s in &items {
            let date = s.issued.as_deref().map(|d| &d[..d.len().min(10)]).unwrap_or("          ");
            let issuer = s.issuer.as_deref().unwrap_or("(issuer unknown)");
            let status = verify_cmd::status_word(verifications.get(&s.id));
            writeln!(out, "{}  {date}  {status:<12}  {}  — {issuer}", short(&s.id), s.title)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(g: &Global, id: &str) -> Result<ExitCode> {
    let wallet = open(g)?;
    let stored = wallet.get(id)?;
    let verification = wallet.verification(&stored.summary.id)?;
    if g.json {
        let mut v = serde_json::to_value(&stored)?;
        v["verification"] = verify_cmd::stored_json(verification.as_ref());
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    let c = &stored.credential;
    println!("{}", c.title);
    println!("  id        {}", stored.summary.id);
    println!("  format    {}", stored.summary.format.as_str());
    if let Some(name) = c.issuer.name.as_deref().or(c.issuer.id.as_deref()) {
        println!("  issuer    {name}");
    }
    if let Some(d) = &c.issued {
        println!("  issued    {d}");
    }
    if let Some(d) = &c.valid_until {
        println!("  valid until {d}");
    }
    if let Some(d) = &c.description {
        println!("  {d}");
    }
    for credit in &c.credits {
        println!("  credits   {} {:?} ({})", credit.amount, credit.unit, credit.source);
    }
    for level in &c.levels {
        println!("  level     {} {}", level.framework, level.level);
    }
    for missing in &c.not_retrieved {
        println!("  not retrieved  {missing} (its server could not be reached when this was imported)");
    }
    for skill in &c.skills {
        println!(
            "  skill     {}{}",
            skill.label,
            skill.framework.as_deref().map(|f| format!(" ({f})")).unwrap_or_default()
        );
    }
    for o in &stored.originals {
        println!("  original {}: {} {} from {}", o.n, o.role, o.media_type, o.source);
    }
    for child in &stored.children {
        println!("  contains  {}  {}", short(&child.id), child.title);
    }
    verify_cmd::print_stored(verification.as_ref())?;
    Ok(ExitCode::SUCCESS)
}

fn export(g: &Global, id: &str, original: Option<usize>, output: &Path) -> Result<ExitCode> {
    let wallet = open(g)?;
    let bytes = match original {
        Some(0) => bail!("originals are numbered from 1"),
        Some(n) => wallet.original(id, n)?.bytes,
        None => {
            let stored = wallet.get(id)?;
            let mut v = serde_json::to_vec_pretty(&stored.credential)?;
            v.push(b'\n');
            v
        }
    };
    std::fs::write(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
    println!("wrote {} ({} bytes)", output.display(), bytes.len());
    Ok(ExitCode::SUCCESS)
}

fn backup(g: &Global, output: &Path, passphrase_file: Option<&Path>) -> Result<ExitCode> {
    let wallet = open(g)?;
    let secret = read_new_passphrase(passphrase_file, "backup passphrase")?;
    let bar = progress_bar(2);
    wallet.backup(output, &secret, KdfParams::default(), &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    println!("wrote an encrypted backup to {}", output.display());
    Ok(ExitCode::SUCCESS)
}

fn restore(g: &Global, file: &Path, passphrase_file: Option<&Path>, passphrase: bool) -> Result<ExitCode> {
    let path = wallet_path(g)?;
    let backup_secret = read_passphrase(
        passphrase_file.map(PassphraseSource::File).unwrap_or(PassphraseSource::Prompt),
        "backup passphrase",
    )?;
    // The whole backup is decrypted and checked before anything is written.
    let backup = Backup::read(file, &backup_secret)?;
    let bar = progress_bar(2);
    let mut progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let (mut wallet, report) = if path.exists() {
        let mut wallet = open(g)?;
        let report = wallet.restore(&backup, &mut progress)?;
        (wallet, report)
    } else {
        let protection = if passphrase || g.passphrase_file.is_some() {
            Protection::Passphrase(read_passphrase(source(g), "new wallet passphrase")?)
        } else {
            Protection::Keychain
        };
        Wallet::restore_new(&path, protection, KdfParams::default(), &backup, &mut progress)?
    };
    bar.finish_and_clear();
    println!(
        "restored into {}: {} credentials added, {} already present, {} originals added",
        path.display(),
        report.credentials_added,
        report.credentials_present,
        report.originals_added
    );
    // What came back is verified as it lands, as an import is: the backup's reports are as old
    // as the backup.
    let fetcher = fetcher()?;
    let now = chrono::Utc::now();
    let run = stapel_core::wallet::check::Run { now, fetched_at: now, fetcher: fetcher.as_ref(), offline: false };
    let bar = progress_bar(report.added.len());
    let results = stapel_core::wallet::check::verify_each(&mut wallet, &report.added, &run, &mut |done, _, _| {
        bar.set_position(done as u64);
        bar.set_message("verifying");
    });
    bar.finish_and_clear();
    if !results.is_empty() {
        let count = |v: stapel_core::verify::Verdict| {
            results.iter().filter(|(_, r)| matches!(r, Ok(r) if r.result == v)).count()
        };
        use stapel_core::verify::Verdict::{Invalid, Unverifiable, Verified};
        let failed = results.iter().filter(|(_, r)| r.is_err()).count();
        println!(
            "verified the {} added: {} verified, {} unverifiable, {} invalid{}",
            results.len(),
            count(Verified),
            count(Unverifiable),
            count(Invalid),
            if failed > 0 { format!(", {failed} not checked") } else { String::new() }
        );
    }
    Ok(ExitCode::SUCCESS)
}
