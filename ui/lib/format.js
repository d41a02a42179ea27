// Dates, numbers, ids and credit units as the page shows them, in the page's language. Catalogue
// keys chosen at run time are written out in full with a leading `@` (`"@unit.ects"`), so a
// test can check that each exists; `k` takes the mark off.
import { lang, t } from "../i18n.js";

/** A key marked with a leading `@` → the key: a catalogue key chosen at run time. */
export const k = (marked) => marked.slice(1);

export function formatDate(value) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(lang(), { dateStyle: "long" }).format(date);
}

export function formatNumber(n) {
  return new Intl.NumberFormat(lang(), { maximumFractionDigits: 2 }).format(n);
}

/** A credential's id, short enough for a file name or an element id. */
export function shortId(id) {
  return String(id).slice(0, 12);
}

const FORMAT = {
  "ob2-hosted": "@format.ob2-hosted", "ob2-signed": "@format.ob2-signed", "vc-jsonld": "@format.vc-jsonld",
  "vc-jwt": "@format.vc-jwt", "vc-jose": "@format.vc-jose",
};

/** A credential format's name in plain words (an unknown one as it is). */
export function formatName(format) {
  return FORMAT[format] ? t(k(FORMAT[format])) : format;
}

/** A card's credits in ECTS, saying so where the unit was assumed; none: "". */
export function creditsText(ects, assumed) {
  if (ects === null || ects === undefined) return "";
  return assumed ? t("list.credits_assumed", { n: formatNumber(ects) }) : t("list.credits", { n: formatNumber(ects) });
}

const UNIT = { ects: "@unit.ects", hours: "@unit.hours", sbu: "@unit.sbu" };

/** A pathway's unit in plain words (an unknown one as it is). */
export function unitText(unit) {
  return UNIT[unit] ? t(k(UNIT[unit])) : unit;
}
