//! The `stapel` binary end to end: real wallets in temporary folders, real published
//! credentials from `../shared/vectors`, real HTTP against servers started on loopback.

mod bad_input;
mod present;
mod stacking;
mod support;
mod verify;
mod wallet;
