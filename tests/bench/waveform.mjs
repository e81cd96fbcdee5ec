// Waveform figures, in one headless Chromium session over localhost (HTTP cache off): the sound of the
// 10-minute 1280x720 H.264 + AAC MP4 (a 440 Hz tone, 48 kHz) as 1000 min/max pairs, by reelcut
// (`media.waveform`: its first call decodes, its second reads the summary kept) and by mediabunny (its
// AudioSampleSink decoding the track with WebCodecs, the samples folded into the same buckets in the page),
// next to fetching the whole file alone. Each job starts from the URL; the table gives medians of the runs
// (alternating order) and how far each waveform is from reelcut's.
import { URL_PATH, ensureSource, median, ms, runAlternating } from './source.mjs';

export const name = 'waveform';

export async function run({ browser, server }) {
  ensureSource();
  const page = await browser.newPage();
  page.on('console', (message) => message.type() === 'error' && console.error(`page: ${message.text()}`));
  await page.goto(`${server.base}/tests/bench/pages/waveform.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 120_000 });
  const names = await page.evaluate(() => window.jobNames);
  const results = await runAlternating(page, names, [URL_PATH]);
  await page.close();
  const reference = results[names[0]].at(-1).wave;
  const apart = (wave) => (wave ? Math.max(...wave.map((v, i) => Math.abs(v - reference[i]))).toFixed(4) : '–');
  const referenceMs = median(results[names[0]].map((r) => r.ms));
  console.log('\n## Waveform of a 10-minute MP4\n\n1000 min/max pairs of the AAC sound (48 kHz) of a 10-minute ' +
    '1280x720 30 fps H.264 + AAC MP4 (236 MB)\n');
  console.log('| job | runs | median | range | second call (cached) | largest difference from reelcut | time / reelcut |');
  console.log('|---|---|---|---|---|---|---|');
  for (const job of names) {
    const times = results[job].map((r) => r.ms);
    const again = results[job][0].again === undefined ? '–' : ms(median(results[job].map((r) => r.again)));
    console.log(`| ${job} | ${times.length} | ${ms(median(times))} | ${ms(Math.min(...times))}–${ms(Math.max(...times))} | ` +
      `${again} | ${apart(results[job].at(-1).wave)} | ${(median(times) / referenceMs).toFixed(2)}x |`);
  }
  // Fetching alone is a floor, not a peer.
  const peers = Object.fromEntries(names.filter((job) => !job.startsWith('fetch')).map((job) => [job, results[job]]));
  return [{ operation: 'waveform of 10 minutes of AAC (1000 buckets)', results: peers }];
}
