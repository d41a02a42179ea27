// The camera, for reading QR codes (the Check and Claim screens): opened when a scan starts,
// every track stopped when it ends. A few times a second a frame, grey and at most SCAN_SIDE
// pixels on its longest side, goes to the shell's QR reader (`scan_frame`, the core's); what it
// read goes to the scan's `onCodes`. A camera that gives no picture is opened once more, then
// said to be silent. Frames are never kept.
import { invoke } from "./ipc.js";

/** The largest side of a frame sent to the shell, in pixels: enough for a code on a screen. */
const SCAN_SIDE = 1280;
/** How long a camera may take to give its first picture (some take a second or two). */
const FIRST_PICTURE_MS = 6000;

/** Whether there is a camera to offer. */
export async function cameraPresent() {
  const media = navigator.mediaDevices;
  if (!(media && media.getUserMedia && media.enumerateDevices)) return false;
  try { return (await media.enumerateDevices()).some((d) => d.kind === "videoinput"); } catch { return false; }
}

/** Calls `handler` when cameras come or go. */
export function onDeviceChange(handler) {
  if (navigator.mediaDevices) navigator.mediaDevices.addEventListener("devicechange", handler);
}

/** The page's error code for a camera that would not start (the browser's error names). */
function cameraError(err) {
  const code = {
    NotAllowedError: "camera_denied", SecurityError: "camera_denied", NotFoundError: "no_camera",
    OverconstrainedError: "no_camera", NotReadableError: "camera_busy", AbortError: "camera_busy",
  }[err && err.name] || "camera_failed";
  return { code, message: err && err.message };
}

/**
 * A scanner showing the camera in `video`. `onCodes(texts, current)` gets what each frame held
 * (`current()` says whether this scan still runs); `onError(err)` a `{ code, message }`.
 * `start()` (again: start over) and `stop()` (the camera off at once).
 */
export function scanner(video, { onCodes, onError }) {
  const scan = { stream: null, timer: 0, busy: false, canvas: null, run: 0, since: 0, reopened: false, silent: false };

  function release() {
    // The picture lets go of the camera's frames first, then the camera stops: a frame still
    // shown after its camera stopped would point at memory the camera took back.
    video.srcObject = null;
    if (scan.stream) scan.stream.getTracks().forEach((track) => track.stop());
    scan.stream = null;
  }

  function stop() {
    scan.run += 1;
    clearInterval(scan.timer);
    scan.timer = 0;
    release();
  }

  async function open() {
    const run = scan.run;
    scan.since = Date.now();
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false,
      });
    } catch (err) {
      if (run === scan.run) onError(cameraError(err));
      return;
    }
    // Stopped, started over or given up on while the camera was opening: it goes off again.
    if (run !== scan.run) return stream.getTracks().forEach((track) => track.stop());
    scan.stream = stream;
    for (const track of stream.getVideoTracks()) {
      track.addEventListener("ended", () => {
        if (scan.stream !== stream) return;
        release();
        onError({ code: "camera_silent" });
      });
    }
    video.srcObject = stream;
    video.play().catch(() => {});
  }

  async function once() {
    if (scan.busy || scan.silent) return;
    if (!scan.stream || !video.videoWidth) {
      if (Date.now() - scan.since < FIRST_PICTURE_MS) return;
      scan.run += 1;
      release();
      if (scan.reopened) {
        scan.silent = true;
        onError({ code: "camera_silent" });
      } else {
        scan.reopened = true;
        open();
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
      if (run !== scan.run || !found.length) return;
      await onCodes(found, () => run === scan.run);
    } catch (err) {
      if (run === scan.run) onError(err);
    } finally {
      scan.busy = false;
    }
  }

  async function start() {
    stop();
    Object.assign(scan, { reopened: false, silent: false });
    scan.timer = setInterval(once, 250);
    await open();
  }

  return { start, stop };
}
