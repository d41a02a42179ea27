//! The core's integration tests: one test binary, one module per core module.

mod formats;
