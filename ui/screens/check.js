// Checking a presentation: files (chosen or dropped), pasted text, or codes read by the camera;
// for anyone, the wallet open or not (reached from first run and unlock too). The camera is on
// only while the scan dialog is open. This screen owns the scan and whether it was reached
// from the entry screens.
import { t } from "../i18n.js";
import { cameraPresent, onDeviceChange, scanner } from "../lib/camera.js";
import { $, busy, el, hideError, showError } from "../lib/dom.js";
import { k } from "../lib/format.js";
import { invoke } from "../lib/ipc.js";
import { show as showView } from "../lib/router.js";
import { checkLine, checkName, VERDICT, verdictChip } from "../lib/report.js";

/** Shown from first run or unlock: no wallet, so no lock button or navigation. */
let fromEntry = false;

const PCHECK = {
  format: "@pcheck.format", proof: "@pcheck.proof", challenge: "@pcheck.challenge", domain: "@pcheck.domain",
  holder: "@pcheck.holder", credentials: "@pcheck.credentials",
};

/** Where a checked presentation came from, when it was not a file. */
const SOURCE = { "the pasted text": "@check.source_pasted", "the camera": "@check.source_camera" };

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
export async function runCheck(paths, codes) {
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

// The camera's frames are read by the shell (lib/camera.js); each new code goes to
// `scan_codes`, which says which parts of the presentation are read. Once all are, the camera
// stops and the codes are checked like pasted ones.
let texts = [];
let camera = null;

/** Shows the camera button only where a camera is there to use. */
async function offerCamera() {
  $("check-camera").hidden = !(await cameraPresent());
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

/** Nothing read yet. (Called after the camera's `stop`, whose new run already drops what an
 * earlier frame was still reading.) */
function resetScan() {
  texts = [];
  hideError("scan-error");
  showScan({ count: 0, read: [], foreign: 0, complete: false });
}

/** What a frame held: new codes are counted; all parts read, they are checked. */
async function onCodes(found, current) {
  const fresh = found.filter((text) => !texts.includes(text));
  if (!fresh.length) return;
  texts.push(...fresh);
  const s = await invoke("scan_codes", { codes: texts });
  if (!current()) return;
  hideError("scan-error");
  showScan(s);
  if (s.complete) {
    stopScan();
    $("scan-dialog").close();
    await runCheck(null, s.codes);
  }
}

function stopScan() {
  if (camera) camera.stop();
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
  await camera.start();
}

export function init() {
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
  camera = scanner($("scan-video"), { onCodes, onError: (err) => showError("scan-error", err) });
  const dialog = $("scan-dialog");
  $("check-camera").addEventListener("click", startScan);
  $("scan-close").addEventListener("click", () => dialog.close());
  $("scan-restart").addEventListener("click", startScan);
  // Closed by Stop, Escape, or a finished scan: the camera goes off at once.
  dialog.addEventListener("close", stopScan);
  onDeviceChange(offerCamera);
}

/** Shows the Check screen (bare while it is reached from the entry screens). */
export function show() {
  showView("check", { bare: fromEntry });
  offerCamera();
}

/** Shows the Check screen from first run or unlock, with its way back. */
export function showFromEntry() {
  fromEntry = true;
  showView("check", { bare: true });
  offerCamera();
  $("check-back").hidden = false;
  $("check-heading").focus();
}

/** Whether the Check screen is shown from first run or unlock. */
export const shownFromEntry = () => fromEntry && document.body.dataset.view === "check";

/** Back from the Check screen to first run or unlock (the caller shows which). */
export function leaveEntry() {
  fromEntry = false;
  $("check-back").hidden = true;
}

/** The scan ends (its dialog closed, the camera off). */
export function closeScan() {
  if ($("scan-dialog").open) $("scan-dialog").close();
}

/** The wallet locked: the results shown are forgotten. */
export function reset() {
  $("check-results").replaceChildren();
}
