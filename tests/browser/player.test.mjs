// The player in real headless Chromium: WebCodecs decoding, WebGL2 drawing, frame-exact seeking, checked by
// reading the frame-index barcode of the fixtures back from the canvas.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, playerPage as openPlayerPage, seekAndRead, serverAndBrowser, test } from './support.mjs';

const running = serverAndBrowser();

const FPS = 30;

const playerPage = () => openPlayerPage(running);

test('first frame of each MP4 fixture, from a URL, a Uint8Array and a Blob', async () => {
  const { page, errors } = await playerPage();
  for (const src of [
    '/fixtures/high_bframes_moovend.mp4',
    '/fixtures/baseline_mono44k_faststart.mp4',
    'bytes:/fixtures/high_bframes_moovend.mp4',
    'blob:/fixtures/baseline_mono44k_faststart.mp4',
  ]) {
    const [shown] = await seekAndRead(page, src, [0]);
    assert.deepEqual(shown, { frame: 0, currentTime: 0 }, src);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('frame-exact seeks: 20 random times show frame floor(t * fps)', async () => {
  const { page, errors } = await playerPage();
  // A fixed pseudo-random sequence, so a failure names the same times again.
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const times = Array.from({ length: 20 }, () => Math.round(random() * 5.95 * 1000) / 1000);
  for (const src of ['/fixtures/high_bframes_moovend.mp4', '/fixtures/baseline_mono44k_faststart.mp4']) {
    const seen = await seekAndRead(page, src, times);
    const expected = times.map((t) => Math.floor(t * FPS + 1e-9));
    assert.deepEqual(seen.map((s) => s.frame), expected, `${src} at ${times.join(', ')}`);
    assert.deepEqual(seen.map((s) => s.currentTime), times);
  }
  assert.deepEqual(errors, [], 'no console errors (a VideoFrame left to the garbage collector logs one)');
  await page.close();
});

test('portrait phone videos are shown upright and frame-exact: an MP4 turned 90°, a MOV turned 270°, by either renderer', async () => {
  const { page, errors } = await playerPage();
  const times = [0, 0.5, 1.2, 1.95];
  // WebGL2 turns the picture in its shader, the 2D context by its transform.
  for (const [name, rotation, renderer] of [
    ['portrait_90.mp4', 90, 'webgl2'],
    ['phone_270.mov', 270, 'webgl2'],
    ['portrait_90.mp4', 90, '2d'],
    ['phone_270.mov', 270, '2d'],
  ]) {
    const seen = await page.evaluate(
      async ({ name, rotation, times, renderer }) => {
        const { Media, Player } = await window.reelcutReady;
        const media = await Media.open(`/fixtures/${name}`);
        const { rotation: turn, mirror, width, height, displayWidth, displayHeight } = media.tracks.find(
          (t) => t.type === 'video',
        );
        // A portrait canvas of the shown aspect ratio (9:16), so the picture fills it.
        const canvas = document.createElement('canvas');
        canvas.style.cssText = 'width: 180px; height: 320px; display: block';
        document.body.append(canvas);
        const player = new Player(canvas, { renderer });
        await player.load(media);
        const frames = [];
        for (const t of times) {
          await player.seek(t);
          frames.push(window.readBarcode(canvas, rotation));
        }
        const drawnWith = player.renderer;
        // Read as if it were not turned, the same pictures give other numbers: the reading tells turns apart.
        const unturned = window.readBarcode(canvas, 0);
        player.destroy();
        media.close();
        canvas.remove();
        return { track: { turn, mirror, width, height, displayWidth, displayHeight }, frames, unturned, drawnWith };
      },
      { name, rotation, times, renderer },
    );
    assert.equal(seen.drawnWith, renderer, name);
    assert.deepEqual(
      seen.track,
      { turn: rotation, mirror: false, width: 320, height: 180, displayWidth: 180, displayHeight: 320 },
      name,
    );
    const expected = times.map((t) => Math.floor(t * FPS + 1e-9));
    assert.deepEqual(seen.frames, expected, `${name}, ${renderer}`);
    assert.notEqual(seen.unturned, expected.at(-1), `${name}, ${renderer}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('an MP4 by URL is read with Range requests: the index and the samples shown, not the file', async () => {
  const { page } = await playerPage();
  const ranges = [];
  page.on('request', (request) => {
    if (request.url().endsWith('high_bframes_moovend.mp4')) ranges.push(request.headers().range);
  });
  const [shown] = await seekAndRead(page, '/fixtures/high_bframes_moovend.mp4', [5.5]);
  assert.equal(shown.frame, 165);
  assert.ok(ranges.length >= 3 && ranges.every(Boolean), `every request had a Range header: ${ranges}`);
  // The file's head is read once, with the request that learns its length: the container is told from it
  // and the box headers in it are not read again while looking for 'moov'.
  assert.equal(ranges[0], 'bytes=0-4095');
  assert.equal(ranges.filter((r) => r.startsWith('bytes=0-')).length, 1, `${ranges}`);
  const bytes = ranges.map((r) => r.match(/bytes=(\d+)-(\d+)/)).reduce((sum, m) => sum + Number(m[2]) - Number(m[1]) + 1, 0);
  const size = statSync(join(fixtures, 'high_bframes_moovend.mp4')).size;
  assert.ok(bytes < size / 2, `read ${bytes} of ${size} bytes to show one frame near the end`);
  await page.close();
});

test('media facts: tracks, duration, keyframe times', async () => {
  const { page } = await playerPage();
  const facts = await page.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open('/fixtures/high_bframes_moovend.mp4');
    return { tracks: media.tracks, duration: media.duration, isLive: media.isLive, keyframes: [...media.keyframeTimes()] };
  });
  assert.deepEqual(facts.tracks, [
    {
      id: 1, type: 'video', codec: 'avc1.64001e', width: 640, height: 360, rotation: 0, mirror: false,
      displayWidth: 640, displayHeight: 360, sampleRate: 0, channels: 0,
    },
    {
      id: 2, type: 'audio', codec: 'mp4a.40.2', width: 0, height: 0, rotation: 0, mirror: false,
      displayWidth: 0, displayHeight: 0, sampleRate: 48000, channels: 2,
    },
  ]);
  assert.equal(facts.isLive, false);
  assert.deepEqual(facts.keyframes, [0, 1, 2, 3, 4, 5]);
  // 180 frames at 30 fps; the audio's priming samples before 0 (cut by the edit list) do not count.
  assert.equal(facts.duration, 6);
  await page.close();
});

test('bad sources reject with a ReelcutError and a code', async () => {
  const { page } = await playerPage();
  const errors = await page.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    const attempt = async (src) => {
      try {
        await Media.open(src);
        return null;
      } catch (e) {
        return { name: e.name, code: e.code };
      }
    };
    return {
      random: await attempt(new Uint8Array(4096).map((_, i) => (i * 7919) % 251)),
      missing: await attempt('/fixtures/no_such_file.mp4'),
      playlist: await attempt('/fixtures/no_such_playlist.m3u8'),
      number: await attempt(42),
    };
  });
  assert.deepEqual(errors, {
    random: { name: 'ReelcutError', code: 'malformed_input' },
    missing: { name: 'ReelcutError', code: 'network' },
    playlist: { name: 'ReelcutError', code: 'network' },
    number: { name: 'ReelcutError', code: 'malformed_input' },
  });
  await page.close();
});

test('playing: the clock advances, frames follow it in order, pause holds the frame, the end fires ended', async () => {
  const { page, errors } = await playerPage();
  const run = await page.evaluate(async () => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const player = new Player(canvas);
    const events = [];
    for (const kind of ['play', 'playing', 'pause', 'timeupdate', 'ended']) player.addEventListener(kind, () => events.push(kind));
    await player.load(await Media.open('/fixtures/high_bframes_moovend.mp4'));
    await player.play();
    const seen = [];
    const started = performance.now();
    while (performance.now() - started < 3000) {
      await new Promise((resolve) => requestAnimationFrame(resolve));
      seen.push(window.readBarcode(canvas));
    }
    player.pause();
    const paused = { time: player.currentTime, frame: window.readBarcode(canvas), paused: player.paused };
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stillPaused = window.readBarcode(canvas);
    // From 5 s, the remaining second plays out and ends.
    await player.seek(5);
    const ended = new Promise((resolve) => player.addEventListener('ended', resolve));
    await player.play();
    await ended;
    return { seen, paused, stillPaused, events, end: { time: player.currentTime, paused: player.paused, frame: window.readBarcode(canvas) }, dropped: player.droppedFrames };
  });
  // 3 s of wall time play 3 s of media (less the start-up of the first decode).
  assert.ok(run.paused.time > 2.5 && run.paused.time <= 3.1, `played to ${run.paused.time} s`);
  assert.equal(run.paused.paused, true);
  // Frames appear in order, and the one held on pause is the frame of the paused time.
  for (let i = 1; i < run.seen.length; i++) assert.ok(run.seen[i] >= run.seen[i - 1], `frame ${run.seen[i]} after ${run.seen[i - 1]}`);
  assert.ok(new Set(run.seen).size > 60, `only ${new Set(run.seen).size} distinct frames in 3 s`);
  assert.ok(Math.abs(run.paused.frame - Math.floor(run.paused.time * FPS)) <= 1, `frame ${run.paused.frame} at ${run.paused.time} s`);
  assert.equal(run.stillPaused, run.paused.frame);
  assert.deepEqual({ ...run.end }, { time: 6, paused: true, frame: 179 });
  assert.deepEqual([...new Set(run.events)], ['play', 'playing', 'timeupdate', 'pause', 'ended']);
  console.log(`playback: ${run.dropped} frames dropped`);
  assert.deepEqual(errors, [], 'no console errors (a VideoFrame left to the garbage collector logs one)');
  await page.close();
});

test('a video-only file plays on the page clock and loops; an audio-only file plays its sound and ends', async () => {
  const { page, errors } = await playerPage();
  const run = await page.evaluate(async () => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const events = [];
    const silent = new Player(canvas, { loop: true });
    silent.addEventListener('ended', () => events.push('video ended'));
    await silent.load(await Media.open('/fixtures/video_only.mp4'));
    await silent.seek(5.5);
    await silent.play();
    const wrapped = new Promise((resolve) => {
      const check = () => (silent.currentTime < 1 ? resolve() : requestAnimationFrame(check));
      requestAnimationFrame(check);
    });
    await wrapped;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const looped = { time: silent.currentTime, paused: silent.paused, frame: window.readBarcode(canvas), loop: silent.loop };
    silent.pause();

    const before = window.audioStats();
    const sound = new Player(document.createElement('canvas'));
    const media = await Media.open('/fixtures/audio_only.m4a');
    await sound.load(media);
    await sound.seek(4.5);
    const ended = new Promise((resolve) => sound.addEventListener('ended', resolve));
    const started = performance.now();
    await sound.play();
    await ended;
    return {
      looped, events,
      audio: { tracks: media.tracks.map((t) => t.type), time: sound.currentTime, wall: performance.now() - started,
               buffers: window.audioStats().started - before.started,
               seconds: window.audioStats().seconds - before.seconds, state: window.audioStats().state },
    };
  });
  // The loop went from the end back to the start without stopping or firing `ended`.
  assert.equal(run.looped.paused, false);
  assert.equal(run.looped.loop, true);
  assert.ok(run.looped.time > 0.1 && run.looped.time < 1.5, `at ${run.looped.time} after the loop`);
  assert.ok(Math.abs(run.looped.frame - Math.floor(run.looped.time * 30)) <= 2, `frame ${run.looped.frame} at ${run.looped.time}`);
  assert.deepEqual(run.events, []);
  // 1.5 s of AAC (about 70 frames of 1024 samples) played out on the audio clock.
  assert.deepEqual(run.audio.tracks, ['audio']);
  assert.equal(run.audio.state, 'running');
  assert.ok(run.audio.seconds > 1.45, `${run.audio.seconds} s of sound in ${run.audio.buffers} buffers`);
  assert.ok(Math.abs(run.audio.time - 6.0) < 0.05, `ended at ${run.audio.time}`);
  assert.ok(run.audio.wall > 1300, `1.5 s of sound took ${run.audio.wall} ms`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a Blob or Uint8Array is read by slices: a 200 MB file opens and seeks without being copied into wasm memory', async () => {
  const { page, errors } = await playerPage();
  const run = await page.evaluate(async () => {
    const reelcut = await window.reelcutReady;
    const { memory } = await reelcut.default();
    const { Media, Player } = reelcut;
    // The fixture (index first), then a 200 MB `free` box: a file of 200 MB whose samples are at its start.
    const fixture = new Uint8Array(await (await fetch('/fixtures/baseline_mono44k_faststart.mp4')).arrayBuffer());
    const padding = new Uint8Array(200 << 20);
    new DataView(padding.buffer).setUint32(0, padding.length);
    padding.set([0x66, 0x72, 0x65, 0x65], 4);
    const before = memory.buffer.byteLength;
    const results = [];
    for (const src of [new Blob([fixture, padding]), (() => {
      const bytes = new Uint8Array(fixture.length + padding.length);
      bytes.set(fixture);
      bytes.set(padding, fixture.length);
      return bytes;
    })()]) {
      const media = await Media.open(src);
      const player = new Player(document.getElementById('screen'));
      await player.load(media);
      await player.seek(4.5);
      results.push({ frame: window.readBarcode(document.getElementById('screen')), duration: media.duration });
      player.destroy();
      media.close();
    }
    return { results, grew: memory.buffer.byteLength - before };
  });
  assert.deepEqual(run.results, [{ frame: 135, duration: 6 }, { frame: 135, duration: 6 }]);
  assert.ok(run.grew < 16 << 20, `wasm memory grew by ${run.grew} bytes for a 200 MB file`);
  console.log(`a 200 MB Blob and Uint8Array opened and sought: wasm memory grew by ${(run.grew / 1048576).toFixed(2)} MB`);
  assert.deepEqual(errors, []);
  await page.close();
});
