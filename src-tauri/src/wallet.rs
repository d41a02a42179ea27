//! The shell's hold on the learner's wallet: where it lives (decided once at start-up) and the
//! open [`Wallet`] behind a mutex. Each operation is a few lines over `stapel_core::store` and
//! blocks (Argon2id, SQLCipher, the keychain): the commands run it on a blocking thread.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;
use std::path::Path;

use stapel_core::store::{Backup, KdfParams, KeyMode, Protection, RestoreReport, Secret, Unlock, Wallet};
#[cfg(test)]
use stapel_core::store::{ListQuery, Summary};
use stapel_core::wallet::claim::Shown;

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
    settings: Option<PathBuf>,
    open: Mutex<Option<Wallet>>,
    /// The offer the Claim screen is showing, read and checked against the issuer's metadata,
    /// kept here between showing it and claiming it (decision 0091); a lock forgets it.
    offer: Mutex<OfferSlot>,
}

/// The offer kept, and the last number given (never given twice in a run).
#[derive(Default)]
struct OfferSlot {
    last: u64,
    held: Option<HeldOffer>,
}

/// An offer as shown (its metadata and logo) with the number the page names it by: a claim
/// names the offer it showed, so an answer to an older preparation can never claim a newer
/// offer (or the reverse).
pub struct HeldOffer {
    pub number: u64,
    pub shown: Shown,
}

impl Held {
    /// `path`: from `STAPEL_WALLET`, else the platform's default place (see [`wallet_path`]).
    pub fn new(path: Option<PathBuf>, kdf: KdfParams) -> Held {
        Held { path, kdf, settings: None, open: Mutex::new(None), offer: Mutex::new(OfferSlot::default()) }
    }

    /// Where the app's settings file is (see `settings::settings_path`).
    pub fn with_settings_path(mut self, settings: Option<PathBuf>) -> Held {
        self.settings = settings;
        self
    }

    pub fn settings_path(&self) -> Option<&Path> {
        self.settings.as_deref()
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

    /// At launch, a wallet whose key is in the keychain is opened at once, while the window is
    /// still being made (decision 0076): the page's first question then finds it open. The
    /// slot stays locked during the open, so that question waits for it rather than racing
    /// it. A passphrase wallet, no wallet, or a keychain that does not answer leaves it
    /// closed: the page asks as before and tells why.
    pub fn open_at_launch(&self) -> bool {
        let Some(path) = self.path.as_deref() else { return false };
        if !path.exists() || Wallet::info(path).map(|i| i.key_mode).ok() != Some(KeyMode::Keychain) {
            return false;
        }
        let mut slot = self.slot();
        if slot.is_some() {
            return true;
        }
        match Wallet::open(path, Unlock::Keychain) {
            Ok(wallet) => {
                *slot = Some(wallet);
                true
            }
            Err(_) => false,
        }
    }

    /// Closes the wallet; its key leaves memory with it, and the offer being claimed with it.
    pub fn lock(&self) -> WalletStatus {
        self.slot().take();
        self.forget_offer();
        self.status()
    }

    fn offer_slot(&self) -> MutexGuard<'_, OfferSlot> {
        self.offer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps `shown` as the offer being claimed (replacing any other) and gives its number.
    pub fn keep_offer(&self, shown: Shown) -> u64 {
        let mut slot = self.offer_slot();
        slot.last += 1;
        let number = slot.last;
        slot.held = Some(HeldOffer { number, shown });
        number
    }

    /// The offer numbered `number`, taken out of the slot (a claim spends it); `offer_gone`
    /// when another offer was prepared since, or none is kept.
    pub fn take_offer(&self, number: u64) -> Result<Shown, CommandError> {
        let mut slot = self.offer_slot();
        match slot.held.take() {
            Some(held) if held.number == number => Ok(held.shown),
            other => {
                slot.held = other;
                Err(CommandError::new("offer_gone", "that offer is no longer open here: read it again"))
            }
        }
    }

    /// Puts back an offer a claim did not spend (it failed before the issuer gave anything, as
    /// with a mistyped transaction code), unless another was prepared meanwhile.
    pub fn return_offer(&self, number: u64, shown: Shown) {
        let mut slot = self.offer_slot();
        if slot.held.is_none() && slot.last == number {
            slot.held = Some(HeldOffer { number, shown });
        }
    }

    /// Forgets the offer being claimed (the screen was left, or the wallet locked).
    pub fn forget_offer(&self) {
        self.offer_slot().held.take();
    }

    /// The credentials in the open wallet, newest first (the tests' quick look; the page asks
    /// for pages through `listing::page`).
    #[cfg(test)]
    pub fn list(&self) -> Result<Vec<Summary>, CommandError> {
        self.with(|w| Ok(w.list(&ListQuery::default())?))
    }

    /// Runs `work` on the open wallet; `locked` when there is none.
    pub fn with<T>(&self, work: impl FnOnce(&mut Wallet) -> Result<T, CommandError>) -> Result<T, CommandError> {
        let mut slot = self.slot();
        let wallet =
            slot.as_mut().ok_or_else(|| CommandError::new("locked", "the wallet is locked: unlock it first"))?;
        work(wallet)
    }

    /// Re-keys the open wallet with a new passphrase, or moves its key into the keychain. A
    /// wallet protected by a passphrase asks for the current one first: an unlocked window
    /// left alone must not be enough to take the wallet over.
    pub fn change_protection(
        &self,
        current: Option<Secret>,
        protection: Protection,
    ) -> Result<WalletStatus, CommandError> {
        let path = self.path()?.clone();
        self.with(|w| {
            if w.info_now().key_mode == KeyMode::Passphrase {
                let current =
                    current.ok_or_else(|| CommandError::new("passphrase_missing", "no passphrase was given"))?;
                // Opening a second connection with it proves the passphrase, and changes nothing.
                drop(Wallet::open(&path, Unlock::Passphrase(current))?);
            }
            Ok(w.change_protection(protection, self.kdf)?)
        })?;
        Ok(self.status())
    }

    /// Writes an encrypted backup of the open wallet to `out`, under its own passphrase.
    pub fn backup(&self, out: &Path, passphrase: &Secret) -> Result<(), CommandError> {
        self.with(|w| Ok(w.backup(out, passphrase, self.kdf, &mut |_, _| {})?))
    }

    /// Brings a backup back: merged into the open wallet, or as a new wallet (protected by
    /// `protection`) where there is none yet. A wrong passphrase or a damaged file changes
    /// nothing: the whole backup is read and checked before anything is written.
    pub fn restore(
        &self,
        file: &Path,
        passphrase: &Secret,
        protection: Option<Protection>,
        progress: &mut dyn FnMut(RestoreProgress),
    ) -> Result<RestoreReport, CommandError> {
        let backup = Backup::read(file, passphrase)?;
        if self.slot().is_some() {
            return self.with(|w| {
                let report = w.restore(&backup, &mut |done, total| progress_rows(progress, done, total))?;
                verify_restored(w, &report, progress)?;
                Ok(report)
            });
        }
        let path = self.path()?.clone();
        if path.exists() {
            return Err(CommandError::new("locked", "the wallet is locked: unlock it first"));
        }
        let protection =
            protection.ok_or_else(|| CommandError::new("passphrase_missing", "no passphrase was given"))?;
        let (mut wallet, report) = Wallet::restore_new(&path, protection, self.kdf, &backup, &mut |done, total| {
            progress_rows(progress, done, total)
        })?;
        verify_restored(&mut wallet, &report, progress)?;
        *self.slot() = Some(wallet);
        Ok(report)
    }
}

/// Sent to the page as a restore goes: `restoring` (rows of the backup, `done` of `total`),
/// then `verifying` (the credentials it added, each verified as it lands).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RestoreProgress {
    pub step: &'static str,
    pub done: u64,
    pub total: u64,
}

fn progress_rows(progress: &mut dyn FnMut(RestoreProgress), done: u64, total: u64) {
    progress(RestoreProgress { step: "restoring", done, total });
}

/// What a restore added is verified as it lands, as an import is (the backup's reports are as
/// old as the backup); a verification that cannot run leaves the credential unchecked.
fn verify_restored(
    wallet: &mut Wallet,
    report: &RestoreReport,
    progress: &mut dyn FnMut(RestoreProgress),
) -> Result<(), CommandError> {
    let fetcher = crate::importing::http_fetcher()?;
    let now = chrono::Utc::now();
    let run = stapel_core::wallet::check::Run { now, fetched_at: now, fetcher: fetcher.as_ref(), offline: false };
    stapel_core::wallet::check::verify_each(wallet, &report.added, &run, &mut |done, total, _| {
        progress(RestoreProgress { step: "verifying", done: done as u64, total: total as u64 })
    });
    Ok(())
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
        (other, _) => Err(CommandError::new(
            "invalid_argument",
            format!("{other:?} is not a way to protect a wallet: use passphrase or keychain"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap Argon2id costs: the tests check the shell's behaviour, not the KDF's strength.
    const FAST: KdfParams = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };

    fn held_in(dir: &tempfile::TempDir) -> Held {
        Held::new(Some(dir.path().join("wallet.db")), FAST)
    }

    fn passphrase(p: &str) -> Option<Secret> {
        secret_choice("passphrase", Some(p.to_string())).ok().flatten()
    }

    #[test]
    fn at_launch_only_a_keychain_wallet_is_opened_a_passphrase_wallet_or_none_waits() {
        let dir = tempfile::tempdir().unwrap();
        let held = held_in(&dir);
        assert!(!held.open_at_launch(), "no wallet yet: nothing to open");
        assert!(!held.status().exists);
        held.create(Protection::Passphrase(passphrase("a long passphrase").unwrap())).unwrap();
        held.lock();
        assert!(!held.open_at_launch(), "a passphrase wallet waits for its passphrase");
        assert!(!held.status().open);
        assert!(!Held::new(None, FAST).open_at_launch(), "no place for a wallet");
        // (A keychain wallet opening at launch needs a Secret Service: the `keychain` journey.)
    }

    #[test]
    fn before_first_run_the_status_says_there_is_no_wallet_yet() {
        let dir = tempfile::tempdir().unwrap();
        let held = held_in(&dir);
        let status = held.status();
        assert_eq!(status.path.as_deref(), Some(dir.path().join("wallet.db").as_path()));
        assert!(!status.exists && !status.open);
        assert_eq!(status.key_mode, None);
    }

    #[test]
    fn a_created_wallet_is_open_protected_by_its_passphrase_and_lists_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let held = held_in(&dir);
        let status = held.create(Protection::Passphrase(passphrase("a long passphrase").unwrap())).unwrap();
        assert!(status.exists && status.open);
        assert_eq!(status.key_mode, Some(KeyMode::Passphrase));
        assert_eq!(held.list().unwrap(), Vec::new());
    }

    #[test]
    fn a_wrong_passphrase_is_one_clear_error_and_the_wallet_stays_locked() {
        let dir = tempfile::tempdir().unwrap();
        let held = held_in(&dir);
        held.create(Protection::Passphrase(passphrase("the right passphrase").unwrap())).unwrap();
        held.lock();
        let err = held.unlock(Unlock::Passphrase(passphrase("the wrong passphrase").unwrap())).unwrap_err();
        assert_eq!(err.code, "wrong_passphrase");
        assert!(!err.message.is_empty());
        assert!(!held.status().open);
        assert_eq!(held.list().unwrap_err().code, "locked");
        let status = held.unlock(Unlock::Passphrase(passphrase("the right passphrase").unwrap())).unwrap();
        assert!(status.open);
    }

    #[test]
    fn creating_over_an_existing_wallet_is_refused_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let held = held_in(&dir);
        held.create(Protection::Passphrase(passphrase("first passphrase").unwrap())).unwrap();
        held.lock();
        let err = held.create(Protection::Passphrase(passphrase("second passphrase").unwrap())).unwrap_err();
        assert_eq!(err.code, "wallet_exists");
        assert!(held.unlock(Unlock::Passphrase(passphrase("first passphrase").unwrap())).is_ok());
    }

    #[test]
    fn unlocking_where_there_is_no_wallet_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let err = held_in(&dir).unlock(Unlock::Passphrase(passphrase("whatever it is").unwrap())).unwrap_err();
        assert_eq!(err.code, "wallet_missing");
    }

    #[test]
    fn without_a_place_for_the_wallet_every_operation_says_so() {
        let held = Held::new(None, FAST);
        assert_eq!(held.status().path, None);
        assert_eq!(held.create(Protection::Keychain).unwrap_err().code, "no_wallet_path");
        assert_eq!(held.unlock(Unlock::Keychain).unwrap_err().code, "no_wallet_path");
    }

    #[test]
    fn stapel_wallet_decides_the_path_and_an_empty_value_falls_back_to_the_default() {
        assert_eq!(wallet_path(Some("/tmp/w.db".into())), Some(PathBuf::from("/tmp/w.db")));
        assert_eq!(wallet_path(Some("".into())), stapel_core::store::default_wallet_path());
    }

    #[test]
    fn the_page_must_name_a_known_method_and_give_a_passphrase_with_it() {
        assert!(matches!(secret_choice("keychain", None), Ok(None)));
        assert_eq!(secret_choice("passphrase", None).unwrap_err().code, "passphrase_missing");
        assert_eq!(secret_choice("passphrase", Some(String::new())).unwrap_err().code, "passphrase_missing");
        assert_eq!(secret_choice("fingerprint", Some("x".into())).unwrap_err().code, "invalid_argument");
    }
}
