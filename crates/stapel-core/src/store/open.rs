//! The wallet file: creating it, opening and unlocking it (recovering from an interrupted
//! re-key), changing its protection, checking its integrity, and deleting it. The key itself is
//! [`super::key`]'s; the order in which the database and its key description are written is
//! this module's, so that a crash at any point leaves a wallet that opens with a key the learner
//! believes in.

use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use super::error::DbContext;
use super::key::{self, KdfParams, KeyMode, Keychain, RawKey, Secret, Sidecar, sidecar_path};
use super::{SCHEMA_VERSION, StoreError, Wallet, holder, schema};

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
    run(conn, "PRAGMA cipher_log_level = NONE").db("configuring the cipher")?;
    run(conn, &key.pragma("key")).db("giving the key")?;
    // Pin the SQLCipher 4 page format, so a future SQLCipher with other defaults still opens
    // wallets written today.
    run(conn, "PRAGMA cipher_compatibility = 4").db("setting the cipher format")?;
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
    .db("configuring the connection")?;
    // Another Stapel (the CLI while the app is open) may hold a write lock for a moment.
    conn.busy_timeout(std::time::Duration::from_secs(5)).db("configuring the connection")
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

fn collect_strings(conn: &Connection, sql: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare(sql).db("checking integrity")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).db("checking integrity")?;
    rows.map(|r| r.db("checking integrity")).collect()
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
            .db_with(|| format!("creating {}", path.display()))?;
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
                .db_with(|| format!("opening {}", path.display()))?;
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
        let mut conn = Connection::open(path).db_with(|| format!("creating {}", path.display()))?;
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
