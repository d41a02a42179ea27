// A restore's progress, as both screens that restore show it (first run and Settings): the
// backup's rows coming in, then each credential it added verified as it lands.
import { t } from "../i18n.js";
import { $ } from "./dom.js";
import { channel } from "./ipc.js";

/** A channel for `restore_wallet` that fills `#<prefix>-progress` and its text; `end()` hides the bar. */
export function restoreProgress(prefix) {
  const bar = $(`${prefix}-progress`);
  const text = $(`${prefix}-progress-text`);
  bar.value = 0;
  bar.max = 1;
  bar.hidden = false;
  text.textContent = "";
  const progress = channel();
  progress.onmessage = (p) => {
    bar.max = Math.max(1, p.total);
    bar.value = p.done;
    text.textContent = t(p.step === "verifying" ? "backup.restore_verifying" : "backup.restore_restoring", { done: p.done, total: p.total });
  };
  return {
    channel: progress,
    end() {
      bar.hidden = true;
      text.textContent = "";
    },
  };
}
