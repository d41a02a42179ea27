// Settings: the language and the minutes before the wallet locks itself (the settings file),
// the learner's identities, a backup and a restore, and the wallet's protection (passphrase
// or keychain). This screen owns the settings.
import { setLanguage, t } from "../i18n.js";
import { $, busy, el, hideError, showError } from "../lib/dom.js";
import { invoke } from "../lib/ipc.js";
import { MIN_PASSPHRASE, strength } from "../lib/passphrase.js";
import { restoreProgress } from "../lib/restore.js";
import { show as showView } from "../lib/router.js";
import { noteStatus, walletStatus } from "../lib/session.js";

let settings = { language: null, lockAfterMinutes: 10 };

/** Minutes without input before the open wallet locks itself (0: never). */
export const lockAfterMinutes = () => settings.lockAfterMinutes;

/** Reads the settings file and takes its language (at start, before the page is translated). */
export async function load() {
  try {
    const loaded = await invoke("get_settings");
    settings = loaded.settings;
    setLanguage(settings.language);
    $("settings-notice").hidden = !loaded.notice;
    $("settings-notice").textContent = loaded.notice ? t("settings.damaged", { message: loaded.notice }) : "";
  } catch (err) {
    setLanguage(null);
  }
}

async function loadSettingsScreen() {
  const status = walletStatus();
  hideError("settings-error");
  $("settings-status").textContent = "";
  $("settings-language").value = settings.language || "";
  $("settings-lock-minutes").value = String(settings.lockAfterMinutes);
  $("change-current-field").hidden = !(status && status.keyMode === "passphrase");
  $("to-keychain-box").hidden = !(status && status.keyMode === "passphrase");
  await loadIdentities();
}

async function loadIdentities(list) {
  try {
    const ids = list || await invoke("list_identities");
    const ul = $("identity-list");
    ul.replaceChildren();
    $("identity-empty").hidden = ids.length !== 0;
    ids.forEach((i, n) => {
      const remove = el("button", { type: "button", class: "secondary small", id: `identity-remove-${n}`, text: t("identities.remove"), "aria-label": t("identities.remove_one", { value: i.value }) });
      remove.addEventListener("click", async () => {
        try { await loadIdentities(await invoke("remove_identity", { kind: i.kind, value: i.value })); } catch (err) { showError("settings-error", err); }
      });
      ul.append(el("li", { class: "identity" }, el("span", { text: `${i.value} (${i.kind})` }), " ", remove));
    });
  } catch (err) {
    showError("settings-error", err);
  }
}

export function init() {
  $("settings-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    hideError("settings-error");
    const minutes = Number.parseInt($("settings-lock-minutes").value, 10);
    const chosen = { language: $("settings-language").value || null, lockAfterMinutes: Number.isFinite(minutes) && minutes >= 0 ? minutes : 10 };
    await busy($("settings-save"), async () => {
      try {
        settings = await invoke("save_settings", { settings: chosen });
        setLanguage(settings.language);
        $("settings-notice").hidden = true;
        await loadSettingsScreen();
        $("settings-status").textContent = t("settings.saved");
      } catch (err) {
        showError("settings-error", err);
      }
    });
  });
  $("identity-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    hideError("settings-error");
    const value = $("identity-value").value.trim();
    if (!value) return;
    try {
      await loadIdentities(await invoke("add_identity", { kind: $("identity-kind").value, value }));
      $("identity-value").value = "";
    } catch (err) {
      showError("settings-error", err);
    }
  });
  $("backup-submit").addEventListener("click", async () => {
    hideError("settings-error");
    const backupPassphrase = $("backup-passphrase").value;
    if (backupPassphrase.length < MIN_PASSPHRASE) return showError("settings-error", { code: "passphrase_too_short" });
    try {
      const path = await invoke("plugin:dialog|save", { options: { defaultPath: "stapel.backup", title: t("backup.submit") } });
      if (!path) return;
      await busy($("backup-submit"), () => invoke("backup_wallet", { path, backupPassphrase }));
      $("backup-passphrase").value = "";
      $("settings-status").textContent = t("backup.done", { path });
    } catch (err) {
      showError("settings-error", err);
    }
  });
  $("restore-submit").addEventListener("click", async () => {
    hideError("settings-error");
    const backupPassphrase = $("restore-passphrase").value;
    if (!backupPassphrase) return showError("settings-error", { code: "passphrase_missing" });
    try {
      const path = await invoke("plugin:dialog|open", { options: { multiple: false, directory: false, title: t("backup.restore") } });
      if (!path) return;
      const progress = restoreProgress("restore");
      let report;
      try {
        report = await busy($("restore-submit"), () => invoke("restore_wallet", { path, backupPassphrase, protection: null, passphrase: null, onProgress: progress.channel }));
      } finally {
        progress.end();
      }
      $("restore-passphrase").value = "";
      $("settings-status").textContent = t("backup.restored", { added: report.credentials_added, present: report.credentials_present });
    } catch (err) {
      showError("settings-error", err);
    }
  });
  $("to-keychain").addEventListener("click", async () => {
    hideError("settings-error");
    await busy($("to-keychain"), async () => {
      try {
        noteStatus(await invoke("change_passphrase", { currentPassphrase: $("change-current").value || null, protection: "keychain", newPassphrase: null }));
        $("change-current").value = "";
        $("settings-status").textContent = t("change.keychain_done");
        await loadSettingsScreen();
      } catch (err) {
        showError("settings-error", err);
      }
    });
  });
  $("change-new").addEventListener("input", () => { $("change-strength").textContent = strength($("change-new").value); });
  $("change-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    hideError("settings-error");
    const next = $("change-new").value;
    if (next.length < MIN_PASSPHRASE) return showError("settings-error", { code: "passphrase_too_short" });
    if (next !== $("change-confirm").value) return showError("settings-error", { code: "passphrases_differ" });
    await busy($("change-submit"), async () => {
      try {
        noteStatus(await invoke("change_passphrase", { currentPassphrase: $("change-current").value || null, protection: "passphrase", newPassphrase: next }));
        for (const id of ["change-current", "change-new", "change-confirm"]) $(id).value = "";
        $("change-strength").textContent = "";
        $("settings-status").textContent = t("change.done");
        $("change-current-field").hidden = false;
      } catch (err) {
        showError("settings-error", err);
      }
    });
  });
}

export async function show() {
  showView("settings");
  await loadSettingsScreen();
}
