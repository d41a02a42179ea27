//! The Share and Check screens: a signed presentation with its QR codes and LinkedIn links,
//! saving it, and checking a presentation someone shows (which needs no open wallet).

use std::path::PathBuf;

use chrono::Utc;
use tauri::State;

use super::{Shared, blocking};
use crate::error::CommandError;
use crate::sharing::{self, CheckRequest, Checked};

/// A presentation of `ids` signed by the holder, with its codes.
#[tauri::command]
pub async fn make_presentation(
    held: State<'_, Shared>,
    ids: Vec<String>,
    challenge: Option<String>,
    domain: Option<String>,
) -> Result<sharing::Shared, CommandError> {
    blocking(&held, move |h| h.with(|w| sharing::make(w, &ids, challenge, domain, Utc::now()))).await
}

/// Writes the shown presentation as JSON to `path`.
#[tauri::command]
pub async fn save_presentation(held: State<'_, Shared>, path: PathBuf, json: String) -> Result<(), CommandError> {
    blocking(&held, move |_| sharing::save_json(&path, &json)).await
}

/// Writes the shown codes as PNG or SVG images; returns the files written.
#[tauri::command]
pub async fn save_codes(held: State<'_, Shared>, path: PathBuf, parts: Vec<String>) -> Result<Vec<PathBuf>, CommandError> {
    blocking(&held, move |_| sharing::save_codes(&path, &parts)).await
}

/// Checks presentations from files or pasted text.
#[tauri::command]
pub async fn check_presentation(held: State<'_, Shared>, request: CheckRequest) -> Result<Vec<Checked>, CommandError> {
    blocking(&held, move |_| sharing::check(&request, Utc::now())).await
}
