//! The holder key: the learner's own Ed25519 key pair, and the holder DID (`did:key`) that is
//! its public half. The wallet keeps its secret (`store::holder`) and hands it over as this
//! type (`Wallet::holder_key`).
//!
//! [`HolderKey`] signs, and shows its DID and public key, but has no accessor for the secret
//! bytes; its memory is wiped when it is dropped (`ed25519-dalek`'s `zeroize`).
//!
//! [`P256HolderKey`] is the learner's second key, on P-256, for issuers that take key proofs
//! only in ES256 (OpenID4VCI lets the issuer choose the algorithm, and HAIP profiles require
//! ES256). It proves possession when claiming and nothing else: presentations are signed with
//! the Ed25519 key. Its memory is wiped on drop as well (`p256`'s `zeroize`).

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};

/// The multicodec prefix of an Ed25519 public key (`ed25519-pub`, 0xed as a varint).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
/// The multicodec prefix of a P-256 public key (`p256-pub`, 0x1200 as a varint).
const P256_PUB: [u8; 2] = [0x80, 0x24];

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

/// The learner's P-256 key, unlocked from the wallet. Debug output never shows the secret.
pub struct P256HolderKey {
    signing: p256::ecdsa::SigningKey,
}

impl std::fmt::Debug for P256HolderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("P256HolderKey").field("did", &self.did()).finish_non_exhaustive()
    }
}

impl P256HolderKey {
    /// A key from its 32-byte secret scalar; `None` when the bytes are no P-256 key (zero, or
    /// not below the group order).
    pub fn from_secret_bytes(secret: &[u8; 32]) -> Option<P256HolderKey> {
        p256::ecdsa::SigningKey::from_slice(secret).ok().map(|signing| P256HolderKey { signing })
    }

    /// The holder DID of this key: `did:key:zDn…` (multicodec `p256-pub`, the compressed point).
    pub fn did(&self) -> String {
        let mut bytes = P256_PUB.to_vec();
        bytes.extend_from_slice(self.signing.verifying_key().to_encoded_point(true).as_bytes());
        format!("did:key:{}", multibase::encode(multibase::Base::Base58Btc, bytes))
    }

    /// `did:key:zDn…#zDn…`.
    pub fn verification_method(&self) -> String {
        let did = self.did();
        let fragment = did.trim_start_matches("did:key:").to_string();
        format!("{did}#{fragment}")
    }

    /// The public key's affine coordinates `(x, y)`, 32 bytes each.
    pub fn coordinates(&self) -> ([u8; 32], [u8; 32]) {
        let point = self.signing.verifying_key().to_encoded_point(false);
        let mut x = [0u8; 32];
        let mut y = [0u8; 32];
        x.copy_from_slice(point.x().expect("an uncompressed point has x"));
        y.copy_from_slice(point.y().expect("an uncompressed point has y"));
        (x, y)
    }

    /// An ES256 signature over `message`: ECDSA with SHA-256, as `r || s` (RFC 7518 §3.4).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        use p256::ecdsa::signature::Signer as _;
        let signature: p256::ecdsa::Signature = self.signing.sign(message);
        signature.to_bytes().into()
    }
}
