//! The holder key's storage: the learner's own Ed25519 secret key, kept in the `holder` table
//! of the encrypted wallet (migration 0005), and a P-256 one for issuers that take only ES256
//! key proofs, in `holder_keys` (migration 0010). The keys as keys (signing, their `did:key`)
//! are `present::HolderKey` and `present::P256HolderKey`; the wallet layer makes them from
//! these bytes.
//!
//! The secret key never leaves the core in clear: the bytes go out of this module only as
//! [`Zeroizing`] (wiped when dropped), to the wallet layer. A new wallet gets its key when it is
//! created; a wallet created before migration 0005 gets one the first time it is opened. A
//! restore into a new wallet keeps the backup's key (the learner's DID survives a move to a new
//! machine); merging a backup into an existing wallet keeps the wallet's own key (the backup's
//! is ignored, like any other row whose key is taken).

use rusqlite::{Connection, OptionalExtension};
use zeroize::Zeroizing;

use super::{DbContext, StoreError, Wallet, key};

/// True when the schema has the table (`holder` from version 5, `holder_keys` from 10).
fn has_table(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    let n: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |r| r.get(0))
        .db("looking for the holder key")?;
    Ok(n > 0)
}

/// Makes the holder keys the wallet has tables for but no key yet (a new wallet, or the first
/// open after migration 0005 or 0010). Does nothing otherwise.
pub(crate) fn ensure(conn: &Connection) -> Result<(), StoreError> {
    if has_table(conn, "holder")? {
        let there: Option<i64> = conn
            .query_row("SELECT 1 FROM holder WHERE id = 1", [], |r| r.get(0))
            .optional()
            .db("reading the holder key")?;
        if there.is_none() {
            let mut secret = Zeroizing::new([0u8; 32]);
            key::fill_random(&mut secret[..])?;
            conn.execute(
                "INSERT OR IGNORE INTO holder (id, algorithm, secret_key) VALUES (1, 'Ed25519', ?1)",
                [&secret[..]],
            )
            .db("storing the new holder key")?;
        }
    }
    if has_table(conn, "holder_keys")? {
        let there: Option<i64> = conn
            .query_row("SELECT 1 FROM holder_keys WHERE algorithm = 'P-256'", [], |r| r.get(0))
            .optional()
            .db("reading the holder's P-256 key")?;
        if there.is_none() {
            let secret = random_p256_scalar()?;
            conn.execute(
                "INSERT OR IGNORE INTO holder_keys (algorithm, secret_key) VALUES ('P-256', ?1)",
                [&secret[..]],
            )
            .db("storing the new P-256 holder key")?;
        }
    }
    Ok(())
}

/// 32 random bytes that are a P-256 secret scalar (non-zero and below the group order; a
/// random 32 bytes is one but for about one time in four billion).
fn random_p256_scalar() -> Result<Zeroizing<[u8; 32]>, StoreError> {
    loop {
        let mut secret = Zeroizing::new([0u8; 32]);
        key::fill_random(&mut secret[..])?;
        if p256::SecretKey::from_slice(&secret[..]).is_ok() {
            return Ok(secret);
        }
    }
}

/// Removes the holder keys (a restore into a new wallet, before the backup's keys come in).
pub(crate) fn forget(conn: &Connection) -> Result<(), StoreError> {
    for table in ["holder", "holder_keys"] {
        if has_table(conn, table)? {
            conn.execute(&format!("DELETE FROM {table}"), []).db("replacing the holder key")?;
        }
    }
    Ok(())
}

impl Wallet {
    /// The holder's 32 secret bytes, wiped when dropped; the wallet layer makes them the
    /// `present::HolderKey` (`Wallet::holder_key`). Never handed out of the core.
    pub(crate) fn holder_secret(&self) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        let row: Option<(String, Vec<u8>)> = self
            .conn()
            .query_row("SELECT algorithm, secret_key FROM holder WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .db("reading the holder key")?;
        let Some((algorithm, bytes)) = row else {
            return Err(StoreError::Corrupt("the wallet has no holder key".into()));
        };
        let bytes = Zeroizing::new(bytes);
        if algorithm != "Ed25519" {
            return Err(StoreError::Corrupt(format!("the holder key is of an unknown kind {algorithm:?}")));
        }
        let secret: Zeroizing<[u8; 32]> = Zeroizing::new(
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| StoreError::Corrupt("the holder key does not have 32 bytes".into()))?,
        );
        Ok(secret)
    }

    /// The holder's P-256 secret scalar, wiped when dropped; made first if the wallet has
    /// none yet (a backup from before migration 0010 merged into it). Never handed out of the
    /// core.
    pub(crate) fn holder_p256_secret(&self) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        let read = |conn: &Connection| -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
            Ok(conn
                .query_row("SELECT secret_key FROM holder_keys WHERE algorithm = 'P-256'", [], |r| r.get(0))
                .optional()
                .db("reading the holder's P-256 key")?
                .map(Zeroizing::new))
        };
        let bytes = match read(self.conn())? {
            Some(b) => b,
            None => {
                ensure(self.conn())?;
                read(self.conn())?.ok_or_else(|| StoreError::Corrupt("the wallet has no P-256 holder key".into()))?
            }
        };
        let secret: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::Corrupt("the P-256 holder key does not have 32 bytes".into()))?;
        Ok(Zeroizing::new(secret))
    }
}
