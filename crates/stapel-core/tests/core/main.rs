//! The core's integration tests: one binary, one module per core module.

mod store;
