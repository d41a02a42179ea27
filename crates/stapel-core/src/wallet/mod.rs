//! The wallet layer: what combines the pure modules with the store. The store keeps what it
//! is given (a pathway as its JSON, a report as the verifier wrote it) and knows no domain
//! module; the pure modules (`net`, `formats`, `verify`, `stacking`, `present`) are functions
//! of their inputs and know no wallet. This layer reads the store, hands what it read to the
//! pure functions, and writes their answers back.
//!
//! Some of it is methods on [`crate::store::Wallet`] (an `impl Wallet` here, so callers write
//! `wallet.pathways()`), the rest free functions over a `&Wallet`. [`pathways`]: pathways read
//! from the JSON the store keeps.

pub mod pathways;

pub use pathways::StoredPathway;
