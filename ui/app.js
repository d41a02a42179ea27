// Stapel's first page: create or unlock the wallet, then list its credentials. Every call
// goes through the shell's commands (window.__TAURI__.core.invoke); a failed call rejects with
// `{ code, message }` and the page shows the catalogue's text for that code.
(() => {
"use strict";

const { t, translatePage, lang } = window.i18n;
const invoke = (cmd, args) => window.__TAURI__.core.invoke(cmd, args);
const $ = (id) => document.getElementById(id);
const MIN_PASSPHRASE = 8;

/** The catalogue's text for an error from a command (or a `{ code }` the page raised itself). */
function errorText(err) {
  const code = err && typeof err === "object" ? err.code : undefined;
  const key = `error.${code}`;
  if (code && t(key) !== key) return t(key);
  const message = err && typeof err === "object" ? err.message : String(err);
  return t("error.unexpected", { message: message || String(code || err) });
}

function showError(id, err) {
  const el = $(id);
  el.textContent = errorText(err);
  el.dataset.code = (err && err.code) || "";
  el.hidden = false;
}

function hideError(id) {
  $(id).hidden = true;
  $(id).textContent = "";
}

/** Shows exactly one of the page's views: "loading", "create", "unlock" or "wallet". */
function show(view) {
  for (const id of ["loading", "create", "unlock", "wallet"]) $(id).hidden = id !== view;
  $("lock").hidden = view !== "wallet";
  document.body.dataset.view = view;
}

async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}

function formatDate(value) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(lang, { dateStyle: "long" }).format(date);
}

/** Only images carried inside the wallet (data: URLs) are shown; the page loads nothing remote. */
function imageFor(summary) {
  const src = typeof summary.image === "string" ? summary.image : "";
  if (src.startsWith("data:image/")) {
    const img = document.createElement("img");
    img.className = "image";
    img.alt = "";
    img.src = src;
    return img;
  }
  const box = document.createElement("div");
  box.className = "image placeholder";
  box.setAttribute("aria-hidden", "true");
  box.textContent = (summary.title || "?").trim().charAt(0).toUpperCase();
  return box;
}

function renderList(summaries) {
  const list = $("credentials");
  list.replaceChildren();
  $("list-empty").hidden = summaries.length !== 0;
  $("wallet-heading").textContent =
    summaries.length === 0 ? t("list.title")
      : `${t("list.title")} (${summaries.length === 1 ? t("list.count_one") : t("list.count_other", { n: summaries.length })})`;
  for (const s of summaries) {
    const item = document.createElement("li");
    item.className = "credential";
    item.dataset.id = s.id;
    const text = document.createElement("div");
    const title = document.createElement("p");
    title.className = "title";
    title.textContent = s.title;
    const meta = document.createElement("p");
    meta.className = "meta";
    const issuer = s.issuer || t("list.unknown_issuer");
    meta.textContent = [t("list.issued_by", { issuer }), s.issued ? t("list.issued_on", { date: formatDate(s.issued) }) : ""]
      .filter(Boolean).join(" ");
    text.append(title, meta);
    item.append(imageFor(s), text);
    list.append(item);
  }
}

async function openWallet() {
  show("wallet");
  hideError("list-error");
  try {
    renderList(await invoke("list_credentials"));
  } catch (err) {
    showError("list-error", err);
  }
}

function render(status) {
  $("wallet-path").textContent = status.path || "—";
  if (status.open) return openWallet();
  if (!status.exists) {
    show("create");
    $("create-passphrase").focus();
    return;
  }
  show("unlock");
  const keychain = status.keyMode === "keychain";
  $("unlock-passphrase-fields").hidden = keychain;
  $("unlock-submit").hidden = keychain;
  $("unlock-keychain").hidden = !keychain;
  if (!keychain) $("unlock-passphrase").focus();
}

function wire() {
  const form = $("create-form");
  const syncProtection = () => {
    $("create-passphrase-fields").hidden = form.elements.protection.value !== "passphrase";
  };
  for (const radio of form.elements.protection) radio.addEventListener("change", syncProtection);

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
        await render(status);
      } catch (err) {
        showError("create-error", err);
      }
    });
  });

  const unlock = (method, button) => {
    hideError("unlock-error");
    const passphrase = method === "passphrase" ? $("unlock-passphrase").value : null;
    busy(button, async () => {
      try {
        const status = await invoke("unlock_wallet", { method, passphrase });
        $("unlock-passphrase").value = "";
        await render(status);
      } catch (err) {
        showError("unlock-error", err);
        if (method === "passphrase") $("unlock-passphrase").select();
      }
    });
  };
  $("unlock-form").addEventListener("submit", (event) => {
    event.preventDefault();
    unlock("passphrase", $("unlock-submit"));
  });
  $("unlock-keychain").addEventListener("click", () => unlock("keychain", $("unlock-keychain")));

  $("lock").addEventListener("click", async () => {
    try {
      await render(await invoke("lock_wallet"));
    } catch (err) {
      showError("list-error", err);
    }
  });
}

async function start() {
  translatePage();
  wire();
  show("loading");
  try {
    await render(await invoke("wallet_status"));
  } catch (err) {
    show("create");
    $("create-submit").disabled = true;
    showError("create-error", err);
  }
}

start();
})();
