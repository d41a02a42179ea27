// The wallet's cards: one page of at most PAGE_SIZE (the total from the shell), searched,
// filtered (the filters' choices with their counts) and sorted; a skill chosen on the Skills
// screen filters them too. This screen owns the query.
import { lang, t } from "../i18n.js";
import { forgetImages, imageBox, unobserveAll } from "../lib/badges.js";
import { $, el, hideError, showError } from "../lib/dom.js";
import { creditsText, formatDate, formatName, shortId } from "../lib/format.js";
import { channel, invoke } from "../lib/ipc.js";
import { go, show as showView } from "../lib/router.js";
import { chipNode } from "../lib/report.js";
import * as detail from "./detail.js";

const PAGE_SIZE = 50;

const query = { search: "", issuer: "", achievementType: "", level: "", format: "", skill: "", tag: "", sort: "date", offset: 0 };
/** The skill (or tag) the cards are filtered by, as the learner read it. */
let skillLabel = "";
/** The newest list asked for: an answer to an older one is dropped. */
let listSeq = 0;
let searchTimer = 0;

function queryArgs() {
  const q = query;
  const opt = (v) => (v ? v : null);
  return {
    search: opt(q.search.trim()), issuer: opt(q.issuer), achievementType: opt(q.achievementType), level: opt(q.level),
    format: opt(q.format), skill: opt(q.skill), tag: opt(q.tag), sort: q.sort, offset: q.offset, limit: PAGE_SIZE,
  };
}

function fillSelect(select, values, label) {
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "", text: t("list.any") }));
  for (const [value, count] of values) {
    select.append(el("option", { value, text: `${label ? label(value) : value} (${count})` }));
  }
  select.value = values.some(([v]) => v === chosen) ? chosen : "";
}

async function loadFacets() {
  try {
    const f = await invoke("list_facets");
    fillSelect($("filter-issuer"), f.issuers);
    fillSelect($("filter-type"), f.achievement_types);
    fillSelect($("filter-level"), f.levels);
    fillSelect($("filter-format"), f.formats, formatName);
  } catch (err) {
    showError("list-error", err);
  }
}

function anyFilter() {
  const q = query;
  return Boolean(q.search.trim() || q.issuer || q.achievementType || q.level || q.format || q.skill || q.tag);
}

async function loadList() {
  hideError("list-error");
  const seq = ++listSeq;
  try {
    const page = await invoke("list_page", { query: queryArgs() });
    if (seq !== listSeq) return; // a newer query is on its way
    renderList(page);
  } catch (err) {
    if (seq === listSeq) showError("list-error", err);
  }
}

function renderList(page) {
  const list = $("credentials");
  unobserveAll();
  list.replaceChildren();
  const total = page.total;
  const empty = total === 0 && !anyFilter();
  $("list-empty").hidden = !empty;
  $("list-none").hidden = !(total === 0 && anyFilter());
  $("wallet-heading").textContent =
    total === 0 && !anyFilter() ? t("list.title")
      : `${t("list.title")} (${total === 1 ? t("list.count_one") : t("list.count_other", { n: total })})`;
  for (const c of page.items) {
    const open = el("button", { type: "button", class: "link", id: `card-${shortId(c.id)}`, text: c.title });
    open.addEventListener("click", () => detail.open(c.id));
    const title = el("p", { class: "title" }, open);
    const issuer = c.issuer || t("list.unknown_issuer");
    const meta = el("p", { class: "meta", text: [t("list.issued_by", { issuer }), c.issued ? t("list.issued_on", { date: formatDate(c.issued) }) : ""].filter(Boolean).join(" ") });
    const extra = [c.achievementType, creditsText(c.ects, c.creditsUnitAssumed)].filter(Boolean).join(" · ");
    const text = el("div", { class: "text" }, title, meta, extra ? el("p", { class: "meta", text: extra }) : null);
    const item = el("li", { class: "credential" }, imageBox(c), text, chipNode(c.chip, c.checkedAt));
    item.dataset.id = c.id;
    list.append(item);
  }
  const q = query;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const current = Math.floor(q.offset / PAGE_SIZE) + 1;
  $("pager").hidden = total <= PAGE_SIZE;
  $("page-info").textContent = t("list.page", { page: current, pages });
  $("page-prev").disabled = q.offset === 0;
  $("page-next").disabled = q.offset + PAGE_SIZE >= total;
  $("skill-filter").hidden = !(q.skill || q.tag);
  $("skill-filter-text").textContent = t("list.with_skill", { skill: skillLabel });
}

export function init() {
  $("list-tools").addEventListener("submit", (e) => e.preventDefault());
  $("search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      query.search = $("search").value;
      query.offset = 0;
      loadList();
    }, 150);
  });
  const bind = (id, field) => $(id).addEventListener("change", () => {
    query[field] = $(id).value;
    query.offset = 0;
    loadList();
  });
  bind("filter-issuer", "issuer");
  bind("filter-type", "achievementType");
  bind("filter-level", "level");
  bind("filter-format", "format");
  bind("sort", "sort");
  $("page-prev").addEventListener("click", () => { query.offset = Math.max(0, query.offset - PAGE_SIZE); loadList().then(() => $("wallet-heading").scrollIntoView()); });
  $("page-next").addEventListener("click", () => { query.offset += PAGE_SIZE; loadList().then(() => $("wallet-heading").scrollIntoView()); });
  $("pending-poll").addEventListener("click", pollPending);
  $("check-all").addEventListener("click", checkAll);
  $("skill-filter-clear").addEventListener("click", () => {
    query.skill = "";
    query.tag = "";
    query.offset = 0;
    loadList();
    $("search").focus();
  });
}

/** "Check all again": every credential verified anew, with progress, then the cards redrawn. */
async function checkAll() {
  const button = $("check-all");
  const bar = $("check-all-progress");
  hideError("check-all-error");
  button.disabled = true;
  bar.value = 0;
  bar.max = 1;
  bar.hidden = false;
  const progress = channel();
  progress.onmessage = (p) => {
    bar.max = Math.max(1, p.total);
    bar.value = p.done;
    $("check-all-status").textContent = t("list.check_all_progress", { done: p.done, total: p.total });
  };
  try {
    const s = await invoke("verify_all", { onProgress: progress });
    const total = s.verified + s.unverifiable + s.invalid + s.failed;
    $("check-all-status").textContent = t("list.check_all_done", { total, verified: s.verified, unverifiable: s.unverifiable, invalid: s.invalid });
    await loadList();
  } catch (err) {
    showError("check-all-error", err);
  } finally {
    button.disabled = false;
    bar.hidden = true;
  }
}

/** A moment as the learner reads it (date and time). */
function whenText(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(lang(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

// Claims an issuer deferred: where they wait, asked for again on the learner's word (never
// sooner than the issuer allows), or cancelled.
function renderPending(pending) {
  const list = $("pending-list");
  list.replaceChildren();
  pending.forEach((p, i) => {
    const cancel = el("button", { type: "button", class: "secondary small", id: `pending-cancel-${i}`, text: t("pending.cancel") });
    cancel.setAttribute("aria-describedby", `pending-text-${i}`);
    cancel.addEventListener("click", () => cancelPending(p.id));
    const text = el("span", { id: `pending-text-${i}`, text: t("pending.item", { configuration: p.title, issuer: p.issuer_name }) });
    const when = el("span", { class: "muted small", text: ` ${t("pending.next", { date: whenText(p.next_poll) })}` });
    const item = el("li", { class: "chipline" }, text, when, cancel);
    if (p.last_error) item.append(el("span", { class: "error small", text: p.last_error }));
    list.append(item);
  });
  $("pending").hidden = pending.length === 0;
}

async function loadPending() {
  hideError("pending-error");
  try {
    renderPending(await invoke("pending_claims", { lang: lang() }));
  } catch (err) {
    showError("pending-error", err);
  }
}

async function pollPending() {
  hideError("pending-error");
  $("pending-status").textContent = t("pending.asking");
  $("pending-poll").disabled = true;
  try {
    const out = await invoke("poll_pending_claims", { lang: lang() });
    $("pending-status").textContent = t("pending.asked", { kept: out.kept.length, pending: out.pending.length, refused: out.refused.length });
    renderPending(out.pending);
    if (out.kept.length) await loadList();
    if (out.refused.length) showError("pending-error", { code: "issuer_refused", message: out.refused.map((r) => `${r.configuration}: ${r.reason}`).join("; ") });
  } catch (err) {
    $("pending-status").textContent = "";
    showError("pending-error", err);
  } finally {
    $("pending-poll").disabled = false;
  }
}

async function cancelPending(id) {
  hideError("pending-error");
  try {
    const gone = await invoke("cancel_pending_claim", { id, lang: lang() });
    $("pending-status").textContent = t("pending.cancelled", { configuration: gone.title, issuer: gone.issuer_name });
    await loadPending();
    $("pending-poll").focus();
  } catch (err) {
    showError("pending-error", err);
  }
}

/** Whether the status of the credentials whose kept status lists are out of date was checked since the wallet opened. */
let statusRechecked = false;

/** Shows the cards first, the filters' counts and the pending claims after: the learner sees the list as soon as it exists. The first time after the wallet opens, the credentials whose kept status lists are out of date are checked again, in the background. */
export async function show() {
  showView("wallet");
  // What an ask or a cancel did was said when it happened; it is not news on the next visit.
  $("pending-status").textContent = "";
  await loadList();
  await loadFacets();
  await loadPending();
  if (!statusRechecked) {
    statusRechecked = true;
    recheckStatus();
  }
}

/** Checks again, online, the status of credentials whose kept lists are out of date; the cards are redrawn after. Says nothing when none is. */
async function recheckStatus() {
  const line = $("status-recheck");
  const bar = $("status-recheck-progress");
  const text = $("status-recheck-text");
  const progress = channel();
  progress.onmessage = (p) => {
    if (p.total === 0) return;
    line.hidden = false;
    bar.hidden = p.done >= p.total;
    bar.max = p.total;
    bar.value = p.done;
    text.textContent = t("list.status_recheck_progress", { done: p.done, total: p.total });
  };
  try {
    const s = await invoke("recheck_status", { onProgress: progress });
    const total = s.verified + s.unverifiable + s.invalid + s.failed;
    if (total === 0) return;
    line.hidden = false;
    bar.hidden = true;
    text.textContent = t("list.status_recheck_done", { total, changed: s.changed });
    // The cards are redrawn only when one of them reads differently now.
    if (s.changed > 0) await loadList();
  } catch (err) {
    // Not the learner's doing, and nothing is lost: said quietly where the progress was.
    if (err && err.code === "locked") return;
    line.hidden = false;
    bar.hidden = true;
    text.textContent = t("list.status_recheck_failed", { reason: err && err.message ? err.message : String(err) });
  }
}

/** Goes to the cards with `skill` (of the group `kind`) as the only filter. */
export function filterBySkill(kind, skill) {
  const q = query;
  Object.assign(q, { search: "", issuer: "", achievementType: "", level: "", format: "", skill: "", tag: "", offset: 0 });
  if (kind === "tags") q.tag = skill.key; else q.skill = skill.key;
  skillLabel = skill.label;
  $("search").value = "";
  go("wallet");
}

/** The wallet locked: its badge images go (the query stays, as the learner left it). */
export function reset() {
  statusRechecked = false;
  $("status-recheck").hidden = true;
  $("status-recheck-text").textContent = "";
  forgetImages();
  $("pending-list").replaceChildren();
  $("pending").hidden = true;
  $("pending-status").textContent = "";
}
