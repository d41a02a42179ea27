//! Stapel's core: everything the learner wallet does, as a library with no Tauri, no UI, no
//! clock and no state that changes an outcome (decision 0039). The desktop shell
//! (`src-tauri`) and the `stapel` CLI are thin fronts over it.
//!
//! One module per domain noun; each opens with a paragraph saying what it owns. Time and the
//! network are always handed in: functions that need "now" take it as a parameter, and
//! functions that need a document from the web take a [`net::Fetcher`].

pub mod check;
pub mod formats;
pub mod import;
pub mod net;
pub mod present;
pub mod report;
pub mod stacking;
pub mod store;
pub mod verify;
pub mod wallet;
