//! The one error shape the page sees: `{ code, message }`. `code` is a stable snake_case word
//! the page switches on (and looks up in its string catalogue); `message` is the core's own
//! plain-words sentence, shown when the page has no text of its own for the code.

use serde::Serialize;
use stapel_core::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: &'static str,
    pub message: String,
}

impl CommandError {
    pub fn new(code: &'static str, message: impl Into<String>) -> CommandError {
        CommandError { code, message: message.into() }
    }
}

/// The code for each way the store can fail; the message stays the store's.
fn store_code(e: &StoreError) -> &'static str {
    match e {
        StoreError::Exists { .. } => "wallet_exists",
        StoreError::NotFound { .. } => "wallet_missing",
        StoreError::WrongPassphrase => "wrong_passphrase",
        StoreError::NeedsPassphrase => "needs_passphrase",
        StoreError::NeedsKeychain => "needs_keychain",
        StoreError::KeychainKeyMissing => "keychain_key_missing",
        StoreError::KeychainUnavailable(_) => "keychain_unavailable",
        StoreError::Keychain(_) => "keychain_failed",
        StoreError::SidecarMissing { .. }
        | StoreError::SidecarInvalid { .. }
        | StoreError::Corrupt(_)
        | StoreError::IntegrityCheck(_) => "not_a_wallet",
        StoreError::NewerSchema { .. } => "newer_schema",
        StoreError::Io { .. } => "io",
        StoreError::Database { .. } => "database",
        _ => "store",
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> CommandError {
        CommandError::new(store_code(&e), e.to_string())
    }
}
