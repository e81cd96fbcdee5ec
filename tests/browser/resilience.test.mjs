// Nothing hangs and nothing fails silently, in real headless Chromium against the dev server's live broadcast
// and its injected faults: segments held back (no response) or stalled halfway are given up after the open
// options' timeouts and skipped, failing playlist reloads and MPEG-TS damage are reported as non-fatal `error`
// events, and playback goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveFrameAt, liveZero, playerPage as openPlayerPage, serverAndBrowser } from './support.mjs';

const running = serverAndBrowser();
const playerPage = () => openPlayerPage(running);

/** The non-fatal failures the server was told to cause: the only failed requests the page may log. */
const EXPECTED_FAILURES = /net::ERR_|status of 500|HTTP 500|ERR_CONTENT_LENGTH_MISMATCH/;

/**
 * Plays `url` in a player of the page for `seconds`, sampling every 250 ms. Events are recorded with the wall
 * clock (`Date.now()`, the same clock as this process) and, for `error`, the error's fields. `open` is how the
 * player gets the stream: `'load'` passes the URL and `options` to `player.load`, `'open'` to `Media.open`.
 */
async function watchLive(page, url, { seconds, options, open = 'open' }) {
  return page.evaluate(async ({ url, seconds, options, open }) => {
    const { Media, Player } = await window.reelcutReady;
    const canvas = document.getElementById('screen');
    const player = new Player(canvas, { muted: true });
    window.player = player;
    const events = [];
    for (const kind of ['waiting', 'playing', 'livewindowchange']) player.addEventListener(kind, () => events.push({ kind, at: Date.now() }));
    player.addEventListener('error', (event) => {
      const error = event.detail ?? player.error;
      events.push({ kind: 'error', at: Date.now(), code: error?.code, fatal: error?.fatal, time: error?.time, name: error?.name });
    });
    const started = Date.now();
    let media = null;
    if (open === 'load') {
      await player.load(url, options);
    } else {
      media = await Media.open(url, options);
      window.media = media;
      await player.load(media);
    }
    await player.play();
    const samples = [];
    while (Date.now() - started < seconds * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      samples.push({
        at: Date.now(), time: player.currentTime, seekable: player.seekable, paused: player.paused,
        frame: window.readBarcode(canvas), wall: media ? media.wallClockAt(player.currentTime) : NaN,
      });
    }
    return { started, events, samples };
  }, { url, seconds, options, open });
}

const errorsOf = (run) => run.events.filter((e) => e.kind === 'error');
const kinds = (run) => run.events.map((e) => e.kind);
/** A compact trace of a run, for failure messages. */
const trace = (run) => JSON.stringify({
  events: run.events.map((e) => `${((e.at - run.started) / 1000).toFixed(1)} ${e.kind}${e.code ? ` ${e.code}` : ''}`),
  times: run.samples.filter((_, i) => i % 4 === 0).map((s) => `${((s.at - run.started) / 1000).toFixed(1)}:${s.time.toFixed(2)} [${s.seekable.start}-${s.seekable.end}]`),
});

test('hung segments: a segment with no response is given up after firstByteTimeout and skipped; a player left behind the window rejoins it', async () => {
  const { page, errors } = await playerPage();
  const requests = [];
  page.on('request', (request) => {
    const match = request.url().match(/\/live\/hls_ts\/(\d+)\/seg\d\.ts/);
    if (match) requests.push({ segment: Number(match[1]), at: Date.now() });
  });
  // Three 2 s segments at the start (0-5 s), so play starts at 0; segments 4-6 (media 8-14 s) are published
  // in time but their responses are held for two minutes. Meanwhile the three-segment window moves past them.
  const url = `/live/hls_ts/index.m3u8?window=3&slow=4-6&slow_ms=120000&session=hung${Date.now()}`;
  const run = await watchLive(page, url, { seconds: 30, open: 'load', options: { firstByteTimeout: 1500 } });
  const failures = errorsOf(run);
  assert.ok(failures.length >= 1, `no error event: ${trace(run)}`);
  for (const failure of failures) {
    assert.deepEqual({ code: failure.code, fatal: failure.fatal, name: failure.name }, { code: 'network', fatal: false, name: 'ReelcutError' }, trace(run));
  }
  // The first held request was given up after about 1.5 s, not the default 10 s.
  const held = requests.find((r) => r.segment === 4);
  assert.ok(held, `segment 4 was never requested: ${JSON.stringify(requests)}`);
  const givenUp = failures[0].at - held.at;
  assert.ok(givenUp >= 1000 && givenUp < 6000, `the first error came ${givenUp} ms after segment 4 was requested`);
  // Waiting for the held segments, then playing again.
  const waiting = kinds(run).indexOf('waiting');
  assert.ok(waiting >= 0 && kinds(run).indexOf('playing', waiting) > waiting, `waiting, then playing: ${trace(run)}`);
  // Past the held segments (14 s) well before their two minutes, and playing on inside the replay window.
  const past = run.samples.find((s) => s.time > 14);
  assert.ok(past, `stuck before 14 s: ${trace(run)}`);
  assert.ok(past.at - run.started < 25000, `past the held segments only after ${past.at - run.started} ms`);
  const last = run.samples.at(-1);
  const behind = run.samples.some((s) => s.time < s.seekable.start);
  console.log(`hung segments: ${failures.length} network errors, first after ${givenUp} ms; past 14 s after ${past.at - run.started} ms; ${behind ? 'fell out of the window and rejoined it' : 'stayed in the window'}`);
  assert.equal(last.paused, false);
  assert.ok(last.time >= last.seekable.start && last.time <= last.seekable.end, `at ${last.time}, window ${JSON.stringify(last.seekable)}: ${trace(run)}`);
  assert.ok(last.time > run.samples.at(-5).time + 0.5, `not advancing at the end: ${trace(run)}`);
  await page.evaluate(() => window.player.destroy());
  assert.ok(errors.every((e) => EXPECTED_FAILURES.test(e)), errors.join('\n'));
  await page.close();
});

test('stalled segments: a body that stops arriving is given up after stallTimeout and skipped', async () => {
  const { page, errors } = await playerPage();
  // Six segments at the start (play starts at 6 s, in segment 3); segment 4 (media 8-10 s) sends half its
  // bytes, then nothing for a minute.
  const url = `/live/hls_ts/index.m3u8?window=6&stall=4&stall_ms=60000&session=stall${Date.now()}`;
  const run = await watchLive(page, url, { seconds: 14, options: { stallTimeout: 1500 } });
  const failures = errorsOf(run);
  assert.ok(failures.length >= 1, `no error event: ${trace(run)}`);
  for (const failure of failures) assert.deepEqual({ code: failure.code, fatal: failure.fatal }, { code: 'network', fatal: false }, trace(run));
  const past = run.samples.find((s) => s.time > 10.5);
  assert.ok(past && past.at - run.started < 12000, `not past the stalled segment in time: ${trace(run)}`);
  assert.equal(run.samples.at(-1).paused, false);
  await page.evaluate(() => window.player.destroy());
  assert.ok(errors.every((e) => EXPECTED_FAILURES.test(e)), errors.join('\n'));
  await page.close();
});

test('live reload failures: non-fatal network errors while the playlist fails, the window moves again once it answers', async () => {
  const { page, errors } = await playerPage();
  // The playlist answers 500 from 3 s to 9 s after the first request (Media.open's, at the start).
  const url = `/live/hls_ts/index.m3u8?window=6&playlist_fail=3-9&session=reload${Date.now()}`;
  const run = await watchLive(page, url, { seconds: 17 });
  const at = (e) => (e.at - run.started) / 1000;
  const failures = errorsOf(run);
  assert.ok(failures.length >= 1, `no error event: ${trace(run)}`);
  for (const failure of failures) {
    assert.deepEqual({ code: failure.code, fatal: failure.fatal }, { code: 'network', fatal: false }, trace(run));
    // A reload is due at most one target duration (2 s) after the last; retries may end a little later.
    assert.ok(at(failure) >= 3 && at(failure) < 12, `error at ${at(failure)} s, outside the failing period: ${trace(run)}`);
  }
  // While the playlist fails the window stands still; after, it moves on.
  const during = run.samples.filter((s) => at(s) > 4.5 && at(s) < 9);
  const frozenEnd = during[0].seekable.end;
  assert.ok(during.every((s) => s.seekable.end === frozenEnd), `the window moved while the playlist failed: ${trace(run)}`);
  const last = run.samples.at(-1);
  assert.ok(last.seekable.end >= frozenEnd + 4, `the window did not move on after the playlist recovered: ${trace(run)}`);
  assert.ok(run.events.some((e) => e.kind === 'livewindowchange' && at(e) > 9), 'no livewindowchange after recovery');
  // Playback went on, and shows what was broadcast at its time.
  assert.equal(last.paused, false);
  assert.ok(last.time > during.at(-1).time + 2, `playback did not go on: ${trace(run)}`);
  const zero = await liveZero(running.server.base, url);
  assert.ok(Math.abs(last.frame - liveFrameAt(last.wall, zero)) <= 2, `frame ${last.frame}, broadcast ${liveFrameAt(last.wall, zero)}`);
  await page.evaluate(() => window.player.destroy());
  assert.ok(errors.every((e) => EXPECTED_FAILURES.test(e)), errors.join('\n'));
  await page.close();
});

test('MPEG-TS damage: a lost packet, lost sync, a headless PES packet and a cut packet are non-fatal malformed_input errors with their time', async () => {
  const { page, errors } = await playerPage();
  // Play starts at 6 s (segment 3); segment 4 (media 8-10 s) arrives with transport damage
  // (examples/serve/ts_damage.rs).
  const url = `/live/hls_ts/index.m3u8?window=6&damage=4&session=damage${Date.now()}`;
  const run = await watchLive(page, url, { seconds: 9 });
  const failures = errorsOf(run);
  assert.ok(failures.length >= 1, `no error event: ${trace(run)}`);
  for (const failure of failures) {
    assert.deepEqual({ code: failure.code, fatal: failure.fatal, name: failure.name }, { code: 'malformed_input', fatal: false, name: 'ReelcutError' }, trace(run));
    assert.equal(typeof failure.time, 'number', `error without a time: ${JSON.stringify(failure)}`);
    assert.ok(failure.time >= 8 - 0.1 && failure.time <= 10.1, `damage reported at ${failure.time} s, outside segment 4 (8-10 s)`);
  }
  console.log(`MPEG-TS damage: ${failures.length} error events at ${failures.map((f) => f.time.toFixed(3)).join(', ')} s`);
  const last = run.samples.at(-1);
  assert.equal(last.paused, false);
  assert.ok(last.time > 11, `playback did not go on past the damaged segment: ${trace(run)}`);
  await page.evaluate(() => window.player.destroy());
  assert.deepEqual(errors, []);
  await page.close();
});

test('an export across an MPEG-TS segment with damage rejects, naming it, instead of leaving a hole', async () => {
  const { page, errors } = await playerPage();
  // Six segments published at the start (0-12 s); segment 4 (8-10 s) is damaged, segment 1 (2-4 s) is not.
  const url = `/live/hls_ts/index.m3u8?window=6&damage=4&session=export${Date.now()}`;
  const run = await page.evaluate(async (url) => {
    const { Media } = await window.reelcutReady;
    const media = await Media.open(url);
    const clean = await media.clip({ start: 2, end: 4 }).export({ mode: 'keyframe' });
    const damaged = await media.clip({ start: 7, end: 11 }).export({ mode: 'keyframe' }).then(
      () => null,
      (error) => ({ name: error.name, code: error.code, message: error.message }),
    );
    media.close();
    return { clean: clean.length, damaged };
  }, url);
  assert.ok(run.clean > 10000, `the clean clip exported ${run.clean} bytes`);
  assert.equal(run.damaged?.name, 'ReelcutError');
  assert.equal(run.damaged.code, 'malformed_input');
  assert.match(run.damaged.message, /segment 4 .*damaged.*miss/);
  assert.deepEqual(errors, []);
  await page.close();
});
