//! Stapel's core: everything the learner wallet does, as a library with no Tauri, no UI, no
//! clock and no state that changes an outcome (decision 0039). The desktop shell
//! (`src-tauri`) and the `stapel` CLI are thin fronts over it.
//!
//! One module per domain noun; each opens with a paragraph saying what it owns. Time and the
//! network are always handed in: functions that need "now" take it as a parameter, and
//! functions that need a document from the web take a [`net::Fetcher`].
//!
//! Three layers, pointing one way (ARCHITECTURE.md, "The core's layers", has the edges): the
//! pure modules [`net`], [`formats`], [`verify`], [`stacking`] and [`present`], functions of
//! their inputs; [`store`], the encrypted database, which keeps what it is given; and
//! [`wallet`], which combines the two.

pub mod claim;
pub mod formats;
pub mod net;
pub mod present;
pub mod stacking;
pub mod store;
pub mod verify;
pub mod wallet;
