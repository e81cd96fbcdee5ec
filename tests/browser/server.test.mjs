// The dev server (examples/serve.rs) as browsers and players see it over HTTP: byte ranges, MIME types, the
// simulated live broadcast and the injected faults.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixtures, probe, startServer } from './support.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.close(); });

const MP4 = 'high_bframes_moovend.mp4';
let sessions = 0;
/** A query string that starts a broadcast of its own, so each test sees a fresh clock. */
const fresh = (params = '') => `session=t${process.pid}x${++sessions}${params ? '&' + params : ''}`;

function tag(playlist, name) {
  const line = playlist.split('\n').find((l) => l.startsWith(name + ':'));
  return line?.slice(name.length + 1);
}
const segmentUris = (playlist) => playlist.split('\n').filter((l) => l && !l.startsWith('#'));

test('whole files: 200, Content-Length, Accept-Ranges', async () => {
  const response = await fetch(`${server.base}/fixtures/${MP4}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('accept-ranges'), 'bytes');
  const body = Buffer.from(await response.arrayBuffer());
  assert.equal(Number(response.headers.get('content-length')), statSync(join(fixtures, MP4)).size);
  assert.ok(body.equals(readFileSync(join(fixtures, MP4))));
});

test('byte ranges: 206 with Content-Range, suffix ranges, 416 past the end', async () => {
  const file = readFileSync(join(fixtures, MP4));
  const url = `${server.base}/fixtures/${MP4}`;
  let response = await fetch(url, { headers: { Range: 'bytes=100-199' } });
  assert.equal(response.status, 206);
  assert.equal(response.headers.get('content-range'), `bytes 100-199/${file.length}`);
  assert.ok(Buffer.from(await response.arrayBuffer()).equals(file.subarray(100, 200)));

  response = await fetch(url, { headers: { Range: 'bytes=-16' } });
  assert.equal(response.status, 206);
  assert.equal(response.headers.get('content-range'), `bytes ${file.length - 16}-${file.length - 1}/${file.length}`);
  assert.ok(Buffer.from(await response.arrayBuffer()).equals(file.subarray(file.length - 16)));

  response = await fetch(url, { headers: { Range: `bytes=${file.length}-` } });
  assert.equal(response.status, 416);
  assert.equal(response.headers.get('content-range'), `bytes */${file.length}`);
  await response.arrayBuffer();
});

test('MIME types', async () => {
  const expected = {
    '/pkg/reelcut_bg.wasm': 'application/wasm',
    '/pkg/reelcut.js': 'text/javascript; charset=utf-8',
    '/': 'text/html; charset=utf-8',
    '/fixtures/hls_ts/index.m3u8': 'application/vnd.apple.mpegurl',
    '/fixtures/hls_ts/seg0.ts': 'video/mp2t',
    '/fixtures/hls_fmp4/seg0.m4s': 'video/mp4',
    [`/fixtures/${MP4}`]: 'video/mp4',
    '/live/hls_ts/index.m3u8': 'application/vnd.apple.mpegurl',
    '/fixtures/voice.wav': 'audio/wav',
  };
  for (const [path, type] of Object.entries(expected)) {
    const response = await fetch(server.base + path, { method: 'HEAD' });
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get('content-type'), type, path);
  }
});

test('paths cannot escape the served folders', async () => {
  const port = new URL(server.base).port;
  const reply = await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end('GET /fixtures/../../Cargo.toml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    let data = '';
    socket.on('data', (chunk) => { data += chunk; });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 403 /);
  assert.doesNotMatch(reply, /\[package\]/);
});

test('live: the media sequence advances one segment per target duration', async () => {
  const url = `${server.base}/live/hls_ts/index.m3u8?${fresh()}`;
  const started = performance.now(); // the first request starts this broadcast's clock
  const first = await (await fetch(url)).text();
  const targetDuration = Number(tag(first, '#EXT-X-TARGETDURATION'));
  assert.equal(targetDuration, 2);
  await sleep(targetDuration * 1000 + 150);
  const second = await (await fetch(url)).text();
  const elapsed = (performance.now() - started) / 1000;
  assert.equal(tag(first, '#EXT-X-MEDIA-SEQUENCE'), '0');
  // One segment per 2 s of broadcast: 1 after 2.15 s, more only if this machine stalled in between.
  const sequence = Number(tag(second, '#EXT-X-MEDIA-SEQUENCE'));
  assert.ok(sequence >= 1 && sequence <= Math.floor(elapsed / targetDuration), `sequence ${sequence} after ${elapsed} s`);
  assert.equal(segmentUris(first).length, 6, 'default window is 6 segments');
  assert.equal(segmentUris(second).length, 6);
  assert.equal(segmentUris(second)[5].split('?')[0], `${sequence + 5}/seg${(sequence + 5) % 3}.ts`, 'the source loops over its 3 segments');
  assert.ok(!first.includes('#EXT-X-ENDLIST'));
  // Wall-clock times where a player cannot work them out: the first segment and the one after each
  // discontinuity (the loop's restart); between them, each segment starts 2 s after the one before.
  const dated = wallClocks(second);
  assert.equal(dated.length, 6);
  assert.deepEqual(dated.filter((d) => d.tagged).map((d) => d.sequence),
    dated.filter((d, i) => i === 0 || d.sequence % 3 === 0).map((d) => d.sequence));
  dated.slice(1).forEach((d, i) => assert.equal(d.date - dated[i].date, 2000));
});

/** Each segment of a playlist with its sequence number and its wall-clock time: its own
 *  EXT-X-PROGRAM-DATE-TIME (`tagged`), else the previous segment's plus its EXTINF, as players work it out. */
function wallClocks(playlist) {
  let sequence = Number(tag(playlist, '#EXT-X-MEDIA-SEQUENCE')) + Number(tag(playlist, '#EXT-X-SKIP')?.match(/\d+/)[0] ?? 0);
  let date = null;
  let next = null;
  let duration = 0;
  const segments = [];
  for (const line of playlist.split('\n')) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) date = Date.parse(line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length));
    else if (line.startsWith('#EXTINF:')) duration = parseFloat(line.slice('#EXTINF:'.length));
    else if (line && !line.startsWith('#')) {
      segments.push({ sequence: sequence++, date: date ?? next, tagged: date !== null });
      next = (date ?? next) + duration * 1000;
      date = null;
    }
  }
  return segments;
}

test('live: the loop restarts behind a discontinuity, counted once it leaves the window', async () => {
  const playlist = await (await fetch(`${server.base}/live/hls_ts/index.m3u8?${fresh('speed=30')}`)).text();
  await sleep(500); // 15 broadcast seconds: 7 more segments
  const later = await (await fetch(`${server.base}/live/hls_ts/index.m3u8?session=t${process.pid}x${sessions}&speed=30`)).text();
  assert.equal(playlist.split('#EXT-X-DISCONTINUITY\n').length - 1, 1);
  const sequence = Number(tag(later, '#EXT-X-MEDIA-SEQUENCE'));
  assert.ok(sequence >= 7, `sequence ${sequence} after 15 broadcast seconds`);
  assert.equal(Number(tag(later, '#EXT-X-DISCONTINUITY-SEQUENCE')), Math.floor(sequence / 3));
});

test('live: event mode keeps every segment; window and fMP4 init segment', async () => {
  const query = fresh('mode=event&window=3&speed=20');
  const url = `${server.base}/live/hls_fmp4/index.m3u8?${query}`;
  const first = await (await fetch(url)).text();
  await sleep(400); // 8 broadcast seconds: 4 more segments
  const later = await (await fetch(url)).text();
  assert.equal(tag(first, '#EXT-X-PLAYLIST-TYPE'), 'EVENT');
  assert.equal(tag(later, '#EXT-X-MEDIA-SEQUENCE'), '0');
  assert.equal(segmentUris(first).length, 3);
  assert.ok(segmentUris(later).length >= 7, later);
  assert.equal(tag(later, '#EXT-X-MAP'), 'URI="init.mp4"');
  // The relative URIs resolve under /live/ and serve the fixture's bytes.
  const init = await fetch(new URL('init.mp4', url));
  assert.ok(Buffer.from(await init.arrayBuffer()).equals(readFileSync(join(fixtures, 'hls_fmp4', 'init.mp4'))));
  const segment = await fetch(new URL(segmentUris(later)[4], url)); // k = 4 is seg1 of the loop
  assert.ok(Buffer.from(await segment.arrayBuffer()).equals(readFileSync(join(fixtures, 'hls_fmp4', 'seg1.m4s'))));
});

test('live: a master playlist passes its query to the variants, which share one clock', async () => {
  const query = fresh('speed=4');
  const master = await (await fetch(`${server.base}/live/hls_master/index.m3u8?${query}`)).text();
  const variants = segmentUris(master);
  assert.deepEqual(variants, [`../hls_ts/index.m3u8?${query}`, `../hls_low/index.m3u8?${query}`]);
  const base = `${server.base}/live/hls_master/index.m3u8`;
  const [high, low] = await Promise.all(variants.map(async (v) => (await fetch(new URL(v, base))).text()));
  assert.equal(tag(high, '#EXT-X-MEDIA-SEQUENCE'), tag(low, '#EXT-X-MEDIA-SEQUENCE'));
});

test('live: a frozen playlist stops changing', async () => {
  const url = `${server.base}/live/hls_ts/index.m3u8?${fresh('speed=40&freeze_after=0.1')}`;
  await fetch(url);
  await sleep(300);
  const frozen = await (await fetch(url)).text();
  await sleep(300);
  assert.equal(await (await fetch(url)).text(), frozen);
  assert.equal(tag(frozen, '#EXT-X-MEDIA-SEQUENCE'), '2'); // 4 broadcast seconds before the freeze
});

test('faults: 404 / 500 / slow / truncated live segments, by media sequence number', async () => {
  const query = fresh('fail404=1&fail500=2&slow=3&slow_ms=400&truncate=4');
  const url = `${server.base}/live/hls_ts/index.m3u8?${query}`;
  const uris = segmentUris(await (await fetch(url)).text()).map((u) => new URL(u, url));
  const statuses = [];
  for (const uri of uris.slice(0, 3)) {
    const response = await fetch(uri);
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  assert.deepEqual(statuses, [200, 404, 500]);

  const started = performance.now();
  const slow = await fetch(uris[3]);
  await slow.arrayBuffer();
  assert.equal(slow.status, 200);
  assert.ok(performance.now() - started >= 390, 'slow segment answered early');

  const truncated = await fetch(uris[4]);
  assert.equal(truncated.status, 200);
  const fullLength = Number(truncated.headers.get('content-length'));
  assert.equal(fullLength, statSync(join(fixtures, 'hls_ts', 'seg1.ts')).size);
  await assert.rejects(truncated.arrayBuffer(), 'a body cut short must fail to read');

  const fine = await fetch(uris[5]);
  assert.equal(fine.status, 200);
  assert.equal((await fine.arrayBuffer()).byteLength, statSync(join(fixtures, 'hls_ts', 'seg2.ts')).size);
});

test('faults on any file, throttling, and unknown parameters', async () => {
  let response = await fetch(`${server.base}/fixtures/${MP4}?fault=500`);
  assert.equal(response.status, 500);
  await response.arrayBuffer();

  const started = performance.now();
  response = await fetch(`${server.base}/fixtures/voice.wav?kbps=8000`, { headers: { Range: 'bytes=0-131071' } });
  assert.equal((await response.arrayBuffer()).byteLength, 131072);
  // 128 KiB at 1 MB/s takes 131 ms.
  assert.ok(performance.now() - started >= 120, 'throttled body arrived too fast');

  response = await fetch(`${server.base}/live/hls_ts/index.m3u8?windw=3`);
  assert.equal(response.status, 400);
  assert.match(await response.text(), /unknown query parameter "windw"/);
});

test('faults: a live segment that stalls halfway, and failing playlist reloads for a while', async () => {
  const query = fresh('stall=1&stall_ms=500&playlist_fail=0.5-1.2');
  const url = `${server.base}/live/hls_ts/index.m3u8?${query}`;
  const started = performance.now(); // the first request starts the broadcast clock
  const uris = segmentUris(await (await fetch(url)).text()).map((u) => new URL(u, url));

  // The headers and the first half of the body come at once, then nothing for 500 ms, then the rest.
  const file = readFileSync(join(fixtures, 'hls_ts', 'seg1.ts'));
  const asked = performance.now();
  const response = await fetch(uris[1]);
  const reader = response.body.getReader();
  const arrivals = [];
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    arrivals.push({ bytes: read.value.byteLength, at: performance.now() - asked });
  }
  const total = arrivals.reduce((sum, a) => sum + a.bytes, 0);
  assert.equal(total, file.length);
  const half = Math.floor(file.length / 2);
  let sum = 0;
  const beforeStall = arrivals.filter((a) => (sum += a.bytes) <= half);
  assert.equal(beforeStall.reduce((s, a) => s + a.bytes, 0), half, `arrivals ${JSON.stringify(arrivals)}`);
  assert.ok(beforeStall.at(-1).at < 300, `the first half took ${beforeStall.at(-1).at} ms`);
  assert.ok(arrivals.at(-1).at >= 490, `the stall was ${arrivals.at(-1).at} ms`);

  // Playlist requests from 0.5 s to 1.2 s after the first one answer 500; before and after, 200.
  const statuses = [];
  for (const at of [0.7, 1.5]) {
    await sleep(Math.max(0, at * 1000 - (performance.now() - started)));
    const reload = await fetch(url);
    await reload.text();
    statuses.push(reload.status);
  }
  assert.deepEqual(statuses, [500, 200]);
});

test('faults: a live MPEG-TS segment with transport damage, one of each kind', async () => {
  const url = `${server.base}/live/hls_ts/index.m3u8?${fresh('damage=2')}`;
  const uris = segmentUris(await (await fetch(url)).text()).map((u) => new URL(u, url));
  const [intact, damaged] = await Promise.all(uris.slice(1, 3).map(async (u) => Buffer.from(await (await fetch(u)).arrayBuffer())));
  assert.ok(intact.equals(readFileSync(join(fixtures, 'hls_ts', 'seg1.ts'))));
  const original = readFileSync(join(fixtures, 'hls_ts', 'seg2.ts'));
  // A packet lost (188 bytes), 57 junk bytes inserted, the last 100 bytes cut (examples/serve/ts_damage.rs).
  assert.equal(damaged.length, original.length - 188 + 57 - 100);
  // The junk stands before packet n / 2 (one packet earlier in the output, after the lost one).
  const middle = Math.floor(original.length / 188 / 2);
  const junk = (middle - 1) * 188;
  assert.ok(damaged.subarray(junk, junk + 57).equals(Buffer.alloc(57, 0xff)), 'junk between two packets');
  assert.ok(damaged.subarray(junk + 57, junk + 57 + 188).equals(original.subarray(middle * 188, middle * 188 + 188)));
  assert.notEqual(damaged.length % 188, 0, 'the segment ends inside a packet');
});

test('LL-HLS: parts, a blocking reload, a hinted part held until published, rendition reports, delta updates', async () => {
  const query = fresh('part=0.333&window=40');
  const master = await (await fetch(`${server.base}/live/hls_master/index.m3u8?${query}`)).text();
  const variant = segmentUris(master)[0];
  assert.match(variant, /renditions=\.\.\/hls_ts\/index\.m3u8,\.\.\/hls_low\/index\.m3u8$/);
  const url = new URL(variant, `${server.base}/live/hls_master/index.m3u8`).href;
  const playlist = await (await fetch(url)).text();
  assert.equal(tag(playlist, '#EXT-X-SERVER-CONTROL'), 'CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.002,CAN-SKIP-UNTIL=12');
  assert.equal(tag(playlist, '#EXT-X-PART-INF'), 'PART-TARGET=0.334');
  assert.match(playlist, /#EXT-X-RENDITION-REPORT:URI="\.\.\/hls_low\/index\.m3u8",LAST-MSN=\d+,LAST-PART=\d+/);
  const sequence = Number(tag(playlist, '#EXT-X-MEDIA-SEQUENCE'));
  const last = sequence + segmentUris(playlist).length - 1;

  // A blocking reload for the first part of the segment after next answers once it is out (2 s + 1/3 s).
  let started = performance.now();
  const blocked = await (await fetch(`${url}&_HLS_msn=${last + 2}&_HLS_part=0`)).text();
  const waited = performance.now() - started;
  assert.ok(waited > 1500 && waited < 4000, `blocked ${waited} ms`);
  assert.match(blocked, new RegExp(`#EXT-X-PART:DURATION=[\\d.]+,URI="${last + 2}\\.ts\\?o=\\d+"`));
  const far = await fetch(`${url}&_HLS_msn=${last + 10}`);
  assert.equal(far.status, 400);
  await far.text();

  // The hinted part is held until the clock passes its end, then sent whole.
  const hint = tag(blocked, '#EXT-X-PRELOAD-HINT').match(/URI="([^"]+)",BYTERANGE-START=(\d+),BYTERANGE-LENGTH=(\d+)/);
  const [start, length] = [Number(hint[2]), Number(hint[3])];
  started = performance.now();
  const part = await fetch(new URL(hint[1], url), { headers: { Range: `bytes=${start}-${start + length - 1}` } });
  const held = performance.now() - started;
  assert.equal(part.status, 206);
  assert.equal((await part.arrayBuffer()).byteLength, length);
  assert.ok(held > 100 && held < 1000, `held ${held} ms`);

  // A delta update replaces the older segments with EXT-X-SKIP.
  const whole = await (await fetch(url)).text();
  const delta = await (await fetch(`${url}&_HLS_skip=YES`)).text();
  const skipped = Number(delta.match(/#EXT-X-SKIP:SKIPPED-SEGMENTS=(\d+)/)[1]);
  assert.ok(skipped >= 30, delta);
  // Each skipped segment took at least its EXTINF and URI lines (`#EXTINF:2,` and `12.ts?o=3`).
  assert.ok(delta.length + skipped * 20 < whole.length, `delta ${delta.length} bytes, full ${whole.length}`);
});

test('live URIs name their options by a short token: same bytes, same faults; an unknown token is a 404', async () => {
  const query = fresh('fail404=2&window=4');
  const url = `${server.base}/live/hls_ts/index.m3u8?${query}`;
  const playlist = await (await fetch(url)).text();
  const uris = segmentUris(playlist);
  // `<k>/<file>?o=N`: the token stands for the playlist's own query string, which no URI repeats.
  const token = uris[0].match(/\?o=(\d+)$/)?.[1];
  assert.ok(token !== undefined, uris[0]);
  assert.ok(uris.every((u) => u.endsWith(`?o=${token}`) && !u.includes('session=')), uris.join(' '));
  const first = await fetch(new URL(uris[0], url));
  assert.equal(first.status, 200);
  assert.ok(Buffer.from(await first.arrayBuffer()).equals(readFileSync(join(fixtures, 'hls_ts', 'seg0.ts'))));
  // The options it stands for apply: segment 2 of this broadcast fails, as the playlist's query says.
  const failed = await fetch(new URL(uris[2], url));
  assert.equal(failed.status, 404);
  assert.match(await failed.text(), /injected fault: 404/);
  // The same playlist query gets the same token; a parameter beside it still applies.
  assert.equal(segmentUris(await (await fetch(url)).text())[0].split('?')[1], `o=${token}`);
  const faulted = await fetch(new URL(`${uris[0]}&fault=500`, url));
  assert.equal(faulted.status, 500);
  await faulted.text();
  // A token the server never handed out.
  const unknown = await fetch(new URL('0/seg0.ts?o=999999', url));
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /unknown option token o=999999/);
});

test('LL-HLS: compact playlists: dates where needed, part ranges without offsets, short segment names', async () => {
  const url = `${server.base}/live/hls_ts/index.m3u8?${fresh('part=0.333&window=12')}`;
  const playlist = await (await fetch(url)).text();
  const lines = playlist.split('\n');
  // Durations without trailing zeros.
  assert.ok(lines.filter((l) => l.startsWith('#EXTINF:')).every((l) => l === '#EXTINF:2,'), playlist);
  // Dates on the first segment and after each discontinuity only, and they agree with the durations.
  const dated = wallClocks(playlist);
  assert.deepEqual(dated.filter((d) => d.tagged).map((d) => d.sequence),
    dated.filter((d, i) => i === 0 || d.sequence % 3 === 0).map((d) => d.sequence));
  const epoch = dated[0].date - dated[0].sequence * 2000;
  for (const { sequence, date } of dated) assert.equal(date, epoch + sequence * 2000, `segment ${sequence}`);
  assert.ok(playlist.split('#EXT-X-DISCONTINUITY\n').slice(1).every((after) => after.startsWith('#EXT-X-PROGRAM-DATE-TIME:')));
  // Parts: `<k>.ts?o=N`; the first of a segment says where its range starts, the others follow on.
  const parts = lines.filter((l) => l.startsWith('#EXT-X-PART:'))
    .map((l) => l.match(/URI="((\d+)\.ts\?o=\d+)",BYTERANGE="(\d+)(?:@(\d+))?"/));
  assert.ok(parts.length >= 12 && parts.every(Boolean), playlist);
  parts.forEach(([line, uri, , , offset], i) => {
    const follows = i > 0 && parts[i - 1][1] === uri;
    assert.equal(offset === undefined, follows, line);
  });
  // A part's range is those bytes of the source segment it re-publishes.
  const [, uri, k, len] = parts[1];
  const start = Number(parts[0][4]) + Number(parts[0][3]);
  const end = start + Number(len) - 1;
  const response = await fetch(new URL(uri, url), { headers: { Range: `bytes=${start}-${end}` } });
  assert.equal(response.status, 206);
  const file = readFileSync(join(fixtures, 'hls_ts', `seg${Number(k) % 3}.ts`));
  assert.ok(Buffer.from(await response.arrayBuffer()).equals(file.subarray(start, end + 1)));
});

test('LL-HLS: a delta update of a 4-hour replay window stays under 2000 bytes at every moment of a segment', async () => {
  const url = `${server.base}/live/hls_ts/index.m3u8?${fresh('part=0.333&window=7200')}`;
  const full = (await (await fetch(url)).arrayBuffer()).byteLength;
  const sizes = [];
  // Thirteen reloads a sixth of a second apart: every count of published parts of the segment in progress.
  for (let i = 0; i < 13; i++) {
    const delta = await (await fetch(`${url}&_HLS_skip=YES`)).text();
    assert.match(delta, /#EXT-X-SKIP:SKIPPED-SEGMENTS=\d{4}\n/);
    sizes.push(Buffer.byteLength(delta));
    await sleep(167);
  }
  assert.ok(Math.max(...sizes) < 2000, `delta updates of ${sizes} bytes`);
  // The whole playlist: under 50 bytes a segment (7200 of them, a date every third, parts for the last few).
  assert.ok(full < 7200 * 50, `a full reload of ${full} bytes`);
});

test('audio=separate: the master lists two audio renditions; variants carry the video alone, renditions the audio as packed audio, on one clock', async () => {
  const query = fresh('audio=separate&window=4');
  const masterUrl = `${server.base}/live/hls_master/index.m3u8?${query}`;
  const master = await (await fetch(masterUrl)).text();
  const media = master.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:'));
  assert.deepEqual(media, [
    `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="../hls_ts/audio_en.m3u8?${query}"`,
    `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Deutsch",LANGUAGE="de",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="../hls_ts/audio_de.m3u8?${query}"`,
  ]);
  const streams = master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
  assert.equal(streams.length, 2);
  assert.ok(streams.every((l) => l.endsWith(',AUDIO="audio"')), streams.join('\n'));
  assert.ok(master.indexOf('#EXT-X-MEDIA:') < master.indexOf('#EXT-X-STREAM-INF:'));

  const resolve = (uri) => new URL(uri, masterUrl).href;
  const [video, english, german] = await Promise.all(
    [segmentUris(master)[0], ...media.map((l) => l.match(/URI="([^"]+)"/)[1])].map(async (u) => (await fetch(resolve(u))).text()));
  // The same segments at the same times: sequence numbers, durations, dates.
  const timing = (playlist) => playlist.split('\n').filter((l) => !l.startsWith('#EXT-X-PART') && (l.startsWith('#EXT') || !l))
    .join('\n');
  assert.equal(timing(english), timing(video));
  assert.equal(german, english, 'the second language is the same sound');
  const audioUris = segmentUris(english);
  assert.deepEqual(audioUris.map((u) => u.split('?')[0]), ['0.aac', '1.aac', '2.aac', '3.aac']);
  assert.deepEqual(segmentUris(video).map((u) => u.split('?')[0]), ['0/seg0.ts', '1/seg1.ts', '2/seg2.ts', '3/seg0.ts']);

  // Segment 1: video alone in MPEG-TS, audio alone as packed audio (ADTS after an ID3 timestamp).
  const scratch = mkdtempSync(join(tmpdir(), 'reelcut-serve-'));
  const base = resolve(segmentUris(master)[0]);
  const videoBytes = Buffer.from(await (await fetch(new URL(segmentUris(video)[1], base))).arrayBuffer());
  const audioResponse = await fetch(new URL(audioUris[1], base));
  assert.equal(audioResponse.headers.get('content-type'), 'audio/aac');
  const audioBytes = Buffer.from(await audioResponse.arrayBuffer());
  writeFileSync(join(scratch, 'video.ts'), videoBytes);
  writeFileSync(join(scratch, 'audio.aac'), audioBytes);
  const original = probe(join(fixtures, 'hls_ts', 'seg1.ts'));
  const videoOnly = probe(join(scratch, 'video.ts'));
  assert.deepEqual(videoOnly.streams.map((s) => s.codec_type), ['video']);
  const originalVideo = original.streams.find((s) => s.codec_type === 'video');
  assert.equal(videoOnly.streams[0].nb_read_frames, originalVideo.nb_read_frames);
  assert.equal(videoOnly.streams[0].start_time, originalVideo.start_time);
  const audioOnly = probe(join(scratch, 'audio.aac'));
  assert.deepEqual(audioOnly.streams.map((s) => [s.codec_type, s.codec_name, s.channels, s.sample_rate]), [['audio', 'aac', 2, '48000']]);
  const originalAudio = original.streams.find((s) => s.codec_type === 'audio');
  assert.equal(audioOnly.streams[0].nb_read_frames, originalAudio.nb_read_frames);
  // The ID3 PRIV timestamp is the first audio frame's time in the muxed segment (90 kHz), as the video's.
  assert.equal(audioBytes.subarray(0, 3).toString(), 'ID3');
  const owner = 'com.apple.streaming.transportStreamTimestamp\0';
  const at = audioBytes.indexOf(owner) + owner.length;
  assert.equal(Number(audioBytes.readBigUInt64BE(at)) / 90000, Number(originalAudio.start_time));

  // Segment faults reach the audio by its media sequence number too; an audio playlist without the option
  // does not exist.
  const failing = await fetch(`${server.base}/live/hls_ts/1.aac?${query}&fail404=1`);
  assert.equal(failing.status, 404);
  await failing.text();
  const muxed = await fetch(`${server.base}/live/hls_ts/audio_en.m3u8?${fresh()}`);
  assert.equal(muxed.status, 404);
  await muxed.text();
});

test('audio=separate in LL-HLS: the audio rendition has parts of whole AAC frames and blocking reloads; the video parts are ranges of the video alone', async () => {
  const query = fresh('audio=separate&part=0.333&window=6');
  const url = `${server.base}/live/hls_ts/audio_en.m3u8?${query}`;
  const playlist = await (await fetch(url)).text();
  assert.equal(tag(playlist, '#EXT-X-PART-INF'), 'PART-TARGET=0.32');
  assert.match(playlist, /#EXT-X-RENDITION-REPORT:URI="audio_de\.m3u8",LAST-MSN=\d+,LAST-PART=\d+/);
  const parts = playlist.split('\n').filter((l) => l.startsWith('#EXT-X-PART:'));
  assert.ok(parts.length >= 14 && parts.every((l) => l.includes('INDEPENDENT=YES')), playlist);
  // A segment's parts: 15 frames (0.32 s) each, then the rest up to its 2 s.
  const last = Number(tag(playlist, '#EXT-X-MEDIA-SEQUENCE')) + segmentUris(playlist).length - 1;
  const durations = parts.filter((l) => l.includes(`URI="${last}.aac?`)).map((l) => Number(l.match(/DURATION=([\d.]+)/)[1]));
  assert.deepEqual(durations, [0.32, 0.32, 0.32, 0.32, 0.32, 0.32, 0.08]);
  // A part's range holds whole ADTS frames: it starts with a sync word.
  const part = parts.find((l) => l.includes(`URI="${last}.aac?`) && !l.includes('@'));
  const [start] = parts.filter((l) => l.includes(`URI="${last}.aac?`)).slice(0, 1).map((l) => Number(l.match(/BYTERANGE="(\d+)@0"/)[1]));
  const len = Number(part.match(/BYTERANGE="(\d+)"/)[1]);
  const uri = part.match(/URI="([^"]+)"/)[1];
  const bytes = Buffer.from(await (await fetch(new URL(uri, url), { headers: { Range: `bytes=${start}-${start + len - 1}` } })).arrayBuffer());
  assert.equal(bytes.length, len);
  assert.ok(bytes[0] === 0xff && (bytes[1] & 0xf0) === 0xf0, 'an ADTS frame begins the part');
  // A blocking reload of the audio answers once the asked-for part is out.
  const started = performance.now();
  const blocked = await (await fetch(`${url}&_HLS_msn=${last + 1}&_HLS_part=1`)).text();
  assert.ok(performance.now() - started > 200, 'answered before the part was published');
  assert.match(blocked, new RegExp(`URI="${last + 1}\\.aac\\?o=\\d+",BYTERANGE="\\d+"`));
  // The video playlist of the same broadcast: parts tile the video-only segment.
  const video = await (await fetch(`${server.base}/live/hls_ts/index.m3u8?${query}`)).text();
  const videoParts = video.split('\n').filter((l) => l.startsWith('#EXT-X-PART:') && l.includes(`URI="${last}.ts?`));
  const total = videoParts.reduce((sum, l) => sum + Number(l.match(/BYTERANGE="(\d+)/)[1]), 0);
  const whole = Buffer.from(await (await fetch(new URL(`${last}.ts?${videoParts[0].match(/\?(o=\d+)/)[1]}`, url))).arrayBuffer());
  assert.equal(total, whole.length);
  assert.ok(whole.length < statSync(join(fixtures, 'hls_ts', `seg${last % 3}.ts`)).size, 'the audio packets are gone');
});
