//! The encrypted wallet: one SQLCipher database holding every credential the learner keeps,
//! with its original bytes verbatim, its detected format and its normalized view; the key
//! handling (OS keychain or Argon2id passphrase, see [`key`]); the schema and its migrations
//! (see [`schema`]); and encrypted backup and restore (see [`backup`]).
//!
//! Invariants: the file on disk is encrypted as a whole (no plaintext page, no plaintext
//! temp file); every write is one transaction; a wrong key changes nothing on disk; a
//! credential's id is the hex SHA-256 of its key, so dedup, restore and prefix lookups agree.
//! Tables whose names start with `fts_` are derived search indexes, rebuilt from the other
//! tables and never backed up.

pub mod backup;
pub mod holder;
pub mod key;
pub mod records;
pub mod schema;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::formats::{Credential, Format};

pub use backup::{Backup, RestoreReport};
pub use holder::{HolderKey, did_key};
pub use key::{KdfParams, KeyMode, Secret, sidecar_path};
pub use records::{CachedDocument, Identity, IdentityKind, StoredPathway, StoredVerification, normalize_identity};
pub use schema::SCHEMA_VERSION;

use key::{Keychain, RawKey, Sidecar};

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
    fn is_unlock_failure(&self) -> bool {
        matches!(
            self,
            StoreError::WrongPassphrase
                | StoreError::KeychainKeyMissing
                | StoreError::NeedsPassphrase
                | StoreError::NeedsKeychain
        )
    }
}

/// How a new wallet (or a re-key) is protected.
#[derive(Debug)]
pub enum Protection {
    Keychain,
    Passphrase(Secret),
}

/// How an existing wallet is opened.
#[derive(Debug)]
pub enum Unlock {
    Keychain,
    Passphrase(Secret),
}

/// What can be known about a wallet without its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WalletInfo {
    pub path: PathBuf,
    pub key_mode: KeyMode,
    pub schema_version: u32,
}

/// The platform's place for the learner's wallet (`~/.local/share/stapel/wallet.db` on
/// Linux, `~/Library/Application Support/nl.Stapel.Stapel/wallet.db` on macOS,
/// `%APPDATA%\Stapel\Stapel\data\wallet.db` on Windows). `None` without a home directory.
pub fn default_wallet_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("nl", "Stapel", "Stapel").map(|d| d.data_dir().join("wallet.db"))
}

/// A credential to store, as produced by import.
#[derive(Debug, Clone)]
pub struct NewCredential {
    /// Its identity as detected (e.g. the assertion id or a hash of the signed form).
    pub key: String,
    pub format: Format,
    pub credential: Credential,
    pub originals: Vec<NewOriginal>,
    /// Credentials contained in it (the achievements of a CLR).
    pub children: Vec<NewCredential>,
}

/// The bytes a credential arrived as.
#[derive(Debug, Clone)]
pub struct NewOriginal {
    /// `credential`, `badgeclass`, `issuer`, `baked-png`, ...
    pub role: String,
    pub media_type: String,
    /// File name or URL.
    pub source: String,
    pub bytes: Vec<u8>,
}

/// What an insert did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inserted {
    pub id: String,
    /// The credential was already in the wallet: it was not inserted again.
    pub already_present: bool,
    /// How many originals were stored (all of a new credential's; those not yet stored of an
    /// existing one).
    pub originals_added: usize,
    pub children: Vec<Inserted>,
}

/// Order of [`Wallet::list`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest issued first; undated last; then by title.
    #[default]
    Date,
    /// By title, case-insensitively.
    Title,
    /// Most credits first (the credit value in ECTS as `stacking::credit_value` reads it);
    /// credentials without a credit value last; then newest first.
    Credits,
}

/// Filters for [`Wallet::list`] and [`Wallet::count`]; all given filters must match.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Issuer name (case-insensitive) or issuer id.
    pub issuer: Option<String>,
    /// Skill label (case-insensitive), code or URL.
    pub skill: Option<String>,
    /// A tag (case-insensitive).
    pub tag: Option<String>,
    pub format: Option<Format>,
    /// The achievement type (OB3 `achievementType`) or edubadges kind, as stated.
    pub achievement_type: Option<String>,
    /// A level as `FRAMEWORK LEVEL` (`EQF 6`, `NLQF 4`), as in [`Facets::levels`].
    pub level: Option<String>,
    /// Words searched in title, issuer, description, skills and tags (prefix match).
    pub search: Option<String>,
    pub sort: Sort,
    pub limit: Option<u32>,
    pub offset: u32,
    /// Also list credentials contained in another (CLR achievements).
    pub include_children: bool,
}

/// One line or card of the wallet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Full id (64 hex digits); show a prefix.
    pub id: String,
    pub format: Format,
    pub title: String,
    pub issuer: Option<String>,
    pub issuer_id: Option<String>,
    pub issued: Option<String>,
    pub valid_until: Option<String>,
    pub image: Option<String>,
    /// OB3 `achievementType` / edubadges kind, for the card's label.
    pub achievement_type: Option<String>,
    /// The id of the credential this one is part of.
    pub parent: Option<String>,
    /// How many credentials this one contains.
    pub children: u32,
    pub imported_at: String,
}

/// One stored original without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginalInfo {
    /// 1-based, in the order they were stored.
    pub n: usize,
    pub role: String,
    pub media_type: String,
    pub source: String,
    pub imported_at: String,
    pub size: u64,
    pub sha256: String,
}

/// One stored original with its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Original {
    pub info: OriginalInfo,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// A credential as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stored {
    pub summary: Summary,
    pub credential: Credential,
    pub imported_at: String,
    pub originals: Vec<OriginalInfo>,
    pub children: Vec<Summary>,
}

/// A skill and how many credentials carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkillCount {
    pub framework: Option<String>,
    pub code: Option<String>,
    pub url: Option<String>,
    pub label: String,
    pub count: u64,
}

/// The values the list can be filtered on, each with how many top-level credentials have it
/// (most common first): what a filter menu offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    pub issuers: Vec<(String, u64)>,
    pub achievement_types: Vec<(String, u64)>,
    /// `FRAMEWORK LEVEL`, e.g. `EQF 6`.
    pub levels: Vec<(String, u64)>,
    pub formats: Vec<(String, u64)>,
}

/// The id of a credential key: lowercase hex SHA-256.
pub fn credential_id(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn timestamp(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An open, unlocked wallet.
pub struct Wallet {
    conn: Connection,
    path: PathBuf,
    sidecar: Sidecar,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet").field("path", &self.path).finish_non_exhaustive()
    }
}

/// A stored normalized view read back; one that does not parse is a damaged wallet.
fn parse_view(id: &str, view: &str) -> Result<Credential, StoreError> {
    serde_json::from_str(view).map_err(|e| StoreError::Corrupt(format!("the stored view of {id} does not parse: {e}")))
}

/// Runs a statement that may return rows (SQLCipher's pragmas do) and drops the rows.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while rows.next()?.is_some() {}
    Ok(())
}

/// Gives the key and checks that it opens the database. Reads only: a wrong key writes
/// nothing.
fn apply_key(conn: &Connection, key: &RawKey) -> Result<bool, StoreError> {
    // SQLCipher logs a failed page HMAC (a wrong key) to stderr; the caller gets one clear
    // error instead.
    run(conn, "PRAGMA cipher_log_level = NONE").map_err(|e| StoreError::db("configuring the cipher", e))?;
    run(conn, &key.pragma("key")).map_err(|e| StoreError::db("giving the key", e))?;
    // Pin the SQLCipher 4 page format, so a future SQLCipher with other defaults still opens
    // wallets written today.
    run(conn, "PRAGMA cipher_compatibility = 4").map_err(|e| StoreError::db("setting the cipher format", e))?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => Ok(true),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => Ok(false),
        Err(e) => Err(StoreError::db("reading the wallet", e)),
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY; \
         PRAGMA cache_size = -32768;",
    )
    .map_err(|e| StoreError::db("configuring the connection", e))?;
    // Another Stapel (the CLI while the app is open) may hold a write lock for a moment.
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| StoreError::db("configuring the connection", e))
}

fn check_kdf_salt(sc: &Sidecar, path: &Path) -> Result<(Vec<u8>, KdfParams), StoreError> {
    let rec = sc.kdf.as_ref().ok_or_else(|| StoreError::SidecarInvalid {
        path: path.to_owned(),
        reason: "passphrase mode without salt".into(),
    })?;
    let salt = rec.salt().map_err(|reason| StoreError::SidecarInvalid { path: path.to_owned(), reason })?;
    Ok((salt, rec.params))
}

/// The key a sidecar and an unlock lead to.
fn key_for(sc: &Sidecar, sidecar_file: &Path, unlock: &Unlock) -> Result<RawKey, StoreError> {
    match (sc.key_mode, unlock) {
        (KeyMode::Passphrase, Unlock::Passphrase(p)) => {
            let (salt, params) = check_kdf_salt(sc, sidecar_file)?;
            key::derive_key(p, &salt, params)
        }
        (KeyMode::Keychain, Unlock::Keychain) => {
            let account = sc.keychain_account.as_deref().ok_or_else(|| StoreError::SidecarInvalid {
                path: sidecar_file.to_owned(),
                reason: "keychain mode without an account name".into(),
            })?;
            Keychain::connect()?.load_key(account)
        }
        (KeyMode::Passphrase, Unlock::Keychain) => Err(StoreError::NeedsPassphrase),
        (KeyMode::Keychain, Unlock::Passphrase(_)) => Err(StoreError::NeedsKeychain),
    }
}

/// New key material for a protection: the key and the sidecar fields that find it again.
fn new_key(protection: &Protection, kdf: KdfParams, schema_version: u32) -> Result<(RawKey, Sidecar), StoreError> {
    match protection {
        Protection::Passphrase(p) => {
            kdf.validate()?;
            let mut salt = [0u8; key::SALT_LEN];
            key::fill_random(&mut salt)?;
            let k = key::derive_key(p, &salt, kdf)?;
            Ok((
                k,
                Sidecar {
                    format: key::SIDECAR_FORMAT.into(),
                    version: 1,
                    key_mode: KeyMode::Passphrase,
                    kdf: Some(key::KdfRecord::new(kdf, &salt)),
                    keychain_account: None,
                    schema_version,
                },
            ))
        }
        Protection::Keychain => {
            let kc = Keychain::connect()?;
            let account = key::new_keychain_account()?;
            let k = RawKey::random()?;
            kc.store_key(&account, &k)?;
            // Read it back: a keychain that accepts but does not keep (a locked or
            // session-only store) is found now, not when the learner next opens the wallet.
            let back = kc.load_key(&account)?;
            if back.bytes() != k.bytes() {
                let _ = kc.delete_key(&account);
                return Err(StoreError::Keychain("the keychain did not keep the key".into()));
            }
            Ok((
                k,
                Sidecar {
                    format: key::SIDECAR_FORMAT.into(),
                    version: 1,
                    key_mode: KeyMode::Keychain,
                    kdf: None,
                    keychain_account: Some(account),
                    schema_version,
                },
            ))
        }
    }
}

fn forget_keychain_key(sc: &Sidecar) {
    if let (KeyMode::Keychain, Some(account)) = (sc.key_mode, sc.keychain_account.as_deref())
        && let Ok(kc) = Keychain::connect()
        && let Err(e) = kc.delete_key(account)
    {
        tracing::warn!(error = %e, "an unused wallet key could not be removed from the keychain");
    }
}

impl Wallet {
    /// Creates a new, empty wallet at `path` (and its key description beside it). Refuses if
    /// either exists.
    pub fn create(path: &Path, protection: Protection, kdf: KdfParams) -> Result<Wallet, StoreError> {
        Self::create_at_schema_version(path, protection, kdf, SCHEMA_VERSION)
    }

    /// [`Wallet::create`], but with the schema only up to `version`: for tests of the
    /// upgrade path. `open` then migrates it.
    #[doc(hidden)]
    pub fn create_at_schema_version(
        path: &Path,
        protection: Protection,
        kdf: KdfParams,
        version: u32,
    ) -> Result<Wallet, StoreError> {
        let sidecar_file = sidecar_path(path);
        if path.exists() || sidecar_file.exists() {
            return Err(StoreError::Exists { path: path.to_owned() });
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| StoreError::io(format!("create the folder {}", dir.display()), e))?;
        }
        let (k, mut sc) = new_key(&protection, kdf, 0)?;
        // Order: database first, sidecar last. A crash in between leaves a new, empty
        // database without a key description: nothing is lost, and `create` refuses until
        // the learner removes it.
        let built = (|| {
            let mut conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| StoreError::db(format!("creating {}", path.display()), e))?;
            if !apply_key(&conn, &k)? {
                return Err(StoreError::Corrupt("a new wallet does not open with its own key".into()));
            }
            configure(&conn)?;
            sc.schema_version = schema::migrate(&mut conn, version)?;
            holder::ensure(&conn)?;
            key::write_sidecar(&sidecar_file, &sc)?;
            Ok(conn)
        })();
        match built {
            Ok(conn) => Ok(Wallet { conn, path: path.to_owned(), sidecar: sc }),
            Err(e) => {
                let _ = fs::remove_file(path);
                let _ = fs::remove_file(&sidecar_file);
                forget_keychain_key(&sc);
                Err(e)
            }
        }
    }

    /// What the key description says about a wallet, without opening it.
    pub fn info(path: &Path) -> Result<WalletInfo, StoreError> {
        if !path.exists() {
            return Err(StoreError::NotFound { path: path.to_owned() });
        }
        let sc = key::read_sidecar(&sidecar_path(path))?;
        Ok(WalletInfo { path: path.to_owned(), key_mode: sc.key_mode, schema_version: sc.schema_version })
    }

    /// Opens and unlocks a wallet, and brings its schema up to date.
    ///
    /// If a change of protection was interrupted (a pending key description exists beside
    /// the wallet), the key is tried against both; the one that opens wins and the other is
    /// removed.
    pub fn open(path: &Path, unlock: Unlock) -> Result<Wallet, StoreError> {
        if !path.is_file() {
            return Err(StoreError::NotFound { path: path.to_owned() });
        }
        // An empty file opens with any key (SQLCipher has nothing to check it against).
        if fs::metadata(path).map(|m| m.len()).unwrap_or(0) == 0 {
            return Err(StoreError::EmptyWallet { path: path.to_owned() });
        }
        let sidecar_file = sidecar_path(path);
        let pending_file = key::pending_sidecar_path(path);
        let main = key::read_sidecar(&sidecar_file)?;
        let (conn, sc) = match Self::unlock_with(path, &sidecar_file, &main, &unlock) {
            Ok(conn) => {
                if pending_file.exists() {
                    // The re-key never happened: drop its leftovers.
                    if let Ok(p) = key::read_sidecar(&pending_file)
                        && p.keychain_account != main.keychain_account
                    {
                        forget_keychain_key(&p);
                    }
                    let _ = fs::remove_file(&pending_file);
                }
                (conn, main)
            }
            Err(e) if e.is_unlock_failure() && pending_file.exists() => {
                let pending = match key::read_sidecar(&pending_file) {
                    Ok(p) => p,
                    Err(_) => return Err(e),
                };
                match Self::unlock_with(path, &pending_file, &pending, &unlock) {
                    Ok(conn) => {
                        // The re-key happened: finish it.
                        fs::rename(&pending_file, &sidecar_file)
                            .map_err(|e| StoreError::io(format!("write {}", sidecar_file.display()), e))?;
                        let _ = key::sync_dir(&sidecar_file);
                        if main.keychain_account != pending.keychain_account {
                            forget_keychain_key(&main);
                        }
                        (conn, pending)
                    }
                    Err(_) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        let mut wallet = Wallet { conn, path: path.to_owned(), sidecar: sc };
        configure(&wallet.conn)?;
        let v = schema::migrate(&mut wallet.conn, SCHEMA_VERSION)?;
        // A wallet made before migration 0005 gets its holder key on its first open.
        holder::ensure(&wallet.conn)?;
        if v != wallet.sidecar.schema_version {
            wallet.sidecar.schema_version = v;
            key::write_sidecar(&sidecar_file, &wallet.sidecar)?;
        }
        Ok(wallet)
    }

    fn unlock_with(path: &Path, sidecar_file: &Path, sc: &Sidecar, unlock: &Unlock) -> Result<Connection, StoreError> {
        let k = key_for(sc, sidecar_file, unlock)?;
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(|e| StoreError::db(format!("opening {}", path.display()), e))?;
        if apply_key(&conn, &k)? {
            Ok(conn)
        } else {
            Err(match sc.key_mode {
                KeyMode::Passphrase => StoreError::WrongPassphrase,
                KeyMode::Keychain => StoreError::KeychainKeyMissing,
            })
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn info_now(&self) -> WalletInfo {
        WalletInfo {
            path: self.path.clone(),
            key_mode: self.sidecar.key_mode,
            schema_version: self.sidecar.schema_version,
        }
    }

    /// Re-keys the wallet with new protection (a new passphrase, or a switch between keychain
    /// and passphrase).
    ///
    /// Crash order: (1) the new key is made (and, for the keychain, stored under a new
    /// account); (2) the new key description is written to a pending file; (3) SQLCipher
    /// re-keys the database in one transaction; (4) the pending file is renamed over the key
    /// description; (5) the old keychain entry is removed. A crash before (3) leaves the old
    /// key working; after (3) the pending file holds the new one, and `open` finishes the
    /// rename. Either key the learner believes in opens the wallet.
    pub fn change_protection(&mut self, protection: Protection, kdf: KdfParams) -> Result<(), StoreError> {
        let sidecar_file = sidecar_path(&self.path);
        let pending_file = key::pending_sidecar_path(&self.path);
        let (k, sc) = new_key(&protection, kdf, self.sidecar.schema_version)?;
        if let Err(e) = key::write_sidecar(&pending_file, &sc) {
            forget_keychain_key(&sc);
            return Err(e);
        }
        if let Err(e) = run(&self.conn, &k.pragma("rekey")) {
            let _ = fs::remove_file(&pending_file);
            forget_keychain_key(&sc);
            return Err(StoreError::db("re-keying the wallet", e));
        }
        fs::rename(&pending_file, &sidecar_file)
            .map_err(|e| StoreError::io(format!("write {}", sidecar_file.display()), e))?;
        key::sync_dir(&sidecar_file).map_err(|e| StoreError::io(format!("write {}", sidecar_file.display()), e))?;
        let old = std::mem::replace(&mut self.sidecar, sc);
        if old.keychain_account != self.sidecar.keychain_account {
            forget_keychain_key(&old);
        }
        Ok(())
    }

    /// Stores a credential with its originals and children in one transaction.
    ///
    /// A credential whose key is already stored is not inserted again: those of its originals
    /// whose bytes differ from every stored original are added to it, and the outcome says
    /// `already_present`. Its stored view is kept as it was. A child already in the wallet
    /// on its own is linked to this parent.
    pub fn insert(&mut self, c: &NewCredential, now: DateTime<Utc>) -> Result<Inserted, StoreError> {
        let now = timestamp(now);
        let tx = self.conn.transaction().map_err(|e| StoreError::db("starting an insert", e))?;
        let mut ancestors = Vec::new();
        let out = insert_tree(&tx, c, None, &now, &mut ancestors)?;
        tx.commit().map_err(|e| StoreError::db("committing an insert", e))?;
        Ok(out)
    }

    /// Credentials matching the query.
    pub fn list(&self, q: &ListQuery) -> Result<Vec<Summary>, StoreError> {
        if q.sort == Sort::Credits {
            return self.list_by_credits(q);
        }
        let skill_probe = match &q.skill {
            Some(s)
                if q.limit.is_some()
                    && q.issuer.is_none()
                    && q.tag.is_none()
                    && q.search.is_none()
                    && q.format.is_none() =>
            {
                if skill_is_common(&self.conn, s)? {
                    SkillShape::Probe
                } else {
                    SkillShape::Set
                }
            }
            _ => SkillShape::Set,
        };
        let (from_sql, where_sql, args) = build_where(q, skill_probe);
        let order = match q.sort {
            Sort::Date => "c.issued IS NULL, c.issued DESC, c.title COLLATE NOCASE, c.id",
            Sort::Title | Sort::Credits => "c.title COLLATE NOCASE, c.issued DESC, c.id",
        };
        // A page is chosen on the ids and sort keys alone, and only its rows get their summary
        // columns (JSON fields, image, child count): a sort would otherwise compute those for
        // every match before the limit drops them.
        let sql = if q.limit.is_some() {
            format!(
                "SELECT {SUMMARY_COLS} FROM (SELECT c.id AS pid FROM {from_sql} WHERE {where_sql} \
                 ORDER BY {order} LIMIT ? OFFSET ?) AS page CROSS JOIN credentials AS c ON c.id = page.pid \
                 ORDER BY {order}"
            )
        } else {
            format!("SELECT {SUMMARY_COLS} FROM {from_sql} WHERE {where_sql} ORDER BY {order} LIMIT ? OFFSET ?")
        };
        let mut args = args;
        args.push(rusqlite::types::Value::Integer(q.limit.map(i64::from).unwrap_or(-1)));
        args.push(rusqlite::types::Value::Integer(i64::from(q.offset)));
        let mut stmt = self.conn.prepare(&sql).map_err(|e| StoreError::db("listing", e))?;
        let rows =
            stmt.query_map(rusqlite::params_from_iter(args), summary_row).map_err(|e| StoreError::db("listing", e))?;
        rows.map(|r| r.map_err(|e| StoreError::db("listing", e)).and_then(|s| s)).collect()
    }

    /// [`Wallet::list`] by credits: the credit value comes from each match's view (the rules
    /// live in `stacking::credits`, not in SQL), so the matches are ordered here and only the
    /// page's rows get their summary.
    fn list_by_credits(&self, q: &ListQuery) -> Result<Vec<Summary>, StoreError> {
        let (from_sql, where_sql, args) = build_where(q, SkillShape::Set);
        let sql = format!(
            "SELECT c.id, c.view_json FROM {from_sql} WHERE {where_sql} \
             ORDER BY c.issued IS NULL, c.issued DESC, c.title COLLATE NOCASE, c.id"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| StoreError::db("listing", e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| StoreError::db("listing", e))?;
        let mut keyed = Vec::new();
        for row in rows {
            let (id, view) = row.map_err(|e| StoreError::db("listing", e))?;
            let ects = serde_json::from_str::<Credential>(&view)
                .ok()
                .and_then(|c| crate::stacking::credit_value(&c, crate::stacking::DEFAULT_HOURS_PER_ECTS))
                .map(|v| v.ects());
            keyed.push((id, ects));
        }
        // Stable: equal credits keep the date order of the query.
        keyed.sort_by(|a, b| match (a.1, b.1) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        let page = keyed.into_iter().skip(q.offset as usize).take(q.limit.map_or(usize::MAX, |l| l as usize));
        page.map(|(id, _)| self.summary(&id)).collect()
    }

    /// The issuers, achievement types, levels and formats of the top-level credentials, with
    /// their counts.
    pub fn facets(&self) -> Result<Facets, StoreError> {
        let counts = |sql: &str| -> Result<Vec<(String, u64)>, StoreError> {
            let mut stmt = self.conn.prepare(sql).map_err(|e| StoreError::db("counting filter values", e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
                .map_err(|e| StoreError::db("counting filter values", e))?;
            rows.map(|r| r.map_err(|e| StoreError::db("counting filter values", e))).collect()
        };
        Ok(Facets {
            issuers: counts(
                "SELECT issuer_name, count(*) AS n FROM credentials WHERE parent_id IS NULL AND issuer_name IS NOT NULL \
                 GROUP BY issuer_name COLLATE NOCASE ORDER BY n DESC, issuer_name COLLATE NOCASE",
            )?,
            achievement_types: counts(&format!(
                "SELECT t, count(*) AS n FROM (SELECT {KIND_SQL} AS t FROM credentials AS c WHERE c.parent_id IS NULL) \
                 WHERE t IS NOT NULL GROUP BY t ORDER BY n DESC, t"
            ))?,
            levels: counts(&format!(
                "SELECT {LEVEL_SQL} AS lv, count(DISTINCT c.id) AS n FROM credentials AS c, json_each(c.view_json, '$.levels') AS l \
                 WHERE c.parent_id IS NULL GROUP BY lv ORDER BY n DESC, lv"
            ))?,
            formats: counts(
                "SELECT format, count(*) AS n FROM credentials WHERE parent_id IS NULL GROUP BY format ORDER BY n DESC, format",
            )?,
        })
    }

    /// How many credentials match the query (ignoring limit and offset).
    pub fn count(&self, q: &ListQuery) -> Result<u64, StoreError> {
        let (from_sql, where_sql, args) = build_where(q, SkillShape::Set);
        let sql = format!("SELECT count(*) FROM {from_sql} WHERE {where_sql}");
        let n: i64 = self
            .conn
            .query_row(&sql, rusqlite::params_from_iter(args), |r| r.get(0))
            .map_err(|e| StoreError::db("counting", e))?;
        Ok(n.max(0) as u64)
    }

    /// Resolves a full id or a unique prefix of one.
    pub fn resolve(&self, id_or_prefix: &str) -> Result<String, StoreError> {
        resolve_id(&self.conn, id_or_prefix)
    }

    /// The normalized view of every credential (those nested in a CLR too), by id, in one
    /// query: for work over the whole wallet, where one [`Wallet::get`] per credential would
    /// also read originals and children it does not need. A view that does not parse is the
    /// error `get` gives.
    pub fn views(&self) -> Result<HashMap<String, Credential>, StoreError> {
        let e = |e| StoreError::db("reading the credentials' views", e);
        let mut stmt = self.conn.prepare("SELECT id, view_json FROM credentials").map_err(e)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(e)?;
        let mut out = HashMap::new();
        for row in rows {
            let (id, view) = row.map_err(e)?;
            let credential = parse_view(&id, &view)?;
            out.insert(id, credential);
        }
        Ok(out)
    }

    /// A credential with its view, originals (without bytes) and children.
    pub fn get(&self, id_or_prefix: &str) -> Result<Stored, StoreError> {
        let id = self.resolve(id_or_prefix)?;
        let summary = self.summary(&id)?;
        let (view, imported_at): (String, String) = self
            .conn
            .query_row("SELECT view_json, imported_at FROM credentials WHERE id = ?1", [&id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| StoreError::db("reading a credential", e))?;
        let credential = parse_view(&id, &view)?;
        let originals = self.original_infos(&id)?;
        let children = {
            let sql = format!(
                "SELECT {SUMMARY_COLS} FROM credentials AS c WHERE c.parent_id = ?1 ORDER BY c.title COLLATE NOCASE, c.id"
            );
            let mut stmt = self.conn.prepare(&sql).map_err(|e| StoreError::db("reading children", e))?;
            let rows = stmt.query_map([&id], summary_row).map_err(|e| StoreError::db("reading children", e))?;
            rows.map(|r| r.map_err(|e| StoreError::db("reading children", e)).and_then(|s| s))
                .collect::<Result<Vec<_>, _>>()?
        };
        Ok(Stored { summary, credential, imported_at, originals, children })
    }

    /// The `n`th original (1-based) of a credential, with its bytes exactly as received.
    pub fn original(&self, id_or_prefix: &str, n: usize) -> Result<Original, StoreError> {
        let id = self.resolve(id_or_prefix)?;
        let infos = self.original_infos(&id)?;
        let count = infos.len();
        let info = n.checked_sub(1).and_then(|i| infos.into_iter().nth(i)).ok_or(StoreError::NoOriginal {
            id: id.clone(),
            n,
            count,
        })?;
        let bytes: Vec<u8> = self
            .conn
            .query_row(
                "SELECT bytes FROM originals WHERE credential_id = ?1 AND sha256 = ?2",
                params![id, info.sha256],
                |r| r.get(0),
            )
            .map_err(|e| StoreError::db("reading an original", e))?;
        Ok(Original { info, bytes })
    }

    /// Removes a credential with everything it contains; returns what was removed.
    pub fn remove(&mut self, id_or_prefix: &str) -> Result<Summary, StoreError> {
        let id = self.resolve(id_or_prefix)?;
        let summary = self.summary(&id)?;
        let tx = self.conn.transaction().map_err(|e| StoreError::db("starting a removal", e))?;
        tx.execute(
            "DELETE FROM fts_credentials WHERE credential_id IN (
                WITH RECURSIVE t(id) AS (SELECT ?1 UNION SELECT c.id FROM credentials c JOIN t ON c.parent_id = t.id)
                SELECT id FROM t)",
            [&id],
        )
        .map_err(|e| StoreError::db("removing a credential", e))?;
        tx.execute("DELETE FROM credentials WHERE id = ?1", [&id])
            .map_err(|e| StoreError::db("removing a credential", e))?;
        tx.commit().map_err(|e| StoreError::db("committing a removal", e))?;
        Ok(summary)
    }

    /// Every skill with the number of credentials that carry it, most common first.
    pub fn skills(&self) -> Result<Vec<SkillCount>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT framework, code, url, label, count(DISTINCT credential_id) AS n FROM skills
                 GROUP BY framework, code, url, label ORDER BY n DESC, label COLLATE NOCASE, framework, code, url",
            )
            .map_err(|e| StoreError::db("listing skills", e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SkillCount {
                    framework: r.get(0)?,
                    code: r.get(1)?,
                    url: r.get(2)?,
                    label: r.get(3)?,
                    count: r.get::<_, i64>(4)?.max(0) as u64,
                })
            })
            .map_err(|e| StoreError::db("listing skills", e))?;
        rows.map(|r| r.map_err(|e| StoreError::db("listing skills", e))).collect()
    }

    /// Every tag with the number of credentials that carry it, most common first.
    pub fn tags(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT tag, count(*) AS n FROM tags GROUP BY tag ORDER BY n DESC, tag COLLATE NOCASE")
            .map_err(|e| StoreError::db("listing tags", e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
            .map_err(|e| StoreError::db("listing tags", e))?;
        rows.map(|r| r.map_err(|e| StoreError::db("listing tags", e))).collect()
    }

    /// SQLite's `integrity_check` and SQLCipher's `cipher_integrity_check` (every page's
    /// HMAC).
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let problems = collect_strings(&self.conn, "PRAGMA integrity_check")?;
        if problems != ["ok"] {
            return Err(StoreError::IntegrityCheck(problems.join("; ")));
        }
        let problems = collect_strings(&self.conn, "PRAGMA cipher_integrity_check")?;
        if !problems.is_empty() {
            return Err(StoreError::IntegrityCheck(problems.join("; ")));
        }
        let fk = collect_strings(
            &self.conn,
            "SELECT \"table\" || ' row ' || coalesce(rowid, '?') FROM pragma_foreign_key_check",
        )?;
        if !fk.is_empty() {
            return Err(StoreError::IntegrityCheck(format!("broken links: {}", fk.join("; "))));
        }
        Ok(())
    }

    /// Every row of every table (search indexes excluded), in a canonical order, as JSON.
    /// For diagnostics and tests; it holds the credentials in clear, so never log or save it.
    pub fn dump(&self) -> Result<String, StoreError> {
        let mut content = backup::dump_tables(&self.conn, &mut |_, _| {})?;
        // The holder's secret key is never written out in clear, not even here.
        for t in content.tables.iter_mut().filter(|t| t.name == "holder") {
            for row in &mut t.rows {
                for (col, cell) in t.columns.iter().zip(row.iter_mut()) {
                    if col == "secret_key" {
                        *cell = backup::Cell::Text("(secret)".into());
                    }
                }
            }
        }
        serde_json::to_string_pretty(&content)
            .map_err(|e| StoreError::Corrupt(format!("the wallet content cannot be written out: {e}")))
    }

    fn summary(&self, id: &str) -> Result<Summary, StoreError> {
        let sql = format!("SELECT {SUMMARY_COLS} FROM credentials AS c WHERE c.id = ?1");
        self.conn.query_row(&sql, [id], summary_row).map_err(|e| StoreError::db("reading a credential", e))?
    }

    fn original_infos(&self, id: &str) -> Result<Vec<OriginalInfo>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT role, media_type, source, imported_at, length(bytes), sha256 FROM originals
                 WHERE credential_id = ?1 ORDER BY seq",
            )
            .map_err(|e| StoreError::db("reading originals", e))?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(OriginalInfo {
                    n: 0,
                    role: r.get(0)?,
                    media_type: r.get(1)?,
                    source: r.get(2)?,
                    imported_at: r.get(3)?,
                    size: r.get::<_, i64>(4)?.max(0) as u64,
                    sha256: r.get(5)?,
                })
            })
            .map_err(|e| StoreError::db("reading originals", e))?;
        let mut out = Vec::new();
        for (i, r) in rows.enumerate() {
            let mut info = r.map_err(|e| StoreError::db("reading originals", e))?;
            info.n = i + 1;
            out.push(info);
        }
        Ok(out)
    }

    /// Deletes the wallet for good: closes it, removes the database file, its key description
    /// and (keychain mode) its key from the keychain. Take a backup first.
    pub fn delete(self) -> Result<(), StoreError> {
        let Wallet { conn, path, sidecar } = self;
        drop(conn);
        if let (KeyMode::Keychain, Some(account)) = (sidecar.key_mode, sidecar.keychain_account.as_deref()) {
            Keychain::connect()?.delete_key(account)?;
        }
        let sidecar_file = sidecar_path(&path);
        for f in [&path, &sidecar_file] {
            match fs::remove_file(f) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io(format!("remove {}", f.display()), e)),
            }
        }
        key::sync_dir(&path).map_err(|e| StoreError::io(format!("remove {}", path.display()), e))
    }

    /// Closes and deletes this wallet, its key description and its keychain entry: used to
    /// undo a creation that failed half-way.
    pub(crate) fn discard(self) {
        let Wallet { conn, path, sidecar } = self;
        drop(conn);
        let _ = fs::remove_file(&path);
        let _ = fs::remove_file(sidecar_path(&path));
        forget_keychain_key(&sidecar);
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

fn collect_strings(conn: &Connection, sql: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare(sql).map_err(|e| StoreError::db("checking integrity", e))?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| StoreError::db("checking integrity", e))?;
    rows.map(|r| r.map_err(|e| StoreError::db("checking integrity", e))).collect()
}

/// A credential's achievement type or edubadges kind (the card's label; a list filter).
const KIND_SQL: &str = "coalesce(json_extract(c.view_json, '$.achievement.achievement_type'), json_extract(c.view_json, '$.edubadges.badge_kind'))";
/// One stated level (`l` from `json_each(view_json, '$.levels')`) as `FRAMEWORK LEVEL`.
const LEVEL_SQL: &str = "json_extract(l.value, '$.framework') || ' ' || json_extract(l.value, '$.level')";

const SUMMARY_COLS: &str = "c.id, c.format, c.title, c.issuer_name, c.issuer_id, c.issued, \
    json_extract(c.view_json, '$.valid_until'), c.image, \
    coalesce(json_extract(c.view_json, '$.achievement.achievement_type'), json_extract(c.view_json, '$.edubadges.badge_kind')), \
    c.parent_id, (SELECT count(*) FROM credentials AS k WHERE k.parent_id = c.id), c.imported_at";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Summary, StoreError>> {
    let id: String = r.get(0)?;
    let format: String = r.get(1)?;
    let Some(format) = Format::parse(&format) else {
        return Ok(Err(StoreError::Corrupt(format!("credential {id} has an unknown format {format:?}"))));
    };
    Ok(Ok(Summary {
        id,
        format,
        title: r.get(2)?,
        issuer: r.get(3)?,
        issuer_id: r.get(4)?,
        issued: r.get(5)?,
        valid_until: r.get(6)?,
        image: r.get(7)?,
        achievement_type: r.get(8)?,
        parent: r.get(9)?,
        children: r.get::<_, i64>(10)?.clamp(0, i64::from(u32::MAX)) as u32,
        imported_at: r.get(11)?,
    }))
}

/// Words as an FTS5 query: each word quoted and prefix-matched, all required.
fn fts_query(search: &str) -> Option<String> {
    let words: Vec<String> = search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    if words.is_empty() { None } else { Some(words.join(" ")) }
}

/// How a skill filter is put to SQLite.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SkillShape {
    /// Collect the ids carrying the skill from the skills indexes, join the credentials to
    /// them (`CROSS JOIN` keeps SQLite from walking the whole list index instead) and sort
    /// those: the work grows with the number of matching credentials, so this is the shape for
    /// a rare skill, and for any skill when every match is wanted.
    Set,
    /// Walk the list in order and probe each credential's own skills (primary key) until the
    /// page is full: the work grows with page size / share of credentials carrying the skill,
    /// so this is the shape for a common skill.
    Probe,
}

/// At least this many skill rows matching make a skill "common" (see [`SkillShape`]). Counting
/// stops here, so deciding costs at most this many index entries; a skill below it costs at
/// most this many in the set shape, and one above it is carried by enough credentials that a
/// page fills after a bounded walk (page size x total / this, at worst).
const COMMON_SKILL_ROWS: i64 = 512;

fn skill_is_common(conn: &Connection, skill: &str) -> Result<bool, StoreError> {
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT 1 FROM skills WHERE label = ?1 COLLATE NOCASE \
             UNION ALL SELECT 1 FROM skills WHERE code = ?1 \
             UNION ALL SELECT 1 FROM skills WHERE url = ?1 LIMIT ?2)",
            rusqlite::params![skill, COMMON_SKILL_ROWS],
            |r| r.get(0),
        )
        .map_err(|e| StoreError::db("filtering by skill", e))?;
    Ok(n >= COMMON_SKILL_ROWS)
}

/// The `FROM` and `WHERE` parts of a list query and their arguments, in the order they appear.
fn build_where(q: &ListQuery, skill_shape: SkillShape) -> (String, String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut from = "credentials AS c".to_string();
    let mut clauses = vec!["1".to_string()];
    let mut args = Vec::new();
    if let Some(s) = q.skill.as_ref().filter(|_| skill_shape == SkillShape::Set) {
        from = "(SELECT credential_id AS id FROM skills WHERE label = ? COLLATE NOCASE \
                UNION SELECT credential_id FROM skills WHERE code = ? \
                UNION SELECT credential_id FROM skills WHERE url = ?) AS m \
                CROSS JOIN credentials AS c ON c.id = m.id"
            .into();
        for _ in 0..3 {
            args.push(Value::Text(s.clone()));
        }
    }
    if !q.include_children {
        clauses.push("c.parent_id IS NULL".into());
    }
    if let Some(i) = &q.issuer {
        clauses.push("(c.issuer_name = ? COLLATE NOCASE OR c.issuer_id = ?)".into());
        args.push(Value::Text(i.clone()));
        args.push(Value::Text(i.clone()));
    }
    if let Some(s) = q.skill.as_ref().filter(|_| skill_shape == SkillShape::Probe) {
        // A common skill: walk the list in order, probing each credential's skills.
        clauses.push(
            "EXISTS (SELECT 1 FROM skills AS s WHERE s.credential_id = c.id \
             AND (s.label = ? COLLATE NOCASE OR s.code = ? OR s.url = ?))"
                .into(),
        );
        for _ in 0..3 {
            args.push(Value::Text(s.clone()));
        }
    }
    if let Some(t) = &q.tag {
        clauses.push("c.id IN (SELECT credential_id FROM tags WHERE tag = ? COLLATE NOCASE)".into());
        args.push(Value::Text(t.clone()));
    }
    if let Some(f) = q.format {
        clauses.push("c.format = ?".into());
        args.push(Value::Text(f.as_str().into()));
    }
    if let Some(t) = &q.achievement_type {
        clauses.push(format!("{KIND_SQL} = ?"));
        args.push(Value::Text(t.clone()));
    }
    if let Some(l) = &q.level {
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM json_each(c.view_json, '$.levels') AS l WHERE {LEVEL_SQL} = ? COLLATE NOCASE)"
        ));
        args.push(Value::Text(l.clone()));
    }
    if let Some(s) = &q.search {
        match fts_query(s) {
            Some(m) => {
                clauses
                    .push("c.id IN (SELECT credential_id FROM fts_credentials WHERE fts_credentials MATCH ?)".into());
                args.push(Value::Text(m));
            }
            // Nothing searchable in the words given: nothing matches.
            None => clauses.push("0".into()),
        }
    }
    (from, clauses.join(" AND "), args)
}

pub(crate) fn resolve_id(conn: &Connection, id_or_prefix: &str) -> Result<String, StoreError> {
    let p = id_or_prefix.trim().to_ascii_lowercase();
    if p.is_empty() || !p.chars().all(|c| c.is_ascii_hexdigit()) || p.len() > 64 {
        return Err(StoreError::UnknownId(id_or_prefix.to_string()));
    }
    // Hex digits only, so the pattern has no LIKE wildcards; `id` is lowercase hex.
    let mut stmt = conn
        .prepare("SELECT id FROM credentials WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT 2")
        .map_err(|e| StoreError::db("looking up an id", e))?;
    let ids: Vec<String> = stmt
        .query_map([&p], |r| r.get(0))
        .map_err(|e| StoreError::db("looking up an id", e))?
        .collect::<Result<_, _>>()
        .map_err(|e| StoreError::db("looking up an id", e))?;
    match ids.len() {
        0 => Err(StoreError::UnknownId(id_or_prefix.to_string())),
        1 => Ok(ids.into_iter().next().unwrap_or_default()),
        _ => {
            let count: i64 = conn
                .query_row("SELECT count(*) FROM credentials WHERE id >= ?1 AND id < ?1 || 'g'", [&p], |r| r.get(0))
                .map_err(|e| StoreError::db("looking up an id", e))?;
            Err(StoreError::AmbiguousId { prefix: id_or_prefix.to_string(), count: count.max(0) as u64 })
        }
    }
}

/// Rebuilds the search entry of one credential from its stored rows.
pub(crate) fn refresh_fts(tx: &Connection, id: &str) -> Result<(), StoreError> {
    let e = |e| StoreError::db("indexing a credential for search", e);
    tx.execute("DELETE FROM fts_credentials WHERE credential_id = ?1", [id]).map_err(e)?;
    tx.execute(
        "INSERT INTO fts_credentials (credential_id, title, issuer, description, skills)
         SELECT c.id, c.title,
                coalesce(c.issuer_name, '') || ' ' || coalesce(c.issuer_id, ''),
                coalesce(c.description, ''),
                coalesce((SELECT group_concat(coalesce(s.framework, '') || ' ' || coalesce(s.code, '') || ' ' || s.label, ' ')
                          FROM skills AS s WHERE s.credential_id = c.id), '')
                || ' ' ||
                coalesce((SELECT group_concat(t.tag, ' ') FROM tags AS t WHERE t.credential_id = c.id), '')
         FROM credentials AS c WHERE c.id = ?1",
        [id],
    )
    .map_err(e)?;
    Ok(())
}

fn add_original(tx: &Transaction<'_>, id: &str, o: &NewOriginal, now: &str) -> Result<bool, StoreError> {
    let e = |e| StoreError::db("storing an original", e);
    let sha = hex::encode(Sha256::digest(&o.bytes));
    let exists: Option<i64> = tx
        .query_row("SELECT 1 FROM originals WHERE credential_id = ?1 AND sha256 = ?2", params![id, sha], |r| r.get(0))
        .optional()
        .map_err(e)?;
    if exists.is_some() {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO originals (credential_id, seq, role, media_type, source, imported_at, sha256, bytes)
         VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM originals WHERE credential_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, o.role, o.media_type, o.source, now, sha, o.bytes],
    )
    .map_err(|err| match err {
        rusqlite::Error::SqliteFailure(f, msg) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            StoreError::InvalidCredential(format!(
                "an original from {:?} is not acceptable ({})",
                o.source,
                msg.unwrap_or_else(|| "a constraint failed".into())
            ))
        }
        other => e(other),
    })?;
    Ok(true)
}

fn insert_tree(
    tx: &Transaction<'_>,
    c: &NewCredential,
    parent: Option<&str>,
    now: &str,
    ancestors: &mut Vec<String>,
) -> Result<Inserted, StoreError> {
    let e = |e| StoreError::db("storing a credential", e);
    let id = credential_id(&c.key);
    if ancestors.contains(&id) {
        return Err(StoreError::InvalidCredential(format!("credential {} contains itself", &id[..12])));
    }
    let existing: Option<Option<String>> =
        tx.query_row("SELECT parent_id FROM credentials WHERE id = ?1", [&id], |r| r.get(0)).optional().map_err(e)?;
    let already_present = existing.is_some();
    match existing {
        Some(existing_parent) => {
            if let (None, Some(p)) = (existing_parent, parent) {
                tx.execute("UPDATE credentials SET parent_id = ?1 WHERE id = ?2", params![p, id]).map_err(e)?;
            }
        }
        None => {
            let v = &c.credential;
            let view = serde_json::to_string(v)
                .map_err(|err| StoreError::InvalidCredential(format!("its view cannot be written: {err}")))?;
            tx.execute(
                "INSERT INTO credentials (id, key, parent_id, format, title, issuer_name, issuer_id, issued, image, description, view_json, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    id,
                    c.key,
                    parent,
                    c.format.as_str(),
                    v.title,
                    v.issuer.name,
                    v.issuer.id,
                    v.issued,
                    v.image.as_ref().map(|i| i.url.as_str()),
                    v.description,
                    view,
                    now
                ],
            )
            .map_err(e)?;
            for (i, s) in v.skills.iter().enumerate() {
                tx.execute(
                    "INSERT INTO skills (credential_id, seq, framework, code, url, label) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![id, i as i64 + 1, s.framework, s.code, s.url, s.label],
                )
                .map_err(e)?;
            }
            let mut seen = HashSet::new();
            for t in &v.tags {
                if seen.insert(t.as_str()) {
                    tx.execute("INSERT INTO tags (credential_id, tag) VALUES (?1, ?2)", params![id, t]).map_err(e)?;
                }
            }
        }
    }
    let mut originals_added = 0;
    for o in &c.originals {
        if add_original(tx, &id, o, now)? {
            originals_added += 1;
        }
    }
    if !already_present {
        refresh_fts(tx, &id)?;
    }
    ancestors.push(id.clone());
    let mut children = Vec::new();
    for child in &c.children {
        children.push(insert_tree(tx, child, Some(&id), now, ancestors)?);
    }
    ancestors.pop();
    Ok(Inserted { id, already_present, originals_added, children })
}

#[cfg(feature = "bench-plain")]
impl Wallet {
    /// For the benchmarks alone (feature `bench-plain`, which neither the app nor the CLI
    /// enables): the same schema and code paths over a plain, unencrypted SQLite file, so that
    /// `scripts/bench` can measure what encryption costs. No key description is written; the
    /// file cannot be opened with [`Wallet::open`].
    pub fn create_unencrypted_for_benchmarks(path: &Path) -> Result<Wallet, StoreError> {
        if path.exists() {
            return Err(StoreError::Exists { path: path.to_owned() });
        }
        let mut conn = Connection::open(path).map_err(|e| StoreError::db(format!("creating {}", path.display()), e))?;
        configure(&conn)?;
        let schema_version = schema::migrate(&mut conn, SCHEMA_VERSION)?;
        let sidecar = Sidecar {
            format: key::SIDECAR_FORMAT.into(),
            version: 1,
            key_mode: KeyMode::Passphrase,
            kdf: None,
            keychain_account: None,
            schema_version,
        };
        Ok(Wallet { conn, path: path.to_owned(), sidecar })
    }
}
