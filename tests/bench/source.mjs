// What the clip benchmarks share: the 10-minute source they cut from (made once by ffmpeg, git-ignored), the
// clip they take out of it, and the median of runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const MEDIA = join(here, 'media', 'ten_minutes_720p.mp4');
export const URL_PATH = '/tests/bench/media/ten_minutes_720p.mp4';
// Mid-GOP on both sides (keyframes every 2 s), so keyframe cuts snap and exact cuts re-encode a head.
export const START = 285.5;
export const END = 315.5;
export const RUNS = Number(process.env.RUNS ?? 5);

/** Makes `file` with ffmpeg `args` unless it exists (written under another name, then renamed). */
function make(file, args, what) {
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true });
  console.log(`making ${file} (${what})`);
  const partial = file.replace(/(\.\w+)$/, '.part$1');
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, partial], { stdio: 'inherit' });
  renameSync(partial, file);
}

/** The 10-minute source: 1280x720, 30 fps, 2 s GOPs with B-frames, 3 Mbit/s, AAC, moov first. */
export function ensureSource() {
  make(MEDIA, ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '600', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-bf', '2', '-b:v', '3M',
    '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart'], 'about a minute');
}

export const VOICE = join(here, 'media', 'voice_30s.wav');
export const VOICE_URL = '/tests/bench/media/voice_30s.wav';

/** A 30 s mono 48 kHz voice (two alternating tones), the length of the clip. */
export function ensureVoice() {
  make(VOICE, ['-f', 'lavfi', '-i', 'aevalsrc=0.5*sin(2*PI*if(lt(mod(t\\,2)\\,1)\\,1750\\,2750)*t):s=48000:d=30',
    '-c:a', 'pcm_s16le'], 'a second');
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
