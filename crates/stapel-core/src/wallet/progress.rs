//! Progress from the wallet: the glue between the store and the pure stacking functions. It
//! reads every credential and its latest stored verification, turns each verification into an
//! [`Eligibility`], and computes credit values and progress, so the CLI and the desktop app
//! call one function each. Nothing here writes to the wallet.

use std::collections::HashMap;

use serde::Serialize;

use crate::formats::Credential;
use crate::formats::credits::{CreditValue, credit_value};
use crate::stacking::{CredentialInput, Eligibility, MatchOptions, Pathway, Progress, StackingError, progress};
use crate::store::{ListQuery, StoreError, StoredVerification, Summary, Wallet};
use crate::verify::Verdict;

/// What can go wrong stacking a wallet's credentials.
#[derive(Debug, thiserror::Error)]
pub enum WalletStackingError {
    /// The wallet could not be read.
    #[error("reading the wallet for stacking failed: {0}")]
    Store(#[from] StoreError),
    /// The pathway or the credentials could not be stacked.
    #[error(transparent)]
    Stacking(#[from] StackingError),
}

/// Where a credential stands for stacking, from its latest stored verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// Its latest verification passed: it counts.
    Verified,
    /// Its latest verification could not run every check: shown apart until verified.
    Unverifiable,
    /// Its latest verification failed (bad proof, revoked, expired): it never counts.
    Invalid,
    /// It was never verified: shown apart until `stapel verify` has run.
    NeverVerified,
}

impl Standing {
    /// The standing of a credential with this latest verification (`None`: never verified).
    pub fn of(verification: Option<&StoredVerification>) -> Standing {
        match verification.map(|v| v.report.result) {
            Some(Verdict::Verified) => Standing::Verified,
            Some(Verdict::Invalid) => Standing::Invalid,
            Some(Verdict::Unverifiable) => Standing::Unverifiable,
            None => Standing::NeverVerified,
        }
    }

    /// What the matcher is told: never verified is handled like unverifiable (shown apart,
    /// "would count once verified").
    pub fn eligibility(self) -> Eligibility {
        match self {
            Standing::Verified => Eligibility::Verified,
            Standing::Invalid => Eligibility::Invalid,
            Standing::Unverifiable | Standing::NeverVerified => Eligibility::Unverifiable,
        }
    }
}

/// One credential of the wallet as stacking sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalletCredential {
    pub summary: Summary,
    pub credential: Credential,
    pub standing: Standing,
    /// Its latest stored verification, if any.
    pub verification: Option<StoredVerification>,
}

/// Every listed credential with its view, in the order of `summaries`.
fn with_views(wallet: &Wallet, summaries: Vec<Summary>) -> Result<Vec<(Summary, Credential)>, StoreError> {
    let mut views = wallet.views()?;
    summaries
        .into_iter()
        .map(|summary| {
            let credential = views
                .remove(&summary.id)
                .ok_or_else(|| StoreError::Corrupt(format!("credential {} has no stored view", summary.id)))?;
            Ok((summary, credential))
        })
        .collect()
}

/// Every credential of the wallet (those nested in a CLR too), by id, with its standing. Three
/// queries whatever the wallet's size: the list, the views, the latest verifications.
pub fn wallet_credentials(wallet: &Wallet) -> Result<Vec<WalletCredential>, StoreError> {
    let mut verifications = wallet.verifications()?;
    let summaries = wallet.list(&ListQuery { include_children: true, ..ListQuery::default() })?;
    let mut out = Vec::with_capacity(summaries.len());
    for (summary, credential) in with_views(wallet, summaries)? {
        let verification = verifications.remove(&summary.id);
        out.push(WalletCredential { standing: Standing::of(verification.as_ref()), summary, credential, verification });
    }
    out.sort_by(|a, b| a.summary.id.cmp(&b.summary.id));
    Ok(out)
}

/// One line of `stapel credits`: a credential and its credit value (`None`: "no credit value").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialCredits {
    pub id: String,
    pub title: String,
    pub issuer: Option<String>,
    pub value: Option<CreditValue>,
    /// The credential this one is part of (a CLR's achievement credential), if any.
    pub part_of: Option<String>,
    /// Whether its value is in the total. A credential inside one that states its own credits
    /// is not: the container's total counts once, its parts are shown under it (decision 0043).
    pub in_total: bool,
}

/// The credit value of every credential in the wallet, newest first, and the total in ECTS
/// of those that have one. `hours_per_ects` is the conversion (28 unless a pathway says
/// otherwise).
///
/// Nothing is counted twice (decision 0043): a credential that contains others (a CLR 2.0
/// with its achievement credentials) and states credits of its own counts with its own value,
/// and what it contains is listed (`part_of`) but not added (`in_total: false`); a container
/// that states no credits adds nothing itself, and its parts count. The rule applies at every
/// depth: the outermost credential that states credits is the one counted.
pub fn wallet_credits(wallet: &Wallet, hours_per_ects: f64) -> Result<(f64, Vec<CredentialCredits>), StoreError> {
    let summaries = wallet.list(&ListQuery { include_children: true, ..ListQuery::default() })?;
    let listed = with_views(wallet, summaries)?;
    let mut values: HashMap<&str, Option<CreditValue>> = HashMap::with_capacity(listed.len());
    let mut parents: HashMap<&str, &str> = HashMap::new();
    for (summary, credential) in &listed {
        values.insert(summary.id.as_str(), credit_value(credential, hours_per_ects));
        if let Some(p) = &summary.parent {
            parents.insert(summary.id.as_str(), p.as_str());
        }
    }
    // Whether an ancestor of `id` states credits of its own (then `id` is inside a total).
    let inside_a_total = |id: &str| {
        let mut at = id;
        let mut steps = 0;
        while let Some(&parent) = parents.get(at) {
            if values.get(parent).is_some_and(Option::is_some) {
                return true;
            }
            at = parent;
            steps += 1;
            if steps > listed.len() {
                break; // a cycle cannot be stored, but never loop on one
            }
        }
        false
    };
    let mut total_hours = 0.0;
    let mut out = Vec::with_capacity(listed.len());
    for (summary, _) in &listed {
        let value = values.get(summary.id.as_str()).cloned().flatten();
        let in_total = value.is_some() && !inside_a_total(&summary.id);
        if in_total && let Some(v) = &value {
            total_hours += v.hours;
        }
        out.push(CredentialCredits {
            id: summary.id.clone(),
            title: summary.title.clone(),
            issuer: summary.issuer.clone(),
            value,
            part_of: summary.parent.clone(),
            in_total,
        });
    }
    let total_ects = (total_hours / hours_per_ects * 100.0).round() / 100.0;
    Ok((total_ects, out))
}

/// Progress towards a pathway from the wallet, with what the matcher was told about each
/// credential.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalletProgress {
    #[serde(flatten)]
    pub progress: Progress,
    /// Credentials of `progress.not_counted` (reason `unverifiable`) that were never verified
    /// at all: running `stapel verify` may let them count.
    pub never_verified: Vec<String>,
    /// The latest verification of each credential that was counted or fits a group, by id.
    #[serde(skip)]
    pub verifications: HashMap<String, StoredVerification>,
    /// Every credential read, by id (for reports that show details).
    #[serde(skip)]
    pub credentials: HashMap<String, WalletCredential>,
}

/// Computes progress towards `pathway` from every credential in the wallet: verified ones
/// count, invalid ones never do, unverifiable and never-verified ones are shown apart. A CLR
/// that states credits of its own and the credentials stored as its parts are never both
/// counted (decision 0045).
pub fn wallet_progress(
    wallet: &Wallet,
    pathway: &Pathway,
    options: &MatchOptions,
) -> Result<WalletProgress, WalletStackingError> {
    let credentials = wallet_credentials(wallet)?;
    progress_of(credentials, pathway, options)
}

/// [`wallet_progress`] over credentials already read with [`wallet_credentials`] (to compute
/// several pathways from one read).
pub fn progress_of(
    credentials: Vec<WalletCredential>,
    pathway: &Pathway,
    options: &MatchOptions,
) -> Result<WalletProgress, WalletStackingError> {
    let input: Vec<CredentialInput<'_>> = credentials
        .iter()
        .map(|c| CredentialInput {
            id: c.summary.id.as_str(),
            credential: &c.credential,
            eligibility: c.standing.eligibility(),
            part_of: c.summary.parent.as_deref(),
        })
        .collect();
    let progress = progress(pathway, &input, options)?;
    let never: std::collections::HashSet<&str> =
        credentials.iter().filter(|c| c.standing == Standing::NeverVerified).map(|c| c.summary.id.as_str()).collect();
    let never_verified =
        progress.not_counted.iter().filter(|n| never.contains(n.id.as_str())).map(|n| n.id.clone()).collect();
    let mut verifications = HashMap::new();
    let mut by_id = HashMap::new();
    for c in credentials {
        if let Some(v) = &c.verification {
            verifications.insert(c.summary.id.clone(), v.clone());
        }
        by_id.insert(c.summary.id.clone(), c);
    }
    Ok(WalletProgress { progress, never_verified, verifications, credentials: by_id })
}
