#!/usr/bin/env bash
# The Firefox tier: the browser tests that matter across browsers, the same test bodies as in Chromium, in
# Firefox ESR, inside the display and sound output that firefox.sh provides (it sets REELCUT_BROWSER=firefox,
# see tests/browser/support.mjs). Expects the package (pkg/) and the dev server to be built.
set -euo pipefail
cd "$(dirname "$0")/../tests"
bash ../.ci/firefox.sh node --test --test-reporter=spec \
  browser/player.test.mjs browser/hls.test.mjs browser/export.test.mjs browser/dub.test.mjs \
  browser/lifecycle.test.mjs browser/audio_join.test.mjs browser/waveform.test.mjs browser/cross-browser.firefox.mjs
bash ../.ci/firefox.sh node --test --test-reporter=spec --test-name-pattern='embed snippet' browser/package.test.mjs
