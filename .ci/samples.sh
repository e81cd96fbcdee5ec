#!/usr/bin/env bash
# Generates the demo's sample media into www/samples/ (ignored; the dev server serves it as /samples/ and the
# broadcast's HLS folder live as /live/broadcast/index.m3u8):
#   broadcast.mp4 + broadcast/   a 20 s news "broadcast", 1280×720: a presenter's spoken lines (espeak-ng) with
#                                their subtitles burned in, a title bar and a running clock; MP4 and HLS (MPEG-TS)
#   portrait.mp4                 a 10 s portrait phone clip, 720×1280, with a caption
#   music.m4a                    a 20 s music bed (a chord progression over a beat), to dub with
# Takes a few seconds of CPU; does nothing when the outputs are newer than this script.
set -euo pipefail
cd "$(dirname "$0")/.."
out=www/samples
stamp=$out/.made
if [ -f "$stamp" ] && [ "$stamp" -nt "$0" ]; then exit 0; fi
command -v espeak-ng >/dev/null || { echo "samples.sh: espeak-ng is missing (apt-get install espeak-ng)" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out/broadcast"
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
bold=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
ff() { ffmpeg -v error -y -nostdin "$@"; }

# The presenter's lines: each spoken from its start time, its subtitle shown while it plays.
lines=(
  "0.5|Good evening, and welcome to the reel cut news."
  "4.5|Tonight: a video editor that runs entirely in your browser."
  "9|Trim a clip to the exact frame, then export it in seconds."
  "13.5|Or record your own voice over this broadcast. Back to you."
)
inputs=() mix="" subs=""
for i in "${!lines[@]}"; do
  at=${lines[$i]%%|*} text=${lines[$i]#*|}
  espeak-ng -v en-us -s 165 -w "$work/line$i.wav" "$text"
  inputs+=(-i "$work/line$i.wav")
  ms=$(awk "BEGIN { print int($at * 1000) }")
  mix+="[$((i + 1)):a]adelay=${ms}|${ms},aresample=48000[l$i];"
  length=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/line$i.wav")
  until=$(awk "BEGIN { print $at + $length }")
  printf '%s' "$text" >"$work/sub$i.txt"
  subs+=",drawtext=fontfile=$font:textfile=$work/sub$i.txt:fontsize=34:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=14:x=(w-tw)/2:y=h-110:enable='between(t,$at,$until)'"
done
n=${#lines[@]}
labels=$(for i in $(seq 0 $((n - 1))); do printf '[l%d]' "$i"; done)
# A soft studio hum under the voice, so the sound never drops to silence.
ff -f lavfi -i "gradients=size=1280x720:rate=25:duration=20:speed=0.01:c0=0x0b1d3a:c1=0x1f4e79:c2=0x3a1c5c:nb_colors=3" \
  "${inputs[@]}" -f lavfi -i "sine=frequency=110:duration=20:sample_rate=48000" \
  -filter_complex "${mix}[$((n + 1)):a]volume=0.02[hum];${labels}[hum]amix=inputs=$((n + 1)):normalize=0:duration=longest,apad,atrim=0:20,pan=stereo|c0=c0|c1=c0[a];
    [0:v]drawbox=x=0:y=0:w=iw:h=72:color=0x0d1117@0.85:t=fill,
      drawtext=fontfile=$bold:text='REELCUT NEWS':fontsize=30:fontcolor=white:x=(w-tw)/2:y=22,
      drawtext=fontfile=$font:text='%{pts\:hms}':fontsize=28:fontcolor=0xe6edf3:x=w-tw-40:y=24,
      drawbox=x=(iw-360)/2:y=170:w=360:h=330:color=0x0d1117@0.35:t=fill,
      drawtext=fontfile=$bold:text='ON AIR':fontsize=64:fontcolor=white@0.9:x=(w-tw)/2:y=290,
      drawtext=fontfile=$font:text='frame %{frame_num}':fontsize=26:fontcolor=white@0.8:x=(w-tw)/2:y=380${subs}[v]" \
  -map '[v]' -map '[a]' -c:v libx264 -preset superfast -profile:v high -pix_fmt yuv420p -g 50 -keyint_min 50 -sc_threshold 0 \
  -c:a aac -b:a 96k -ar 48000 -movflags +faststart -t 20 "$out/broadcast.mp4"
# The same broadcast as HLS in 2 s MPEG-TS segments (the dev server plays it as a live broadcast in a loop).
ff -i "$out/broadcast.mp4" -c copy -f hls -hls_time 2 -hls_playlist_type vod -hls_segment_filename "$out/broadcast/seg%d.ts" \
  "$out/broadcast/index.m3u8"

# A portrait phone clip: the picture stored upright, 720×1280.
printf 'Morning run by the river' >"$work/caption.txt"
ff -f lavfi -i "gradients=size=720x1280:rate=30:duration=10:speed=0.02:c0=0xff9a3c:c1=0xd9487a:c2=0x3b2a80:type=radial" \
  -f lavfi -i "sine=frequency=220:duration=10:sample_rate=48000" \
  -vf "drawbox=x=(iw-300)/2:y='500+120*sin(2*PI*t/5)':w=300:h=300:color=white@0.25:t=fill,
    drawtext=fontfile=$bold:textfile=$work/caption.txt:fontsize=44:fontcolor=white:box=1:boxcolor=black@0.45:boxborderw=16:x=(w-tw)/2:y=h-260,
    drawtext=fontfile=$font:text='%{pts\:hms}':fontsize=30:fontcolor=white:x=(w-tw)/2:y=120" \
  -af "volume=0.05" -c:v libx264 -preset superfast -pix_fmt yuv420p -g 30 -c:a aac -b:a 64k -movflags +faststart \
  -t 10 "$out/portrait.mp4"

# A music bed: C–Am–F–G, two beats a chord at 120 bpm, with a soft kick on every beat.
f='if(eq(mod(floor(t/2),4),0),261.63,if(eq(mod(floor(t/2),4),1),220,if(eq(mod(floor(t/2),4),2),174.61,196)))'
ff -f lavfi -i "aevalsrc=exprs='0.12*(sin(2*PI*$f*t)+sin(2*PI*$f*1.26*t)+sin(2*PI*$f*1.5*t))+0.35*sin(2*PI*55*t)*exp(-12*mod(t,0.5))':s=48000:d=20" \
  -af "pan=stereo|c0=c0|c1=c0,afade=t=in:d=0.5,afade=t=out:st=19:d=1" -c:a aac -b:a 96k "$out/music.m4a"
touch "$stamp"
