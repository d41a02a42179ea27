# Shared by scripts/test-e2e and scripts/bench app (sourced, not run): building the desktop
# app once, tauri-driver installed once, and running a command that drives the real app in a
# virtual X display, in a session of its own, under one time limit, with everything it
# started ended afterwards. The caller sets `say` (a printing function) before sourcing.
#
# After `app_paths`: $target_dir, $app, $cli, $cargo_profile (array). After `app_driver`:
# $driver (tauri-driver) and $native (WebKitWebDriver).

# The version of tauri-driver installed when none is on PATH (pinned: the journeys were
# measured with it, docs/decisions/0023).
TAURI_DRIVER_VERSION="${TAURI_DRIVER_VERSION:-2.1.0}"

app_paths() {
  [ -f "$HOME/.cargo/env" ] && ! command -v cargo >/dev/null 2>&1 && . "$HOME/.cargo/env"
  target_dir="${CARGO_TARGET_DIR:-$root/target}"
  local profile="${STAPEL_PROFILE:-dev}"
  case "$profile" in
    release) cargo_profile=(--release); app="$target_dir/release/stapel-app"; cli="$target_dir/release/stapel" ;;
    dev) cargo_profile=(); app="$target_dir/debug/stapel-app"; cli="$target_dir/debug/stapel" ;;
    *) say "unknown STAPEL_PROFILE '$profile' (dev or release)"; return 2 ;;
  esac
}

# Builds the app and the stapel command (plus any packages named), with exactly the command
# scripts/test uses, so after scripts/test this is a check that finds nothing to do.
app_build() {
  local extra=()
  local pkg
  for pkg in "$@"; do extra+=(-p "$pkg"); done
  say "cargo build --locked -p stapel-app -p stapel-cli ${extra[*]-} ${cargo_profile[*]-}"
  cargo build --locked -p stapel-app -p stapel-cli "${extra[@]}" "${cargo_profile[@]}"
}

# tauri-driver: the one on PATH, else the pinned version in $target_dir/tools, installed with
# `cargo install` only when that version is not there yet (so once per target dir).
app_driver() {
  local tools="${STAPEL_TOOLS:-$target_dir/tools}"
  if command -v tauri-driver >/dev/null 2>&1; then
    driver="$(command -v tauri-driver)"
  elif [ -x "$tools/bin/tauri-driver" ] &&
    grep -q "^\"tauri-driver $TAURI_DRIVER_VERSION " "$tools/.crates.toml" 2>/dev/null; then
    driver="$tools/bin/tauri-driver"
  else
    say "installing tauri-driver $TAURI_DRIVER_VERSION into $tools (cargo install --locked, once)"
    cargo install tauri-driver --locked --version "$TAURI_DRIVER_VERSION" --root "$tools"
    driver="$tools/bin/tauri-driver"
  fi
  say "using $driver"
  native="$(command -v WebKitWebDriver || true)"
  [ -n "$native" ] || { say "WebKitWebDriver is missing (package webkit2gtk-driver)"; return 1; }
  command -v import >/dev/null 2>&1 || { say "ImageMagick's import is missing (package imagemagick)"; return 1; }
}

# How the app renders under Xvfb: in software (Xvfb has no GPU, and WebKit's DMA-BUF renderer
# needs one), in a known locale, without the accessibility bus.
app_display_env() {
  export WEBKIT_DISABLE_DMABUF_RENDERER=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1
  export LANG=C.UTF-8 LC_ALL=C.UTF-8 NO_AT_BRIDGE=1
}

# The environment the app, its drivers and the journeys share.
app_env() {
  export STAPEL_APP="$app" STAPEL_CLI="$cli" TAURI_DRIVER="$driver" WEBKIT_WEBDRIVER="$native"
  app_display_env
}

# app_run LIMIT COMMAND...: runs COMMAND under Xvfb with a session D-Bus, in a session of its
# own, and returns its status; 124 when it took longer than LIMIT seconds and was stopped.
#
# `setsid --fork --wait` always forks, makes the child the leader of a new session (its pid,
# written to a file, is the session id) and returns that child's exit status. The caller waits
# for it in the foreground of `wait` (so it never returns before the command ends; the limit
# ends it at the latest), then whatever it left behind (Xvfb, tauri-driver, WebKitWebDriver,
# app windows) is ended by session id, also when the caller is interrupted.
_app_sid_file=""
_app_leftovers() {
  if [ -n "$_app_sid_file" ] && [ -s "$_app_sid_file" ]; then
    ps -o pid= -s "$(cat "$_app_sid_file")" 2>/dev/null | tr -s ' \n' ' '
  fi
}
app_cleanup() {
  local left
  left="$(_app_leftovers || true)"
  if [ -n "${left// /}" ]; then
    say "ending leftover processes: $left"
    kill -TERM $left 2>/dev/null || true
    sleep 1
    left="$(_app_leftovers || true)"
    [ -z "${left// /}" ] || kill -KILL $left 2>/dev/null || true
  fi
  [ -z "$_app_sid_file" ] || rm -f "$_app_sid_file"
  _app_sid_file=""
}
app_run() {
  local limit="$1"
  shift
  local runner=("$@")
  if command -v dbus-run-session >/dev/null 2>&1; then
    runner=(dbus-run-session -- "${runner[@]}")
  fi
  _app_sid_file="$(mktemp)"
  trap app_cleanup EXIT
  trap 'say "interrupted"; exit 130' INT TERM
  setsid --fork --wait bash -c 'echo $$ >"$1"; shift; exec "$@"' app-under-xvfb "$_app_sid_file" \
    timeout --kill-after=10s "$limit" \
    xvfb-run --auto-servernum --server-args="-screen 0 1280x900x24 -nolisten tcp" \
    "${runner[@]}" </dev/null &
  local leader=$!
  local status=0
  wait "$leader" || status=$?
  app_cleanup
  return "$status"
}
