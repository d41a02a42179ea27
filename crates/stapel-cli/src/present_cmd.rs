//! `stapel holder`, `stapel present` and `stapel verify-presentation`: the learner's holder
//! DID, signed presentations (JSON, QR codes, LinkedIn links) and checking a presentation
//! someone shows. The work is in `stapel_core::present`; this file reads arguments and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use stapel_core::net::{Fetcher, MapFetcher, Offline};
use stapel_core::present::{self, Expectations, PresentOptions, PresentationReport, qr};
use stapel_core::verify::{Outcome, Verdict, VerifyContext};
use stapel_core::wallet::present as sharing;

use crate::Global;

#[derive(Args)]
pub struct PresentArgs {
    /// The credentials to present (ids or unique prefixes, as `list` shows them)
    #[arg(required = true, value_name = "ID")]
    ids: Vec<String>,
    /// The challenge the verifier gave (a nonce): the presentation answers it
    #[arg(long, value_name = "C")]
    challenge: Option<String>,
    /// The verifier's domain the presentation is meant for
    #[arg(long, value_name = "D")]
    domain: Option<String>,
    /// Write the signed presentation as JSON to this file
    #[arg(short, long, value_name = "FILE.json")]
    output: Option<PathBuf>,
    /// Write the presentation as QR code(s): PNG or SVG by the file's extension; several parts
    /// are written as NAME-1of3.png, NAME-2of3.png, ...
    #[arg(long, value_name = "FILE.png|FILE.svg")]
    qr: Option<PathBuf>,
    /// With --qr: put the credential's public web address in the code instead (one credential)
    #[arg(long, requires = "qr")]
    qr_link: bool,
    /// Print the LinkedIn "add to profile" link of each credential that has a public address
    #[arg(long)]
    linkedin: bool,
}

#[derive(Args)]
pub struct VerifyPresentationArgs {
    /// Presentation JSON files, or PNG/JPEG images of its QR code(s) (all parts, any order)
    #[arg(required = true, value_name = "FILE.json|IMAGE.png|IMAGE.jpg")]
    inputs: Vec<PathBuf>,
    /// The challenge you gave the learner: the presentation must answer it
    #[arg(long, value_name = "C")]
    challenge: Option<String>,
    /// Your domain: the presentation must be made for it
    #[arg(long, value_name = "D")]
    domain: Option<String>,
    /// Do not go online (keys on the web, status lists and hosted badges are then unverifiable)
    #[arg(long)]
    offline: bool,
    /// Answer web addresses from local files: a JSON object mapping each URL to a file
    #[arg(long, value_name = "MAP.json")]
    documents: Option<PathBuf>,
    /// Check as of this time (RFC 3339) instead of now
    #[arg(long, value_name = "T")]
    now: Option<String>,
}

pub fn holder(g: &Global) -> Result<ExitCode> {
    let wallet = crate::open(g)?;
    let did = wallet.holder_did()?;
    if g.json {
        println!("{}", serde_json::json!({ "did": did }));
    } else {
        println!("{did}");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn present(g: &Global, a: &PresentArgs) -> Result<ExitCode> {
    if a.output.is_none() && a.qr.is_none() && !a.linkedin {
        bail!("say what to make: -o FILE.json, --qr FILE.png|FILE.svg, or --linkedin");
    }
    let wallet = crate::open(g)?;
    let mut out = serde_json::Map::new();
    if a.output.is_some() || (a.qr.is_some() && !a.qr_link) {
        let opts = PresentOptions {
            challenge: a.challenge.clone(),
            domain: a.domain.clone(),
            now: chrono::Utc::now(),
            suite: present::Cryptosuite::default(),
        };
        let vp = sharing::present(&wallet, &a.ids, &opts)?;
        if let Some(path) = &a.output {
            let mut bytes = serde_json::to_vec_pretty(&vp)?;
            bytes.push(b'\n');
            std::fs::write(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
            if !g.json {
                println!("wrote a presentation of {} credential(s) to {}", a.ids.len(), path.display());
            }
            out.insert("output".into(), path.display().to_string().into());
        }
        if let (Some(path), false) = (&a.qr, a.qr_link) {
            let encoded = qr::encode(&vp)?;
            let files = qr::write_files(path, &encoded.parts)?;
            if !g.json {
                let versions: Vec<String> = encoded.versions.iter().map(|v| v.to_string()).collect();
                println!(
                    "wrote {} QR code(s) (version {} at level M; {} bytes of JSON, {} compressed): {}",
                    files.len(),
                    versions.join(", "),
                    encoded.json_bytes,
                    encoded.compressed_bytes,
                    files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
                );
            }
            out.insert("qr".into(), serde_json::json!({
                "files": files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
                "versions": encoded.versions, "json_bytes": encoded.json_bytes, "compressed_bytes": encoded.compressed_bytes,
            }));
        }
    }
    if let (Some(path), true) = (&a.qr, a.qr_link) {
        let [id] = a.ids.as_slice() else {
            bail!("--qr-link puts one credential's address in the code: give exactly one")
        };
        let url = match sharing::public_url(&wallet, id)? {
            Ok(url) => url,
            Err(why) => bail!("credential {id} has no public web address: {why}"),
        };
        let files = qr::write_files(path, std::slice::from_ref(&url))?;
        if !g.json {
            println!("wrote a QR code of {url} to {}", files[0].display());
        }
        out.insert("qr".into(), serde_json::json!({"files": [files[0].display().to_string()], "link": url}));
    }
    let mut missing = false;
    if a.linkedin {
        let mut links = Vec::new();
        for id in &a.ids {
            match sharing::linkedin_link(&wallet, id)? {
                Ok(link) => {
                    if !g.json {
                        println!("{link}");
                    }
                    links.push(serde_json::json!({"id": id, "link": link}));
                }
                Err(why) => {
                    missing = true;
                    eprintln!("{id}: no LinkedIn link: {why}");
                    links.push(serde_json::json!({"id": id, "error": why}));
                }
            }
        }
        out.insert("linkedin".into(), links.into());
    }
    if g.json {
        println!("{}", serde_json::Value::Object(out));
    }
    Ok(if missing { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// What the inputs hold: presentations as JSON, and the texts of QR codes (pooled into one).
fn read_inputs(inputs: &[PathBuf]) -> Result<Vec<(String, serde_json::Value)>> {
    let files = inputs
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            Ok((path.display().to_string(), bytes))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(present::read_inputs(&files)?)
}

fn fetcher(a: &VerifyPresentationArgs) -> Result<Box<dyn Fetcher>> {
    let fallback: Option<Box<dyn Fetcher>> = if a.offline { None } else { Some(crate::fetcher()?) };
    Ok(match &a.documents {
        Some(map) => {
            let map = MapFetcher::read_map(map).map_err(|e| anyhow::anyhow!("{}: {e}", map.display()))?;
            Box::new(MapFetcher::new(map, fallback))
        }
        None => fallback.unwrap_or_else(|| Box::new(Offline)),
    })
}

fn mark(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "ok  ",
        Outcome::Failed => "FAIL",
        Outcome::Unverifiable => "??  ",
        Outcome::Skipped => "-   ",
    }
}

fn print_report(source: &str, r: &PresentationReport) {
    println!("{source}: {}", verdict_word(r.result));
    for c in &r.checks {
        println!(
            "  {} {:<9} {}",
            mark(c.outcome),
            serde_json::to_value(c.id).unwrap_or_default().as_str().unwrap_or(""),
            c.message
        );
    }
    for c in &r.credentials {
        let name = c.name.as_deref().unwrap_or("(unnamed credential)");
        let issuer = c.issuer.as_deref().map(|i| format!(" — {i}")).unwrap_or_default();
        println!("  credential {}: {name}{issuer}: {}", c.index, verdict_word(c.result));
        println!("    {} {:<15} {}", mark(c.holder.outcome), "holder", c.holder.message);
        for check in &c.report.checks {
            println!("    {} {:<15} {}", mark(check.outcome), check.id.as_str(), check.message);
        }
    }
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Verified => "verified",
        Verdict::Invalid => "INVALID",
        Verdict::Unverifiable => "unverifiable",
    }
}

/// Exit codes as `stapel verify`: 0 all verified, 1 some invalid, 3 none invalid but some
/// unverifiable, 2 the presentation could not be read or the command was misused.
pub fn verify_presentation(g: &Global, a: &VerifyPresentationArgs) -> ExitCode {
    match run_verify(g, a) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("stapel: {}", crate::one_line(&e));
            ExitCode::from(2)
        }
    }
}

fn run_verify(g: &Global, a: &VerifyPresentationArgs) -> Result<ExitCode> {
    let now = match &a.now {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .with_context(|| format!("--now {t:?} is not an RFC 3339 time (like 2026-11-22T12:00:00Z)"))?
            .with_timezone(&chrono::Utc),
        None => chrono::Utc::now(),
    };
    let presentations = read_inputs(&a.inputs)?;
    let fetcher = fetcher(a)?;
    let ctx = VerifyContext { now, fetcher: fetcher.as_ref(), identities: &[] };
    let expect = Expectations { challenge: a.challenge.clone(), domain: a.domain.clone() };
    let reports: Vec<(String, PresentationReport)> = presentations
        .iter()
        .map(|(source, vp)| (source.clone(), present::verify_presentation(vp, &ctx, &expect)))
        .collect();
    if g.json {
        let items: Vec<_> = reports
            .iter()
            .map(|(source, r)| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("source".into(), source.clone().into());
                }
                v
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "presentations": items }))?);
    } else {
        for (source, r) in &reports {
            print_report(source, r);
        }
    }
    let any = |v: Verdict| reports.iter().any(|(_, r)| r.result == v);
    Ok(if any(Verdict::Invalid) {
        ExitCode::from(1)
    } else if any(Verdict::Unverifiable) {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}
