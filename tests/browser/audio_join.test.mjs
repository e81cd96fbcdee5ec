// A page may not start sound at once: browsers keep an AudioContext suspended until the user interacts with
// the page (autoplay policy), and Firefox resolves resume() only once its output really runs (100-2000 ms on
// a cold device). Playback then starts silent on the page clock, and the sound joins as soon as the context
// runs, in sync, without a restart. Headless Chromium starts every context at once, so the page here makes
// its contexts start suspended and resume only when the test says (a real AudioContext, held back).
import assert from 'node:assert/strict';
import { beforeEachDocument, BROWSER, serverAndBrowser, test } from './support.mjs';

const running = serverAndBrowser();

test('sound joins a silent playback when the audio context starts late, and the clock goes on where it was', async () => {
  const page = await running.browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  // Before the library loads (its bindings take the browser's methods as they find them then).
  await beforeEachDocument(page, () => {
    const Real = window.AudioContext;
    let allow;
    const allowed = new Promise((resolve) => (allow = resolve));
    window.startSound = allow;
    window.contexts = [];
    window.AudioContext = class extends Real {
      constructor(...args) {
        super(...args);
        super.suspend();
        window.contexts.push(this);
      }
      resume() {
        return allowed.then(() => super.resume());
      }
    };
  });
  await page.goto(`${running.server.base}/tests/browser/pages/player.html`);
  const silent = await page.evaluate(async () => {
    const { Player } = await window.reelcutReady;
    const player = (window.player = new Player(document.getElementById('screen')));
    await player.load('/fixtures/hls_ts/index.m3u8');
    await player.play();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return { time: player.currentTime, audio: window.audioStats() };
  });
  assert.equal(silent.audio.started, 0, `no sound is scheduled before the context runs: ${JSON.stringify(silent)}`);
  assert.equal(silent.audio.state, null);
  assert.ok(silent.time > 1, `the clock ran on the page clock without sound (${silent.time} s after 1.5 s)`);

  const joined = await page.evaluate(async () => {
    const before = window.player.currentTime;
    window.startSound();
    // From the moment the context runs (Firefox starts its audio device only now, which takes a while).
    const allowed = performance.now();
    while (window.contexts.some((c) => c.state !== 'running') && performance.now() - allowed < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const waited = performance.now();
    while (window.audioStats().started === 0 && performance.now() - waited < 3000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const joinedAfter = performance.now() - waited;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return { before, after: window.player.currentTime, joinedAfter, runningAfter: waited - allowed, audio: window.audioStats(), paused: window.player.paused };
  });
  assert.equal(joined.audio.state, 'running');
  assert.ok(joined.audio.started > 0, 'sound is scheduled once the context runs');
  assert.ok(joined.joinedAfter < 500, `the sound joined ${joined.joinedAfter} ms after the context could start`);
  // The clock went on from where it was: no restart from the beginning, no jump.
  assert.equal(joined.paused, false);
  assert.ok(joined.after - joined.before > 0.8 && joined.after - joined.before < joined.runningAfter / 1000 + 1.6,
    `currentTime went from ${joined.before} to ${joined.after} over a second after the context ran`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a player made a moment before play() is heard at once: its audio device is started when it is made', async () => {
  const page = await running.browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  await page.goto(`${running.server.base}/tests/browser/pages/player.html`);
  const run = await page.evaluate(async () => {
    const { Player } = await window.reelcutReady;
    const player = new Player(document.getElementById('screen'));
    await player.load('/fixtures/hls_ts/index.m3u8');
    await player.seek(0);
    // The user reads the page for a while, then presses play.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const played = performance.now();
    await player.play();
    const waited = performance.now();
    while (window.audioStats().started === 0 && performance.now() - waited < 3000) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const soundAfter = window.audioStats().first - played;
    player.destroy();
    return { soundAfter };
  });
  assert.ok(run.soundAfter < 1000, `the first sound came ${run.soundAfter} ms after play()`);
  console.log(`first sound ${run.soundAfter.toFixed(0)} ms after play() (${BROWSER})`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('recording where the audio input cannot start is refused within seconds, not left silent or hanging', async () => {
  const page = await running.browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  // Every context stays suspended (no device, or no gesture yet).
  await beforeEachDocument(page, () => {
    const Real = window.AudioContext;
    window.AudioContext = class extends Real {
      constructor(...args) {
        super(...args);
        super.suspend();
      }
      resume() {
        return new Promise(() => {});
      }
    };
  });
  await page.goto(`${running.server.base}/tests/browser/pages/player.html`);
  const run = await page.evaluate(async () => {
    const { Media, Player } = await window.reelcutReady;
    const media = await Media.open('/fixtures/high_bframes_moovend.mp4');
    const player = new Player(document.getElementById('screen'));
    await player.load(media);
    const stream = new AudioContext().createMediaStreamDestination().stream;
    const started = performance.now();
    const outcome = await media.clip({ start: 1, end: 3 }).dub().record(stream, player).then(
      () => null,
      (error) => ({ name: error.name, code: error.code, message: error.message }),
    );
    player.destroy();
    return { outcome, ms: performance.now() - started };
  });
  assert.equal(run.outcome?.name, 'ReelcutError');
  assert.equal(run.outcome.code, 'browser');
  assert.match(run.outcome.message, /audio input did not start/);
  assert.ok(run.ms < 5000, `refused after ${run.ms} ms`);
  assert.deepEqual(errors, []);
  await page.close();
});
