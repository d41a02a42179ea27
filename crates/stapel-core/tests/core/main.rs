//! The core's integration tests: one binary, one module per area. Test names are sentences.

mod formats;
mod goal;
mod net;
mod present;
mod stacking;
mod store;
mod verify;
mod verify_schema;
mod verify_status;
