// The first browser tier: the built package loads in real headless Chromium and its exports round-trip
// through the wasm into WebCodecs.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crateVersion, ffprobeOf, fixtures, openPage, pickFile, serverAndBrowser, test } from './support.mjs';

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

/** Waits until `selector`'s text is `text`; on timeout, fails naming the text it had instead. */
async function waitForText(page, selector, text) {
  try {
    await page.waitForFunction(({ selector, text }) => document.querySelector(selector).textContent === text, { selector, text }, { timeout: 15000 });
  } catch {
    assert.fail(`${selector} still reads "${await page.textContent(selector)}", not "${text}"`);
  }
}

test('the demo page shows the version and the codec support table', async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/');
  await page.waitForSelector('#support[data-ready="true"]');
  assert.equal(await page.textContent('#version'), crateVersion());
  const rows = await page.$$eval('#support tbody tr', (trs) => trs.map((tr) => tr.innerText));
  assert.ok(rows.some((row) => row.startsWith('avc1.64001e') && /\tyes\t/.test(row)), rows.join('\n'));
  // The player opens the first sample and shows frame 0; the slider seeks frame-exactly.
  await waitForText(page, '#viewer-status', 'avc1.64001e 640×360, 6.000 s, 6 keyframes');
  await page.evaluate(() => {
    const position = document.getElementById('position');
    position.value = '2.5';
    position.dispatchEvent(new Event('input'));
  });
  await waitForText(page, '#time', '2.500 s');
  // Editor keys on the page: a frame, a second with Shift, J back a second, L plays and K pauses.
  await page.click('#screen');
  await page.keyboard.press('ArrowRight');
  await waitForText(page, '#time', '2.533 s');
  await page.keyboard.press('Shift+ArrowLeft');
  await waitForText(page, '#time', '1.533 s');
  await page.keyboard.press('j');
  await waitForText(page, '#time', '0.533 s');
  await page.keyboard.press('l');
  await waitForText(page, '#play', 'Pause');
  await page.keyboard.press('k');
  await waitForText(page, '#play', 'Play');
  // Every sample is a link that opens in the player: an HLS VOD, then the simulated live broadcast.
  const links = await page.$$eval('#media a', (as) => as.map((a) => a.getAttribute('href')));
  for (const kind of ['.mp4', 'hls_ts/index.m3u8', 'hls_fmp4/index.m3u8', 'hls_master/index.m3u8', '/live/']) {
    assert.ok(links.some((href) => href.includes(kind)), `a link to ${kind}`);
  }
  await page.click('#media a[href="/fixtures/hls_ts/index.m3u8"]');
  await waitForText(page, '#viewer-status', 'avc1.64001e 640×360, 6.000 s, 3 keyframes');
  // A portrait phone video: its shown size is the turned one.
  await page.click('#media a[href="/fixtures/portrait_90.mp4"]');
  await waitForText(page, '#viewer-status', 'avc1.42c01e 180×320 turned 90°, 2.000 s, 2 keyframes');
  await page.click('#media a[href^="/live/hls_ts/index.m3u8?window"]');
  await waitForText(page, '#viewer-status', 'avc1.64001e 640×360, live, 60 s replay window');
  assert.equal(await page.isVisible('#go-live'), true);
  // Low-latency live: the window reaches into the parts of the segment being produced.
  await page.click('#media a[href*="part=0.333"]');
  await page.waitForFunction(() => /^avc1\.64001e 640×360, live, 6[0-2] s replay window$/.test(document.getElementById('viewer-status').textContent));
  // The user's own files: one picked in the file input, one dropped on the player.
  await pickFile(page, '#file', join(fixtures, 'phone_270.mov'));
  await waitForText(page, '#viewer-status', 'avc1.64001e 180×320 turned 270°, 2.000 s, 2 keyframes');
  await page.evaluate(async () => {
    const bytes = await (await fetch('/fixtures/high_bframes_moovend.mp4')).arrayBuffer();
    const files = new DataTransfer();
    files.items.add(new File([bytes], 'mine.mp4', { type: 'video/mp4' }));
    document.getElementById('screen').dispatchEvent(new DragEvent('drop', { dataTransfer: files, cancelable: true }));
  });
  await waitForText(page, '#viewer-status', 'avc1.64001e 640×360, 6.000 s, 6 keyframes');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the demo trims: keyframe thumbnails, in/out handles, export with progress and a download', async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/');
  await waitForText(page, '#viewer-status', 'avc1.64001e 640×360, 6.000 s, 6 keyframes');
  await page.waitForFunction(() => document.querySelectorAll('#trim-strip canvas').length === 6);
  // Keyboard: focus the in handle and step it with the arrow keys; the out handle by value.
  await page.evaluate(() => {
    const [start, end] = [document.getElementById('trim-in'), document.getElementById('trim-out')];
    start.value = '1.5';
    start.dispatchEvent(new Event('input'));
    end.value = '3.7';
    end.dispatchEvent(new Event('input'));
  });
  await page.focus('#trim-in');
  await page.keyboard.press('ArrowRight');
  await waitForText(page, '#trim-range', '1.501 s → 3.700 s (2.199 s)');
  await page.check('input[name=trim-mode][value=keyframe]');
  await page.click('#trim-export');
  await page.waitForSelector('#trim-download:not([hidden])');
  const exported = await page.evaluate(async () => {
    const link = document.getElementById('trim-download');
    const bytes = new Uint8Array(await (await fetch(link.href)).arrayBuffer());
    return { name: link.download, size: bytes.length, brand: new TextDecoder().decode(bytes.subarray(4, 8)), progress: document.getElementById('trim-progress').value };
  });
  assert.equal(exported.name, 'clip-1.50-3.70.mp4');
  assert.equal(exported.brand, 'ftyp');
  assert.ok(exported.size > 100_000, `${exported.size} bytes`);
  assert.equal(exported.progress, 1);
  assert.match(await page.textContent('#trim-status'), /MB in [0-9.]+ s/);
  // A live source offers "clip the last 30 s".
  await page.click('#media a[href^="/live/hls_ts/index.m3u8?window"]');
  await waitForText(page, '#viewer-status', 'avc1.64001e 640×360, live, 60 s replay window');
  await page.click('#trim-last-30');
  const range = await page.textContent('#trim-range');
  assert.match(range, /\(30\.000 s\)$/, range);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the demo dubs: a voice file imported, moved and mixed, previewed, exported with a download', async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/');
  await waitForText(page, '#viewer-status', 'avc1.64001e 640×360, 6.000 s, 6 keyframes');
  await page.evaluate(() => {
    const [start, end] = [document.getElementById('trim-in'), document.getElementById('trim-out')];
    start.value = '1';
    start.dispatchEvent(new Event('input'));
    end.value = '3';
    end.dispatchEvent(new Event('input'));
  });
  await page.setInputFiles('#dub-file', join(fixtures, 'voice.wav'));
  await waitForText(page, '#dub-status', 'imported voice.wav');
  await page.check('input[name=dub-mode][value=mix]');
  await page.evaluate(() => {
    const at = document.getElementById('dub-at');
    at.value = '0.5';
    at.dispatchEvent(new Event('input'));
  });
  assert.equal(await page.textContent('#dub-at-value'), '0.50 s');
  assert.equal(await page.textContent('#dub-gain-value'), '-6.0 dB');
  await page.click('#dub-preview');
  await waitForText(page, '#dub-status', 'playing the preview');
  await page.click('#dub-export');
  await page.waitForSelector('#dub-download:not([hidden])');
  const exported = await page.evaluate(async () => {
    const link = document.getElementById('dub-download');
    const bytes = new Uint8Array(await (await fetch(link.href)).arrayBuffer());
    return { name: link.download, brand: new TextDecoder().decode(bytes.subarray(4, 8)), takes: document.getElementById('dub-takes').options.length };
  });
  assert.deepEqual(exported, { name: 'dub-1.00-3.00.mp4', brand: 'ftyp', takes: 1 });
  assert.match(await page.textContent('#dub-status'), /MB, sound opus, in [0-9.]+ s/);
  assert.deepEqual(errors, []);
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
    // Behind the live edge after a pause: the player catches up at 1.05, then plays at 1 again.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    element.player.pause();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const resumed = performance.now() - started;
    await element.player.play();
    const caughtUp = () => {
      const after = rates.filter((r) => r.at > resumed);
      return after.some((r) => r.rate > 1) && after.at(-1).rate === 1;
    };
    while (!caughtUp() && performance.now() - started < resumed + 30000) await new Promise((resolve) => setTimeout(resolve, 100));
    return { idle, listed, switched, rates: rates.filter((r) => r.at > resumed) };
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
