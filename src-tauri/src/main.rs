//! Stapel's desktop shell: one window showing the page in `ui/`, and thin commands over
//! `stapel_core`, one module per screen. The shell owns no domain logic: it decides where the
//! wallet lives (`STAPEL_WALLET`, else the platform's place) and where the app's settings are,
//! keeps the open wallet in managed state, runs the blocking core off the async runtime and
//! turns core errors into `{ code, message }`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod claiming;
mod commands;
mod error;
mod importing;
mod listing;
mod pathways;
mod settings;
mod sharing;
mod wallet;

#[cfg(test)]
mod claim_tests;
#[cfg(test)]
mod screen_tests;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use stapel_core::store::KdfParams;
use tauri::Manager;

/// WebKitGTK gives the page `navigator.mediaDevices` only with its media-stream setting on
/// (on by default since 2.4x, off before): turned on here so the camera scan works wherever
/// the system's WebKitGTK runs. Other platforms' webviews have it always.
fn media_stream(app: &tauri::App) {
    #[cfg(target_os = "linux")]
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.with_webview(|webview| {
            use webkit2gtk::{SettingsExt as _, WebViewExt as _};
            if let Some(settings) = webview.inner().settings() {
                settings.set_enable_media_stream(true);
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

/// Offer links the system handed over: kept (the newest) for the page, which is told one came.
fn offer_links_arrived<'a>(app: &tauri::AppHandle, urls: impl IntoIterator<Item = &'a str>) {
    use tauri::Emitter as _;
    let Some(links) = app.try_state::<Arc<claiming::Links>>() else { return };
    if links.arrive(urls) {
        let _ = app.emit_to("main", "offer-link", ());
    }
}

fn main() {
    let wallet_env = std::env::var_os("STAPEL_WALLET").filter(|v| !v.is_empty()).map(std::path::PathBuf::from);
    let path = wallet::wallet_path(wallet_env.clone().map(Into::into));
    tauri::Builder::default()
        // First: a second launch (the system opening an offer link while Stapel runs) hands its
        // arguments to this one and ends; the link reaches the open window (decision 0091).
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            offer_links_arrived(app, argv.iter().map(String::as_str));
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_dialog::init())
        // The camera, for scanning a code on the Check screen; nothing else (decision 0077).
        .on_permission_request(|_, kind| sharing::permission(kind))
        .setup(move |app| {
            media_stream(app);
            let config_dir = app.path().app_config_dir().ok();
            let settings = settings::settings_path(wallet_env.as_deref(), config_dir);
            let held: commands::Shared =
                Arc::new(wallet::Held::new(path, KdfParams::default()).with_settings_path(settings));
            // A keychain wallet is opened while the window is made (decision 0076).
            let opening = Arc::clone(&held);
            std::thread::spawn(move || opening.open_at_launch());
            app.manage(held);
            // An offer link Stapel was started with (the system opening one) waits for the page.
            let links = claiming::Links::default();
            let args: Vec<String> = std::env::args().skip(1).collect();
            links.arrive(args.iter().map(String::as_str));
            app.manage(Arc::new(links));
            // Where no package registered the schemes (a build run in place), Stapel registers
            // itself for them, off the start-up path; a system that will not is no reason not
            // to start.
            #[cfg(target_os = "linux")]
            {
                let registering = app.handle().clone();
                std::thread::spawn(move || {
                    use tauri_plugin_deep_link::DeepLinkExt as _;
                    let _ = registering.deep_link().register_all();
                });
            }
            let handle = app.handle().clone();
            {
                use tauri_plugin_deep_link::DeepLinkExt as _;
                app.deep_link().on_open_url(move |event| {
                    let urls: Vec<String> = event.urls().iter().map(|u| u.to_string()).collect();
                    offer_links_arrived(&handle, urls.iter().map(String::as_str));
                });
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::wallet::wallet_status,
            commands::wallet::create_wallet,
            commands::wallet::unlock_wallet,
            commands::wallet::lock_wallet,
            commands::wallet::change_passphrase,
            commands::wallet::backup_wallet,
            commands::wallet::restore_wallet,
            commands::credentials::list_page,
            commands::credentials::list_facets,
            commands::credentials::list_skills,
            commands::credentials::badge_image,
            commands::credentials::credential_detail,
            commands::credentials::verify_credential,
            commands::credentials::verify_all,
            commands::credentials::recheck_status,
            commands::credentials::export_original,
            commands::credentials::original_text,
            commands::credentials::remove_credential,
            commands::import::import_inputs,
            commands::settings::get_settings,
            commands::settings::save_settings,
            commands::settings::list_identities,
            commands::settings::add_identity,
            commands::settings::remove_identity,
            commands::progress::list_pathways,
            commands::progress::pathway_progress,
            commands::progress::add_pathway,
            commands::progress::create_goal,
            commands::progress::remove_pathway,
            commands::progress::write_report,
            commands::share::make_presentation,
            commands::share::save_presentation,
            commands::share::save_codes,
            commands::share::check_presentation,
            commands::share::scan_frame,
            commands::share::scan_codes,
            commands::claim::prepare_offer,
            commands::claim::claim_offer,
            commands::claim::forget_offer,
            commands::claim::pending_claims,
            commands::claim::poll_pending_claims,
            commands::claim::cancel_pending_claim,
            commands::claim::take_offer_link,
        ])
        .run(tauri::generate_context!())
        .expect("the Stapel window could not be started");
}
