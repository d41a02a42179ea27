//! Stapel's desktop shell: one window showing the page in `ui/`, and a few thin commands over
//! `stapel_core`. The shell owns no domain logic: it decides where the wallet lives
//! (`STAPEL_WALLET`, else the platform's place), keeps the open wallet in managed state, runs
//! the blocking core off the async runtime and turns core errors into `{ code, message }`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod wallet;

use std::sync::Arc;

use stapel_core::store::KdfParams;

fn main() {
    let path = wallet::wallet_path(std::env::var_os("STAPEL_WALLET"));
    let held: commands::Shared = Arc::new(wallet::Held::new(path, KdfParams::default()));
    tauri::Builder::default()
        .manage(held)
        .invoke_handler(tauri::generate_handler![
            commands::wallet_status,
            commands::create_wallet,
            commands::unlock_wallet,
            commands::lock_wallet,
            commands::list_credentials,
        ])
        .run(tauri::generate_context!())
        .expect("the Stapel window could not be started");
}
