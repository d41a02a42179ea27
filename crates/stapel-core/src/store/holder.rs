//! The holder key's storage: the learner's own Ed25519 secret key, kept in the `holder` table
//! of the encrypted wallet (migration 0005). The key as a key (signing, its `did:key`) is
//! `present::HolderKey`; the wallet layer makes one from these bytes.
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

/// True when the schema has the holder table (version 5 and later).
fn has_table(conn: &Connection) -> Result<bool, StoreError> {
    let n: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'holder'", [], |r| r.get(0))
        .db("looking for the holder key")?;
    Ok(n > 0)
}

/// Makes the holder key if the wallet has the table but no key yet (a new wallet, or the first
/// open after migration 0005). Does nothing otherwise.
pub(crate) fn ensure(conn: &Connection) -> Result<(), StoreError> {
    if !has_table(conn)? {
        return Ok(());
    }
    let there: Option<i64> = conn
        .query_row("SELECT 1 FROM holder WHERE id = 1", [], |r| r.get(0))
        .optional()
        .db("reading the holder key")?;
    if there.is_some() {
        return Ok(());
    }
    let mut secret = Zeroizing::new([0u8; 32]);
    key::fill_random(&mut secret[..])?;
    conn.execute("INSERT OR IGNORE INTO holder (id, algorithm, secret_key) VALUES (1, 'Ed25519', ?1)", [&secret[..]])
        .db("storing the new holder key")?;
    Ok(())
}

/// Removes the holder key (a restore into a new wallet, before the backup's key comes in).
pub(crate) fn forget(conn: &Connection) -> Result<(), StoreError> {
    if has_table(conn)? {
        conn.execute("DELETE FROM holder", []).db("replacing the holder key")?;
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
}
