// The time of the page's first painted frame, for scripts/bench app: the second animation frame
// starts after the first one was presented (the same mark the bench takes on the Stapel page).
requestAnimationFrame(() => requestAnimationFrame(() => { window.blankPainted = performance.now(); }));
