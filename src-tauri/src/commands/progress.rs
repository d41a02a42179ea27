//! The Progress screen: the pathways with their progress, one pathway in full, adding a
//! pathway file or a personal goal from chosen skills, removing one, and the exemption request.

use std::path::PathBuf;

use chrono::Utc;
use stapel_core::stacking::GoalRequest;
use tauri::State;

use super::{Shared, blocking};
use crate::error::CommandError;
use crate::pathways::{self, PathwayCard, ProgressView, WrittenReport};

/// Every stored pathway with a line of progress.
#[tauri::command]
pub async fn list_pathways(held: State<'_, Shared>) -> Result<Vec<PathwayCard>, CommandError> {
    blocking(&held, |h| h.with(|w| pathways::cards(w, Utc::now()))).await
}

/// Progress towards pathway `id` in full.
#[tauri::command]
pub async fn pathway_progress(held: State<'_, Shared>, id: String) -> Result<ProgressView, CommandError> {
    blocking(&held, move |h| h.with(|w| pathways::progress(w, &id, Utc::now()))).await
}

/// Adds the pathway file at `path`; returns its id.
#[tauri::command]
pub async fn add_pathway(held: State<'_, Shared>, path: PathBuf) -> Result<String, CommandError> {
    blocking(&held, move |h| h.with(|w| Ok(pathways::add_file(w, &path, Utc::now())?.id))).await
}

/// Makes and stores a personal goal from chosen skills; returns its id.
#[tauri::command]
pub async fn create_goal(held: State<'_, Shared>, request: GoalRequest) -> Result<String, CommandError> {
    blocking(&held, move |h| h.with(|w| Ok(pathways::add_goal(w, &request, Utc::now())?.id))).await
}

/// Removes pathway `id` (the credentials stay).
#[tauri::command]
pub async fn remove_pathway(held: State<'_, Shared>, id: String) -> Result<(), CommandError> {
    blocking(&held, move |h| h.with(|w| Ok(w.remove_pathway(&id)?))).await
}

/// Writes the exemption request for pathway `id` to `path` (a .pdf), originals beside it.
#[tauri::command]
pub async fn write_report(
    held: State<'_, Shared>,
    id: String,
    path: PathBuf,
    learner: Option<String>,
) -> Result<WrittenReport, CommandError> {
    blocking(&held, move |h| h.with(|w| pathways::write_report(w, &id, &path, learner.as_deref(), Utc::now()))).await
}
