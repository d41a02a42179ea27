// Element helpers: finding by id, making elements, a button busy while its work runs, and
// an error shown in its box in the page's words.
import { errorText } from "./ipc.js";

/** The element with `id`. */
export const $ = (id) => document.getElementById(id);

/**
 * A new `tag` element: `class`, `text` and `on<event>` props are set as such, every other as
 * an attribute (null and undefined left out); children (nodes or strings) appended.
 */
export function el(tag, props = {}, ...children) {
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

/** Runs `work` with `button` disabled, and gives its answer. */
export async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}

/** Shows `err` (a `{ code, message }`) in the error box `id`, its code in `data-code`. */
export function showError(id, err) {
  const box = $(id);
  box.textContent = errorText(err);
  box.dataset.code = (err && err.code) || "";
  box.hidden = false;
}

export function hideError(id) {
  $(id).hidden = true;
  $(id).textContent = "";
}
