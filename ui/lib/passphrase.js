// Passphrases: the shortest the page accepts, and a rough hint at their strength.
import { t } from "../i18n.js";
import { k } from "./format.js";

export const MIN_PASSPHRASE = 8;
const STRENGTH = ["@strength.weak", "@strength.fair", "@strength.strong"];

/** A rough strength hint: length and variety. Not a gate beyond the minimum length. */
export function strength(passphrase) {
  if (!passphrase) return "";
  let score = 0;
  if (passphrase.length >= 12) score++;
  if (passphrase.length >= 20) score++;
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(passphrase)).length;
  if (kinds >= 3) score++;
  if (passphrase.trim().split(/\s+/).length >= 4) score++;
  if (passphrase.length < MIN_PASSPHRASE) return t("strength.too_short");
  return t(k(STRENGTH[Math.min(2, Math.floor(score * 0.75))]));
}
