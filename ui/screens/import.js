// Importing: files and folders (chosen, or dropped anywhere on the window) and URLs, with the
// shell's progress over a Channel and a summary with each failure's reason. This screen owns
// whether an import runs.
import { t } from "../i18n.js";
import { $, el, hideError, showError } from "../lib/dom.js";
import { channel, events, explained, invoke, listen } from "../lib/ipc.js";
import { openViewShown, show as showView, shown } from "../lib/router.js";
import * as check from "./check.js";

let importing = false;

/** Whether an import runs (the wallet is not locked for inactivity meanwhile). */
export const running = () => importing;

export async function runImport(inputs) {
  if (!inputs.length || importing) return;
  importing = true;
  hideError("import-error");
  if (shown() !== "import") showView("import");
  $("import-summary").hidden = true;
  $("import-running").hidden = false;
  $("import-progress").value = 0;
  $("import-progress").max = 1;
  $("import-progress-text").textContent = t("import.starting");
  const progress = channel();
  progress.onmessage = (p) => {
    $("import-progress").max = Math.max(1, p.total);
    $("import-progress").value = p.done;
    const step = p.done < p.total && p.input
      ? " · " + t(p.step === "verifying" ? "import.step_verifying" : "import.step_reading", { input: p.input })
      : "";
    $("import-progress-text").textContent = t("import.progress_text", { done: p.done, total: p.total }) + step;
  };
  for (const id of ["import-files", "import-folder", "import-url-submit"]) $(id).disabled = true;
  try {
    const summary = await invoke("import_inputs", { inputs, onProgress: progress });
    renderImportSummary(summary);
  } catch (err) {
    showError("import-error", err);
  } finally {
    importing = false;
    $("import-running").hidden = true;
    for (const id of ["import-files", "import-folder", "import-url-submit"]) $(id).disabled = false;
  }
}

function renderImportSummary(s) {
  $("import-summary-text").textContent = t("import.summary", { imported: s.imported, present: s.alreadyPresent, failed: s.failures.length });
  const list = $("import-failures");
  list.replaceChildren();
  s.failures.forEach((f, i) => {
    const reason = explained(f.code) ? `${t(`error.${f.code}`)} (${f.reason})` : f.reason;
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

export function init() {
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
  if (events) {
    listen("tauri://drag-enter", () => { if (openViewShown()) document.body.classList.add("dragging"); });
    listen("tauri://drag-leave", () => document.body.classList.remove("dragging"));
    listen("tauri://drag-drop", (event) => {
      document.body.classList.remove("dragging");
      const paths = (event.payload && event.payload.paths) || [];
      if (!paths.length) return;
      // On the Check screen a drop is something to check; elsewhere it is an import.
      if (shown() === "check") check.runCheck(paths);
      else if (openViewShown()) runImport(paths);
    });
  }
}

export function show() {
  showView("import");
}
