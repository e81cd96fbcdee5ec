// Waveforms in a real browser (headless Chromium, and Firefox in its tier): `media.waveform` of an MP4 and of the
// HLS stream of its very samples, of a sound long enough to be decoded in several pieces, of MP3 and Opus sound, of
// a file's second audio track (`track`) and of the library's own Opus dub export, checked bucket by bucket against
// the sound ffmpeg decodes; AC-3 sound refused; the summary kept by the first call (a second call decodes nothing);
// abort by signal; media without sound and bad options; `dub.waveform` of takes (a WAV file and an AudioBuffer)
// against their samples.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumOnly, fixtures, launchChromium, openPage, serverAndBrowser, test } from './support.mjs';

const running = serverAndBrowser();
const RATE = 48000;
/** The summary keeps min/max per bin of at most 256 samples (of media up to 93 minutes long): a bucket's edges may
 *  reach that far into its neighbours. */
const BIN = 256;
const SHORT_BIN = 16;
/** The summary's bin for `seconds` of sound at `rate`, as `Peaks::of_frames` chooses it (2^17 bins, 16 to 256 samples). */
const binOf = (seconds, rate = RATE) => Math.min(BIN, Math.max(SHORT_BIN, Math.floor((seconds * rate) / 2 ** 17)));
/** Chromium's AAC decoder (FFmpeg's) and the ffmpeg CLI's agree to far better than this. */
const TOLERANCE = 0.01;

async function page() {
  const opened = await openPage(running.browser, running.server.base, '/tests/browser/pages/export.html');
  await opened.page.evaluate(() => {
    // Counts the sound files the library hands to the browser to decode.
    window.decodings = 0;
    const original = BaseAudioContext.prototype.decodeAudioData;
    BaseAudioContext.prototype.decodeAudioData = function (...args) {
      window.decodings += 1;
      return original.apply(this, args);
    };
    return window.reelcutReady;
  });
  return opened;
}

/** The sound of `file` (in the fixtures, or a path) as ffmpeg decodes it, of its audio stream `stream` (default the
 *  first), from where the media timeline starts: interleaved f32 samples and the channel count. ffmpeg's sound
 *  starts where the file's edit list says, which for Opus lies inside the first packet (its pre-skip, 312 samples
 *  of 960); the media timeline starts at the first packet or frame shown whole of any track. */
function ffmpegPcm(file, stream = 0) {
  const path = file.startsWith('/') ? file : join(fixtures, file);
  const probed = (entries, select) => execFileSync('ffprobe', ['-v', 'error', ...select, '-show_entries', entries,
    '-of', 'csv=p=0', path]).toString().trim().split(/[\s,]+/).filter(Boolean).map(Number);
  const [channels] = probed('stream=channels', ['-select_streams', `a:${stream}`]);
  const [rate] = probed('stream=sample_rate', ['-select_streams', `a:${stream}`]);
  const lead = Math.min(...probed('packet=pts_time', ['-read_intervals', '%+#8']).filter((t) => t >= 0));
  const bytes = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-map', `0:a:${stream}`, '-f', 'f32le', '-'],
    { maxBuffer: 1 << 28 });
  const samples = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  return { samples: samples.subarray(Math.round(lead * rate) * channels), channels };
}

/** An MP4 of `seconds` of a sine at `rate` Hz (lavfi's, peaking at 0.125) with a 0.1 s beep at 0.6 across each
 *  multiple of 10 s, its sound coded by ffmpeg's encoder `codec`: its path in a scratch folder. */
function beeps(codec, seconds, rate) {
  const file = join(mkdtempSync(join(tmpdir(), 'reelcut-waveform-')), 'beeps.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i',
    `sine=frequency=440:sample_rate=${rate},volume=enable='lt(mod(t+0.05\\,10)\\,0.1)':volume=4.8`,
    '-t', String(seconds), '-c:a', codec, file]);
  return file;
}

/** Min and max over frames `[from, to)` of interleaved `samples`, every channel. */
function extent({ samples, channels }, from, to) {
  let [low, high] = [Infinity, -Infinity];
  for (let i = Math.max(0, from) * channels; i < Math.min(to * channels, samples.length); i++) {
    low = Math.min(low, samples[i]);
    high = Math.max(high, samples[i]);
  }
  return low > high ? [0, 0] : [low, high];
}

/** Each bucket's min/max lies between the exact values of its own frames and those of its frames widened by a bin. */
function assertMatches(wave, pcm, buckets, [start, end], label, first = 0, rate = RATE, bin = BIN) {
  assert.equal(wave.length, 2 * buckets, `${label}: two values per bucket`);
  const width = ((end - start) * rate) / buckets;
  for (let k = first; k < buckets; k++) {
    const [low, high] = [wave[2 * k], wave[2 * k + 1]];
    const [from, to] = [start * rate + k * width, start * rate + (k + 1) * width];
    const narrow = extent(pcm, Math.ceil(from), Math.floor(to));
    const wide = extent(pcm, Math.floor(from) - bin, Math.ceil(to) + bin);
    const at = `${label}: bucket ${k} is [${low}, ${high}], its samples [${narrow}], widened [${wide}]`;
    assert.ok(low <= narrow[0] + TOLERANCE && low >= wide[0] - TOLERANCE, at);
    assert.ok(high >= narrow[1] - TOLERANCE && high <= wide[1] + TOLERANCE, at);
  }
}

test('the waveform of an MP4 and of its HLS stream is the sound ffmpeg decodes, bucket by bucket', async () => {
  const { page: p, errors } = await page();
  // The fixture: 0.3 sines (440 Hz left, 660 Hz right) with a 0.1 s beep each second that takes the peak to 0.6.
  // The stream's timeline starts with the AAC priming packet (1024 samples) that the file's edit list hides: its
  // time t is the file's t - 1024 / 48000, and its first bucket (the priming) is not compared.
  const mp4 = ffmpegPcm('high_bframes_moovend.mp4');
  const hls = { samples: new Float32Array(mp4.samples.length + 1024 * mp4.channels), channels: mp4.channels };
  hls.samples.set(mp4.samples, 1024 * mp4.channels);
  const pcms = { mp4, hls };
  const result = await p.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    const out = {};
    for (const [name, src] of [['mp4', '/fixtures/high_bframes_moovend.mp4'], ['hls', '/fixtures/hls_ts/index.m3u8']]) {
      const media = await Media.open(src);
      const progress = [];
      out[name] = { wave: Array.from(await media.waveform({ buckets: 60, onProgress: (f) => progress.push(f) })), progress };
      out[name].part = Array.from(await media.waveform({ start: 2, end: 3, buckets: 10 }));
      // Zoomed in on the beep at 2 s, a bucket per millisecond: a 6 s sound is summarised in bins of 16 samples.
      out[name].zoomed = Array.from(await media.waveform({ start: 1.98, end: 2.02, buckets: 40 }));
      out[name].duration = media.duration;
      media.close();
    }
    return out;
  });
  for (const name of ['mp4', 'hls']) {
    const { wave, part, zoomed, progress, duration } = result[name];
    const pcm = pcms[name];
    assert.ok(Math.abs(duration - 6) < 0.05, `${name} lasts ${duration} s`);
    assertMatches(wave, pcm, 60, [0, 6], name, name === 'hls' ? 1 : 0);
    // The beeps: the first bucket of each second reaches 0.6, those in mid-second 0.3.
    const highs = [5, 10, 15, 20].map((k) => wave[2 * k + 1]);
    assert.ok(highs[0] < 0.35 && highs[1] > 0.55 && highs[2] < 0.35 && highs[3] > 0.55, `${name}: beeps at 1 s and 2 s (${highs})`);
    // A part of the span, from the summary: 2-3 s in 10 buckets.
    assertMatches(part, pcm, 10, [2, 3], `${name} 2-3 s`);
    assertMatches(zoomed, pcm, 40, [1.98, 2.02], `${name} 1.98-2.02 s`, 0, RATE, binOf(duration));
    assert.ok(progress.length >= 2 && progress.at(-1) === 1, `${name}: progress ${progress}`);
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b));
  }
  assert.deepEqual(errors, []);
  await p.close();
});

test('a long sound is decoded in pieces, and MP3 and Opus as AAC is, as ffmpeg decodes them; AC-3 is refused', async () => {
  const { page: p, errors } = await page();
  // 150 s of AAC is decoded in three pieces of 50 s: the beeps at 50 s and 100 s straddle their seams.
  const files = { aac: beeps('aac', 150, 48000), mp3: beeps('libmp3lame', 30, 44100), opus: beeps('libopus', 130, 48000),
    ac3: beeps('ac3', 3, 48000) };
  const base64 = Object.fromEntries(Object.entries(files).map(([name, file]) => [name, readFileSync(file).toString('base64')]));
  const result = await p.evaluate(async (base64) => {
    const { Media } = await window.reelcutReady;
    const open = (name) => Media.open(Uint8Array.from(atob(base64[name]), (c) => c.charCodeAt(0)));
    const code = (promise) => promise.then(() => 'resolved', (e) => `${e.name} ${e.code}: ${e.message}`);
    const [aac, mp3] = [await open('aac'), await open('mp3')];
    const out = { aac: Array.from(await aac.waveform({ buckets: 1500 })), aacDuration: aac.duration, decodings: window.decodings };
    Object.assign(out, { mp3: Array.from(await mp3.waveform({ buckets: 300 })), mp3Duration: mp3.duration });
    const opus = await open('opus');
    Object.assign(out, { opus: Array.from(await opus.waveform({ buckets: 1300 })), opusDuration: opus.duration });
    // Beep onsets in 5 ms buckets: in the first piece (which starts the stream) and in the second and third (which
    // start with the packets before them that prime the decoder).
    out.onsets = {};
    for (const at of [10, 50, 100]) out.onsets[at] = Array.from(await opus.waveform({ start: at - 0.1, end: at + 0.1, buckets: 40 }));
    out.ac3 = await code((await open('ac3')).waveform());
    return out;
  }, base64);
  assert.equal(result.decodings, 3, 'three pieces decoded');
  assertMatches(result.aac, ffmpegPcm(files.aac), 1500, [0, result.aacDuration], 'AAC in pieces');
  // The beeps across the seams, in buckets of 0.1 s: 49.9-50 s and 50-50.1 s, 99.9-100 s and 100-100.1 s.
  const seams = [499, 500, 999, 1000].map((k) => result.aac[2 * k + 1]);
  assert.ok(seams.every((high) => high > 0.5), `beeps at the seams: ${seams}`);
  assert.ok(result.aac[2 * 750 + 1] < 0.3, `no beep at 75 s: ${result.aac[2 * 750 + 1]}`);
  assertMatches(result.mp3, ffmpegPcm(files.mp3), 300, [0, result.mp3Duration], 'MP3', 0, 44100);
  const opusPcm = ffmpegPcm(files.opus);
  assertMatches(result.opus, opusPcm, 1300, [0, result.opusDuration], 'Opus in pieces');
  for (const [at, wave] of Object.entries(result.onsets)) {
    assertMatches(wave, opusPcm, 40, [Number(at) - 0.1, Number(at) + 0.1], `Opus beep at ${Number(at) - 0.05} s`, 0, RATE,
      binOf(result.opusDuration));
  }
  assert.match(result.ac3, /^ReelcutError unsupported_codec: waveforms are drawn of AAC, MP3 or Opus sound, not ac-3/);
  assert.deepEqual(errors, []);
  await p.close();
});

test('`track` draws the audio track with that id; the summary kept is of one track', async () => {
  const { page: p, errors } = await page();
  // A quiet 440 Hz sine (peak 0.125) as the first audio track, a louder 880 Hz one (0.5) as the second.
  const file = join(mkdtempSync(join(tmpdir(), 'reelcut-waveform-')), 'two.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-f', 'lavfi', '-i',
    'sine=frequency=880:sample_rate=48000,volume=4', '-t', '4', '-map', '0', '-map', '1', '-c:a', 'aac', file]);
  const result = await p.evaluate(async (base64) => {
    const { Media } = await window.reelcutReady;
    const code = (promise) => promise.then(() => 'resolved', (e) => `${e.name} ${e.code}: ${e.message}`);
    const media = await Media.open(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const ids = media.tracks.filter((t) => t.type === 'audio').map((t) => t.id);
    const first = Array.from(await media.waveform({ buckets: 40 }));
    const decoded = window.decodings;
    const second = Array.from(await media.waveform({ buckets: 40, track: ids[1] }));
    const secondDecodings = window.decodings - decoded;
    const firstAgain = Array.from(await media.waveform({ buckets: 40, track: ids[0] }));
    return { ids, first, second, firstAgain, secondDecodings, duration: media.duration,
      missing: await code(media.waveform({ track: 99 })), notNumber: await code(media.waveform({ track: 'one' })) };
  }, readFileSync(file).toString('base64'));
  assert.equal(result.ids.length, 2, `two audio tracks: ${result.ids}`);
  assertMatches(result.first, ffmpegPcm(file, 0), 40, [0, result.duration], 'the first track');
  assertMatches(result.second, ffmpegPcm(file, 1), 40, [0, result.duration], 'the second track');
  assertMatches(result.firstAgain, ffmpegPcm(file, 0), 40, [0, result.duration], 'the first track again');
  assert.ok(Math.max(...result.first) < 0.2 && Math.max(...result.second) > 0.4, 'the two tracks differ');
  assert.ok(result.secondDecodings > 0, 'the first track\'s summary does not answer for the second');
  assert.match(result.missing, /^ReelcutError out_of_range: no audio track of the media has the id given as `track`/);
  assert.match(result.notNumber, /^ReelcutError malformed_input: /);
  assert.deepEqual(errors, []);
  await p.close();
});

test('the library\'s own dub export (Opus sound, in MP4 with its video) draws as ffmpeg decodes it', async () => {
  const { page: p, errors } = await page();
  const result = await p.evaluate(async (wav) => {
    const { Media } = await window.reelcutReady;
    const voice = new Blob([Uint8Array.from(atob(wav), (c) => c.charCodeAt(0))]);
    const clip = (await Media.open('/fixtures/high_bframes_moovend.mp4')).clip({ start: 1, end: 4 });
    const exported = await clip.dub({ voice, at: 0.5, mode: 'mix' }).export();
    const media = await Media.open(new Blob([exported]));
    return { file: window.toBase64(exported), codec: media.tracks.find((t) => t.type === 'audio').codec,
      duration: media.duration, wave: Array.from(await media.waveform({ buckets: 120 })) };
  }, readFileSync(join(fixtures, 'voice.wav')).toString('base64'));
  const file = join(mkdtempSync(join(tmpdir(), 'reelcut-waveform-')), 'dub.mp4');
  writeFileSync(file, Buffer.from(result.file, 'base64'));
  assert.equal(result.codec, 'opus');
  assertMatches(result.wave, ffmpegPcm(file), 120, [0, result.duration], 'the dub export');
  assert.deepEqual(errors, []);
  await p.close();
});

test('an HLS stream\'s waveform is of the audio rendition playing: switching it draws the other one\'s sound', async () => {
  const { page: p, errors } = await page();
  const session = `reelcut-waveform-${Date.now()}`;
  const result = await p.evaluate(async (session) => {
    const { Media, Player } = await window.reelcutReady;
    const media = await Media.open(`/live/hls_master/index.m3u8?audio=separate&session=${session}`);
    const player = new Player(document.getElementById('screen'));
    await player.load(media);
    const { start } = media.seekable;
    const span = { start, end: start + 2, buckets: 20 };
    const fetched = (name) => performance.getEntriesByType('resource').filter((e) => e.name.includes(session) && e.name.includes(name)).length;
    const english = Array.from(await media.waveform(span));
    const decoded = window.decodings;
    await media.waveform(span);
    const cached = window.decodings - decoded;
    const before = fetched('audio_de');
    player.audioTrack = 1;
    const german = Array.from(await media.waveform(span));
    const out = { english, german, cached, decodedAgain: window.decodings - decoded, german_fetched: fetched('audio_de') - before };
    player.destroy();
    media.close();
    return out;
  }, session);
  assert.equal(result.cached, 0, 'the same rendition\'s waveform is answered from its summary');
  assert.ok(result.decodedAgain > 0, 'after the switch the sound is decoded again');
  assert.ok(result.german_fetched > 0, 'from the other rendition\'s playlist and segments');
  // The dev server's two renditions carry the same sound.
  assert.ok(result.english.some((v) => Math.abs(v) > 0.1), 'sound drawn');
  assert.deepEqual(result.german.map((v) => v.toFixed(3)), result.english.map((v) => v.toFixed(3)));
  assert.deepEqual(errors, []);
  await p.close();
});

test('the first call keeps a summary: later calls within its span decode nothing', async () => {
  const { page: p, errors } = await page();
  const result = await p.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open('/fixtures/hls_ts/index.m3u8');
    let started = performance.now();
    const first = await media.waveform({ start: 0, end: 5 });
    const firstMs = performance.now() - started;
    const decodedFirst = window.decodings;
    started = performance.now();
    const again = await media.waveform({ start: 0, end: 5 });
    const other = await media.waveform({ start: 1, end: 4, buckets: 7 });
    const againMs = performance.now() - started;
    const decodedAgain = window.decodings - decodedFirst;
    // Beyond the summary's span (the whole stream, 0 to 6 s): decoded again.
    await media.waveform();
    return { first: first.length, same: first.every((v, i) => v === again[i]), other: other.length, firstMs, againMs,
      decodedFirst, decodedAgain, decodedBeyond: window.decodings - decodedFirst };
  });
  assert.equal(result.first, 2000, 'the default is 1000 buckets');
  assert.ok(result.same);
  assert.equal(result.other, 14);
  assert.ok(result.decodedFirst > 0);
  assert.equal(result.decodedAgain, 0, 'nothing decoded for the calls the summary answers');
  assert.ok(result.decodedBeyond > 0, 'a span beyond the summary is decoded');
  assert.ok(result.againMs * 5 < result.firstMs, `cached calls took ${result.againMs} ms, the first ${result.firstMs} ms`);
  assert.deepEqual(errors, []);
  await p.close();
});

test('a waveform aborted by its signal, of media without sound, or with bad options rejects with its code', async () => {
  const { page: p, errors } = await page();
  const result = await p.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    const code = (promise) => promise.then(() => 'resolved', (e) => `${e.name} ${e.code}: ${e.message}`);
    const media = await Media.open('/fixtures/high_bframes_moovend.mp4');
    const controller = new AbortController();
    const aborted = await code(media.waveform({ signal: controller.signal, onProgress: () => controller.abort() }));
    const out = { aborted };
    out.silent = await code((await Media.open('/fixtures/video_only.mp4')).waveform());
    for (const buckets of [0, 2.5, -1, 100001, NaN]) out[`buckets ${buckets}`] = await code(media.waveform({ buckets }));
    out.empty = await code(media.waveform({ start: 3, end: 3 }));
    out.outside = await code(media.waveform({ start: 5, end: 7 }));
    out.notNumber = await code(media.waveform({ start: 'zero' }));
    media.close();
    out.closed = await code(media.waveform());
    return out;
  });
  assert.match(result.aborted, /^ReelcutError aborted:/);
  assert.match(result.silent, /^ReelcutError out_of_range: the media has no sound/);
  for (const buckets of [0, 2.5, -1, 100001, NaN]) {
    assert.match(result[`buckets ${buckets}`], /^ReelcutError out_of_range: buckets must be a whole number from 1 to 100000/);
  }
  assert.match(result.empty, /^ReelcutError out_of_range:/);
  assert.match(result.outside, /^ReelcutError out_of_range: start < end inside the media's range \[0\.000, 6\.000\]/);
  assert.match(result.notNumber, /^ReelcutError malformed_input: start must be a number/);
  assert.match(result.closed, /^ReelcutError invalid_state:/);
  assert.deepEqual(errors, []);
  await p.close();
});

test('a dub\'s takes have waveforms: a WAV file and an AudioBuffer, against their samples', async () => {
  const { page: p, errors } = await page();
  const wav = readFileSync(join(fixtures, 'voice.wav'));
  const result = await p.evaluate(async (base64) => {
    const { Media } = await window.reelcutReady;
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const media = await Media.open('/fixtures/high_bframes_moovend.mp4');
    const dub = media.clip({ start: 1, end: 4 }).dub({ voice: new Blob([bytes]) });
    // 51200 samples of silence (10 buckets of 5120, each 20 bins of 256) with a burst filling bucket 5: +0.8 on
    // the left for its first half, -0.7 on the right for its second.
    const buffer = new AudioBuffer({ length: 51200, sampleRate: 48000, numberOfChannels: 2 });
    buffer.getChannelData(0).fill(0.8, 25600, 28160);
    buffer.getChannelData(1).fill(-0.7, 28160, 30720);
    dub.voice = buffer;
    const code = (promise) => promise.then(() => 'resolved', (e) => `${e.name} ${e.code}: ${e.message}`);
    return {
      file: Array.from(await dub.waveform({ take: 0, buckets: 375 })),
      burst: Array.from(await dub.waveform({ buckets: 10 })),
      missing: await code(dub.waveform({ take: 2 })),
      negative: await code(dub.waveform({ take: -1 })),
      buckets: await code(dub.waveform({ buckets: 0 })),
    };
  }, wav.toString('base64'));
  // The WAV's 96000 samples in 375 buckets of 256: each bucket is exactly one bin, its values the file's.
  const data = wav.subarray(44);
  const samples = new Float32Array(data.length / 2).map((_, i) => data.readInt16LE(2 * i) / 32768);
  assert.equal(samples.length, 96000);
  for (let k = 0; k < 375; k++) {
    const [low, high] = extent({ samples, channels: 1 }, 256 * k, 256 * k + 256);
    assert.ok(Math.abs(result.file[2 * k] - low) < 1e-6 && Math.abs(result.file[2 * k + 1] - high) < 1e-6,
      `bucket ${k}: [${result.file.slice(2 * k, 2 * k + 2)}], the file's [${low}, ${high}]`);
  }
  const expected = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -0.7, 0.8, 0, 0, 0, 0, 0, 0, 0, 0];
  assert.deepEqual(result.burst.map((v) => Math.round(v * 1000) / 1000), expected);
  assert.match(result.missing, /^ReelcutError out_of_range: take 2 does not exist \(2 takes\)/);
  assert.match(result.negative, /^ReelcutError out_of_range: take 4294967295 does not exist/);
  assert.match(result.buckets, /^ReelcutError out_of_range: buckets must be/);
  assert.deepEqual(errors, []);
  await p.close();
});
