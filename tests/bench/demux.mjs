// Demuxing 60 s of HLS (VOD, 4 s MPEG-TS segments of the 1280x720 H.264 + AAC source) into samples, by reelcut
// (`Media.open` + `media.samples()`), mediabunny (HLS input, packet sink) and mux.js (its transmuxer, one push
// and flush per segment). Each job fetches the playlist and every segment; the table gives the samples each got.
import { HLS_60S_URL, ensureHls60s, median, ms, runAlternating } from './source.mjs';

export const name = 'demux';

export async function run({ browser, server }) {
  ensureHls60s();
  const page = await browser.newPage();
  page.on('console', (message) => message.type() === 'error' && console.error(`page: ${message.text()}`));
  await page.goto(`${server.base}/tests/bench/pages/demux.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 120_000 });
  const jobs = await page.evaluate(() => window.jobNames);
  const results = await runAlternating(page, jobs, [HLS_60S_URL]);
  await page.close();
  console.log('\n## Demux 60 s of HLS MPEG-TS into samples\n');
  console.log('| job | runs | median | range | samples | time / reelcut |\n|---|---|---|---|---|---|');
  const reference = median(results[jobs[0]].map((r) => r.ms));
  for (const job of jobs) {
    const times = results[job].map((r) => r.ms);
    console.log(`| ${job} | ${times.length} | ${ms(median(times))} | ${ms(Math.min(...times))}–${ms(Math.max(...times))} | ` +
      `${results[job].at(-1).samples} | ${(median(times) / reference).toFixed(2)}x |`);
  }
  return [{ operation: 'demux 60 s of HLS MPEG-TS into samples', results }];
}
