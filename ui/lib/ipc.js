// The shell's commands and events (window.__TAURI__, given by Tauri: withGlobalTauri). A failed
// command rejects with `{ code, message }`; `errorText` says it in the page's words.
import { t } from "../i18n.js";

const tauri = window.__TAURI__;

/** Calls the shell's command `cmd`. */
export const invoke = (cmd, args, options) => tauri.core.invoke(cmd, args, options);

/** A channel the shell sends a command's progress over (`onmessage`). */
export const channel = () => new tauri.core.Channel();

/** Whether the shell's events can be listened to. */
export const events = Boolean(tauri.event);

/** Listens to the shell's event `name`. */
export const listen = (name, handler) => tauri.event.listen(name, handler);

/** The codes the page explains in its own words; any other shows the core's message. */
const ERRORS = [
  "@error.passphrase_too_short", "@error.passphrases_differ", "@error.passphrase_missing", "@error.wrong_passphrase",
  "@error.wallet_exists", "@error.wallet_missing", "@error.keychain_unavailable", "@error.keychain_key_missing",
  "@error.needs_passphrase", "@error.needs_keychain", "@error.no_wallet_path", "@error.locked", "@error.not_a_wallet",
  "@error.newer_schema", "@error.unknown_credential", "@error.no_original", "@error.invalid_identity",
  "@error.backup_does_not_open", "@error.not_a_backup", "@error.backup_version", "@error.backup_over_wallet",
  "@error.not_a_credential", "@error.empty_file", "@error.too_large", "@error.web_page", "@error.unreadable_file",
  "@error.not_https", "@error.bad_url", "@error.private_address", "@error.unreachable", "@error.offline",
  "@error.fetch_failed", "@error.url_missing", "@error.io",
  "@error.unknown_pathway", "@error.pathway_invalid", "@error.no_skills_chosen", "@error.goal_name_missing",
  "@error.not_pdf", "@error.folder_in_the_way", "@error.report_failed", "@error.nothing_chosen", "@error.not_presentable",
  "@error.qr_unreadable", "@error.not_a_presentation", "@error.qr_file_type", "@error.nothing_to_check", "@error.sign_failed",
  "@error.camera_denied", "@error.no_camera", "@error.camera_busy", "@error.camera_failed", "@error.camera_silent",
  "@error.offer_missing", "@error.offer_invalid", "@error.offer_gone", "@error.issuer_metadata", "@error.issuer_refused",
  "@error.wrong_tx_code", "@error.tx_code_needed", "@error.tx_code_digits", "@error.tx_code_length",
  "@error.claim_unsupported", "@error.issuer_protocol", "@error.sign_in_timed_out", "@error.unknown_pending_claim",
];
/** Codes whose own message says which field, part or file: shown after the page's text. */
const DETAILED = ["offer_invalid", "issuer_metadata", "issuer_refused", "wrong_tx_code", "claim_unsupported", "issuer_protocol", "pathway_invalid", "not_presentable", "qr_unreadable", "not_a_presentation", "folder_in_the_way", "report_failed", "io", "unreadable_file"];

/** Whether the page explains the error `code` in its own words (`error.<code>`). */
export function explained(code) {
  return ERRORS.includes(`@error.${code}`);
}

/** A failed call's `{ code, message }` (or anything thrown) as the page says it. */
export function errorText(err) {
  const code = err && typeof err === "object" ? err.code : undefined;
  const message = err && typeof err === "object" ? err.message : String(err);
  if (code && explained(code)) {
    return DETAILED.includes(code) && message ? `${t(`error.${code}`)} (${message})` : t(`error.${code}`);
  }
  return t("error.unexpected", { message: message || String(code || err) });
}
