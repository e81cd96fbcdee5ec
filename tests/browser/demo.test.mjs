// The demo app (www/) end to end in real headless Chromium on the dev server and the generated sample media
// (.ci/samples.sh): open a sample and see its waveform, play, trim, export and play the export; clip the last 30 s of the live
// broadcast; trim a file of the user's exactly and download it; record a take from the fake microphone, see
// its waveform in the list, move it and export. Each flow asserts on the pixels of screenshots (what a person sees), and the exports are read
// by ffprobe. Then the editor keys, the sources and errors, the light and dark themes (on screen, chosen and
// kept), and an axe-core accessibility check in both themes at desktop and phone widths.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before } from 'node:test';
import { BROADCAST, openEditor, showTime, waitForText } from './editor.mjs';
import {
  beforeEachDocument, crateVersion, fixtures, launchChromium, pickFile, probe, repoRoot, serverAndBrowser, test,
} from './support.mjs';

before(() => execFileSync('bash', [join(repoRoot, '.ci', 'samples.sh')], { stdio: 'inherit' }));
const running = serverAndBrowser();
const scratch = mkdtempSync(join(tmpdir(), 'reelcut-demo-'));
const samples = join(repoRoot, 'www', 'samples');

/**
 * What a person sees of `selector`: a screenshot of it, decoded in the page. Resolves with its size, its mean
 * colour, its most common colour (`common`, [r, g, b]: the background, where one shows), a 32×18 grey
 * thumbnail to compare two looks, how many pixels are the LIVE badge's red, and the leftmost column holding the
 * dub voice block's green (-1 when none). For a waveform: `drawn`, per column, how many pixels differ from the
 * background (the column's pixel EDGE rows down: the rows at the edges may show what borders the element, as
 * the selection's edge does under the timeline's waveform), `colour`, the element's CSS colour (a canvas of
 * waveform.js draws in it), and `at`, the pixels asked for in `points` ([[x, y], …]); colours as [r, g, b].
 */
async function look(page, selector, points = []) {
  const png = await page.locator(selector).screenshot();
  return page.evaluate(async ({ base64, selector, points, EDGE }) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const { width, height } = image;
    const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    context.drawImage(image, 0, 0);
    const { data } = context.getImageData(0, 0, width, height);
    const mean = [0, 0, 0];
    const counts = new Map();
    let [red, greenLeft] = [0, -1];
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      mean[0] += r; mean[1] += g; mean[2] += b;
      const rgb = (r << 16) | (g << 8) | b;
      counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
      if (r > 180 && g < 90 && b < 90) red += 1;
      const x = (i / 4) % width;
      if (g > 100 && g - r > 60 && g - b > 40 && (greenLeft < 0 || x < greenLeft)) greenLeft = x;
    }
    const small = new OffscreenCanvas(32, 18).getContext('2d');
    small.drawImage(image, 0, 0, 32, 18);
    const pixels = small.getImageData(0, 0, 32, 18).data;
    const thumb = [];
    for (let i = 0; i < pixels.length; i += 4) thumb.push((pixels[i] + pixels[i + 1] + pixels[i + 2]) / 3);
    const [common] = [...counts].reduce((most, entry) => (entry[1] > most[1] ? entry : most));
    const offset = (x, y) => 4 * (y * width + x);
    const pixel = (x, y) => [...data.subarray(offset(x, y), offset(x, y) + 3)];
    const drawn = [];
    for (let x = 0; x < width; x += 1) {
      const background = offset(x, EDGE);
      let count = 0;
      for (let y = EDGE + 1; y < height - EDGE; y += 1) {
        const at = offset(x, y);
        if ([0, 1, 2].some((c) => Math.abs(data[at + c] - data[background + c]) > 24)) count += 1;
      }
      drawn.push(count);
    }
    const colour = getComputedStyle(document.querySelector(selector)).color.match(/[\d.]+/g).slice(0, 3).map(Number);
    return {
      width, height, mean: mean.map((sum) => sum / (width * height)), common: [common >> 16, (common >> 8) & 255, common & 255],
      thumb, red, greenLeft, drawn, colour, at: points.map(([x, y]) => pixel(x, y)),
    };
  }, { base64: png.toString('base64'), selector, points, EDGE: 4 });
}
const near = (a, b, tolerance = 12) => a.every((v, i) => Math.abs(v - b[i]) <= tolerance);

/** Mean absolute difference of two looks' thumbnails, in grey levels. */
const difference = (a, b) => a.thumb.reduce((sum, v, i) => sum + Math.abs(v - b.thumb[i]), 0) / a.thumb.length;

/** Clicks the download link `selector` as a person would and saves the file; resolves with its path. */
async function download(page, selector, name) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const path = join(scratch, name);
  await file.saveAs(path);
  assert.equal(file.suggestedFilename(), await page.getAttribute(selector, 'download'));
  return path;
}

/** The streams and duration ffprobe reads in `file`. */
function probed(file) {
  const { streams, format } = probe(file);
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  return { video, audio, duration: Number(format.duration) };
}

/** One frame of `file` as 36×64 grey pixels, by ffmpeg: the frame at `at` seconds (exact seek), or the first. */
function frameOf(file, at = null) {
  const seek = at === null ? [] : ['-ss', String(at)];
  return execFileSync('ffmpeg', ['-v', 'error', ...seek, '-i', file, '-frames:v', '1', '-vf', 'scale=36:64',
    '-f', 'rawvideo', '-pix_fmt', 'gray', '-']);
}
const frameDifference = (a, b) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;

const editorPage = (browser = running.browser) => openEditor(browser, running.server.base);

test('a sample plays (its frames change on screen), a trimmed clip exports and plays in place', async () => {
  const { page, errors } = await editorPage();
  assert.equal(await page.textContent('#version'), crateVersion());
  await page.waitForSelector('#support[data-ready="true"]', { state: 'attached' });
  const rows = await page.$$eval('#support tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.ok(rows.some((row) => row.startsWith('avc1.64001f') && row.endsWith('yesyes')), rows.join('\n'));
  // The keyframe thumbnails: the broadcast's blue and purple studio, not a black strip.
  await page.waitForSelector('#trim-strip[data-ready="true"]');
  const strip = await look(page, '#trim-strip');
  assert.ok(strip.mean[2] > 30 && strip.mean[2] > strip.mean[1], `thumbnails' colour ${strip.mean}`);
  // The waveform under them, a column per bucket: tall in the waveform's colour where the presenter speaks,
  // a thin line in the pauses between his lines. Where those are comes from media.waveform itself, asked
  // here for the same buckets over the whole 20 s. Both columns are inside the selection (5 → 10 s), which
  // no shade covers.
  await page.waitForSelector('#wave[data-ready="true"]');
  const expected = await page.evaluate(async () => {
    const { Media } = await import('/pkg/reelcut.js');
    const media = await Media.open('/samples/broadcast.mp4');
    const canvas = document.getElementById('waveform');
    const peaks = await media.waveform({ start: 0, end: 20, buckets: canvas.width });
    media.close();
    return { height: canvas.height, size: Array.from({ length: canvas.width }, (_, i) => peaks[2 * i + 1] - peaks[2 * i]) };
  });
  const selected = expected.size.map((size, x) => ({ x, size, t: (20 * x) / expected.size.length }))
    .filter(({ t }) => t > 5.4 && t < 9.6);
  const loud = selected.reduce((a, b) => (b.size > a.size ? b : a));
  const quiet = selected.reduce((a, b) => (b.size < a.size ? b : a));
  const px = (size) => (size * expected.height) / 2;
  assert.ok(px(loud.size) > 10 && px(quiet.size) < 1.5, `speech and a pause in the selection: ${px(loud.size)}, ${px(quiet.size)} px`);
  const wave = await look(page, '#waveform', [[loud.x, Math.floor(expected.height / 2)]]);
  assert.equal(wave.width, expected.size.length);
  assert.ok(wave.drawn[loud.x] >= 0.7 * px(loud.size) - 2, `speech at ${loud.t.toFixed(2)} s: ${wave.drawn[loud.x]} px drawn, ${px(loud.size)} expected`);
  assert.ok(wave.drawn[quiet.x] <= 2, `a pause at ${quiet.t.toFixed(2)} s: ${wave.drawn[quiet.x]} px drawn`);
  assert.ok(near(wave.at[0], wave.colour), `drawn in the waveform's colour: ${wave.at[0]}, ${wave.colour}`);
  // The other theme: drawn again in its colour.
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await look(page, '#waveform', [[loud.x, Math.floor(expected.height / 2)]]);
  assert.ok(!near(dark.colour, wave.colour) && near(dark.at[0], dark.colour), `dark: ${dark.at[0]}, ${dark.colour}`);
  await page.emulateMedia({ colorScheme: 'light' });
  // Play: what is on the player changes.
  const still = await look(page, '#screen');
  assert.ok(still.mean[2] > 40, `the first frame is shown (mean colour ${still.mean})`);
  await page.click('#play');
  await waitForText(page, '#play', 'Pause');
  await page.waitForFunction(() => parseFloat(document.getElementById('time').textContent) > 1.5);
  const playing = await look(page, '#screen');
  assert.ok(difference(still, playing) > 1, `the picture changed by ${difference(still, playing)} grey levels`);
  await page.keyboard.press('k');
  await waitForText(page, '#play', 'Play');
  // The selection is 5 → 10 s; the out handle, focused, moves back two seconds with Shift+←.
  await waitForText(page, '#trim-range', '5.000 s');
  await page.focus('#trim-out');
  await page.keyboard.press('Shift+ArrowLeft');
  await page.keyboard.press('Shift+ArrowLeft');
  await waitForText(page, '#out-time', '8.000 s');
  await waitForText(page, '#trim-range', '3.000 s');
  await page.click('#trim-export');
  await page.waitForSelector('#trim-result:not([hidden])', { timeout: 60_000 });
  await waitForText(page, '#trim-status', /^Exact cut: [0-9.]+ MB in [0-9.]+ s\.$/);
  assert.equal(await page.$eval('#trim-progress', (p) => p.value), 1);
  // The export, in place: its first frame, then playing.
  const result = await look(page, '#trim-result-screen');
  assert.ok(result.mean[2] > 40 && result.mean[2] > result.mean[1], `the export's first frame (mean colour ${result.mean})`);
  await page.click('#trim-result-play');
  await waitForText(page, '#trim-result-play', 'Pause the export');
  await page.waitForTimeout(1500);
  const resultPlaying = await look(page, '#trim-result-screen');
  assert.ok(difference(result, resultPlaying) > 1, `the export plays: changed by ${difference(result, resultPlaying)}`);
  const file = await download(page, '#trim-download', 'sample.mp4');
  const { video, audio, duration } = probed(file);
  assert.deepEqual([video.codec_name, video.width, video.height, audio.codec_name], ['h264', 1280, 720, 'aac']);
  assert.ok(Math.abs(duration - 3) < 0.1, `${duration} s`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the live broadcast: LIVE badge on the player, replay scrubbing, "Clip the last 30 s" exports a file ffprobe reads', async () => {
  const { page, errors } = await editorPage();
  await page.click('[data-href^="/live/broadcast/"]');
  await waitForText(page, '#viewer-status', 'avc1.64001f 1280×720, live, 40 s replay window');
  assert.equal(await page.isVisible('#live-badge'), true);
  assert.equal(await page.isVisible('#trim-last-30'), true);
  const screen = await look(page, '#stage');
  assert.ok(screen.red > 400, `the LIVE badge's red on screen: ${screen.red} pixels`);
  // Replay: the seek bar spans the window; scrubbing back 20 s shows that moment.
  const { min, max } = await page.$eval('#position', (p) => ({ min: Number(p.min), max: Number(p.max) }));
  assert.ok(max - min > 35, `replay window ${min}–${max}`);
  await page.$eval('#position', (p, t) => { p.value = String(t); p.dispatchEvent(new Event('input')); }, min + 5);
  await page.waitForFunction((t) => Math.abs(parseFloat(document.getElementById('time').textContent) - t) < 0.05, min + 5);
  await page.click('#trim-last-30');
  await waitForText(page, '#trim-range', '30.000 s');
  await page.waitForSelector('#trim-result:not([hidden])', { timeout: 90_000 });
  const result = await look(page, '#trim-result-screen');
  assert.ok(result.mean[2] > 40, `the clip's first frame on its player (mean colour ${result.mean})`);
  const file = await download(page, '#trim-download', 'live.mp4');
  const { video, duration } = probed(file);
  assert.deepEqual([video.codec_name, video.width, video.height], ['h264', 1280, 720]);
  assert.ok(Math.abs(duration - 30) < 0.2, `${duration} s`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a file of the user\'s: picked, shown portrait, trimmed exactly at I/O, downloaded', async () => {
  const { page, errors } = await editorPage();
  const source = join(samples, 'portrait.mp4');
  await pickFile(page, '#file', source);
  await waitForText(page, '#viewer-status', /^avc1\.\w+ 720×1280, 10\.000 s, 10 keyframes$/);
  const stage = await look(page, '#stage');
  assert.ok(stage.height > stage.width, `a portrait player: ${stage.width}×${stage.height}`);
  assert.ok(stage.mean[0] > stage.mean[2], `the clip's warm colours on screen (mean ${stage.mean})`);
  // In at 2 s, out at 5 s, with the editor keys at the frame shown.
  for (const [t, key] of [[2, 'i'], [5, 'o']]) {
    await showTime(page, t);
    await page.keyboard.press(key);
  }
  await waitForText(page, '#in-time', '2.000 s');
  await waitForText(page, '#out-time', '5.000 s');
  await page.check('input[name=trim-mode][value=exact]');
  await page.click('#trim-export');
  await page.waitForSelector('#trim-download:not([hidden])', { timeout: 60_000 });
  const file = await download(page, '#trim-download', 'portrait-exact.mp4');
  assert.match(file, /portrait-exact\.mp4$/);
  assert.equal(await page.getAttribute('#trim-download', 'download'), 'clip-2.00-5.00.mp4');
  const { video, duration } = probed(file);
  assert.deepEqual([video.codec_name, video.width, video.height], ['h264', 720, 1280]);
  assert.ok(Math.abs(duration - 3) < 0.05, `${duration} s`);
  // Exact: the export's first frame is the source's frame at 2 s, not the keyframe a second earlier.
  const first = frameOf(file);
  const [at2, at1] = [frameOf(source, 2), frameOf(source, 1)];
  assert.ok(frameDifference(first, at2) < 2, `first frame vs the source at 2 s: ${frameDifference(first, at2)}`);
  assert.ok(frameDifference(first, at1) > 2 * frameDifference(first, at2), 'and unlike the frame at 1 s');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a take recorded from the fake microphone after a count-in, with a level meter; moved on the timeline; exported', async () => {
  const browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${join(fixtures, 'voice.wav')}`]);
  try {
    const { page, errors } = await editorPage(browser);
    // The in handle dragged a second back (the track is 20 s wide): the clip is 4 → 10 s.
    const track = await page.locator('#track').boundingBox();
    const handle = await page.locator('#trim-in').boundingBox();
    const y = handle.y + handle.height / 2;
    await page.mouse.move(handle.x + handle.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(handle.x + handle.width / 2 - track.width / 20, y, { steps: 5 });
    await page.mouse.up();
    const start = parseFloat(await page.textContent('#in-time'));
    assert.ok(Math.abs(start - 4) < 0.15, `in point dragged to ${start} s`);
    const meterAtRest = await look(page, '#dub-level');
    await page.click('#dub-record');
    await waitForText(page, '#dub-countdown', /^[123]$/);
    await waitForText(page, '#dub-countdown', '● Recording', 15_000);
    const meterRecording = await look(page, '#dub-level');
    assert.ok(difference(meterAtRest, meterRecording) > 5, `the level meter moved: ${difference(meterAtRest, meterRecording)}`);
    await page.waitForTimeout(2500);
    await page.click('#dub-stop');
    await waitForText(page, '#dub-status', 'Take 1 recorded.');
    assert.equal(await page.locator('#dub-takes li').count(), 1);
    // The take in the list shows its waveform: the fake microphone's voice, columns drawn in the waveform's
    // colour well beyond the silent middle line.
    await page.waitForSelector('#dub-takes li canvas[data-ready="true"]');
    const take = await look(page, '#dub-takes li canvas');
    const tallest = take.drawn.indexOf(Math.max(...take.drawn));
    assert.ok(take.drawn[tallest] > take.height / 3, `the take's loudest column: ${take.drawn[tallest]} of ${take.height} px`);
    assert.ok(take.drawn.filter((n) => n > 4).length > take.width / 10, `voiced columns: ${take.drawn.filter((n) => n > 4).length} of ${take.width}`);
    const [middle] = (await look(page, '#dub-takes li canvas', [[tallest, Math.floor(take.height / 2)]])).at;
    assert.ok(near(middle, take.colour, 40), `the take drawn in the waveform's colour: ${middle}, ${take.colour}`);
    // The take is the green block on the timeline; dragged 60 px right, it moves there, and so does `at`.
    await page.waitForSelector('#voice-lane:not([hidden])');
    const before = await look(page, '#track-viewport');
    const atBefore = parseFloat(await page.textContent('#dub-at-value'));
    const block = await page.locator('#voice-block').boundingBox();
    await page.mouse.move(block.x + 10, block.y + block.height / 2);
    await page.mouse.down();
    await page.mouse.move(block.x + 70, block.y + block.height / 2, { steps: 5 });
    await page.mouse.up();
    const after = await look(page, '#track-viewport');
    assert.ok(before.greenLeft >= 0 && Math.abs(after.greenLeft - before.greenLeft - 60) <= 4,
      `voice block on screen from x=${before.greenLeft} to x=${after.greenLeft}`);
    const atAfter = parseFloat(await page.textContent('#dub-at-value'));
    const moved = (60 / track.width) * 20;
    assert.ok(Math.abs(atAfter - atBefore - moved) < 0.1, `at ${atBefore} → ${atAfter} s (expected +${moved.toFixed(2)})`);
    // Mixed under the original at its gain, exported.
    await page.check('input[name=dub-mode][value=mix]');
    await waitForText(page, '#dub-gain-value', '-6.0 dB');
    await page.click('#dub-export');
    await page.waitForSelector('#dub-download:not([hidden])', { timeout: 60_000 });
    await waitForText(page, '#dub-status', /^Dubbed clip, sound (opus|mp4a\.40\.2): [0-9.]+ MB in [0-9.]+ s\.$/);
    const file = await download(page, '#dub-download', 'dub.mp4');
    const { video, audio, duration } = probed(file);
    assert.equal(video.codec_name, 'h264');
    assert.ok(['opus', 'aac'].includes(audio.codec_name), audio.codec_name);
    assert.ok(Math.abs(duration - 6) < 0.15, `${duration} s`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('the editor keys, the sources, a dropped file, the music bed as a take, and an error a person can act on', async () => {
  const { page, errors } = await editorPage();
  await showTime(page, 2.5);
  // A frame is 1/25 s in the broadcast; Shift: a second; J back a second; L plays and K pauses.
  await page.click('#viewer-status');
  await page.keyboard.press('ArrowRight');
  await waitForText(page, '#time', '2.540 s');
  await page.keyboard.press('Shift+ArrowLeft');
  await waitForText(page, '#time', '1.540 s');
  await page.keyboard.press('j');
  await waitForText(page, '#time', '0.540 s');
  await page.keyboard.press('l');
  await waitForText(page, '#play', 'Pause');
  await page.keyboard.press('k');
  await waitForText(page, '#play', 'Play');
  // Zoom widens the track.
  const width = (await page.locator('#track').boundingBox()).width;
  await page.click('#zoom-in');
  await waitForText(page, '#zoom-level', '2×');
  assert.ok(Math.abs((await page.locator('#track').boundingBox()).width - 2 * width) < 2);
  // The music bed, imported as a take.
  await page.click('#dub-music');
  await waitForText(page, '#dub-status', 'Imported the music bed.');
  assert.equal(await page.locator('#dub-takes li').count(), 1);
  // Its length shows once drawing it has decoded it.
  await page.waitForSelector('#dub-takes li canvas[data-ready="true"]');
  const length = Number((await page.textContent('#dub-takes li .take-length')).match(/([\d.]+) s/)?.[1]);
  const music = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0',
    join(samples, 'music.m4a')]).toString());
  assert.ok(Math.abs(length - music) < 0.05, `the take lasts ${length} s, the music bed ${music} s`);
  // Something that is not media: the error says what failed and what to try; the page goes on working.
  await page.click('.url summary');
  await page.fill('#url', '/favicon.svg');
  await page.click('#open-form button');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error-message'), /^This media did not open: .+/);
  assert.match(await page.textContent('#error-hint'), /Try another file/);
  const alert = await look(page, '#error');
  assert.ok(alert.mean[0] > alert.mean[1] + 10, `the alert is red on screen (mean ${alert.mean})`);
  // A file dropped on the player opens.
  await page.evaluate(async () => {
    const bytes = await (await fetch('/fixtures/high_bframes_moovend.mp4')).arrayBuffer();
    const files = new DataTransfer();
    files.items.add(new File([bytes], 'mine.mp4', { type: 'video/mp4' }));
    document.getElementById('stage').dispatchEvent(new DragEvent('drop', { dataTransfer: files, cancelable: true }));
  });
  await waitForText(page, '#viewer-status', 'avc1.64001e 640×360, 6.000 s, 6 keyframes');
  assert.equal(await page.isVisible('#error'), false);
  await page.click('[data-href="/samples/portrait.mp4"]');
  await waitForText(page, '#viewer-status', /720×1280, 10\.000 s/);
  assert.equal(await page.getAttribute('[data-href="/samples/portrait.mp4"]', 'aria-current'), 'true');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a waveform whose sound could not be fetched says so, and is asked again on the next zoom', async () => {
  const { page, errors } = await editorPage();
  await page.click('[data-href="/samples/portrait.mp4"]');
  await waitForText(page, '#viewer-status', /720×1280, 10\.000 s/);
  // The next media's first waveform call fails as a dropped connection would make it fail.
  await page.evaluate(async () => {
    const { Media } = await import('/pkg/reelcut.js');
    const waveform = Media.prototype.waveform;
    Media.prototype.waveform = function (...args) {
      Media.prototype.waveform = waveform;
      return Promise.reject(Object.assign(new Error('the request failed'), { name: 'ReelcutError', code: 'network' }));
    };
  });
  await page.click('[data-href="/samples/broadcast.mp4"]');
  await waitForText(page, '#viewer-status', BROADCAST);
  await page.waitForSelector('#wave[data-retry="true"]', { state: 'attached' });
  assert.match(await page.getAttribute('#wave', 'data-empty'), /could not be fetched: zoom or scroll to try again/);
  await page.click('#zoom-in');
  await page.waitForSelector('#wave[data-ready="true"]', { state: 'attached' });
  assert.equal(await page.getAttribute('#wave', 'data-empty'), null);
  assert.ok((await look(page, '#waveform')).drawn.some((count) => count > 10), 'the speech is drawn after the retry');
  assert.deepEqual(errors, []);
  await page.close();
});

/** The background colour style.css gives `selector` in the theme shown, as [r, g, b]. */
const backgroundOf = (page, selector) => page.$eval(selector,
  (element) => getComputedStyle(element).backgroundColor.match(/[\d.]+/g).slice(0, 3).map(Number));
/** Relative luminance of an [r, g, b] colour, 0 (black) to 255 (white). */
const luminance = ([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/** The theme as shown: the page's, the header's and the timeline track's colour on screen (each the most
 *  common colour of a screenshot of them) with the colour style.css gives them, and the player's mean colour. */
async function themeShown(page) {
  // From the top down, so that the sticky header covers none of them.
  await page.evaluate(() => window.scrollTo(0, 0));
  const shown = { player: luminance((await look(page, '#stage')).mean) };
  for (const [name, selector, background] of [['header', '.topbar', '.topbar'], ['track', '#track .ticks', '#track-viewport'],
    ['page', '.footer', 'body']]) {
    shown[name] = { seen: (await look(page, selector)).common, styled: await backgroundOf(page, background) };
    const { seen, styled } = shown[name];
    assert.ok(seen.every((v, i) => Math.abs(v - styled[i]) <= 2), `${name}: ${seen} on screen, ${styled} in the style`);
  }
  return shown;
}

test('the themes: in light, a light page and timeline around a dark player; the header\'s choice over the system\'s, kept over a reload and set before the body is parsed', async () => {
  const { page, errors } = await editorPage();
  await page.waitForSelector('#trim-strip[data-ready="true"]');
  await showTime(page, 6.2);
  await page.emulateMedia({ colorScheme: 'light' });
  assert.equal(await page.inputValue('#theme'), 'system');
  const light = await themeShown(page);
  assert.ok(luminance(light.page.seen) > 230 && luminance(light.header.seen) > 240, `a light page: ${JSON.stringify(light)}`);
  assert.ok(luminance(light.track.seen) > 200, `a light timeline track: ${light.track.seen}`);
  assert.ok(light.player < 80, `the player stays dark: mean luminance ${light.player}`);
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await themeShown(page);
  assert.ok(luminance(dark.page.seen) < 30 && luminance(dark.track.seen) < 30, `the system's dark: ${JSON.stringify(dark)}`);
  assert.ok(Math.abs(dark.player - light.player) < 3, `the same player in both themes: ${light.player}, ${dark.player}`);

  // Chosen in the header over the system's (light): dark, kept over a reload, and set on <html> before the
  // body is parsed (so the first paint is already dark).
  await page.emulateMedia({ colorScheme: 'light' });
  await page.selectOption('#theme', 'dark');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  assert.ok(luminance((await themeShown(page)).page.seen) < 30, 'dark as chosen');
  await beforeEachDocument(page, () => {
    window.parsed = [];
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === 'attributes') window.parsed.push(`data-theme=${record.target.dataset.theme}`);
        else if ([...record.addedNodes].some((node) => node.nodeName === 'BODY')) window.parsed.push('body');
      }
    }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-theme'] });
  });
  await page.reload();
  await waitForText(page, '#viewer-status', /keyframes$/);
  assert.deepEqual(await page.evaluate(() => window.parsed), ['data-theme=dark', 'body']);
  assert.equal(await page.inputValue('#theme'), 'dark');
  assert.ok(luminance((await themeShown(page)).page.seen) < 30, 'still dark after the reload');
  // Light chosen while the system is dark; then the system's again, which a reload keeps too.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.selectOption('#theme', 'light');
  assert.ok(luminance((await themeShown(page)).page.seen) > 230, 'light as chosen');
  await page.selectOption('#theme', 'system');
  assert.equal(await page.getAttribute('html', 'data-theme'), null);
  await page.reload();
  await waitForText(page, '#viewer-status', /keyframes$/);
  assert.equal(await page.inputValue('#theme'), 'system');
  assert.ok(luminance((await themeShown(page)).page.seen) < 30, 'the system\'s dark after the reload');
  assert.deepEqual(errors, []);
  await page.close();
});

test('accessibility: axe-core finds no serious or critical violation, in the light and the dark theme, at desktop and at phone width', async () => {
  const { page, errors } = await editorPage();
  await page.waitForSelector('#trim-strip[data-ready="true"]');
  const axe = join(repoRoot, 'tests', 'node_modules', 'axe-core', 'axe.min.js');
  await page.addScriptTag({ path: axe });
  const violations = () => page.evaluate(async () => {
    const { violations } = await window.axe.run(document);
    return violations.filter((v) => ['serious', 'critical'].includes(v.impact))
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  for (const viewport of [{ width: 1280, height: 720 }, { width: 390, height: 844 }]) {
    await page.setViewportSize(viewport);
    for (const colorScheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      assert.deepEqual(await violations(), [], `${colorScheme} at ${viewport.width} px`);
    }
  }
  // Nothing wider than the phone's screen.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling at 390 px');
  const phone = await look(page, '#stage');
  assert.ok(phone.width <= 390 && phone.mean[2] > 40, `the player fits the phone and shows the picture (${phone.width} px, ${phone.mean})`);
  assert.deepEqual(errors, []);
  await page.close();
});
