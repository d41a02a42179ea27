//! The `stapel` binary end to end: real wallets in temporary folders, real published
//! credentials from `../shared/vectors`, real HTTP against servers started on loopback.

// Test code: a panic is a failed test, with its line (clippy.toml covers #[test] functions;
// this covers the helpers beside them).
#![allow(clippy::unwrap_used)]

mod bad_input;
mod claim;
mod present;
mod stacking;
mod support;
mod verify;
mod wallet;
