// The libraries the benchmark pages compare, loaded once before any run is timed: reelcut, mediabunny and
// ffmpeg.wasm (single-threaded core), plus a plain fetch.
import init, * as reelcut from '/pkg/reelcut.js';
import * as mediabunny from '/tests/node_modules/mediabunny/dist/bundles/mediabunny.min.mjs';
import { FFmpeg } from '/tests/node_modules/@ffmpeg/ffmpeg/dist/esm/index.js';

async function loadFfmpeg() {
  const loaded = new FFmpeg();
  const core = '/tests/node_modules/@ffmpeg/core/dist/esm';
  await loaded.load({ coreURL: `${core}/ffmpeg-core.js`, wasmURL: `${core}/ffmpeg-core.wasm` });
  return loaded;
}

const [ffmpeg, wasm] = await Promise.all([loadFfmpeg(), init()]);

/** The bytes at `url` (the server sends `Cache-Control: no-store`: nothing comes from the cache). */
async function fetchBytes(url, headers = {}) {
  return new Uint8Array(await (await fetch(url, { headers })).arrayBuffer());
}

export { ffmpeg, fetchBytes, mediabunny, reelcut, wasm };
