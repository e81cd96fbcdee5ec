// Player figures, in one headless Chromium session over localhost:
// - time to first frame of the HLS fixture: reelcut (open, load, first frame on the canvas) against hls.js
//   (loadSource until the <video> presents its first frame), both libraries already loaded, runs
//   alternating, HTTP cache disabled;
// - seek latency over 50 random frame-exact seeks (reelcut, HLS and MP4);
// - the longest main-thread task while reelcut plays HLS (Long Tasks API: anything over 50 ms) and the
//   longest gap between animation frames.
// Run: node tests/bench/player.mjs  (after `make build` and `cargo build --example serve`)
import { launchChromium, startServer } from '../browser/support.mjs';

const RUNS = 9;
const HLS = '/fixtures/hls_ts/index.m3u8';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

const server = await startServer();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.goto(`${server.base}/tests/bench/pages/player.html`);
  await page.evaluate(() => window.reelcutReady);

  const firstFrame = { reelcut: [], hlsjs: [] };
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 ? ['hlsjs', 'reelcut'] : ['reelcut', 'hlsjs'];
    for (const who of order) {
      firstFrame[who].push(await page.evaluate(async ({ who, url }) => {
        const started = performance.now();
        if (who === 'reelcut') {
          const { Media, Player } = await window.reelcutReady;
          const player = new Player(document.getElementById('screen'), { muted: true });
          await player.load(await Media.open(url));
          await player.seek(0);
          // Drawn; presented with the next animation frame (as requestVideoFrameCallback reports for hls.js).
          await new Promise((resolve) => requestAnimationFrame(resolve));
          return performance.now() - started;
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
      }, { who, url: HLS }));
    }
  }

  const seeks = {};
  for (const url of [HLS, '/fixtures/high_bframes_moovend.mp4']) {
    seeks[url] = await page.evaluate(async (url) => {
      const { Media, Player } = await window.reelcutReady;
      const player = new Player(document.getElementById('screen'), { muted: true });
      const media = await Media.open(url);
      await player.load(media);
      await player.seek(0);
      let seed = 99;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const times = [];
      for (let i = 0; i < 50; i++) {
        const t = random() * media.duration;
        const started = performance.now();
        await player.seek(t);
        times.push(performance.now() - started);
      }
      return times;
    }, url);
  }

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

  const ms = (x) => `${x.toFixed(1)} ms`;
  console.log(`Chromium ${browser.version()}, ${RUNS} runs each, localhost, HTTP cache off`);
  console.log(`time to first frame, ${HLS}: reelcut median ${ms(median(firstFrame.reelcut))}, ` +
    `hls.js median ${ms(median(firstFrame.hlsjs))}, ratio ${(median(firstFrame.reelcut) / median(firstFrame.hlsjs)).toFixed(2)}`);
  for (const [url, times] of Object.entries(seeks)) {
    console.log(`seek latency, 50 random frame-exact seeks, ${url}: median ${ms(median(times))}, p95 ${ms(percentile(times, 95))}`);
  }
  console.log(`playing ${HLS}: long tasks (> 50 ms) ${mainThread.longTasks.length ? mainThread.longTasks.map(ms).join(', ') : 'none'}, ` +
    `longest gap between animation frames ${ms(mainThread.longestGap)}, ${mainThread.dropped} frames dropped`);
} finally {
  await browser.close();
  await server.close();
}
