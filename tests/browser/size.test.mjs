// The size budget: what a page downloads to use the library (the wasm after wasm-opt, and the JS glue,
// each gzipped at level 9 as a CDN would serve them), reported beside the minified+gzipped bundles of the
// two libraries web apps would otherwise reach for, measured the same way from their npm packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from './support.mjs';

/** The budget of DESIGN.md: 170 KiB gzipped (174,080 bytes), under every peer that does a single part of the
 * job (see www/docs/size.md). */
const BUDGET_BYTES = 174_080;

const pkg = join(repoRoot, 'pkg');
const peers = join(repoRoot, 'tests', 'node_modules');

function gzippedKiB(file) {
  assert.ok(existsSync(file), `${file} is missing (run bash .ci/build.sh; npm ci in tests/)`);
  const bytes = readFileSync(file);
  return { raw: bytes.length / 1024, gzipped: gzipSync(bytes, { level: 9 }).length / 1024 };
}

test(`the package downloads in under ${BUDGET_BYTES} bytes gzipped`, () => {
  const parts = {
    'reelcut wasm (after wasm-opt)': gzippedKiB(join(pkg, 'reelcut_bg.wasm')),
    'reelcut JS glue (reelcut.js + index.js)': ['reelcut.js', 'index.js']
      .map((name) => gzippedKiB(join(pkg, name)))
      .reduce((a, b) => ({ raw: a.raw + b.raw, gzipped: a.gzipped + b.gzipped })),
    'reelcut embed.js (the <reelcut-player> element)': gzippedKiB(join(pkg, 'embed.js')),
  };
  const library = parts['reelcut wasm (after wasm-opt)'].gzipped + parts['reelcut JS glue (reelcut.js + index.js)'].gzipped;
  const rows = {
    ...parts,
    'hls.js 1.7.4 (dist/hls.min.js)': gzippedKiB(join(peers, 'hls.js', 'dist', 'hls.min.js')),
    'mediabunny 1.61.0 (dist/bundles/mediabunny.min.mjs)': gzippedKiB(join(peers, 'mediabunny', 'dist', 'bundles', 'mediabunny.min.mjs')),
  };
  console.log('| file | KiB | KiB gzipped |\n|---|---|---|');
  for (const [name, { raw, gzipped }] of Object.entries(rows)) console.log(`| ${name} | ${raw.toFixed(1)} | ${gzipped.toFixed(1)} |`);
  console.log(`| **reelcut, wasm + glue** | | **${library.toFixed(1)}** |`);
  const bytes = Math.round(library * 1024);
  console.log(`wasm + glue: ${bytes} bytes gzipped (budget ${BUDGET_BYTES})`);
  assert.ok(bytes < BUDGET_BYTES, `wasm + glue is ${bytes} bytes gzipped, over the ${BUDGET_BYTES}-byte budget`);
});
