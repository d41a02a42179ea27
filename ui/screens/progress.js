// Progress toward pathways: a card per pathway with its bar, one pathway in full (its groups,
// what counts and what waits for a check), adding and removing a pathway file, and the
// exemption request. This screen owns the pathway shown.
import { t } from "../i18n.js";
import { $, busy, el, hideError, showError } from "../lib/dom.js";
import { formatDate, formatNumber, k, shortId, unitText } from "../lib/format.js";
import { invoke } from "../lib/ipc.js";
import { go, openView, show as showView } from "../lib/router.js";
import * as detail from "./detail.js";
import * as share from "./share.js";

/** The pathway's id, and its progress as the shell said it (null until it answered). */
let pathwayId = null;
let pathway = null;

const NOT_COUNTED = {
  unverifiable: "@pathway.reason_unverifiable", invalid: "@pathway.reason_invalid",
  expired: "@pathway.reason_expired", "not-yet-valid": "@pathway.reason_not_yet_valid",
};

/** A bar: the earned part, then the part that would count once verified, out of `required`. */
function meter(earned, pending, required, label) {
  const percent = (n) => (required > 0 ? Math.max(0, Math.min(100, (n / required) * 100)) : 100);
  const done = percent(earned);
  const more = Math.min(100 - done, percent(pending));
  const a = el("span", { class: "meter-earned" });
  a.style.width = `${done}%`;
  const b = el("span", { class: "meter-pending" });
  b.style.width = `${more}%`;
  return el("div", { class: "meter", role: "img", "aria-label": label }, a, b);
}

function amountText(earned, required, unit, pending) {
  const base = t("pathway.of", { earned: formatNumber(earned), required: formatNumber(required), unit: unitText(unit) });
  return pending > 0 ? `${base} ${t("pathway.plus_pending", { n: formatNumber(pending), unit: unitText(unit) })}` : base;
}

async function loadPathways() {
  hideError("progress-error");
  try {
    const cards = await invoke("list_pathways");
    const list = $("pathways");
    list.replaceChildren();
    $("progress-empty").hidden = cards.length !== 0;
    cards.forEach((c, i) => {
      const pending = c.earnedIfVerified === null || c.earnedIfVerified === undefined ? 0 : c.earnedIfVerified - c.earned;
      const text = amountText(c.earned, c.required, c.unit, pending);
      const open = el("button", { type: "button", class: "link", id: `pathway-${i}`, text: c.name });
      open.addEventListener("click", () => openPathway(c.id));
      const groups = t("pathway.groups_done", { done: c.groupsComplete, total: c.groups });
      list.append(el("li", { class: "pathway-card" },
        el("p", { class: "title" }, open, c.complete ? el("span", { class: "chip chip-verified", text: ` ✓ ${t("pathway.complete")}` }) : null),
        el("p", { class: "meta", text: `${c.awardingBody} · ${groups}` }),
        meter(c.earned, pending, c.required, text),
        el("p", { class: "meta", text })));
    });
  } catch (err) {
    showError("progress-error", err);
  }
}

function credentialLink(id, title, extra) {
  const b = el("button", { type: "button", class: "link", text: title || shortId(id) });
  b.addEventListener("click", () => detail.open(id));
  return el("li", {}, b, extra ? ` — ${extra}` : "");
}

function renderPathway(view) {
  const p = view.progress;
  const title = (id) => view.titles[id] || shortId(id);
  $("pathway-title").textContent = p.target;
  $("pathway-body").textContent = t("pathway.awarded_by", { body: p.awarding_body, hours: formatNumber(p.hours_per_ects) });
  const pendingTotal = p.if_verified ? Math.max(0, Math.min(p.required, p.if_verified.earned) - p.earned) : 0;
  const totalText = amountText(p.earned, p.required, p.unit, pendingTotal);
  $("pathway-total").replaceChildren(
    el("p", { class: "total-line", id: "pathway-total-text", text: p.complete ? `${totalText} — ${t("pathway.complete")}` : `${totalText} — ${t("pathway.missing", { n: formatNumber(p.missing), unit: unitText(p.unit) })}` }),
    meter(p.earned, pendingTotal, p.required, totalText));

  const box = $("pathway-groups");
  box.replaceChildren();
  p.groups.forEach((g, gi) => {
    const pending = Math.max(0, (view.fulfilledIfVerified[gi] ?? g.fulfilled) - g.fulfilled);
    const head = g.kind === "achievement"
      ? (g.complete ? t("pathway.achievement_done", { name: g.achievement || "" }) : t("pathway.achievement_missing", { name: g.achievement || "" }))
      : amountText(g.earned, g.required, p.unit, pending);
    const standing = g.complete ? `✓ ${t("pathway.complete")}` : (g.kind === "achievement" ? "" : t("pathway.missing", { n: formatNumber(g.missing), unit: unitText(p.unit) }));
    const counted = el("ul", { class: "plain counted" });
    for (const c of g.counted) {
      const credits = c.credits === null || c.credits === undefined ? t("pathway.no_value") : `${formatNumber(c.credits)} ${unitText(p.unit)}`;
      const until = c.counts_until ? t("pathway.until", { date: formatDate(c.counts_until) }) : "";
      counted.append(credentialLink(c.id, c.title, [c.issuer, credits, until].filter(Boolean).join(" · ")));
    }
    const section = el("section", { class: "card group", "aria-labelledby": `group-${gi}-name`, id: `group-${gi}` },
      el("h3", { id: `group-${gi}-name`, text: g.name }),
      el("p", { class: "group-line", text: [head, standing].filter(Boolean).join(" — ") }),
      g.kind === "achievement" && g.required === 0 ? null : meter(g.fulfilled, pending, g.required || 1, head),
      g.counted.length ? counted : el("p", { class: "muted small", text: t("pathway.nothing_counted") }));
    if (g.no_credit_value.length) {
      const ul = el("ul", { class: "plain" });
      for (const id of g.no_credit_value) ul.append(credentialLink(id, title(id)));
      section.append(el("p", { class: "muted small", text: t("pathway.fits_no_value") }), ul);
    }
    box.append(section);
  });

  const ONCE = ["container-counted", "parts-counted"];
  const waiting = p.not_counted.filter((n) => n.reason === "unverifiable");
  const once = p.not_counted.filter((n) => ONCE.includes(n.reason));
  const never = p.not_counted.filter((n) => n.reason !== "unverifiable" && !ONCE.includes(n.reason));
  const fill = (listId, boxId, items, line) => {
    const ul = $(listId);
    ul.replaceChildren();
    for (const item of items) ul.append(line(item));
    $(boxId).hidden = items.length === 0;
  };
  fill("pathway-waiting", "pathway-waiting-box", waiting, (n) => credentialLink(n.id, n.title,
    t(k(p.never_verified.includes(n.id) ? "@pathway.never_checked" : "@pathway.unverifiable_last"))));
  fill("pathway-once", "pathway-once-box", once, (n) => {
    const names = n.counted_instead.map(title).join(", ");
    return credentialLink(n.id, n.title, n.reason === "container-counted"
      ? t("pathway.part_of_counted", { container: names })
      : t("pathway.parts_counted", { parts: names }));
  });
  fill("pathway-never", "pathway-never-box", never, (n) => credentialLink(n.id, n.title, t(k(NOT_COUNTED[n.reason] || NOT_COUNTED.invalid))));
  fill("pathway-expiring", "pathway-expiring-box", p.expiring, (e) => credentialLink(e.id, title(e.id), t("pathway.stops_on", { date: formatDate(e.on) })));
}

/** Shows the pathway `id` in full. */
export async function openPathway(id) {
  pathwayId = id;
  pathway = await openView("pathway", () => invoke("pathway_progress", { id }), renderPathway);
}

export function init() {
  $("progress-add").addEventListener("click", async () => {
    hideError("progress-error");
    $("progress-status").textContent = "";
    try {
      const path = await invoke("plugin:dialog|open", { options: { multiple: false, directory: false, title: t("progress.add") } });
      if (!path) return;
      const id = await invoke("add_pathway", { path });
      await loadPathways();
      $("progress-status").textContent = t("progress.added", { id });
    } catch (err) {
      showError("progress-error", err);
    }
  });
  $("progress-to-skills").addEventListener("click", () => go("skills"));
  $("pathway-back").addEventListener("click", () => go("progress"));
  $("pathway-share").addEventListener("click", () => {
    const ids = pathway ? share.countedIds(pathway.progress) : [];
    share.shareThese(ids, pathway ? pathway.titles : {});
  });
  const dialog = $("pathway-remove-dialog");
  $("pathway-remove").addEventListener("click", () => { dialog.showModal(); $("pathway-remove-cancel").focus(); });
  $("pathway-remove-cancel").addEventListener("click", () => dialog.close());
  $("pathway-remove-confirm").addEventListener("click", async () => {
    dialog.close();
    try {
      await invoke("remove_pathway", { id: pathwayId });
      await go("progress");
    } catch (err) {
      showError("pathway-error", err);
    }
  });
  $("report-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    hideError("pathway-error");
    $("pathway-status").textContent = "";
    try {
      const path = await invoke("plugin:dialog|save", { options: { defaultPath: `${pathwayId}-exemption-request.pdf`, title: t("pathway.report") } });
      if (!path) return;
      $("pathway-status").textContent = t("pathway.writing");
      const written = await busy($("report-submit"), () => invoke("write_report", { id: pathwayId, path, learner: $("report-learner").value.trim() || null }));
      const lines = [t("pathway.report_done", { pdf: written.pdf, n: written.originals, dir: written.originalsDir })];
      if (written.presentation) lines.push(t("pathway.report_presentation", { path: written.presentation }));
      if (written.learnerUnnamed) lines.push(t("pathway.report_unnamed"));
      $("pathway-status").textContent = lines.join(" ");
    } catch (err) {
      $("pathway-status").textContent = "";
      showError("pathway-error", err);
    }
  });
}

export async function show() {
  showView("progress");
  await loadPathways();
}

/** The wallet locked: the pathway shown is forgotten. */
export function reset() {
  pathwayId = null;
  pathway = null;
}
