// Player figures, in one headless Chromium session over localhost:
// - time to first frame of the HLS fixture and of 60 s of the 720p source in 2 s MPEG-TS segments: reelcut
//   (open, load, first frame on the canvas; drawn as the player chooses, and with WebGL2 asked for) against
//   hls.js (loadSource until the <video> presents its first frame), both libraries already loaded, runs
//   alternating, HTTP cache disabled;
// - seek latency over 50 random seeks, the same times for both: reelcut's frame-exact `seek` (resolves once
//   the frame is on the canvas; HLS and MP4) against hls.js (`currentTime` set on the paused <video> until
//   `seeked`, HLS);
// - the longest main-thread task while reelcut plays HLS (Long Tasks API: anything over 50 ms) and the
//   longest gap between animation frames.
import { RUNS, ensureHls60s, median } from './source.mjs';

const HLS = '/fixtures/hls_ts/index.m3u8';
const SEEKS = 50;

const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

export const name = 'player';

export async function run({ browser, server }) {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.goto(`${server.base}/tests/bench/pages/player.html`);
  await page.evaluate(() => window.reelcutReady);

  const firstFrames = {};
  for (const url of [HLS, ensureHls60s(2)]) {
    const firstFrame = (firstFrames[url] = { reelcut: [], webgl2: [], hlsjs: [] });
    for (let round = 0; round < RUNS; round++) {
      const order = round % 2 ? ['hlsjs', 'webgl2', 'reelcut'] : ['reelcut', 'webgl2', 'hlsjs'];
      for (const who of order) {
        firstFrame[who].push(await page.evaluate(async ({ who, url }) => {
          const started = performance.now();
          if (who !== 'hlsjs') {
            const { Media, Player } = await window.reelcutReady;
            const options = who === 'webgl2' ? { muted: true, renderer: 'webgl2' } : { muted: true };
            const player = new Player(document.getElementById('screen'), options);
            const media = await Media.open(url);
            await player.load(media);
            await player.seek(0);
            // Drawn; presented with the next animation frame (as requestVideoFrameCallback reports for hls.js).
            await new Promise((resolve) => requestAnimationFrame(resolve));
            const elapsed = performance.now() - started;
            player.destroy();
            media.close();
            return elapsed;
          }
          const video = document.getElementById('video');
          const hls = new window.Hls({ enableWorker: true });
          const presented = new Promise((resolve) => video.requestVideoFrameCallback(resolve));
          hls.attachMedia(video);
          hls.loadSource(url);
          video.muted = true;
          await video.play();
          await presented;
          const elapsed = performance.now() - started;
          hls.destroy();
          video.removeAttribute('src');
          video.load();
          return elapsed;
        }, { who, url }));
      }
    }
  }

  // The same pseudo-random times for every player.
  const seekTimes = (duration) => {
    let seed = 99;
    return Array.from({ length: SEEKS }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * duration);
  };
  const seeks = {};
  for (const url of [HLS, '/fixtures/high_bframes_moovend.mp4']) {
    const media = await page.evaluate(async (url) => (await window.reelcutReady).Media.open(url).then((m) => m.duration), url);
    seeks[`reelcut ${url}`] = await page.evaluate(async ({ url, times }) => {
      const { Media, Player } = await window.reelcutReady;
      const player = new Player(document.getElementById('screen'), { muted: true });
      await player.load(await Media.open(url));
      await player.seek(0);
      const took = [];
      for (const t of times) {
        const started = performance.now();
        await player.seek(t);
        took.push(performance.now() - started);
      }
      return took;
    }, { url, times: seekTimes(media) });
  }
  const hlsDuration = await page.evaluate(async (url) => (await window.reelcutReady).Media.open(url).then((m) => m.duration), HLS);
  seeks[`hls.js ${HLS}`] = await page.evaluate(async ({ url, times }) => {
    const video = document.getElementById('video');
    const hls = new window.Hls({ enableWorker: true });
    hls.attachMedia(video);
    hls.loadSource(url);
    await new Promise((resolve) => video.addEventListener('loadeddata', resolve, { once: true }));
    const took = [];
    for (const t of times) {
      const started = performance.now();
      const seeked = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
      video.currentTime = t;
      await seeked;
      took.push(performance.now() - started);
    }
    hls.destroy();
    return took;
  }, { url: HLS, times: seekTimes(hlsDuration) });

  const mainThread = await page.evaluate(async (url) => {
    const { Media, Player } = await window.reelcutReady;
    const longTasks = [];
    const observer = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)));
    observer.observe({ type: 'longtask' });
    const player = new Player(document.getElementById('screen'), { muted: true });
    await player.load(await Media.open(url));
    const ended = new Promise((resolve) => player.addEventListener('ended', resolve));
    await player.play();
    let last = performance.now();
    let longestGap = 0;
    let done = false;
    ended.then(() => { done = true; });
    while (!done) {
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }
    observer.disconnect();
    return { longTasks, longestGap, dropped: player.droppedFrames };
  }, HLS);

  await page.close();
  const ms = (x) => `${x.toFixed(1)} ms`;
  console.log('\n## Player: time to first frame, seek latency\n');
  for (const [url, firstFrame] of Object.entries(firstFrames)) {
    console.log(`time to first frame, ${url}, ${RUNS} runs: reelcut median ${ms(median(firstFrame.reelcut))}, ` +
      `with WebGL2 asked for ${ms(median(firstFrame.webgl2))}, ` +
      `hls.js median ${ms(median(firstFrame.hlsjs))}, hls.js / reelcut ${(median(firstFrame.hlsjs) / median(firstFrame.reelcut)).toFixed(2)}`);
  }
  for (const [who, times] of Object.entries(seeks)) {
    console.log(`seek latency, ${SEEKS} random seeks, ${who}: median ${ms(median(times))}, p95 ${ms(percentile(times, 95))}`);
  }
  console.log(`playing ${HLS}: long tasks (> 50 ms) ${mainThread.longTasks.length ? mainThread.longTasks.map(ms).join(', ') : 'none'}, ` +
    `longest gap between animation frames ${ms(mainThread.longestGap)}, ${mainThread.dropped} frames dropped`);
  const runs = (times) => times.map((t) => ({ ms: t }));
  return [
    ...Object.entries(firstFrames).map(([url, firstFrame]) => ({
      operation: `time to first frame, ${url}`,
      results: { 'reelcut': runs(firstFrame.reelcut), 'reelcut, WebGL2 asked for': runs(firstFrame.webgl2), 'hls.js': runs(firstFrame.hlsjs) },
    })),
    { operation: `seek latency, ${HLS}, ${SEEKS} seeks`, results: { 'reelcut': runs(seeks[`reelcut ${HLS}`]), 'hls.js': runs(seeks[`hls.js ${HLS}`]) } },
  ];
}
