// Clip export figures, in one headless Chromium session over localhost (HTTP cache off): a 30 s clip from the
// middle of a 10-minute 1280x720 H.264 + AAC MP4, by reelcut (`keyframe` and `exact` modes), by mediabunny
// (its conversion with a trim range: packet copy, and with the video re-encoded) and by ffmpeg.wasm
// (`-ss/-to -c copy`, and libx264 re-encode), next to the cost of fetching alone (the clip's 13 MB; the whole
// file). Each job starts from the URL; the table gives medians of the runs (alternating order), the bytes
// fetched from the file, the output, and what the output holds (video packets, duration; read back by
// mediabunny).
import { execFileSync } from 'node:child_process';
import { END, MEDIA, START, URL_PATH, ensureSource, median, runAlternating } from './source.mjs';

export const name = 'trim';

export async function run({ browser, server }) {
  ensureSource();
  const page = await browser.newPage();
  page.on('console', (message) => message.type() === 'error' && console.error(`page: ${message.text()}`));
  await page.goto(`${server.base}/tests/bench/pages/trim.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 120_000 });

  // Each group's first job is reelcut's; the others are compared with it.
  const groups = [
    ['reelcut keyframe', 'mediabunny copy', 'ffmpeg.wasm -c copy', 'fetch 13 MB (one Range request)',
      'fetch the whole file'],
    ['reelcut exact', 'mediabunny re-encode', 'ffmpeg.wasm re-encode'],
  ];
  const args = [URL_PATH, START, END];
  const results = {};
  for (const jobs of groups) Object.assign(results, await runAlternating(page, jobs, args));
  // Bytes fetched, counted in one more run of each job with the network domain watching (kept out of the
  // timed runs: watching costs time): per request, what arrived in the page, or the finished response's
  // length when the body went straight into a Blob; a streamed read cancelled early counts what arrived.
  const cdp = await page.context().newCDPSession(page);
  let requests = new Map();
  cdp.on('Network.requestWillBeSent', (event) => {
    if (event.request.url.endsWith(URL_PATH)) requests.set(event.requestId, 0);
  });
  cdp.on('Network.dataReceived', (event) => {
    if (requests.has(event.requestId)) requests.set(event.requestId, requests.get(event.requestId) + event.dataLength);
  });
  cdp.on('Network.loadingFinished', (event) => {
    if (requests.has(event.requestId)) {
      requests.set(event.requestId, Math.max(requests.get(event.requestId), event.encodedDataLength));
    }
  });
  await cdp.send('Network.enable');
  const fetched = {};
  for (const job of groups.flat()) {
    requests = new Map();
    await page.evaluate(([job, args]) => window.runJob(job, ...args), [job, args]);
    fetched[job] = [...requests.values()].reduce((sum, bytes) => sum + bytes, 0);
  }

  const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;
  await page.close();
  console.log(`\n## Trim 30 s out of a 10-minute MP4\n\nclip ${START}-${END} s of a 10-minute ` +
    `1280x720 30 fps H.264 + AAC MP4 (${mb(Number(execFileSync('stat', ['-c%s', MEDIA]).toString()))})\n`);
  console.log('| job | runs | median | range | fetched | output | video packets | duration | time / reelcut |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const jobs of groups) {
    const reference = median(results[jobs[0]].map((r) => r.ms));
    for (const job of jobs) {
      const times = results[job].map((r) => r.ms);
      const { output, packets, firstTimestamp, duration } = results[job].at(-1);
      const held = packets === undefined ? '–' : `${packets} from ${firstTimestamp.toFixed(3)} s`;
      const length = duration === undefined ? '–' : `${duration.toFixed(3)} s`;
      console.log(`| ${job} | ${times.length} | ${median(times).toFixed(0)} ms | ${Math.min(...times).toFixed(0)}–` +
        `${Math.max(...times).toFixed(0)} ms | ${mb(fetched[job])} | ${mb(output)} | ${held} | ${length} | ` +
        `${(median(times) / reference).toFixed(2)}x |`);
    }
  }
  // The floors (fetching alone) are not peers: the summary compares the libraries.
  const peers = (jobs) => Object.fromEntries(jobs.filter((job) => !job.startsWith('fetch')).map((job) => [job, results[job]]));
  return [
    { operation: 'trim 30 s of a 10-minute MP4, keyframe (copy)', results: peers(groups[0]) },
    { operation: 'trim 30 s of a 10-minute MP4, exact (re-encode)', results: peers(groups[1]) },
  ];
}
