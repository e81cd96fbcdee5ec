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
  // The picture on screen is the frame of the clock's time (the clock is the audio's): never more than one
  // frame ahead of it, and within one frame at nine samples in ten (on a loaded machine the pictures may
  // fall behind for a moment, as they do in Firefox here).
  const offsets = run.seen.slice(5).map((s) => s.frame - Math.floor((s.time - videoStart) * FPS));
  const within = offsets.filter((d) => Math.abs(d) <= 1).length;
  assert.ok(offsets.every((d) => d <= 1) && within >= 0.9 * offsets.length,
    `A/V offsets in frames: ${[...new Set(offsets)]} (${within} of ${offsets.length} within one)`);
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
  // 15 segments of 2 s are published at the start; play starts 6 s (3 target durations) behind the live
  // edge: the end listed, plus the time since the playlist arrived (a target duration at most).
  assert.deepEqual(joined.seekable, { start: 0, end: 30 });
  assert.ok(joined.time >= 24 && joined.time <= 26, `joined at ${joined.time}`);
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
  // Back to the live edge: 6 s behind it, 4 to 6 s before the end of the window as it was when goLive ran
  // (6 to 8 s: a reload may have published one more segment while the frame was being decoded).
  const behind = live.seekable.end - live.time;
  assert.ok(behind > 4 - 0.01 && behind < 8 + 0.01, `live at ${live.time} of ${JSON.stringify(live.seekable)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('live: across the broadcast\'s loop restarts (discontinuities) each block of sound keeps its packet\'s time, so the pictures that follow the sound keep theirs', async () => {
  const { page, errors } = await playerPage();
  const url = `/live/hls_ts/index.m3u8?window=15&session=restarts${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    // Every AudioDecoder the library makes, with the times of the chunks it was given and of the sound it gave.
    const decoders = [];
    const Native = window.AudioDecoder;
    window.AudioDecoder = class extends Native {
      constructor(init) {
        const seen = { inputs: [], outputs: [] };
        super({ output: (data) => { seen.outputs.push(data.timestamp); init.output(data); }, error: init.error });
        this.seen = seen;
        decoders.push(seen);
      }
      decode(chunk) {
        this.seen.inputs.push(chunk.timestamp);
        return super.decode(chunk);
      }
    };
    const { Media, Player } = await window.reelcutReady;
    const media = await Media.open(url);
    const player = new Player(document.getElementById('screen'));
    await player.load(media);
    await player.play();
    const started = player.currentTime;
    // The broadcast loops its 6 s fixture: two or three restarts in 14 s.
    await new Promise((resolve) => setTimeout(resolve, 14000));
    const played = player.currentTime - started;
    player.destroy();
    media.close();
    window.AudioDecoder = Native;
    return { played, decoders };
  }, url);
  assert.ok(run.played > 12, `played ${run.played} s`);
  const outputs = run.decoders.reduce((n, d) => n + d.outputs.length, 0);
  assert.ok(outputs > 500, `${outputs} blocks of sound decoded`);
  // Off by the jump, a block would be 37 ms after its packet's time (the fixture's sound overlaps its loop
  // restart by 37 ms): no packet within 1 ms.
  const strays = [];
  for (const { inputs, outputs } of run.decoders) {
    for (const time of outputs) {
      if (!inputs.some((input) => Math.abs(input - time) <= 1000)) strays.push(time);
    }
  }
  assert.deepEqual(strays.slice(0, 5), [], `${strays.length} of ${outputs} blocks of sound at no packet's time`);
  assert.ok(run.decoders.length >= 3, `a decoder for each stretch between restarts: ${run.decoders.length}`);
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
  // 40 segments of 2 s are out at the start; play starts PART-HOLD-BACK (1.002 s) behind the live edge: the
  // end of the newest part listed, plus the time since the playlist arrived (a part target at most).
  const behindListed = run.joined.seekable.end - run.joined.time;
  assert.ok(behindListed <= 1.002 + 1e-6 && behindListed >= 1.002 - 0.334 - 1e-6, JSON.stringify(run.joined));
  const latencies = run.samples.map((s) => s.latency);
  assert.ok(Math.max(...latencies.slice(2)) < 2000, `latencies ${latencies}`);
  assert.equal(run.waiting, 0);
  // The pictures are the broadcast's at the time shown (a frame of slack for the sampling; two behind on a
  // loaded machine, whose animation frames may come late), never ahead of it by more than one.
  for (const { wall, frame } of run.samples) {
    const off = frame - liveFrameAt(wall, zero);
    assert.ok(off <= 1 && off >= -2, `frame ${frame}, broadcast ${liveFrameAt(wall, zero)}`);
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

test('LL-HLS catch-up: behind after a pause, the player plays 1.05x (sound too) until back at PART-HOLD-BACK, without a jump', async () => {
  const { page, errors } = await playerPage();
  // The least PART-HOLD-BACK RFC 8216bis allows: two part targets, 0.668 s.
  const hold = 0.668;
  const url = `/live/hls_ts/index.m3u8?part=0.333&window=12&hold=2&session=catchup${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const media = await Media.open(url);
    const player = new Player(canvas, { muted: true });
    const events = [];
    const started = performance.now();
    for (const kind of ['ratechange', 'waiting', 'pause', 'play', 'playing']) {
      player.addEventListener(kind, () => events.push({ kind, at: performance.now() - started, rate: player.playbackRate }));
    }
    await player.load(media);
    await player.play();
    // Each sample after the frame's animation callbacks (the player's included), with that frame's time, so
    // that the media time shown and the time it is shown at are the player's own pair.
    const samples = [];
    let lastBarcode = 0;
    const sample = async (phase) => {
      const frameTime = await new Promise((resolve) => requestAnimationFrame((t) => setTimeout(() => resolve(t), 0)));
      const time = player.currentTime;
      const wall = media.wallClockAt(time);
      // Pictures from the first frame drawn on.
      const read = frameTime - lastBarcode > 200 && events.some((e) => e.kind === 'playing');
      if (read) lastBarcode = frameTime;
      samples.push({ phase, at: frameTime - started, time, wall, latency: Date.now() - wall, rate: player.playbackRate, frame: read ? window.readBarcode(canvas) : null });
    };
    const sampleFor = async (ms, phase, done = () => false) => {
      const until = performance.now() + ms;
      while (performance.now() < until && !done()) await sample(phase);
    };
    await sampleFor(4000, 'joined');
    const settled = samples.at(-1).latency;
    // Behind by the pause and the start-up after it.
    player.pause();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const resumed = performance.now() - started;
    const soundBefore = window.audioStarts().length;
    await player.play();
    const caughtUp = () => {
      const after = events.filter((e) => e.kind === 'ratechange' && e.at > resumed);
      return after.some((e) => e.rate > 1) && after.at(-1).rate === 1;
    };
    await sampleFor(30000, 'catching up', caughtUp);
    await sampleFor(2000, 'caught up');
    player.destroy();
    media.close();
    return { events, samples, settled, resumed, soundBefore, audio: window.audioStarts() };
  }, url);
  const zero = await liveZero(running.server.base, url);
  const rates = run.events.filter((e) => e.kind === 'ratechange');
  const after = rates.filter((e) => e.at > run.resumed);
  const summary = `rate changes ${JSON.stringify(rates.map((e) => [Math.round(e.at), e.rate]))}, settled at ${run.settled} ms`;
  // Behind after the pause, it played faster, then at 1 again.
  assert.ok(after.some((e) => e.rate === 1.05), summary);
  assert.equal(after.at(-1)?.rate, 1, summary);
  assert.equal(run.events.filter((e) => e.kind === 'waiting').length, 0, 'no stall');
  // The media time shown never jumps: from one frame to the next it advances at most 1.05 times the time
  // between them, and two frames (1/15 s) of slack for the audio clock's steps.
  const playing = (a, b) => a.phase === b.phase || (a.phase === 'catching up' && b.phase === 'caught up');
  let jumps = 0;
  for (let i = 1; i < run.samples.length; i++) {
    const [a, b] = [run.samples[i - 1], run.samples[i]];
    if (!playing(a, b)) continue;
    const advance = b.time - a.time;
    assert.ok(advance >= 0, `currentTime went back from ${a.time} to ${b.time}`);
    if (advance > ((b.at - a.at) / 1000) * 1.05 + 2 / 30) jumps++;
  }
  assert.equal(jumps, 0, 'currentTime jumped forward');
  // The picture is the broadcast's frame at the time shown: within a frame (the sampling), two at times (a
  // frame decoded late on this shared machine).
  const read = run.samples.filter((s) => s.frame !== null);
  assert.ok(read.length > 50, `${read.length} frames read`);
  const offsets = read.map(({ wall, frame }) => frame - liveFrameAt(wall, zero));
  assert.ok(offsets.every((d) => Math.abs(d) <= 2), `picture offsets in frames: ${offsets}`);
  assert.ok(offsets.filter((d) => Math.abs(d) <= 1).length >= 0.9 * read.length, `picture offsets in frames: ${offsets}`);
  // The sound played faster too, each buffer starting where the one before ended at its rate: no gap, no
  // overlap (past the pause, where the sound starts again), also at each restart of the broadcast's loop,
  // whose sound begins 37 ms before the last loop's ends (Firefox's decoder keeps those times).
  const starts = run.audio;
  assert.ok(starts.some((s) => s.rate === Math.fround(1.05)), 'sound scheduled at 1.05x');
  let contiguous = 0;
  let fast = 0;
  for (let i = 1; i < starts.length; i++) {
    if (i === run.soundBefore) continue;
    const [a, b] = [starts[i - 1], starts[i]];
    const end = a.when + (a.duration - a.offset) / a.rate;
    assert.ok(b.when > end - 1e-4, `sound overlaps: ${JSON.stringify([a, b])}`);
    if (Math.abs(b.when - end) < 1e-4) {
      contiguous++;
      if (a.rate > 1) fast++;
    }
  }
  assert.ok(contiguous >= 0.95 * (starts.length - 2), `${contiguous} of ${starts.length - 2} sound buffers follow on`);
  assert.ok(fast > 100, `${fast} buffers at 1.05x follow on`);
  // Back on target: PART-HOLD-BACK from the edge (and the goal of at most 1 s).
  const latencies = run.samples.filter((s) => s.phase === 'caught up').map((s) => s.latency).sort((a, b) => a - b);
  const median = latencies[latencies.length >> 1] / 1000;
  console.log(`LL-HLS catch-up: ${summary}; latency once caught up ${median.toFixed(3)} s`);
  assert.ok(median > hold - 0.05 && median < hold + 0.1, `latency ${median} s once caught up; ${summary}`);
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

test('LL-HLS: a segment published as a gap (EXT-X-GAP, its parts GAP=YES) is passed over with a non-fatal error; playback goes on past it', async () => {
  const { page, errors } = await playerPage();
  // Six segments of backlog (0-5), then one every 2 s; segment 8 (16-18 s) is a gap, published 4-6 s in.
  const url = `/live/hls_ts/index.m3u8?part=0.333&gap=8&session=gap${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const player = new Player(canvas, { muted: true });
    const events = [];
    player.addEventListener('error', () => events.push({ code: player.error.code, fatal: player.error.fatal, message: player.error.message }));
    await player.load(await Media.open(url));
    await player.play();
    const times = [];
    const started = performance.now();
    while (performance.now() - started < 9000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      times.push(player.currentTime);
    }
    const result = { events, times, paused: player.paused };
    player.destroy();
    return result;
  }, url);
  assert.equal(run.paused, false);
  assert.ok(run.events.length > 0 && run.events.every((e) => e.code === 'network' && !e.fatal && /EXT-X-GAP/.test(e.message)),
    `error events ${JSON.stringify(run.events)}`);
  const last = run.times.at(-1);
  assert.ok(last > 18.5, `past the gap (16-18 s): at ${last}`);
  for (let i = 1; i < run.times.length; i++) assert.ok(run.times[i] >= run.times[i - 1], `time went back: ${run.times}`);
  // Nothing was requested of the gap: no request failed.
  assert.deepEqual(errors, []);
  await page.close();
});

test('LL-HLS: blocking reloads the server leaves unanswered time out after three parts; plain reloads keep the window moving', async () => {
  const { page, errors } = await playerPage();
  // From 2 to 9 s into the broadcast the server holds every blocking reload for 30 s.
  const url = `/live/hls_ts/index.m3u8?part=0.333&block_hang=2-9&session=hang${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    const { Media, Player } = await window.reelcutReady;
    const player = new Player(document.getElementById('screen'), { muted: true });
    const events = [];
    player.addEventListener('error', () => events.push({ code: player.error.code, fatal: player.error.fatal }));
    let moves = 0;
    player.addEventListener('livewindowchange', () => moves++);
    const started = performance.now();
    await player.load(await Media.open(url));
    await player.play();
    const times = [];
    while (performance.now() - started < 12000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      times.push({ at: (performance.now() - started) / 1000, time: player.currentTime, moves });
    }
    const reloads = performance.getEntriesByType('resource')
      .filter((e) => e.name.includes(url.split('session=')[1]) && e.name.includes('index.m3u8'))
      .map((e) => ({ at: (e.startTime - started) / 1000, took: e.duration / 1000, blocking: e.name.includes('_HLS_msn') }));
    player.destroy();
    return { events, times, reloads, paused: player.paused };
  }, url);
  const during = run.reloads.filter((r) => r.at > 3 && r.at < 8);
  assert.ok(during.some((r) => !r.blocking), `plain reloads while blocking ones hang: ${JSON.stringify(during)}`);
  // Each blocking reload that hung was given up within about three parts (1 s), twice (one retry).
  assert.ok(during.filter((r) => r.blocking).every((r) => r.took < 3), `blocking reloads given up: ${JSON.stringify(during)}`);
  // The window kept moving and playback went on through the hang (a stall at most, then caught up).
  const at = (s) => run.times.find((t) => t.at >= s);
  assert.ok(at(9).moves > at(3).moves, `window moves ${JSON.stringify(run.times)}`);
  assert.ok(run.times.at(-1).time - at(2).time > 7, `played ${run.times.at(-1).time - at(2).time} s in 10 s: ${JSON.stringify(run.times)}`);
  assert.ok(run.events.every((e) => !e.fatal), JSON.stringify(run.events));
  assert.deepEqual(errors.filter((e) => !/ERR_TIMED_OUT|aborted|status of/.test(e)), []);
  await page.close();
});

/** A segment of the live master playlist's variants: `/live/<variant>/<sequence>/segN.ts`. */
const VARIANT_SEGMENT = /\/live\/(hls_ts|hls_low)\/(\d+)\/seg\d\.ts/;

/** The variant segments `page` requests, `{ variant, sequence }` in the order asked. */
function variantSegments(page) {
  const segments = [];
  page.on('request', (request) => {
    const match = request.url().match(VARIANT_SEGMENT);
    if (match) segments.push({ variant: match[1], sequence: Number(match[2]) });
  });
  return segments;
}

test('master playlist: down to the lower variant while downloads are slow (its resolution reconfigures the decoder), back up once they are fast', async () => {
  const { page, errors } = await playerPage();
  const segments = variantSegments(page);
  // 400 kbit/s for the first 6 s of the broadcast (a 640x360 segment, about 1 Mbit, takes 2.6 s: the 210 kbit/s
  // variant is the one that fits), then the full speed of localhost.
  const url = `/live/hls_master/index.m3u8?kbps=400&kbps_until=6&session=updown${Date.now()}`;
  const run = await page.evaluate(async ({ url, source }) => {
    const segment = new RegExp(source);
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const media = await Media.open(url);
    const player = new Player(canvas, { muted: true });
    const fatal = [];
    player.addEventListener('error', () => player.error.fatal && fatal.push(player.error.message));
    const changes = [];
    player.addEventListener('variantchange', () => changes.push({ variant: player.variant, time: player.currentTime, frame: window.readBarcode(canvas), width: canvas.width }));
    await player.load(media);
    const first = { variant: player.variant, variants: player.variants };
    await player.play();
    const frames = [];
    const started = performance.now();
    // Until the pictures are the high variant's again (the segment fetched after the stable period plays
    // some seconds after it arrives), and a few seconds more.
    while (performance.now() - started < 30000 && !(changes.length >= 2 && performance.now() - started > 16000)) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      frames.push({ time: player.currentTime, frame: window.readBarcode(canvas) });
    }
    const timings = performance.getEntriesByType('resource')
      .map((e) => ({ match: e.name.match(segment), took: e.duration }))
      .filter((e) => e.match)
      .map((e) => ({ variant: e.match[1], took: e.took }));
    const last = player.variant;
    player.destroy();
    media.close();
    return { frames, fatal, changes, first, last, timings };
  }, { url, source: VARIANT_SEGMENT.source });
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
  // The API: both variants listed as the master playlist gives them; the first one shown at the start, then
  // a variantchange as the pictures become the low variant's, and another as they are the high one's again.
  assert.deepEqual(run.first, {
    variant: 0,
    variants: [
      { bandwidth: 522640, averageBandwidth: null, width: 640, height: 360, codecs: 'avc1.64001e,mp4a.40.2', frameRate: 30 },
      { bandwidth: 209808, averageBandwidth: null, width: 320, height: 180, codecs: 'avc1.42c015,mp4a.40.2', frameRate: 30 },
    ],
  });
  assert.deepEqual(run.changes.map((c) => c.variant), [1, 0], JSON.stringify(run.changes));
  assert.equal(run.last, 0);
  for (let i = 1; i < run.changes.length; i++) assert.ok(run.changes[i].time > run.changes[i - 1].time, JSON.stringify(run.changes));
  // Up only after the stable period: at least three fast downloads of the low variant before the first of
  // the high one (throttled ones take about a second, fast ones a few milliseconds).
  const upAt = run.timings.findIndex((t, i) => t.variant === 'hls_ts' && i > run.timings.findIndex((u) => u.variant === 'hls_low'));
  const fastLow = run.timings.slice(0, upAt).reverse();
  const stable = fastLow.findIndex((t) => t.variant !== 'hls_low' || t.took > 400);
  assert.ok(upAt > 0 && (stable === -1 ? fastLow.length : stable) >= 3, `downloads before going up: ${JSON.stringify(run.timings)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('master playlist: a pinned variant stays pinned on a fast network; -1 goes back to automatic, up after the stable period', async () => {
  const { page, errors } = await playerPage();
  const url = `/live/hls_master/index.m3u8?session=pin${Date.now()}`;
  const run = await page.evaluate(async ({ url, source }) => {
    const segment = new RegExp(source);
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const player = new Player(canvas, { muted: true });
    const fatal = [];
    player.addEventListener('error', () => player.error.fatal && fatal.push(player.error.message));
    const changes = [];
    let changed = () => {};
    player.addEventListener('variantchange', () => {
      changes.push(player.variant);
      changed();
    });
    const change = (ms) => new Promise((resolve) => {
      changed = resolve;
      setTimeout(resolve, ms);
    });
    const segmentsSoFar = () => performance.getEntriesByType('resource')
      .map((e) => e.name.match(segment))
      .filter(Boolean)
      .map((m) => m[1]);
    await player.load(await Media.open(url));
    // A bad index is refused, and changes nothing.
    const refused = [];
    for (const bad of [2, -2, 7.5]) {
      try {
        player.variant = bad;
      } catch (error) {
        refused.push({ name: error.name, code: error.code });
      }
    }
    await player.play();
    player.variant = 1;
    const pinnedFrom = segmentsSoFar().length;
    await change(15000);
    const pinned = { variant: player.variant, requested: segmentsSoFar().slice(pinnedFrom) };
    // Played on for a while more, still pinned on a network fast enough for the high variant.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const stillPinned = { variant: player.variant, requested: segmentsSoFar().slice(pinnedFrom) };
    player.variant = -1;
    const automaticFrom = segmentsSoFar().length;
    await change(20000);
    const automatic = { variant: player.variant, requested: segmentsSoFar().slice(automaticFrom) };
    const time = player.currentTime;
    player.destroy();
    return { refused, pinned, stillPinned, automatic, changes, fatal, time };
  }, { url, source: VARIANT_SEGMENT.source });
  assert.deepEqual(run.refused, Array(3).fill({ name: 'ReelcutError', code: 'out_of_range' }));
  assert.deepEqual(run.fatal, []);
  // Pinned: from the next segment on (one already in flight may still be the high variant's), every one
  // from the low variant, and its pictures shown.
  assert.equal(run.pinned.variant, 1, JSON.stringify(run));
  const pinned = run.stillPinned.requested.slice(run.stillPinned.requested[0] === 'hls_ts' ? 1 : 0);
  assert.ok(pinned.length >= 3 && pinned.every((v) => v === 'hls_low'), JSON.stringify(run.stillPinned));
  assert.equal(run.stillPinned.variant, 1);
  // Automatic again: three fast downloads of the low variant (the stable period), then the high one's.
  const requested = run.automatic.requested;
  const up = requested.indexOf('hls_ts');
  assert.ok(up >= 3 && requested.slice(0, up).every((v) => v === 'hls_low'), `after -1: ${requested}`);
  assert.equal(run.automatic.variant, 0, JSON.stringify(run));
  assert.deepEqual(run.changes, [1, 0]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('master playlist: a segment that fails on the high variant is fetched from the low one; playback goes on', async () => {
  const { page, errors } = await playerPage();
  const requested = variantSegments(page);
  // Six segments at the start (0-5), playback from segment 3; segment 5 answers 404 on the 640x360 variant
  // only.
  const url = `/live/hls_master/index.m3u8?fail404=5&faults_in=hls_ts&session=fallback${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const player = new Player(canvas, { muted: true });
    const events = [];
    player.addEventListener('error', ({ detail }) => events.push({ code: detail.code, fatal: detail.fatal, message: detail.message }));
    const changes = [];
    player.addEventListener('variantchange', () => changes.push({ variant: player.variant, time: player.currentTime }));
    const frames = [];
    player.addEventListener('timeupdate', () => frames.push({ time: player.currentTime, frame: window.readBarcode(canvas) }));
    await player.load(await Media.open(url));
    await player.play();
    await new Promise((resolve) => setTimeout(resolve, 9000));
    const result = { events, changes, frames, paused: player.paused };
    player.destroy();
    return result;
  }, url);
  // Segment 5 was asked of the high variant, then of the low one; the high one was left alone after that.
  const segments = requested.map((s) => `${s.variant}/${s.sequence}`);
  const failed = segments.indexOf('hls_ts/5');
  assert.ok(failed >= 0 && segments[failed + 1] === 'hls_low/5', `segments: ${segments}`);
  assert.ok(segments.slice(failed + 1).every((s) => s.startsWith('hls_low/')), `segments: ${segments}`);
  // One non-fatal error tells of it; no segment was skipped.
  assert.equal(run.events.length, 1, JSON.stringify(run.events));
  assert.deepEqual({ code: run.events[0].code, fatal: run.events[0].fatal }, { code: 'network', fatal: false });
  assert.match(run.events[0].message, /HTTP 404.*segment 5 fetched from variant 1/);
  assert.equal(run.paused, false);
  // The pictures of segment 5 (media time 10-12 s) and later are the low variant's, and they advance.
  assert.deepEqual(run.changes.map((c) => c.variant), [1]);
  assert.ok(run.changes[0].time >= 9.9 && run.changes[0].time < 10.5, JSON.stringify(run.changes));
  const last = run.frames.at(-1);
  assert.ok(last.time > 12.5, `played past segment 5: ${JSON.stringify(run.frames.map((f) => f.time.toFixed(2)))}`);
  for (let i = 1; i < run.frames.length; i++) assert.ok(run.frames[i].time >= run.frames[i - 1].time);
  const late = run.frames.slice(-8).map((f) => f.frame);
  assert.ok(new Set(late).size >= 5, `frames at the end: ${late}`);
  // The 404 is the one failed request.
  assert.ok(errors.every((e) => /status of 404|HTTP 404/.test(e)), errors.join('\n'));
  await page.close();
});

test('the dev server\'s separate audio rendition (audio=separate, LL-HLS) as hls.js 1.7.4 plays it: two tracks listed, audio from the default, then from the other', chromiumOnly('hls.js is the reference player here'), async () => {
  // The stream reelcut's audio renditions are tested on (below), held against a reference player.
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

test('a separate audio rendition plays with the pictures, live and LL-HLS; audioTracks lists its group, audioTrack switches it at once', async () => {
  const { page, errors } = await playerPage();
  for (const mode of ['live', 'LL-HLS']) {
    const url = `/live/hls_master/index.m3u8?audio=separate${mode === 'LL-HLS' ? '&part=0.333' : ''}&session=reelcut-audio-${mode}-${Date.now()}`;
    const run = await page.evaluate(async (url) => {
      const { Media, Player } = await window.reelcutReady;
      // The page's sound so far (the runs share the page): each run counts its own.
      const base = window.audioStats().seconds;
      const media = await Media.open(url);
      const tracks = media.tracks.map((t) => `${t.type} ${t.codec}`);
      const player = new Player(document.getElementById('screen'));
      await player.load(media);
      const listed = { tracks: player.audioTracks, track: player.audioTrack };
      await player.play();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const before = window.audioStats().seconds - base;
      player.audioTrack = 1;
      const switched = { tracks: player.audioTracks, track: player.audioTrack };
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const after = window.audioStats().seconds - base;
      // Which rendition's playlists and segments were fetched (this run's session only).
      const fetched = (name) => performance.getEntriesByType('resource').filter((e) => e.name.includes(url.split('session=')[1]) && e.name.includes(name)).length;
      const renditions = { en: fetched('audio_en.m3u8'), de: fetched('audio_de.m3u8') };
      const result = { tracks, listed, switched, before, after, renditions, time: player.currentTime, error: player.error?.message ?? null };
      player.destroy();
      media.close();
      return result;
    }, url);
    assert.deepEqual(run.tracks, ['video avc1.64001e', 'audio mp4a.40.2'], `${mode}: tracks`);
    assert.deepEqual(run.listed, {
      tracks: [{ name: 'English', language: 'en', enabled: true }, { name: 'Deutsch', language: 'de', enabled: false }], track: 0,
    }, `${mode}: audio tracks`);
    assert.deepEqual(run.switched.track, 1, `${mode}: switched`);
    assert.deepEqual(run.switched.tracks.map((t) => t.enabled), [false, true]);
    // Sound scheduled before the switch and after it: each rendition's packets, not the video segments' (which have none).
    assert.ok(run.before > 1.5, `${mode}: ${run.before} s of sound in the first 2.5 s`);
    assert.ok(run.after - run.before > 1, `${mode}: ${run.after - run.before} s of sound in the 2.5 s after the switch`);
    assert.ok(run.renditions.en > 0 && run.renditions.de > 0, `${mode}: playlists fetched ${JSON.stringify(run.renditions)}`);
    assert.equal(run.error, null, `${mode}: ${run.error}`);
    console.log(`audio rendition (${mode}): ${run.before.toFixed(2)} s of sound before the switch, ${(run.after - run.before).toFixed(2)} s after`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});
