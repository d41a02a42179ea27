//! Keys: the learner's passphrase, the raw 256-bit wallet key, Argon2id derivation, the OS
//! keychain, and the small sidecar file beside the wallet that says how the key is found.
//!
//! The sidecar holds no secret: the key mode, the Argon2id salt and parameters (passphrase
//! mode) or the keychain account name (keychain mode), and the schema version.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::StoreError;

/// A passphrase (or any other secret text), wiped from memory when dropped.
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(s: String) -> Secret {
        Secret(Zeroizing::new(s))
    }

    /// The secret text. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret::new(s)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Argon2id cost parameters. [`KdfParams::DESKTOP`] is what the app uses; tests pass cheaper
/// ones explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes over memory.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// 64 MiB, 3 passes, 1 lane: about half a second on a current laptop.
    pub const DESKTOP: KdfParams = KdfParams { m_cost_kib: 64 * 1024, t_cost: 3, p_cost: 1 };

    /// Upper bounds accepted from files (a sidecar or a backup header), so that a damaged or
    /// hostile file cannot make us allocate without limit.
    const MAX_M_COST_KIB: u32 = 4 * 1024 * 1024;
    const MAX_T_COST: u32 = 64;
    const MAX_P_COST: u32 = 16;

    pub(crate) fn validate(self) -> Result<argon2::Params, StoreError> {
        if self.m_cost_kib > Self::MAX_M_COST_KIB || self.t_cost > Self::MAX_T_COST || self.p_cost > Self::MAX_P_COST {
            return Err(StoreError::KdfParams(format!(
                "m={} KiB, t={}, p={} exceeds the limits (m ≤ {} KiB, t ≤ {}, p ≤ {})",
                self.m_cost_kib,
                self.t_cost,
                self.p_cost,
                Self::MAX_M_COST_KIB,
                Self::MAX_T_COST,
                Self::MAX_P_COST
            )));
        }
        argon2::Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(KEY_LEN))
            .map_err(|e| StoreError::KdfParams(e.to_string()))
    }
}

impl Default for KdfParams {
    fn default() -> KdfParams {
        KdfParams::DESKTOP
    }
}

pub(crate) const KEY_LEN: usize = 32;
pub(crate) const SALT_LEN: usize = 16;

/// A raw 256-bit key, wiped when dropped.
pub(crate) struct RawKey(Zeroizing<[u8; KEY_LEN]>);

impl RawKey {
    pub(crate) fn random() -> Result<RawKey, StoreError> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        fill_random(&mut k[..])?;
        Ok(RawKey(k))
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Option<RawKey> {
        if bytes.len() != KEY_LEN {
            return None;
        }
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        k.copy_from_slice(bytes);
        Some(RawKey(k))
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// `PRAGMA <name> = "x'…'";`: SQLCipher's raw-key syntax (no second KDF).
    pub(crate) fn pragma(&self, name: &str) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(name.len() + 16 + 2 * KEY_LEN));
        s.push_str("PRAGMA ");
        s.push_str(name);
        s.push_str(" = \"x'");
        for b in self.0.iter() {
            // Writing into a String with enough capacity cannot fail or reallocate.
            let _ = write!(s, "{b:02X}");
        }
        s.push_str("'\";");
        s
    }
}

pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), StoreError> {
    getrandom::getrandom(buf).map_err(|e| StoreError::Random(e.to_string()))
}

/// Argon2id (version 0x13) of the passphrase with the salt.
pub(crate) fn derive_key(passphrase: &Secret, salt: &[u8], kdf: KdfParams) -> Result<RawKey, StoreError> {
    let params = kdf.validate()?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut k = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(passphrase.expose().as_bytes(), salt, &mut k[..])
        .map_err(|e| StoreError::KdfParams(e.to_string()))?;
    Ok(RawKey(k))
}

/// How a wallet's key is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyMode {
    /// A random key kept in the OS keychain.
    Keychain,
    /// A key derived from the learner's passphrase with Argon2id.
    Passphrase,
}

pub(crate) const SIDECAR_FORMAT: &str = "stapel-wallet-keyinfo";

/// The sidecar: not secret, written atomically (temp file, fsync, rename).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Sidecar {
    pub format: String,
    pub version: u32,
    pub key_mode: KeyMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kdf: Option<KdfRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keychain_account: Option<String>,
    pub schema_version: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct KdfRecord {
    /// Always `argon2id`.
    pub algorithm: String,
    /// Argon2 version, 19 (0x13).
    pub version: u32,
    #[serde(flatten)]
    pub params: KdfParams,
    /// Base64 (standard, padded).
    pub salt: String,
}

impl KdfRecord {
    pub(crate) fn new(params: KdfParams, salt: &[u8]) -> KdfRecord {
        KdfRecord { algorithm: "argon2id".into(), version: 0x13, params, salt: B64.encode(salt) }
    }

    pub(crate) fn salt(&self) -> Result<Vec<u8>, String> {
        if self.algorithm != "argon2id" || self.version != 0x13 {
            return Err(format!("unknown key derivation {} version {}", self.algorithm, self.version));
        }
        let salt = B64.decode(&self.salt).map_err(|e| format!("the salt is not base64: {e}"))?;
        if salt.len() < 8 {
            return Err("the salt is shorter than 8 bytes".into());
        }
        Ok(salt)
    }
}

/// `wallet.db` → `wallet.db.keyinfo.json`.
pub fn sidecar_path(wallet: &Path) -> PathBuf {
    let mut s = wallet.as_os_str().to_owned();
    s.push(".keyinfo.json");
    PathBuf::from(s)
}

/// Where a re-key in progress keeps the new sidecar until the database is re-keyed.
pub(crate) fn pending_sidecar_path(wallet: &Path) -> PathBuf {
    let mut s = wallet.as_os_str().to_owned();
    s.push(".keyinfo.json.pending");
    PathBuf::from(s)
}

pub(crate) fn read_sidecar(path: &Path) -> Result<Sidecar, StoreError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::SidecarMissing { path: path.to_owned() });
        }
        Err(e) => return Err(StoreError::io(format!("read {}", path.display()), e)),
    };
    let sc: Sidecar = serde_json::from_slice(&bytes)
        .map_err(|e| StoreError::SidecarInvalid { path: path.to_owned(), reason: e.to_string() })?;
    let bad = |reason: &str| StoreError::SidecarInvalid { path: path.to_owned(), reason: reason.into() };
    if sc.format != SIDECAR_FORMAT || sc.version != 1 {
        return Err(bad("it is not a Stapel key description of a known version"));
    }
    match sc.key_mode {
        KeyMode::Passphrase if sc.kdf.is_none() => return Err(bad("passphrase mode without salt")),
        KeyMode::Keychain if sc.keychain_account.is_none() => {
            return Err(bad("keychain mode without an account name"));
        }
        _ => {}
    }
    Ok(sc)
}

/// Writes `bytes` to `path` atomically: a temp file beside it, fsync, rename, fsync of the
/// directory. A crash leaves either the old file or the new one, never a mix.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        sync_dir(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| StoreError::io(format!("write {}", path.display()), e))
}

pub(crate) fn sync_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

pub(crate) fn write_sidecar(path: &Path, sc: &Sidecar) -> Result<(), StoreError> {
    let mut json = serde_json::to_vec_pretty(sc)
        .map_err(|e| StoreError::Corrupt(format!("the key description cannot be written: {e}")))?;
    json.push(b'\n');
    write_atomic(path, &json)
}

/// A new random keychain account name for a wallet.
pub(crate) fn new_keychain_account() -> Result<String, StoreError> {
    let mut id = [0u8; 16];
    fill_random(&mut id)?;
    Ok(format!("wallet-{}", hex::encode(id)))
}

/// The keychain service name under which wallet keys are kept.
pub const KEYCHAIN_SERVICE: &str = "stapel";

/// The OS keychain: the Secret Service on Linux and the BSDs, the macOS Keychain, the Windows
/// Credential Manager. A new connection each time; no process-wide default store.
pub(crate) struct Keychain {
    store: std::sync::Arc<keyring_core::CredentialStore>,
}

impl Keychain {
    pub(crate) fn connect() -> Result<Keychain, StoreError> {
        let unavailable = |e: keyring_core::Error| StoreError::KeychainUnavailable(e.to_string());
        #[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
        let store: std::sync::Arc<keyring_core::CredentialStore> =
            zbus_secret_service_keyring_store::Store::new().map_err(unavailable)?;
        #[cfg(target_os = "macos")]
        let store: std::sync::Arc<keyring_core::CredentialStore> =
            apple_native_keyring_store::keychain::Store::new().map_err(unavailable)?;
        #[cfg(target_os = "windows")]
        let store: std::sync::Arc<keyring_core::CredentialStore> =
            windows_native_keyring_store::Store::new().map_err(unavailable)?;
        #[cfg(not(any(
            target_os = "macos",
            target_os = "windows",
            all(unix, not(any(target_os = "ios", target_os = "android")))
        )))]
        let store: std::sync::Arc<keyring_core::CredentialStore> = {
            let _ = unavailable;
            return Err(StoreError::KeychainUnavailable("this platform has no supported keychain".into()));
        };
        Ok(Keychain { store })
    }

    fn entry(&self, account: &str) -> Result<keyring_core::Entry, StoreError> {
        self.store.build(KEYCHAIN_SERVICE, account, None).map_err(|e| StoreError::Keychain(e.to_string()))
    }

    pub(crate) fn store_key(&self, account: &str, key: &RawKey) -> Result<(), StoreError> {
        self.entry(account)?.set_secret(key.bytes()).map_err(|e| StoreError::Keychain(e.to_string()))
    }

    pub(crate) fn load_key(&self, account: &str) -> Result<RawKey, StoreError> {
        match self.entry(account)?.get_secret() {
            Ok(mut bytes) => {
                let key = RawKey::from_slice(&bytes);
                bytes.zeroize();
                key.ok_or(StoreError::KeychainKeyMissing)
            }
            Err(keyring_core::Error::NoEntry) => Err(StoreError::KeychainKeyMissing),
            Err(e) => Err(StoreError::Keychain(e.to_string())),
        }
    }

    pub(crate) fn delete_key(&self, account: &str) -> Result<(), StoreError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(StoreError::Keychain(e.to_string())),
        }
    }
}
