// Local files (issue 19), in one headless Chromium session: the file is picked in an <input type=file> (a
// disk-backed File, as a person would pick it), never fetched.
// - open a 120 MB 10-minute MP4 and list its video keyframes: reelcut (`Media.open(file)`, read by slices),
//   mp4box.js parsing the same bytes already in memory, mediabunny reading the File (BlobSource), and the
//   File's head and `moov` read alone (what any reader must read: the floor);
// - a 30 s keyframe trim from the File at 300 s: reelcut against mediabunny's Conversion (packets copied);
// - a 3 GB MP4 (its index, then a 3 GB mdat): opened, a 30 s clip exported (bytes read from the File
//   counted), and a 20-minute keyframe export written to an OPFS file as it is made, with the page's JS heap
//   peak and reelcut's wasm memory (in a fresh page, so the wasm memory is this work's alone).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import { RUNS, ensureLongFile, median, ms, runAlternating } from './source.mjs';

export const name = 'local';

const here = new URL('.', import.meta.url).pathname;
const MB = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The 10-minute 1280x720 source again at half its bitrate: about 120 MB, as in the issue. */
function ensure120() {
  const file = join(here, 'media', 'ten_minutes_120mb.mp4');
  try {
    statSync(file);
  } catch {
    console.log(`making ${file} (a few minutes)`);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i',
      'sine=frequency=440:sample_rate=48000', '-t', '600', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-bf', '2',
      '-b:v', '1.45M', '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', file], { stdio: 'inherit' });
  }
  return file;
}

async function pickedPage(browser, server, file) {
  const page = await browser.newPage();
  page.on('console', (message) => message.type() === 'error' && console.error(`page: ${message.text()}`));
  await page.goto(`${server.base}/tests/bench/pages/local.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 120_000 });
  await page.setInputFiles('#picker', file);
  return page;
}

function table(results, jobs, columns) {
  const reference = median(results[jobs[0]].map((r) => r.ms));
  console.log(`| job | runs | median | range | ${columns.map(([title]) => title).join(' | ')} | time / reelcut |`);
  console.log(`|---|---|---|---|${columns.map(() => '---|').join('')}---|`);
  for (const job of jobs) {
    const times = results[job].map((r) => r.ms);
    const cells = columns.map(([, cell]) => cell(results[job]));
    console.log(`| ${job} | ${times.length} | ${ms(median(times))} | ${ms(Math.min(...times))}–${ms(Math.max(...times))} | ` +
      `${cells.join(' | ')} | ${(median(times) / reference).toFixed(2)}x |`);
  }
}

export async function run({ browser, server }) {
  const summary = [];
  const small = ensure120();
  let page = await pickedPage(browser, server, small);
  await page.evaluate(() => window.holdInMemory());
  const open = ['reelcut Media.open(File) + keyframeTimes()', 'mp4box.js appendBuffer (bytes in memory) + sync samples',
    'mediabunny BlobSource + key packets', 'read the head and moov bytes alone (the floor)'];
  const opened = await runAlternating(page, open, []);
  const counts = new Set(open.map((job) => opened[job].at(-1).keyframes).filter((count) => count !== null));
  if (counts.size !== 1) throw new Error(`the jobs listed different numbers of keyframes: ${[...counts]}`);
  console.log(`\n## Open a ${MB(statSync(small).size)} 10-minute MP4 from a File, list its keyframes\n`);
  table(opened, open, [['keyframes', (r) => r.at(-1).keyframes ?? '–'], ['read from the File', (r) => MB(r.at(-1).read)]]);
  summary.push({ operation: `open a ${MB(statSync(small).size)} MP4 from a File, list keyframes`, results: opened });

  const trim = ['reelcut keyframe export from the File', 'mediabunny Conversion from the File (copy)'];
  const trimmed = await runAlternating(page, trim, [300, 330]);
  console.log('\n## 30 s keyframe trim (300-330 s) of that File\n');
  table(trimmed, trim, [['read from the File', (r) => MB(r.at(-1).read)], ['output', (r) => MB(r.at(-1).output)]]);
  summary.push({ operation: '30 s keyframe trim from a File at 300 s', results: trimmed });
  await page.close();

  // The 3 GB file, in a fresh page: the wasm memory it reports is this work's alone.
  const big = join(here, '..', '..', ensureLongFile(3000).replace(/^\/tests\//, 'tests/'));
  page = await pickedPage(browser, server, big);
  const size = statSync(big).size;
  const bigRuns = {};
  const runs = Math.min(RUNS, 3);
  for (let round = 0; round < runs; round++) {
    for (const [job, args] of [
      ['reelcut Media.open(File) + keyframeTimes()', []],
      ['reelcut keyframe export from the File to an OPFS writable', [3000, 4200]],
      ['reelcut keyframe export from the File', [3600, 3630]],
    ]) {
      const result = await page.evaluate(([job, args]) => window.runJob(job, ...args), [job, args]);
      (bigRuns[job] ??= []).push(result);
      process.stderr.write(`3 GB: ${job} run ${round + 1}: ${result.ms.toFixed(0)} ms\n`);
    }
  }
  await page.close();
  console.log(`\n## A ${MB(size)} MP4 from a File (${runs} runs)\n`);
  // Every job opens the File first: what it read beyond the open is the clip's share. The wasm memory is
  // the page's after the job's first run (it only grows), so the open's row is the open's alone.
  const index = median(bigRuns['reelcut Media.open(File) + keyframeTimes()'].map((r) => r.read));
  console.log('| job | median | read from the File beyond the index | output | JS heap peak | wasm memory after its first run |');
  console.log('|---|---|---|---|---|---|');
  const labels = {
    'reelcut Media.open(File) + keyframeTimes()': 'open, list keyframes',
    'reelcut keyframe export from the File': '30 s keyframe export (3600-3630 s), returned',
    'reelcut keyframe export from the File to an OPFS writable': '20-minute keyframe export (3000-4200 s) to an OPFS writable',
  };
  for (const [job, results] of Object.entries(bigRuns)) {
    const last = results.at(-1);
    const read = job === 'reelcut Media.open(File) + keyframeTimes()' ? `${MB(index)} (the index)` : MB(last.read - index);
    console.log(`| ${labels[job]} | ${ms(median(results.map((r) => r.ms)))} | ${read} | ${last.output ? MB(last.output) : '–'} | ` +
      `${MB(Math.max(...results.map((r) => r.heapPeak)))} | ${MB(results[0].wasmMemory)} |`);
  }
  return summary;
}
