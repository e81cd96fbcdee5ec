// Dubbing in real headless Chromium: a voice imported (WAV, MP3, M4A, Opus/Ogg, an AudioBuffer) or recorded
// from a fake microphone fed by the voice fixture, laid over a clip in replace, mix and duck modes, and
// exported. Each export is read back independently: ffprobe lists its streams and packets (the video's must
// be the source's, byte for byte), ffmpeg decodes its sound, and a Goertzel filter finds where the voice's
// tones (1750 Hz for its first second, 2750 Hz for its second) and the original's (440 Hz left, 660 Hz right)
// are and how loud.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtures, launchChromium, openPage, serverAndBrowser } from './support.mjs';

const running = serverAndBrowser();
const scratch = mkdtempSync(join(tmpdir(), 'reelcut-dub-'));
const SOURCE = 'high_bframes_moovend.mp4';
const RATE = 48000;
/** A 20 ms tolerance on where the voice lands (the issue's), and one Opus frame on the sound's length. */
const PLACEMENT_TOLERANCE = 0.02;
const AUDIO_FRAME = 0.02;

async function dubPage(browser = running.browser) {
  const opened = await openPage(browser, running.server.base, '/tests/browser/pages/export.html');
  await opened.page.evaluate(() => window.reelcutReady);
  return opened;
}

/** A file made from the voice fixture by ffmpeg (MP3, M4A), as base64. */
function voiceAs(extension, codecArgs) {
  const file = join(scratch, `voice.${extension}`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(fixtures, 'voice.wav'), ...codecArgs, file]);
  return readFileSync(file).toString('base64');
}

const base64Of = (name) => readFileSync(join(fixtures, name)).toString('base64');

/**
 * Dubs `[start, end)` of the source in the page with `voice` ({ base64 } file bytes as a Blob, or
 * { buffer: base64 of a WAV } decoded by the page into an AudioBuffer) and `options`; writes the export to
 * a scratch file. Resolves with the file, the codec reported, the progress, or the error's code/message.
 */
async function dub(page, { start, end, voice, options, label }) {
  const result = await page.evaluate(async ({ src, start, end, voice, options }) => {
    const { Media } = await window.reelcutReady;
    const bytes = Uint8Array.from(atob(voice.base64), (c) => c.charCodeAt(0));
    let input = new Blob([bytes]);
    if (voice.asAudioBuffer) {
      input = await new OfflineAudioContext(1, 1, 44100).decodeAudioData(bytes.buffer);
    }
    const media = await Media.open(src);
    const progress = [];
    try {
      const dubbed = await media.clip({ start, end }).dub({ voice: input, ...options }).export({ onProgress: (f) => progress.push(f) });
      return { base64: window.toBase64(dubbed), audioCodec: dubbed.audioCodec, progress };
    } catch (error) {
      return { error: { name: error.name, code: error.code, message: error.message } };
    }
  }, { src: `/fixtures/${SOURCE}`, start, end, voice, options });
  if (result.error) return result;
  const file = join(scratch, `${label}.mp4`);
  writeFileSync(file, Buffer.from(result.base64, 'base64'));
  return { ...result, file };
}

function probe(file) {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]));
}

/** `[size, md5]` of each video packet of `file`, in decode order. */
function videoPackets(file) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_packets', '-show_data_hash', 'MD5',
    '-show_entries', 'packet=size,data_hash', '-of', 'csv=p=0', file], { maxBuffer: 1 << 26 }).toString();
  return out.trim().split('\n').map((line) => line.split(','));
}

/** One channel (0 left, 1 right) of `file`'s sound as decoded by ffmpeg, 48 kHz float. */
function channel(file, index) {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-vn', '-af', `pan=mono|c0=c${index}`, '-ar', String(RATE),
    '-f', 'f32le', '-'], { maxBuffer: 1 << 28 });
  return new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
}

/** Amplitude of the `frequency` Hz component of `samples[from s, to s)` (Goertzel). */
function tone(samples, frequency, from, to) {
  const [a, b] = [Math.round(from * RATE), Math.min(samples.length, Math.round(to * RATE))];
  const w = (2 * Math.PI * frequency) / RATE;
  let [s1, s2] = [0, 0];
  for (let i = a; i < b; i++) [s1, s2] = [samples[i] + 2 * Math.cos(w) * s1 - s2, s1];
  const power = s1 * s1 + s2 * s2 - 2 * Math.cos(w) * s1 * s2;
  return (2 * Math.sqrt(Math.max(power, 0))) / Math.max(b - a, 1);
}

/** Seconds at which `frequency` first reaches half its level over the next 50 ms, in 1 ms steps. */
function onset(samples, frequency) {
  const window = 0.01;
  for (let t = 0; t + window < samples.length / RATE; t += 0.001) {
    if (tone(samples, frequency, t, t + window) > 0.25) return t;
  }
  return NaN;
}

const db = (ratio) => 20 * Math.log10(ratio);

test('a WAV voice replaces the sound at `at`; the video is the source\'s, packet for packet', async () => {
  const { page, errors } = await dubPage();
  const [start, end, at] = [1.5, 4.5, 0.5];
  const dubbed = await dub(page, { start, end, voice: { base64: base64Of('voice.wav') }, options: { at, mode: 'replace' }, label: 'replace' });
  assert.equal(dubbed.error, undefined, JSON.stringify(dubbed.error));
  assert.equal(dubbed.audioCodec, 'opus');
  const info = probe(dubbed.file);
  const video = info.streams.find((s) => s.codec_type === 'video');
  const audio = info.streams.filter((s) => s.codec_type === 'audio');
  assert.equal(audio.length, 1);
  assert.equal(audio[0].codec_name, 'opus');
  assert.ok(Math.abs(Number(audio[0].duration) - (end - start)) <= AUDIO_FRAME, `audio lasts ${audio[0].duration}`);
  assert.ok(Math.abs(Number(video.duration) - (end - start)) < 1e-3, `video lasts ${video.duration}`);
  // The video packets are the source's from the keyframe at or before the start (frame 30).
  const source = videoPackets(join(fixtures, SOURCE));
  const exported = videoPackets(dubbed.file);
  const first = source.findIndex(([size, hash]) => size === exported[0][0] && hash === exported[0][1]);
  assert.ok(first >= 0, 'the first video packet is one of the source\'s');
  assert.deepEqual(exported, source.slice(first, first + exported.length));
  // The voice: 1750 Hz from `at`, 2750 Hz a second later, nothing of the original, silence before.
  for (const side of [0, 1]) {
    const sound = channel(dubbed.file, side);
    assert.ok(Math.abs(onset(sound, 1750) - at) <= PLACEMENT_TOLERANCE, `1750 Hz starts at ${onset(sound, 1750)}`);
    assert.ok(Math.abs(onset(sound, 2750) - (at + 1)) <= PLACEMENT_TOLERANCE, `2750 Hz starts at ${onset(sound, 2750)}`);
    assert.ok(tone(sound, 440 + 220 * side, 0, at) < 0.003, 'the original is gone');
    assert.ok(Math.abs(tone(sound, 1750, at + 0.1, at + 0.9) - 0.5) < 0.05, `voice level ${tone(sound, 1750, at + 0.1, at + 0.9)}`);
  }
  assert.equal(dubbed.progress.at(-1), 1);
  assert.ok(dubbed.progress.every((f, i) => i === 0 || f > dubbed.progress[i - 1]), 'progress only goes forward');
  assert.deepEqual(errors, []);
  await page.close();
});
