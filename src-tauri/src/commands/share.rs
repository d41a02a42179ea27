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
pub async fn save_codes(
    held: State<'_, Shared>,
    path: PathBuf,
    parts: Vec<String>,
) -> Result<Vec<PathBuf>, CommandError> {
    blocking(&held, move |_| sharing::save_codes(&path, &parts)).await
}

/// Reads the QR codes in one camera frame. The page sends the frame's grey values as the
/// request's raw body (one byte a pixel, a row at a time), its size in the headers
/// `Stapel-Frame-Width` and `Stapel-Frame-Height`.
#[tauri::command]
pub async fn scan_frame(request: tauri::ipc::Request<'_>) -> Result<Vec<String>, CommandError> {
    let size = |name: &str| -> Result<u32, CommandError> {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| CommandError::new("qr_unreadable", format!("a camera frame came without its {name}")))
    };
    let (width, height) = (size("Stapel-Frame-Width")?, size("Stapel-Frame-Height")?);
    let tauri::ipc::InvokeBody::Raw(pixels) = request.body() else {
        return Err(CommandError::new("qr_unreadable", "a camera frame came without its pixels"));
    };
    let pixels = pixels.clone();
    tauri::async_runtime::spawn_blocking(move || sharing::scan_frame(width, height, pixels))
        .await
        .map_err(|e| CommandError::new("internal", format!("reading the camera frame stopped unexpectedly: {e}")))?
}

/// How far the codes a camera read go towards one presentation.
#[tauri::command]
pub fn scan_codes(codes: Vec<String>) -> Result<sharing::Scanned, CommandError> {
    sharing::scan_codes(&codes)
}

/// Checks presentations from files, pasted text or codes a camera read.
#[tauri::command]
pub async fn check_presentation(held: State<'_, Shared>, request: CheckRequest) -> Result<Vec<Checked>, CommandError> {
    blocking(&held, move |_| sharing::check(&request, Utc::now())).await
}
