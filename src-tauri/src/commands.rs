//! The commands the page may call. Each is a few lines: it moves the blocking core call onto a
//! blocking thread (`spawn_blocking`: the core uses blocking I/O, Argon2id and a blocking
//! HTTP client, none of which may run on the async runtime) and returns the core's answer or
//! a `{ code, message }` error.

use std::sync::Arc;

use stapel_core::store::{Protection, Summary, Unlock};
use tauri::State;

use crate::error::CommandError;
use crate::wallet::{Held, WalletStatus, secret_choice};

/// The managed state: the wallet the app works on.
pub type Shared = Arc<Held>;

async fn blocking<T: Send + 'static>(
    held: &State<'_, Shared>,
    work: impl FnOnce(&Held) -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    let held = Arc::clone(held.inner());
    tauri::async_runtime::spawn_blocking(move || work(&held))
        .await
        .map_err(|e| CommandError::new("internal", format!("the wallet task stopped unexpectedly: {e}")))?
}

/// Where the wallet is, whether it exists and is open, and how it is protected.
#[tauri::command]
pub async fn wallet_status(held: State<'_, Shared>) -> Result<WalletStatus, CommandError> {
    blocking(&held, |h| Ok(h.status())).await
}

/// Creates the wallet, protected by `"passphrase"` (with `passphrase`) or `"keychain"`.
#[tauri::command]
pub async fn create_wallet(
    held: State<'_, Shared>,
    protection: String,
    passphrase: Option<String>,
) -> Result<WalletStatus, CommandError> {
    let protection = match secret_choice(&protection, passphrase)? {
        Some(secret) => Protection::Passphrase(secret),
        None => Protection::Keychain,
    };
    blocking(&held, move |h| h.create(protection)).await
}

/// Opens the wallet with `"passphrase"` (and `passphrase`) or with the `"keychain"`.
#[tauri::command]
pub async fn unlock_wallet(
    held: State<'_, Shared>,
    method: String,
    passphrase: Option<String>,
) -> Result<WalletStatus, CommandError> {
    let unlock = match secret_choice(&method, passphrase)? {
        Some(secret) => Unlock::Passphrase(secret),
        None => Unlock::Keychain,
    };
    blocking(&held, move |h| h.unlock(unlock)).await
}

/// Closes the wallet.
#[tauri::command]
pub async fn lock_wallet(held: State<'_, Shared>) -> Result<WalletStatus, CommandError> {
    blocking(&held, |h| Ok(h.lock())).await
}

/// The credentials in the open wallet, newest first.
#[tauri::command]
pub async fn list_credentials(held: State<'_, Shared>) -> Result<Vec<Summary>, CommandError> {
    blocking(&held, |h| h.list()).await
}

