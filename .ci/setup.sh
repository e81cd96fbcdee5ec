#!/usr/bin/env bash
# Installs what the build (and, with `test`, the test suite) needs, when it is missing. Idempotent: a second
# run finds everything in place and changes nothing. Only package registries are used (crates.io, npm, Debian).
#
#   bash .ci/setup.sh build    # wasm target, wasm-bindgen-cli at the pinned version, npm build tools
#   bash .ci/setup.sh test     # the above plus Chromium, Firefox ESR (with Xvfb and PulseAudio), ffmpeg and the
#                              # npm test tools
set -euo pipefail
cd "$(dirname "$0")/.."

purpose=${1:-build}
say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || fail "cargo is missing: install Rust with rustup (https://rustup.rs)"
command -v npm >/dev/null || fail "npm is missing: install Node.js 20 or newer"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The JS glue must come from the wasm-bindgen-cli that matches the `=`-pinned wasm-bindgen crate exactly.
pinned=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$pinned" ] || fail "Cargo.toml does not pin wasm-bindgen with '='"
installed=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$installed" != "$pinned" ]; then
  say "installing wasm-bindgen-cli $pinned (found: ${installed:-none})"
  cargo install --locked --force wasm-bindgen-cli --version "$pinned"
fi

# npm ci only when the installed tree is missing or older than its lockfile.
npm_ci() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] \
     || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
npm_ci .ci

[ "$purpose" = test ] || exit 0

npm_ci tests

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || missing+=(ffmpeg)
command -v espeak-ng >/dev/null || missing+=(espeak-ng)  # the speech of the demo's sample broadcast (.ci/samples.sh)
# The Firefox tier: the browser, a virtual display for its WebGL2 and a sound server for its audio output.
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
command -v Xvfb >/dev/null || missing+=(xvfb)
command -v xauth >/dev/null || missing+=(xauth)
command -v pulseaudio >/dev/null && command -v pactl >/dev/null || missing+=(pulseaudio pulseaudio-utils)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} with apt-get"
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    fail "need ${missing[*]}: run 'apt-get install ${missing[*]}' as root (no root and no sudo here)"
  fi
  sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || fail "apt-get update failed: install ${missing[*]} by hand"
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]} failed: install them by hand"
fi
[ -x /usr/bin/chromium ] || fail "Chromium is still missing at /usr/bin/chromium after apt-get install chromium"
[ -x /usr/bin/firefox-esr ] || fail "Firefox is still missing at /usr/bin/firefox-esr after apt-get install firefox-esr"
say "ready for $purpose"
