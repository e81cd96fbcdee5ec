// media.thumbnails(): keyframe thumbnails read from an MP4 by their own bytes only, exact ones at the frame
// shown, upright for a portrait phone video, from HLS segments, ended early by `break` or a signal with the
// decoder closed, and bad requests refused with typed errors. Frames are told apart by their barcodes.
import assert from 'node:assert/strict';
import { openPage, serverAndBrowser, test } from './support.mjs';

const running = serverAndBrowser();

async function thumbnailPage() {
  const opened = await openPage(running.browser, running.server.base, '/tests/browser/pages/export.html');
  await opened.page.evaluate(async () => {
    await window.reelcutReady;
    /** Every thumbnail of `media.thumbnails(which, options)`: time, size and barcode (read as `rotation` shows it). */
    window.collect = async (media, which, options, rotation = 0) => {
      const seen = [];
      for await (const { time, image } of media.thumbnails(which, options)) {
        seen.push({ time, width: image.width, height: image.height, frame: window.readBarcode(image, rotation) });
        image.close();
      }
      return seen;
    };
  });
  return opened;
}

test('keyframe thumbnails of an MP4: one per requested stretch, each the keyframe before it, only the keyframes read', async () => {
  const { page, errors } = await thumbnailPage();
  const run = await page.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    const src = '/fixtures/high_bframes_moovend.mp4';
    const media = await Media.open(src);
    const [video] = await media.samples();
    const before = performance.now();
    const seen = await window.collect(media, { count: 6 }, { width: 640 });
    const reads = performance.getEntriesByType('resource').filter((e) => e.name.endsWith(src) && e.startTime >= before);
    const exact = await window.collect(media, { times: [2.5, 4.1, 0] }, { exact: true, width: 320, height: 180 });
    media.close();
    const keyframes = video.key.reduce((sum, key, i) => sum + (key ? video.size[i] : 0), 0);
    return { seen, exact, read: reads.reduce((sum, e) => sum + e.encodedBodySize, 0), requests: reads.length, sizes: reads.map((e) => e.encodedBodySize), keyframes, open: window.openCodecs() };
  });
  // Six stretches of one second: the middle of each falls after the keyframe that opens it.
  assert.deepEqual(run.seen.map((t) => t.time), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(run.seen.map((t) => t.frame), [0, 30, 60, 90, 120, 150]);
  assert.ok(run.seen.every((t) => t.width === 640 && t.height === 360), 'the width asked for, the height to the aspect ratio');
  console.log(`6 keyframe thumbnails: ${run.requests} requests (${run.sizes}), ${run.read} bytes read; the keyframes hold ${run.keyframes}`);
  assert.equal(run.requests, 6, 'one read per keyframe');
  assert.ok(run.read <= run.keyframes, `${run.read} bytes read for keyframes of ${run.keyframes} bytes`);
  assert.deepEqual(run.exact.map((t) => [t.time, t.frame, t.width, t.height]), [[2.5, 75, 320, 180], [4.1, 123, 320, 180], [0, 0, 320, 180]]);
  assert.deepEqual(run.open, [], 'the decoders are closed once the thumbnails are done');
  assert.deepEqual(errors, []);
  await page.close();
});

test('thumbnails of a portrait phone video are upright; of HLS, the keyframes opening its segments', async () => {
  const { page, errors } = await thumbnailPage();
  const run = await page.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    const portrait = await Media.open('/fixtures/portrait_90.mp4');
    const upright = await window.collect(portrait, { times: [1.5] }, { height: 160 }, 90);
    portrait.close();
    const stream = await Media.open('/fixtures/hls_ts/index.m3u8');
    const hls = await window.collect(stream, { count: 3 }, {});
    const keyframes = [...stream.keyframeTimes()];
    stream.close();
    return { upright, hls, keyframes };
  });
  // Shown upright the picture is 180x320: 160 high is 90 wide; the barcode reads where the turn puts it.
  assert.deepEqual(run.upright, [{ time: 1, width: 90, height: 160, frame: 30 }]);
  assert.equal(run.hls.length, 3);
  // The playlist's keyframe times are its segments' starts; the frames' own times lie a few ms after them.
  const near = (t) => run.keyframes.some((k) => Math.abs(k - t) < 0.05);
  assert.ok(run.hls.every((t) => near(t.time)), `HLS thumbnails at keyframes: ${run.hls.map((t) => t.time)} (${run.keyframes})`);
  assert.ok(run.hls.every((t) => t.width === 160 && t.height === 90), 'default width 160');
  assert.deepEqual(errors, []);
  await page.close();
});

test('thumbnails end early: break closes the decoder, an abort rejects with aborted; bad requests throw typed errors', async () => {
  const { page, errors } = await thumbnailPage();
  const run = await page.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open('/fixtures/high_bframes_moovend.mp4');
    let taken = 0;
    for await (const { image } of media.thumbnails({ count: 6 }, { exact: true })) {
      image.close();
      if (++taken === 2) break;
    }
    const afterBreak = window.openCodecs();
    const controller = new AbortController();
    const aborting = media.thumbnails({ count: 6 }, { signal: controller.signal });
    await aborting.next();
    controller.abort();
    const aborted = await aborting.next().then(() => 'resolved', (e) => e.code);
    const afterAbort = window.openCodecs();
    const code = (f) => { try { f(); return 'no error'; } catch (e) { return `${e.name} ${e.code}`; } };
    const refused = {
      zero: code(() => media.thumbnails({ count: 0 })),
      fraction: code(() => media.thumbnails({ count: 2.5 })),
      notTimes: code(() => media.thumbnails({ times: ['a'] })),
      nothing: code(() => media.thumbnails({})),
      width: code(() => media.thumbnails({ count: 1 }, { width: 0 })),
    };
    media.close();
    const sound = await Media.open('/fixtures/audio_only.m4a');
    refused.noVideo = code(() => sound.thumbnails({ count: 1 }));
    sound.close();
    return { taken, afterBreak, aborted, afterAbort, refused };
  });
  assert.equal(run.taken, 2);
  assert.deepEqual(run.afterBreak, [], 'break released the decoder');
  assert.equal(run.aborted, 'aborted');
  assert.deepEqual(run.afterAbort, [], 'the abort released the decoder');
  assert.deepEqual(run.refused, {
    zero: 'ReelcutError out_of_range',
    fraction: 'ReelcutError out_of_range',
    notTimes: 'ReelcutError out_of_range',
    nothing: 'ReelcutError malformed_input',
    width: 'ReelcutError out_of_range',
    noVideo: 'ReelcutError unsupported',
  });
  assert.deepEqual(errors, []);
  await page.close();
});
