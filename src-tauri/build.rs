//! Declares the app's commands so each gets an `allow-…` permission and none is reachable
//! from the page unless `capabilities/main.json` grants it.

const COMMANDS: &[&str] = &[
    "wallet_status",
    "create_wallet",
    "unlock_wallet",
    "lock_wallet",
    "change_passphrase",
    "backup_wallet",
    "restore_wallet",
    "list_page",
    "list_facets",
    "list_skills",
    "badge_image",
    "credential_detail",
    "verify_credential",
    "verify_all",
    "recheck_status",
    "export_original",
    "original_text",
    "remove_credential",
    "import_inputs",
    "get_settings",
    "save_settings",
    "list_identities",
    "add_identity",
    "remove_identity",
    "list_pathways",
    "pathway_progress",
    "add_pathway",
    "create_goal",
    "remove_pathway",
    "write_report",
    "make_presentation",
    "save_presentation",
    "save_codes",
    "check_presentation",
    "scan_frame",
    "scan_codes",
    "prepare_offer",
    "claim_offer",
    "forget_offer",
    "pending_claims",
    "poll_pending_claims",
    "cancel_pending_claim",
    "take_offer_link",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the Tauri build step failed");
}
