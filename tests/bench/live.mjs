// Live HLS figures, in one headless Chromium session against the dev server's simulated broadcast:
// - latency: from a frame's wall-clock time (its EXT-X-PROGRAM-DATE-TIME) to the moment it is shown, sampled
//   every 250 ms over LIVE_SECONDS (default 60) of playback of the LL-HLS stream (`part=0.333`), for reelcut
//   (`media.wallClockAt(player.currentTime)`) and hls.js 1.7.4 in `lowLatencyMode` (`hls.playingDate`), one
//   after the other on broadcasts of their own; with the `waiting` events (stalls) each saw and its playback
//   rate changes (`ratechange`: reelcut catching up with the edge; hls.js changes its rate only when
//   `maxLiveSyncPlaybackRate` is set, which is left at its default). The same latency is also read from the
//   picture: the frame index barcoded in the fixture, read from the canvas (reelcut) or from the <video>
//   drawn to a canvas (hls.js), against the frame the broadcast shows at that wall-clock time. Twice: with
//   the `PART-HOLD-BACK` RFC 8216bis recommends (three part targets, 1.002 s) and with the least it allows
//   (two, 0.668 s: `hold=2`);
// - a 4-hour replay window (`window=7200` segments of 2 s): the bytes of a whole playlist reload against a
//   delta update (`_HLS_skip=YES`), the wasm memory of a `Media` holding that window, and the bytes fetched to
//   clip its last 30 s (keyframe export) against the bytes of the media the clip is cut from.
import { median } from './source.mjs';

const SECONDS = Number(process.env.LIVE_SECONDS ?? 60);
const STREAMS = [
  { query: 'part=0.333&window=12', label: 'PART-HOLD-BACK 1.002 s (3 part targets)' },
  { query: 'part=0.333&window=12&hold=2', label: 'PART-HOLD-BACK 0.668 s (2 part targets, hold=2)' },
];
const FOUR_HOURS = '/live/hls_ts/index.m3u8?part=0.333&window=7200';

export const name = 'live';

/** Plays `url` with `who` for `seconds` in the page; returns the latency samples (ms) by program date time and
 *  by the picture, the `waiting` events, and each rate change with the second it came at. */
async function watch({ who, url, seconds }) {
  const samples = [];
  const pictures = [];
  const rates = [];
  let stalls = 0;
  const started = performance.now();
  // The broadcast loops the fixture's 180 frames (6 s) from the wall-clock time of media sequence 0 on.
  const playlist = await (await fetch(url)).text();
  const zero = Date.parse(playlist.match(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/)[1]) -
    Number(playlist.match(/#EXT-X-MEDIA-SEQUENCE:(\d+)/)[1]) * 2000;
  const copy = Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
  // How long ago the broadcast showed the frame on screen (the start of its 1/30 s).
  const picture = (screen) => {
    const shownAt = (window.readBarcode(screen) * 1000) / 30;
    pictures.push((((Date.now() - zero - shownAt) % 6000) + 6000) % 6000);
  };
  const sample = (wallClock, screen) => {
    if (!Number.isFinite(wallClock)) return;
    samples.push(Date.now() - wallClock);
    picture(screen);
  };
  const rated = (rate) => rates.push({ at: (performance.now() - started) / 1000, rate });
  const sleep = () => new Promise((resolve) => setTimeout(resolve, 250));
  if (who === 'reelcut') {
    const { Media, Player } = await window.reelcutReady;
    const media = await Media.open(url);
    const player = new Player(document.getElementById('screen'), { muted: true });
    player.addEventListener('waiting', () => stalls++);
    player.addEventListener('ratechange', () => rated(player.playbackRate));
    await player.load(media);
    await player.play();
    for (let i = 0; i < seconds * 4; i++) {
      await sleep();
      sample(media.wallClockAt(player.currentTime), document.getElementById('screen'));
    }
    player.destroy();
    media.close();
    return { samples, pictures, stalls, rates };
  }
  const video = document.getElementById('video');
  const hls = new window.Hls({ lowLatencyMode: true, enableWorker: true });
  const onWaiting = () => stalls++;
  const onRate = () => rated(video.playbackRate);
  video.addEventListener('waiting', onWaiting);
  video.addEventListener('ratechange', onRate);
  hls.attachMedia(video);
  hls.loadSource(url);
  video.muted = true;
  await new Promise((resolve) => hls.on(window.Hls.Events.MANIFEST_PARSED, resolve));
  await video.play();
  for (let i = 0; i < seconds * 4; i++) {
    await sleep();
    const wallClock = hls.playingDate?.getTime();
    copy.getContext('2d').drawImage(video, 0, 0, 640, 360);
    sample(wallClock, copy);
  }
  hls.destroy();
  video.removeEventListener('waiting', onWaiting);
  video.removeEventListener('ratechange', onRate);
  return { samples, pictures, stalls, rates };
}

export async function run({ browser, server }) {
  const page = await browser.newPage();
  await page.goto(`${server.base}/tests/bench/pages/player.html`);
  await page.evaluate(() => window.reelcutReady);
  const watched = STREAMS.map(() => ({}));
  for (const [index, { query }] of STREAMS.entries()) {
    for (const who of ['reelcut', 'hlsjs']) {
      const url = `/live/hls_ts/index.m3u8?${query}&session=bench-${who}-${Date.now()}`;
      watched[index][who] = await page.evaluate(watch, { who, url, seconds: SECONDS });
    }
  }

  await page.close();

  // The 4-hour window, in a fresh page (its wasm memory is this work's alone): one whole reload and one delta
  // update as a player would ask for them, and a Media opened on it.
  const fresh = await browser.newPage();
  await fresh.goto(`${server.base}/tests/bench/pages/player.html`);
  const window4h = await fresh.evaluate(async (url) => {
    const size = async (u) => (await (await fetch(u)).arrayBuffer()).byteLength;
    const whole = await size(url);
    const delta = await size(`${url}&_HLS_skip=YES`);
    const { default: init, Media } = await import('/pkg/reelcut.js');
    const wasm = await init();
    const before = wasm.memory.buffer.byteLength;
    const media = await Media.open(url);
    const { start, end } = media.seekable;
    const after = wasm.memory.buffer.byteLength;
    // Everything fetched while the clip is made (its media, and the playlist reloads that go on meanwhile),
    // against the bytes of the segments (and the newest segment's parts) its span overlaps, found afterwards in
    // the playlist by their program date times.
    performance.setResourceTimingBufferSize(10000);
    performance.clearResourceTimings();
    const clip = media.clip({ start: media.seekable.end - 30, end: media.seekable.end });
    const from = media.wallClockAt(clip.start);
    const to = media.wallClockAt(clip.end);
    const output = (await clip.export({ mode: 'keyframe' })).byteLength;
    const fetched = performance.getEntriesByType('resource');
    const lines = (await (await fetch(url)).text()).split('\n');
    let date = 0;
    let parts = 0;
    let own = 0;
    let units = 0;
    for (const [i, line] of lines.entries()) {
      if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) date = Date.parse(line.slice(25));
      else if (line.startsWith('#EXT-X-PART:')) parts += Number(line.match(/BYTERANGE="(\d+)/)[1]);
      else if (line.startsWith('#EXTINF:')) {
        const ends = date + Number.parseFloat(line.slice(8)) * 1000;
        if (ends > from && date < to) {
          const head = await fetch(new URL(lines[i + 1], new URL(url, location.href)), { headers: { Range: 'bytes=0-0' } });
          own += Number(head.headers.get('Content-Range').split('/')[1]);
          units++;
        }
        date = ends;
        parts = 0;
      }
    }
    // The parts of the segment still being published, after the last whole one.
    if (date < to) { own += parts; units++; }
    const clipBytes = {
      fetched: fetched.reduce((sum, entry) => sum + entry.encodedBodySize, 0),
      requests: fetched.length,
      own,
      units,
      output,
    };
    media.close();
    return { whole, delta, hours: (end - start) / 3600, before, after, clipBytes };
  }, `${FOUR_HOURS}&session=bench-4h-${Date.now()}`);
  await fresh.close();

  const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
  // The rate changes, and the seconds spent above 1x (a rate in force until the next change or the end).
  const catchUp = ({ rates }) => {
    let faster = 0;
    rates.forEach(({ at, rate }, i) => { if (rate > 1) faster += (rates[i + 1]?.at ?? SECONDS) - at; });
    return `${rates.length} | ${faster.toFixed(1)} s`;
  };
  const row = (who, run) =>
    `| ${who} | ${run.samples.length} | ${seconds(median(run.samples))} | ${seconds(Math.min(...run.samples))} | ` +
    `${seconds(Math.max(...run.samples))} | ${seconds(median(run.pictures))} | ${run.stalls} | ${catchUp(run)} |`;
  const summary = [];
  for (const [index, { label }] of STREAMS.entries()) {
    const { reelcut, hlsjs } = watched[index];
    console.log(`\n## Live: latency from program date time to the frame shown (LL-HLS, 0.333 s parts, ${label}, ${SECONDS} s each)\n`);
    console.log('| player | samples | median | min | max | median by the picture | waiting events | rate changes | time above 1x |\n|---|---|---|---|---|---|---|---|---|');
    console.log(row('reelcut', reelcut));
    console.log(row('hls.js 1.7.4 lowLatencyMode', hlsjs));
    const when = reelcut.rates.map(({ at, rate }) => `${rate}x at ${at.toFixed(1)} s`).join(', ');
    const ratio = (key) => (median(reelcut[key]) / median(hlsjs[key])).toFixed(2);
    console.log(`\nreelcut / hls.js latency: ${ratio('samples')} (by the picture: ${ratio('pictures')}); reelcut's rate changes: ${when || 'none'}`);
    summary.push({
      operation: `live latency, ${label} (median, lower is better)`,
      results: {
        reelcut: [{ ms: median(reelcut.samples) }],
        'hls.js lowLatencyMode': [{ ms: median(hlsjs.samples) }],
      },
    });
  }
  const MiB = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  console.log(`\nA ${window4h.hours.toFixed(2)}-hour replay window: a whole playlist reload ${window4h.whole} bytes, a delta ` +
    `update ${window4h.delta} bytes; wasm memory ${MiB(window4h.before)} before Media.open, ${MiB(window4h.after)} with the window`);
  const clipped = window4h.clipBytes;
  console.log(`Clipping its last 30 s (keyframe): ${clipped.fetched} bytes fetched in ${clipped.requests} requests, ` +
    `for ${clipped.own} bytes of the ${clipped.units} segments its span overlaps (${(clipped.fetched / clipped.own).toFixed(3)}x); ` +
    `the MP4 is ${clipped.output} bytes`);
  return summary;
}
