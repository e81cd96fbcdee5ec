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
(cd tests && node --test --test-reporter=spec browser/)

step "browser tests again in Firefox ESR (Xvfb display, PulseAudio null sink)"
bash .ci/test-firefox.sh

