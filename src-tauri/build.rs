//! Declares the app's commands so each gets an `allow-…` permission and none is reachable
//! from the page unless `capabilities/main.json` grants it.

const COMMANDS: &[&str] = &["wallet_status", "create_wallet", "unlock_wallet", "lock_wallet", "list_credentials"];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the Tauri build step failed");
}
