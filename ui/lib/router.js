// Which view the page shows. Every view is a section of index.html; `body[data-view]` names the
// one shown. main.js gives the table of screens (`routes`); a screen shows its view with
// `show`, the navigation goes to one with `go` (the screen's own `show`, which loads what it
// draws), and a lock makes every screen forget what it held of the wallet (`forget`).
import { $, hideError, showError } from "./dom.js";

const VIEWS = ["loading", "create", "unlock", "wallet", "skills", "detail", "progress", "pathway", "share", "check", "import", "claim", "settings"];
/** The views of an open wallet (and the Check screen), with the lock button and the navigation. */
const OPEN_VIEWS = ["wallet", "skills", "detail", "progress", "pathway", "share", "check", "import", "claim", "settings"];
/** Where each view sits in the navigation. */
const NAV_OF = { detail: "wallet", pathway: "progress" };

/** View → its screen: `{ show, leave, reset }`, each optional. */
let screens = {};

/** Sets the table of screens, view → screen module. */
export function routes(table) {
  screens = table;
}

/**
 * Shows exactly one view of VIEWS; the lock button and the navigation with the open wallet's
 * views unless `bare` (the Check screen reached from first run or unlock). Every other screen
 * is told it was left.
 */
export function show(view, { bare = false } = {}) {
  for (const id of VIEWS) $(id).hidden = id !== view;
  const open = OPEN_VIEWS.includes(view) && !bare;
  $("lock").hidden = !open;
  $("nav").hidden = !open;
  for (const [id, screen] of Object.entries(screens)) if (id !== view && screen.leave) screen.leave();
  for (const b of document.querySelectorAll("#nav .nav")) {
    const current = b.dataset.target === (NAV_OF[view] || view);
    if (current) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
  }
  document.body.dataset.view = view;
}

/** The view shown now. */
export const shown = () => document.body.dataset.view;

/** Whether the view shown is one of the open wallet's (or the Check screen). */
export const openViewShown = () => OPEN_VIEWS.includes(shown());

/** Goes to `view` by its screen's `show`, then moves the focus into the page. */
export async function go(view) {
  await screens[view].show();
  $("main").focus({ preventScroll: true });
}

/** Every screen forgets what it held of the wallet (the wallet is locked). */
export function forget() {
  for (const screen of new Set(Object.values(screens))) if (screen.reset) screen.reset();
}

/**
 * Shows `view` (whose elements are named `<view>-error`, `-status` and `-title`), asks for its
 * answer with `load`, draws it with `draw` and moves the focus to its heading.
 */
export async function openView(view, load, draw) {
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
