//! The one error shape the page sees: `{ code, message }`. `code` is a stable snake_case word
//! the page switches on (and looks up in its string catalogue); `message` is the core's own
//! plain-words sentence, shown when the page has no text of its own for the code.

use serde::Serialize;
use stapel_core::formats::FormatError;
use stapel_core::net::FetchError;
use stapel_core::present::PresentError;
use stapel_core::stacking::StackingError;
use stapel_core::store::StoreError;
use stapel_core::wallet::check::CheckError;
use stapel_core::wallet::import::ImportError;
use stapel_core::wallet::report::ReportError;
use stapel_core::wallet::{ShareError, WalletStackingError};

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
        StoreError::EmptyWallet { .. } => "empty_wallet",
        StoreError::UnknownId(_) => "unknown_credential",
        StoreError::UnknownPathway(_) => "unknown_pathway",
        StoreError::AmbiguousId { .. } => "ambiguous_id",
        StoreError::NoOriginal { .. } => "no_original",
        StoreError::InvalidCredential(_) => "invalid_credential",
        StoreError::InvalidIdentity(_) => "invalid_identity",
        StoreError::BackupOverWallet { .. } => "backup_over_wallet",
        StoreError::NotABackup { .. } => "not_a_backup",
        StoreError::BackupVersion { .. } => "backup_version",
        StoreError::BackupDoesNotOpen { .. } => "backup_does_not_open",
        StoreError::UnknownPendingClaim(_) => "unknown_pending_claim",
        _ => "store",
    }
}

/// The code for an input that is not a credential Stapel can read.
fn format_code(e: &FormatError) -> &'static str {
    match e {
        FormatError::Empty => "empty_file",
        FormatError::TooLarge { .. } => "too_large",
        FormatError::Html => "web_page",
        FormatError::Fetch { source, .. } => source.code(),
        _ => "not_a_credential",
    }
}

/// The code for one input that was not imported (also used per failure in the import summary).
pub fn import_code(e: &ImportError) -> &'static str {
    match e {
        ImportError::Read(_) => "unreadable_file",
        ImportError::TooLarge => "too_large",
        ImportError::Fetch(f) => f.code(),
        ImportError::Format(f) => format_code(f),
        ImportError::Store(s) => store_code(s),
    }
}

impl From<ImportError> for CommandError {
    fn from(e: ImportError) -> CommandError {
        CommandError::new(import_code(&e), e.to_string())
    }
}

impl From<FetchError> for CommandError {
    fn from(e: FetchError) -> CommandError {
        CommandError::new(e.code(), e.to_string())
    }
}

impl From<CheckError> for CommandError {
    fn from(e: CheckError) -> CommandError {
        let code = match &e {
            CheckError::Unreadable(f) => format_code(f),
            CheckError::TooLarge => "too_large",
            CheckError::NoOriginal { .. } => "no_original",
            CheckError::Store(s) => store_code(s),
        };
        CommandError::new(code, e.to_string())
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> CommandError {
        CommandError::new(store_code(&e), e.to_string())
    }
}

/// The code for a pathway that is not right, or progress that could not be computed.
fn stacking_code(e: &WalletStackingError) -> &'static str {
    match e {
        WalletStackingError::Store(s) => store_code(s),
        WalletStackingError::Stacking(StackingError::Syntax { .. } | StackingError::Invalid { .. }) => {
            "pathway_invalid"
        }
        WalletStackingError::Stacking(_) => "stacking",
    }
}

impl From<StackingError> for CommandError {
    fn from(e: StackingError) -> CommandError {
        WalletStackingError::Stacking(e).into()
    }
}

impl From<WalletStackingError> for CommandError {
    fn from(e: WalletStackingError) -> CommandError {
        CommandError::new(stacking_code(&e), e.to_string())
    }
}

impl From<ReportError> for CommandError {
    fn from(e: ReportError) -> CommandError {
        let code = match &e {
            ReportError::Stacking(s) => stacking_code(s),
            ReportError::Store(s) => store_code(s),
            ReportError::Io { .. } => "io",
            ReportError::FolderInTheWay(_) => "folder_in_the_way",
            ReportError::NotPdf(_) => "not_pdf",
            ReportError::Pdf(_) | ReportError::Presentation(_) => "report_failed",
        };
        CommandError::new(code, e.to_string())
    }
}

fn present_code(e: &PresentError) -> &'static str {
    match e {
        PresentError::NothingChosen => "nothing_chosen",
        PresentError::NotPresentable { .. } => "not_presentable",
        PresentError::Sign(_) => "sign_failed",
        PresentError::Qr(_) => "qr_unreadable",
        PresentError::NotAPresentation(_) | PresentError::Input { .. } => "not_a_presentation",
        PresentError::QrFileType(_) => "qr_file_type",
        PresentError::Write { .. } => "io",
    }
}

impl From<PresentError> for CommandError {
    fn from(e: PresentError) -> CommandError {
        CommandError::new(present_code(&e), e.to_string())
    }
}

impl From<ShareError> for CommandError {
    fn from(e: ShareError) -> CommandError {
        let code = match &e {
            ShareError::Store(s) => store_code(s),
            ShareError::Present(p) => present_code(p),
        };
        CommandError::new(code, e.to_string())
    }
}
