// What a verification says, drawn the same on every screen: the status chip, a verdict, and
// one plain line per check with its technical message folded away.
import { t } from "../i18n.js";
import { el } from "./dom.js";
import { formatDate, k } from "./format.js";

const CHIP = {
  verified: { key: "@chip.verified", icon: "✓" },
  invalid: { key: "@chip.invalid", icon: "✗" },
  unverifiable: { key: "@chip.unverifiable", icon: "?" },
  expired: { key: "@chip.expired", icon: "⌛" },
  revoked: { key: "@chip.revoked", icon: "⊘" },
  unchecked: { key: "@chip.unchecked", icon: "–" },
};
export const VERDICT = { verified: "@verdict.verified", invalid: "@verdict.invalid", unverifiable: "@verdict.unverifiable" };
const CHECK = {
  format: "@check.format", proof: "@check.proof", key: "@check.key", "issuer-binding": "@check.issuer-binding",
  dates: "@check.dates", status: "@check.status", recipient: "@check.recipient", hosted: "@check.hosted", schema: "@check.schema",
};
const OUTCOME = { passed: "@outcome.passed", failed: "@outcome.failed", unverifiable: "@outcome.unverifiable", skipped: "@outcome.skipped" };

export function chipNode(chip, checkedAt) {
  const c = CHIP[chip] || CHIP.unchecked;
  const title = checkedAt ? t("chip.checked_at", { date: formatDate(checkedAt) }) : undefined;
  return el("span", { class: `chip chip-${chip}`, title },
    el("span", { class: "chip-icon", "aria-hidden": "true", text: c.icon }), " ", el("span", { text: t(k(c.key)) }));
}

/** The chip for a verdict (`verified`, `invalid` or `unverifiable`). */
export function verdictChip(result) {
  const chip = { verified: "verified", invalid: "invalid", unverifiable: "unverifiable" }[result] || "unchecked";
  return chipNode(chip);
}

/** A credential check's name in plain words. */
export function checkName(check) {
  return CHECK[check.id] ? t(k(CHECK[check.id])) : check.id;
}

/** One check as one plain line, its technical message folded away. */
export function checkLine(name, check, i, prefix) {
  const outcome = OUTCOME[check.outcome] ? t(k(OUTCOME[check.outcome])) : check.outcome;
  return el("li", { class: `check outcome-${check.outcome}`, id: `${prefix}-${i}` },
    el("span", { class: "check-line", text: `${name}: ${outcome}` }),
    el("details", {}, el("summary", { text: t("detail.technical") }), el("p", { class: "technical", text: check.message })));
}
