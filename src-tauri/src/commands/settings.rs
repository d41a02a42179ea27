//! The Settings screen: the app's settings file and the learner's identities.

use stapel_core::store::{Identity, IdentityKind};
use tauri::State;

use super::{Shared, blocking};
use crate::error::CommandError;
use crate::settings::{self, Loaded, Settings};

/// The settings (defaults when there is no file, with a notice when it is damaged).
#[tauri::command]
pub async fn get_settings(held: State<'_, Shared>) -> Result<Loaded, CommandError> {
    blocking(&held, |h| Ok(settings::load(h.settings_path()))).await
}

/// Saves the settings.
#[tauri::command]
pub async fn save_settings(held: State<'_, Shared>, settings: Settings) -> Result<Settings, CommandError> {
    blocking(&held, move |h| settings::save(h.settings_path(), &settings).map(|()| settings)).await
}

fn identity_kind(kind: &str) -> Result<IdentityKind, CommandError> {
    IdentityKind::parse(kind).ok_or_else(|| {
        CommandError::new("invalid_argument", format!("{kind:?} is not a kind of identity: use email, did or url"))
    })
}

/// The learner's identities, matched against a credential's recipient.
#[tauri::command]
pub async fn list_identities(held: State<'_, Shared>) -> Result<Vec<Identity>, CommandError> {
    blocking(&held, |h| h.with(|w| Ok(w.identities()?))).await
}

/// Adds an identity (`kind`: `email`, `did` or `url`); returns the list.
#[tauri::command]
pub async fn add_identity(held: State<'_, Shared>, kind: String, value: String) -> Result<Vec<Identity>, CommandError> {
    let kind = identity_kind(&kind)?;
    blocking(&held, move |h| {
        h.with(|w| {
            w.add_identity(kind, &value, chrono::Utc::now())?;
            Ok(w.identities()?)
        })
    })
    .await
}

/// Removes an identity; returns the list.
#[tauri::command]
pub async fn remove_identity(
    held: State<'_, Shared>,
    kind: String,
    value: String,
) -> Result<Vec<Identity>, CommandError> {
    let kind = identity_kind(&kind)?;
    blocking(&held, move |h| {
        h.with(|w| {
            w.remove_identity(kind, &value)?;
            Ok(w.identities()?)
        })
    })
    .await
}
