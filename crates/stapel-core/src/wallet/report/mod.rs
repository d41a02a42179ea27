//! The exemption request: a PDF an exam committee can read, built from a learner's progress
//! towards a pathway, with the original files of every counted credential written into a
//! folder beside it (`NAME-originals/`, each file named after the report line it belongs to,
//! its SHA-256 printed in the report and listed in `SHA256SUMS`). The CLI (`stapel progress
//! PATHWAY --report FILE.pdf`) and the desktop app both call [`write_exemption_request`]; the
//! PDF alone comes from [`render_exemption_request`]. Beside the originals goes
//! `presentation.json`: the counted credentials in one presentation signed by the learner's
//! holder key, so the committee can check with `stapel verify-presentation` that they are the
//! learner's and unchanged. The time is handed in, like everywhere in the core.

mod pdf;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::present::entry_for;
use super::progress::{WalletProgress, WalletStackingError, wallet_progress};
use crate::present::{self, Cryptosuite, PresentOptions};
use crate::stacking::{GroupKind, MatchOptions, NotCountedReason, Pathway};
use crate::store::{StoreError, StoredVerification, Wallet};
use crate::verify::{Outcome, Verdict};
use pdf::{Layout, Style};

/// The name of the checksum list written into the originals folder (`sha256sum -c` reads it).
pub const CHECKSUMS_FILE: &str = "SHA256SUMS";
/// The signed presentation of the counted credentials, in the originals folder.
pub const PRESENTATION_FILE: &str = "presentation.json";

/// What can go wrong writing an exemption request.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Stacking(#[from] WalletStackingError),
    #[error("reading the wallet for the report failed: {0}")]
    Store(#[from] StoreError),
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{0} already exists and was not written by stapel (it has no {CHECKSUMS_FILE}); move it away or choose another report name"
    )]
    FolderInTheWay(String),
    #[error("the report must be a file ending in .pdf, not {0}")]
    NotPdf(String),
    #[error("writing the PDF failed: {0}")]
    Pdf(String),
    #[error("the learner's presentation of the credentials could not be made: {0}")]
    Presentation(String),
}

/// One original file of a counted credential, as written beside the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportOriginal {
    /// The report line it belongs to, e.g. `2.1` (group 2, first counted credential).
    pub line: String,
    pub credential_id: String,
    /// The file name inside the originals folder.
    pub file: String,
    pub sha256: String,
    pub media_type: String,
    /// Where it was imported from.
    pub source: String,
    /// It is the original of the credential that contains this one (a CLR).
    pub of_container: bool,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// What [`write_exemption_request`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct WrittenReport {
    pub pdf: PathBuf,
    pub originals_dir: PathBuf,
    pub originals: Vec<ReportOriginal>,
    /// The presentation of the counted credentials (none when nothing is counted).
    pub presentation: Option<PathBuf>,
    /// Counted credentials left out of the presentation, each with why.
    pub not_presented: Vec<(String, String)>,
    pub progress: WalletProgress,
}

/// The counted credentials' presentation as the report bundles it.
#[derive(Debug, Clone)]
pub struct BundledPresentation {
    /// The learner's holder DID that signed it.
    pub holder: String,
    /// How many credentials it holds.
    pub credentials: usize,
    /// Counted credentials left out, each with why.
    pub not_presented: Vec<(String, String)>,
    pub json: Vec<u8>,
}

/// The presentation of every counted credential, signed by the holder at `now`: a credential
/// that came inside another (a CLR's part) is presented as that container, once. A credential
/// that cannot be presented is left out and named with the reason.
pub fn counted_presentation(
    wallet: &Wallet,
    progress: &WalletProgress,
    now: DateTime<Utc>,
) -> Result<Option<BundledPresentation>, ReportError> {
    let mut ids: Vec<String> = Vec::new();
    for counted in progress.progress.groups.iter().flat_map(|g| &g.counted) {
        let (id, _) = original_owner(wallet, &counted.id)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Ok(None);
    }
    let mut entries = Vec::new();
    let mut not_presented = Vec::new();
    for id in &ids {
        match entry_for(wallet, id) {
            Ok(entry) => entries.push(entry),
            Err(e) => not_presented.push((id.clone(), e.to_string())),
        }
    }
    if entries.is_empty() {
        return Ok(Some(BundledPresentation {
            holder: String::new(),
            credentials: 0,
            not_presented,
            json: Vec::new(),
        }));
    }
    let key = wallet.holder_key()?;
    let opts = PresentOptions { challenge: None, domain: None, now, suite: Cryptosuite::default() };
    let vp =
        present::build_presentation(&key, &entries, &opts).map_err(|e| ReportError::Presentation(e.to_string()))?;
    let mut json = serde_json::to_vec_pretty(&vp).map_err(|e| ReportError::Presentation(e.to_string()))?;
    json.push(b'\n');
    Ok(Some(BundledPresentation { holder: wallet.holder_did()?, credentials: entries.len(), not_presented, json }))
}

/// Who the request names as the learner: the name given (when it is not blank), else the
/// identities kept in the wallet (which may be none: the request then says so).
pub fn learner_names(wallet: &Wallet, given: Option<&str>) -> Result<Vec<String>, StoreError> {
    match given.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => Ok(vec![name.to_string()]),
        None => Ok(wallet.identities()?.into_iter().map(|i| i.value).collect()),
    }
}

/// The credential whose originals stand for `id`, with its stored record: `id` itself, or,
/// for a credential that came inside another (a CLR's part, stored without originals of its
/// own), that container.
fn original_owner(wallet: &Wallet, id: &str) -> Result<(String, crate::store::Stored), StoreError> {
    let stored = wallet.get(id)?;
    match &stored.summary.parent {
        Some(parent) if stored.originals.is_empty() => {
            let parent = parent.clone();
            let container = wallet.get(&parent)?;
            Ok((parent, container))
        }
        _ => Ok((id.to_string(), stored)),
    }
}

/// The folder the originals of `pdf_path` go into: `NAME-originals` beside `NAME.pdf`.
pub fn originals_dir(pdf_path: &Path) -> PathBuf {
    let stem = pdf_path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "report".to_string());
    pdf_path.with_file_name(format!("{stem}-originals"))
}

/// The original files of every counted credential, named after their report lines:
/// `G.K-<first 12 characters of the id>.<ext>` (`-N` before the extension when a credential
/// has several originals).
pub fn counted_originals(wallet: &Wallet, progress: &WalletProgress) -> Result<Vec<ReportOriginal>, ReportError> {
    let mut out = Vec::new();
    for (g, group) in progress.progress.groups.iter().enumerate() {
        for (k, counted) in group.counted.iter().enumerate() {
            let line = format!("{}.{}", g + 1, k + 1);
            let (owner, stored) = original_owner(wallet, &counted.id)?;
            let of_container = owner != counted.id;
            let several = stored.originals.len() > 1;
            for info in &stored.originals {
                let original = wallet.original(&owner, info.n)?;
                let ext = extension(&info.media_type, &original.bytes);
                let short = &counted.id[..counted.id.len().min(12)];
                let file =
                    if several { format!("{line}-{short}-{}.{ext}", info.n) } else { format!("{line}-{short}.{ext}") };
                out.push(ReportOriginal {
                    line: line.clone(),
                    credential_id: counted.id.clone(),
                    file,
                    sha256: hex::encode(Sha256::digest(&original.bytes)),
                    media_type: info.media_type.clone(),
                    source: info.source.clone(),
                    of_container,
                    bytes: original.bytes,
                });
            }
        }
    }
    Ok(out)
}

fn extension(media_type: &str, bytes: &[u8]) -> &'static str {
    let m = media_type.to_ascii_lowercase();
    if m.contains("png") {
        "png"
    } else if m.contains("svg") {
        "svg"
    } else if m.contains("jwt") || m.contains("jose") {
        "jwt"
    } else if m.contains("json") {
        "json"
    } else if m.starts_with("text/") {
        "txt"
    } else if bytes.first() == Some(&b'{') {
        "json"
    } else {
        "bin"
    }
}

/// Computes progress, renders the request and writes it to `pdf_path`, with the originals of
/// the counted credentials in [`originals_dir`]. A folder left by an earlier report (it has
/// a `SHA256SUMS`) is replaced; any other folder in the way is an error and nothing is written.
/// `learner` names the learner (a name, or the learner's identities).
pub fn write_exemption_request(
    wallet: &Wallet,
    pathway: &Pathway,
    options: &MatchOptions,
    learner: &[String],
    pdf_path: &Path,
) -> Result<WrittenReport, ReportError> {
    let is_pdf = pdf_path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    if !is_pdf {
        return Err(ReportError::NotPdf(pdf_path.display().to_string()));
    }
    let dir = originals_dir(pdf_path);
    if dir.exists() && !dir.join(CHECKSUMS_FILE).is_file() {
        return Err(ReportError::FolderInTheWay(dir.display().to_string()));
    }
    let progress = wallet_progress(wallet, pathway, options)?;
    let originals = counted_originals(wallet, &progress)?;
    let dir_name = dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let presentation = counted_presentation(wallet, &progress, options.now)?;
    let bytes = render_exemption_request(
        pathway,
        &progress,
        learner,
        &originals,
        presentation.as_ref(),
        &dir_name,
        options.now,
    )?;

    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| ReportError::Io { path, source }
    };
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut sums = String::new();
    for o in &originals {
        let path = dir.join(&o.file);
        std::fs::write(&path, &o.bytes).map_err(io(&path))?;
        let _ = writeln!(sums, "{}  {}", o.sha256, o.file);
    }
    let mut presentation_path = None;
    let mut not_presented = Vec::new();
    if let Some(bundle) = presentation {
        not_presented = bundle.not_presented;
        if !bundle.json.is_empty() {
            let path = dir.join(PRESENTATION_FILE);
            std::fs::write(&path, &bundle.json).map_err(io(&path))?;
            let _ = writeln!(sums, "{}  {PRESENTATION_FILE}", hex::encode(Sha256::digest(&bundle.json)));
            presentation_path = Some(path);
        }
    }
    let sums_path = dir.join(CHECKSUMS_FILE);
    std::fs::write(&sums_path, sums).map_err(io(&sums_path))?;
    std::fs::write(pdf_path, &bytes).map_err(io(pdf_path))?;
    Ok(WrittenReport {
        pdf: pdf_path.to_path_buf(),
        originals_dir: dir,
        originals,
        presentation: presentation_path,
        not_presented,
        progress,
    })
}

fn num(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r.fract() == 0.0 { format!("{r:.0}") } else { format!("{r}") }
}

fn day(s: &str) -> &str {
    &s[..s.len().min(10)]
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Verified => "verified",
        Verdict::Invalid => "invalid",
        Verdict::Unverifiable => "unverifiable",
    }
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Unverifiable => "could not run",
        Outcome::Skipped => "does not apply",
    }
}

fn verification_lines(v: Option<&StoredVerification>) -> Vec<String> {
    let Some(v) = v else {
        return vec![
            "Verification: never verified (counted only because unverified credentials were allowed)".to_string(),
        ];
    };
    let mut lines = vec![format!(
        "Verification: {}, checked {}{}",
        verdict_word(v.report.result),
        v.checked_at,
        if v.offline { " (offline: without the network)" } else { "" }
    )];
    for c in &v.report.checks {
        if c.outcome != Outcome::Skipped {
            lines.push(format!("  {}: {} — {}", c.id.as_str(), outcome_word(c.outcome), c.message));
        }
    }
    lines
}

/// The exemption request as PDF bytes. `originals` are listed under the credentials they
/// belong to, as files in the folder `originals_dir_name`.
pub fn render_exemption_request(
    pathway: &Pathway,
    progress: &WalletProgress,
    learner: &[String],
    originals: &[ReportOriginal],
    presentation: Option<&BundledPresentation>,
    originals_dir_name: &str,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, ReportError> {
    let p = &progress.progress;
    let unit = pathway.unit.as_str();
    let mut l = Layout::new()?;
    l.text(Style::Title, 0.0, "Request for exemptions");
    l.text(Style::Body, 0.0, &format!("To: {}", pathway.target.awarding_body));
    l.gap(6.0);
    let who = if learner.is_empty() { "(not named)".to_string() } else { learner.join(", ") };
    l.text(Style::Subheading, 0.0, &format!("Learner: {who}"));
    l.text(
        Style::Subheading,
        0.0,
        &format!("Target: {} ({} {unit})", pathway.target.name, num(pathway.target.total_credits)),
    );
    if let Some(d) = &pathway.target.description {
        l.text(Style::Body, 0.0, d);
    }
    if let Some(u) = &pathway.target.url {
        l.text(Style::Body, 0.0, u);
    }
    l.text(
        Style::Body,
        0.0,
        &format!(
            "Pathway: {} (1 ECTS = {} study hours). Drawn up on {} by Stapel.",
            pathway.id,
            num(pathway.hours_per_ects),
            now.format("%Y-%m-%d %H:%M UTC")
        ),
    );
    l.gap(6.0);
    let complete_groups = p.groups.iter().filter(|g| g.complete).count();
    l.text(
        Style::Body,
        0.0,
        &format!(
            "The learner asks for exemptions on the basis of the credentials below: {} of {} {unit} earned, {} {unit} missing; {} of {} groups complete. Each counted credential was verified by Stapel; the result and the time of the check are given with it. The original files are in the folder {originals_dir_name} beside this file, named after their lines in this request, with their SHA-256 below and in {CHECKSUMS_FILE}.",
            num(p.earned),
            num(p.required),
            num(p.missing),
            complete_groups,
            p.groups.len()
        ),
    );
    if let Some(b) = presentation {
        if b.credentials > 0 {
            l.text(
                Style::Body,
                0.0,
                &format!(
                    "The same {} credential(s) are in {originals_dir_name}/{PRESENTATION_FILE}, one presentation signed by the learner's key {}: `stapel verify-presentation {PRESENTATION_FILE}` checks that the learner holds them and that none was changed, and verifies each one again.",
                    b.credentials, b.holder
                ),
            );
        }
        for (id, why) in &b.not_presented {
            l.text(Style::Body, 0.0, &format!("Not in the presentation: {id}: {why}"));
        }
    }

    for (g, group) in p.groups.iter().enumerate() {
        l.gap(10.0);
        l.keep(60.0);
        let state =
            if group.complete { "complete".to_string() } else { format!("{} {unit} missing", num(group.missing)) };
        l.text(
            Style::Heading,
            0.0,
            &format!(
                "{}. {} — {} of {} {unit} ({state})",
                g + 1,
                group.name,
                num(group.fulfilled),
                num(group.required)
            ),
        );
        if let (GroupKind::Achievement, Some(a)) = (group.kind, &group.achievement) {
            l.text(Style::Body, 0.0, &format!("Asks for the achievement: {a}"));
        }
        if group.counted.is_empty() {
            l.text(Style::Body, 0.0, "No credential fills this group yet.");
        }
        for (k, counted) in group.counted.iter().enumerate() {
            let line = format!("{}.{}", g + 1, k + 1);
            l.gap(4.0);
            l.keep(50.0);
            l.text(Style::Subheading, 0.0, &format!("[{line}] {}", counted.title));
            let wc = progress.credentials.get(&counted.id);
            let c = wc.map(|w| &w.credential);
            let issuer = counted.issuer.as_deref().unwrap_or("(issuer unknown)");
            let date = c.and_then(|c| c.issued.as_deref().or(c.valid_from.as_deref())).map(day).unwrap_or("(no date)");
            l.text(Style::Body, 12.0, &format!("Issuer: {issuer}. Issued: {date}."));
            match &counted.credit {
                Some(cv) => l.text(
                    Style::Body,
                    12.0,
                    &format!(
                        "Credits: {} {unit} counted; stated as {} {}{} in {} (= {} study hours)",
                        counted.credits.map(num).unwrap_or_default(),
                        num(cv.amount),
                        crate::formats::credits::unit_name(cv.unit),
                        if cv.unit_assumed { " (no unit given; read as ECTS)" } else { "" },
                        cv.source,
                        num(cv.hours)
                    ),
                ),
                None => l.text(Style::Body, 12.0, "Credits: no credit value (counted for the achievement)"),
            }
            if let Some(c) = c {
                if !c.levels.is_empty() {
                    let levels: Vec<String> = c.levels.iter().map(|v| format!("{} {}", v.framework, v.level)).collect();
                    l.text(Style::Body, 12.0, &format!("Level: {}", levels.join("; ")));
                }
                if !c.learning_outcomes.is_empty() {
                    l.text(Style::Body, 12.0, "Learning outcomes:");
                    for o in &c.learning_outcomes {
                        l.text(Style::Body, 24.0, &format!("• {o}"));
                    }
                } else if let Some(d) = &c.description {
                    l.text(Style::Body, 12.0, &format!("Description: {d}"));
                }
            }
            if let Some(until) = &counted.counts_until {
                l.text(Style::Body, 12.0, &format!("Counts until: {}", day(until)));
            }
            for v in verification_lines(progress.verifications.get(&counted.id)) {
                l.text(Style::Small, 12.0, &v);
            }
            for o in originals.iter().filter(|o| o.line == line) {
                l.text(
                    Style::Small,
                    12.0,
                    &format!(
                        "Original{}: {originals_dir_name}/{} ({}), SHA-256 {}",
                        if o.of_container { " (of the credential that contains it)" } else { "" },
                        o.file,
                        o.media_type,
                        o.sha256
                    ),
                );
            }
        }
    }

    l.gap(12.0);
    l.keep(60.0);
    l.text(Style::Heading, 0.0, "What is still missing");
    let missing: Vec<_> = p.groups.iter().filter(|g| !g.complete).collect();
    if missing.is_empty() && p.complete {
        l.text(Style::Body, 0.0, "Nothing: every group is complete and the total is reached.");
    }
    for g in &missing {
        let what = match (&g.kind, &g.achievement) {
            (GroupKind::Achievement, Some(a)) => format!("the achievement {a}"),
            _ => format!("{} {unit}", num(g.missing)),
        };
        l.text(Style::Body, 0.0, &format!("• {}: {what}", g.name));
    }
    l.text(Style::Body, 0.0, &format!("In total {} of {} {unit} are missing.", num(p.missing), num(p.required)));

    if !p.not_counted.is_empty() {
        l.gap(12.0);
        l.keep(60.0);
        l.text(Style::Heading, 0.0, "Credentials not counted");
        for n in &p.not_counted {
            let never = progress.never_verified.contains(&n.id);
            let why = match n.reason {
                NotCountedReason::Unverifiable if never => "not verified yet; it would count once verified",
                NotCountedReason::Unverifiable => {
                    "its verification could not run every check; it would count once verified"
                }
                NotCountedReason::Invalid => "its verification failed; it never counts",
                NotCountedReason::Expired => "its validity has ended",
                NotCountedReason::NotYetValid => "it is not valid yet",
                NotCountedReason::ContainerCounted => {
                    "it is part of a credential counted above, whose credits include it"
                }
                NotCountedReason::PartsCounted => {
                    "credentials it contains are counted above; its own total would count them again"
                }
            };
            let titles: Vec<&str> = n
                .counted_instead
                .iter()
                .map(|id| progress.credentials.get(id).map_or(id.as_str(), |c| c.summary.title.as_str()))
                .collect();
            let instead = if titles.is_empty() { String::new() } else { format!(" ({})", titles.join(", ")) };
            l.text(Style::Body, 0.0, &format!("• {} — {why}{instead} (fits: {})", n.title, n.groups.join(", ")));
        }
    }
    if !p.expiring.is_empty() {
        l.gap(12.0);
        l.keep(40.0);
        l.text(Style::Heading, 0.0, "Credentials that will stop counting soon");
        for e in &p.expiring {
            let title = progress.credentials.get(&e.id).map(|c| c.summary.title.as_str()).unwrap_or(e.id.as_str());
            l.text(Style::Body, 0.0, &format!("• {title} ({}) on {}", e.group, day(&e.on)));
        }
    }
    let title = format!("Request for exemptions: {}", pathway.target.name);
    l.finish(&title, learner, now)
}
