//! The first-run, unlock and lock commands, and what the Settings screen does to the wallet
//! itself: change its protection, back it up, restore it.

use std::path::PathBuf;

use stapel_core::store::{Protection, RestoreReport, Secret, Unlock};
use tauri::State;

use super::{Shared, blocking};
use crate::error::CommandError;
use crate::wallet::{WalletStatus, secret_choice};

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

/// Re-keys the wallet: `protection` `"passphrase"` with `newPassphrase`, or `"keychain"`;
/// `currentPassphrase` is required when the wallet is protected by a passphrase now.
#[tauri::command]
pub async fn change_passphrase(
    held: State<'_, Shared>,
    current_passphrase: Option<String>,
    protection: String,
    new_passphrase: Option<String>,
) -> Result<WalletStatus, CommandError> {
    let protection = match secret_choice(&protection, new_passphrase)? {
        Some(secret) => Protection::Passphrase(secret),
        None => Protection::Keychain,
    };
    let current = current_passphrase.filter(|p| !p.is_empty()).map(Secret::new);
    blocking(&held, move |h| h.change_protection(current, protection)).await
}

/// Writes an encrypted backup of the whole wallet to `path`, under `backupPassphrase`.
#[tauri::command]
pub async fn backup_wallet(
    held: State<'_, Shared>,
    path: PathBuf,
    backup_passphrase: String,
) -> Result<(), CommandError> {
    let secret = secret_choice("passphrase", Some(backup_passphrase))?.unwrap_or_else(|| Secret::new(String::new()));
    blocking(&held, move |h| h.backup(&path, &secret)).await
}

/// Restores the backup at `path` (opened with `backupPassphrase`): merged into the open wallet,
/// or, at first run, into a new wallet protected by `protection` (`"passphrase"` with
/// `passphrase`, or `"keychain"`), sending `{ step, done, total }` as it goes.
#[tauri::command]
pub async fn restore_wallet(
    held: State<'_, Shared>,
    path: PathBuf,
    backup_passphrase: String,
    protection: Option<String>,
    passphrase: Option<String>,
    on_progress: tauri::ipc::Channel<crate::wallet::RestoreProgress>,
) -> Result<RestoreReport, CommandError> {
    let secret = secret_choice("passphrase", Some(backup_passphrase))?.unwrap_or_else(|| Secret::new(String::new()));
    let protection = match protection {
        None => None,
        Some(p) => Some(match secret_choice(&p, passphrase)? {
            Some(s) => Protection::Passphrase(s),
            None => Protection::Keychain,
        }),
    };
    blocking(&held, move |h| {
        // A page that went away cannot take progress; the restore goes on regardless.
        h.restore(&path, &secret, protection, &mut |p| {
            let _ = on_progress.send(p);
        })
    })
    .await
}
