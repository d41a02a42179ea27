// Stapel's page: starts it, routes between the screens (one module each in screens/, wired by
// their `init` and shown by their `show`; lib/router.js shows one view, `body[data-view]`),
// and locks the wallet on the learner's word or after inactivity, when every screen forgets
// what it held of it (`reset`). Every call goes through the shell's commands (lib/ipc.js); a
// failed call rejects with `{ code, message }` and the page shows the catalogue's text for
// that code. Catalogue keys are written out in full (as the argument of `t`, or marked with a
// leading `@` where a key is chosen at run time) so a test can check that each exists.
import { translatePage } from "./i18n.js";
import { $, showError } from "./lib/dom.js";
import { invoke } from "./lib/ipc.js";
import { forget, go, openViewShown, routes, show } from "./lib/router.js";
import { noteStatus } from "./lib/session.js";
import * as check from "./screens/check.js";
import * as claim from "./screens/claim.js";
import * as detail from "./screens/detail.js";
import * as entry from "./screens/entry.js";
import * as importing from "./screens/import.js";
import * as progress from "./screens/progress.js";
import * as settings from "./screens/settings.js";
import * as share from "./screens/share.js";
import * as skills from "./screens/skills.js";
import * as wallet from "./screens/wallet.js";

routes({ wallet, skills, detail, progress, share, check, import: importing, claim, settings });

/** When the learner last touched the keyboard, pointer or wheel. */
let lastInput = Date.now();

/** Shows what the wallet's status calls for: its cards when open; else, all forgotten, first run or unlock. */
async function render(status) {
  noteStatus(status);
  $("wallet-path").textContent = status.path || "—";
  if (status.open) {
    entry.opened();
    lastInput = Date.now();
    await go("wallet");
    // An offer link that came while the wallet was locked (or started Stapel) opens now.
    return claim.takeLink();
  }
  // Nothing of the closed wallet stays on the page.
  forget();
  if (check.shownFromEntry()) return;
  // The Check screen goes out of sight: so does the camera.
  check.closeScan();
  await entry.show(status);
}

async function lock() {
  try {
    await render(await invoke("lock_wallet"));
  } catch (err) {
    showError("list-error", err);
  }
}

function wireLock() {
  $("lock").addEventListener("click", lock);
  const touch = () => { lastInput = Date.now(); };
  for (const type of ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"]) {
    document.addEventListener(type, touch, { passive: true, capture: true });
  }
  setInterval(async () => {
    const minutes = settings.lockAfterMinutes();
    if (!minutes || importing.running() || claim.running() || !openViewShown()) return;
    if (Date.now() - lastInput < minutes * 60_000) return;
    try {
      await render(await invoke("lock_wallet"));
      entry.lockedIdle(minutes);
    } catch (err) {
      showError("list-error", err);
    }
  }, 15_000);
}

function wireRoutes() {
  for (const b of document.querySelectorAll("#nav .nav")) b.addEventListener("click", () => go(b.dataset.target));
  // Checking is for anyone: the Check screen is reached from first run and unlock too.
  $("create-check").addEventListener("click", check.showFromEntry);
  $("unlock-check").addEventListener("click", check.showFromEntry);
  $("check-back").addEventListener("click", async () => {
    check.leaveEntry();
    await render(await invoke("wallet_status"));
  });
}

async function start() {
  // The wallet's status is asked for while the settings load: one round trip less to the cards.
  const status = invoke("wallet_status");
  status.catch(() => {}); // handled below, once the page is wired
  await settings.load();
  translatePage();
  entry.init(render);
  wallet.init();
  detail.init();
  importing.init();
  settings.init();
  progress.init();
  skills.init();
  share.init();
  check.init();
  claim.init();
  wireRoutes();
  wireLock();
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
