// Badge images: asked for one visible card at a time (`badge_image` gives a data: URL, so no
// issuer's server is ever asked), kept while the wallet is open. The list and the detail
// share them.
import { el } from "./dom.js";
import { invoke } from "./ipc.js";

/** Credential id → its image's data: URL, or null where it has none. */
const images = new Map();

const observer = "IntersectionObserver" in window
  ? new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      loadImage(entry.target);
    }
  }, { rootMargin: "200px" })
  : null;

/** Whether images wait until their box comes into view. */
export const lazy = observer !== null;

/** Replaces the placeholder `box` with its credential's image, once there is one. */
export async function loadImage(box) {
  const id = box.dataset.id;
  let src = images.get(id);
  if (src === undefined) {
    try {
      src = await invoke("badge_image", { id });
    } catch {
      src = null;
    }
    images.set(id, src);
  }
  if (src && box.isConnected) {
    const img = el("img", { class: box.className.replace("placeholder", "").trim(), alt: "", src, id: box.id || undefined });
    img.dataset.id = id;
    box.replaceWith(img);
  }
}

/** A placeholder (the title's first letter) that becomes the card's image when it shows. */
export function imageBox(card, extra = "") {
  const box = el("div", { class: `image placeholder ${extra}`.trim(), "aria-hidden": "true", text: (card.title || "?").trim().charAt(0).toUpperCase() });
  box.dataset.id = card.id;
  if (card.hasImage) {
    if (observer) observer.observe(box); else loadImage(box);
  }
  return box;
}

/** Stops waiting for the boxes drawn so far (a list drawn anew). */
export function unobserveAll() {
  if (observer) observer.disconnect();
}

/** Forgets the image of `id` (a removed credential). */
export function forgetImage(id) {
  images.delete(id);
}

/** Forgets every image (the wallet locked). */
export function forgetImages() {
  images.clear();
}
