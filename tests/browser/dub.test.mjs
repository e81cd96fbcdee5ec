// Dubbing in real headless Chromium: a voice imported (WAV, MP3, M4A, Opus/Ogg, an AudioBuffer) or recorded
// from a fake microphone fed by the voice fixture, laid over a clip in replace, mix and duck modes, and
// exported. Each export is read back independently: ffprobe lists its streams and packets (the video's must
// be the source's, byte for byte), ffmpeg decodes its sound, and a Goertzel filter finds where the voice's
// tones (1750 Hz for its first second, 2750 Hz for its second) and the original's (440 Hz left, 660 Hz right)
// are and how loud.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BROWSER,
  chromiumOnly,
  fixtures,
  launchChromium,
  openPage,
  pickFile,
  probe,
  serverAndBrowser,
  test,
} from './support.mjs';

const running = serverAndBrowser();
const scratch = mkdtempSync(join(tmpdir(), 'reelcut-dub-'));
const SOURCE = 'high_bframes_moovend.mp4';
const RATE = 48000;
/** Where the voice lands, within 10 ms (the issue asks 20; at 20 an M4A voice's uncut 21 ms of AAC priming
 *  passed unnoticed), and the sound's length within one Opus frame. */
const PLACEMENT_TOLERANCE = 0.01;
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

/** Seconds (from `from`) at which a `frequency` Hz tone of amplitude `level` starts: where it fills half of
 *  a 10 ms window, in 1 ms steps. */
function onset(samples, frequency, level = 0.5, from = 0) {
  const window = 0.01;
  for (let t = from; t + window < samples.length / RATE; t += 0.001) {
    if (tone(samples, frequency, t, t + window) > level / 2) return t + window / 2;
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

test('a File picked in an <input type=file> dubs (mix) to an OPFS file through a WritableStream', async () => {
  const { page, errors } = await dubPage();
  await page.evaluate(() => document.body.append(Object.assign(document.createElement('input'), { type: 'file', id: 'picker' })));
  await pickFile(page, '#picker', join(fixtures, SOURCE));
  const [start, end, at] = [1.5, 4.5, 0.5];
  const result = await page.evaluate(async ({ start, end, at, voice }) => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open(document.querySelector('#picker').files[0]);
    const root = await navigator.storage.getDirectory();
    const handle = await root.getFileHandle('dubbed.mp4', { create: true });
    const progress = [];
    const dub = media.clip({ start, end }).dub({ voice: new Blob([Uint8Array.from(atob(voice), (c) => c.charCodeAt(0))]), at, mode: 'mix' });
    const returned = await dub.export({ writable: await handle.createWritable(), onProgress: (f) => progress.push(f) });
    const written = new Uint8Array(await (await handle.getFile()).arrayBuffer());
    media.close();
    return { returned: String(returned), base64: window.toBase64(written), progress, open: window.openCodecs() };
  }, { start, end, at, voice: base64Of('voice.wav') });
  assert.equal(result.returned, 'undefined', 'resolves with undefined');
  const file = join(scratch, 'picked-dub.mp4');
  writeFileSync(file, Buffer.from(result.base64, 'base64'));
  const audio = probe(file).streams.find((s) => s.codec_type === 'audio');
  assert.equal(audio.codec_name, 'opus');
  assert.ok(Math.abs(Number(audio.duration) - (end - start)) <= AUDIO_FRAME, `audio lasts ${audio.duration}`);
  const source = videoPackets(join(fixtures, SOURCE));
  const exported = videoPackets(file);
  const first = source.findIndex(([size, hash]) => size === exported[0][0] && hash === exported[0][1]);
  assert.deepEqual(exported, source.slice(first, first + exported.length), 'the video is the source\'s');
  const sound = channel(file, 0);
  assert.ok(Math.abs(onset(sound, 1750) - at) <= PLACEMENT_TOLERANCE, `1750 Hz starts at ${onset(sound, 1750)}`);
  assert.ok(tone(sound, 440, 0.05, at - 0.05) > 0.05, 'the original (read from the File) is under it');
  assert.equal(result.progress.at(-1), 1);
  assert.ok(result.progress.every((f, i) => i === 0 || f > result.progress[i - 1]), 'progress only goes forward');
  assert.deepEqual(result.open, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('mix keeps the original at originalGain; duck lowers it only while the voice speaks', async () => {
  const { page, errors } = await dubPage();
  // The original beeps (1000 Hz, amplitude 0.3) at each whole second of the media timeline: at 0.5 s into
  // this clip, before the voice.
  const [start, end, at] = [1.5, 5.5, 0.7];
  const source = [channel(join(fixtures, SOURCE), 0), channel(join(fixtures, SOURCE), 1)];
  // The original's level over `[from, to)` of the clip, in the source.
  const original = (side, from, to) => tone(source[side], 440 + 220 * side, start + from, start + to);
  const mixed = await dub(page, { start, end, voice: { base64: base64Of('voice.wav') }, options: { at, mode: 'mix', originalGain: 0.5 }, label: 'mix' });
  assert.equal(mixed.error, undefined, JSON.stringify(mixed.error));
  const ducked = await dub(page, { start, end, voice: { base64: base64Of('voice.wav') }, options: { at, mode: 'duck', originalGain: 0.2 }, label: 'duck' });
  assert.equal(ducked.error, undefined, JSON.stringify(ducked.error));
  for (const side of [0, 1]) {
    const frequency = 440 + 220 * side;
    const mix = channel(mixed.file, side);
    assert.ok(Math.abs(onset(mix, 1750) - at) <= PLACEMENT_TOLERANCE, `mix: 1750 Hz starts at ${onset(mix, 1750)}`);
    const under = db(tone(mix, frequency, at + 0.1, at + 0.9) / original(side, at + 0.1, at + 0.9));
    assert.ok(Math.abs(under - db(0.5)) <= 1, `mix: the original is at ${under.toFixed(2)} dB under the voice`);
    const duck = channel(ducked.file, side);
    assert.ok(Math.abs(onset(duck, 1750) - at) <= PLACEMENT_TOLERANCE, `duck: 1750 Hz starts at ${onset(duck, 1750)}`);
    // Full level before the voice (the 20 ms ramp ends at `at`), 0.2 while it speaks, full again once the
    // 250 ms release after its end (at + 2 s) is over.
    // The original is where it was: its beep at the same place, to the millisecond.
    const beep = onset(source[side], 1000, 0.3, start) - start;
    assert.ok(Math.abs(onset(duck, 1000, 0.3) - beep) <= 0.002, `duck: the original's beep at ${onset(duck, 1000, 0.3)}, not ${beep}`);
    const levels = [[0.05, at - 0.03], [at + 0.1, at + 1.9], [at + 2.3, end - start - 0.05]].map(([from, to]) =>
      db(tone(duck, frequency, from, to) / original(side, from, to)));
    assert.ok(Math.abs(levels[0]) <= 1, `duck: before the voice ${levels[0].toFixed(2)} dB`);
    assert.ok(Math.abs(levels[1] - db(0.2)) <= 1, `duck: under the voice ${levels[1].toFixed(2)} dB`);
    assert.ok(Math.abs(levels[2]) <= 1, `duck: after the release ${levels[2].toFixed(2)} dB`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('MP3, M4A, Opus/Ogg and AudioBuffer voices land where WAV does; long voices and negative `at` are cut', async () => {
  const { page, errors } = await dubPage();
  const [start, end, at] = [1.5, 4.5, 0.5];
  const voices = {
    mp3: { base64: voiceAs('mp3', ['-c:a', 'libmp3lame', '-b:a', '128k']) },
    m4a: { base64: voiceAs('m4a', ['-c:a', 'aac', '-b:a', '128k']) },
    opus: { base64: base64Of('voice.opus') },
    audioBuffer: { base64: base64Of('voice.wav'), asAudioBuffer: true },
  };
  for (const [label, voice] of Object.entries(voices)) {
    const dubbed = await dub(page, { start, end, voice, options: { at }, label });
    assert.equal(dubbed.error, undefined, `${label}: ${JSON.stringify(dubbed.error)}`);
    const sound = channel(dubbed.file, 0);
    assert.ok(Math.abs(onset(sound, 1750) - at) <= PLACEMENT_TOLERANCE, `${label}: 1750 Hz starts at ${onset(sound, 1750)}`);
    assert.ok(Math.abs(onset(sound, 2750) - (at + 1)) <= PLACEMENT_TOLERANCE, `${label}: 2750 Hz starts at ${onset(sound, 2750)}`);
  }
  // A 1 s clip with the voice half a second early: its first half-second is cut, its second second is cut
  // at the clip's end.
  const cut = await dub(page, { start: 1.5, end: 2.5, voice: { base64: base64Of('voice.wav') }, options: { at: -0.5 }, label: 'cut' });
  assert.equal(cut.error, undefined, JSON.stringify(cut.error));
  const audio = probe(cut.file).streams.find((s) => s.codec_type === 'audio');
  assert.ok(Math.abs(Number(audio.duration) - 1) <= AUDIO_FRAME, `cut: audio lasts ${audio.duration}`);
  const sound = channel(cut.file, 0);
  assert.ok(tone(sound, 1750, 0.02, 0.45) > 0.4, 'cut: the voice\'s first second plays from 0');
  assert.ok(Math.abs(onset(sound, 2750) - 0.5) <= PLACEMENT_TOLERANCE, `cut: 2750 Hz starts at ${onset(sound, 2750)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('bad voices and options reject with a clear typed error', async () => {
  const { page, errors } = await dubPage();
  const wav = readFileSync(join(fixtures, 'voice.wav'));
  const adpcm = Buffer.from(wav);
  adpcm.writeUInt16LE(2, 20); // the format tag: Microsoft ADPCM
  const cases = {
    random: Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251)),
    truncatedWav: wav.subarray(0, 30),
    adpcmWav: adpcm,
    text: Buffer.from('not a sound file at all'),
  };
  const expected = { random: 'malformed_input', truncatedWav: 'malformed_input', adpcmWav: 'unsupported_codec', text: 'malformed_input' };
  for (const [label, bytes] of Object.entries(cases)) {
    const dubbed = await dub(page, { start: 1.5, end: 2.5, voice: { base64: bytes.toString('base64') }, options: {}, label });
    assert.equal(dubbed.error?.name, 'ReelcutError', `${label}: ${JSON.stringify(dubbed.error)}`);
    assert.equal(dubbed.error.code, expected[label], `${label}: ${dubbed.error.message}`);
  }
  const options = await page.evaluate(async (src) => {
    const { Media } = await window.reelcutReady;
    const clip = (await Media.open(src)).clip({ start: 1.5, end: 2.5 });
    const codeOf = async (run) => { try { await run(); return 'no error'; } catch (e) { return `${e.name}/${e.code}`; } };
    return {
      mode: await codeOf(() => clip.dub({ mode: 'karaoke' })),
      gain: await codeOf(() => clip.dub({ mode: 'duck', originalGain: 2 })),
      at: await codeOf(() => clip.dub({ at: 'soon' })),
      voice: await codeOf(() => clip.dub({ voice: 42 })),
      noVoice: await codeOf(() => clip.dub({}).export()),
      take: await codeOf(() => { clip.dub({}).take = 3; }),
      stop: await codeOf(() => clip.dub({}).stop()),
    };
  }, `/fixtures/${SOURCE}`);
  assert.deepEqual(options, {
    mode: 'ReelcutError/malformed_input',
    gain: 'ReelcutError/out_of_range',
    at: 'ReelcutError/malformed_input',
    voice: 'ReelcutError/malformed_input',
    noVoice: 'ReelcutError/malformed_input',
    take: 'ReelcutError/out_of_range',
    stop: 'ReelcutError/unsupported',
  });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the Opus-in-MP4 export plays in the player and in the browser\'s <video>; a moved voice previews and exports without re-importing', async () => {
  const { page, errors } = await dubPage();
  const result = await page.evaluate(async ({ src, wav }) => {
    const { Media, Player } = await window.reelcutReady;
    const bytes = Uint8Array.from(atob(wav), (c) => c.charCodeAt(0));
    const dub = (await Media.open(src)).clip({ start: 1.5, end: 4.5 }).dub({ voice: new Blob([bytes]), at: 0.5, mode: 'mix' });
    const first = await dub.export();
    // The preview: the dubbed clip as a Media, played by the library's player.
    dub.at = 1.25;
    const preview = await dub.preview();
    const player = new Player(document.getElementById('screen'));
    await player.load(preview);
    await player.play();
    await new Promise((resolve) => setTimeout(resolve, 800));
    const played = { time: player.currentTime, error: player.error, duration: preview.duration, tracks: preview.tracks.map((t) => t.codec) };
    player.pause();
    const moved = await dub.export();
    // The browser's own element: it plays the Opus track to the end.
    const video = document.createElement('video');
    video.src = URL.createObjectURL(new Blob([first], { type: 'video/mp4' }));
    await new Promise((resolve, reject) => { video.oncanplay = resolve; video.onerror = () => reject(new Error(video.error?.message)); });
    await video.play();
    await new Promise((resolve, reject) => { video.onended = resolve; video.onerror = () => reject(new Error(video.error?.message)); });
    return {
      played,
      element: { duration: video.duration, audioBytes: video.webkitAudioDecodedByteCount, error: video.error },
      takes: dub.takes,
      first: window.toBase64(first),
      moved: window.toBase64(moved),
    };
  }, { src: `/fixtures/${SOURCE}`, wav: base64Of('voice.wav') });
  assert.ok(result.played.time > 0.3 && result.played.error === null, `player: ${JSON.stringify(result.played)}`);
  // (The library's demuxer takes a track's length from its samples, not from the edit list's end: the
  // hidden reference frame after the last B-frames adds one video frame.)
  assert.ok(result.played.duration >= 3 && result.played.duration - 3 <= 1 / 30 + 1e-6, `preview lasts ${result.played.duration}`);
  assert.deepEqual(result.played.tracks.slice(1), ['opus']);
  // Firefox's element reports the video track's whole length, the frames the edit list hides before the
  // clip's start (from the keyframe at 1.0 s) included.
  const slack = BROWSER === 'firefox' ? 0.5 + 1 / 30 + 1e-6 : 1 / 30 + 1e-6;
  assert.ok(result.element.duration >= 3 - 1e-6 && result.element.duration - 3 <= slack && result.element.error === null,
    `<video>: ${JSON.stringify(result.element)}`);
  // (Only Chromium counts the audio bytes its element decoded.)
  if (BROWSER === 'chromium') assert.ok(result.element.audioBytes > 0, '<video> decoded the Opus track');
  assert.deepEqual(result.takes, [{ at: 1.25, duration: 2 }]);
  for (const [label, at] of [['first', 0.5], ['moved', 1.25]]) {
    const file = join(scratch, `preview-${label}.mp4`);
    writeFileSync(file, Buffer.from(result[label], 'base64'));
    const sound = channel(file, 0);
    assert.ok(Math.abs(onset(sound, 1750) - at) <= PLACEMENT_TOLERANCE, `${label}: 1750 Hz starts at ${onset(sound, 1750)}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('a take recorded from the (fake) microphone while the clip plays is kept, placed and exported; takes switch',
  chromiumOnly('the microphone is played from a file through Chromium\'s fake-device flags'), async () => {
  // A second browser whose microphone plays the voice fixture in a loop (1750 Hz, then 2750 Hz, each 1 s).
  const browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${join(fixtures, 'voice.wav')}`]);
  try {
    const { page, errors } = await dubPage(browser);
    const result = await page.evaluate(async ({ src, wav }) => {
      const { Media, Player } = await window.reelcutReady;
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const media = await Media.open(src);
      const player = new Player(document.getElementById('screen'));
      await player.load(media);
      const bytes = Uint8Array.from(atob(wav), (c) => c.charCodeAt(0));
      const dub = media.clip({ start: 1.5, end: 4.5 }).dub({ voice: new Blob([bytes]), at: 0.25 });
      await dub.record(stream, player);
      const playing = !player.paused;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const index = await dub.stop();
      const recorded = { index, take: dub.take, paused: player.paused, playing, at: dub.at };
      const exported = await dub.export();
      // Back to the imported voice: its own `at` comes with it.
      dub.take = 0;
      const imported = { take: dub.take, at: dub.at };
      stream.getTracks().forEach((track) => track.stop());
      return { recorded, imported, takes: dub.takes, base64: window.toBase64(exported) };
    }, { src: `/fixtures/${SOURCE}`, wav: base64Of('voice.wav') });
    const { recorded, imported, takes } = result;
    assert.deepEqual({ index: recorded.index, take: recorded.take, playing: recorded.playing, paused: recorded.paused },
      { index: 1, take: 1, playing: true, paused: true });
    assert.deepEqual(imported, { take: 0, at: 0.25 });
    assert.equal(takes.length, 2);
    // 2.5 s of recording (plus the time to start the clip), placed where the clip's start was heard: capture
    // starts just before the clip plays, so the take begins a little before the clip.
    assert.ok(takes[1].duration > 2.4 && takes[1].duration < 3.5, `the take lasts ${takes[1].duration} s`);
    assert.ok(takes[1].at <= 0 && takes[1].at > -1, `the take starts at ${takes[1].at} s`);
    assert.equal(recorded.at, takes[1].at);
    // The export holds the microphone's sound (the fixture's tones) from the clip's start to the end of the
    // take, and silence after it (replace mode).
    const file = join(scratch, 'recorded.mp4');
    writeFileSync(file, Buffer.from(result.base64, 'base64'));
    const sound = channel(file, 0);
    const voiceAt = (from, to) => Math.max(tone(sound, 1750, from, to), tone(sound, 2750, from, to));
    const end = takes[1].at + takes[1].duration;
    assert.ok(voiceAt(0.05, end - 0.5) > 0.2, `the recorded voice is in the export (${voiceAt(0.05, end - 0.5)})`);
    assert.ok(voiceAt(end + 0.05, 3) < 0.01, `silence after the take (${voiceAt(end + 0.05, 3)})`);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await browser.close();
  }
});


test('dub.level rises above 0 while recording from the (fake) microphone, and is 0 before and after',
  chromiumOnly('the microphone is played from a file through Chromium\'s fake-device flags'), async () => {
  // The fake microphone plays the voice fixture (0.5 sines) in a loop.
  const browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${join(fixtures, 'voice.wav')}`]);
  try {
    const { page: p, errors } = await openPage(browser, running.server.base, '/tests/browser/pages/export.html');
    const result = await p.evaluate(async () => {
      const { Media, Player } = await window.reelcutReady;
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const media = await Media.open('/fixtures/high_bframes_moovend.mp4');
      const player = new Player(document.getElementById('screen'));
      await player.load(media);
      const dub = media.clip({ start: 1, end: 4 }).dub();
      const before = dub.level;
      await dub.record(stream, player);
      const levels = [];
      for (let i = 0; i < 15; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        levels.push(dub.level);
      }
      await dub.stop();
      const after = dub.level;
      stream.getTracks().forEach((track) => track.stop());
      return { before, levels, after };
    });
    assert.equal(result.before, 0);
    assert.equal(result.after, 0);
    const peak = Math.max(...result.levels);
    // The file's 0.5 sines, through Chromium's fake capture (which scales them, up to a little past full scale).
    assert.ok(peak > 0.2 && peak <= 1.2, `levels while recording: ${result.levels}`);
    assert.ok(result.levels.filter((level) => level > 0.2).length >= 10, `the meter moves all along: ${result.levels}`);
    assert.deepEqual(errors, []);
    await p.close();
  } finally {
    await browser.close();
  }
});
