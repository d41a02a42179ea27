// Stapel's string catalogue: every text the page shows comes from here, in English and Dutch.
// The language is the first of the learner's preferred languages (navigator.languages) that
// the catalogue has; English otherwise. Elements carry `data-i18n="key"` and are filled on load.
(() => {
"use strict";

const CATALOGUE = {
  en: {
    "app.name": "Stapel",
    "app.loading": "Opening…",
    "wallet.lock": "Lock",
    "wallet.file": "Wallet file",
    "create.title": "Create your wallet",
    "create.intro": "Your credentials are kept in one encrypted file on this computer.",
    "create.protection": "How to protect it",
    "create.with_passphrase": "With a passphrase I choose",
    "create.with_keychain": "With this computer's keychain",
    "create.passphrase": "Passphrase",
    "create.confirm": "Passphrase again",
    "create.hint": "At least 8 characters. There is no way to recover a forgotten passphrase.",
    "create.submit": "Create wallet",
    "unlock.title": "Unlock your wallet",
    "unlock.passphrase": "Passphrase",
    "unlock.submit": "Unlock",
    "unlock.with_keychain": "Unlock with the keychain",
    "list.title": "Your credentials",
    "list.empty": "No credentials yet.",
    "list.count_one": "1 credential",
    "list.count_other": "{n} credentials",
    "list.issued_by": "Issued by {issuer}",
    "list.issued_on": "on {date}",
    "list.unknown_issuer": "an unknown issuer",
    "error.passphrase_too_short": "The passphrase must be at least 8 characters long.",
    "error.passphrases_differ": "The two passphrases are not the same.",
    "error.wrong_passphrase": "That passphrase does not open this wallet.",
    "error.wallet_exists": "There is already a wallet at this place.",
    "error.wallet_missing": "There is no wallet at this place yet.",
    "error.keychain_unavailable": "This computer's keychain could not be used. Choose a passphrase instead.",
    "error.no_wallet_path": "No place to keep the wallet was found. Start Stapel with STAPEL_WALLET set to a file path.",
    "error.locked": "The wallet is locked. Unlock it first.",
    "error.not_a_wallet": "This file is not a Stapel wallet, or it is damaged.",
    "error.unexpected": "Something went wrong: {message}",
  },
  nl: {
    "app.name": "Stapel",
    "app.loading": "Bezig met openen…",
    "wallet.lock": "Vergrendelen",
    "wallet.file": "Walletbestand",
    "create.title": "Maak je wallet aan",
    "create.intro": "Je diploma's en badges staan in één versleuteld bestand op deze computer.",
    "create.protection": "Hoe wil je hem beveiligen?",
    "create.with_passphrase": "Met een wachtwoordzin die ik kies",
    "create.with_keychain": "Met de sleutelbos van deze computer",
    "create.passphrase": "Wachtwoordzin",
    "create.confirm": "Wachtwoordzin nogmaals",
    "create.hint": "Minstens 8 tekens. Een vergeten wachtwoordzin is niet te herstellen.",
    "create.submit": "Wallet aanmaken",
    "unlock.title": "Ontgrendel je wallet",
    "unlock.passphrase": "Wachtwoordzin",
    "unlock.submit": "Ontgrendelen",
    "unlock.with_keychain": "Ontgrendelen met de sleutelbos",
    "list.title": "Je credentials",
    "list.empty": "Nog geen credentials.",
    "list.count_one": "1 credential",
    "list.count_other": "{n} credentials",
    "list.issued_by": "Uitgegeven door {issuer}",
    "list.issued_on": "op {date}",
    "list.unknown_issuer": "een onbekende uitgever",
    "error.passphrase_too_short": "De wachtwoordzin moet minstens 8 tekens lang zijn.",
    "error.passphrases_differ": "De twee wachtwoordzinnen zijn niet gelijk.",
    "error.wrong_passphrase": "Met die wachtwoordzin gaat deze wallet niet open.",
    "error.wallet_exists": "Op deze plek staat al een wallet.",
    "error.wallet_missing": "Op deze plek staat nog geen wallet.",
    "error.keychain_unavailable": "De sleutelbos van deze computer is niet te gebruiken. Kies een wachtwoordzin.",
    "error.no_wallet_path": "Er is geen plek gevonden om de wallet te bewaren. Start Stapel met STAPEL_WALLET ingesteld op een bestandspad.",
    "error.locked": "De wallet is vergrendeld. Ontgrendel hem eerst.",
    "error.not_a_wallet": "Dit bestand is geen Stapel-wallet, of het is beschadigd.",
    "error.unexpected": "Er ging iets mis: {message}",
  },
};

const LANG = (() => {
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (Object.prototype.hasOwnProperty.call(CATALOGUE, base)) return base;
  }
  return "en";
})();

/** The text for `key` in the page's language, with `{name}` placeholders filled from `vars`. */
function t(key, vars) {
  const text = CATALOGUE[LANG][key] ?? CATALOGUE.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (all, name) => (vars && name in vars ? String(vars[name]) : all));
}

/** Fills every `[data-i18n]` element under `root` with its text. */
function translatePage(root = document) {
  document.documentElement.lang = LANG;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}

window.i18n = Object.freeze({ t, translatePage, lang: LANG, languages: Object.keys(CATALOGUE) });
})();
