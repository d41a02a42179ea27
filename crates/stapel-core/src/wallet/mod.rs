//! The wallet layer: what combines the pure modules with the store. The store keeps what it
//! is given (a pathway as its JSON, a report as the verifier wrote it) and knows no domain
//! module beyond the data it keeps; the pure modules (`net`, `formats`, `verify`, `stacking`,
//! `present`) are functions of their inputs and know no wallet. This layer reads the store,
//! hands what it read to the pure functions, and writes their answers back.
//!
//! - [`import`]: inputs (files, folders, stdin, URLs) into the wallet, one transaction each.
//! - [`claim`]: what an OpenID4VCI claim brought, verified and then kept.
//! - [`check`]: verifying a stored credential (or a loose file with the wallet's identities and
//!   kept status lists) and recording the report.
//! - [`pathways`]: pathways read from the JSON the store keeps; storing a personal goal.
//! - [`progress`]: credit values and progress from the wallet's credentials and their stored
//!   verifications.
//! - [`present`]: presenting the wallet's credentials with its holder key; public links.
//! - [`report`]: the exemption request (a PDF, the counted originals, their presentation).
//!
//! Some of it is methods on [`crate::store::Wallet`] (an `impl Wallet` here, so callers write
//! `wallet.pathways()` or `wallet.holder_key()`), the rest free functions over a `&Wallet`.

pub mod check;
pub mod claim;
pub mod import;
pub mod pathways;
pub mod present;
pub mod progress;
pub mod report;

pub use pathways::{StoredPathway, add_personal_goal};
pub use present::ShareError;
pub use progress::{
    CredentialCredits, Standing, WalletCredential, WalletProgress, WalletStackingError, progress_of,
    wallet_credentials, wallet_credits, wallet_progress,
};
