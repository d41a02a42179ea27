//! What can go wrong with the wallet ([`StoreError`]), and [`DbContext`], the one way a
//! database error becomes a [`StoreError::Database`] that says what the store was doing.

use std::path::PathBuf;

/// Everything that can go wrong with the wallet.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a wallet already exists at {path}")]
    Exists { path: PathBuf },
    #[error("there is no wallet at {path}")]
    NotFound { path: PathBuf },
    #[error("the key description {path} beside the wallet is missing, so the wallet cannot be opened")]
    SidecarMissing { path: PathBuf },
    #[error("the key description {path} beside the wallet is damaged: {reason}")]
    SidecarInvalid { path: PathBuf, reason: String },
    #[error("the passphrase does not open this wallet")]
    WrongPassphrase,
    #[error("the keychain holds no key that opens this wallet")]
    KeychainKeyMissing,
    #[error("this wallet is protected by a passphrase, not by the keychain: give the passphrase")]
    NeedsPassphrase,
    #[error("this wallet is protected by the keychain, not by a passphrase")]
    NeedsKeychain,
    #[error("the OS keychain is not available: {0}")]
    KeychainUnavailable(String),
    #[error("the OS keychain failed: {0}")]
    Keychain(String),
    #[error("the key derivation parameters are not usable: {0}")]
    KdfParams(String),
    #[error("the system random number generator failed: {0}")]
    Random(String),
    #[error("could not {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the wallet database failed while {what}: {source}")]
    Database {
        what: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("this wallet was written by a newer Stapel (schema {found}; this one knows up to {supported})")]
    NewerSchema { found: u32, supported: u32 },
    #[error("no credential in the wallet has an id starting with {0:?}")]
    UnknownId(String),
    #[error("the id prefix {prefix:?} matches {count} credentials: give more characters")]
    AmbiguousId { prefix: String, count: u64 },
    #[error("credential {id} has {count} original(s): there is no number {n}")]
    NoOriginal { id: String, n: usize, count: usize },
    #[error("the credential cannot be stored: {0}")]
    InvalidCredential(String),
    #[error("not a usable identity: {0}")]
    InvalidIdentity(String),
    #[error("no pending claim has an id starting with {0:?}")]
    UnknownPendingClaim(String),
    #[error("no pathway in the wallet has the id {0:?}")]
    UnknownPathway(String),
    #[error("the wallet holds damaged data: {0}")]
    Corrupt(String),
    #[error("the wallet failed its integrity check: {0}")]
    IntegrityCheck(String),
    #[error("a backup cannot be written over the wallet itself or its key description ({path})")]
    BackupOverWallet { path: PathBuf },
    #[error("the wallet file {path} is empty: its creation was interrupted; remove it and create the wallet again")]
    EmptyWallet { path: PathBuf },
    #[error("{path} is not a Stapel backup")]
    NotABackup { path: PathBuf },
    #[error("{path} is a Stapel backup of an unknown format version {version}")]
    BackupVersion { path: PathBuf, version: u16 },
    #[error("the passphrase does not open the backup {path}, or the backup is damaged")]
    BackupDoesNotOpen { path: PathBuf },
}

impl StoreError {
    pub(crate) fn db(what: impl Into<String>, source: rusqlite::Error) -> StoreError {
        StoreError::Database { what: what.into(), source }
    }

    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> StoreError {
        StoreError::Io { what: what.into(), source }
    }

    /// Errors that mean "this key does not open it", after which a pending re-key is tried.
    pub(super) fn is_unlock_failure(&self) -> bool {
        matches!(
            self,
            StoreError::WrongPassphrase
                | StoreError::KeychainKeyMissing
                | StoreError::NeedsPassphrase
                | StoreError::NeedsKeychain
        )
    }
}

/// Names what the store was doing when SQLite failed: `stmt.execute(..).db("storing a
/// credential")?` gives "the wallet database failed while storing a credential: ...".
pub(crate) trait DbContext<T> {
    fn db(self, what: &'static str) -> Result<T, StoreError>;
    /// [`DbContext::db`] with a description made only when it is needed.
    fn db_with(self, what: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> DbContext<T> for rusqlite::Result<T> {
    fn db(self, what: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Database { what: what.into(), source })
    }

    fn db_with(self, what: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Database { what: what(), source })
    }
}
