//! The core's integration tests: one binary, one module per area. Test names are sentences.

// Test code: a panic is a failed test, with its line (clippy.toml covers #[test] functions;
// this covers the helpers beside them).
#![allow(clippy::unwrap_used)]

mod claim;
mod formats;
mod goal;
mod import;
mod layers;
mod net;
mod present;
mod stacking;
mod store;
mod verify;
mod verify_schema;
mod verify_status;
