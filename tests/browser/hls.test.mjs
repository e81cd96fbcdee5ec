// HLS in the player, in real headless Chromium: VOD playlists (MPEG-TS, fMP4, master) and the simulated live
// broadcast of the dev server, checked by reading the frame-index barcode of the fixtures from the canvas.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BROWSER,
  chromiumOnly,
  liveFrameAt,
  liveZero,
  openPage,
  playerPage as openPlayerPage,
  probe,
  seekAndRead,
  serverAndBrowser,
  test,
  videoStartOf,
} from './support.mjs';

const running = serverAndBrowser();
const scratch = mkdtempSync(join(tmpdir(), 'reelcut-hls-'));
const playerPage = () => openPlayerPage(running);

const FPS = 30;

test('first frame of HLS-TS, HLS-fMP4 and a master playlist', async () => {
  const { page, errors } = await playerPage();
  for (const src of ['/fixtures/hls_ts/index.m3u8', '/fixtures/hls_fmp4/index.m3u8', '/fixtures/hls_master/index.m3u8']) {
    const [shown] = await seekAndRead(page, src, [0]);
    assert.deepEqual(shown, { frame: 0, currentTime: 0 }, src);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('HLS frame-exact seeks: 20 random times show the frame whose interval holds t', async () => {
  const { page, errors } = await playerPage();
  let seed = 777;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const times = Array.from({ length: 20 }, () => Math.round(random() * 5.9 * 1000) / 1000);
  for (const name of ['hls_ts/index.m3u8', 'hls_fmp4/index.m3u8']) {
    // Time 0 is the earliest track's start (the audio, one AAC frame before the video in these files).
    const videoStart = videoStartOf(name);
    const seen = await seekAndRead(page, `/fixtures/${name}`, times);
    const expected = times.map((t) => Math.max(0, Math.floor((t - videoStart) * FPS + 1e-9)));
    assert.deepEqual(seen.map((s) => s.frame), expected, `${name} at ${times.join(', ')}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('HLS playback: frames follow the audio clock in order, sound is scheduled, the end fires ended', async () => {
  const { page, errors } = await playerPage();
  const videoStart = videoStartOf('hls_ts/index.m3u8');
  const run = await page.evaluate(async () => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const player = new Player(canvas);
    const events = [];
    for (const kind of ['play', 'playing', 'waiting', 'ended', 'error']) player.addEventListener(kind, () => events.push(kind));
    await player.load(await Media.open('/fixtures/hls_ts/index.m3u8'));
    const ended = new Promise((resolve) => player.addEventListener('ended', resolve));
    const played = performance.now();
    await player.play();
    const seen = [];
    while (!player.ended) {
      await new Promise((resolve) => requestAnimationFrame(resolve));
      if (!player.ended) seen.push({ frame: window.readBarcode(canvas), time: player.currentTime });
    }
    await ended;
    const audio = window.audioStats();
    return { seen, events, audio, soundAfter: (audio.first - played) / 1000, end: { frame: window.readBarcode(canvas), time: player.currentTime }, dropped: player.droppedFrames };
  });
  for (let i = 1; i < run.seen.length; i++) {
    assert.ok(run.seen[i].frame >= run.seen[i - 1].frame, `frame ${run.seen[i].frame} after ${run.seen[i - 1].frame}`);
  }
  assert.ok(new Set(run.seen.map((s) => s.frame)).size > 150, 'most of the 180 frames were shown');
  // The picture on screen is the frame of the clock's time (the clock is the audio's): within one frame.
  const offsets = run.seen.slice(5).map((s) => s.frame - Math.floor((s.time - videoStart) * FPS));
  assert.ok(offsets.every((d) => Math.abs(d) <= 1), `A/V offsets in frames: ${[...new Set(offsets)]}`);
  // The sound went out through a running AudioContext, within a second of play() (the page's audio device
  // already running: see openPage; its first start is tested in audio_join.test.mjs).
  assert.equal(run.audio.state, 'running');
  assert.ok(run.soundAfter < (BROWSER === 'firefox' ? 1 : 0.5), `the first sound came ${run.soundAfter} s after play()`);
  assert.ok(run.audio.seconds > 6 - run.soundAfter - 0.2, `${run.audio.seconds} s of sound for 6 s, the first ${run.soundAfter} s after play()`);
  assert.deepEqual(run.end, { frame: 179, time: 6 });
  assert.deepEqual([...new Set(run.events)], ['play', 'playing', 'ended']);
  console.log(`HLS playback (${BROWSER}): ${run.dropped} frames dropped, A/V offsets ${[...new Set(offsets)]} frames, first sound ${run.soundAfter.toFixed(3)} s after play()`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('live: starts three target durations behind the edge, follows it, seeks back 20 s, goes live again', async () => {
  const { page, errors } = await playerPage();
  const url = `/live/hls_ts/index.m3u8?window=15&session=follow${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const media = await Media.open(url);
    const player = new Player(canvas, { muted: true });
    let windowChanges = 0;
    player.addEventListener('livewindowchange', () => windowChanges++);
    await player.load(media);
    const joined = { time: player.currentTime, seekable: player.seekable, live: media.isLive };
    await player.play();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const following = { time: player.currentTime, seekable: player.seekable, windowChanges, paused: player.paused };
    const back = following.time - 20;
    await player.seek(back);
    const sought = { time: player.currentTime, wall: media.wallClockAt(player.currentTime), frame: window.readBarcode(canvas) };
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const replaying = { time: player.currentTime, wall: media.wallClockAt(player.currentTime), frame: window.readBarcode(canvas) };
    await player.goLive();
    const live = { time: player.currentTime, seekable: player.seekable };
    player.pause();
    return { joined, following, sought, replaying, live };
  }, url);
  const zero = await liveZero(running.server.base, url);
  const { joined, following, sought, replaying, live } = run;
  assert.equal(joined.live, true);
  // 15 segments of 2 s are published at the start; play starts 6 s (3 target durations) before the end.
  assert.deepEqual(joined.seekable, { start: 0, end: 30 });
  assert.equal(joined.time, 24);
  // Five seconds later: the window slid by two or three segments and the player kept pace with it.
  assert.ok(following.seekable.end >= 34 && following.seekable.start >= 4, `window ${JSON.stringify(following.seekable)}`);
  assert.equal(following.seekable.end - following.seekable.start, 30);
  assert.ok(following.windowChanges >= 2, `${following.windowChanges} livewindowchange events`);
  assert.ok(following.time > 27.5 && following.time < 30, `played to ${following.time}`);
  assert.equal(following.paused, false);
  // 20 s back into the replay: the frame that was broadcast then. Within a frame: a segment's samples are
  // placed by the domain's earliest (audio) timestamp, up to one AAC frame (21 ms) before its video.
  assert.ok(Math.abs(sought.time - (following.time - 20)) < 1e-9);
  assert.ok(Math.abs(sought.frame - liveFrameAt(sought.wall, zero)) <= 1, `frame ${sought.frame}, broadcast ${liveFrameAt(sought.wall, zero)}`);
  assert.ok(replaying.time > sought.time + 0.5, 'playing goes on in the replay');
  assert.ok(Math.abs(replaying.frame - liveFrameAt(replaying.wall, zero)) <= 2, `frame ${replaying.frame}, broadcast ${liveFrameAt(replaying.wall, zero)}`);
  // Back to the live edge: 6 s before the end of the window as it was when goLive ran (a reload may have
  // published one more segment while the frame was being decoded).
  const behind = live.seekable.end - live.time;
  assert.ok(Math.abs(behind - 6) < 0.01 || Math.abs(behind - 8) < 0.01, `live at ${live.time} of ${JSON.stringify(live.seekable)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('LL-HLS: plays parts about a second behind the edge with blocking and delta reloads; a clip takes the newest parts', async () => {
  const { page, errors } = await playerPage();
  const requests = [];
  page.on('request', (request) => {
    const range = Object.entries(request.headers()).find(([name]) => name.toLowerCase() === 'range');
    requests.push({ url: request.url(), range: range?.[1] ?? null });
  });
  const url = `/live/hls_ts/index.m3u8?part=0.333&window=40&session=ll${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const media = await Media.open(url);
    const player = new Player(canvas, { muted: true });
    let waiting = 0;
    player.addEventListener('waiting', () => waiting++);
    await player.load(media);
    const joined = { time: player.currentTime, seekable: player.seekable };
    await player.play();
    const samples = [];
    for (let i = 0; i < 12; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const wall = media.wallClockAt(player.currentTime);
      samples.push({ latency: Date.now() - wall, wall, frame: window.readBarcode(canvas) });
    }
    player.pause();
    // The newest three seconds, while live, once the end lies in parts of a segment not yet complete.
    while (media.seekable.end % 2 < 0.1) await new Promise((resolve) => setTimeout(resolve, 50));
    const { end } = media.seekable;
    const clip = media.clip({ start: end - 3, end });
    const bytes = await clip.export({ mode: 'keyframe' });
    const seekable = media.seekable;
    player.destroy();
    media.close();
    return { joined, samples, waiting, clipEnd: end, clip: Array.from(bytes), seekable };
  }, url);
  const zero = await liveZero(running.server.base, url);
  // 40 segments of 2 s are out at the start; play starts PART-HOLD-BACK (1.002 s) before the newest part.
  assert.ok(Math.abs(run.joined.seekable.end - run.joined.time - 1.002) < 1e-6, JSON.stringify(run.joined));
  const latencies = run.samples.map((s) => s.latency);
  assert.ok(Math.max(...latencies.slice(2)) < 2000, `latencies ${latencies}`);
  assert.equal(run.waiting, 0);
  // The pictures are the broadcast's at the time shown (a frame of slack for the sampling).
  for (const { wall, frame } of run.samples) {
    assert.ok(Math.abs(frame - liveFrameAt(wall, zero)) <= 1, `frame ${frame}, broadcast ${liveFrameAt(wall, zero)}`);
  }
  // Blocking reloads for the next part, delta updates, and parts fetched as byte ranges.
  const reloads = requests.filter((r) => r.url.includes('index.m3u8') && r.url.includes('_HLS_msn='));
  assert.ok(reloads.length >= 12, `${reloads.length} blocking reloads`);
  assert.ok(reloads.every((r) => /_HLS_part=\d+/.test(r.url)), 'every reload names the next part');
  assert.ok(reloads.some((r) => r.url.includes('_HLS_skip=YES')), 'delta updates');
  const ranged = requests.filter((r) => /\/hls_ts\/\d+\.ts\?o=\d+$/.test(r.url) && r.range);
  assert.ok(ranged.length >= 12, `${ranged.length} part requests`);
  // The clip holds the three seconds up to the newest part: its video lasts 3 s from the keyframe before.
  const file = join(scratch, 'll-clip.mp4');
  writeFileSync(file, Buffer.from(run.clip));
  const video = probe(file).streams.find((s) => s.codec_type === 'video');
  assert.ok(Number(video.duration) >= 3 - 1 / FPS && Number(video.duration) <= 4 + 1 / FPS, `clip video ${video.duration} s`);
  assert.ok(run.clipEnd % 2 > 1e-6, `the clip ends inside a segment (${run.clipEnd} s)`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('live: a 404, a truncated and a corrupt segment are skipped with non-fatal error events; playback goes on', async () => {
  const { page, errors } = await playerPage();
  // Six segments at the start (0-5); play starts in segment 3; 4 answers 404, 5 is cut off halfway, 6
  // arrives whole but with every byte flipped.
  const url = `/live/hls_ts/index.m3u8?window=6&fail404=4&truncate=5&garble=6&session=faults${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const player = new Player(canvas, { muted: true });
    const events = [];
    for (const kind of ['playing', 'waiting', 'error']) {
      player.addEventListener(kind, () => events.push(kind === 'error' ? { kind, code: player.error.code, fatal: player.error.fatal } : kind));
    }
    await player.load(await Media.open(url));
    await player.play();
    const frames = [];
    const started = performance.now();
    while (performance.now() - started < 8000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      frames.push({ time: player.currentTime, frame: window.readBarcode(canvas) });
    }
    return { events, frames, paused: player.paused };
  }, url);
  const errorEvents = run.events.filter((e) => e.kind === 'error');
  assert.deepEqual(errorEvents, [
    { kind: 'error', code: 'network', fatal: false },
    { kind: 'error', code: 'network', fatal: false },
    // The segment demuxer finds neither MPEG-TS nor fMP4 in the flipped bytes.
    { kind: 'error', code: 'unsupported_codec', fatal: false },
  ]);
  assert.equal(run.paused, false);
  const last = run.frames.at(-1);
  // Past the three lost segments (media time 8-14 s) and into segment 7 and later.
  assert.ok(last.time > 14.5, `stuck at ${last.time}: ${JSON.stringify(run.frames.map((f) => f.time.toFixed(2)))} ${JSON.stringify(run.events)}`);
  assert.ok(run.events.includes('playing'));
  // The server answered 404 and cut a body short: those are the only failed requests the page saw.
  const expectedFailures = /HTTP 404: .*\/4\/seg1\.ts|status of 404|ERR_CONTENT_LENGTH_MISMATCH/;
  assert.ok(errors.every((e) => expectedFailures.test(e)), errors.join('\n'));
  await page.close();
});

test('master playlist: down to the lower variant while downloads are slow (its resolution reconfigures the decoder), back up once they are fast', async () => {
  const { page, errors } = await playerPage();
  const segments = [];
  page.on('request', (request) => {
    const match = request.url().match(/\/live\/(hls_ts|hls_low)\/(\d+)\/seg\d\.ts/);
    if (match) segments.push({ variant: match[1], sequence: Number(match[2]), at: Date.now() });
  });
  // 400 kbit/s for the first 6 s of the broadcast (a 640x360 segment, about 1 Mbit, takes 2.6 s: the 210 kbit/s
  // variant is the one that fits), then the full speed of localhost.
  const url = `/live/hls_master/index.m3u8?kbps=400&kbps_until=6&session=updown${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const media = await Media.open(url);
    const player = new Player(canvas, { muted: true });
    const fatal = [];
    player.addEventListener('error', () => player.error.fatal && fatal.push(player.error.message));
    await player.load(media);
    await player.play();
    const frames = [];
    const started = performance.now();
    while (performance.now() - started < 16000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      frames.push({ time: player.currentTime, frame: window.readBarcode(canvas) });
    }
    player.destroy();
    media.close();
    return { frames, fatal };
  }, url);
  assert.deepEqual(run.fatal, []);
  const order = segments.map((s) => s.variant);
  assert.equal(order[0], 'hls_ts', 'starts with the first variant');
  const down = order.indexOf('hls_low');
  assert.ok(down > 0, `down to the low variant: ${order}`);
  const up = order.indexOf('hls_ts', down);
  assert.ok(up > down, `back up to the high variant once fast: ${order}`);
  // Playback went on across both switches (pictures of each size, each decoder reconfigured): new frames
  // to the end.
  const late = run.frames.slice(-8).map((f) => f.frame);
  assert.ok(new Set(late).size >= 5, `frames at the end: ${late}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the dev server\'s separate audio rendition (audio=separate, LL-HLS) as hls.js 1.7.4 plays it: two tracks listed, audio from the default, then from the other', chromiumOnly('hls.js is the reference player here'), async () => {
  // reelcut plays a variant's own segments only (README: audio renditions wait for room in the wasm): this
  // keeps the stream the player's renditions will be tested on honest against a reference player.
  const { page, errors } = await openPage(running.browser, running.server.base, '/tests/bench/pages/player.html');
  const url = `/live/hls_master/index.m3u8?audio=separate&part=0.333&session=altaudio${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    const video = document.getElementById('video');
    const hls = new window.Hls({ lowLatencyMode: true });
    const seen = { audio: [], video: 0, fatal: [], buffers: [] };
    hls.on(window.Hls.Events.FRAG_BUFFERED, (_, { frag }) => {
      if (frag.type === 'audio') seen.audio.push(frag.level);
      else seen.video++;
    });
    hls.on(window.Hls.Events.ERROR, (_, data) => data.fatal && seen.fatal.push(data.details));
    hls.on(window.Hls.Events.BUFFER_CREATED, (_, data) => { seen.buffers = Object.keys(data.tracks).sort(); });
    hls.attachMedia(video);
    hls.loadSource(url);
    await new Promise((resolve) => hls.on(window.Hls.Events.MANIFEST_PARSED, resolve));
    const tracks = hls.audioTracks.map((t) => ({ name: t.name, lang: t.lang, default: t.default }));
    video.muted = true;
    await video.play();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const played = video.currentTime;
    const switched = new Promise((resolve) => hls.once(window.Hls.Events.AUDIO_TRACK_SWITCHED, (_, data) => resolve(data.id)));
    const before = seen.audio.length;
    hls.audioTrack = 1;
    const id = await Promise.race([switched, new Promise((resolve) => setTimeout(() => resolve('no switch in 6 s'), 6000))]);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const result = { tracks, id, played, later: video.currentTime, ...seen, beforeSwitch: seen.audio.slice(0, before), afterSwitch: seen.audio.slice(before) };
    hls.destroy();
    return result;
  }, url);
  assert.deepEqual(run.tracks, [{ name: 'English', lang: 'en', default: true }, { name: 'Deutsch', lang: 'de', default: false }]);
  assert.deepEqual(run.buffers, ['audio', 'video']);
  assert.deepEqual(run.fatal, []);
  assert.ok(run.audio.length >= 3 && run.video >= 3, `${run.audio.length} audio and ${run.video} video parts buffered`);
  assert.ok(run.beforeSwitch.every((track) => track === 0), `audio from tracks ${run.beforeSwitch} before the switch`);
  assert.equal(run.id, 1);
  assert.ok(run.afterSwitch.includes(1), `audio buffered after the switch from tracks ${run.afterSwitch}`);
  assert.ok(run.later - run.played > 1.5, `played from ${run.played} to ${run.later}`);
  assert.deepEqual(errors, []);
  await page.close();
});
