//! Stapel's desktop shell: one window showing the page in `ui/`, and a few thin commands over
//! `stapel_core`. The shell owns no domain logic: it resolves where the wallet lives, keeps the
//! open wallet in managed state, runs the blocking core off the async runtime and turns core
//! errors into `{ code, message }` for the page.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the Stapel window could not be started");
}
