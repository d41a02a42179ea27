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
//!
//! One file per thing the store owns, each an `impl Wallet` of its own: [`error`] (what goes
//! wrong), [`open`] (the file: create, open, re-key, delete), [`credentials`] (insert, remove,
//! originals, lookups), [`query`] (the list, its filters and facets), [`records`] (what is kept
//! around the credentials), [`holder`] (the holder's secret key) and [`pending`] (claims an
//! issuer deferred).

pub mod backup;
mod credentials;
mod error;
pub mod holder;
pub mod key;
pub mod notices;
mod open;
pub mod pending;
mod query;
pub mod records;
pub mod schema;

use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;

pub use backup::{Backup, RestoreReport};
pub use credentials::{Inserted, NewCredential, NewOriginal, Original, OriginalInfo, Stored, Summary, credential_id};
pub use error::StoreError;
pub use key::{KdfParams, KeyMode, Secret, sidecar_path};
pub use notices::ClaimNotice;
pub use open::{Protection, Unlock, WalletInfo, default_wallet_path};
pub use pending::{NewPending, PendingClaim};
pub use query::{Facets, ListQuery, SkillCount, Sort};
pub use records::{CachedDocument, Identity, IdentityKind, PathwayRecord, StoredVerification, normalize_identity};
pub use schema::SCHEMA_VERSION;

pub(crate) use credentials::refresh_fts;
pub(crate) use error::DbContext;

use key::Sidecar;

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

impl Wallet {
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}
