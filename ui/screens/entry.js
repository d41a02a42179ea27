// First run and unlock: making the wallet (keychain or passphrase, or from a backup) and
// opening it (its passphrase, or the keychain: tried by itself once when the app starts).
// What the page shows once the shell answers with the wallet's status is main.js's `render`,
// handed in by `init`. This screen owns whether the keychain was tried.
import { t } from "../i18n.js";
import { $, busy, hideError, showError } from "../lib/dom.js";
import { invoke } from "../lib/ipc.js";
import { MIN_PASSPHRASE, strength } from "../lib/passphrase.js";
import { restoreProgress } from "../lib/restore.js";
import { show as showView } from "../lib/router.js";

/** Shows what the page shows for the wallet's status (main.js's `render`). */
let render = async () => {};
/** The keychain was tried (or the wallet was open): after a lock, the unlock screen waits. */
let keychainTried = false;

/** Opens the wallet with its passphrase or from the keychain; a failure is told on the unlock screen. */
function unlock(method, button) {
  hideError("unlock-error");
  const passphrase = method === "passphrase" ? $("unlock-passphrase").value : null;
  return busy(button, async () => {
    try {
      const status = await invoke("unlock_wallet", { method, passphrase });
      $("unlock-passphrase").value = "";
      await render(status);
    } catch (err) {
      showError("unlock-error", err);
      if (method === "passphrase") $("unlock-passphrase").select();
    }
  });
}

/** The wallet is closed: first run if there is none, else unlock (the keychain tried once by itself). */
export async function show(status) {
  if (!status.exists) {
    showView("create");
    $("create-passphrase").focus();
    return;
  }
  showView("unlock");
  const keychain = status.keyMode === "keychain";
  $("unlock-passphrase-fields").hidden = keychain;
  $("unlock-submit").hidden = keychain;
  $("unlock-keychain").hidden = !keychain;
  if (!keychain) {
    $("unlock-passphrase").focus();
    return;
  }
  $("unlock-keychain").focus();
  // A wallet whose key is in the keychain opens by itself when the app starts (that is what
  // the keychain is for); after the learner locks it, it waits for the button.
  if (!keychainTried) {
    keychainTried = true;
    await unlock("keychain", $("unlock-keychain"));
  }
}

/** The wallet is open (the shell opens a keychain wallet at launch): a later lock waits for the learner. */
export function opened() {
  keychainTried = true;
  $("unlock-notice").hidden = true;
}

/** Says on the unlock screen that the wallet locked itself after `minutes` without input. */
export function lockedIdle(minutes) {
  $("unlock-notice").textContent = t("unlock.locked_idle", { n: minutes });
  $("unlock-notice").hidden = false;
}

export function init(onStatus) {
  render = onStatus;
  const form = $("create-form");
  const syncProtection = () => {
    $("create-passphrase-fields").hidden = form.elements.protection.value !== "passphrase";
  };
  for (const radio of form.elements.protection) radio.addEventListener("change", syncProtection);
  $("create-passphrase").addEventListener("input", () => { $("create-strength").textContent = strength($("create-passphrase").value); });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    hideError("create-error");
    const protection = form.elements.protection.value;
    const passphrase = $("create-passphrase").value;
    if (protection === "passphrase") {
      if (passphrase.length < MIN_PASSPHRASE) return showError("create-error", { code: "passphrase_too_short" });
      if (passphrase !== $("create-confirm").value) return showError("create-error", { code: "passphrases_differ" });
    }
    busy($("create-submit"), async () => {
      try {
        const status = await invoke("create_wallet", { protection, passphrase: protection === "passphrase" ? passphrase : null });
        $("create-passphrase").value = "";
        $("create-confirm").value = "";
        $("create-strength").textContent = "";
        await render(status);
      } catch (err) {
        showError("create-error", err);
      }
    });
  });

  // At first run, a backup can become the new wallet, protected as chosen in the form.
  $("create-restore-submit").addEventListener("click", async () => {
    hideError("create-error");
    const protection = form.elements.protection.value;
    const passphrase = $("create-passphrase").value;
    const backupPassphrase = $("create-restore-passphrase").value;
    if (!backupPassphrase) return showError("create-error", { code: "passphrase_missing" });
    if (protection === "passphrase") {
      if (passphrase.length < MIN_PASSPHRASE) return showError("create-error", { code: "passphrase_too_short" });
      if (passphrase !== $("create-confirm").value) return showError("create-error", { code: "passphrases_differ" });
    }
    try {
      const path = await invoke("plugin:dialog|open", { options: { multiple: false, directory: false, title: t("backup.restore") } });
      if (!path) return;
      const progress = restoreProgress("create-restore");
      try {
        await busy($("create-restore-submit"), () => invoke("restore_wallet", {
          path, backupPassphrase, protection, passphrase: protection === "passphrase" ? passphrase : null, onProgress: progress.channel,
        }));
      } finally {
        progress.end();
      }
      for (const id of ["create-passphrase", "create-confirm", "create-restore-passphrase"]) $(id).value = "";
      await render(await invoke("wallet_status"));
    } catch (err) {
      showError("create-error", err);
    }
  });

  $("unlock-form").addEventListener("submit", (event) => {
    event.preventDefault();
    unlock("passphrase", $("unlock-submit"));
  });
  $("unlock-keychain").addEventListener("click", () => unlock("keychain", $("unlock-keychain")));
}
