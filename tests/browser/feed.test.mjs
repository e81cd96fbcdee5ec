// A short-video feed and a long live session, in real headless Chromium: players made and thrown away a hundred
// times must leave nothing behind (requests, WebGL contexts, frames, memory), and a live stream played through
// twenty minutes of broadcast (at ten times real time) must hold its memory flat while its replay window slides.
//
// Chromium runs with --js-flags=--expose-gc, so the page can collect garbage before measuring (and the browser
// gets the chance to report frames collected without being closed), and with --enable-precise-memory-info, so
// `performance.memory` is exact rather than bucketed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchChromium, liveFrameAt, liveZero, openPage, startServer } from './support.mjs';

const MB = 1024 * 1024;

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchChromium(['--js-flags=--expose-gc', '--enable-precise-memory-info']);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the feed page and collects what the browser reports: page errors, and the console messages that
 *  mean a leak (WebGL contexts piling up, frames collected without being closed). */
async function feedPage() {
  const { page, errors } = await openPage(browser, server.base, '/tests/browser/pages/feed.html');
  const warnings = { webglContexts: [], unclosedFrames: [] };
  page.on('console', (message) => {
    const text = message.text();
    if (/Too many active WebGL contexts/i.test(text)) warnings.webglContexts.push(text);
    if (/garbage collected without being closed/i.test(text)) warnings.unclosedFrames.push(text);
  });
  const requests = [];
  page.on('request', (request) => requests.push({ url: request.url().replace(server.base, ''), at: performance.now() }));
  await page.evaluate(() => window.reelcutReady);
  return { page, errors, warnings, requests };
}

const mb = (bytes) => (bytes / MB).toFixed(2);

/** How long to wait after the last player ends: Chromium reports VideoFrames collected without being closed
 *  every 10 s, and no request may come in that time either. */
const QUIET_MS = 11000;

test('feed: 100 players made, played and thrown away leave no request, WebGL context, open frame or memory behind', async () => {
  const { page, errors, warnings, requests } = await feedPage();
  const live = `session=feed${Date.now()}`;
  const SOURCES = {
    mp4: ['/fixtures/high_bframes_moovend.mp4', '/fixtures/baseline_mono44k_faststart.mp4'],
    hls: ['/fixtures/hls_ts/index.m3u8', '/fixtures/hls_fmp4/index.m3u8'],
    live: [`/live/hls_ts/index.m3u8?window=6&${live}`, `/live/hls_fmp4/index.m3u8?window=6&${live}`],
  };
  // Player i: an element (even i) or a Player on a canvas (odd i; every other one given a Media it opened
  // itself, the others a URL to open); MP4, HLS VOD and live in turn; one in three with sound; played for
  // 300-500 ms.
  const plan = Array.from({ length: 100 }, (_, i) => {
    const family = ['mp4', 'hls', 'live'][Math.floor(i / 2) % 3];
    return {
      index: i,
      kind: i % 2 === 0 ? 'element' : 'player',
      via: i % 4 === 1 ? 'media' : 'url',
      family,
      src: SOURCES[family][Math.floor(i / 6) % 2],
      muted: i % 3 !== 0,
      playMs: 300 + ((i * 53) % 201),
    };
  });
  const started = performance.now();
  const played = [];
  const memory = {};
  for (const item of plan) {
    played.push(await page.evaluate(async (item) => {
      const { Media, Player } = await window.reelcutReady;
      const feed = document.getElementById('feed');
      const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
      if (item.kind === 'element') {
        const element = document.createElement('reelcut-player');
        if (item.muted) element.setAttribute('muted', '');
        element.setAttribute('autoplay', '');
        element.setAttribute('src', item.src);
        feed.append(element);
        await element.ready;
        const from = element.player.currentTime;
        await wait(item.playMs);
        const state = { played: element.player.currentTime - from, paused: element.player.paused };
        element.remove();
        return state;
      }
      const canvas = feed.appendChild(Object.assign(document.createElement('canvas'), { width: 640, height: 360 }));
      const player = new Player(canvas, { muted: item.muted });
      const media = item.via === 'media' ? await Media.open(item.src) : null;
      await player.load(media ?? item.src);
      await player.play();
      const from = player.currentTime;
      await wait(item.playMs);
      const state = { played: player.currentTime - from, paused: player.paused };
      player.destroy();
      media?.close();
      canvas.remove();
      return state;
    }, item));
    if (item.index === 9 || item.index === 99) memory[item.index + 1] = await page.evaluate(() => window.memory());
  }
  const seconds = (performance.now() - started) / 1000;
  const lastDestroyed = performance.now();
  // A last collection, and time for the browser to report frames collected without being closed.
  await page.evaluate(() => window.memory());
  await sleep(QUIET_MS);
  // A request the page started just before the end can be reported a little after it: 300 ms of grace.
  const afterwards = requests.filter((r) => r.at > lastDestroyed + 300).map((r) => r.url);

  const total = (m) => m.heap + m.wasm;
  const growth = total(memory[100]) - total(memory[10]);
  console.log(
    `feed: 100 players (50 <reelcut-player>, 50 Player; ${plan.filter((p) => p.family === 'mp4').length} MP4, ` +
    `${plan.filter((p) => p.family === 'hls').length} HLS VOD, ${plan.filter((p) => p.family === 'live').length} live) in ${seconds.toFixed(0)} s; ` +
    `after the 10th: JS heap ${mb(memory[10].heap)} MB + wasm ${mb(memory[10].wasm)} MB; ` +
    `after the 100th: JS heap ${mb(memory[100].heap)} MB + wasm ${mb(memory[100].wasm)} MB (${growth >= 0 ? '+' : ''}${mb(growth)} MB); ` +
    `requests in the ${QUIET_MS / 1000} s after the last destroy: ${afterwards.length}; WebGL context warnings: ${warnings.webglContexts.length}; ` +
    `frames collected unclosed: ${warnings.unclosedFrames.length}; page errors: ${errors.length}`,
  );
  // Every player really played (otherwise the rest proves nothing): its clock moved while it was on the page.
  const idle = played.map((p, i) => ({ ...p, ...plan[i] })).filter((p) => p.paused || !(p.played > 0));
  assert.deepEqual(idle, [], 'players that did not play');
  assert.deepEqual(afterwards, [], 'requests after the last player was destroyed');
  assert.deepEqual(warnings.webglContexts, [], 'WebGL contexts piled up');
  assert.deepEqual(warnings.unclosedFrames, [], 'frames collected without being closed');
  assert.deepEqual(errors, [], 'page errors');
  assert.ok(growth < 10 * MB, `JS heap + wasm memory grew ${mb(growth)} MB from the 10th player to the 100th`);
  await page.close();
});

test('soak: a live stream played for 20 minutes of broadcast (120 s at speed 10) keeps its memory flat', async () => {
  const { page, errors, warnings } = await feedPage();
  // How the player keeps up with a broadcast ten times faster than real time: it does not. It plays at normal
  // speed, as a viewer would, and the window is large enough (600 segments, 1200 s) that it stays inside the
  // replay window for the whole run while the broadcast moves on by 1200 s: 600 segments enter the playlist
  // and as many leave it, with a 75 KB playlist reloaded every target duration. So decoding, drawing and sound
  // run in their steady state (jumping to the live edge with goLive() every few seconds would instead restart
  // them again and again, hiding a slow leak among the start-up allocations), and the live bookkeeping churns
  // ten times faster than in a real broadcast.
  const SECONDS = 120;
  const WARM_UP = 20;
  const WINDOW = 600;
  const url = `/live/hls_ts/index.m3u8?window=${WINDOW}&speed=10&session=soak${Date.now()}`;
  await page.evaluate(async (url) => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('feed').appendChild(Object.assign(document.createElement('canvas'), { width: 640, height: 360 }));
    window.canvas = canvas;
    window.media = await Media.open(url);
    window.player = new Player(canvas);
    window.failures = [];
    window.player.addEventListener('error', (event) => {
      const error = event.detail ?? window.player.error;
      window.failures.push({ code: error?.code, fatal: error?.fatal, message: error?.message });
    });
    window.ended = false;
    window.player.addEventListener('ended', () => (window.ended = true));
    await window.player.load(window.media);
    await window.player.play();
  }, url);
  const zero = await liveZero(server.base, url);
  const started = performance.now();
  const samples = [];
  // The first 20 s are start-up (buffers filling, the allocators' pools growing); from then on, every 5 s.
  for (let at = WARM_UP; at <= SECONDS; at += 5) {
    await sleep(Math.max(0, at * 1000 - (performance.now() - started)));
    const sample = await page.evaluate(async () => {
      const { player, media } = window;
      const state = {
        time: player.currentTime, seekable: player.seekable, paused: player.paused,
        frame: window.readBarcode(window.canvas), wall: media.wallClockAt(player.currentTime),
      };
      return { ...state, ...(await window.memory()) };
    });
    samples.push({ at: (performance.now() - started) / 1000, ...sample });
  }
  const end = await page.evaluate(() => ({ failures: window.failures, ended: window.ended }));

  // Least-squares slope of memory (bytes) over wall time (s).
  const slope = (values) => {
    const n = samples.length;
    const meanT = samples.reduce((s, x) => s + x.at, 0) / n;
    const meanV = values.reduce((s, v) => s + v, 0) / n;
    const num = samples.reduce((s, x, i) => s + (x.at - meanT) * (values[i] - meanV), 0);
    const den = samples.reduce((s, x) => s + (x.at - meanT) ** 2, 0);
    return num / den;
  };
  const heapSlope = slope(samples.map((s) => s.heap));
  const wasmSlope = slope(samples.map((s) => s.wasm));
  const first = samples[0];
  const last = samples.at(-1);
  const span = last.at - first.at;
  console.log(
    `soak: ${samples.length} samples over ${span.toFixed(0)} s (after ${WARM_UP} s of start-up; ${SECONDS / 6} min of broadcast at speed 10); memory slope ` +
    `${((heapSlope + wasmSlope) / 1024).toFixed(2)} KB/s (JS heap ${(heapSlope / 1024).toFixed(2)} KB/s, wasm ${(wasmSlope / 1024).toFixed(2)} KB/s); ` +
    `JS heap ${mb(first.heap)} -> ${mb(last.heap)} MB, wasm ${mb(first.wasm)} -> ${mb(last.wasm)} MB; ` +
    `window ${JSON.stringify(first.seekable)} -> ${JSON.stringify(last.seekable)}; played ${first.time.toFixed(1)} -> ${last.time.toFixed(1)} s`,
  );

  const trace = JSON.stringify(samples.map((s) => ({ at: s.at.toFixed(1), time: s.time.toFixed(2), seekable: s.seekable, heap: mb(s.heap), wasm: mb(s.wasm) })));
  // Playing all along, in the window, at normal speed, showing what was broadcast at its time.
  assert.deepEqual(end, { failures: [], ended: false }, 'errors or an end during the soak');
  for (const s of samples) {
    assert.equal(s.paused, false, trace);
    assert.ok(s.time >= s.seekable.start && s.time <= s.seekable.end, `outside the window: ${trace}`);
    assert.ok(Math.abs(s.seekable.end - s.seekable.start - 2 * WINDOW) < 0.1, `window of ${s.seekable.end - s.seekable.start} s: ${trace}`);
    assert.ok(Math.abs(s.frame - liveFrameAt(s.wall, zero)) <= 2, `frame ${s.frame} at ${s.time}, broadcast ${liveFrameAt(s.wall, zero)}`);
  }
  assert.ok(last.time - first.time > 0.85 * span, `played ${last.time - first.time} s in ${span} s: ${trace}`);
  // The window slides with the broadcast: 10 s per second, give or take the reload schedule (a reload every
  // target duration brings 20 s of broadcast at once).
  const slid = last.seekable.end - first.seekable.end;
  assert.ok(Math.abs(slid - 10 * span) <= 25, `the window slid ${slid} s in ${span} s: ${trace}`);
  // Flat memory: 16 KB/s at most (1.6 MB over the 100 s measured). The leaks this run exercises are several
  // times that: keeping the played segments (110 KB per 2 s: 55 KB/s), a playlist parse per reload (75 KB per
  // 2 s: 37 KB/s), the video's frames (hundreds of KB a second), or 24 KB lost per played segment or per reload.
  // Smaller losses hide in the noise: the wasm memory only grows, in steps of 64 KiB pages as its allocator
  // takes them, and on this machine repeated runs of one build measured 1.9, 6.1 and 7.9 KB/s (JS heap 0.2-2.5
  // KB/s, the rest wasm steps, which some runs still take after the 20 s of start-up), and later builds 4.3 to
  // 7.4 KB/s (a least-squares slope over a few 64 KiB steps doubles when they come late), so a tighter bound
  // would fail at random; the smallest leak above stays well over it.
  const bound = 16 * 1024;
  assert.ok(heapSlope + wasmSlope < bound, `memory grows ${((heapSlope + wasmSlope) / 1024).toFixed(2)} KB/s: ${trace}`);
  // The end, a last collection, and time for the browser to report frames collected without being closed.
  await page.evaluate(() => {
    window.player.destroy();
    window.media.close();
    return window.memory();
  });
  await sleep(QUIET_MS);
  assert.deepEqual(warnings.unclosedFrames, [], 'frames collected without being closed');
  assert.deepEqual(errors, []);
  await page.close();
});
