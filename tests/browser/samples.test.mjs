// `media.samples()` lists the sample index as ffprobe reads the same file: per track, every packet's size,
// sync flag and times, for an MP4 (from its index) and an HLS MPEG-TS stream (segments fetched and demuxed).
import assert from 'node:assert/strict';
import { ffprobeOf, openPage, serverAndBrowser, test } from './support.mjs';

const running = serverAndBrowser();

/** `media.samples(options)` of `src` in the page, typed arrays turned into plain arrays. */
async function samplesOf(src, options) {
  const { page, errors } = await openPage(running.browser, running.server.base, '/tests/browser/pages/embed.html');
  const result = await page.evaluate(async ({ src, options }) => {
    const lib = await import('/pkg/reelcut.js');
    await lib.default();
    const media = await lib.Media.open(src);
    const progress = [];
    try {
      const tables = await media.samples({ ...options, onProgress: (f) => progress.push(f) });
      return {
        progress,
        tables: tables.map((t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, ArrayBuffer.isView(v) ? [...v] : v]))),
      };
    } catch (e) {
      return { error: { name: e.name, code: e.code, message: e.message } };
    }
  }, { src, options });
  await page.close();
  assert.deepEqual(errors, []);
  return result;
}

/** Asserts each table matches ffprobe's packets of the stream of its type in `fixture`. */
function assertMatchesFfprobe(tables, fixture) {
  const packets = ffprobeOf(fixture).packets;
  assert.deepEqual(tables.map((t) => t.type), ['video', 'audio']);
  for (const table of tables) {
    const expected = packets.filter((p) => p.codec_type === table.type);
    assert.equal(table.pts.length, expected.length, `${fixture} ${table.type}: sample count`);
    assert.deepEqual(table.size, expected.map((p) => Number(p.size)), `${fixture} ${table.type}: sizes`);
    assert.deepEqual(table.key, expected.map((p) => (p.flags.startsWith('K') ? 1 : 0)), `${fixture} ${table.type}: sync flags`);
    // Same times up to where each puts the timeline's zero.
    const shift = table.pts[0] - Number(expected[0].pts_time);
    for (const [i, p] of expected.entries()) {
      assert.ok(Math.abs(table.pts[i] - Number(p.pts_time) - shift) < 1e-3, `${fixture} ${table.type} ${i}: pts`);
      assert.ok(Math.abs(table.dts[i] - Number(p.dts_time) - shift) < 1e-3, `${fixture} ${table.type} ${i}: dts`);
      assert.ok(Math.abs(table.duration[i] - Number(p.duration_time)) < 1e-3, `${fixture} ${table.type} ${i}: duration`);
    }
  }
}

test('an MP4 lists every sample as ffprobe does', async () => {
  const { tables, progress } = await samplesOf('/fixtures/high_bframes_moovend.mp4');
  assertMatchesFfprobe(tables, 'high_bframes_moovend.mp4');
  assert.match(tables[0].codec, /^avc1\./);
  assert.equal(Math.min(...tables[0].pts), 0, 'the first frame is shown at media time 0');
  assert.deepEqual(progress, [1]);
});

test('an HLS MPEG-TS stream lists every sample of its segments as ffprobe does', async () => {
  const { tables, progress } = await samplesOf('/fixtures/hls_ts/index.m3u8');
  assertMatchesFfprobe(tables, 'hls_ts/index.m3u8');
  assert.ok(progress.length >= 3 && progress.at(-1) === 1, `progress per segment: ${progress}`);
});

test('a span lists the samples presented in it', async () => {
  const { tables } = await samplesOf('/fixtures/high_bframes_moovend.mp4', { start: 1, end: 2 });
  const [video] = tables;
  assert.equal(video.pts.length, 30, '30 fps: frames 30 to 59');
  assert.ok(video.pts.every((t) => t >= 1 && t < 2));
  const hls = (await samplesOf('/fixtures/hls_ts/index.m3u8', { start: 2.5, end: 3 })).tables[0];
  assert.equal(hls.pts.length, 15, 'HLS: half a second at 30 fps');
});

test('bad spans and options are refused with codes', async () => {
  const cases = [
    [{ start: 3, end: 1 }, 'out_of_range'],
    [{ start: NaN }, 'out_of_range'],
    [{ start: 'soon' }, 'malformed_input'],
    [{ signal: 'stop' }, 'malformed_input'],
  ];
  for (const [options, code] of cases) {
    const { error } = await samplesOf('/fixtures/high_bframes_moovend.mp4', options);
    assert.equal(error?.code, code, `${JSON.stringify(options)}: ${error?.message}`);
    assert.equal(error.name, 'ReelcutError');
  }
});

test('an HLS listing fetches a few segments at once, and its signal stops every request it started', async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/tests/browser/pages/embed.html');
  // 15 live segments of about 120 KB at 1 Mbit/s: each takes about a second to arrive.
  const url = `/live/hls_ts/index.m3u8?window=15&kbps=1000&session=ahead${Date.now()}`;
  const segments = new Map();
  let most = 0;
  page.on('request', (request) => {
    if (!new URL(request.url()).pathname.endsWith('.ts')) return;
    segments.set(request, 'open');
    most = Math.max(most, [...segments.values()].filter((state) => state === 'open').length);
  });
  page.on('requestfinished', (request) => segments.has(request) && segments.set(request, 'finished'));
  page.on('requestfailed', (request) => segments.has(request) && segments.set(request, 'failed'));
  const result = await page.evaluate(async (url) => {
    const lib = await import('/pkg/reelcut.js');
    await lib.default();
    // Kept open: its closing would stop the requests too.
    const media = (window.media = await lib.Media.open(url));
    const controller = new AbortController();
    let reports = 0;
    try {
      await media.samples({ signal: controller.signal, onProgress: () => ++reports === 2 && controller.abort() });
      return { reports };
    } catch (e) {
      return { reports, code: e.code };
    }
  }, url);
  assert.equal(result.code, 'aborted', `listing with its signal aborted: ${JSON.stringify(result)}`);
  // Well before any segment still in flight could have arrived.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const states = [...segments.values()];
  assert.ok(most >= 2 && most <= 4, `segment requests at once: at most ${most}`);
  assert.ok(states.every((state) => state !== 'open'), `segment requests: ${states}`);
  assert.ok(states.includes('failed'), `requests stopped by the abort: ${states}`);
  await page.evaluate(() => window.media.close());
  await page.close();
  assert.deepEqual(errors, []);
});
