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

/** reelcut: opens `url` (MP4 or HLS) and lists every sample of every track; resolves to their number. */
async function reelcutSampleCount(url) {
  const media = await reelcut.Media.open(url);
  try {
    return (await media.samples()).reduce((sum, table) => sum + table.size.length, 0);
  } finally {
    media.free();
  }
}

/** mediabunny: opens `url` and iterates every packet of every track, metadata only; resolves to their number. */
async function mediabunnyPacketCount(url) {
  const { Input, UrlSource, ALL_FORMATS, EncodedPacketSink } = mediabunny;
  const input = new Input({ source: new UrlSource(url), formats: ALL_FORMATS });
  let count = 0;
  for (const track of await input.getTracks()) {
    for await (const packet of new EncodedPacketSink(track).packets(undefined, undefined, { metadataOnly: true })) {
      count += packet ? 1 : 0;
    }
  }
  input.dispose?.();
  return count;
}

/** Offers `jobs` (name → async (url) => sample count) to the runner as `window.runJob`. */
function offerCountingJobs(jobs) {
  window.jobNames = Object.keys(jobs);
  window.runJob = async (job, url) => {
    const started = performance.now();
    const samples = await jobs[job](url);
    return { ms: performance.now() - started, samples };
  };
  window.benchReady = true;
}

export { ffmpeg, fetchBytes, mediabunny, mediabunnyPacketCount, offerCountingJobs, reelcut, reelcutSampleCount, wasm };
