#!/usr/bin/env bash
# Every test tier, in the order that fails fastest. The wasm and the dev server are built once and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "set-up"
bash .ci/setup.sh test

step "format"
cargo fmt --all --check

step "lint: native"
cargo clippy --locked --all-targets -- -D warnings
step "lint: wasm32 (warnings denied)"
cargo clippy --locked --all-targets --target wasm32-unknown-unknown -- -D warnings

step "native tests (unit, real-file, dev server)"
cargo test --locked

step "package build (wasm32 release, wasm-bindgen, wasm-opt)"
bash .ci/build.sh

step "browser and server tests (headless Chromium)"
cargo build --locked --example serve
cd tests
node --test --test-reporter=spec browser/

# The tests that matter across browsers, with the same bodies, in Firefox ESR (see .ci/firefox.sh).
step "browser tests (Firefox ESR)"
bash ../.ci/firefox.sh node --test --test-reporter=spec \
  browser/player.test.mjs browser/hls.test.mjs browser/export.test.mjs browser/dub.test.mjs \
  browser/lifecycle.test.mjs browser/audio_join.test.mjs browser/cross-browser.firefox.mjs
bash ../.ci/firefox.sh node --test --test-reporter=spec --test-name-pattern='embed snippet' browser/package.test.mjs
