// Exports made in one browser play frame-exactly in the other: an exact cut (re-encoded head, by that
// browser's VideoEncoder, then copied samples) made in Firefox is decoded by ffmpeg and shown by Chromium's
// player and <video> element, and one made in Chromium by Firefox's. Run by the Firefox tier (it needs both
// browsers and Firefox's display): bash .ci/firefox.sh node --test browser/cross-browser.firefox.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegBarcodes, launchChromium, launchFirefox, openPage, startServer } from './support.mjs';

const FPS = 30;
const scratch = mkdtempSync(join(tmpdir(), 'reelcut-cross-'));
const running = { server: null, chromium: null, firefox: null };
before(async () => {
  running.server = await startServer();
  running.chromium = await launchChromium();
  running.firefox = await launchFirefox();
});
after(async () => {
  await running.chromium?.close();
  await running.firefox?.close();
  await running.server?.close();
});

async function exportPage(browser) {
  const opened = await openPage(browser, running.server.base, '/tests/browser/pages/export.html');
  await opened.page.evaluate(() => window.reelcutReady);
  return opened;
}


const frames = Array.from({ length: 66 }, (_, i) => 45 + i);

for (const [made, shown] of [['firefox', 'chromium'], ['chromium', 'firefox']]) {
  test(`an exact cut made in ${made} plays frame-exactly in ffmpeg and in ${shown}'s player and <video>`, async () => {
    const maker = await exportPage(running[made]);
    // 1.5 s is frame 45, inside the group of pictures that starts at frame 30: frames 45-59 are re-encoded.
    const base64 = await maker.page.evaluate(async () => {
      const { Media } = await window.reelcutReady;
      const media = await Media.open('/fixtures/high_bframes_moovend.mp4');
      return window.toBase64(await media.clip({ start: 1.5, end: 3.7 }).export({ mode: 'exact' }));
    });
    assert.deepEqual(maker.errors, []);
    await maker.page.close();
    const file = join(scratch, `exact-by-${made}.mp4`);
    writeFileSync(file, Buffer.from(base64, 'base64'));
    assert.deepEqual(ffmpegBarcodes(file), frames, `ffmpeg decodes the cut made in ${made}`);

    const viewer = await exportPage(running[shown]);
    const seen = await viewer.page.evaluate(async ({ base64, count, fps }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const player = (await window.framesOf(bytes, count, fps)).seen;
      // The re-encoded head's first and last frames, and one of the copied tail.
      const element = await window.elementFramesOf(bytes, [0.5 / fps, 14.5 / fps, 40.5 / fps]);
      return { player, element: element.frames, error: element.error };
    }, { base64, count: frames.length, fps: FPS });
    assert.deepEqual(seen.player, frames, `${shown}'s player shows the cut made in ${made}`);
    assert.deepEqual({ element: seen.element, error: seen.error }, { element: [45, 59, 85], error: null }, `${shown}'s <video>`);
    assert.deepEqual(viewer.errors, []);
    await viewer.page.close();
  });
}
