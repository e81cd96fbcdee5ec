// Shared set-up for the end-to-end tests: the dev server (examples/serve.rs) on a free port, and the browser
// the tests run in: Debian's headless Chromium driven by playwright-core, or, with REELCUT_BROWSER=firefox,
// Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi (in the display and with the sound output
// that .ci/firefox.sh starts). Test bodies use what both drivers' pages share (evaluate, goto, on, close).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test as nodeTest } from 'node:test';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixtures = join(repoRoot, 'tests', 'fixtures');
export const CHROMIUM = '/usr/bin/chromium';
export const FIREFOX = '/usr/bin/firefox-esr';

/** The browser the shared tests run in: 'chromium' (default) or 'firefox'. */
export const BROWSER = process.env.REELCUT_BROWSER ?? 'chromium';
if (!['chromium', 'firefox'].includes(BROWSER)) throw new Error(`REELCUT_BROWSER=${BROWSER}: use chromium or firefox`);

/** Options for a test only Chromium can run here, with the reason it is not run in another browser. */
export function chromiumOnly(reason) {
  return BROWSER === 'chromium' ? {} : { skip: `Chromium only: ${reason}` };
}

/** The flags DESIGN.md fixes for tests: no sandbox (root), no background traffic to the closed network. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Sound plays without a click, so the audio clock runs in tests.
  '--autoplay-policy=no-user-gesture-required',
  // `performance.memory` exact and current (else rounded and updated now and then): memory bounds are asserted.
  '--enable-precise-memory-info',
];

/** The crate version from Cargo.toml, which the package must report. */
export function crateVersion() {
  const manifest = readFileSync(join(repoRoot, 'Cargo.toml'), 'utf8');
  return manifest.match(/^version = "([^"]+)"/m)[1];
}

/** Reads a committed ffprobe JSON (tests/fixtures/<name>.ffprobe.json). */
export function ffprobeOf(name) {
  return JSON.parse(readFileSync(join(fixtures, `${name}.ffprobe.json`), 'utf8'));
}

/** The barcode of every frame ffmpeg decodes from `file`, in presentation order. */
export function ffmpegBarcodes(file) {
  // -noautorotate: the picture as stored, where the barcode is, whatever display matrix the file has.
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-noautorotate', '-i', file, '-an', '-fps_mode', 'passthrough',
    '-vf', 'crop=iw:2:0:ih*16/360,scale=640:1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 1 << 26 });
  const codes = [];
  for (let at = 0; at + 640 <= raw.length; at += 640) {
    let code = 0;
    for (let bit = 0; bit < 16; bit++) if (raw[at + Math.floor(((2 * bit + 1) * 640) / 32)] > 128) code |= 1 << bit;
    codes.push(code);
  }
  return codes;
}

/** ffprobe's streams (with their frames counted by decoding) and format of `file`. */
export function probe(file) {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file]));
}

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.m4a': 'audio/mp4',
  '.wav': 'audio/wav',
};

/**
 * Serves the files under `root` on a free port, as any static host would (a web app's own server, a CDN):
 * content types by extension, single byte ranges (206), `index.html` for a directory. Resolves with
 * `{ base, close }`.
 */
export async function serveDirectory(root) {
  const server = createServer((request, response) => {
    const path = normalize(join(root, decodeURIComponent(new URL(request.url, 'http://host').pathname)));
    let file = path.endsWith(sep) ? join(path, 'index.html') : path;
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file.startsWith(root) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    const size = statSync(file).size;
    const headers = { 'Content-Type': MIME_TYPES[extname(file)] ?? 'application/octet-stream', 'Accept-Ranges': 'bytes' };
    const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
    if (!range) {
      response.writeHead(200, { ...headers, 'Content-Length': size });
      createReadStream(file).pipe(response);
      return;
    }
    const start = range[1] === '' ? Math.max(0, size - Number(range[2])) : Number(range[1]);
    const end = range[1] === '' || range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
    if (start > end || start >= size) {
      response.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    response.writeHead(206, { ...headers, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${size}` });
    createReadStream(file, { start, end }).pipe(response);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Starts the dev server on a free port and resolves with `{ base, close }`. Uses the debug build that
 * `cargo test` / `cargo build --example serve` leaves in target/ (the test command builds it first).
 * `args`: more of its options (`['--csp', policy]`).
 */
export async function startServer(args = []) {
  const binary = join(repoRoot, 'target', 'debug', 'examples', 'serve');
  if (!existsSync(binary)) {
    throw new Error(`the dev server is not built (${binary} missing): run 'cargo build --example serve'`);
  }
  const child = spawn(binary, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code} before listening:\n${output}`)));
  });
  child.stdout.resume();
  return {
    base,
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill();
    }),
  };
}

/** Launches headless Chromium; fails with instructions when the Debian package is not installed. */
export async function launchChromium(extraArgs = []) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing: ${CHROMIUM} not found. Install it with 'apt-get install chromium' ` +
      `(the test command 'make test' does this in its set-up).`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Firefox ESR by puppeteer-core over WebDriver BiDi (no geckodriver), with a fresh profile in which pages
 *  may play sound without a gesture, as Chromium's flags allow. It needs a display for WebGL2 and a sound
 *  output for its audio contexts to run: .ci/firefox.sh provides both. `headless`: without a display (and so
 *  without WebGL2). */
export async function launchFirefox({ headless = false } = {}) {
  if (!existsSync(FIREFOX)) {
    throw new Error(`Firefox is missing: ${FIREFOX} not found. Install it with 'apt-get install firefox-esr' ` +
      `(the test command 'make test' does this in its set-up).`);
  }
  if (!headless && !process.env.DISPLAY) {
    throw new Error('Firefox needs a display (DISPLAY is unset): run the tier through .ci/firefox.sh');
  }
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX,
    headless,
    userDataDir: mkdtempSync(join(tmpdir(), 'reelcut-firefox-')),
    extraPrefsFirefox: {
      'media.autoplay.default': 0,
      'media.autoplay.blocking_policy': 0,
      // REELCUT_FIREFOX_LOG=1: the remote agent's own trace too (every WebDriver BiDi message).
      ...(process.env.REELCUT_FIREFOX_LOG ? { 'remote.log.level': 'Trace', 'remote.log.truncate': false } : {}),
    },
    // A page that hangs fails its test within a minute rather than after puppeteer's three.
    protocolTimeout: 60_000,
    // REELCUT_FIREFOX_LOG=1 passes Firefox's own output through, to see why it hangs or crashes.
    dumpio: Boolean(process.env.REELCUT_FIREFOX_LOG),
  });
  if (!headless) firefoxWithSound.add(browser);
  return browser;
}

/** The Firefox browsers launched with a display and a sound output (see `openPage`). */
const firefoxWithSound = new WeakSet();

/** The browser of this run (see BROWSER). */
export function launchBrowser() {
  return BROWSER === 'firefox' ? launchFirefox() : launchChromium();
}

/** Runs `script` in every document `page` opens from now on, before the page's own scripts. */
export function beforeEachDocument(page, script) {
  return page.addInitScript ? page.addInitScript(script) : page.evaluateOnNewDocument(script);
}

/**
 * Opens `path` on the server in a fresh page and collects console errors and uncaught exceptions, so a
 * test can assert the page ran cleanly.
 */
export async function openPage(browser, base, path) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  // Firefox starts an audio device on a page's first running AudioContext, which takes 0.6-2 s on the null
  // sink; contexts made while one runs start at once. The page is made one that already plays sound (a
  // context of its own, made before the page's scripts, so no test counts it), so that what a test measures
  // is the library, not the device's first start; audio_join.test.mjs tests that first start itself.
  const warmAudio = firefoxWithSound.has(browser);
  if (warmAudio) {
    await beforeEachDocument(page, () => {
      window.reelcutTestAudio = new AudioContext();
      window.reelcutTestAudio.resume();
    });
  }
  await page.goto(base + path);
  if (warmAudio) await page.waitForFunction(() => window.reelcutTestAudio.state === 'running', { timeout: 10_000 });
  return { page, errors };
}

/**
 * Starts the dev server and Chromium before the tests of the calling file and stops them after. Returns an
 * object whose `server` and `browser` are set once `before` has run.
 */
export function serverAndBrowser() {
  const running = { server: null, browser: null };
  relaunchable = running;
  before(async () => {
    running.server = await startServer();
    running.browser = await launchBrowser();
  });
  after(async () => {
    if (running.browser) await closeBrowser(running.browser);
    await running.server?.close();
  });
  return running;
}

/** How long a browser may take to close before it is killed. */
const CLOSE_MS = 15_000;

/**
 * Closes `browser`, and kills it when it has not closed within `CLOSE_MS`: headless Chromium here now and
 * then never answers the close of a session whose tests all passed and whose pages are all closed, which
 * would keep the test file (and the test command) waiting for ever. The kill is printed.
 */
async function closeBrowser(browser) {
  const closed = browser.close().then(() => true, () => true);
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(false), CLOSE_MS); });
  const inTime = await Promise.race([closed, late]);
  clearTimeout(timer);
  if (inTime) return;
  console.log(`the browser did not close within ${CLOSE_MS / 1000} s: killed`);
  kill(browser);
  await closed;
}

/** The server and browser of the test file running (see `serverAndBrowser`), whose browser `test` relaunches. */
let relaunchable = null;

/** Whether `error` says the browser stopped answering (a WebDriver BiDi call, or a wait on the page, timed out:
 *  after a relaunch the same wait once failed again, the browser having hung once more), rather than that an
 *  assertion of the test failed. A test that fails this way twice fails. */
function stoppedAnswering(error) {
  return (error?.name === 'ProtocolError' && /timed out/.test(error.message)) || error?.name === 'TimeoutError';
}

/** A test still running after this long has a browser that stopped answering (the slowest test, the soak,
 *  takes about 130 s). `REELCUT_TEST_STALL_MS` sets it (to try the relaunch). */
const STALL_MS = Number(process.env.REELCUT_TEST_STALL_MS ?? 300_000);

/**
 * `test` of node:test, for the browser tests, with one more run, in a browser launched afresh, of a test during
 * which the browser stopped answering:
 * - Firefox ESR here now and then stops answering as a page starts sound (an `AudioContext`, a `<video>` with
 *   sound): its parent process spins at full CPU in its own code while the page's process waits on it (seen
 *   with gdb: no script of the page runs), and every later call to that browser times out;
 * - headless Chromium has once left a `page.evaluate` unanswered for 22 minutes (every test before it in the
 *   file had passed, and the same test passes when run again): a test running for `STALL_MS` is taken as that.
 * The second run asserts everything the first would have; the relaunch is printed, and a test during which the
 * browser stops answering twice fails.
 */
export function test(name, ...rest) {
  const body = rest.pop();
  const options = rest[0] ?? {};
  return nodeTest(name, options, async (context) => {
    let timer;
    const stalled = new Promise((resolve) => { timer = setTimeout(() => resolve(STALLED), STALL_MS); });
    // A body that throws before its first await rejects like any other: the timer is still cleared.
    const first = (async () => body(context))();
    try {
      const result = await Promise.race([first, stalled]);
      if (result !== STALLED) return result;
      // The hung run ends with an error once its browser is killed: nothing waits for it any more.
      first.catch(() => {});
      if (!relaunchable?.browser) throw new Error(`"${name}" still running after ${STALL_MS / 1000} s`);
      console.log(`the browser stopped answering during "${name}" (still running after ${STALL_MS / 1000} s): relaunched, running it again`);
    } catch (error) {
      if (BROWSER !== 'firefox' || !stoppedAnswering(error) || !relaunchable?.browser) throw error;
      const call = error.message.match(/^[\w.]+ timed out/)?.[0] ?? error.name;
      console.log(`Firefox stopped answering during "${name}" (${call}): relaunched, running it again`);
    } finally {
      clearTimeout(timer);
    }
    kill(relaunchable.browser);
    relaunchable.browser = await launchBrowser();
    return await body(context);
  });
}

/** What a test's stall timer resolves to. */
const STALLED = Symbol('stalled');

/** Kills `browser` at once: Puppeteer (Firefox) knows its process; Playwright's launched Chromium is a child of
 *  this process. */
function kill(browser) {
  if (typeof browser.process === 'function') browser.process()?.kill('SIGKILL');
  else spawnSync('pkill', ['-KILL', '-P', String(process.pid), 'chromium']);
}

/** Picks the file at `path` in the page's `<input type=file>` matched by `selector`, as a person would:
 *  Playwright's `setInputFiles` in Chromium, `uploadFile` over WebDriver BiDi in Firefox. */
export async function pickFile(page, selector, path) {
  if (page.setInputFiles) return page.setInputFiles(selector, path);
  return (await page.$(selector)).uploadFile(path);
}

/** Opens the player test page (tests/browser/pages/player.html) once the library is ready. */
export async function playerPage(running) {
  const opened = await openPage(running.browser, running.server.base, '/tests/browser/pages/player.html');
  await opened.page.evaluate(() => window.reelcutReady);
  return opened;
}

/** Opens `src` in the page, loads it into a player on the page's canvas, seeks to each time in `times`,
 *  and returns the barcode read after each seek. `src` 'bytes:NAME' passes the fixture as a Uint8Array,
 *  'blob:NAME' as a Blob; `playerOptions` are the player's (`{ renderer }`). */
export async function seekAndRead(page, src, times, playerOptions = {}) {
  return page.evaluate(async ({ src, times, playerOptions }) => {
    const { Media, Player } = await window.reelcutReady;
    let input = src;
    if (src.startsWith('bytes:')) {
      input = new Uint8Array(await (await fetch(src.slice(6))).arrayBuffer());
    } else if (src.startsWith('blob:')) {
      input = await (await fetch(src.slice(5))).blob();
    }
    const media = await Media.open(input);
    const canvas = document.getElementById('screen');
    const player = new Player(canvas, playerOptions);
    await player.load(media);
    const seen = [];
    for (const t of times) {
      await player.seek(t);
      seen.push({ frame: window.readBarcode(canvas), currentTime: player.currentTime });
    }
    return seen;
  }, { src, times, playerOptions });
}

/** The video's start on the media timeline of a fixture (0 is the earliest track's start), from the exact
 *  packet timestamps of its committed ffprobe JSON. */
export function videoStartOf(name) {
  const probe = ffprobeOf(name);
  const firstPts = probe.streams.map((stream) => {
    const [num, den] = stream.time_base.split('/').map(Number);
    const pts = probe.packets.filter((p) => p.stream_index === stream.index).map((p) => p.pts);
    return { type: stream.codec_type, seconds: (Math.min(...pts) * num) / den };
  });
  const video = firstPts.find((s) => s.type === 'video');
  return video.seconds - Math.min(...firstPts.map((s) => s.seconds));
}

/** Frames per second of the video fixtures, and frames per source segment (2 s): the live broadcast of the
 *  dev server loops the 3 source segments of hls_ts. */
const FIXTURE_FPS = 30;
const LIVE_SEGMENT_FRAMES = 60;
const LIVE_SOURCE_SEGMENTS = 3;

/** Frame index the live broadcast shows at wall-clock `ms`: segment k starts at `zeroMs + 2000 k` and is
 *  source segment k mod 3. */
export function liveFrameAt(ms, zeroMs) {
  const seconds = (ms - zeroMs) / 1000;
  const k = Math.floor(seconds / 2 + 1e-9);
  return (k % LIVE_SOURCE_SEGMENTS) * LIVE_SEGMENT_FRAMES + Math.floor((seconds - 2 * k) * FIXTURE_FPS + 1e-9);
}

/** Wall-clock time of media sequence 0 of a live playlist, from its EXT-X-PROGRAM-DATE-TIME tags. */
export async function liveZero(base, url) {
  const text = await (await fetch(base + url)).text();
  const sequence = Number(text.match(/#EXT-X-MEDIA-SEQUENCE:(\d+)/)[1]);
  const date = Date.parse(text.match(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/)[1]);
  return date - sequence * 2000;
}
