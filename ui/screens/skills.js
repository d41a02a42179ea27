// Skills: what the wallet's credentials align to, grouped by framework (a skill chosen filters
// the cards), and a goal of the learner's own from the skills ticked (made into a pathway).
// The ticks are the only state, and they live in the page (the checkboxes).
import { t } from "../i18n.js";
import { $, busy, el, hideError, showError } from "../lib/dom.js";
import { k } from "../lib/format.js";
import { invoke } from "../lib/ipc.js";
import { show as showView } from "../lib/router.js";
import * as progress from "./progress.js";
import * as wallet from "./wallet.js";

const GROUP = { none: "@skills.no_framework", tags: "@skills.tags" };

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
        button.addEventListener("click", () => wallet.filterBySkill(g.kind, s));
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

export function init() {
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
      await progress.openPathway(id);
    } catch (err) {
      showError("skills-error", err);
    }
  });
}

export async function show() {
  showView("skills");
  await loadSkills();
}
