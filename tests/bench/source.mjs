// What the benchmarks share: the media they work on (made once by ffmpeg, git-ignored): the 10-minute source
// the clips are cut from and the files derived from it; the clip they take; runs in alternating order and
// their median.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
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

/**
 * An MP4 of about `megabytes` MB (decimal), moov first: the source played over again (stream copy) for as
 * long as that takes at its bitrate. Resolves to its URL path.
 */
export function ensureLongFile(megabytes) {
  ensureSource();
  const name = `parse_${megabytes}mb.mp4`;
  const seconds = Math.round((600 * megabytes * 1e6) / statSync(MEDIA).size);
  make(join(here, 'media', name), ['-stream_loop', String(Math.ceil(seconds / 600)), '-i', MEDIA, '-t', String(seconds), '-c', 'copy',
    '-movflags', '+faststart'], `${seconds} s of the source`);
  return `/tests/bench/media/${name}`;
}

/** The source's first 60 s as a VOD HLS stream of MPEG-TS segments of `seconds` (stream copy; 4 s by default,
 *  2 s as broadcasters' low-delay streams): resolves to its URL path. */
export function ensureHls60s(seconds = 4) {
  ensureSource();
  const name = seconds === 4 ? 'hls_60s' : `hls_60s_${seconds}s`;
  const folder = join(here, 'media', name);
  if (!existsSync(join(folder, 'index.m3u8'))) {
    mkdirSync(folder, { recursive: true });
    console.log(`making ${folder} (seconds)`);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', MEDIA, '-t', '60', '-c', 'copy', '-f', 'hls', '-hls_time', String(seconds),
      '-hls_playlist_type', 'vod', '-hls_segment_filename', join(folder, 'seg%d.ts'), join(folder, 'index.m3u8')], { stdio: 'inherit' });
  }
  return `/tests/bench/media/${name}/index.m3u8`;
}

/**
 * Runs every job of `page` (its `window.jobNames`, in the order given: the first is reelcut's) `RUNS` times,
 * alternating the order each round, with `args`; resolves to `{ job: [result, ...] }` (each result has `ms`).
 */
export async function runAlternating(page, jobs, args) {
  const results = {};
  for (let round = 0; round < RUNS; round++) {
    for (const job of round % 2 ? [...jobs].reverse() : jobs) {
      const result = await page.evaluate(([job, args]) => window.runJob(job, ...args), [job, args]);
      (results[job] ??= []).push(result);
      process.stderr.write(`${job} run ${round + 1}: ${result.ms.toFixed(0)} ms\n`);
    }
  }
  return results;
}

/** `ms` as the tables print it. */
export const ms = (x) => `${x.toFixed(x < 100 ? 1 : 0)} ms`;

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
