//! The Import screen: files and folders (paths) and URLs, with progress over a channel.

use tauri::State;
use tauri::ipc::Channel;

use super::{Shared, blocking};
use crate::error::CommandError;
use crate::importing::{self, ImportSummary, Progress};

/// Imports `inputs` (paths of files or folders, or https URLs), sending `{ done, total, input }`
/// after each one, and returns the summary with every failure and its reason.
#[tauri::command]
pub async fn import_inputs(
    held: State<'_, Shared>,
    inputs: Vec<String>,
    on_progress: Channel<Progress>,
) -> Result<ImportSummary, CommandError> {
    blocking(&held, move |h| {
        let fetcher = importing::http_fetcher()?;
        h.with(|w| {
            Ok(importing::import(w, &inputs, fetcher.as_ref(), &mut |p| {
                // A page that went away cannot take progress; the import goes on regardless.
                let _ = on_progress.send(p);
            }))
        })
    })
    .await
}
