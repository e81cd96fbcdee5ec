// Files other players' test suites are made of (the conformance corpus, served by the dev server under
// /conformance/) opened, shown and exported by the library in headless Chromium: a QuickTime MOV, a mirrored and
// turned phone video, MPEG-TS whose program tables come mid-stream, HEVC and AC-3 in MPEG-TS (which this
// browser cannot decode), and HLS of packed audio. What the native tests read from them (tests/conformance.rs),
// the browser must use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playerPage as openPlayerPage, serverAndBrowser } from './support.mjs';

const running = serverAndBrowser();

/** Opens `path` of the corpus in the page and shows it at each of `times`: its tracks, and for each time the
 *  share of the canvas that is not black (a picture drawn) and the player's time. */
async function showAt(page, path, times, canvasSize = [320, 180]) {
  return page.evaluate(async ({ path, times, canvasSize }) => {
    const { Media, Player } = await window.reelcutReady;
    const media = await Media.open(`/conformance/${path}`);
    const canvas = document.createElement('canvas');
    canvas.style.cssText = `width: ${canvasSize[0]}px; height: ${canvasSize[1]}px; display: block`;
    document.body.append(canvas);
    const player = new Player(canvas);
    await player.load(media);
    const shown = [];
    for (const t of times) {
      await player.seek(t);
      const copy = document.createElement('canvas');
      [copy.width, copy.height] = [canvas.width, canvas.height];
      const context = copy.getContext('2d');
      context.drawImage(canvas, 0, 0);
      const pixels = context.getImageData(0, 0, copy.width, copy.height).data;
      let lit = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i] + pixels[i + 1] + pixels[i + 2] > 48) lit++;
      shown.push({ lit: lit / (pixels.length / 4), time: player.currentTime });
    }
    const tracks = media.tracks.map(({ type, codec, rotation, mirror, displayWidth, displayHeight }) => ({
      type, codec, rotation, mirror, displayWidth, displayHeight,
    }));
    player.destroy();
    media.close();
    canvas.remove();
    return { tracks, shown };
  }, { path, times, canvasSize });
}

test('a QuickTime MOV (AAC described inside `wave`) opens and shows its pictures', async () => {
  const { page, errors } = await openPlayerPage(running);
  const { tracks, shown } = await showAt(page, 'exoplayer/mp4/bt601.mov', [0, 0.5, 0.9]);
  assert.deepEqual(tracks.map((t) => [t.type, t.codec]), [['audio', 'mp4a.40.2'], ['video', 'avc1.4d001e']]);
  for (const { lit } of shown) assert.ok(lit > 0.5, `a picture is drawn (${lit} of the canvas lit)`);
  assert.deepEqual(shown.map((s) => s.time), [0, 0.5, 0.9]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a turned and mirrored phone video reports its display and is drawn in its shown shape', async () => {
  const { page, errors } = await openPlayerPage(running);
  // 1080x720 pictures turned 270° after a left-right flip: shown 720x1080, on a canvas of that shape.
  const { tracks, shown } = await showAt(page, 'exoplayer/mp4/sample_rotate_and_reflect.mp4', [0.3], [240, 360]);
  assert.deepEqual(tracks[0], {
    type: 'video', codec: 'avc1.64001f', rotation: 270, mirror: true, displayWidth: 720, displayHeight: 1080,
  });
  // Drawn unturned, the picture would be letterboxed into a third of the portrait canvas.
  assert.ok(shown[0].lit > 0.9, `the turned picture fills the portrait canvas (${shown[0].lit} lit)`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('MPEG-TS whose PAT and PMT first come mid-stream opens, seeks and lists every sample', async () => {
  const { page, errors } = await openPlayerPage(running);
  // Its pictures are black; its sound starts 0.12 s before its first picture (time 0 is the earliest sample).
  const { tracks, shown } = await showAt(page, 'mux.js/test-middle-pat-pmt.ts', [0.2, 0.5]);
  assert.deepEqual(tracks.map((t) => [t.type, t.codec]), [['video', 'avc1.42c01f'], ['audio', 'mp4a.40.2']]);
  assert.deepEqual(shown.map((s) => s.time), [0.2, 0.5]);
  const counts = await page.evaluate(async () => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open('/conformance/mux.js/test-middle-pat-pmt.ts');
    const tables = await media.samples();
    media.close();
    return tables.map((t) => [t.type, t.pts.length]);
  });
  // As ffprobe lists them (tests/conformance/ffprobe.tsv): the packets before the tables are read too.
  assert.deepEqual(counts, [['video', 15], ['audio', 28]]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('HEVC in MPEG-TS: listed with its codec; seeking says this browser cannot decode it; a keyframe export copies it', async () => {
  const { page, errors } = await openPlayerPage(running);
  const result = await page.evaluate(async () => {
    const { Media, Player, supportsVideoDecoding } = await window.reelcutReady;
    const media = await Media.open('/conformance/exoplayer/ts/sample_h265.ts');
    const [video] = media.tracks;
    const decodable = await supportsVideoDecoding(video.codec, video.width, video.height);
    const player = new Player(document.getElementById('screen'));
    await player.load(media);
    const seek = await player.seek(0.5).then(() => 'shown', (e) => e.code);
    player.destroy();
    const bytes = await media.clip({ start: 0, end: 1 }).export({ mode: 'keyframe' });
    const copy = await Media.open(bytes);
    const [table] = await copy.samples();
    const reread = { codec: copy.tracks[0].codec, samples: table.pts.length };
    copy.close();
    media.close();
    return { codec: video.codec, decodable, seek, reread };
  });
  assert.equal(result.codec, 'hvc1.1.6.L90.90');
  // Debian's Chromium has no HEVC decoder (README, browser support); where a browser has one, it plays.
  assert.equal(result.seek, result.decodable ? 'shown' : 'unsupported_codec');
  assert.deepEqual(result.reread, { codec: 'hvc1.1.6.L90.90', samples: 30 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('AC-3 in MPEG-TS: listed with its codec, played silently to the end with a non-fatal unsupported_codec error', async () => {
  const { page, errors } = await openPlayerPage(running);
  const result = await page.evaluate(async () => {
    const { Media, Player, supportsAudioDecoding } = await window.reelcutReady;
    const media = await Media.open('/conformance/exoplayer/ts/sample_ac3.ts');
    const [audio] = media.tracks;
    const decodable = await supportsAudioDecoding(audio.codec, audio.sampleRate, audio.channels);
    const player = new Player(document.getElementById('screen'));
    const problems = [];
    player.addEventListener('error', (event) => problems.push({ code: event.detail.code, fatal: event.detail.fatal }));
    await player.load(media);
    const ended = new Promise((resolve) => player.addEventListener('ended', resolve));
    await player.play();
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 5000))]);
    const result = { codec: audio.codec, decodable, ended: player.ended, problems };
    player.destroy();
    media.close();
    return result;
  });
  assert.equal(result.codec, 'ac-3');
  assert.equal(result.ended, true, 'the clock ran to the end');
  if (!result.decodable) assert.deepEqual(result.problems, [{ code: 'unsupported_codec', fatal: false }]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('HLS of packed audio (ADTS segments with an ID3 timestamp) opens and plays its sound', async () => {
  const { page, errors } = await openPlayerPage(running);
  const result = await page.evaluate(async () => {
    const { Media, Player } = await window.reelcutReady;
    const media = await Media.open('/conformance/shaka/hls-raw-aac/stream.m4a.m3u8');
    const tracks = media.tracks.map((t) => [t.type, t.codec]);
    const player = new Player(document.getElementById('screen'));
    await player.load(media);
    await player.seek(10);
    await player.play();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const result = { tracks, duration: media.duration, time: player.currentTime, sound: window.audioStats() };
    player.destroy();
    media.close();
    return result;
  });
  assert.deepEqual(result.tracks, [['audio', 'mp4a.40.2']]);
  assert.ok(Math.abs(result.duration - 40) < 0.1, `duration ${result.duration}`);
  assert.ok(result.time > 10.3 && result.time < 11.5, `the clock went on from 10 s: ${result.time}`);
  assert.ok(result.sound.started > 0 && result.sound.seconds > 0.5, `sound scheduled: ${JSON.stringify(result.sound)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('HLS whose sound is an audio rendition of its own (CMAF): every audio packet plays with the pictures, once', async () => {
  const { page, errors } = await openPlayerPage(running);
  const result = await page.evaluate(async () => {
    const { Media, Player } = await window.reelcutReady;
    const media = await Media.open('/conformance/exoplayer/cmaf-multi-segment/playlist.m3u8');
    const tracks = media.tracks.map((t) => [t.type, t.codec]);
    const tables = await media.samples();
    const counts = tables.map((t) => [t.type, t.pts.length]);
    // Each audio packet once, in order: no packet lost or repeated where the segments meet.
    const audio = tables.find((t) => t.type === 'audio');
    const increasing = audio.pts.every((t, i) => i === 0 || t > audio.pts[i - 1]);
    const player = new Player(document.getElementById('screen'));
    await player.load(media);
    const choice = { tracks: player.audioTracks, track: player.audioTrack };
    try {
      player.audioTrack = 3;
    } catch (error) {
      choice.refused = error.code;
    }
    await player.play();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const result = { tracks, counts, increasing, choice, time: player.currentTime, sound: window.audioStats() };
    player.destroy();
    media.close();
    return result;
  });
  assert.deepEqual(result.tracks, [['video', 'avc1.4d401e'], ['audio', 'mp4a.40.2']]);
  // As ffprobe reads the video and audio segments (tests/conformance/ffprobe.tsv): 90 frames, 131 packets.
  assert.deepEqual(result.counts, [['video', 90], ['audio', 131]]);
  assert.ok(result.increasing, 'audio packets in order, none repeated');
  assert.deepEqual(result.choice, { tracks: [{ name: 'stream_0', language: null, enabled: true }], track: 0, refused: 'out_of_range' });
  assert.ok(result.time > 0.5, `the clock advanced: ${result.time}`);
  assert.ok(result.sound.started > 0 && result.sound.seconds > 0.5, `sound scheduled: ${JSON.stringify(result.sound)}`);
  assert.deepEqual(errors, []);
  await page.close();
});
