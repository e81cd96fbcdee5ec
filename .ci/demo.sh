#!/usr/bin/env bash
# Builds the package and serves the demo, the fixtures and the simulated live broadcasts on port 8080.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh build
bash .ci/build.sh
bash .ci/samples.sh
exec cargo run --locked --release --example serve -- --port "${PORT:-8080}"
