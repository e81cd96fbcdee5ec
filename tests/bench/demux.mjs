// Demuxing 60 s of HLS (VOD, MPEG-TS segments of the 1280x720 H.264 + AAC source: 15 of 4 s, and 30 of 2 s)
// into samples, by reelcut (`Media.open` + `media.samples()`), mediabunny (HLS input, packet sink) and mux.js
// (its transmuxer, one push and flush per segment). Each job fetches the playlist and every segment; the table
// gives the samples each got, and beside them the floor: the segments fetched alone, with nothing demuxed. The 2 s segments once more with 40 ms added to every request (DevTools network
// emulation: a nearby CDN rather than localhost), where fetching a few segments at once shows.
import { ensureHls60s, median, ms, runAlternating } from './source.mjs';

export const name = 'demux';

export async function run({ browser, server }) {
  const streams = [
    [ensureHls60s(4), '15 segments of 4 s', 0],
    [ensureHls60s(2), '30 segments of 2 s', 0],
    [ensureHls60s(2), '30 segments of 2 s, 40 ms latency', 40],
  ];
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  page.on('console', (message) => message.type() === 'error' && console.error(`page: ${message.text()}`));
  await page.goto(`${server.base}/tests/bench/pages/demux.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 120_000 });
  const jobs = await page.evaluate(() => window.jobNames);
  const rows = [];
  for (const [url, segments, latency] of streams) {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency, downloadThroughput: -1, uploadThroughput: -1 });
    const results = await runAlternating(page, jobs, [url]);
    // The floor fetches and counts nothing; the libraries must agree on the samples.
    const libraries = jobs.filter((job) => results[job][0].samples !== null);
    const counts = new Set(libraries.flatMap((job) => results[job].map((r) => r.samples)));
    if (counts.size !== 1) throw new Error(`${url}: the jobs listed different numbers of samples: ${[...counts]}`);
    console.log(`\n## Demux 60 s of HLS MPEG-TS into samples, ${segments}\n`);
    console.log('| job | runs | median | range | samples | time / reelcut |\n|---|---|---|---|---|---|');
    const reference = median(results[jobs[0]].map((r) => r.ms));
    for (const job of jobs) {
      const times = results[job].map((r) => r.ms);
      console.log(`| ${job} | ${times.length} | ${ms(median(times))} | ${ms(Math.min(...times))}–${ms(Math.max(...times))} | ` +
        `${results[job].at(-1).samples ?? '–'} | ${(median(times) / reference).toFixed(2)}x |`);
    }
    const peers = Object.fromEntries(libraries.map((job) => [job, results[job]]));
    rows.push({ operation: `demux 60 s of HLS MPEG-TS into samples, ${segments}`, results: peers });
  }
  await page.close();
  return rows;
}
