//! The holder key: the learner's own Ed25519 key pair, kept in the `holder` table of the
//! encrypted wallet (migration 0005), and the holder DID (`did:key`) that is its public half.
//!
//! The secret key never leaves the core in clear: [`HolderKey`] signs, and shows its DID and
//! public key, but has no accessor for the secret bytes; its memory is wiped when it is dropped
//! (`ed25519-dalek`'s `zeroize`). A new wallet gets its key when it is created; a wallet created
//! before migration 0005 gets one the first time it is opened. A restore into a new wallet keeps
//! the backup's key (the learner's DID survives a move to a new machine); merging a backup into
//! an existing wallet keeps the wallet's own key (the backup's is ignored, like any other row
//! whose key is taken).

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rusqlite::{Connection, OptionalExtension};
use zeroize::Zeroizing;

use super::{DbContext, StoreError, Wallet, key};

/// The multicodec prefix of an Ed25519 public key (`ed25519-pub`, 0xed as a varint).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

/// The learner's signing key, unlocked from the wallet. Debug output never shows the secret.
pub struct HolderKey {
    signing: SigningKey,
}

impl std::fmt::Debug for HolderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HolderKey").field("did", &self.did()).finish_non_exhaustive()
    }
}

impl HolderKey {
    /// A key from its 32 secret bytes (for tests and known-answer checks; the wallet's own key
    /// comes from [`Wallet::holder_key`]).
    pub fn from_secret_bytes(secret: &[u8; 32]) -> HolderKey {
        HolderKey { signing: SigningKey::from_bytes(secret) }
    }

    /// The public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The holder DID: `did:key:z6Mk…`.
    pub fn did(&self) -> String {
        did_key(&self.verifying_key())
    }

    /// The verification method the holder signs with: `did:key:z…#z…` (the did:key's one key).
    pub fn verification_method(&self) -> String {
        let did = self.did();
        let fragment = did.trim_start_matches("did:key:").to_string();
        format!("{did}#{fragment}")
    }

    /// An Ed25519 signature (RFC 8032) over `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

/// The `did:key` of an Ed25519 public key: multicodec `ed25519-pub` then the 32 key bytes, in
/// multibase base58btc (the `multibase` crate).
pub fn did_key(key: &VerifyingKey) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    format!("did:key:{}", multibase::encode(multibase::Base::Base58Btc, bytes))
}

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
    /// The learner's signing key, unlocked. Its secret never leaves the core in clear.
    pub fn holder_key(&self) -> Result<HolderKey, StoreError> {
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
        Ok(HolderKey::from_secret_bytes(&secret))
    }

    /// The holder DID (`did:key:z6Mk…`): who signs the learner's presentations.
    pub fn holder_did(&self) -> Result<String, StoreError> {
        Ok(self.holder_key()?.did())
    }
}
