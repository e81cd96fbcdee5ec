// Where WebGL2 is unavailable (blocked by the user, or no GPU process) or runs in software, the player draws with
// a 2D context instead, frame-exactly. Two browsers here have none: Chromium without a GPU process (--disable-gpu
// --disable-software-rasterizer: no WebGL at all, on OffscreenCanvas too, which --disable-webgl leaves alone)
// and Firefox headless without a display; headless Chromium's WebGL2 is SwiftShader's, in software.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, launchFirefox, openPage, seekAndRead, startServer, videoStartOf } from './support.mjs';

const FPS = 30;
const running = { server: null, browser: null, webgl: null, firefox: null };
before(async () => {
  running.server = await startServer();
  running.browser = await launchChromium(['--disable-gpu', '--disable-software-rasterizer']);
  running.webgl = await launchChromium();
  running.firefox = await launchFirefox({ headless: true });
});
after(async () => {
  await running.browser?.close();
  await running.webgl?.close();
  await running.firefox?.close();
  await running.server?.close();
});

async function rendererOf(browser, options) {
  const { page, errors } = await openPage(browser, running.server.base, '/tests/browser/pages/player.html');
  await page.evaluate(() => window.reelcutReady);
  const path = await page.evaluate(async (options) => {
    const { Player } = await window.reelcutReady;
    const player = new Player(document.createElement('canvas'), options);
    const path = player.renderer;
    player.destroy();
    return path;
  }, options);
  await page.close();
  assert.deepEqual(errors, []);
  return path;
}

test('the player draws with WebGL2 where the GPU runs it, else with a 2D canvas; `renderer` chooses', async () => {
  // Chromium here has WebGL2 in software (SwiftShader), as headless Chromium has without a GPU: the 2D canvas
  // draws by default, WebGL2 when asked for.
  assert.equal(await rendererOf(running.webgl), '2d');
  assert.equal(await rendererOf(running.webgl, { renderer: 'webgl2' }), 'webgl2');
  assert.equal(await rendererOf(running.webgl, { renderer: '2d' }), '2d');
  // Without WebGL2 at all, asking for it gives the 2D canvas.
  assert.equal(await rendererOf(running.browser, { renderer: 'webgl2' }), '2d');
  assert.equal(await rendererOf(running.firefox, { renderer: 'webgl2' }), '2d');
  const { page } = await openPage(running.webgl, running.server.base, '/tests/browser/pages/player.html');
  await page.evaluate(() => window.reelcutReady);
  const refused = await page.evaluate(async () => {
    const { Player } = await window.reelcutReady;
    try {
      new Player(document.createElement('canvas'), { renderer: 'webgpu' });
      return 'made';
    } catch (error) {
      return { code: error.code, message: error.message };
    }
  });
  assert.equal(refused.code, 'malformed_input');
  assert.match(refused.message, /renderer must be 'webgl2' or '2d'/);
  await page.close();
});

const PATHS = [
  { browser: 'browser', label: 'Chromium without a GPU process: 2D canvas' },
  { browser: 'firefox', label: 'Firefox headless: 2D canvas' },
  { browser: 'webgl', label: 'Chromium, software WebGL2: 2D canvas', options: {} },
  { browser: 'webgl', label: 'Chromium, software WebGL2 asked for: WebGL2', options: { renderer: 'webgl2' }, path: 'webgl2' },
];
for (const { browser, label, options = {}, path = '2d' } of PATHS) {
  test(`${label}: seeks show the exact frames, letterboxed the same way`, async () => {
    const { page, errors } = await openPage(running[browser], running.server.base, '/tests/browser/pages/player.html');
    await page.evaluate(() => window.reelcutReady);
    const drawnWith = await page.evaluate(async (options) => {
      const { Player } = await window.reelcutReady;
      const player = new Player(document.createElement('canvas'), options);
      player.destroy();
      return player.renderer;
    }, options);
    assert.equal(drawnWith, path);
    const times = [0, 0.5, 1.25, 2.99, 4.4, 5.95];
    for (const name of ['high_bframes_moovend.mp4', 'hls_ts/index.m3u8']) {
      const seen = await seekAndRead(page, `/fixtures/${name}`, times, options);
      // The video may start after 0 on the media timeline (the HLS fixtures' audio leads by one AAC frame).
      const videoStart = name.endsWith('.m3u8') ? videoStartOf(name) : 0;
      const expected = times.map((t) => Math.max(0, Math.floor((t - videoStart) * FPS + 1e-9)));
      assert.deepEqual(seen.map((s) => s.frame), expected, name);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('without WebGL2: playback draws frames in order and reaches the end', async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/tests/browser/pages/player.html');
  await page.evaluate(() => window.reelcutReady);
  const seen = await page.evaluate(async () => {
    const { Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const player = new Player(canvas, { muted: true });
    await player.load('/fixtures/video_only.mp4');
    const frames = [];
    let last = -1;
    const ended = new Promise((resolve) => player.addEventListener('ended', resolve));
    await player.play();
    const watch = () => {
      const frame = window.readBarcode(canvas);
      if (frame !== last) frames.push((last = frame));
      if (!player.ended) requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
    await ended;
    player.destroy();
    return frames;
  });
  assert.ok(seen.length > 60, `only ${seen.length} distinct frames were drawn`);
  assert.deepEqual([...seen].sort((a, b) => a - b), seen, 'frames are drawn in order');
  assert.ok(seen.at(-1) >= 170, `the last frame drawn is ${seen.at(-1)}`);
  assert.deepEqual(errors, []);
  await page.close();
});
