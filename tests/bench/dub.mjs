// Dub figures, in one headless Chromium session over localhost (HTTP cache off): a 30 s clip of the
// 10-minute 1280x720 H.264 + AAC MP4 gets a 30 s WAV voice in place of its sound, by reelcut (`clip.dub`,
// replace mode; and mix mode, which also decodes the clip's sound), by mediabunny (its packet sink copying the video into a new MP4, the voice encoded to Opus)
// and by ffmpeg.wasm (`-map 0:v -map 1:a -c:v copy -c:a libopus`). Each job starts from the URLs; the table
// gives medians of the runs (alternating order), the clip's seconds per second of work (real-time factor),
// the page's JS heap peak above its level before the run, reelcut's wasm memory, and the output's audio
// codec and duration (read back by mediabunny).
// (`performance.memory` needs Chromium's --enable-precise-memory-info for exact figures: run.mjs sets it.)
import { END, START, URL_PATH, VOICE_URL, ensureSource, ensureVoice, median, runAlternating } from './source.mjs';

export const name = 'dub';

export async function run({ browser, server }) {
  ensureSource();
  ensureVoice();
  const page = await browser.newPage();
  page.on('console', (message) => message.type() === 'error' && console.error(`page: ${message.text()}`));
  await page.goto(`${server.base}/tests/bench/pages/dub.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 120_000 });
  // reelcut first: the others are compared with it.
  const names = await page.evaluate(() => window.jobNames);
  const results = await runAlternating(page, names, [URL_PATH, VOICE_URL, START, END]);
  await page.close();
  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
  const seconds = END - START;
  console.log(`\n## Dub a 30 s clip\n\na ${seconds} s clip (${START}-${END} s) of a ` +
    '10-minute 1280x720 30 fps H.264 + AAC MP4, its sound replaced by a 30 s mono WAV voice\n');
  console.log('| job | runs | median | range | real time | JS heap peak | wasm memory | output | audio | duration | time / reelcut |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const reference = median(results[names[0]].map((r) => r.ms));
  for (const job of names) {
    const times = results[job].map((r) => r.ms);
    const last = results[job].at(-1);
    console.log(`| ${job} | ${times.length} | ${median(times).toFixed(0)} ms | ${Math.min(...times).toFixed(0)}–` +
      `${Math.max(...times).toFixed(0)} ms | ${(seconds / (median(times) / 1000)).toFixed(0)}x | ` +
      `${mb(median(results[job].map((r) => r.heapPeak)))} | ${job.startsWith('reelcut') ? mb(last.wasmMemory) : '–'} | ` +
      `${mb(last.output)} | ${last.audio} | ${last.duration.toFixed(3)} s | ${(median(times) / reference).toFixed(2)}x |`);
  }
  // reelcut's mix mode does more work than the peers (it also decodes the clip's sound): not in the summary.
  const replace = Object.fromEntries(Object.entries(results).filter(([job]) => job !== 'reelcut dub (mix)'));
  return [{ operation: 'dub a 30 s clip, replace its sound', results: replace }];
}
