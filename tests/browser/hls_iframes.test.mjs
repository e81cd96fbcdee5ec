// Key frame times of an HLS stream from its I-frame playlist (EXT-X-I-FRAME-STREAM-INF), in real headless
// Chromium: the dev server lists one per variant of a master playlist with ?iframes=yes (made from the MPEG-TS
// segments' key frames, two per 2 s segment in the fixture), or a missing one with ?iframes=404.
import assert from 'node:assert/strict';
import { ffprobeOf, playerPage as openPlayerPage, serverAndBrowser, test } from './support.mjs';

const running = serverAndBrowser();
const playerPage = () => openPlayerPage(running);

/** Opens `src` in the page; returns `media.keyframeTimes()` and the URLs (without the server) the page fetched. */
async function keyframesOf(src) {
  const { page, errors } = await playerPage();
  const requests = [];
  page.on('request', (request) => requests.push(request.url().replace(running.server.base, '')));
  const times = await page.evaluate(async (src) => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open(src);
    const times = Array.from(media.keyframeTimes());
    media.close();
    return times;
  }, src);
  await page.close();
  return { times, requests, errors };
}

/** The times an I-frame playlist gives its I-frames: the running sum of their EXTINF durations. */
function iFramePlaylistTimes(text) {
  const times = [];
  let sum = 0;
  for (const match of text.matchAll(/^#EXTINF:([\d.]+),/gm)) {
    times.push(sum);
    sum += Number(match[1]);
  }
  return times;
}

test('keyframeTimes() of a master playlist with an I-frame playlist are its I-frames, key frames inside segments included', async () => {
  const text = await (await fetch(`${running.server.base}/fixtures/hls_ts/iframes.m3u8`)).text();
  assert.match(text, /#EXT-X-I-FRAMES-ONLY/);
  const expected = iFramePlaylistTimes(text);
  // The fixture's key frames, as ffprobe reads its segments: every second, from the first.
  const packets = ffprobeOf('hls_ts/index.m3u8').packets.filter((p) => p.codec_type === 'video' && p.flags.includes('K'));
  const first = Number(packets[0].pts_time);
  const probed = packets.map((p) => Number(p.pts_time) - first);
  assert.deepEqual(probed.map((t) => Math.round(t * 1e6) / 1e6), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(expected, probed.map((t) => Math.round(t * 1e6) / 1e6));

  const { times, requests, errors } = await keyframesOf('/fixtures/hls_master/index.m3u8?iframes=yes');
  assert.deepEqual(times, expected);
  // Six key frames in three 2 s segments: the ones part-way into a segment come from the I-frame playlist.
  assert.equal(times.length, 6);
  // The first variant's (640x360) I-frame playlist was fetched, the other variant's not.
  assert.ok(requests.includes('/fixtures/hls_ts/iframes.m3u8'), requests.join('\n'));
  assert.ok(!requests.some((url) => url.includes('/hls_low/iframes.m3u8')), requests.join('\n'));
  assert.deepEqual(errors, []);
});

test('without an I-frame playlist, or when it answers 404, keyframeTimes() are the segment starts', async () => {
  const missing = await keyframesOf('/fixtures/hls_master/index.m3u8?iframes=404');
  assert.deepEqual(missing.times, [0, 2, 4]);
  assert.ok(missing.requests.includes('/fixtures/hls_ts/iframes.m3u8?fault=404'), missing.requests.join('\n'));
  // The 404 is the page's only failed request (the browser logs it), and opening went on without it.
  assert.ok(missing.errors.some((e) => e.startsWith('HTTP 404: ') && e.endsWith('/fixtures/hls_ts/iframes.m3u8?fault=404')), missing.errors.join('\n'));
  assert.deepEqual(missing.errors.filter((e) => !e.includes('404')), []);

  const none = await keyframesOf('/fixtures/hls_master/index.m3u8');
  assert.deepEqual(none.times, [0, 2, 4]);
  assert.ok(!none.requests.some((url) => url.includes('iframes.m3u8')), none.requests.join('\n'));
  assert.deepEqual(none.errors, []);
});
