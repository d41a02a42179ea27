// Stapel's strings: every text the page shows comes from the catalogues in i18n/en.js and
// i18n/nl.js (each one JSON object, so a test can parse them). The language is the learner's
// choice in Settings, else the first of the system's languages (navigator.languages) that
// has a catalogue, else English. Elements carry `data-i18n` (their text),
// `data-i18n-label` (aria-label) or `data-i18n-placeholder`.
import en from "./i18n/en.js";
import nl from "./i18n/nl.js";

const CATALOGUE = { en, nl };

function systemLanguage() {
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (Object.prototype.hasOwnProperty.call(CATALOGUE, base)) return base;
  }
  return "en";
}

let LANG = systemLanguage();

/** The page's language now ("en" or "nl"). */
export function lang() {
  return LANG;
}

/** The text for `key` in the page's language, with `{name}` placeholders filled from `vars`. */
export function t(key, vars) {
  const text = (CATALOGUE[LANG] && CATALOGUE[LANG][key]) ?? (CATALOGUE.en && CATALOGUE.en[key]) ?? key;
  return text.replace(/\{(\w+)\}/g, (all, name) => (vars && name in vars ? String(vars[name]) : all));
}

/** Whether the catalogue has `key`. */
export function has(key) {
  return Boolean(CATALOGUE.en && Object.prototype.hasOwnProperty.call(CATALOGUE.en, key));
}

/** Fills every translatable element under `root`. */
export function translatePage(root = document) {
  document.documentElement.lang = LANG;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
}

/** Switches to `lang` ("en", "nl", or null for the system's language) and translates the page. */
export function setLanguage(lang) {
  LANG = lang && Object.prototype.hasOwnProperty.call(CATALOGUE, lang) ? lang : systemLanguage();
  translatePage();
}

/** The languages there is a catalogue for. */
export const languages = Object.keys(CATALOGUE);
