// Checking a presentation: files (chosen or dropped), pasted text, or codes read by the camera;
// for anyone, the wallet open or not (reached from first run and unlock too). The camera is on
// only while the scan dialog is open. This screen owns the scan and whether it was reached
// from the entry screens.
import { t } from "../i18n.js";
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
  const dialog = $("scan-dialog");
  $("check-camera").addEventListener("click", startScan);
  $("scan-close").addEventListener("click", () => dialog.close());
  $("scan-restart").addEventListener("click", startScan);
  // Closed by Stop, Escape, or a finished scan: the camera goes off at once.
  dialog.addEventListener("close", stopScan);
  if (navigator.mediaDevices) navigator.mediaDevices.addEventListener("devicechange", offerCamera);
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
