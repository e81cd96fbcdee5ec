// Live HLS figures, in one headless Chromium session against the dev server's simulated broadcast:
// - latency: from a frame's wall-clock time (its EXT-X-PROGRAM-DATE-TIME) to the moment it is shown, sampled
//   every 250 ms over LIVE_SECONDS (default 60) of playback of the LL-HLS stream (`part=0.333`), for reelcut
//   (`media.wallClockAt(player.currentTime)`) and hls.js 1.7.4 in `lowLatencyMode` (`hls.playingDate`), one
//   after the other on broadcasts of their own; with the `waiting` events (stalls) each saw;
// - a 4-hour replay window (`window=7200` segments of 2 s): the bytes of a whole playlist reload against a
//   delta update (`_HLS_skip=YES`), and the wasm memory of a `Media` holding that window.
import { median } from './source.mjs';

const SECONDS = Number(process.env.LIVE_SECONDS ?? 60);
const STREAM = '/live/hls_ts/index.m3u8?part=0.333&window=12';
const FOUR_HOURS = '/live/hls_ts/index.m3u8?part=0.333&window=7200';

export const name = 'live';

export async function run({ browser, server }) {
  const page = await browser.newPage();
  await page.goto(`${server.base}/tests/bench/pages/player.html`);
  await page.evaluate(() => window.reelcutReady);
  const watched = {};
  for (const who of ['reelcut', 'hlsjs']) {
    const url = `${STREAM}&session=bench-${who}-${Date.now()}`;
    watched[who] = await page.evaluate(async ({ who, url, seconds }) => {
      const samples = [];
      let stalls = 0;
      const sample = (wallClock) => { if (Number.isFinite(wallClock)) samples.push(Date.now() - wallClock); };
      if (who === 'reelcut') {
        const { Media, Player } = await window.reelcutReady;
        const media = await Media.open(url);
        const player = new Player(document.getElementById('screen'), { muted: true });
        player.addEventListener('waiting', () => stalls++);
        await player.load(media);
        await player.play();
        for (let i = 0; i < seconds * 4; i++) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          sample(media.wallClockAt(player.currentTime));
        }
        player.destroy();
        media.close();
        return { samples, stalls };
      }
      const video = document.getElementById('video');
      const hls = new window.Hls({ lowLatencyMode: true, enableWorker: true });
      video.addEventListener('waiting', () => stalls++);
      hls.attachMedia(video);
      hls.loadSource(url);
      video.muted = true;
      await new Promise((resolve) => hls.on(window.Hls.Events.MANIFEST_PARSED, resolve));
      await video.play();
      for (let i = 0; i < seconds * 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        sample(hls.playingDate?.getTime());
      }
      hls.destroy();
      return { samples, stalls };
    }, { who, url, seconds: SECONDS });
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
    media.close();
    return { whole, delta, hours: (end - start) / 3600, before, after };
  }, `${FOUR_HOURS}&session=bench-4h-${Date.now()}`);
  await fresh.close();

  const row = (who, { samples, stalls }) =>
    `| ${who} | ${samples.length} | ${(median(samples) / 1000).toFixed(2)} s | ${(Math.min(...samples) / 1000).toFixed(2)} s | ${(Math.max(...samples) / 1000).toFixed(2)} s | ${stalls} |`;
  console.log(`\n## Live: latency from program date time to the frame shown (LL-HLS, 0.333 s parts, ${SECONDS} s each)\n`);
  console.log('| player | samples | median | min | max | waiting events |\n|---|---|---|---|---|---|');
  console.log(row('reelcut', watched.reelcut));
  console.log(row('hls.js 1.7.4 lowLatencyMode', watched.hlsjs));
  const MiB = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  console.log(`\nA ${window4h.hours.toFixed(2)}-hour replay window: a whole playlist reload ${window4h.whole} bytes, a delta ` +
    `update ${window4h.delta} bytes; wasm memory ${MiB(window4h.before)} before Media.open, ${MiB(window4h.after)} with the window`);
  return [{
    operation: 'live latency (median, lower is better)',
    results: {
      reelcut: [{ ms: median(watched.reelcut.samples) }],
      'hls.js lowLatencyMode': [{ ms: median(watched.hlsjs.samples) }],
    },
  }];
}
