//! The shell's hold on the learner's wallet: where it lives (decided once at start-up) and the
//! open [`Wallet`] behind a mutex. Each operation is a few lines over `stapel_core::store` and
//! blocks (Argon2id, SQLCipher, the keychain): the commands run it on a blocking thread.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;
use stapel_core::store::{KdfParams, KeyMode, ListQuery, Protection, Secret, Summary, Unlock, Wallet};

use crate::error::CommandError;

/// What the page needs to choose between the create form, the unlock form and the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletStatus {
    /// Where the wallet is (or would be created); `None` when no place could be found.
    pub path: Option<PathBuf>,
    /// A wallet file is there.
    pub exists: bool,
    /// It is open in this app.
    pub open: bool,
    /// How it is protected, when it exists and its key description is readable.
    pub key_mode: Option<KeyMode>,
}

/// The wallet the app works on: its path, and the open wallet once unlocked.
pub struct Held {
    path: Option<PathBuf>,
    kdf: KdfParams,
    open: Mutex<Option<Wallet>>,
}

impl Held {
    /// `path`: from `STAPEL_WALLET`, else the platform's default place (see [`wallet_path`]).
    pub fn new(path: Option<PathBuf>, kdf: KdfParams) -> Held {
        Held { path, kdf, open: Mutex::new(None) }
    }

    fn path(&self) -> Result<&PathBuf, CommandError> {
        self.path.as_ref().ok_or_else(|| {
            CommandError::new("no_wallet_path", "no place for the wallet was found: set STAPEL_WALLET to a file path")
        })
    }

    fn slot(&self) -> MutexGuard<'_, Option<Wallet>> {
        // A panic while holding the lock cannot leave a half-written wallet (every write is
        // one transaction in the core), so a poisoned lock is still safe to use.
        self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn status(&self) -> WalletStatus {
        let open = self.slot().is_some();
        let info = self.path.as_deref().map(Wallet::info);
        WalletStatus {
            path: self.path.clone(),
            exists: self.path.as_deref().is_some_and(|p| p.exists()),
            open,
            key_mode: info.and_then(Result::ok).map(|i| i.key_mode),
        }
    }

    /// Creates the wallet and keeps it open.
    pub fn create(&self, protection: Protection) -> Result<WalletStatus, CommandError> {
        let wallet = Wallet::create(self.path()?, protection, self.kdf)?;
        *self.slot() = Some(wallet);
        Ok(self.status())
    }

    /// Opens the wallet and keeps it open (a wallet already open is replaced).
    pub fn unlock(&self, unlock: Unlock) -> Result<WalletStatus, CommandError> {
        let wallet = Wallet::open(self.path()?, unlock)?;
        *self.slot() = Some(wallet);
        Ok(self.status())
    }

    /// Closes the wallet; its key leaves memory with it.
    pub fn lock(&self) -> WalletStatus {
        self.slot().take();
        self.status()
    }

    /// The credentials in the open wallet, newest first.
    pub fn list(&self) -> Result<Vec<Summary>, CommandError> {
        let slot = self.slot();
        let wallet = slot.as_ref().ok_or_else(|| CommandError::new("locked", "the wallet is locked: unlock it first"))?;
        Ok(wallet.list(&ListQuery::default())?)
    }
}

/// Where the app keeps the wallet: `STAPEL_WALLET` when set and not empty, else the platform's
/// default place.
pub fn wallet_path(env: Option<std::ffi::OsString>) -> Option<PathBuf> {
    env.filter(|v| !v.is_empty()).map(PathBuf::from).or_else(stapel_core::store::default_wallet_path)
}

/// How the page asked to protect or unlock the wallet: `"passphrase"` with a passphrase, or
/// `"keychain"` without one.
pub fn secret_choice(method: &str, passphrase: Option<String>) -> Result<Option<Secret>, CommandError> {
    match (method, passphrase) {
        ("keychain", _) => Ok(None),
        ("passphrase", Some(p)) if !p.is_empty() => Ok(Some(Secret::new(p))),
        ("passphrase", _) => Err(CommandError::new("passphrase_missing", "no passphrase was given")),
        (other, _) => Err(CommandError::new("invalid_argument", format!("{other:?} is not a way to protect a wallet: use passphrase or keychain"))),
    }
}
