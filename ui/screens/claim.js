// Claiming from the issuer (OpenID4VCI): an offer pasted as a link, scanned from its QR code,
// or opened as a link while Stapel runs; who offers what is shown before anything is claimed;
// the transaction code is asked for as the issuer describes it, or the learner signs in in
// the browser; the shell's progress over a Channel; the new card opened, verified. The offer
// itself stays in the shell (`prepare_offer` gives its number); everything from the issuer is
// shown as text. This screen owns whether a claim runs and the offer shown.
import { lang, t } from "../i18n.js";
import { cameraPresent, onDeviceChange, scanner } from "../lib/camera.js";
import { $, busy, el, hideError, showError } from "../lib/dom.js";
import { k } from "../lib/format.js";
import { channel, events, invoke, listen } from "../lib/ipc.js";
import { show as showView } from "../lib/router.js";
import * as detail from "./detail.js";

/** The offer shown: `{ offer, txCode, signIn, ... }` as `prepare_offer` gave it, or null. */
let shownOffer = null;
let claiming = false;
let camera = null;
/** The newest offer asked for: an answer to an older one is dropped. */
let readSeq = 0;

/** Whether a claim runs (the wallet is not locked for inactivity meanwhile). */
export const running = () => claiming;

/** The texts a QR code or a link may hold an offer in. */
const OFFER_PREFIXES = ["openid-credential-offer:", "haip:", "https:"];

function clearOffer() {
  $("claim-offer").hidden = true;
  $("claim-credentials").replaceChildren();
  $("claim-issuer").textContent = "";
  $("claim-issuer-id").textContent = "";
  $("claim-logo").hidden = true;
  $("claim-logo").removeAttribute("src");
  $("claim-tx-code").value = "";
  shownOffer = null;
}

function clearResult() {
  $("claim-result").hidden = true;
  $("claim-kept").replaceChildren();
  $("claim-refused").replaceChildren();
  $("claim-running").hidden = true;
  $("claim-sign-in").hidden = true;
  $("claim-sign-in-url").textContent = "";
}

/** Draws who offers what, and the code or sign-in the claim needs. */
function drawOffer(o) {
  shownOffer = o;
  $("claim-issuer").textContent = o.issuer;
  $("claim-issuer-id").textContent = o.issuerId;
  const logo = $("claim-logo");
  // Only a data: picture the shell fetched under its policy; the page asks no server itself.
  if (o.logo && o.logo.startsWith("data:image/")) {
    logo.src = o.logo;
    logo.alt = o.logoAlt || "";
    logo.hidden = false;
  }
  const list = $("claim-credentials");
  o.credentials.forEach((c, i) => {
    const item = el("li", { id: `claim-credential-${i}` }, el("strong", { text: c.name }));
    if (c.description) item.append(el("p", { class: "muted small", text: c.description }));
    if (c.refused) item.append(el("p", { class: "error small", text: t("claim.cannot_take", { reason: c.refused }) }));
    list.append(item);
  });
  const tx = o.txCode;
  $("claim-tx-fields").hidden = !tx;
  const input = $("claim-tx-code");
  if (tx) {
    const numeric = tx.inputMode === "numeric";
    input.inputMode = numeric ? "numeric" : "text";
    input.required = true;
    if (numeric) input.setAttribute("pattern", tx.length ? `[0-9]{${tx.length}}` : "[0-9]+");
    else input.removeAttribute("pattern");
    if (tx.length) input.maxLength = tx.length; else input.removeAttribute("maxlength");
    $("claim-tx-description").textContent = tx.description || t("claim.tx_code_default");
    $("claim-tx-hint").textContent = numeric
      ? (tx.length ? t("claim.tx_digits_n", { n: tx.length }) : t("claim.tx_digits"))
      : (tx.length ? t("claim.tx_characters_n", { n: tx.length }) : "");
  }
  $("claim-sign-in-note").hidden = !o.signIn;
  $("claim-submit").textContent = o.signIn ? t("claim.sign_in_submit") : t("claim.submit");
  $("claim-offer").hidden = false;
  (tx ? input : $("claim-issuer")).focus();
}

/** Reads the offer in `text` (a link, or what a QR code held) and shows it. */
export async function readOffer(text) {
  const seq = ++readSeq;
  hideError("claim-error");
  clearOffer();
  clearResult();
  $("claim-status").textContent = t("claim.reading");
  try {
    const offer = await busy($("claim-read"), () => invoke("prepare_offer", { text, lang: lang() }));
    if (seq !== readSeq) return;
    $("claim-status").textContent = "";
    drawOffer(offer);
  } catch (err) {
    if (seq !== readSeq) return;
    $("claim-status").textContent = "";
    showError("claim-error", err);
    $("claim-link").focus();
  }
}

/** Checks the code as typed against what the issuer said, before anything is sent. */
function typedCode() {
  const tx = shownOffer.txCode;
  if (!tx) return { code: null };
  const code = $("claim-tx-code").value.trim();
  if (!code) return { error: { code: "tx_code_needed" } };
  if (tx.inputMode === "numeric" && !/^[0-9]+$/.test(code)) return { error: { code: "tx_code_digits" } };
  if (tx.length && [...code].length !== tx.length) return { error: { code: "tx_code_length" } };
  return { code };
}

const STEP = { signing_in: "@claim.step_signing_in", claiming: "@claim.step_claiming", keeping: "@claim.step_keeping" };

async function runClaim() {
  if (!shownOffer || claiming) return;
  hideError("claim-error");
  const { code, error } = typedCode();
  if (error) {
    showError("claim-error", error);
    $("claim-tx-code").focus();
    return;
  }
  claiming = true;
  clearResult();
  $("claim-running").hidden = false;
  $("claim-progress").removeAttribute("value");
  $("claim-progress-text").textContent = t(shownOffer.signIn ? "claim.step_signing_in" : "claim.step_claiming");
  const progress = channel();
  progress.onmessage = (p) => {
    $("claim-progress-text").textContent = p.step === "keeping" && p.total
      ? t("claim.step_keeping_n", { done: p.done, total: p.total })
      : t(k(STEP[p.step] || STEP.claiming));
    if (p.step === "keeping" && p.total) {
      $("claim-progress").max = p.total;
      $("claim-progress").value = p.done;
    }
    if (p.step === "signing_in" && p.url) {
      $("claim-sign-in-url").textContent = p.url;
      $("claim-sign-in").hidden = false;
    }
    if (p.step !== "signing_in") $("claim-sign-in").hidden = true;
  };
  const number = shownOffer.offer;
  for (const id of ["claim-submit", "claim-cancel", "claim-read"]) $(id).disabled = true;
  try {
    const outcome = await invoke("claim_offer", { offer: number, txCode: code, onProgress: progress });
    $("claim-tx-code").value = "";
    claimed(outcome);
  } catch (err) {
    $("claim-tx-code").value = "";
    showError("claim-error", err);
  } finally {
    claiming = false;
    $("claim-running").hidden = true;
    for (const id of ["claim-submit", "claim-cancel", "claim-read"]) $(id).disabled = false;
  }
  // A mistyped or wrong code, or a sign-in not finished: the same offer can be tried again.
  if (shownOffer) (shownOffer.txCode ? $("claim-tx-code") : $("claim-submit")).focus();
}

/** What the claim left: the new card opened when it is all there is; else the summary. */
function claimed(outcome) {
  clearOffer();
  $("claim-link").value = "";
  const { kept, pending, refused } = outcome;
  if (kept.length && !pending.length && !refused.length) {
    detail.open(kept[0].id);
    return;
  }
  $("claim-result-text").textContent = t("claim.result", { kept: kept.length, pending: pending.length, refused: refused.length });
  const keptList = $("claim-kept");
  kept.forEach((k, i) => {
    const open = el("button", { type: "button", class: "link", id: `claim-kept-${i}`, text: k.title });
    open.addEventListener("click", () => detail.open(k.id));
    keptList.append(el("li", {}, open, ` — ${k.issuer}`));
  });
  pending.forEach((p) => keptList.append(el("li", { text: t("pending.item", { configuration: p.title, issuer: p.issuer_name }) })));
  const refusedList = $("claim-refused");
  refused.forEach((r, i) => refusedList.append(el("li", { id: `claim-refused-${i}` }, el("strong", { text: r.configuration }), `: ${r.reason}`)));
  $("claim-result").hidden = false;
  $("claim-result-text").setAttribute("tabindex", "-1");
  $("claim-result-text").focus();
}

/** Lets go of the offer shown (the learner said not now, or left the screen). */
function dropOffer() {
  if (!shownOffer || claiming) return;
  clearOffer();
  invoke("forget_offer").catch(() => {});
}

/** What a frame of the camera held: the first offer link in it is read. */
async function onCodes(found, current) {
  const text = found.find((s) => OFFER_PREFIXES.some((p) => s.startsWith(p)));
  if (!current()) return;
  if (!text) {
    $("claim-scan-status").textContent = t("claim.scan_not_offer");
    return;
  }
  camera.stop();
  $("claim-scan-dialog").close();
  $("claim-link").value = text;
  await readOffer(text);
}

async function startScan() {
  hideError("claim-error");
  hideError("claim-scan-error");
  $("claim-scan-status").textContent = t("scan.looking");
  const dialog = $("claim-scan-dialog");
  if (!dialog.open) dialog.showModal();
  $("claim-scan-close").focus();
  await camera.start();
}

async function offerCamera() {
  $("claim-camera").hidden = !(await cameraPresent());
}

export function init() {
  camera = scanner($("claim-scan-video"), { onCodes, onError: (err) => showError("claim-scan-error", err) });
  $("claim-link-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("claim-link").value.trim();
    if (!text) {
      showError("claim-error", { code: "offer_missing" });
      $("claim-link").focus();
      return;
    }
    readOffer(text);
  });
  $("claim-form").addEventListener("submit", (e) => { e.preventDefault(); runClaim(); });
  $("claim-cancel").addEventListener("click", () => { dropOffer(); $("claim-link").focus(); });
  $("claim-camera").addEventListener("click", startScan);
  $("claim-scan-close").addEventListener("click", () => $("claim-scan-dialog").close());
  $("claim-scan-restart").addEventListener("click", startScan);
  // Closed by Stop, Escape, or a code read: the camera goes off at once.
  $("claim-scan-dialog").addEventListener("close", () => camera.stop());
  onDeviceChange(offerCamera);
  // A link opened while Stapel runs: the shell says one came (and keeps it while locked).
  if (events) listen("offer-link", () => takeLink());
}

export function show() {
  showView("claim");
  offerCamera();
  if (!shownOffer && !claiming) $("claim-link").focus();
}

/** Shows the Claim screen with the offer in `text` (a link opened while Stapel runs). */
export async function openOffer(text) {
  if (claiming) return;
  showView("claim");
  offerCamera();
  $("claim-link").value = text;
  await readOffer(text);
}

/** Opens the offer link the system handed to Stapel (a link opened while it runs, or the one it
 * was started with), if one waits; the shell keeps it while the wallet is locked. */
export async function takeLink() {
  let link = null;
  try { link = await invoke("take_offer_link"); } catch { return; }
  if (link) await openOffer(link);
}

/** Another screen is shown: the camera goes off, and an offer not being claimed is let go. */
export function leave() {
  if ($("claim-scan-dialog").open) $("claim-scan-dialog").close();
  dropOffer();
}

/** The wallet locked: what the screen showed of the offer and the claim is forgotten (the
 * shell forgot the offer with the lock). */
export function reset() {
  if ($("claim-scan-dialog").open) $("claim-scan-dialog").close();
  clearOffer();
  clearResult();
  hideError("claim-error");
  $("claim-status").textContent = "";
  $("claim-link").value = "";
}
