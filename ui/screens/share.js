// Sharing: credentials chosen (found by search, or all a pathway counts), made into a signed
// presentation shown as QR codes (several parts cycle), saved as JSON, PNG or SVG, with
// LinkedIn links. This screen owns what is chosen and the presentation made.
import { t } from "../i18n.js";
import { $, busy, el, hideError, showError } from "../lib/dom.js";
import { k, shortId } from "../lib/format.js";
import { invoke } from "../lib/ipc.js";
import { go, show as showView } from "../lib/router.js";

const CYCLE_MS = 2500;
const SAVE_TITLE = { png: "@share.save_png", svg: "@share.save_svg", json: "@share.save_json" };

/**
 * `chosen`: `{ id, title }` of each credential to share; `seq`: the newest search (an older
 * answer is dropped); `made`: the presentation made, its codes; `part`: the code shown;
 * `timer`/`cycling`: the codes cycling.
 */
const state = { chosen: [], seq: 0, made: null, part: 0, timer: 0, cycling: false };
let searchTimer = 0;

/** The credentials a pathway's progress counts, each once. */
export function countedIds(p) {
  const ids = [];
  for (const g of p.groups) for (const c of g.counted) if (!ids.includes(c.id)) ids.push(c.id);
  return ids;
}

function renderChosen() {
  const ul = $("share-chosen");
  ul.replaceChildren();
  state.chosen.forEach((c, i) => {
    const remove = el("button", { type: "button", class: "secondary small", id: `share-remove-${i}`, text: t("share.remove"), "aria-label": t("share.remove_one", { title: c.title }) });
    remove.addEventListener("click", () => {
      state.chosen.splice(i, 1);
      renderChosen();
      (ul.querySelector("button") || $("share-search")).focus();
    });
    ul.append(el("li", { class: "identity" }, el("span", { text: c.title }), " ", remove));
  });
  $("share-none").hidden = state.chosen.length !== 0;
  $("share-make").disabled = state.chosen.length === 0;
}

function choose(card) {
  if (!state.chosen.some((c) => c.id === card.id)) state.chosen.push({ id: card.id, title: card.title });
  renderChosen();
}

async function findToShare() {
  const search = $("share-search").value.trim();
  const ul = $("share-results");
  const seq = ++state.seq;
  try {
    const page = await invoke("list_page", { query: { search: search || null, sort: "date", offset: 0, limit: 10 } });
    if (seq !== state.seq) return;
    ul.replaceChildren();
    page.items.forEach((c, i) => {
      const add = el("button", { type: "button", class: "secondary small", id: `share-add-${i}`, text: t("share.add"), "aria-label": t("share.add_one", { title: c.title }) });
      add.addEventListener("click", () => choose(c));
      const issuer = c.issuer || t("list.unknown_issuer");
      ul.append(el("li", { class: "identity" }, el("span", { text: `${c.title} — ${issuer}` }), " ", add));
    });
  } catch (err) {
    showError("share-error", err);
  }
}

async function loadShare() {
  hideError("share-error");
  renderChosen();
  await findToShare();
  try {
    const cards = await invoke("list_pathways");
    const select = $("share-pathway");
    select.replaceChildren(el("option", { value: "", text: t("share.pathway_choose") }));
    for (const c of cards) select.append(el("option", { value: c.id, text: c.name }));
    $("share-pathway-add").disabled = cards.length === 0;
  } catch (err) {
    showError("share-error", err);
  }
}

/** Opens the Share screen with `ids` chosen (from a credential or a pathway; `titles`: id → title). */
export async function shareThese(ids, titles = {}) {
  for (const id of ids) {
    if (state.chosen.some((c) => c.id === id)) continue;
    state.chosen.push({ id, title: titles[id] || shortId(id) });
  }
  await go("share");
}

function showPart(i) {
  const s = state.made;
  if (!s) return;
  const n = s.images.length;
  state.part = ((i % n) + n) % n;
  const text = n === 1 ? t("share.one_code") : t("share.part", { i: state.part + 1, n });
  for (const [img, caption] of [["share-code", "share-part"], ["share-dialog-code", "share-dialog-part"]]) {
    $(img).src = s.images[state.part];
    $(img).alt = t("share.code_alt", { part: text });
    $(caption).textContent = text;
  }
}

function setCycling(on) {
  clearInterval(state.timer);
  state.timer = 0;
  const many = state.made && state.made.images.length > 1;
  state.cycling = Boolean(on && many);
  if (state.cycling) state.timer = setInterval(() => showPart(state.part + 1), CYCLE_MS);
  $("share-cycle").textContent = t(k(state.cycling ? "@share.pause" : "@share.play"));
}

function renderMade(s) {
  state.made = s;
  const n = s.images.length;
  $("share-summary").textContent = t(k(n === 1 ? "@share.made_one" : "@share.made_other"), { count: state.chosen.length, n, holder: s.holder });
  for (const id of ["share-prev", "share-next", "share-cycle", "share-show-all", "share-dialog-prev", "share-dialog-next"]) $(id).hidden = n === 1;
  const all = $("share-all");
  all.replaceChildren();
  s.images.forEach((src, i) => all.append(el("figure", { class: "qr small" },
    el("img", { src, alt: t("share.code_alt", { part: t("share.part", { i: i + 1, n }) }) }),
    el("figcaption", { text: t("share.part", { i: i + 1, n }) }))));
  all.hidden = true;
  $("share-show-all").textContent = t("share.show_all");
  showPart(0);
  setCycling(true);
  const links = $("share-linkedin");
  links.replaceChildren();
  s.linkedin.forEach((l, i) => {
    if (!l.link) {
      links.append(el("li", { class: "muted", text: `${l.title}: ${t("share.no_linkedin")} (${l.reason})` }));
      return;
    }
    const field = el("input", { type: "text", readonly: "readonly", id: `share-linkedin-${i}`, value: l.link, "aria-label": t("share.linkedin_for", { title: l.title }) });
    const copy = el("button", { type: "button", class: "secondary small", text: t("share.copy") });
    copy.addEventListener("click", () => copyText(field));
    links.append(el("li", { class: "identity" }, el("span", { text: l.title }), field, copy));
  });
  $("share-result").hidden = false;
}

async function copyText(field) {
  try {
    await navigator.clipboard.writeText(field.value);
    $("share-status").textContent = t("share.copied");
  } catch {
    field.focus();
    field.select();
    $("share-status").textContent = t("share.copy_by_hand");
  }
}

async function saveShared(kind) {
  hideError("share-error");
  const s = state.made;
  if (!s) return;
  const ext = kind === "json" ? "json" : kind;
  try {
    const path = await invoke("plugin:dialog|save", { options: { defaultPath: `stapel-presentation.${ext}`, title: t(k(SAVE_TITLE[kind])) } });
    if (!path) return;
    if (kind === "json") {
      await invoke("save_presentation", { path, json: s.json });
      $("share-status").textContent = t("share.saved", { files: path });
    } else {
      const files = await invoke("save_codes", { path, parts: s.parts });
      $("share-status").textContent = t("share.saved", { files: files.join(", ") });
    }
  } catch (err) {
    showError("share-error", err);
  }
}

export function init() {
  $("share-find").addEventListener("submit", (e) => e.preventDefault());
  $("share-search").addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(findToShare, 150); });
  $("share-pathway-add").addEventListener("click", async () => {
    const id = $("share-pathway").value;
    if (!id) return;
    try {
      const view = await invoke("pathway_progress", { id });
      for (const cid of countedIds(view.progress)) choose({ id: cid, title: view.titles[cid] || shortId(cid) });
    } catch (err) {
      showError("share-error", err);
    }
  });
  $("share-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    hideError("share-error");
    if (!state.chosen.length) return showError("share-error", { code: "nothing_chosen" });
    try {
      const made = await busy($("share-make"), () => invoke("make_presentation", {
        ids: state.chosen.map((c) => c.id), challenge: $("share-challenge").value || null, domain: $("share-domain").value || null,
      }));
      $("share-status").textContent = "";
      renderMade(made);
      $("share-summary").setAttribute("tabindex", "-1");
      $("share-summary").focus();
    } catch (err) {
      showError("share-error", err);
    }
  });
  $("share-prev").addEventListener("click", () => { setCycling(false); showPart(state.part - 1); });
  $("share-next").addEventListener("click", () => { setCycling(false); showPart(state.part + 1); });
  $("share-cycle").addEventListener("click", () => setCycling(!state.cycling));
  $("share-show-all").addEventListener("click", () => {
    const all = $("share-all");
    all.hidden = !all.hidden;
    $("share-show-all").textContent = t(k(all.hidden ? "@share.show_all" : "@share.show_one"));
  });
  const dialog = $("share-dialog");
  $("share-full").addEventListener("click", () => { dialog.showModal(); $("share-dialog-close").focus(); });
  $("share-dialog-close").addEventListener("click", () => dialog.close());
  $("share-dialog-prev").addEventListener("click", () => { setCycling(false); showPart(state.part - 1); });
  $("share-dialog-next").addEventListener("click", () => { setCycling(false); showPart(state.part + 1); });
  $("share-save-png").addEventListener("click", () => saveShared("png"));
  $("share-save-svg").addEventListener("click", () => saveShared("svg"));
  $("share-save-json").addEventListener("click", () => saveShared("json"));
}

export async function show() {
  showView("share");
  await loadShare();
}

/** Another view is shown: the codes stop cycling. */
export function leave() {
  setCycling(false);
}

/** The wallet locked: what was chosen and the presentation made are forgotten. */
export function reset() {
  setCycling(false);
  state.chosen = [];
  state.made = null;
  $("share-result").hidden = true;
}
