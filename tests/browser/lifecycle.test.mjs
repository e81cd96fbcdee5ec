// The end of a player's and a media's life, in real headless Chromium: destroy/close and what they leave behind
// (nothing), `load(src)` with anything `Media.open` takes, media shared by several users, exports whose media
// closes under them, the <reelcut-player> element following the DOM, and decoder recovery over a damaged
// group of pictures (tests/fixtures/gop_damaged.mp4, hls_gop_damaged/).
//
// The page (pages/lifecycle.html) watches the browser objects the library makes — codecs, frames, audio and
// WebGL contexts, timers, sounds — so "nothing left running" is checked on the browser's side, not taken from
// the library's word.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { avcConfig, videoSamples } from '../fixtures/corrupt_gop.mjs';
import { fixtures, openPage, playerPage, serverAndBrowser, test, videoStartOf } from './support.mjs';

const running = serverAndBrowser();

const FPS = 30;
const INVALID_STATE = { name: 'ReelcutError', code: 'invalid_state', isError: true };

/** The lifecycle page, once the library has loaded. */
async function lifecyclePage() {
  const opened = await openPage(running.browser, running.server.base, '/tests/browser/pages/lifecycle.html');
  await opened.page.evaluate(() => window.reelcutReady);
  return opened;
}

/**
 * Records every request the page makes: `since(mark)` lists those reported after `mark = recorder.mark()`.
 * The first 300 ms after the mark do not count: a request the page started just before (say, a segment fetch
 * right before `destroy()`) can be reported a little after the page's answer that the test marks by.
 */
function recordRequests(page) {
  const requests = [];
  page.on('request', (request) => requests.push({ url: request.url().replace(running.server.base, ''), at: performance.now() }));
  return {
    mark: () => performance.now(),
    since: (mark) => requests.filter((r) => r.at > mark + 300).map((r) => r.url),
  };
}

test('destroy and close are idempotent, [Symbol.dispose] and `using` do the same, getters keep their last values', async () => {
  const { page, errors } = await lifecyclePage();
  const run = await page.evaluate(async () => {
    const { Media, Player } = await window.reelcutReady;
    const media = await Media.open('/fixtures/high_bframes_moovend.mp4');
    const player = new Player(document.getElementById('screen'), { volume: 0.5, loop: true });
    await player.load(media);
    await player.seek(2.5);
    const read = () => ({
      player: {
        currentTime: player.currentTime, duration: player.duration, paused: player.paused, ended: player.ended,
        seekable: player.seekable, isLive: player.isLive, volume: player.volume, muted: player.muted,
        loop: player.loop, destroyed: player.destroyed,
      },
      media: { duration: media.duration, isLive: media.isLive, seekable: media.seekable, tracks: media.tracks, closed: media.closed },
    });
    const before = read();
    const calls = [];
    for (const end of [
      () => player.destroy(), () => player.destroy(), () => player[Symbol.dispose](),
      () => media.close(), () => media[Symbol.dispose](), () => media.close(),
    ]) {
      try {
        calls.push(String(end()));
      } catch (e) {
        calls.push(`threw ${e?.name}: ${e?.message}`);
      }
    }
    return { before, after: read(), calls };
  });
  // `using` (explicit resource management): leaving the block disposes of both, the player first (declared
  // last). Passed as text: Chromium parses `using`, the Node.js running this file may not.
  const scoped = await page.evaluate(`(async () => {
    const { Media, Player } = await window.reelcutReady;
    let kept;
    {
      using media = await Media.open('/fixtures/video_only.mp4');
      using player = new Player(document.createElement('canvas'));
      await player.load(media);
      kept = { media, player, inside: { destroyed: player.destroyed, closed: media.closed } };
    }
    return { inside: kept.inside, outside: { destroyed: kept.player.destroyed, closed: kept.media.closed } };
  })()`);
  assert.deepEqual(run.calls, Array(6).fill('undefined'), 'a second destroy/close (or dispose) is a no-op, not an error');
  assert.equal(run.before.player.destroyed, false);
  assert.equal(run.before.media.closed, false);
  assert.equal(run.after.player.destroyed, true);
  assert.equal(run.after.media.closed, true);
  // Everything else reads as it did before.
  assert.deepEqual({ ...run.after.player, destroyed: false }, run.before.player);
  assert.deepEqual({ ...run.after.media, closed: false }, run.before.media);
  assert.equal(run.before.player.currentTime, 2.5);
  assert.deepEqual(scoped.inside, { destroyed: false, closed: false });
  assert.deepEqual(scoped.outside, { destroyed: true, closed: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('after destroy and close every method throws or rejects with invalid_state', async () => {
  const { page, errors } = await lifecyclePage();
  const failures = await page.evaluate(async () => {
    const { Media, Player } = await window.reelcutReady;
    const describe = (e) => ({ name: e?.name, code: e?.code, isError: e instanceof Error });
    // Synchronous methods throw; promise methods return a promise that rejects (and do not throw).
    const thrown = (call) => {
      try {
        call();
        return 'returned';
      } catch (e) {
        return describe(e);
      }
    };
    const rejected = async (call) => {
      let promise;
      try {
        promise = call();
      } catch (e) {
        return { threwSynchronously: describe(e) };
      }
      try {
        await promise;
        return 'resolved';
      } catch (e) {
        return describe(e);
      }
    };
    const media = await Media.open('/fixtures/high_bframes_moovend.mp4');
    const other = await Media.open('/fixtures/video_only.mp4');
    const clip = media.clip({ start: 1, end: 2 });
    const player = new Player(document.getElementById('screen'));
    await player.load(media);
    player.destroy();
    media.close();
    return {
      'player.load(media)': await rejected(() => player.load(other)),
      'player.load(url)': await rejected(() => player.load('/fixtures/video_only.mp4')),
      'player.play()': await rejected(() => player.play()),
      'player.seek(1)': await rejected(() => player.seek(1)),
      'player.goLive()': await rejected(() => player.goLive()),
      'player.pause()': thrown(() => player.pause()),
      'media.samples()': await rejected(() => media.samples()),
      'media.keyframeTimes()': thrown(() => media.keyframeTimes()),
      'media.clip()': thrown(() => media.clip({ start: 0, end: 1 })),
      'media.wallClockAt(0)': thrown(() => media.wallClockAt(0)),
      'media.timeAtWallClock(0)': thrown(() => media.timeAtWallClock(0)),
      // A clip made before its media closed cannot export any more.
      'clip.export()': await rejected(() => clip.export({ mode: 'keyframe' })),
    };
  });
  for (const [call, failure] of Object.entries(failures)) assert.deepEqual(failure, INVALID_STATE, call);
  assert.deepEqual(errors, []);
  await page.close();
});

test('after destroy nothing runs: no request, timer, sound, event, open frame or codec; AudioContext closed, WebGL context lost', async () => {
  const { page, errors } = await lifecyclePage();
  const requests = recordRequests(page);
  const url = `/live/hls_ts/index.m3u8?window=6&session=destroy${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    const { Media, Player } = await window.reelcutReady;
    const media = await Media.open(url);
    // WebGL2 even where it runs in software, as here: its context is to be lost.
    const player = new Player(document.getElementById('screen'), { renderer: 'webgl2' });
    await player.load(media);
    await player.play();
    await window.sleep(1500);
    const playing = { ...window.running(), time: player.currentTime };
    window.lateEvents = [];
    for (const kind of window.PLAYER_EVENTS) player.addEventListener(kind, () => window.lateEvents.push(kind));
    player.destroy();
    media.close();
    window.lateEvents = []; // only what comes after destroy() has returned counts
    return { playing, justAfter: window.running() };
  }, url);
  const mark = requests.mark();
  await sleep(3000);
  const later = await page.evaluate(() => ({ ...window.running(), events: window.lateEvents }));
  // The page saw the library's resources while it played (so the zeros below are not vacuous).
  // Six 2 s segments: playing starts at 6 s, three target durations behind the end.
  assert.ok(run.playing.time > 6.8, `played to ${run.playing.time}`);
  assert.ok(run.playing.codecs.includes('VideoDecoder') && run.playing.codecs.includes('AudioDecoder'), `codecs ${run.playing.codecs}`);
  assert.deepEqual(run.playing.audioContexts, ['running']);
  assert.equal(run.playing.webgl, 1);
  assert.ok(run.playing.sounds > 0, 'sound was playing');
  // Nothing is left.
  assert.deepEqual(requests.since(mark), [], 'requests after destroy');
  assert.deepEqual(later.events, [], 'events after destroy');
  assert.deepEqual(later.frames, [], 'VideoFrame/AudioData left open');
  assert.deepEqual(later.codecs, [], 'codecs left open');
  assert.deepEqual(later.audioContexts, [], 'AudioContexts not closed');
  assert.equal(later.webgl, 0, 'WebGL contexts not lost');
  assert.equal(later.timers, run.justAfter.timers, 'timers or animation frames asked for after destroy');
  assert.equal(later.sounds, run.justAfter.sounds, 'sounds started after destroy');
  assert.deepEqual(errors, []);
  await page.close();
});

test('free() ends a player like destroy()', async () => {
  const { page, errors } = await lifecyclePage();
  const requests = recordRequests(page);
  const url = `/live/hls_ts/index.m3u8?window=6&session=free${Date.now()}`;
  const playing = await page.evaluate(async (url) => {
    const { Player } = await window.reelcutReady;
    const player = new Player(document.getElementById('screen'), { renderer: 'webgl2' });
    await player.load(url);
    await player.play();
    await window.sleep(1000);
    const state = window.running();
    player.free();
    return state;
  }, url);
  const mark = requests.mark();
  await sleep(2500);
  const later = await page.evaluate(() => window.running());
  assert.equal(playing.webgl, 1);
  assert.deepEqual(requests.since(mark), [], 'requests after free()');
  assert.deepEqual({ frames: later.frames, codecs: later.codecs, audioContexts: later.audioContexts, webgl: later.webgl },
    { frames: [], codecs: [], audioContexts: [], webgl: 0 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('player.load(src) takes a URL, a Blob or a Uint8Array; the media it opened ends with it or with the next load', async () => {
  const { page, errors } = await lifecyclePage();
  const requests = recordRequests(page);
  const hlsStart = videoStartOf('hls_ts/index.m3u8');
  const shown = await page.evaluate(async () => {
    const { Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const sources = {
      'MP4 URL': '/fixtures/high_bframes_moovend.mp4',
      'HLS URL': '/fixtures/hls_ts/index.m3u8',
      Blob: await (await fetch('/fixtures/baseline_mono44k_faststart.mp4')).blob(),
      Uint8Array: new Uint8Array(await (await fetch('/fixtures/high_bframes_moovend.mp4')).arrayBuffer()),
    };
    const seen = {};
    for (const [name, src] of Object.entries(sources)) {
      const player = new Player(canvas);
      await player.load(src);
      await player.seek(2.5);
      seen[name] = { frame: window.readBarcode(canvas), time: player.currentTime, duration: player.duration };
      player.destroy();
    }
    return seen;
  });
  const hlsFrame = Math.floor((2.5 - hlsStart) * FPS + 1e-9);
  assert.deepEqual(shown, {
    'MP4 URL': { frame: 75, time: 2.5, duration: 6 },
    'HLS URL': { frame: hlsFrame, time: 2.5, duration: shown['HLS URL'].duration },
    Blob: { frame: 75, time: 2.5, duration: 6 },
    Uint8Array: { frame: 75, time: 2.5, duration: 6 },
  });

  // A live stream the player opened itself: loading something else ends it (no more playlist reloads), and
  // destroying the player ends the second one.
  const live = `/live/hls_ts/index.m3u8?window=6&session=load${Date.now()}`;
  await page.evaluate(async (live) => {
    const { Player } = await window.reelcutReady;
    window.player = new Player(document.getElementById('screen'), { muted: true });
    await window.player.load(live);
    await window.player.play();
    await window.sleep(1000);
    await window.player.load('/fixtures/video_only.mp4');
  }, live);
  const afterSecondLoad = requests.mark();
  await sleep(4500); // more than two target durations: a live playlist still open would have been reloaded
  const frame = await page.evaluate(async () => {
    await window.player.seek(1.5);
    return window.readBarcode(document.getElementById('screen'));
  });
  assert.equal(frame, 45, 'the second source shows');
  assert.deepEqual(requests.since(afterSecondLoad).filter((url) => url.includes('/live/')), [],
    'the live stream opened by the first load() was not closed by the second');
  const { leftOpen } = await page.evaluate(async () => {
    window.player.destroy();
    await window.sleep(300);
    return { leftOpen: window.running() };
  });
  assert.deepEqual({ frames: leftOpen.frames, codecs: leftOpen.codecs }, { frames: [], codecs: [] });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a Media shared by two players and a clip stays open while one of the players is destroyed', async () => {
  const { page, errors } = await lifecyclePage();
  const videoStart = videoStartOf('hls_ts/index.m3u8');
  const run = await page.evaluate(async () => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = () => Object.assign(document.body.appendChild(document.createElement('canvas')), { width: 640, height: 360 });
    const [first, second] = [canvas(), canvas()];
    const media = await Media.open('/fixtures/hls_ts/index.m3u8');
    const a = new Player(first, { muted: true });
    const b = new Player(second, { muted: true });
    await a.load(media);
    await b.load(media);
    const clip = media.clip({ start: 2, end: 4 });
    await a.seek(1);
    const keyframes = [...media.keyframeTimes()];
    a.destroy();
    const afterA = { closed: media.closed, sameKeyframes: JSON.stringify([...media.keyframeTimes()]) === JSON.stringify(keyframes) };
    // The clip, a third user, still exports.
    const exported = (await clip.export({ mode: 'keyframe' })).byteLength;
    await b.seek(4.5);
    const sought = { frame: window.readBarcode(second), time: b.currentTime };
    await b.play();
    await window.sleep(700);
    b.pause();
    const played = { frame: window.readBarcode(second), time: b.currentTime };
    b.destroy();
    media.close();
    return { afterA, exported, sought, played, closed: media.closed };
  });
  assert.deepEqual(run.afterA, { closed: false, sameKeyframes: true });
  assert.ok(run.exported > 10000, `the clip exported ${run.exported} bytes`);
  assert.deepEqual(run.sought, { frame: Math.floor((4.5 - videoStart) * FPS), time: 4.5 });
  assert.ok(run.played.time > 4.9, `the second player played on to ${run.played.time}`);
  assert.ok(Math.abs(run.played.frame - Math.floor((run.played.time - videoStart) * FPS)) <= 1, `frame ${run.played.frame} at ${run.played.time}`);
  assert.equal(run.closed, true);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an export or a dub in flight on a media closed midway rejects with invalid_state and leaves nothing open', async () => {
  const { page, errors } = await lifecyclePage();
  const run = await page.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    /** Starts `job(media)` and closes the media at its first progress report (or at once). */
    const closedMidway = async (job, atOnce = false) => {
      const media = await Media.open('/fixtures/high_bframes_moovend.mp4');
      let progress = null;
      const onProgress = (fraction) => {
        if (progress === null) {
          progress = fraction;
          media.close();
        }
      };
      const promise = job(media, onProgress);
      if (atOnce) {
        progress = 'closed at once';
        media.close();
      }
      const failure = await window.failureOf(() => promise);
      await window.sleep(100);
      return { failure, progress, closed: media.closed, left: window.running() };
    };
    const voice = new Uint8Array(await (await fetch('/fixtures/voice.wav')).arrayBuffer());
    return {
      'exact export, closed at its first progress': await closedMidway((media, onProgress) =>
        media.clip({ start: 0.5, end: 5.5 }).export({ mode: 'exact', onProgress })),
      'keyframe export, closed right after it started': await closedMidway((media) =>
        media.clip({ start: 0.5, end: 5.5 }).export({ mode: 'keyframe' }), true),
      'dub export, closed at its first progress': await closedMidway((media, onProgress) =>
        media.clip({ start: 1, end: 4 }).dub({ voice, mode: 'mix' }).export({ onProgress })),
    };
  });
  for (const [job, outcome] of Object.entries(run)) {
    assert.notEqual(outcome.progress, null, `${job}: no progress was reported before it finished, so it was never closed midway`);
    assert.deepEqual(outcome.failure, INVALID_STATE, job);
    assert.equal(outcome.closed, true, job);
    assert.deepEqual({ frames: outcome.left.frames, codecs: outcome.left.codecs }, { frames: [], codecs: [] }, `${job}: left open`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('<reelcut-player> follows the DOM: removed, it stops; put back, it plays again; a new src replaces player and media', async () => {
  const { page, errors } = await lifecyclePage();
  const requests = recordRequests(page);
  const url = `/live/hls_ts/index.m3u8?window=6&session=element${Date.now()}`;
  const first = await page.evaluate(async (url) => {
    const element = document.createElement('reelcut-player');
    window.element = element;
    element.setAttribute('muted', '');
    element.setAttribute('autoplay', '');
    element.setAttribute('src', url);
    const detached = { player: element.player, media: element.media };
    document.body.append(element);
    const ready = await element.ready;
    await window.sleep(1000);
    window.first = { player: element.player, media: element.media, canvas: element.canvas };
    const playing = { same: ready === element, paused: element.player.paused, time: element.player.currentTime, live: element.media.isLive };
    element.remove();
    const removed = {
      player: element.player, media: element.media,
      destroyed: window.first.player.destroyed, closed: window.first.media.closed,
    };
    return { detached, playing, removed };
  }, url);
  const afterRemoval = requests.mark();
  await sleep(3000);
  const removedState = await page.evaluate(() => window.running());
  assert.deepEqual(first.detached, { player: null, media: null }, 'nothing before the element is in the page');
  assert.equal(first.playing.same, true, 'ready resolves with the element');
  assert.equal(first.playing.paused, false);
  assert.equal(first.playing.live, true);
  assert.ok(first.playing.time > 6.3, `played to ${first.playing.time}`);
  assert.deepEqual(first.removed, { player: null, media: null, destroyed: true, closed: true });
  assert.deepEqual(requests.since(afterRemoval), [], 'requests after the element was removed');
  assert.deepEqual(
    { frames: removedState.frames, codecs: removedState.codecs, audioContexts: removedState.audioContexts, webgl: removedState.webgl },
    { frames: [], codecs: [], audioContexts: [], webgl: 0 },
  );

  // Put back: a new player and media for the same src, playing again (autoplay), on a canvas of its own.
  const again = await page.evaluate(async () => {
    const { element, first } = window;
    document.body.append(element);
    await element.ready;
    await window.sleep(800);
    window.second = { player: element.player, media: element.media };
    return {
      fresh: element.player !== first.player && element.media !== first.media && element.canvas !== first.canvas,
      paused: element.player.paused, destroyed: element.player.destroyed, live: element.media.isLive,
    };
  });
  assert.deepEqual(again, { fresh: true, paused: false, destroyed: false, live: true });

  // A new src: the old player and media end before the new ones start.
  const replaced = await page.evaluate(async () => {
    const { element, second } = window;
    element.removeAttribute('autoplay');
    element.setAttribute('src', '/fixtures/high_bframes_moovend.mp4');
    const atOnce = { destroyed: second.player.destroyed, closed: second.media.closed, player: element.player };
    await element.ready;
    return {
      atOnce,
      now: {
        fresh: element.player !== second.player && element.media !== second.media,
        live: element.media.isLive,
        frame: window.readBarcode(element.canvas),
        duration: element.player.duration,
      },
    };
  });
  assert.deepEqual(replaced.atOnce, { destroyed: true, closed: true, player: null }, 'the old pair ends as soon as src changes');
  assert.deepEqual(replaced.now, { fresh: true, live: false, frame: 0, duration: 6 });
  const afterReplace = requests.mark();
  await sleep(3000);
  assert.deepEqual(requests.since(afterReplace).filter((u) => u.includes('/live/')), [], 'the live stream ended with its src');
  await page.evaluate(() => window.element.remove());
  await sleep(300);
  const end = await page.evaluate(() => window.running());
  assert.deepEqual({ codecs: end.codecs, audioContexts: end.audioContexts, webgl: end.webgl }, { codecs: [], audioContexts: [], webgl: 0 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("the damaged-GOP fixture: the browser's own VideoDecoder fails on the third group and decodes the others", async () => {
  // No library here: this checks the fixture. The recovery tests below rely on a decoder really failing there.
  const bytes = readFileSync(join(fixtures, 'gop_damaged.mp4'));
  const samples = videoSamples(bytes);
  const { codec, description } = avcConfig(bytes);
  const { page, errors } = await playerPage(running);
  const run = await page.evaluate(async ({ samples, codec, description }) => {
    const file = new Uint8Array(await (await fetch('/fixtures/gop_damaged.mp4')).arrayBuffer());
    const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 180 });
    const context = canvas.getContext('2d');
    const shown = [];
    const failures = [];
    let decoder = null;
    const start = () => {
      decoder = new VideoDecoder({
        output: (frame) => {
          context.drawImage(frame, 0, 0);
          frame.close();
          shown.push(window.readBarcode(canvas));
        },
        error: (e) => failures.push({ name: e.name, message: e.message }),
      });
      decoder.configure({ codec, description: new Uint8Array(description) });
    };
    start();
    let waitForKey = false;
    for (const [i, { offset, size, key }] of samples.entries()) {
      if (decoder.state === 'closed') {
        failures.at(-1).chunk = i;
        start();
        waitForKey = true;
      }
      if (waitForKey && !key) continue;
      waitForKey = false;
      decoder.decode(new EncodedVideoChunk({ type: key ? 'key' : 'delta', timestamp: i * 33333, data: file.subarray(offset, offset + size) }));
      // One chunk at a time, so a failure is noticed at the chunk after the one that caused it at the latest.
      while (decoder.state !== 'closed' && decoder.decodeQueueSize > 0) await new Promise((resolve) => setTimeout(resolve, 1));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (decoder.state !== 'closed') await decoder.flush();
    return { shown, failures };
  }, { samples, codec, description: [...description] });
  assert.equal(run.failures.length, 1, `decoder failures: ${JSON.stringify(run.failures)}`);
  const [failure] = run.failures;
  assert.equal(failure.name, 'EncodingError');
  assert.ok(failure.chunk >= 60 && failure.chunk <= 90, `the decoder closed at chunk ${failure.chunk}, not in the damaged group 60-89`);
  const shown = new Set(run.shown);
  const missing = Array.from({ length: 120 }, (_, i) => i).filter((i) => !shown.has(i));
  // Frames 60-89 never come out; the decoder may drop the last pictures of the group before (still held for
  // reordering when it fails); everything else decodes, and nothing but the fixture's frames comes out.
  for (let i = 60; i < 90; i++) assert.ok(missing.includes(i), `frame ${i} of the damaged group was decoded`);
  assert.ok(missing.every((i) => i >= 57 && i < 90), `frames missing: ${missing}`);
  assert.ok(run.shown.every((i) => i < 120), `frames out of range: ${run.shown.filter((i) => i >= 120)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

/** Plays `src` to its end in `window.player`, reading the barcode on every animation frame; collects the
 *  player's events. */
async function playThrough(page, src) {
  return page.evaluate(async (src) => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const player = new Player(canvas);
    window.player = player;
    const events = [];
    for (const kind of ['waiting', 'playing', 'ended']) player.addEventListener(kind, () => events.push(kind));
    player.addEventListener('error', (event) => {
      const error = player.error;
      events.push({
        kind: 'error', code: error?.code, fatal: error?.fatal, time: error?.time, name: error?.name,
        custom: event instanceof CustomEvent, detailIsError: event.detail === error && error !== null,
      });
    });
    await player.load(await Media.open(src));
    await player.play();
    const seen = [];
    const started = performance.now();
    while (!player.ended && !player.error?.fatal && performance.now() - started < 15000) {
      await new Promise((resolve) => requestAnimationFrame(resolve));
      if (!player.ended) seen.push({ frame: window.readBarcode(canvas), time: player.currentTime });
    }
    const end = { ended: player.ended, paused: player.paused, time: player.currentTime, frame: window.readBarcode(canvas) };
    return { seen, events, end };
  }, src);
}

/** Checks a play-through of the damaged-GOP fixture: one non-fatal `malformed_input` error, the end reached,
 *  and every frame shown after the damage the one of its time. */
function assertPassedOverTheDamage(run, videoStart, label) {
  const errorEvents = run.events.filter((e) => e.kind === 'error');
  assert.equal(errorEvents.length, 1, `${label}: error events ${JSON.stringify(errorEvents)}`);
  const [error] = errorEvents;
  assert.deepEqual({ ...error, time: undefined }, {
    kind: 'error', code: 'malformed_input', fatal: false, time: undefined, name: 'ReelcutError', custom: true, detailIsError: true,
  }, `${label}: the error event`);
  // The damaged group spans 2-3 s; a decoder reports a failure a few chunks after the one that caused it.
  assert.equal(typeof error.time, 'number', `${label}: the error has no time`);
  assert.ok(error.time >= 2 - 1 / FPS && error.time <= 3.5, `${label}: error time ${error.time}`);
  assert.deepEqual(run.end, { ended: true, paused: true, time: 4, frame: 119 }, `${label}: the end`);
  const expected = (time) => Math.floor((time - videoStart) * FPS + 1e-9);
  const wrong = [];
  for (const { frame, time } of run.seen) {
    if (frame >= 60 && frame < 90) wrong.push(`frame ${frame} of the damaged group at ${time.toFixed(3)}`);
    // Before the damage and from 0.1 s after the next keyframe, the frame of the time: never one ahead of it
    // by more than one (the clock moves between the drawing and the reading), nor behind it by more than two
    // (on a loaded machine the player's animation frame may come a frame late, more so while the decoder
    // fills its queue at the start); in between, an earlier frame may stay on screen.
    const settled = time < 2 - 3 / FPS || time >= 3.1;
    const off = frame - expected(time);
    if (settled && (off > 1 || off < -2)) wrong.push(`frame ${frame} at ${time.toFixed(3)} (expected ${expected(time)})`);
    if (!settled && frame > expected(time) + 1) wrong.push(`frame ${frame} ahead of its time ${time.toFixed(3)}`);
  }
  assert.deepEqual(wrong, [], `${label}: frames on screen`);
  const after = new Set(run.seen.filter((s) => s.frame >= 90).map((s) => s.frame));
  assert.ok(after.size >= 25, `${label}: only ${after.size} of the 30 frames after the damage were shown`);
}

test('decoder recovery, MP4: playback passes over a damaged group of pictures with a non-fatal error; the frames after it are exact', async () => {
  const { page, errors } = await lifecyclePage();
  const run = await playThrough(page, '/fixtures/gop_damaged.mp4');
  assertPassedOverTheDamage(run, videoStartOf('gop_damaged.mp4'), 'gop_damaged.mp4');
  await page.evaluate(() => window.player.destroy());
  assert.deepEqual(errors, []);
  await page.close();
});

test('decoder recovery, HLS (fMP4): the damaged group starts a segment, playback resumes at the keyframe inside it', async () => {
  const { page, errors } = await lifecyclePage();
  const run = await playThrough(page, '/fixtures/hls_gop_damaged/index.m3u8');
  assertPassedOverTheDamage(run, videoStartOf('hls_gop_damaged/index.m3u8'), 'hls_gop_damaged');
  await page.evaluate(() => window.player.destroy());
  assert.deepEqual(errors, []);
  await page.close();
});
