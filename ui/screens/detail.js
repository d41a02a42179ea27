// One credential: its fields, its last verification (one line per check), its originals to
// save, its JSON, verifying it again, removing it, and sharing it. This screen owns the
// credential shown.
import { t } from "../i18n.js";
import { forgetImage, imageBox, lazy, loadImage } from "../lib/badges.js";
import { $, busy, el, hideError, showError } from "../lib/dom.js";
import { formatDate, formatName, formatNumber, k, shortId } from "../lib/format.js";
import { invoke } from "../lib/ipc.js";
import { go, openView } from "../lib/router.js";
import { checkLine, checkName, chipNode, VERDICT } from "../lib/report.js";
import * as share from "./share.js";

/** The credential's id, and what the shell said of it (null until it answered). */
let detailId = null;
let detail = null;

function row(dl, key, value) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) return;
  dl.append(el("dt", { text: t(k(key)) }));
  const dd = el("dd");
  if (Array.isArray(value)) {
    const ul = el("ul", { class: "plain" });
    for (const v of value) ul.append(el("li", { text: String(v) }));
    dd.append(ul);
  } else {
    dd.textContent = String(value);
  }
  dl.append(dd);
}

function hours(n) {
  return n === null || n === undefined ? null : t("detail.hours", { n: formatNumber(n) });
}

function renderDetail(d) {
  const c = d.credential;
  const s = d.summary;
  $("detail-title").textContent = c.title || s.title;
  $("detail-issuer").textContent = t("list.issued_by", { issuer: s.issuer || t("list.unknown_issuer") });
  $("detail-chip").replaceChildren(chipNode(d.chip, d.verification && d.verification.checked_at));
  const oldImage = document.querySelector("#detail .detail-head .image");
  const box = imageBox({ id: s.id, title: s.title, hasImage: true }, "big");
  box.id = "detail-image";
  oldImage.replaceWith(box);
  if (!lazy) loadImage(box);

  // The report: one plain line per check, the technical message folded away.
  const report = $("detail-report");
  report.replaceChildren();
  if (!d.verification) {
    $("detail-verdict").textContent = t("verdict.never");
  } else {
    const v = d.verification;
    $("detail-verdict").textContent = `${t(k(VERDICT[v.report.result]))} ${t(k(v.offline ? "@verdict.checked_offline" : "@verdict.checked"), { date: formatDate(v.checked_at) })}`;
    v.report.checks.forEach((check, i) => report.append(checkLine(checkName(check), check, i, "check")));
  }

  const dl = $("detail-fields");
  dl.replaceChildren();
  const credit = d.credit;
  row(dl, "@field.issuer", [s.issuer, c.issuer.url, c.issuer.country].filter(Boolean).join(" · "));
  row(dl, "@field.issued", formatDate(s.issued));
  row(dl, "@field.valid_from", formatDate(c.valid_from));
  row(dl, "@field.valid_until", formatDate(c.valid_until));
  row(dl, "@field.type", [s.achievement_type, ...(c.types || [])].filter(Boolean).join(", "));
  row(dl, "@field.format", formatName(s.format));
  row(dl, "@field.description", c.description);
  row(dl, "@field.criteria", c.criteria);
  row(dl, "@field.levels", (c.levels || []).map((l) => `${l.framework} ${l.level}`));
  if (credit) {
    const unit = { ects: "ECTS", hours: t("detail.unit_hours"), sbu: "SBU", other: "" }[credit.unit] ?? credit.unit;
    let text = `${formatNumber(credit.amount)} ${unit} (${credit.source})`;
    if (credit.unit_assumed) text += ` — ${t("detail.unit_assumed")}`;
    if (credit.unit !== "ects") text += ` — ${t("list.credits", { n: formatNumber(credit.hours / credit.hours_per_ects) })}`;
    row(dl, "@field.credits", text);
  }
  row(dl, "@field.languages", c.languages);
  row(dl, "@field.learning_outcomes", c.learning_outcomes);
  row(dl, "@field.skills", (c.skills || []).map((x) => [x.framework, x.code, x.label].filter(Boolean).join(" · ")));
  row(dl, "@field.tags", c.tags);
  // A linked document the issuer's server did not give when the credential came in.
  const missing = { "badge class": "detail.not_retrieved_badge_class", "issuer profile": "detail.not_retrieved_issuer" };
  row(dl, "@field.not_retrieved", (c.not_retrieved || []).map((x) => (missing[x] ? t(missing[x]) : x)));
  const r = c.recipient;
  row(dl, "@field.recipient", r ? (r.name || (r.hashed ? t("detail.hashed_recipient") : r.identity) || r.subject_id || "") : "");
  row(dl, "@field.field_of_study", [c.achievement.field_of_study, c.achievement.specialization].filter(Boolean).join(" · "));
  row(dl, "@field.evidence", (c.evidence || []).map((e) => e.name || e.narrative || e.id || "").filter(Boolean));
  row(dl, "@field.results", (c.results || []).map((x) => [x.description, x.value, x.status].filter(Boolean).join(": ")).filter(Boolean));
  row(dl, "@field.endorsements", c.endorsements);
  const e = c.edubadges;
  if (e) {
    row(dl, "@edu.ects", e.ects === null || e.ects === undefined ? null : formatNumber(e.ects));
    row(dl, "@edu.eqf", e.eqf);
    row(dl, "@edu.study_load", hours(e.study_load_hours));
    row(dl, "@edu.time_investment", hours(e.time_investment_hours));
    row(dl, "@edu.learning_outcome", e.learning_outcome);
    row(dl, "@edu.language", e.language);
    row(dl, "@edu.institution", [e.institution_name, e.institution_identifier, e.institution_country].filter(Boolean).join(" · "));
    row(dl, "@edu.grading_table", e.grading_table);
    row(dl, "@edu.programme", e.education_program_identifier);
    row(dl, "@edu.kind", e.badge_kind);
  }
  const eu = c.eu || {};
  row(dl, "@eu.workload", eu.workload);
  row(dl, "@eu.assessment_type", eu.assessment_type);
  row(dl, "@eu.participation_form", eu.participation_form);
  row(dl, "@eu.quality_assurance", eu.quality_assurance);
  row(dl, "@eu.identity_checked", eu.identity_checked === null || eu.identity_checked === undefined ? null : t(k(eu.identity_checked ? "@detail.yes" : "@detail.no")));
  row(dl, "@eu.supervision", eu.supervision);
  row(dl, "@eu.prerequisites", eu.prerequisites);
  row(dl, "@eu.grade", eu.grade);
  row(dl, "@eu.integration", eu.integration);
  row(dl, "@eu.further_information", eu.further_information);
  row(dl, "@field.contains", (d.children || []).map((x) => x.title));
  row(dl, "@field.id", s.id);
  row(dl, "@field.imported", formatDate(d.imported_at));

  const originals = $("detail-originals");
  originals.replaceChildren();
  for (const o of d.originals) {
    const save = el("button", { type: "button", class: "secondary small", id: `detail-export-${o.n}`, text: t("detail.export_n") });
    save.addEventListener("click", () => exportOriginal(o));
    originals.append(el("li", {},
      el("span", { text: t("detail.original_line", { n: o.n, media: o.media_type, source: o.source, size: formatNumber(o.size) }) }), " ", save));
  }
  $("detail-json-box").open = false;
  $("detail-json").textContent = "";
}

/** Shows the credential `id`. */
export async function open(id) {
  detailId = id;
  detail = await openView("detail", () => invoke("credential_detail", { id }), renderDetail);
}

async function verify(offline, button) {
  hideError("detail-error");
  $("detail-status").textContent = t("detail.verifying");
  await busy(button, async () => {
    try {
      await invoke("verify_credential", { id: detailId, offline });
      detail = await invoke("credential_detail", { id: detailId });
      renderDetail(detail);
      $("detail-status").textContent = t("detail.verified_again");
    } catch (err) {
      $("detail-status").textContent = "";
      showError("detail-error", err);
    }
  });
}

function extensionFor(media) {
  if (media === "image/png") return "png";
  if (media === "image/svg+xml") return "svg";
  if (media.includes("json")) return "json";
  return "txt";
}

async function exportOriginal(o) {
  hideError("detail-error");
  try {
    const defaultPath = `${shortId(detailId)}-${o.n}.${extensionFor(o.media_type)}`;
    const path = await invoke("plugin:dialog|save", { options: { defaultPath, title: t("detail.export") } });
    if (!path) return;
    await invoke("export_original", { id: detailId, n: o.n, path });
    $("detail-status").textContent = t("detail.exported", { path });
  } catch (err) {
    showError("detail-error", err);
  }
}

export function init() {
  $("detail-back").addEventListener("click", () => go("wallet"));
  $("detail-verify").addEventListener("click", () => verify(false, $("detail-verify")));
  $("detail-verify-offline").addEventListener("click", () => verify(true, $("detail-verify-offline")));
  $("detail-export").addEventListener("click", () => {
    const first = detail && detail.originals[0];
    if (first) exportOriginal(first);
  });
  $("detail-json-box").addEventListener("toggle", async () => {
    if (!$("detail-json-box").open || $("detail-json").textContent) return;
    try {
      $("detail-json").textContent = await invoke("original_text", { id: detailId, n: 1 });
    } catch (err) {
      showError("detail-error", err);
    }
  });
  const dialog = $("remove-dialog");
  $("detail-remove").addEventListener("click", () => {
    $("remove-dialog-text").textContent = t("detail.remove_text", { title: detail ? detail.summary.title : "" });
    dialog.showModal();
    $("remove-cancel").focus();
  });
  $("remove-cancel").addEventListener("click", () => dialog.close());
  $("remove-confirm").addEventListener("click", async () => {
    dialog.close();
    try {
      await invoke("remove_credential", { id: detailId });
      forgetImage(detailId);
      await go("wallet");
    } catch (err) {
      showError("detail-error", err);
    }
  });
  $("detail-share").addEventListener("click", () => {
    share.shareThese([detailId], detail && detail.summary.id === detailId ? { [detailId]: detail.summary.title } : {});
  });
}

/** The wallet locked: the credential shown is forgotten. */
export function reset() {
  detailId = null;
  detail = null;
}
