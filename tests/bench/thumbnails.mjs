// Thumbnails (issue 22), in one headless Chromium session: 20 thumbnails 160 px wide of the 10-minute 720p MP4
// over localhost, at 20 of its keyframes (every 30 s), each drawn into a strip as it comes: reelcut's
// `media.thumbnails()` (keyframes: only their bytes read) against mediabunny's CanvasSink at the same
// timestamps. Both open the file inside the timed job; the first thumbnail's time is from the job's start.
import { URL_PATH, ensureSource, median, ms, runAlternating } from './source.mjs';

export const name = 'thumbnails';

const TIMES = Array.from({ length: 20 }, (_, i) => i * 30);

export async function run({ browser, server }) {
  ensureSource();
  const page = await browser.newPage();
  page.on('console', (message) => message.type() === 'error' && console.error(`page: ${message.text()}`));
  await page.goto(`${server.base}/tests/bench/pages/thumbnails.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 120_000 });
  const jobs = ['reelcut media.thumbnails()', 'mediabunny CanvasSink.canvasesAtTimestamps()'];
  const results = await runAlternating(page, jobs, [URL_PATH, TIMES]);
  await page.close();
  for (const job of jobs) {
    if (results[job].some((r) => r.drawn !== TIMES.length)) throw new Error(`${job} drew ${results[job].map((r) => r.drawn)} thumbnails`);
  }
  const reference = median(results[jobs[0]].map((r) => r.ms));
  console.log('\n## 20 keyframe thumbnails (160 px wide) of the 10-minute 720p MP4, opened from localhost\n');
  console.log('| job | runs | median | range | first thumbnail drawn (median) | time / reelcut |\n|---|---|---|---|---|---|');
  for (const job of jobs) {
    const times = results[job].map((r) => r.ms);
    console.log(`| ${job} | ${times.length} | ${ms(median(times))} | ${ms(Math.min(...times))}–${ms(Math.max(...times))} | ` +
      `${ms(median(results[job].map((r) => r.first)))} | ${(median(times) / reference).toFixed(2)}x |`);
  }
  return [{ operation: '20 keyframe thumbnails of a 10-minute 720p MP4', results }];
}
