//! The Progress screen's answers: the stored pathways with a line of progress each, progress
//! towards one in full (with the titles of every credential it names), adding a pathway file,
//! a personal goal from chosen skills, and the exemption request as PDF. All of it is
//! `stapel_core::stacking` and `stapel_core::wallet`; this module only shapes the answers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;
use stapel_core::stacking::{GoalRequest, MatchOptions, Pathway, PathwayUnit, parse_pathway};
use stapel_core::store::Wallet;
use stapel_core::wallet::{WalletProgress, add_personal_goal, progress_of, report, wallet_credentials};

use crate::error::CommandError;

/// One stored pathway as the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathwayCard {
    pub id: String,
    pub name: String,
    pub awarding_body: String,
    pub unit: PathwayUnit,
    pub required: f64,
    pub earned: f64,
    /// What would be earned if the unverifiable credentials verified (when that is more).
    pub earned_if_verified: Option<f64>,
    pub groups: usize,
    pub groups_complete: usize,
    pub complete: bool,
    /// The file it was added from, or "personal goal".
    pub source: String,
}

/// Every stored pathway with its progress, from one read of the wallet.
pub fn cards(wallet: &Wallet, now: DateTime<Utc>) -> Result<Vec<PathwayCard>, CommandError> {
    let options = MatchOptions::at(now);
    let pathways = wallet.pathways()?;
    if pathways.is_empty() {
        return Ok(Vec::new());
    }
    let credentials = wallet_credentials(wallet)?;
    pathways
        .into_iter()
        .map(|stored| {
            let wp = progress_of(credentials.clone(), &stored.pathway, &options)?;
            let p = &wp.progress;
            Ok(PathwayCard {
                id: stored.pathway.id.clone(),
                name: p.target.clone(),
                awarding_body: p.awarding_body.clone(),
                unit: p.unit,
                required: p.required,
                earned: p.earned,
                earned_if_verified: p.if_verified.as_ref().map(|v| v.earned).filter(|e| *e > p.earned),
                groups: p.groups.len(),
                groups_complete: p.groups.iter().filter(|g| g.complete).count(),
                complete: p.complete,
                source: stored.source,
            })
        })
        .collect()
}

/// Progress towards one pathway, with the title of every credential it mentions by id.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressView {
    pub progress: WalletProgress,
    /// Per group (in order), what it would fulfil if the unverifiable credentials verified:
    /// the bars show it apart from what is earned.
    pub fulfilled_if_verified: Vec<f64>,
    pub titles: BTreeMap<String, String>,
}

pub fn progress(wallet: &Wallet, id: &str, now: DateTime<Utc>) -> Result<ProgressView, CommandError> {
    let pathway = wallet.pathway(id)?.pathway;
    let credentials = wallet_credentials(wallet)?;
    let options = MatchOptions::at(now);
    let wp = progress_of(credentials.clone(), &pathway, &options)?;
    let fulfilled_if_verified = if wp.progress.if_verified.is_some() {
        let all = MatchOptions { count_unverifiable: true, ..options };
        progress_of(credentials, &pathway, &all)?.progress.groups.iter().map(|g| g.fulfilled).collect()
    } else {
        wp.progress.groups.iter().map(|g| g.fulfilled).collect()
    };
    // Only the credentials the answer names (a wallet may hold thousands).
    let p = &wp.progress;
    let named = p
        .groups
        .iter()
        .flat_map(|g| g.counted.iter().map(|c| &c.id).chain(&g.also_fits).chain(&g.no_credit_value))
        .chain(p.not_counted.iter().map(|n| &n.id))
        .chain(p.expiring.iter().map(|e| &e.id));
    let titles = named.filter_map(|id| Some((id.clone(), wp.credentials.get(id)?.summary.title.clone()))).collect();
    Ok(ProgressView { progress: wp, fulfilled_if_verified, titles })
}

/// Reads, checks and stores the pathway file at `path` (one with the same id is replaced).
/// A bad file changes nothing and says which field is wrong.
pub fn add_file(wallet: &mut Wallet, path: &Path, now: DateTime<Utc>) -> Result<Pathway, CommandError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
    let bytes = std::fs::read(path)
        .map_err(|e| CommandError::new("unreadable_file", format!("{}: cannot read: {e}", path.display())))?;
    let pathway = parse_pathway(&name, &bytes)?;
    let json = String::from_utf8(bytes)
        .map_err(|_| CommandError::new("pathway_invalid", format!("{name}: the file is not UTF-8 text")))?;
    wallet.add_pathway(&pathway, &json, &name, now)?;
    Ok(pathway)
}

/// A personal goal from the skills the learner chose, stored under a fresh id.
pub fn add_goal(wallet: &mut Wallet, request: &GoalRequest, now: DateTime<Utc>) -> Result<Pathway, CommandError> {
    Ok(add_personal_goal(wallet, request, now)?)
}

/// What writing the exemption request produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WrittenReport {
    pub pdf: PathBuf,
    pub originals_dir: PathBuf,
    pub originals: usize,
    pub presentation: Option<PathBuf>,
    /// No learner name was given and the wallet has no identity to name them by.
    pub learner_unnamed: bool,
}

/// Writes the exemption request for pathway `id` to `pdf` with the counted originals beside
/// it; the learner is `learner` when given, else the wallet's identities.
pub fn write_report(
    wallet: &Wallet,
    id: &str,
    pdf: &Path,
    learner: Option<&str>,
    now: DateTime<Utc>,
) -> Result<WrittenReport, CommandError> {
    let pathway = wallet.pathway(id)?.pathway;
    let learner = report::learner_names(wallet, learner)?;
    let written = report::write_exemption_request(wallet, &pathway, &MatchOptions::at(now), &learner, pdf)?;
    Ok(WrittenReport {
        pdf: written.pdf,
        originals_dir: written.originals_dir,
        originals: written.originals.len(),
        presentation: written.presentation,
        learner_unnamed: learner.is_empty(),
    })
}
