//! `stapel claim`: claiming credentials from their issuer over OpenID4VCI. The offer comes as
//! a link, a file holding one, a picture of its QR code, or standard input; the transaction
//! code from a file or a hidden prompt, never from an argument. The flow is
//! `stapel_core::claim`; keeping what arrives (verified first) is `stapel_core::wallet::claim`.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Value, json};
use stapel_core::claim::{self, ClaimError, Prepared};
use stapel_core::present::qr;
use stapel_core::wallet::claim::{self as keep, KeptClaim};

use crate::{Global, fetcher, open, progress_bar, short};

/// The largest offer file read: a QR code picture or a text file holding a link.
const MAX_OFFER_FILE: u64 = 8 * 1024 * 1024;

#[derive(Args)]
pub struct ClaimArgs {
    /// The offer: an openid-credential-offer:// (or haip://, https://) link, a file holding one,
    /// a PNG or JPEG picture of its QR code, or `-` for standard input
    #[arg(value_name = "OFFER", required_unless_present_any = ["pending", "cancel"])]
    offer: Option<String>,
    /// Read the transaction code the issuer sent you from this file's first line (`-`: standard
    /// input); asked for at a hidden prompt when the offer needs one and no file is given
    #[arg(long, value_name = "FILE")]
    tx_code_file: Option<PathBuf>,
    /// List the claims an issuer deferred, and ask the issuers of those that are due again
    #[arg(long, conflicts_with_all = ["offer", "cancel", "tx_code_file"])]
    pending: bool,
    /// Forget a pending claim (its id, or a unique prefix of it, as --pending lists it)
    #[arg(long, value_name = "ID", conflicts_with_all = ["offer", "tx_code_file"])]
    cancel: Option<String>,
    /// How long to wait for you to sign in at the issuer, when the offer asks you to
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    sign_in_timeout: u64,
}

/// The learner's browser, with the sign-in address also printed (standard error), so it can be
/// opened by hand on a machine where no browser starts.
struct AnnouncingBrowser;

impl claim::Browser for AnnouncingBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        eprintln!("sign in at the issuer in your browser; if none opened, open this address:\n  {url}");
        if let Err(why) = claim::SystemBrowser.open(url) {
            eprintln!("({why})");
        }
        Ok(())
    }
}

pub fn run(g: &Global, args: &ClaimArgs) -> Result<ExitCode> {
    if let Some(id) = &args.cancel {
        let mut wallet = open(g)?;
        let gone = keep::cancel_pending(&mut wallet, id, "en")?;
        if g.json {
            println!("{}", json!({"cancelled": gone}));
        } else {
            println!("cancelled the pending claim {}: {} from {}", gone.id, gone.title, gone.issuer_name);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.pending {
        return poll(g);
    }
    let text = offer_text(args.offer.as_deref().unwrap_or("-"))?;
    let fetcher = fetcher()?;
    let mut wallet = open(g)?;
    let result = (|| -> Result<(keep::Shown, claim::Claimed), ClaimError> {
        let offer = claim::read_offer(&text, fetcher.as_ref())?;
        let shown = keep::show_offer(offer, "en", fetcher.as_ref())?;
        let prepared = &shown.prepared;
        if !g.json {
            describe(prepared);
        }
        let tx_code = match prepared.tx_code() {
            Some(tx) => {
                Some(read_tx_code(args.tx_code_file.as_deref(), tx).map_err(|e| ClaimError::Offer(e.to_string()))?)
            }
            None => None,
        };
        let key = wallet.claim_keys().map_err(|e| ClaimError::Offer(format!("the wallet's holder keys: {e}")))?;
        if prepared.needs_sign_in() {
            let wait = std::time::Duration::from_secs(args.sign_in_timeout);
            let claimed = claim::claim_authorization_code(
                prepared,
                &AnnouncingBrowser,
                &claim::client_id_from_environment(),
                wait,
                &key,
                fetcher.as_ref(),
                now(),
            )?;
            return Ok((shown, claimed));
        }
        let claimed = claim::claim_pre_authorized(
            prepared,
            tx_code.as_deref().map(|s| s.as_str()),
            &key,
            fetcher.as_ref(),
            now(),
        )?;
        Ok((shown, claimed))
    })();
    let (shown, claimed) = match result {
        Ok(r) => r,
        Err(e) => {
            if g.json {
                println!(
                    "{}",
                    json!({"claimed": [], "pending": [], "refused": [], "error": {"code": e.code(), "message": e.to_string()}})
                );
                return Ok(ExitCode::from(1));
            }
            bail!(e);
        }
    };
    let key = wallet.claim_keys()?;
    let bar = progress_bar(claimed.issued.len());
    let run = keep::run_for_claim(fetcher.as_ref(), now());
    let kept = keep::keep_claimed(&mut wallet, &shown, &claimed, &key, &run, &mut |done, _, name| {
        bar.set_position(done as u64);
        bar.set_message(name.to_string());
    });
    bar.finish_and_clear();
    Ok(report(g, &kept))
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Who offers what, before anything is claimed (standard error, so --json stays clean).
fn describe(prepared: &Prepared) {
    let issuer = prepared.issuer_name("en");
    for offered in &prepared.offered {
        let name = claim::display_for(&offered.configuration.display, "en")
            .and_then(|d| d.name.clone())
            .unwrap_or_else(|| offered.configuration.id.clone());
        match &offered.refused {
            None => eprintln!("{issuer} offers {name}"),
            Some(why) => eprintln!("{issuer} offers {name}, which Stapel cannot take: {why}"),
        }
    }
}

/// Prints the outcome; exit 1 when any offered credential was refused.
fn report(g: &Global, kept: &KeptClaim) -> ExitCode {
    if g.json {
        let claimed: Vec<Value> = kept
            .kept
            .iter()
            .map(|k| {
                json!({"id": k.id, "title": k.title, "issuer": k.issuer, "configuration": k.configuration,
                       "result": k.result, "already_present": k.already_present})
            })
            .collect();
        println!(
            "{}",
            json!({"claimed": claimed, "pending": kept.pending, "refused": kept.refused, "notices": kept.notices})
        );
    } else {
        for k in &kept.kept {
            let result =
                serde_json::to_value(k.result).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            let again = if k.already_present { ", already in the wallet" } else { "" };
            println!("claimed {}: {} from {} ({result}{again})", short(&k.id), k.title, k.issuer);
        }
        for p in &kept.pending {
            println!(
                "pending {}: {} from {}, the issuer asks to wait; asking again after {}",
                p.id, p.title, p.issuer_name, p.next_poll
            );
        }
        for r in &kept.refused {
            eprintln!("{}: refused: {}", r.configuration, r.reason);
        }
        for n in &kept.notices {
            eprintln!("note: {n}");
        }
    }
    if kept.refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn poll(g: &Global) -> Result<ExitCode> {
    let mut wallet = open(g)?;
    if wallet.pending_claims()?.is_empty() {
        if g.json {
            println!("{}", json!({"claimed": [], "pending": [], "refused": [], "notices": []}));
        } else {
            println!("no pending claims");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let fetcher = fetcher()?;
    let key = wallet.claim_keys()?;
    let run = keep::run_for_claim(fetcher.as_ref(), now());
    let total = wallet.pending_claims()?.len();
    let bar = progress_bar(total);
    let kept = keep::poll_pending(&mut wallet, &key, &run, "en", &mut |done, _, name| {
        bar.set_position(done as u64);
        bar.set_message(name.to_string());
    })?;
    bar.finish_and_clear();
    Ok(report(g, &kept))
}

/// The offer's text from what was named: a link as given, standard input, or a file (text, or
/// a picture of a QR code).
fn offer_text(arg: &str) -> Result<String> {
    let looks_like_link =
        ["openid-credential-offer:", "haip:", "https:", "http:", "{"].iter().any(|p| arg.starts_with(p));
    if looks_like_link {
        return Ok(arg.to_string());
    }
    let bytes = if arg == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(MAX_OFFER_FILE + 1)
            .read_to_end(&mut bytes)
            .context("cannot read the offer from standard input")?;
        bytes
    } else {
        let path = Path::new(arg);
        let size =
            std::fs::metadata(path).with_context(|| format!("{arg}: not an offer link, and no such file"))?.len();
        if size > MAX_OFFER_FILE {
            bail!("{arg}: too large for an offer or a picture of one (more than {MAX_OFFER_FILE} bytes)");
        }
        std::fs::read(path).with_context(|| format!("cannot read {arg}"))?
    };
    if bytes.len() as u64 > MAX_OFFER_FILE {
        bail!("the offer is too large (more than {MAX_OFFER_FILE} bytes)");
    }
    let is_picture = bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xff, 0xd8, 0xff]);
    if is_picture {
        let texts = qr::read_image(&bytes).map_err(|e| anyhow::anyhow!("{arg}: {e}"))?;
        return texts
            .into_iter()
            .find(|t| t.starts_with("openid-credential-offer:") || t.starts_with("haip:") || t.starts_with("https:"))
            .with_context(|| format!("{arg}: the picture's QR code holds no credential offer"));
    }
    let text = String::from_utf8(bytes).with_context(|| format!("{arg}: neither text nor a PNG or JPEG picture"))?;
    Ok(text.trim().to_string())
}

/// The transaction code: from the file, else typed at a hidden prompt with the issuer's words.
fn read_tx_code(file: Option<&Path>, tx: &claim::TxCode) -> Result<zeroize::Zeroizing<String>> {
    let code = match file {
        Some(path) => {
            let mut line = String::new();
            if path == Path::new("-") {
                std::io::stdin()
                    .read_line(&mut line)
                    .context("cannot read the transaction code from standard input")?;
            } else {
                line = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the transaction code from {}", path.display()))?
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string();
            }
            line.trim().to_string()
        }
        None => {
            if !std::io::stdin().is_terminal() {
                bail!("this offer needs the transaction code the issuer sent you: give it with --tx-code-file FILE");
            }
            if let Some(d) = &tx.description {
                // The issuer's words, as text: control characters cannot move the cursor.
                let shown: String = d.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
                eprintln!("{shown}");
            }
            let hint = match (tx.input_mode.as_str(), tx.length) {
                ("numeric", Some(n)) => format!(" ({n} digits)"),
                ("numeric", None) => " (digits)".to_string(),
                (_, Some(n)) => format!(" ({n} characters)"),
                _ => String::new(),
            };
            rpassword::prompt_password(format!("transaction code{hint}: "))
                .context("cannot read the transaction code")?
        }
    };
    if code.is_empty() {
        bail!("the transaction code is empty");
    }
    if tx.input_mode == "numeric" && !code.chars().all(|c| c.is_ascii_digit()) {
        bail!("the issuer asks for a code of digits only");
    }
    if let Some(n) = tx.length
        && code.chars().count() != n as usize
    {
        bail!("the issuer's code has {n} characters, and {} were given", code.chars().count());
    }
    Ok(zeroize::Zeroizing::new(code))
}
