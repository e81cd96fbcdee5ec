// Clip export in real headless Chromium (WebCodecs decode and encode): frame-exact and keyframe cuts of MP4
// files and HLS, a clip of the simulated live broadcast, progress and cancellation. Every export is checked
// three ways: ffprobe reads it, ffmpeg decodes every frame (the barcode says which source frame it is), and
// the library's own player shows the same frames.
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  BROWSER,
  ffmpegBarcodes,
  fixtures,
  liveFrameAt,
  liveZero,
  openPage,
  pickFile,
  probe,
  serverAndBrowser,
  test,
  videoStartOf,
} from './support.mjs';

const running = serverAndBrowser();
const FPS = 30;
const scratch = mkdtempSync(join(tmpdir(), 'reelcut-export-'));

async function exportPage() {
  const opened = await openPage(running.browser, running.server.base, '/tests/browser/pages/export.html');
  await opened.page.evaluate(() => window.reelcutReady);
  return opened;
}

/** Exports `[start, end)` of `src` in the page; returns the MP4 written to a scratch file, the progress
 *  reports, and what the player shows for each of its frames. */
async function exportClip(page, src, start, end, options) {
  const result = await page.evaluate(async ({ src, start, end, options }) => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open(src);
    const progress = [];
    const bytes = await media.clip({ start, end }).export({ ...options, onProgress: (f) => progress.push(f) });
    return { base64: window.toBase64(bytes), progress, open: window.openCodecs() };
  }, { src, start, end, options });
  const file = join(scratch, `${src.replace(/\W+/g, '_')}-${start}-${end}-${options.mode}.mp4`);
  writeFileSync(file, Buffer.from(result.base64, 'base64'));
  return { file, progress: result.progress, open: result.open, base64: result.base64 };
}



/** Exports `[start, end)` of `src` in the page to a new OPFS file through `createWritable()`, then the same
 *  clip as bytes; returns the file read back from OPFS (as `exportClip` does), what the export resolved
 *  with, and whether the bytes equal those returned in memory. `src` '#picker' is the file picked in the
 *  page's `<input type=file>`. */
async function exportToOpfs(page, src, start, end, options) {
  const result = await page.evaluate(async ({ src, start, end, options }) => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open(src === '#picker' ? document.querySelector(src).files[0] : src);
    const root = await navigator.storage.getDirectory();
    const name = `export-${options.mode}-${options.container}-${start}.mp4`;
    const handle = await root.getFileHandle(name, { create: true });
    const progress = [];
    const returned = await media.clip({ start, end }).export({
      ...options,
      writable: await handle.createWritable(),
      onProgress: (f) => progress.push(f),
    });
    const written = new Uint8Array(await (await handle.getFile()).arrayBuffer());
    const bytes = await media.clip({ start, end }).export(options);
    media.close();
    const same = written.length === bytes.length && written.every((b, i) => b === bytes[i]);
    return { base64: window.toBase64(written), returned: returned === undefined ? 'undefined' : Object.prototype.toString.call(returned), same, progress, open: window.openCodecs() };
  }, { src, start, end, options });
  const file = join(scratch, `opfs-${options.mode}-${options.container}-${start}.mp4`);
  writeFileSync(file, Buffer.from(result.base64, 'base64'));
  return { ...result, file };
}

/** What the library's player shows at the middle of each of `count` frames of the export. */
async function playerBarcodes(page, base64, count) {
  return page.evaluate(async ({ base64, count, fps }) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return (await window.framesOf(bytes, count, fps)).seen;
  }, { base64, count, fps: FPS });
}

function range(first, last) {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** Checks an export holds exactly source frames `first..last` with its sound lasting as long. */
async function checkFrames(page, exported, first, last, label) {
  const frames = range(first, last);
  assert.deepEqual(ffmpegBarcodes(exported.file), frames, `${label}: frames ffmpeg decodes`);
  const info = probe(exported.file);
  const video = info.streams.find((s) => s.codec_type === 'video');
  const audio = info.streams.find((s) => s.codec_type === 'audio');
  assert.equal(Number(video.nb_read_frames), frames.length, `${label}: ffprobe frame count`);
  assert.ok(Math.abs(Number(video.duration) - frames.length / FPS) < 1e-3, `${label}: video lasts ${video.duration}`);
  if (audio) assert.ok(Math.abs(Number(audio.duration) - Number(video.duration)) <= 1024 / 44100, `${label}: audio lasts ${audio.duration}`);
  assert.ok(Math.abs(Number(info.format.start_time)) < 1e-3, `${label}: starts at ${info.format.start_time}`);
  assert.deepEqual(await playerBarcodes(page, exported.base64, frames.length), frames, `${label}: frames the player shows`);
  assert.deepEqual(exported.open, [], `${label}: codecs left open`);
  assert.equal(exported.progress.at(-1), 1, `${label}: progress ends at 1`);
  assert.ok(exported.progress.every((f, i) => i === 0 || f > exported.progress[i - 1]), `${label}: progress only goes forward`);
}

test('exact cuts of MP4 files start on the requested frame and end on the frame before the end', async () => {
  const { page, errors } = await exportPage();
  for (const name of ['high_bframes_moovend.mp4', 'baseline_mono44k_faststart.mp4']) {
    // 1.5 s is frame 45, in the middle of the group of pictures that starts at frame 30; 3.7 s is inside
    // frame 111, so the clip's last frame is 110.
    const exported = await exportClip(page, `/fixtures/${name}`, 1.5, 3.7, { mode: 'exact' });
    await checkFrames(page, exported, 45, 110, `${name} exact`);
    // The browser's own <video> element plays it to the end, its first picture the requested frame.
    const played = await page.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      // The first frame (re-encoded head), and one in the copied tail.
      return window.elementFramesOf(bytes, [0.5 / 30, 40.5 / 30]);
    }, exported.base64);
    // (Chromium reports the longest track's stored length, which may pass the edit list's end by a frame;
    // Firefox the decode span, which reaches the last frame's presentation end: two frames of B-frame delay.)
    const slack = (BROWSER === 'firefox' ? 2 : 1) / FPS + 1e-6;
    assert.ok(Math.abs(played.duration - 66 / FPS) <= slack, `${name} in <video>: duration ${played.duration}`);
    assert.deepEqual({ frames: played.frames, error: played.error }, { frames: [45, 85], error: null }, `${name} in <video>`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('keyframe cuts start at the keyframe before the start, losslessly', async () => {
  const { page, errors } = await exportPage();
  const exported = await exportClip(page, '/fixtures/high_bframes_moovend.mp4', 1.5, 3.7, { mode: 'keyframe' });
  await checkFrames(page, exported, 30, 110, 'keyframe');
  assert.deepEqual(errors, []);
  await page.close();
});

test('exports of portrait phone videos keep their display matrix (MP4 turned 90°, MOV turned 270°)', async () => {
  const { page, errors } = await exportPage();
  for (const [name, rotation, ffprobeRotation] of [
    ['portrait_90.mp4', 90, -90],
    ['phone_270.mov', 270, 90],
  ]) {
    for (const mode of ['exact', 'keyframe']) {
      // 0.5 s is frame 15, inside the first group of pictures: exact re-encodes its head, keyframe starts at 0.
      const exported = await exportClip(page, `/fixtures/${name}`, 0.5, 1.5, { mode });
      const first = mode === 'exact' ? 15 : 0;
      assert.deepEqual(ffmpegBarcodes(exported.file), range(first, 44), `${name} ${mode}: frames ffmpeg decodes`);
      const video = probe(exported.file).streams.find((s) => s.codec_type === 'video');
      assert.equal(video.side_data_list?.[0]?.rotation, ffprobeRotation, `${name} ${mode}: ffprobe's rotation`);
      const reread = await page.evaluate(async (base64) => {
        const { Media } = await window.reelcutReady;
        const media = await Media.open(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
        const { rotation, displayWidth, displayHeight } = media.tracks.find((t) => t.type === 'video');
        media.close();
        return { rotation, displayWidth, displayHeight };
      }, exported.base64);
      assert.deepEqual(reread, { rotation, displayWidth: 180, displayHeight: 320 }, `${name} ${mode}: read back`);
    }
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('exact cuts of HLS (MPEG-TS and fMP4 segments) across segment boundaries', async () => {
  const { page, errors } = await exportPage();
  for (const name of ['hls_ts/index.m3u8', 'hls_fmp4/index.m3u8']) {
    // The media timeline starts with the audio, `videoStart` before the first frame.
    const videoStart = videoStartOf(name);
    const [start, end] = [1.3, 4.5];
    const exported = await exportClip(page, `/fixtures/${name}`, start, end, { mode: 'exact' });
    const first = Math.floor((start - videoStart) * FPS);
    const last = Math.ceil((end - videoStart) * FPS) - 1;
    await checkFrames(page, exported, first, last, `${name} exact`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('a cut at a segment boundary starts on the frame shown there, its sound primed from the segment before', async () => {
  const { page, errors } = await exportPage();
  const name = 'hls_ts/index.m3u8';
  const videoStart = videoStartOf(name);
  // Segment 1 starts at 2.0 s with its audio; its first frame (60) comes `videoStart` later, so at 2.01 s the
  // screen still shows frame 59, the last of segment 0.
  const [start, end] = [2.0 + videoStart / 2, 3.5];
  const exported = await exportClip(page, `/fixtures/${name}`, start, end, { mode: 'exact' });
  await checkFrames(page, exported, Math.floor((start - videoStart) * FPS), Math.ceil((end - videoStart) * FPS) - 1, 'boundary exact');
  // The packet before the clip's first sound is in segment 0: with it, the sound covers the pictures exactly.
  const streams = probe(exported.file).streams;
  const [video, audio] = ['video', 'audio'].map((type) => streams.find((s) => s.codec_type === type));
  assert.ok(Math.abs(Number(audio.duration) - Number(video.duration)) < 1e-3, `audio ${audio.duration} s, video ${video.duration} s`);
  assert.ok(Math.abs(Number(audio.start_time)) < 1e-3, `audio starts at ${audio.start_time}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('across a discontinuity that changes picture size: exact re-encodes the smaller stretch, keyframe refuses', async () => {
  const { page, errors } = await exportPage();
  // hls_switch: frames 0-119 at 640x360 (hls_ts), then behind a discontinuity frames 120-179 at 320x180
  // (hls_low), the switch at 4 s plus the video's offset.
  const name = 'hls_switch/index.m3u8';
  const videoStart = videoStartOf('hls_ts/index.m3u8');
  const [start, end] = [3.0, 5.5];
  const refused = await page.evaluate(async (src) => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open(src);
    return media.clip({ start: 3.0, end: 5.5 }).export({ mode: 'keyframe' }).then(() => null, (e) => ({ code: e.code, message: e.message }));
  }, `/fixtures/${name}`);
  assert.equal(refused?.code, 'unsupported');
  assert.match(refused.message, new RegExp(`at ${(4 + videoStart).toFixed(3)} s.*'exact'`));

  const exported = await exportClip(page, `/fixtures/${name}`, start, end, { mode: 'exact' });
  // The first frame shown at 3.0 s; the last starting before 5.5 s (the low rendition's video starts at
  // the same offset into its segment).
  await checkFrames(page, exported, Math.floor((start - videoStart) * FPS), Math.ceil((end - videoStart) * FPS) - 1, 'switch exact');
  const video = probe(exported.file).streams.filter((s) => s.codec_type === 'video');
  assert.deepEqual(video.map((s) => [s.width, s.height]), [[640, 360]], 'one video stream at the clip\'s size');
  assert.deepEqual(errors, []);
  await page.close();
});

test('live: clip the last 20 s while it is live; the frames are those broadcast at those times', async () => {
  const { page, errors } = await exportPage();
  const url = `/live/hls_ts/index.m3u8?window=15&session=clip${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open(url);
    const { end } = media.seekable;
    const start = end - 20;
    const bytes = await media.clip({ start, end }).export({ mode: 'exact' });
    // The helper for clipping by wall-clock time: back from PROGRAM-DATE-TIME to the media timeline.
    const backToMedia = media.timeAtWallClock(media.wallClockAt(start));
    return { base64: window.toBase64(bytes), start, end, backToMedia, wallStart: media.wallClockAt(start), live: media.isLive, open: window.openCodecs() };
  }, url);
  assert.equal(run.live, true);
  assert.ok(Math.abs(run.backToMedia - run.start) < 1e-3, `timeAtWallClock(wallClockAt(${run.start})) = ${run.backToMedia}`);
  const zero = await liveZero(running.server.base, url);
  const file = join(scratch, 'live.mp4');
  writeFileSync(file, Buffer.from(run.base64, 'base64'));
  const codes = ffmpegBarcodes(file);
  // `start` is where a segment starts, and so does its first frame: a live stream joined at its edge has its
  // pictures pinned where the playlist dates them (the audio's lead over them is not taken from a segment
  // that does not start the timeline), so the clip holds exactly 20 s of frames.
  assert.equal(codes.length, 20 * FPS, `${codes.length} frames for 20 s`);
  // Each frame is the one broadcast at its wall-clock time (the broadcast's video follows its audio by
  // 21 ms, so times are taken at the middle of each frame).
  const broadcast = codes.map((_, i) => liveFrameAt(run.wallStart + ((i + 0.5) * 1000) / FPS, zero));
  const mismatches = codes.filter((code, i) => Math.abs(code - broadcast[i]) > 1 && Math.abs(code - broadcast[i]) < 179);
  assert.deepEqual(mismatches, [], `frames ${codes.slice(0, 5)}... against broadcast ${broadcast.slice(0, 5)}...`);
  assert.deepEqual(run.open, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('aborting an export rejects with aborted and closes its encoder and decoder', async () => {
  const { page, errors } = await exportPage();
  const outcome = await page.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open('/fixtures/high_bframes_moovend.mp4');
    const controller = new AbortController();
    let sawEncoder = false;
    const exporting = media.clip({ start: 1.1, end: 5 }).export({
      mode: 'exact',
      signal: controller.signal,
      onProgress: (f) => {
        // Re-encoding the head is the first fifth of an exact cut of a file.
        if (f > 0.1 && window.codecs.some(({ name }) => name === 'VideoEncoder')) {
          sawEncoder = true;
          controller.abort();
        }
      },
    });
    const error = await exporting.then(() => null, (e) => ({ name: e.name, code: e.code, message: e.message }));
    const before = await media.clip({ start: 1, end: 2 }).export({ signal: AbortSignal.abort() }).catch((e) => e.code);
    return { error, sawEncoder, open: window.openCodecs(), before };
  });
  assert.equal(outcome.sawEncoder, true, 'aborted while re-encoding');
  assert.deepEqual(outcome.error?.code, 'aborted', JSON.stringify(outcome.error));
  assert.equal(outcome.error.name, 'ReelcutError');
  assert.deepEqual(outcome.open, [], 'every encoder and decoder closed');
  assert.equal(outcome.before, 'aborted', 'an already aborted signal');
  assert.deepEqual(errors, []);
  await page.close();
});

test('bad clip requests fail with typed errors', async () => {
  const { page, errors } = await exportPage();
  const codes = await page.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open('/fixtures/high_bframes_moovend.mp4');
    const thrown = (f) => { try { f(); return null; } catch (e) { return e.code; } };
    return {
      reversed: thrown(() => media.clip({ start: 3, end: 2 })),
      outside: thrown(() => media.clip({ start: 5, end: 9 })),
      missing: thrown(() => media.clip({ start: 1 })),
      mode: await media.clip({ start: 1, end: 2 }).export({ mode: 'fast' }).catch((e) => e.code),
      container: await media.clip({ start: 1, end: 2 }).export({ container: 'mkv' }).catch((e) => e.code),
      progress: await media.clip({ start: 1, end: 2 }).export({ onProgress: 3 }).catch((e) => e.code),
    };
  });
  assert.deepEqual(codes, {
    reversed: 'out_of_range',
    outside: 'out_of_range',
    missing: 'malformed_input',
    mode: 'malformed_input',
    container: 'malformed_input',
    progress: 'malformed_input',
  });
  assert.deepEqual(errors, []);
  await page.close();
});

test('exports to an OPFS file through a WritableStream, both modes and both containers', async () => {
  const { page, errors } = await exportPage();
  for (const container of ['mp4', 'fmp4']) {
    for (const mode of ['keyframe', 'exact']) {
      const label = `${mode} ${container} to OPFS`;
      const exported = await exportToOpfs(page, '/fixtures/high_bframes_moovend.mp4', 1.5, 3.7, { mode, container });
      assert.equal(exported.returned, 'undefined', `${label}: resolves with undefined`);
      const first = mode === 'exact' ? 45 : 30;
      if (container === 'mp4') {
        await checkFrames(page, exported, first, 110, label);
      } else {
        // ffmpeg does not end a fragmented file's video where its edit list does: it also shows frame 112,
        // the reference frame the last B-frames needed (as it does for the fMP4 returned in memory).
        assert.deepEqual(ffmpegBarcodes(exported.file).slice(0, 110 - first + 1), range(first, 110), `${label}: ffmpeg`);
        assert.deepEqual(await playerBarcodes(page, exported.base64, 110 - first + 1), range(first, 110), `${label}: player`);
        assert.deepEqual(exported.open, [], `${label}: codecs left open`);
        assert.equal(exported.progress.at(-1), 1, `${label}: progress ends at 1`);
      }
      // A keyframe cut is a copy: the file on disk is byte for byte the one returned in memory.
      if (mode === 'keyframe') assert.ok(exported.same, `${label}: the same bytes as in memory`);
      const boxes = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name', '-of', 'csv=p=0', exported.file]);
      assert.match(String(boxes), /mp4/, label);
    }
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('an export aborted midway aborts its writable at once: the request in flight stops, the file is not committed, nothing is left open', async () => {
  const { page, errors } = await exportPage();
  const outcome = await page.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    // Sent at 200 kbit/s: the clip's 130 KB take five seconds to arrive.
    const media = await Media.open('/fixtures/high_bframes_moovend.mp4?kbps=200');
    const root = await navigator.storage.getDirectory();
    const handle = await root.getFileHandle('aborted.mp4', { create: true });
    const before = await handle.createWritable();
    await before.write(new TextEncoder().encode('kept'));
    await before.close();
    const writable = await handle.createWritable();
    const controller = new AbortController();
    const exporting = media.clip({ start: 1.5, end: 5 }).export({ mode: 'exact', writable, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const abortedAt = performance.now();
    controller.abort();
    const error = await exporting.then(() => null, (e) => ({ name: e.name, code: e.code }));
    const took = performance.now() - abortedAt;
    const writeAfter = await writable.getWriter().write(new Uint8Array(4)).then(() => 'written', (e) => e.name ?? 'rejected');
    const kept = await (await handle.getFile()).text();
    media.close();
    return { error, took, writeAfter, kept, open: window.openCodecs() };
  });
  assert.deepEqual(outcome.error, { name: 'ReelcutError', code: 'aborted' });
  assert.ok(outcome.took < 500, `rejected ${outcome.took} ms after the abort, with a read in flight`);
  assert.notEqual(outcome.writeAfter, 'written', 'the writable is aborted');
  assert.equal(outcome.kept, 'kept', 'the OPFS file keeps what it held');
  assert.deepEqual(outcome.open, [], 'every encoder and decoder closed');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a File picked in an <input type=file> plays, seeks and exports to OPFS, progress moving with the bytes', async () => {
  // 20 s of 640x360 video at a high bitrate (noise makes it about 1.2 MB a second), barcoded like the fixtures.
  const big = join(scratch, 'picked.mp4');
  const barcode = "geq=lum='if(lt(Y\\,32)\\,255*mod(floor(N/pow(2\\,floor(X/40)))\\,2)\\,lum(X\\,Y))':cb='if(lt(Y\\,32)\\,128\\,cb(X\\,Y))':cr='if(lt(Y\\,32)\\,128\\,cr(X\\,Y))'";
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=20',
    '-f', 'lavfi', '-i', 'sine=f=440:r=48000:d=20', '-vf', `noise=alls=12:allf=t,${barcode},format=yuv420p`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '24', '-g', '30', '-c:a', 'aac', '-movflags', '+faststart', big]);
  const { page, errors } = await exportPage();
  await page.evaluate(() => document.body.append(Object.assign(document.createElement('input'), { type: 'file', id: 'picker' })));
  await pickFile(page, '#picker', big);
  const played = await page.evaluate(async (fps) => {
    const { Media, Player } = await window.reelcutReady;
    const file = document.querySelector('#picker').files[0];
    const media = await Media.open(file);
    const player = new Player(document.getElementById('screen'));
    await player.load(media);
    const seen = [];
    for (const frame of [450, 17, 599]) {
      await player.seek((frame + 0.5) / fps);
      seen.push(window.readBarcode(document.getElementById('screen')));
    }
    await player.play();
    await new Promise((resolve) => setTimeout(resolve, 300));
    player.destroy();
    media.close();
    return { seen, name: file.name, size: file.size };
  }, FPS);
  assert.deepEqual(played.seen, [450, 17, 599], 'frames shown after seeks');
  assert.equal(played.name, 'picked.mp4');
  // Keyframe cut of 3-13 s: about 12 MB written in 1 MiB batches, progress reported after each.
  const exported = await exportToOpfs(page, '#picker', 3.2, 13, { mode: 'keyframe', container: 'mp4' });
  assert.deepEqual(ffmpegBarcodes(exported.file), range(90, 389), 'frames ffmpeg decodes');
  assert.equal(Number(probe(exported.file).streams.find((s) => s.codec_type === 'audio').nb_read_frames) > 0, true);
  assert.ok(exported.same, 'the same bytes as in memory');
  const { progress } = exported;
  assert.ok(progress.length >= 10, `${progress.length} progress reports for ${played.size} bytes`);
  assert.ok(progress.every((f, i) => i === 0 || f > progress[i - 1]) && progress.at(-1) === 1, `progress ${progress}`);
  assert.deepEqual(exported.open, []);
  assert.deepEqual(errors, []);
  await page.close();
});

/** The fixture looped to two hours (525,000 samples: a real 6 MB index), its `mdat` then grown to 3 GB with
 *  a sparse tail that no sample points into: a file of 3 GB that takes 400 MB of disk. */
function makeThreeGigabyteFile() {
  const looped = join(scratch, 'three_gigabytes.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '1199', '-i', join(fixtures, 'baseline_mono44k_faststart.mp4'),
    '-t', '7200', '-c', 'copy', '-movflags', '+faststart', looped]);
  const fd = openSync(looped, 'r+');
  const header = Buffer.alloc(8);
  let at = 0;
  for (;;) {
    assert.equal(readSync(fd, header, 0, 8, at), 8, 'ffmpeg wrote an mdat');
    if (header.toString('latin1', 4, 8) === 'mdat') break;
    at += header.readUInt32BE(0);
  }
  assert.notEqual(header.readUInt32BE(0), 1, 'a 32-bit mdat size to grow');
  header.writeUInt32BE(THREE_GB - at, 0);
  writeSync(fd, header, 0, 4, at);
  ftruncateSync(fd, THREE_GB);
  closeSync(fd);
  return looped;
}

const THREE_GB = 3e9;
const MB = 1e6;

test('a 3 GB File opens in under 64 MB of wasm memory, clips read their own bytes, a 20-minute export streams to OPFS in under 100 MB', async () => {
  const big = makeThreeGigabyteFile();
  try {
    const { page, errors } = await exportPage();
    await page.evaluate(() => document.body.append(Object.assign(document.createElement('input'), { type: 'file', id: 'picker' })));
    await pickFile(page, '#picker', big);
    const run = await page.evaluate(async () => {
      const reelcut = await window.reelcutReady;
      const { memory } = await reelcut.default();
      // The bytes sliced from the File, and the page's JS heap peak (sampled every 10 ms; Chromium only).
      let sliced = 0;
      const slice = Blob.prototype.slice;
      Blob.prototype.slice = function (start = 0, end = this.size, type) {
        sliced += Math.min(end, this.size) - start;
        return slice.call(this, start, end, type);
      };
      const heap = () => performance.memory?.usedJSHeapSize ?? 0;
      let heapPeak = heap();
      const sampler = setInterval(() => { heapPeak = Math.max(heapPeak, heap()); }, 10);
      const file = document.querySelector('#picker').files[0];
      const media = await reelcut.Media.open(file);
      const opened = { read: sliced, wasm: memory.buffer.byteLength, duration: media.duration, size: file.size };
      sliced = 0;
      const clip = await media.clip({ start: 3600, end: 3630 }).export({ mode: 'keyframe' });
      const clipped = { read: sliced, base64: window.toBase64(clip) };
      sliced = 0;
      heapPeak = heap();
      const root = await navigator.storage.getDirectory();
      const handle = await root.getFileHandle('twenty-minutes.mp4', { create: true });
      await media.clip({ start: 3000, end: 4200 }).export({ mode: 'keyframe', writable: await handle.createWritable() });
      clearInterval(sampler);
      const streamed = { read: sliced, written: (await handle.getFile()).size, heapPeak, wasm: memory.buffer.byteLength };
      await root.removeEntry('twenty-minutes.mp4');
      media.close();
      Blob.prototype.slice = slice;
      return { opened, clipped, streamed, open: window.openCodecs() };
    });
    const { opened, clipped, streamed } = run;
    assert.equal(opened.size, THREE_GB);
    assert.ok(Math.abs(opened.duration - 7200) < 0.1, `duration ${opened.duration}`);
    assert.ok(opened.read < 8 * MB, `the open read ${opened.read} bytes: its head and index`);
    assert.ok(opened.wasm < 64 * 2 ** 20, `wasm memory ${opened.wasm} bytes after opening a 3 GB file`);
    // The 30 s clip: the fixture's 180 frames in their loop's order, from the keyframe before 3600 s (the
    // fixture's keyframes are 3 s apart), read at about its own size.
    const clipFile = join(scratch, 'three_gigabytes_clip.mp4');
    writeFileSync(clipFile, Buffer.from(clipped.base64, 'base64'));
    const clipBytes = Buffer.from(clipped.base64, 'base64').length;
    const frames = ffmpegBarcodes(clipFile);
    assert.ok(frames.length >= 900 && frames.length <= 990, `${frames.length} frames in the 30 s clip`);
    assert.ok(frames.every((code, i) => i === 0 || code === (frames[i - 1] + 1) % 180), `frames ${frames}`);
    assert.ok(clipped.read <= 1.2 * clipBytes, `the 30 s clip read ${clipped.read} bytes for ${clipBytes} written`);
    assert.ok(streamed.read <= 1.2 * streamed.written, `the 20-minute export read ${streamed.read} bytes for ${streamed.written}`);
    assert.ok(streamed.written > 60 * MB, `the 20-minute export wrote ${streamed.written} bytes`);
    const peak = streamed.wasm + streamed.heapPeak;
    assert.ok(peak < 100 * MB, `wasm memory ${streamed.wasm} + JS heap peak ${streamed.heapPeak} bytes while streaming 20 minutes`);
    if (BROWSER !== 'firefox') assert.ok(streamed.heapPeak > 0, 'the JS heap was read');
    console.log(`3 GB File: open read ${(opened.read / MB).toFixed(1)} MB, wasm ${(opened.wasm / MB).toFixed(1)} MB; 30 s clip read ` +
      `${(clipped.read / MB).toFixed(1)} MB for ${(clipBytes / MB).toFixed(1)} MB; 20 minutes to OPFS: read ` +
      `${(streamed.read / MB).toFixed(1)} MB, wrote ${(streamed.written / MB).toFixed(1)} MB, wasm ${(streamed.wasm / MB).toFixed(1)} MB ` +
      (BROWSER === 'firefox' ? '(Firefox has no JS heap figure)' : `+ JS heap peak ${(streamed.heapPeak / MB).toFixed(1)} MB`));
    assert.deepEqual(run.open, []);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    rmSync(big, { force: true });
  }
});
