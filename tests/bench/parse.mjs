// Parsing an MP4 and listing every sample: a 100 MB and a 600 MB file (1280x720 H.264 + AAC, moov first), by
// reelcut (`Media.open` + `media.samples()`), mediabunny (packet sink, metadata only) and mp4box.js (Range
// reads fed to appendBuffer until the moov is parsed, then getTrackSamplesInfo per track). Each job starts
// from the URL; every job must list the same number of samples.
import { ensureLongFile, median, ms, runAlternating } from './source.mjs';

export const name = 'parse';

export async function run({ browser, server }) {
  const files = [100, 600].map((megabytes) => [megabytes, ensureLongFile(megabytes)]);
  const page = await browser.newPage();
  page.on('console', (message) => message.type() === 'error' && console.error(`page: ${message.text()}`));
  await page.goto(`${server.base}/tests/bench/pages/parse.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 120_000 });
  const jobs = await page.evaluate(() => window.jobNames);
  const summary = [];
  console.log('\n## Parse an MP4, list every sample\n');
  console.log('| file | job | runs | median | range | samples | time / reelcut |\n|---|---|---|---|---|---|---|');
  for (const [megabytes, url] of files) {
    const results = await runAlternating(page, jobs, [url]);
    const counts = new Set(jobs.map((job) => results[job].at(-1).samples));
    if (counts.size !== 1) throw new Error(`${url}: the jobs listed different numbers of samples: ${[...counts]}`);
    const reference = median(results[jobs[0]].map((r) => r.ms));
    for (const job of jobs) {
      const times = results[job].map((r) => r.ms);
      console.log(`| ${megabytes} MB | ${job} | ${times.length} | ${ms(median(times))} | ${ms(Math.min(...times))}–` +
        `${ms(Math.max(...times))} | ${results[job].at(-1).samples} | ${(median(times) / reference).toFixed(2)}x |`);
    }
    summary.push({ operation: `parse ${megabytes} MB MP4, list every sample`, results });
  }
  await page.close();
  return summary;
}
