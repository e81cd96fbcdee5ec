#!/usr/bin/env bash
# Runs a command (the Firefox tier of the browser tests) with what Firefox needs here and stops it afterwards:
# an Xvfb display (WebGL2 needs one; headless Firefox has none) and a PulseAudio daemon with a null sink (an
# AudioContext runs only once its output does).
#
#   bash .ci/firefox.sh COMMAND...
set -euo pipefail

for tool in Xvfb pulseaudio pactl; do
  command -v "$tool" >/dev/null || { echo "firefox.sh: $tool is missing: run 'bash .ci/setup.sh test'" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  # With REELCUT_FIREFOX_LOG set, what the display and the sound server said too.
  if [ -n "${REELCUT_FIREFOX_LOG:-}" ]; then
    for log in "$work"/*.log; do echo "== $log" >&2; cat "$log" >&2; done
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A display number nobody uses.
display=99
while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1280x720x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)

# A private PulseAudio: its own runtime directory and socket, a null sink, no other modules, and shared memory:
# without it (--disable-shm), Firefox's parent process spun as a page started sound, and the page stopped
# answering, in 2 of 4 runs of the Firefox tier here. With it, 14 of 14 runs of the sound tests passed, yet 3 of
# 5 tier runs still had one such hang; the tests relaunch Firefox when it happens (support.mjs, `test`).
export PULSE_RUNTIME_PATH="$work/pulse" PULSE_STATE_PATH="$work/pulse-state"
mkdir -p "$PULSE_RUNTIME_PATH" "$PULSE_STATE_PATH"
pulseaudio -n --daemonize=no --exit-idle-time=-1 ${REELCUT_FIREFOX_LOG:+--log-level=info} \
  --load="module-native-protocol-unix socket=$PULSE_RUNTIME_PATH/native auth-anonymous=1" \
  --load="module-null-sink sink_name=reelcut" >"$work/pulse.log" 2>&1 &
pids+=($!)
export PULSE_SERVER="unix:$PULSE_RUNTIME_PATH/native"

for _ in $(seq 50); do
  [ -e "/tmp/.X11-unix/X$display" ] && pactl info >/dev/null 2>&1 && break
  sleep 0.1
done
[ -e "/tmp/.X11-unix/X$display" ] || { cat "$work/xvfb.log" >&2; echo "firefox.sh: Xvfb did not start" >&2; exit 1; }
pactl info >/dev/null 2>&1 || { cat "$work/pulse.log" >&2; echo "firefox.sh: PulseAudio did not start" >&2; exit 1; }

DISPLAY=":$display" REELCUT_BROWSER=firefox "$@"
