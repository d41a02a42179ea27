# The set-up steps ./scripts/run and ./scripts/test share (sourced, not run), so the two
# commands a newcomer runs never keep two lists that drift apart. Each step prints what it does
# and is quick when already done. The caller sets `root` (the workspace) and `say` (a printing
# function) before sourcing.
#
#   setup_rust             cargo on PATH (from ~/.cargo/env when the shell has not read it)
#   setup_system SET...    Debian packages, through scripts/setup-system (build, e2e, smoke)
#   setup_npm              the npm packages whose JSON-LD contexts the core embeds (npm ci),
#                          Node.js and npm from Debian first when they are missing

setup_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    . "$HOME/.cargo/env"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    say "cargo is not installed: install Rust (https://rustup.rs), then run this again"
    return 1
  fi
  say "$(cargo --version), $(rustc --version)"
}

setup_system() {
  "$root/scripts/setup-system" "$@"
}

setup_npm() {
  if ! command -v npm >/dev/null 2>&1; then
    say "npm is missing: installing Node.js and npm"
    "$root/scripts/setup-system" node
  fi
  # package-lock.json newer than npm's own record of what it installed means it changed since.
  if [ ! -f "$root/node_modules/.package-lock.json" ] ||
    [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
    say "npm ci (the JSON-LD contexts the wallet carries; no JavaScript runs in the app)"
    (cd "$root" && npm ci --no-audit --no-fund)
  else
    say "node_modules is up to date with package-lock.json"
  fi
}
