//! The holder key: the learner's own Ed25519 key pair, and the holder DID (`did:key`) that is
//! its public half. The wallet keeps its secret (`store::holder`) and hands it over as this
//! type (`Wallet::holder_key`).
//!
//! [`HolderKey`] signs, and shows its DID and public key, but has no accessor for the secret
//! bytes; its memory is wiped when it is dropped (`ed25519-dalek`'s `zeroize`).

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};

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
    /// comes from `Wallet::holder_key`).
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
