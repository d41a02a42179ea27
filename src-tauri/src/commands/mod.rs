//! The commands the page may call. Each is a few lines: it moves the blocking core call onto a
//! blocking thread (`spawn_blocking`: the core uses blocking I/O, Argon2id and a blocking
//! HTTP client, none of which may run on the async runtime) and returns the core's answer or
//! a `{ code, message }` error. One module per screen.

pub mod claim;
pub mod credentials;
pub mod import;
pub mod progress;
pub mod settings;
pub mod share;
pub mod wallet;

use std::sync::Arc;

use tauri::State;

use crate::error::CommandError;
use crate::wallet::Held;

/// The managed state: the wallet the app works on.
pub type Shared = Arc<Held>;

pub(crate) async fn blocking<T: Send + 'static>(
    held: &State<'_, Shared>,
    work: impl FnOnce(&Held) -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    let held = Arc::clone(held.inner());
    tauri::async_runtime::spawn_blocking(move || work(&held))
        .await
        .map_err(|e| CommandError::new("internal", format!("the wallet task stopped unexpectedly: {e}")))?
}
