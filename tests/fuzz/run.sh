#!/usr/bin/env bash
# Fuzzes one parser for a while, starting from a seed corpus made of the committed fixtures.
#
#   bash tests/fuzz/run.sh mp4|fmp4|ts|m3u8|wav|cube|track [SECONDS=600]
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Crashes land in
# tests/fuzz/artifacts/<target>/; each one found becomes a regression test in tests/bad_input.rs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target=${1:?usage: run.sh mp4|fmp4|ts|m3u8|wav|cube|track [SECONDS]}
seconds=${2:-600}
fixtures="$here/../fixtures"
corpus="$here/corpus/$target"
mkdir -p "$corpus"
case "$target" in
  mp4)  cp "$fixtures"/*.mp4 "$fixtures"/hls_fmp4/init.mp4 "$corpus/" ;;
  fmp4) cp "$fixtures"/hls_fmp4/*.m4s "$corpus/" ;;
  ts)   cp "$fixtures"/hls_ts/*.ts "$corpus/"; cp "$fixtures"/hls_low/seg0.ts "$corpus/low_seg0.ts" ;;
  wav)  cp "$fixtures"/voice.wav "$corpus/" ;;
  # Identity LUTs of 2 and 3 points a side, each with a title, a comment and a domain.
  cube) for n in 2 3; do
          awk -v n="$n" 'BEGIN { print "TITLE \"identity\"\n# seed\nLUT_3D_SIZE " n "\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 1 1";
            for (b = 0; b < n; b++) for (g = 0; g < n; g++) for (r = 0; r < n; r++)
              printf "%.6f %.6f %.6f\n", r / (n - 1), g / (n - 1), b / (n - 1) }' > "$corpus/identity$n.cube"
        done ;;
  # A 32x32 frame with a 16x16 box in its middle, then three frames: a fixture's bytes stand in for texture.
  track) { printf '\037\037\000\040\040\020\020\000'; head -c 4096 "$fixtures"/voice.wav; } > "$corpus/seed" ;;
  m3u8) for f in "$fixtures"/hls_*/index.m3u8; do cp "$f" "$corpus/$(basename "$(dirname "$f")").m3u8"; done
        # LL-HLS from the conformance corpus when it is there: the playlists, and one followed by its delta update.
        llhls="${REELCUT_CONFORMANCE:-$here/../../../shared/conformance}/m3u8-parser"
        if [ -f "$llhls/llhls.m3u8" ]; then
          cp "$llhls"/llhls*.m3u8 "$corpus/"
          cat "$llhls/llhls.m3u8" "$llhls/llhlsDelta.m3u8" > "$corpus/llhls-then-delta.m3u8"
        fi ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
cd "$here/../.."
# A malloc limit catches allocations the input does not justify; a timeout catches hangs.
exec cargo +nightly fuzz run --fuzz-dir tests/fuzz "$target" "$corpus" -- \
  -max_total_time="$seconds" -malloc_limit_mb=1024 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
