// Every benchmark in one headless Chromium session over localhost: reelcut against its peers from the npm
// registry, each operation run several times in alternating order. Prints each benchmark's table, then a
// summary of medians and ratios (peer time / reelcut time: above 1, reelcut is faster).
//
// Run: node tests/bench/run.mjs [parse] [demux] [trim] [dub] [player] [local] [live] [thumbnails] [waveform]   (all when none is named; after
// `make build` and `cargo build --example serve`; RUNS=n sets the runs per job, default 5)
import { launchChromium, startServer } from '../browser/support.mjs';
import { RUNS, median, ms } from './source.mjs';
import * as parse from './parse.mjs';
import * as demux from './demux.mjs';
import * as trim from './trim.mjs';
import * as dub from './dub.mjs';
import * as player from './player.mjs';
import * as local from './local.mjs';
import * as live from './live.mjs';
import * as thumbnails from './thumbnails.mjs';
import * as waveform from './waveform.mjs';

const benchmarks = [parse, demux, trim, dub, player, local, live, thumbnails, waveform];
const chosen = process.argv.slice(2);
for (const unknown of chosen.filter((n) => !benchmarks.some((b) => b.name === n))) {
  throw new Error(`no benchmark '${unknown}': choose among ${benchmarks.map((b) => b.name).join(', ')}`);
}

const server = await startServer();
// `performance.memory` with exact figures (the dub table reports heap peaks).
const browser = await launchChromium(['--enable-precise-memory-info']);
const summary = [];
try {
  console.log(`Chromium ${browser.version()}, ${RUNS} runs per job, localhost, HTTP cache off, ${new Date().toISOString().slice(0, 10)}`);
  for (const benchmark of benchmarks) {
    if (chosen.length === 0 || chosen.includes(benchmark.name)) summary.push(...await benchmark.run({ browser, server }));
  }
} finally {
  await browser.close();
  await server.close();
}

console.log('\n## Summary: medians, and each peer against reelcut\n');
console.log('| operation | reelcut | peer | peer median | peer / reelcut |\n|---|---|---|---|---|');
for (const { operation, results } of summary) {
  const [reelcut, ...peers] = Object.entries(results).map(([job, runs]) => [job, median(runs.map((r) => r.ms))]);
  for (const [job, time] of peers) {
    console.log(`| ${operation} | ${ms(reelcut[1])} (${reelcut[0]}) | ${job} | ${ms(time)} | ${(time / reelcut[1]).toFixed(2)} |`);
  }
}
