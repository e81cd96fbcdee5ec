#!/usr/bin/env bash
# Builds the package and the docs' HTML, and serves the demo, the docs (/docs/), the fixtures and the simulated
# live broadcasts on port 8080.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh build
bash .ci/build.sh
bash .ci/samples.sh
node .ci/docs.mjs
exec cargo run --locked --release --example serve -- --port "${PORT:-8080}"
