// The first browser tier: the built package loads in real headless Chromium and its exports round-trip
// through the wasm into WebCodecs.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crateVersion, ffprobeOf, openPage, serverAndBrowser, test } from './support.mjs';

const running = serverAndBrowser();

/** WebCodecs codec string `avc1.PPCCLL` from ffprobe's profile name and level of an H.264 stream. */
function avcCodecString(stream) {
  const profiles = { High: '6400', Main: '4d40', 'Constrained Baseline': '42c0' };
  const profile = profiles[stream.profile];
  assert.ok(profile, `no codec string mapping for H.264 profile ${stream.profile}`);
  return `avc1.${profile}${stream.level.toString(16).padStart(2, '0')}`;
}

test('the package loads and reports the crate version', async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/tests/browser/pages/embed.html');
  const version = await page.evaluate(async () => {
    const { default: init, version } = await import('/pkg/reelcut.js');
    await init();
    return version();
  });
  assert.equal(version, crateVersion());
  assert.deepEqual(errors, []);
  await page.close();
});

test("WebCodecs support for each fixture's codecs, asked through the wasm", async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/tests/browser/pages/embed.html');
  const video = ['high_bframes_moovend.mp4', 'baseline_mono44k_faststart.mp4'].map((name) => {
    const stream = ffprobeOf(name).streams.find((s) => s.codec_type === 'video');
    return { name, codec: avcCodecString(stream), width: stream.width, height: stream.height };
  });
  const audio = ffprobeOf('high_bframes_moovend.mp4').streams.find((s) => s.codec_type === 'audio');
  const result = await page.evaluate(async ({ video, audio }) => {
    const lib = await import('/pkg/reelcut.js');
    await lib.default();
    const out = {};
    for (const v of video) out[v.codec] = await lib.supportsVideoDecoding(v.codec, v.width, v.height);
    out.aacDecode = await lib.supportsAudioDecoding('mp4a.40.2', Number(audio.sample_rate), audio.channels);
    out.opusEncode = await lib.supportsAudioEncoding('opus', 48000, 2);
    out.avcEncode = await lib.supportsVideoEncoding('avc1.42c01e', 640, 360);
    out.hevcDecode = await lib.supportsVideoDecoding('hvc1.1.6.L93.B0', 640, 360);
    return out;
  }, { video, audio });
  for (const v of video) assert.equal(result[v.codec], true, `${v.name}: ${v.codec} should decode`);
  assert.equal(result.aacDecode, true, 'AAC-LC should decode');
  assert.equal(result.opusEncode, true, 'Opus should encode');
  assert.equal(result.avcEncode, true, 'H.264 should encode');
  // Debian's Chromium has no HEVC decoder (DESIGN.md); the probe must say so rather than fail.
  assert.equal(result.hevcDecode, false, 'HEVC is not decodable in this Chromium');
  assert.deepEqual(errors, []);
  await page.close();
});

test('an invalid configuration rejects with a ReelcutError carrying a code', async () => {
  const { page } = await openPage(running.browser, running.server.base, '/tests/browser/pages/embed.html');
  const error = await page.evaluate(async () => {
    const lib = await import('/pkg/reelcut.js');
    await lib.default();
    try {
      await lib.supportsVideoDecoding('', 640, 360);
      return null;
    } catch (e) {
      return { isError: e instanceof Error, name: e.name, code: e.code, message: e.message };
    }
  });
  assert.ok(error, 'an empty codec string must reject');
  assert.equal(error.isError, true);
  assert.equal(error.name, 'ReelcutError');
  assert.equal(error.code, 'malformed_input');
  assert.match(error.message, /VideoDecoder\.isConfigSupported failed: TypeError/);
  await page.close();
});

test('the embed snippet defines <reelcut-player> and loads the library', async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/tests/browser/pages/embed.html');
  const state = await page.evaluate(async () => {
    const element = document.getElementById('player');
    await element.ready;
    return {
      defined: customElements.get('reelcut-player') === element.constructor,
      version: element.version,
      hasCanvas: element.canvas instanceof HTMLCanvasElement,
    };
  });
  assert.deepEqual(state, { defined: true, version: crateVersion(), hasCanvas: true });
  assert.deepEqual(errors, []);
  await page.close();
});

/** The page box of the embed element `#player`, or of `selector` in its shadow root. */
function boxOf(page, selector) {
  return page.evaluate((selector) => {
    const host = document.getElementById('player');
    const { x, y, width, height } = (selector ? host.shadowRoot.querySelector(selector) : host).getBoundingClientRect();
    return { x, y, width, height };
  }, selector);
}

/** Clicks `selector` in the embed element's shadow root, as a user's click at its centre does. */
async function clickIn(page, selector) {
  const box = await boxOf(page, selector);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

test('the embed snippet plays a src with controls', async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/tests/browser/pages/embed.html');
  await page.evaluate(async () => {
    const element = document.getElementById('player');
    element.setAttribute('controls', '');
    element.setAttribute('src', '/fixtures/high_bframes_moovend.mp4');
    await element.ready;
  });
  const shown = await page.evaluate(() => {
    const element = document.getElementById('player');
    return { frame: window.readBarcode(element.canvas), time: element.shadowRoot.querySelector('.time').textContent };
  });
  assert.deepEqual(shown, { frame: 0, time: '0:00 / 0:06' });
  const bar = await boxOf(page, '.bar');
  const element = await boxOf(page);
  assert.ok(bar && bar.y + bar.height === element.y + element.height && bar.width === element.width, 'control bar along the bottom');
  await clickIn(page, '.play');
  await page.waitForFunction(() => document.getElementById('player').player.currentTime > 1);
  assert.equal(await page.evaluate(() => document.getElementById('player').shadowRoot.querySelector('.play').getAttribute('aria-label')), 'Pause');
  const frame = await page.evaluate(() => window.readBarcode(document.getElementById('player').canvas));
  assert.ok(frame >= 30, `frame ${frame} on screen after a second of play`);
  await page.screenshot({ path: join(tmpdir(), 'reelcut-embed.png'), clip: element });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the embed snippet shows why a player cannot start, and fires error', async () => {
  const { page } = await openPage(running.browser, running.server.base, '/tests/browser/pages/embed.html');
  const shown = await page.evaluate(async () => {
    await document.getElementById('player').ready;
    // A page whose canvases give no context (a broken or locked-down browser): the player cannot draw.
    HTMLCanvasElement.prototype.getContext = () => null;
    const element = document.createElement('reelcut-player');
    const fired = new Promise((resolve) => element.addEventListener('error', (event) => resolve(event.detail?.code)));
    element.setAttribute('src', '/fixtures/high_bframes_moovend.mp4');
    document.body.append(element);
    await element.ready;
    return { code: await fired, message: element.shadowRoot.querySelector('.message').textContent, player: element.player };
  });
  assert.equal(shown.code, 'unsupported');
  assert.match(shown.message, /^unsupported: .*canvas/);
  assert.equal(shown.player, null);
  await page.close();
});

test('the embed snippet plays a live stream: LIVE button, replay window on the seek bar, mute', async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/tests/browser/pages/embed.html');
  const url = `/live/hls_ts/index.m3u8?window=10&session=embed${Date.now()}`;
  await page.evaluate(async (url) => {
    const element = document.getElementById('player');
    element.setAttribute('controls', '');
    element.setAttribute('muted', '');
    element.setAttribute('autoplay', '');
    element.setAttribute('src', url);
    await element.ready;
  }, url);
  const state = () => page.evaluate(() => {
    const element = document.getElementById('player');
    const root = element.shadowRoot;
    const seek = root.querySelector('.seek');
    return {
      live: element.hasAttribute('data-live'),
      atEdge: element.hasAttribute('data-at-live-edge'),
      liveButton: getComputedStyle(root.querySelector('.live')).display,
      seek: { min: Number(seek.min), max: Number(seek.max), value: Number(seek.value) },
      time: root.querySelector('.time').textContent,
      muted: element.player.muted,
      muteLabel: root.querySelector('.mute').getAttribute('aria-label'),
    };
  });
  await page.waitForFunction(() => !document.getElementById('player').player.paused);
  const joined = await state();
  // Ten 2 s segments: the seek bar spans the 20 s replay window, playing from 6 s before its end.
  assert.equal(joined.live, true);
  assert.notEqual(joined.liveButton, 'none', 'the LIVE button shows');
  assert.deepEqual(joined.seek, { min: 0, max: 20, value: joined.seek.value });
  assert.ok(joined.seek.value >= 14 && joined.seek.value < 16, `at ${joined.seek.value}`);
  assert.equal(joined.atEdge, true);
  assert.equal(joined.muted, true);
  assert.equal(joined.muteLabel, 'Unmute');
  // Replay: drag the seek bar back; the time shows how far behind the edge; LIVE returns.
  await page.evaluate(() => {
    const seek = document.getElementById('player').shadowRoot.querySelector('.seek');
    seek.value = '4';
    seek.dispatchEvent(new Event('input'));
  });
  await page.waitForFunction(() => document.getElementById('player').player.currentTime < 6);
  await page.waitForFunction(() => !document.getElementById('player').hasAttribute('data-at-live-edge'));
  assert.match((await state()).time, /^-0:1\d$/);
  await clickIn(page, '.live');
  await page.waitForFunction(() => document.getElementById('player').hasAttribute('data-at-live-edge'));
  await clickIn(page, '.mute');
  const unmuted = await state();
  assert.equal(unmuted.muted, false);
  assert.equal(unmuted.muteLabel, 'Mute');
  await page.screenshot({ path: join(tmpdir(), 'reelcut-embed-live.png'), clip: await boxOf(page) });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the embed snippet forwards playbackRate, ratechange, audioTracks and audioTrack (LL-HLS, separate audio)', async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/tests/browser/pages/embed.html');
  const url = `/live/hls_master/index.m3u8?audio=separate&part=0.333&session=embed-audio${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    await customElements.whenDefined('reelcut-player');
    const element = document.getElementById('player');
    // Without a player: the rate is 1, no tracks.
    const idle = { rate: element.playbackRate, tracks: element.audioTracks, track: element.audioTrack };
    const rates = [];
    const started = performance.now();
    element.addEventListener('ratechange', () => rates.push({ at: performance.now() - started, rate: element.playbackRate, player: element.player.playbackRate }));
    element.setAttribute('muted', '');
    element.setAttribute('autoplay', '');
    element.setAttribute('src', url);
    await element.ready;
    while (element.player.paused) await new Promise((resolve) => setTimeout(resolve, 50));
    const listed = { tracks: element.audioTracks, track: element.audioTrack };
    element.audioTrack = 1;
    const switched = { tracks: element.audioTracks, track: element.audioTrack, player: element.player.audioTrack };
    // Behind the live edge after a pause: the player catches up at 1.05, then plays at 1 again. The catch-up
    // may have begun before the pause (a browser whose sound starts late joins the broadcast late), so it
    // counts from the start; it ends after the resume.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    element.player.pause();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const resumed = performance.now() - started;
    await element.player.play();
    const caughtUp = () => rates.some((r) => r.rate > 1) && rates.at(-1).rate === 1 && rates.at(-1).at > resumed;
    while (!caughtUp() && performance.now() - started < resumed + 30000) await new Promise((resolve) => setTimeout(resolve, 100));
    return { idle, listed, switched, rates, resumed };
  }, url);
  assert.deepEqual(run.idle, { rate: 1, tracks: [], track: -1 });
  assert.deepEqual(run.listed, { tracks: [{ name: 'English', language: 'en', enabled: true }, { name: 'Deutsch', language: 'de', enabled: false }], track: 0 });
  assert.deepEqual(run.switched.tracks.map((t) => t.enabled), [false, true]);
  assert.equal(run.switched.track, 1);
  assert.equal(run.switched.player, 1);
  // Each ratechange on the element reads the player's new rate: 1.05 during the catch-up, 1 once caught up.
  assert.ok(run.rates.every((r) => r.rate === r.player), JSON.stringify(run.rates));
  assert.ok(run.rates.some((r) => r.rate === 1.05), JSON.stringify(run.rates));
  assert.equal(run.rates.at(-1)?.rate, 1, JSON.stringify(run.rates));
  assert.ok(run.rates.at(-1).at > run.resumed, `the catch-up ended before the resume at ${run.resumed} ms: ${JSON.stringify(run.rates)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the embed snippet forwards variants, variant and variantchange (LL-HLS master playlist)', async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/tests/browser/pages/embed.html');
  const url = `/live/hls_master/index.m3u8?part=0.333&session=embed-variants${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    await customElements.whenDefined('reelcut-player');
    const element = document.getElementById('player');
    const idle = { variants: element.variants, variant: element.variant };
    const changes = [];
    element.addEventListener('variantchange', () => changes.push({ element: element.variant, player: element.player.variant }));
    element.setAttribute('muted', '');
    element.setAttribute('autoplay', '');
    element.setAttribute('src', url);
    await element.ready;
    const listed = { widths: element.variants.map((v) => v.width), variant: element.variant };
    // Pinned to the 320x180 variant: its pictures come once what was loaded before has played.
    element.variant = 1;
    const started = performance.now();
    while (!changes.length && performance.now() - started < 15000) await new Promise((resolve) => setTimeout(resolve, 100));
    return { idle, listed, changes, pinned: element.variant };
  }, url);
  assert.deepEqual(run.idle, { variants: [], variant: -1 });
  assert.deepEqual(run.listed, { widths: [640, 320], variant: 0 });
  assert.deepEqual(run.changes[0], { element: 1, player: 1 }, JSON.stringify(run.changes));
  assert.equal(run.pinned, 1);
  assert.deepEqual(errors, []);
  await page.close();
});
