// Stapel's page: first run and unlock, the wallet's cards, skills, one credential, import and
// settings. Every call goes through the shell's commands (window.__TAURI__.core.invoke); a
// failed call rejects with `{ code, message }` and the page shows the catalogue's text for that
// code. Catalogue keys are written out in full (as the argument of `t`, or marked with a
// leading `@` where a key is chosen at run time) so a test can check that each exists.
(() => {
"use strict";

const { t, translatePage } = window.i18n;
const tauri = window.__TAURI__;
const invoke = (cmd, args, options) => tauri.core.invoke(cmd, args, options);
const $ = (id) => document.getElementById(id);
const MIN_PASSPHRASE = 8;
const PAGE_SIZE = 50;
const VIEWS = ["loading", "create", "unlock", "wallet", "skills", "detail", "progress", "pathway", "share", "check", "import", "settings"];
const OPEN_VIEWS = ["wallet", "skills", "detail", "progress", "pathway", "share", "check", "import", "settings"];
/** Where each view sits in the navigation. */
const NAV_OF = { detail: "wallet", pathway: "progress" };

/** A key marked with a leading `@` → the key: a catalogue key chosen at run time. */
const k = (marked) => marked.slice(1);

const CHIP = {
  verified: { key: "@chip.verified", icon: "✓" },
  invalid: { key: "@chip.invalid", icon: "✗" },
  unverifiable: { key: "@chip.unverifiable", icon: "?" },
  expired: { key: "@chip.expired", icon: "⌛" },
  revoked: { key: "@chip.revoked", icon: "⊘" },
  unchecked: { key: "@chip.unchecked", icon: "–" },
};
const VERDICT = { verified: "@verdict.verified", invalid: "@verdict.invalid", unverifiable: "@verdict.unverifiable" };
const CHECK = {
  format: "@check.format", proof: "@check.proof", key: "@check.key", "issuer-binding": "@check.issuer-binding",
  dates: "@check.dates", status: "@check.status", recipient: "@check.recipient", hosted: "@check.hosted", schema: "@check.schema",
};
const OUTCOME = { passed: "@outcome.passed", failed: "@outcome.failed", unverifiable: "@outcome.unverifiable", skipped: "@outcome.skipped" };
const FORMAT = {
  "ob2-hosted": "@format.ob2-hosted", "ob2-signed": "@format.ob2-signed", "vc-jsonld": "@format.vc-jsonld",
  "vc-jwt": "@format.vc-jwt", "vc-jose": "@format.vc-jose",
};
const STRENGTH = ["@strength.weak", "@strength.fair", "@strength.strong"];
/** The codes the page explains in its own words; any other shows the core's message. */
const ERRORS = [
  "@error.passphrase_too_short", "@error.passphrases_differ", "@error.passphrase_missing", "@error.wrong_passphrase",
  "@error.wallet_exists", "@error.wallet_missing", "@error.keychain_unavailable", "@error.keychain_key_missing",
  "@error.needs_passphrase", "@error.needs_keychain", "@error.no_wallet_path", "@error.locked", "@error.not_a_wallet",
  "@error.newer_schema", "@error.unknown_credential", "@error.no_original", "@error.invalid_identity",
  "@error.backup_does_not_open", "@error.not_a_backup", "@error.backup_version", "@error.backup_over_wallet",
  "@error.not_a_credential", "@error.empty_file", "@error.too_large", "@error.web_page", "@error.unreadable_file",
  "@error.not_https", "@error.bad_url", "@error.private_address", "@error.unreachable", "@error.offline",
  "@error.fetch_failed", "@error.url_missing", "@error.io",
  "@error.unknown_pathway", "@error.pathway_invalid", "@error.no_skills_chosen", "@error.goal_name_missing",
  "@error.not_pdf", "@error.folder_in_the_way", "@error.report_failed", "@error.nothing_chosen", "@error.not_presentable",
  "@error.qr_unreadable", "@error.not_a_presentation", "@error.qr_file_type", "@error.nothing_to_check", "@error.sign_failed",
  "@error.camera_denied", "@error.no_camera", "@error.camera_busy", "@error.camera_failed", "@error.camera_silent",
];
/** Codes whose own message says which field, part or file: shown after the page's text. */
const DETAILED = ["pathway_invalid", "not_presentable", "qr_unreadable", "not_a_presentation", "folder_in_the_way", "report_failed", "io", "unreadable_file"];
const GROUP = { none: "@skills.no_framework", tags: "@skills.tags" };

const state = {
  status: null,
  settings: { language: null, lockAfterMinutes: 10 },
  query: { search: "", issuer: "", achievementType: "", level: "", format: "", skill: "", tag: "", sort: "date", offset: 0 },
  skillLabel: "",
  listSeq: 0,
  images: new Map(),
  detailId: null,
  detail: null,
  lastInput: Date.now(),
  importing: false,
  pathwayId: null,
  pathway: null,
  share: { chosen: [], seq: 0, made: null, part: 0, timer: 0, cycling: false },
  checkFromEntry: false,
  keychainTried: false,
};

// ---------------------------------------------------------------- small helpers

function errorText(err) {
  const code = err && typeof err === "object" ? err.code : undefined;
  const message = err && typeof err === "object" ? err.message : String(err);
  if (code && ERRORS.includes(`@error.${code}`)) {
    return DETAILED.includes(code) && message ? `${t(`error.${code}`)} (${message})` : t(`error.${code}`);
  }
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

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
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
  return new Intl.DateTimeFormat(window.i18n.lang, { dateStyle: "long" }).format(date);
}

function formatNumber(n) {
  return new Intl.NumberFormat(window.i18n.lang, { maximumFractionDigits: 2 }).format(n);
}

function shortId(id) {
  return String(id).slice(0, 12);
}

/** A rough strength hint: length and variety. Not a gate beyond the minimum length. */
function strength(passphrase) {
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

function chipNode(chip, checkedAt) {
  const c = CHIP[chip] || CHIP.unchecked;
  const title = checkedAt ? t("chip.checked_at", { date: formatDate(checkedAt) }) : undefined;
  return el("span", { class: `chip chip-${chip}`, title },
    el("span", { class: "chip-icon", "aria-hidden": "true", text: c.icon }), " ", el("span", { text: t(k(c.key)) }));
}

function creditsText(ects, assumed) {
  if (ects === null || ects === undefined) return "";
  return assumed ? t("list.credits_assumed", { n: formatNumber(ects) }) : t("list.credits", { n: formatNumber(ects) });
}

// ---------------------------------------------------------------- views

/** Shows exactly one view of VIEWS. */
function show(view) {
  for (const id of VIEWS) $(id).hidden = id !== view;
  const open = OPEN_VIEWS.includes(view) && !(view === "check" && state.checkFromEntry);
  $("lock").hidden = !open;
  $("nav").hidden = !open;
  if (view !== "share") setCycling(false);
  for (const b of document.querySelectorAll("#nav .nav")) {
    const current = b.dataset.target === (NAV_OF[view] || view);
    if (current) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
  }
  document.body.dataset.view = view;
}

async function go(view) {
  // The cards first, the filters' counts after: the learner sees the list as soon as it exists.
  if (view === "wallet") { show("wallet"); await loadList(); await loadFacets(); }
  else if (view === "skills") { show("skills"); await loadSkills(); }
  else if (view === "progress") { show("progress"); await loadPathways(); }
  else if (view === "share") { show("share"); await loadShare(); }
  else if (view === "check") { show("check"); offerCamera(); }
  else if (view === "import") { show("import"); }
  else if (view === "settings") { show("settings"); await loadSettingsScreen(); }
  $("main").focus({ preventScroll: true });
}

// ---------------------------------------------------------------- wallet list

function queryArgs() {
  const q = state.query;
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
    fillSelect($("filter-format"), f.formats, (v) => (FORMAT[v] ? t(k(FORMAT[v])) : v));
  } catch (err) {
    showError("list-error", err);
  }
}

function anyFilter() {
  const q = state.query;
  return Boolean(q.search.trim() || q.issuer || q.achievementType || q.level || q.format || q.skill || q.tag);
}

async function loadList() {
  hideError("list-error");
  const seq = ++state.listSeq;
  try {
    const page = await invoke("list_page", { query: queryArgs() });
    if (seq !== state.listSeq) return; // a newer query is on its way
    renderList(page);
  } catch (err) {
    if (seq === state.listSeq) showError("list-error", err);
  }
}

const imageObserver = "IntersectionObserver" in window
  ? new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      imageObserver.unobserve(entry.target);
      loadImage(entry.target);
    }
  }, { rootMargin: "200px" })
  : null;

async function loadImage(box) {
  const id = box.dataset.id;
  let src = state.images.get(id);
  if (src === undefined) {
    try {
      src = await invoke("badge_image", { id });
    } catch {
      src = null;
    }
    state.images.set(id, src);
  }
  if (src && box.isConnected) {
    const img = el("img", { class: box.className.replace("placeholder", "").trim(), alt: "", src, id: box.id || undefined });
    img.dataset.id = id;
    box.replaceWith(img);
  }
}

function imageBox(card, extra = "") {
  const box = el("div", { class: `image placeholder ${extra}`.trim(), "aria-hidden": "true", text: (card.title || "?").trim().charAt(0).toUpperCase() });
  box.dataset.id = card.id;
  if (card.hasImage) {
    if (imageObserver) imageObserver.observe(box); else loadImage(box);
  }
  return box;
}

function renderList(page) {
  const list = $("credentials");
  if (imageObserver) imageObserver.disconnect();
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
    open.addEventListener("click", () => openDetail(c.id));
    const title = el("p", { class: "title" }, open);
    const issuer = c.issuer || t("list.unknown_issuer");
    const meta = el("p", { class: "meta", text: [t("list.issued_by", { issuer }), c.issued ? t("list.issued_on", { date: formatDate(c.issued) }) : ""].filter(Boolean).join(" ") });
    const extra = [c.achievementType, creditsText(c.ects, c.creditsUnitAssumed)].filter(Boolean).join(" · ");
    const text = el("div", { class: "text" }, title, meta, extra ? el("p", { class: "meta", text: extra }) : null);
    const item = el("li", { class: "credential" }, imageBox(c), text, chipNode(c.chip, c.checkedAt));
    item.dataset.id = c.id;
    list.append(item);
  }
  const q = state.query;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const current = Math.floor(q.offset / PAGE_SIZE) + 1;
  $("pager").hidden = total <= PAGE_SIZE;
  $("page-info").textContent = t("list.page", { page: current, pages });
  $("page-prev").disabled = q.offset === 0;
  $("page-next").disabled = q.offset + PAGE_SIZE >= total;
  $("skill-filter").hidden = !(q.skill || q.tag);
  $("skill-filter-text").textContent = t("list.with_skill", { skill: state.skillLabel });
}

let searchTimer = 0;
function wireList() {
  $("list-tools").addEventListener("submit", (e) => e.preventDefault());
  $("search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      state.query.search = $("search").value;
      state.query.offset = 0;
      loadList();
    }, 150);
  });
  const bind = (id, field) => $(id).addEventListener("change", () => {
    state.query[field] = $(id).value;
    state.query.offset = 0;
    loadList();
  });
  bind("filter-issuer", "issuer");
  bind("filter-type", "achievementType");
  bind("filter-level", "level");
  bind("filter-format", "format");
  bind("sort", "sort");
  $("page-prev").addEventListener("click", () => { state.query.offset = Math.max(0, state.query.offset - PAGE_SIZE); loadList().then(() => $("wallet-heading").scrollIntoView()); });
  $("page-next").addEventListener("click", () => { state.query.offset += PAGE_SIZE; loadList().then(() => $("wallet-heading").scrollIntoView()); });
  $("skill-filter-clear").addEventListener("click", () => {
    state.query.skill = "";
    state.query.tag = "";
    state.query.offset = 0;
    loadList();
    $("search").focus();
  });
}

// ---------------------------------------------------------------- skills

async function loadSkills() {
  hideError("skills-error");
  const box = $("skill-groups");
  try {
    const groups = await invoke("list_skills");
    box.replaceChildren();
    $("skills-empty").hidden = groups.length !== 0;
    $("goal-form").hidden = groups.length === 0;
    syncGoal();
    groups.forEach((g, gi) => {
      const name = g.kind === "framework" ? g.name : t(k(GROUP[g.kind] || GROUP.none));
      const headingId = `skill-group-${gi}`;
      const list = el("ul", { class: "skill-list" });
      g.skills.forEach((s, si) => {
        const label = s.otherLabels.length ? `${s.label} (${t("skills.also", { labels: s.otherLabels.join(", ") })})` : s.label;
        const button = el("button", { type: "button", class: "skill", id: `skill-${gi}-${si}`, title: s.url || s.code || undefined },
          el("span", { text: label }), " ", el("span", { class: "count", text: t("skills.count", { n: s.count }) }));
        button.addEventListener("click", () => chooseSkill(g.kind, s));
        // Ticking a skill puts it in a goal of the learner's own (the form under the groups).
        const pick = el("input", { type: "checkbox", class: "goal-pick", id: `goal-pick-${gi}-${si}`, "aria-label": t("goal.pick", { skill: s.label }) });
        Object.assign(pick.dataset, { key: s.key, label: s.label, tag: g.kind === "tags" ? "1" : "0" });
        list.append(el("li", { class: "skill-item" }, pick, button));
      });
      box.append(el("section", { class: "card skill-group", "aria-labelledby": headingId },
        el("h3", { id: headingId, text: `${name} (${g.skills.length})` }), list));
    });
  } catch (err) {
    showError("skills-error", err);
  }
}

function chooseSkill(kind, skill) {
  const q = state.query;
  Object.assign(q, { search: "", issuer: "", achievementType: "", level: "", format: "", skill: "", tag: "", offset: 0 });
  if (kind === "tags") q.tag = skill.key; else q.skill = skill.key;
  state.skillLabel = skill.label;
  $("search").value = "";
  go("wallet");
}

// ---------------------------------------------------------------- detail

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
  if (!imageObserver) loadImage(box);

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
  row(dl, "@field.format", FORMAT[s.format] ? t(k(FORMAT[s.format])) : s.format);
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

/**
 * Shows `view` (whose elements are named `<view>-error`, `-status` and `-title`), asks for its
 * answer with `load`, draws it with `draw` and moves the focus to its heading.
 */
async function openView(view, load, draw) {
  hideError(`${view}-error`);
  $(`${view}-status`).textContent = "";
  show(view);
  try {
    const answer = await load();
    draw(answer);
    const heading = $(`${view}-title`);
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
    window.scrollTo(0, 0);
    return answer;
  } catch (err) {
    showError(`${view}-error`, err);
    return null;
  }
}

async function openDetail(id) {
  state.detailId = id;
  state.detail = await openView("detail", () => invoke("credential_detail", { id }), renderDetail);
}

async function verify(offline, button) {
  hideError("detail-error");
  $("detail-status").textContent = t("detail.verifying");
  await busy(button, async () => {
    try {
      await invoke("verify_credential", { id: state.detailId, offline });
      state.detail = await invoke("credential_detail", { id: state.detailId });
      renderDetail(state.detail);
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
    const defaultPath = `${shortId(state.detailId)}-${o.n}.${extensionFor(o.media_type)}`;
    const path = await invoke("plugin:dialog|save", { options: { defaultPath, title: t("detail.export") } });
    if (!path) return;
    await invoke("export_original", { id: state.detailId, n: o.n, path });
    $("detail-status").textContent = t("detail.exported", { path });
  } catch (err) {
    showError("detail-error", err);
  }
}

function wireDetail() {
  $("detail-back").addEventListener("click", () => go("wallet"));
  $("detail-verify").addEventListener("click", () => verify(false, $("detail-verify")));
  $("detail-verify-offline").addEventListener("click", () => verify(true, $("detail-verify-offline")));
  $("detail-export").addEventListener("click", () => {
    const first = state.detail && state.detail.originals[0];
    if (first) exportOriginal(first);
  });
  $("detail-json-box").addEventListener("toggle", async () => {
    if (!$("detail-json-box").open || $("detail-json").textContent) return;
    try {
      $("detail-json").textContent = await invoke("original_text", { id: state.detailId, n: 1 });
    } catch (err) {
      showError("detail-error", err);
    }
  });
  const dialog = $("remove-dialog");
  $("detail-remove").addEventListener("click", () => {
    $("remove-dialog-text").textContent = t("detail.remove_text", { title: state.detail ? state.detail.summary.title : "" });
    dialog.showModal();
    $("remove-cancel").focus();
  });
  $("remove-cancel").addEventListener("click", () => dialog.close());
  $("remove-confirm").addEventListener("click", async () => {
    dialog.close();
    try {
      await invoke("remove_credential", { id: state.detailId });
      state.images.delete(state.detailId);
      await go("wallet");
    } catch (err) {
      showError("detail-error", err);
    }
  });
}

// ---------------------------------------------------------------- import

async function runImport(inputs) {
  if (!inputs.length || state.importing) return;
  state.importing = true;
  hideError("import-error");
  if (document.body.dataset.view !== "import") show("import");
  $("import-summary").hidden = true;
  $("import-running").hidden = false;
  $("import-progress").value = 0;
  $("import-progress").max = 1;
  $("import-progress-text").textContent = t("import.starting");
  const channel = new tauri.core.Channel();
  channel.onmessage = (p) => {
    $("import-progress").max = Math.max(1, p.total);
    $("import-progress").value = p.done;
    $("import-progress-text").textContent = t("import.progress_text", { done: p.done, total: p.total });
  };
  for (const id of ["import-files", "import-folder", "import-url-submit"]) $(id).disabled = true;
  try {
    const summary = await invoke("import_inputs", { inputs, onProgress: channel });
    renderImportSummary(summary);
  } catch (err) {
    showError("import-error", err);
  } finally {
    state.importing = false;
    $("import-running").hidden = true;
    for (const id of ["import-files", "import-folder", "import-url-submit"]) $(id).disabled = false;
  }
}

function renderImportSummary(s) {
  $("import-summary-text").textContent = t("import.summary", { imported: s.imported, present: s.alreadyPresent, failed: s.failures.length });
  const list = $("import-failures");
  list.replaceChildren();
  s.failures.forEach((f, i) => {
    const reason = ERRORS.includes(`@error.${f.code}`) ? `${t(`error.${f.code}`)} (${f.reason})` : f.reason;
    list.append(el("li", { id: `import-failure-${i}` }, el("strong", { text: f.input }), `: ${reason}`));
  });
  $("import-summary").hidden = false;
}

async function chooseAndImport(directory) {
  try {
    const chosen = await invoke("plugin:dialog|open", { options: { multiple: true, directory, title: t(directory ? "import.choose_folder" : "import.choose_files") } });
    if (!chosen) return;
    await runImport(Array.isArray(chosen) ? chosen : [chosen]);
  } catch (err) {
    showError("import-error", err);
  }
}

function wireImport() {
  $("import-files").addEventListener("click", () => chooseAndImport(false));
  $("import-folder").addEventListener("click", () => chooseAndImport(true));
  $("import-url-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const url = $("import-url").value.trim();
    if (!url) return showError("import-error", { code: "url_missing" });
    runImport([url]).then(() => { $("import-url").value = ""; });
  });
  // Files and folders dropped anywhere on the window (Tauri's webview drag-drop events give
  // their paths; the page itself never reads the files).
  if (tauri.event) {
    const open = () => OPEN_VIEWS.includes(document.body.dataset.view);
    tauri.event.listen("tauri://drag-enter", () => { if (open()) document.body.classList.add("dragging"); });
    tauri.event.listen("tauri://drag-leave", () => document.body.classList.remove("dragging"));
    tauri.event.listen("tauri://drag-drop", (event) => {
      document.body.classList.remove("dragging");
      const paths = (event.payload && event.payload.paths) || [];
      if (!paths.length) return;
      // On the Check screen a drop is something to check; elsewhere it is an import.
      if (document.body.dataset.view === "check") runCheck(paths);
      else if (open()) runImport(paths);
    });
  }
}

// ---------------------------------------------------------------- progress (pathways)

const UNIT = { ects: "@unit.ects", hours: "@unit.hours", sbu: "@unit.sbu" };
const NOT_COUNTED = {
  unverifiable: "@pathway.reason_unverifiable", invalid: "@pathway.reason_invalid",
  expired: "@pathway.reason_expired", "not-yet-valid": "@pathway.reason_not_yet_valid",
};

function unitText(unit) {
  return UNIT[unit] ? t(k(UNIT[unit])) : unit;
}

/** A bar: the earned part, then the part that would count once verified, out of `required`. */
function meter(earned, pending, required, label) {
  const share = (n) => (required > 0 ? Math.max(0, Math.min(100, (n / required) * 100)) : 100);
  const done = share(earned);
  const more = Math.min(100 - done, share(pending));
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
  b.addEventListener("click", () => openDetail(id));
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

async function openPathway(id) {
  state.pathwayId = id;
  state.pathway = await openView("pathway", () => invoke("pathway_progress", { id }), renderPathway);
}

function wireProgress() {
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
    const ids = state.pathway ? countedIds(state.pathway.progress) : [];
    shareThese(ids);
  });
  const dialog = $("pathway-remove-dialog");
  $("pathway-remove").addEventListener("click", () => { dialog.showModal(); $("pathway-remove-cancel").focus(); });
  $("pathway-remove-cancel").addEventListener("click", () => dialog.close());
  $("pathway-remove-confirm").addEventListener("click", async () => {
    dialog.close();
    try {
      await invoke("remove_pathway", { id: state.pathwayId });
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
      const path = await invoke("plugin:dialog|save", { options: { defaultPath: `${state.pathwayId}-exemption-request.pdf`, title: t("pathway.report") } });
      if (!path) return;
      $("pathway-status").textContent = t("pathway.writing");
      const written = await busy($("report-submit"), () => invoke("write_report", { id: state.pathwayId, path, learner: $("report-learner").value.trim() || null }));
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

function countedIds(p) {
  const ids = [];
  for (const g of p.groups) for (const c of g.counted) if (!ids.includes(c.id)) ids.push(c.id);
  return ids;
}

// ---------------------------------------------------------------- a goal from skills

function goalSkills() {
  return [...document.querySelectorAll("#skill-groups input.goal-pick:checked")].map((box) => ({
    key: box.dataset.key, label: box.dataset.label, tag: box.dataset.tag === "1",
  }));
}

function syncGoal() {
  const n = goalSkills().length;
  $("goal-chosen").textContent = n === 0 ? t("goal.none") : (n === 1 ? t("goal.chosen_one") : t("goal.chosen_other", { n }));
  $("goal-submit").disabled = n === 0;
}

function wireGoal() {
  $("skill-groups").addEventListener("change", (e) => { if (e.target.classList.contains("goal-pick")) syncGoal(); });
  $("goal-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    hideError("skills-error");
    const skills = goalSkills();
    const name = $("goal-name").value.trim();
    if (!skills.length) return showError("skills-error", { code: "no_skills_chosen" });
    if (!name) return showError("skills-error", { code: "goal_name_missing" });
    const hoursPerSkill = Number.parseFloat($("goal-hours").value);
    try {
      const id = await busy($("goal-submit"), () => invoke("create_goal", {
        request: { name, awarding_body: t("goal.myself"), skills, hours_per_skill: Number.isFinite(hoursPerSkill) ? hoursPerSkill : 0 },
      }));
      $("goal-name").value = "";
      await openPathway(id);
    } catch (err) {
      showError("skills-error", err);
    }
  });
}

// ---------------------------------------------------------------- share

const CYCLE_MS = 2500;
const SAVE_TITLE = { png: "@share.save_png", svg: "@share.save_svg", json: "@share.save_json" };

function renderChosen() {
  const ul = $("share-chosen");
  ul.replaceChildren();
  state.share.chosen.forEach((c, i) => {
    const remove = el("button", { type: "button", class: "secondary small", id: `share-remove-${i}`, text: t("share.remove"), "aria-label": t("share.remove_one", { title: c.title }) });
    remove.addEventListener("click", () => {
      state.share.chosen.splice(i, 1);
      renderChosen();
      (ul.querySelector("button") || $("share-search")).focus();
    });
    ul.append(el("li", { class: "identity" }, el("span", { text: c.title }), " ", remove));
  });
  $("share-none").hidden = state.share.chosen.length !== 0;
  $("share-make").disabled = state.share.chosen.length === 0;
}

function choose(card) {
  if (!state.share.chosen.some((c) => c.id === card.id)) state.share.chosen.push({ id: card.id, title: card.title });
  renderChosen();
}

async function findToShare() {
  const search = $("share-search").value.trim();
  const ul = $("share-results");
  const seq = ++state.share.seq;
  try {
    const page = await invoke("list_page", { query: { search: search || null, sort: "date", offset: 0, limit: 10 } });
    if (seq !== state.share.seq) return;
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

/** Opens the Share screen with `ids` chosen (from a credential or a pathway). */
async function shareThese(ids) {
  for (const id of ids) {
    if (state.share.chosen.some((c) => c.id === id)) continue;
    let title = shortId(id);
    if (state.pathway && state.pathway.titles[id]) title = state.pathway.titles[id];
    if (state.detail && state.detail.summary.id === id) title = state.detail.summary.title;
    state.share.chosen.push({ id, title });
  }
  await go("share");
}

function showPart(i) {
  const s = state.share.made;
  if (!s) return;
  const n = s.images.length;
  state.share.part = ((i % n) + n) % n;
  const text = n === 1 ? t("share.one_code") : t("share.part", { i: state.share.part + 1, n });
  for (const [img, caption] of [["share-code", "share-part"], ["share-dialog-code", "share-dialog-part"]]) {
    $(img).src = s.images[state.share.part];
    $(img).alt = t("share.code_alt", { part: text });
    $(caption).textContent = text;
  }
}

function setCycling(on) {
  clearInterval(state.share.timer);
  state.share.timer = 0;
  const many = state.share.made && state.share.made.images.length > 1;
  state.share.cycling = Boolean(on && many);
  if (state.share.cycling) state.share.timer = setInterval(() => showPart(state.share.part + 1), CYCLE_MS);
  $("share-cycle").textContent = t(k(state.share.cycling ? "@share.pause" : "@share.play"));
}

function renderMade(s) {
  state.share.made = s;
  const n = s.images.length;
  $("share-summary").textContent = t(k(n === 1 ? "@share.made_one" : "@share.made_other"), { count: state.share.chosen.length, n, holder: s.holder });
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
  const s = state.share.made;
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

let shareTimer = 0;
function wireShare() {
  $("share-find").addEventListener("submit", (e) => e.preventDefault());
  $("share-search").addEventListener("input", () => { clearTimeout(shareTimer); shareTimer = setTimeout(findToShare, 150); });
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
    if (!state.share.chosen.length) return showError("share-error", { code: "nothing_chosen" });
    try {
      const made = await busy($("share-make"), () => invoke("make_presentation", {
        ids: state.share.chosen.map((c) => c.id), challenge: $("share-challenge").value || null, domain: $("share-domain").value || null,
      }));
      $("share-status").textContent = "";
      renderMade(made);
      $("share-summary").setAttribute("tabindex", "-1");
      $("share-summary").focus();
    } catch (err) {
      showError("share-error", err);
    }
  });
  $("share-prev").addEventListener("click", () => { setCycling(false); showPart(state.share.part - 1); });
  $("share-next").addEventListener("click", () => { setCycling(false); showPart(state.share.part + 1); });
  $("share-cycle").addEventListener("click", () => setCycling(!state.share.cycling));
  $("share-show-all").addEventListener("click", () => {
    const all = $("share-all");
    all.hidden = !all.hidden;
    $("share-show-all").textContent = t(k(all.hidden ? "@share.show_all" : "@share.show_one"));
  });
  const dialog = $("share-dialog");
  $("share-full").addEventListener("click", () => { dialog.showModal(); $("share-dialog-close").focus(); });
  $("share-dialog-close").addEventListener("click", () => dialog.close());
  $("share-dialog-prev").addEventListener("click", () => { setCycling(false); showPart(state.share.part - 1); });
  $("share-dialog-next").addEventListener("click", () => { setCycling(false); showPart(state.share.part + 1); });
  $("share-save-png").addEventListener("click", () => saveShared("png"));
  $("share-save-svg").addEventListener("click", () => saveShared("svg"));
  $("share-save-json").addEventListener("click", () => saveShared("json"));
  $("detail-share").addEventListener("click", () => shareThese([state.detailId]));
}

// ---------------------------------------------------------------- check a presentation

const PCHECK = {
  format: "@pcheck.format", proof: "@pcheck.proof", challenge: "@pcheck.challenge", domain: "@pcheck.domain",
  holder: "@pcheck.holder", credentials: "@pcheck.credentials",
};

/** Where a checked presentation came from, when it was not a file. */
const SOURCE = { "the pasted text": "@check.source_pasted", "the camera": "@check.source_camera" };

/** A credential check's name in plain words. */
function checkName(check) {
  return CHECK[check.id] ? t(k(CHECK[check.id])) : check.id;
}

/** One check as one plain line, its technical message folded away. */
function checkLine(name, check, i, prefix) {
  const outcome = OUTCOME[check.outcome] ? t(k(OUTCOME[check.outcome])) : check.outcome;
  return el("li", { class: `check outcome-${check.outcome}`, id: `${prefix}-${i}` },
    el("span", { class: "check-line", text: `${name}: ${outcome}` }),
    el("details", {}, el("summary", { text: t("detail.technical") }), el("p", { class: "technical", text: check.message })));
}

function verdictChip(result) {
  const chip = { verified: "verified", invalid: "invalid", unverifiable: "unverifiable" }[result] || "unchecked";
  return chipNode(chip);
}

function renderChecked(results) {
  const box = $("check-results");
  box.replaceChildren();
  results.forEach((r, pi) => {
    const rep = r.report;
    const checks = el("ul", { class: "report" });
    rep.checks.forEach((c, i) => checks.append(checkLine(PCHECK[c.id] ? t(k(PCHECK[c.id])) : c.id, c, i, `pcheck-${pi}`)));
    const section = el("section", { class: "card stack presentation", "aria-labelledby": `presented-${pi}`, id: `presentation-${pi}` },
      el("h3", { id: `presented-${pi}`, text: t(k(VERDICT[rep.result] || VERDICT.unverifiable)) }),
      el("p", {}, verdictChip(rep.result)),
      el("p", { class: "muted small", text: t("check.source", { source: SOURCE[r.source] ? t(k(SOURCE[r.source])) : r.source }) }),
      rep.holder ? el("p", { class: "muted small technical", text: t("check.holder", { holder: rep.holder }) }) : null,
      checks);
    rep.credentials.forEach((c, ci) => {
      const lines = el("ul", { class: "report" });
      lines.append(checkLine(t("pcheck.holder_of"), c.holder, 0, `ccheck-${pi}-${ci}-holder`));
      c.report.checks.forEach((check, i) => lines.append(checkLine(checkName(check), check, i, `ccheck-${pi}-${ci}`)));
      const name = c.name || t("check.unnamed");
      section.append(el("section", { class: "presented", id: `presented-${pi}-${ci}`, "aria-labelledby": `presented-${pi}-${ci}-name` },
        el("h4", { id: `presented-${pi}-${ci}-name`, text: c.issuer ? `${name} — ${c.issuer}` : name }),
        el("p", {}, verdictChip(c.result)),
        lines));
    });
    box.append(section);
  });
}

/** Checks `paths` (files), else `codes` (read by the camera), else the pasted text. */
async function runCheck(paths, codes) {
  hideError("check-error");
  $("check-results").replaceChildren();
  $("check-status").textContent = t("check.checking");
  const request = {
    paths: paths || [], codes: codes || [], text: paths || codes ? null : $("check-text").value,
    challenge: $("check-challenge").value || null, domain: $("check-domain").value || null, offline: $("check-offline").checked,
  };
  try {
    const results = await busy($("check-submit"), () => invoke("check_presentation", { request }));
    $("check-status").textContent = results.length === 1 ? t("check.done_one") : t("check.done_other", { n: results.length });
    renderChecked(results);
    // The verdict is what the employer came for: take the focus (and the view) to it.
    const first = $("presented-0");
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus({ preventScroll: true });
      first.scrollIntoView({ block: "start" });
    }
  } catch (err) {
    $("check-status").textContent = "";
    showError("check-error", err);
  }
}

function wireCheck() {
  $("check-form").addEventListener("submit", (e) => { e.preventDefault(); runCheck(null); });
  $("check-files").addEventListener("click", async () => {
    try {
      const chosen = await invoke("plugin:dialog|open", { options: { multiple: true, directory: false, title: t("check.open") } });
      if (!chosen) return;
      await runCheck(Array.isArray(chosen) ? chosen : [chosen]);
    } catch (err) {
      showError("check-error", err);
    }
  });
  const fromEntry = () => {
    state.checkFromEntry = true;
    show("check");
    offerCamera();
    $("check-back").hidden = false;
    $("check-heading").focus();
  };
  wireScan();
  $("create-check").addEventListener("click", fromEntry);
  $("unlock-check").addEventListener("click", fromEntry);
  $("check-back").addEventListener("click", async () => {
    state.checkFromEntry = false;
    $("check-back").hidden = true;
    await render(await invoke("wallet_status"));
  });
}

// ---------------------------------------------------------------- scan with the camera

// The camera's frames are read a few times a second by the shell (`scan_frame`, the core's
// QR reader); each new code goes to `scan_codes`, which says which parts of the presentation
// are read. Once all are, the camera stops and the codes are checked like pasted ones.
const scan = { stream: null, timer: 0, busy: false, texts: [], canvas: null, run: 0, since: 0, reopened: false, silent: false };
/** The largest side of a frame sent to the shell, in pixels: enough for a code on a screen. */
const SCAN_SIDE = 1280;
/** How long a camera may take to give its first picture (some take a second or two). */
const FIRST_PICTURE_MS = 6000;

/** Shows the camera button only where a camera is there to use. */
async function offerCamera() {
  const media = navigator.mediaDevices;
  let found = false;
  if (media && media.getUserMedia && media.enumerateDevices) {
    try { found = (await media.enumerateDevices()).some((d) => d.kind === "videoinput"); } catch { found = false; }
  }
  $("check-camera").hidden = !found;
}

/** The page's error code for a camera that would not start (the browser's error names). */
function cameraError(err) {
  const code = {
    NotAllowedError: "camera_denied", SecurityError: "camera_denied", NotFoundError: "no_camera",
    OverconstrainedError: "no_camera", NotReadableError: "camera_busy", AbortError: "camera_busy",
  }[err && err.name] || "camera_failed";
  return { code, message: err && err.message };
}

function showScan(s) {
  const parts = $("scan-parts");
  parts.replaceChildren(...Array.from({ length: s.count }, (_, i) =>
    el("li", { class: s.read.includes(i + 1) ? "read" : null, text: String(i + 1) })));
  $("scan-status").textContent = s.complete ? t("scan.complete")
    : s.count ? t("scan.parts", { read: s.read.length, count: s.count }) : t("scan.looking");
  $("scan-foreign").hidden = !s.foreign;
  $("scan-foreign").textContent = s.foreign === 1 ? t("scan.foreign_one") : t("scan.foreign_other", { n: s.foreign });
}

/** Nothing read yet, the camera not yet tried again. (Called after `stopScan`, whose new run
 * already drops what an earlier frame was still reading.) */
function resetScan() {
  Object.assign(scan, { texts: [], reopened: false, silent: false });
  hideError("scan-error");
  showScan({ count: 0, read: [], foreign: 0, complete: false });
}

/** The camera off; the dialog, what was read and the scan's timer stay. */
function releaseCamera() {
  // The picture lets go of the camera's frames first, then the camera stops: a frame still
  // shown after its camera stopped would point at memory the camera took back.
  $("scan-video").srcObject = null;
  if (scan.stream) scan.stream.getTracks().forEach((track) => track.stop());
  scan.stream = null;
}

function stopScan() {
  scan.run += 1;
  clearInterval(scan.timer);
  scan.timer = 0;
  releaseCamera();
}

/** Opens the camera into the dialog's picture; a camera that gives none is dealt with by `scanOnce`. */
async function openCamera() {
  const run = scan.run;
  scan.since = Date.now();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false,
    });
  } catch (err) {
    if (run === scan.run) showError("scan-error", cameraError(err));
    return;
  }
  // Stopped, started over or given up on while the camera was opening: it goes off again.
  if (run !== scan.run) return stream.getTracks().forEach((track) => track.stop());
  scan.stream = stream;
  for (const track of stream.getVideoTracks()) {
    track.addEventListener("ended", () => {
      if (scan.stream !== stream) return;
      releaseCamera();
      showError("scan-error", { code: "camera_silent" });
    });
  }
  const video = $("scan-video");
  video.srcObject = stream;
  video.play().catch(() => {});
}

/** One frame: drawn small enough, made grey, read by the shell; new codes are counted. A camera
 * that has given no picture FIRST_PICTURE_MS after it was asked for is opened once more, then
 * said to be silent. */
async function scanOnce() {
  const video = $("scan-video");
  if (scan.busy || scan.silent) return;
  if (!scan.stream || !video.videoWidth) {
    if (Date.now() - scan.since < FIRST_PICTURE_MS) return;
    scan.run += 1;
    releaseCamera();
    if (scan.reopened) {
      scan.silent = true;
      showError("scan-error", { code: "camera_silent" });
    } else {
      scan.reopened = true;
      openCamera();
    }
    return;
  }
  scan.busy = true;
  const run = scan.run;
  try {
    const scale = Math.min(1, SCAN_SIDE / Math.max(video.videoWidth, video.videoHeight));
    const w = Math.round(video.videoWidth * scale);
    const h = Math.round(video.videoHeight * scale);
    const canvas = scan.canvas || (scan.canvas = document.createElement("canvas"));
    canvas.width = w;
    canvas.height = h;
    const g = canvas.getContext("2d", { willReadFrequently: true });
    g.drawImage(video, 0, 0, w, h);
    const rgba = g.getImageData(0, 0, w, h).data;
    const grey = new Uint8Array(w * h);
    for (let i = 0, j = 0; j < grey.length; i += 4, j += 1) grey[j] = (rgba[i] * 77 + rgba[i + 1] * 150 + rgba[i + 2] * 29) >> 8;
    const found = await invoke("scan_frame", grey, { headers: { "Stapel-Frame-Width": String(w), "Stapel-Frame-Height": String(h) } });
    const fresh = found.filter((text) => !scan.texts.includes(text));
    if (!fresh.length || run !== scan.run) return;
    scan.texts.push(...fresh);
    const s = await invoke("scan_codes", { codes: scan.texts });
    if (run !== scan.run) return;
    hideError("scan-error");
    showScan(s);
    if (s.complete) {
      stopScan();
      $("scan-dialog").close();
      await runCheck(null, s.codes);
    }
  } catch (err) {
    if (run === scan.run) showError("scan-error", err);
  } finally {
    scan.busy = false;
  }
}

/** Opens the scan dialog with the camera on; "Start over" comes here too. */
async function startScan() {
  hideError("check-error");
  // A new scan is a new check: the last one's verdict goes.
  $("check-status").textContent = "";
  $("check-results").replaceChildren();
  stopScan();
  resetScan();
  const dialog = $("scan-dialog");
  if (!dialog.open) dialog.showModal();
  $("scan-close").focus();
  scan.timer = setInterval(scanOnce, 250);
  await openCamera();
}

function wireScan() {
  const dialog = $("scan-dialog");
  $("check-camera").addEventListener("click", startScan);
  $("scan-close").addEventListener("click", () => dialog.close());
  $("scan-restart").addEventListener("click", startScan);
  // Closed by Stop, Escape, or a finished scan: the camera goes off at once.
  dialog.addEventListener("close", stopScan);
  if (navigator.mediaDevices) navigator.mediaDevices.addEventListener("devicechange", offerCamera);
}

// ---------------------------------------------------------------- settings

async function loadSettings() {
  try {
    const loaded = await invoke("get_settings");
    state.settings = loaded.settings;
    window.i18n.setLanguage(state.settings.language);
    $("settings-notice").hidden = !loaded.notice;
    $("settings-notice").textContent = loaded.notice ? t("settings.damaged", { message: loaded.notice }) : "";
  } catch (err) {
    window.i18n.setLanguage(null);
  }
}

async function loadSettingsScreen() {
  hideError("settings-error");
  $("settings-status").textContent = "";
  $("settings-language").value = state.settings.language || "";
  $("settings-lock-minutes").value = String(state.settings.lockAfterMinutes);
  $("change-current-field").hidden = !(state.status && state.status.keyMode === "passphrase");
  $("to-keychain-box").hidden = !(state.status && state.status.keyMode === "passphrase");
  await loadIdentities();
}

async function loadIdentities(list) {
  try {
    const ids = list || await invoke("list_identities");
    const ul = $("identity-list");
    ul.replaceChildren();
    $("identity-empty").hidden = ids.length !== 0;
    ids.forEach((i, n) => {
      const remove = el("button", { type: "button", class: "secondary small", id: `identity-remove-${n}`, text: t("identities.remove"), "aria-label": t("identities.remove_one", { value: i.value }) });
      remove.addEventListener("click", async () => {
        try { await loadIdentities(await invoke("remove_identity", { kind: i.kind, value: i.value })); } catch (err) { showError("settings-error", err); }
      });
      ul.append(el("li", { class: "identity" }, el("span", { text: `${i.value} (${i.kind})` }), " ", remove));
    });
  } catch (err) {
    showError("settings-error", err);
  }
}

function wireSettings() {
  $("settings-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    hideError("settings-error");
    const minutes = Number.parseInt($("settings-lock-minutes").value, 10);
    const settings = { language: $("settings-language").value || null, lockAfterMinutes: Number.isFinite(minutes) && minutes >= 0 ? minutes : 10 };
    await busy($("settings-save"), async () => {
      try {
        state.settings = await invoke("save_settings", { settings });
        window.i18n.setLanguage(state.settings.language);
        $("settings-notice").hidden = true;
        await loadSettingsScreen();
        $("settings-status").textContent = t("settings.saved");
      } catch (err) {
        showError("settings-error", err);
      }
    });
  });
  $("identity-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    hideError("settings-error");
    const value = $("identity-value").value.trim();
    if (!value) return;
    try {
      await loadIdentities(await invoke("add_identity", { kind: $("identity-kind").value, value }));
      $("identity-value").value = "";
    } catch (err) {
      showError("settings-error", err);
    }
  });
  $("backup-submit").addEventListener("click", async () => {
    hideError("settings-error");
    const backupPassphrase = $("backup-passphrase").value;
    if (backupPassphrase.length < MIN_PASSPHRASE) return showError("settings-error", { code: "passphrase_too_short" });
    try {
      const path = await invoke("plugin:dialog|save", { options: { defaultPath: "stapel.backup", title: t("backup.submit") } });
      if (!path) return;
      await busy($("backup-submit"), () => invoke("backup_wallet", { path, backupPassphrase }));
      $("backup-passphrase").value = "";
      $("settings-status").textContent = t("backup.done", { path });
    } catch (err) {
      showError("settings-error", err);
    }
  });
  $("restore-submit").addEventListener("click", async () => {
    hideError("settings-error");
    const backupPassphrase = $("restore-passphrase").value;
    if (!backupPassphrase) return showError("settings-error", { code: "passphrase_missing" });
    try {
      const path = await invoke("plugin:dialog|open", { options: { multiple: false, directory: false, title: t("backup.restore") } });
      if (!path) return;
      const report = await busy($("restore-submit"), () => invoke("restore_wallet", { path, backupPassphrase, protection: null, passphrase: null }));
      $("restore-passphrase").value = "";
      $("settings-status").textContent = t("backup.restored", { added: report.credentials_added, present: report.credentials_present });
    } catch (err) {
      showError("settings-error", err);
    }
  });
  $("to-keychain").addEventListener("click", async () => {
    hideError("settings-error");
    await busy($("to-keychain"), async () => {
      try {
        state.status = await invoke("change_passphrase", { currentPassphrase: $("change-current").value || null, protection: "keychain", newPassphrase: null });
        $("change-current").value = "";
        $("settings-status").textContent = t("change.keychain_done");
        await loadSettingsScreen();
      } catch (err) {
        showError("settings-error", err);
      }
    });
  });
  $("change-new").addEventListener("input", () => { $("change-strength").textContent = strength($("change-new").value); });
  $("change-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    hideError("settings-error");
    const next = $("change-new").value;
    if (next.length < MIN_PASSPHRASE) return showError("settings-error", { code: "passphrase_too_short" });
    if (next !== $("change-confirm").value) return showError("settings-error", { code: "passphrases_differ" });
    await busy($("change-submit"), async () => {
      try {
        state.status = await invoke("change_passphrase", { currentPassphrase: $("change-current").value || null, protection: "passphrase", newPassphrase: next });
        for (const id of ["change-current", "change-new", "change-confirm"]) $(id).value = "";
        $("change-strength").textContent = "";
        $("settings-status").textContent = t("change.done");
        $("change-current-field").hidden = false;
      } catch (err) {
        showError("settings-error", err);
      }
    });
  });
}

// ---------------------------------------------------------------- lock after inactivity

function wireInactivity() {
  const touch = () => { state.lastInput = Date.now(); };
  for (const type of ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"]) {
    document.addEventListener(type, touch, { passive: true, capture: true });
  }
  setInterval(async () => {
    const minutes = state.settings.lockAfterMinutes;
    if (!minutes || state.importing || !OPEN_VIEWS.includes(document.body.dataset.view)) return;
    if (Date.now() - state.lastInput < minutes * 60_000) return;
    try {
      await render(await invoke("lock_wallet"));
      $("unlock-notice").textContent = t("unlock.locked_idle", { n: minutes });
      $("unlock-notice").hidden = false;
    } catch (err) {
      showError("list-error", err);
    }
  }, 15_000);
}

// ---------------------------------------------------------------- first run, unlock, lock

/** Opens the wallet with its passphrase or from the keychain; a failure is told on the unlock screen. */
function unlock(method, button) {
  hideError("unlock-error");
  const passphrase = method === "passphrase" ? $("unlock-passphrase").value : null;
  return busy(button, async () => {
    try {
      const status = await invoke("unlock_wallet", { method, passphrase });
      $("unlock-passphrase").value = "";
      await render(status);
    } catch (err) {
      showError("unlock-error", err);
      if (method === "passphrase") $("unlock-passphrase").select();
    }
  });
}

async function render(status) {
  state.status = status;
  $("wallet-path").textContent = status.path || "—";
  if (status.open) {
    // Open already (the shell opens a keychain wallet at launch): a later lock waits for the learner.
    state.keychainTried = true;
    $("unlock-notice").hidden = true;
    state.lastInput = Date.now();
    return go("wallet");
  }
  state.images.clear();
  // Nothing of the closed wallet stays on the page.
  setCycling(false);
  Object.assign(state, { pathway: null, pathwayId: null, detail: null });
  state.share.chosen = [];
  state.share.made = null;
  $("share-result").hidden = true;
  $("check-results").replaceChildren();
  if (state.checkFromEntry && document.body.dataset.view === "check") return;
  // The Check screen goes out of sight: so does the camera.
  if ($("scan-dialog").open) $("scan-dialog").close();
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
  if (!keychain) {
    $("unlock-passphrase").focus();
    return;
  }
  $("unlock-keychain").focus();
  // A wallet whose key is in the keychain opens by itself when the app starts (that is what
  // the keychain is for); after the learner locks it, it waits for the button.
  if (!state.keychainTried) {
    state.keychainTried = true;
    await unlock("keychain", $("unlock-keychain"));
  }
}

function wireEntry() {
  const form = $("create-form");
  const syncProtection = () => {
    $("create-passphrase-fields").hidden = form.elements.protection.value !== "passphrase";
  };
  for (const radio of form.elements.protection) radio.addEventListener("change", syncProtection);
  $("create-passphrase").addEventListener("input", () => { $("create-strength").textContent = strength($("create-passphrase").value); });

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
        $("create-strength").textContent = "";
        await render(status);
      } catch (err) {
        showError("create-error", err);
      }
    });
  });

  // At first run, a backup can become the new wallet, protected as chosen in the form.
  $("create-restore-submit").addEventListener("click", async () => {
    hideError("create-error");
    const protection = form.elements.protection.value;
    const passphrase = $("create-passphrase").value;
    const backupPassphrase = $("create-restore-passphrase").value;
    if (!backupPassphrase) return showError("create-error", { code: "passphrase_missing" });
    if (protection === "passphrase") {
      if (passphrase.length < MIN_PASSPHRASE) return showError("create-error", { code: "passphrase_too_short" });
      if (passphrase !== $("create-confirm").value) return showError("create-error", { code: "passphrases_differ" });
    }
    try {
      const path = await invoke("plugin:dialog|open", { options: { multiple: false, directory: false, title: t("backup.restore") } });
      if (!path) return;
      await busy($("create-restore-submit"), () => invoke("restore_wallet", {
        path, backupPassphrase, protection, passphrase: protection === "passphrase" ? passphrase : null,
      }));
      for (const id of ["create-passphrase", "create-confirm", "create-restore-passphrase"]) $(id).value = "";
      await render(await invoke("wallet_status"));
    } catch (err) {
      showError("create-error", err);
    }
  });

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
  for (const b of document.querySelectorAll("#nav .nav")) b.addEventListener("click", () => go(b.dataset.target));
}

async function start() {
  // The wallet's status is asked for while the settings load: one round trip less to the cards.
  const status = invoke("wallet_status");
  status.catch(() => {}); // handled below, once the page is wired
  await loadSettings();
  translatePage();
  wireEntry();
  wireList();
  wireDetail();
  wireImport();
  wireSettings();
  wireProgress();
  wireGoal();
  wireShare();
  wireCheck();
  wireInactivity();
  show("loading");
  try {
    await render(await status);
  } catch (err) {
    show("create");
    $("create-submit").disabled = true;
    showError("create-error", err);
  }
}

start();
})();
