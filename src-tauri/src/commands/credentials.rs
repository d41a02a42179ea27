//! The Wallet, Skills and Credential screens: a page of cards, the filters, the skills, badge
//! images, one credential in full, re-verifying, exporting and removing.

use std::path::PathBuf;

use chrono::Utc;
use stapel_core::store::{Facets, Summary};
use stapel_core::verify::Report;
use tauri::State;

use super::{Shared, blocking};
use crate::error::CommandError;
use crate::importing;
use crate::listing::{self, Detail, Page, PageQuery, SkillGroup};

/// A page of cards matching `query`, with the total number of matches.
#[tauri::command]
pub async fn list_page(held: State<'_, Shared>, query: PageQuery) -> Result<Page, CommandError> {
    blocking(&held, move |h| h.with(|w| listing::page(w, &query, Utc::now()))).await
}

/// The issuers, types, levels and formats to filter on, with counts.
#[tauri::command]
pub async fn list_facets(held: State<'_, Shared>) -> Result<Facets, CommandError> {
    blocking(&held, |h| h.with(|w| listing::facets(w))).await
}

/// Every skill and tag, grouped by framework, with counts.
#[tauri::command]
pub async fn list_skills(held: State<'_, Shared>) -> Result<Vec<SkillGroup>, CommandError> {
    blocking(&held, |h| h.with(|w| listing::skill_groups(w))).await
}

/// A credential's badge image as a `data:` URL, or `null`.
#[tauri::command]
pub async fn badge_image(held: State<'_, Shared>, id: String) -> Result<Option<String>, CommandError> {
    blocking(&held, move |h| h.with(|w| listing::badge_image(w, &id))).await
}

/// One credential in full: the stored record, its latest verification, chip and credit value.
#[tauri::command]
pub async fn credential_detail(held: State<'_, Shared>, id: String) -> Result<Detail, CommandError> {
    blocking(&held, move |h| h.with(|w| listing::detail(w, &id, Utc::now()))).await
}

/// Verifies the credential again (over the network unless `offline`) and keeps the report.
#[tauri::command]
pub async fn verify_credential(held: State<'_, Shared>, id: String, offline: bool) -> Result<Report, CommandError> {
    blocking(&held, move |h| h.with(|w| importing::reverify(w, &id, offline))).await
}

/// Verifies every credential again ("Check all again"), sending `{ done, total }` before each.
#[tauri::command]
pub async fn verify_all(
    held: State<'_, Shared>,
    on_progress: tauri::ipc::Channel<importing::CheckProgress>,
) -> Result<importing::CheckSummary, CommandError> {
    blocking(&held, move |h| {
        let fetcher = importing::http_fetcher()?;
        h.with(|w| {
            importing::verify_all(w, fetcher.as_ref(), &mut |p| {
                // A page that went away cannot take progress; the checks go on regardless.
                let _ = on_progress.send(p);
            })
        })
    })
    .await
}

/// Verifies again, online, the credentials whose kept status lists are out of date (the page
/// asks when the wallet opens), sending `{ done, total }` before each.
#[tauri::command]
pub async fn recheck_status(
    held: State<'_, Shared>,
    on_progress: tauri::ipc::Channel<importing::CheckProgress>,
) -> Result<importing::RecheckSummary, CommandError> {
    blocking(&held, move |h| {
        let fetcher = importing::http_fetcher()?;
        importing::recheck_status(h, fetcher.as_ref(), &mut |p| {
            let _ = on_progress.send(p);
        })
    })
    .await
}

/// Writes original `n` (1-based) of the credential to `path`, byte for byte.
#[tauri::command]
pub async fn export_original(held: State<'_, Shared>, id: String, n: usize, path: PathBuf) -> Result<(), CommandError> {
    blocking(&held, move |h| h.with(|w| importing::export_original(w, &id, n, &path))).await
}

/// Original `n` as text to show (JSON pretty-printed; for a baked image, the JSON in it).
#[tauri::command]
pub async fn original_text(held: State<'_, Shared>, id: String, n: usize) -> Result<String, CommandError> {
    blocking(&held, move |h| h.with(|w| listing::original_text(w, &id, n))).await
}

/// Removes the credential with those nested in it; returns what was removed.
#[tauri::command]
pub async fn remove_credential(held: State<'_, Shared>, id: String) -> Result<Summary, CommandError> {
    // A claimed credential's issuer is told (credential_deleted) while the claim's token is
    // good; the removal stands whatever it answers.
    blocking(&held, move |h| {
        h.with(|w| {
            let fetcher = crate::importing::http_fetcher()?;
            let removed = stapel_core::wallet::claim::remove_credential(w, &id, fetcher.as_ref(), chrono::Utc::now())?;
            Ok(removed.summary)
        })
    })
    .await
}
