// The package as web apps use it: the `npm pack` tarball installed into a scratch project (tests/consumers/
// copied there), then type-checked by a strict TypeScript consumer, bundled by Vite with no configuration,
// loaded by a plain page and by the embed snippet from /node_modules/reelcut/, and driven from a Worker.
// Each page is served by a plain static server, as a web app's host would serve it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crateVersion, fixtures, launchChromium, openPage, probe, repoRoot, serveDirectory } from './support.mjs';

const tests = join(repoRoot, 'tests');
const FIXTURE = 'high_bframes_moovend.mp4'; // 6 s, 30 fps, frame number drawn as a barcode; H.264 + AAC

const scratch = mkdtempSync(join(tmpdir(), 'reelcut-consumers-'));
const app = join(scratch, 'app');
const running = { browser: null, site: null, viteSite: null };

/** Runs a Node CLI from tests/node_modules in `cwd`; on failure, fails with its output. */
function runTool(script, args, cwd) {
  try {
    return execFileSync(process.execPath, [join(tests, 'node_modules', script), ...args], { cwd, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    assert.fail(`${script} ${args.join(' ')} failed:\n${error.stdout}${error.stderr}`);
  }
}

before(async () => {
  const pkg = join(repoRoot, 'pkg');
  assert.ok(existsSync(join(pkg, 'package.json')), 'pkg/ is not built: run bash .ci/build.sh');
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: pkg, encoding: 'utf8' }));

  cpSync(join(tests, 'consumers'), app, { recursive: true });
  copyFileSync(join(tests, 'browser', 'pages', 'barcode.js'), join(app, 'shared', 'barcode.js'));
  for (const media of [join(app, 'media'), join(app, 'vite-app', 'public', 'media')]) {
    mkdirSync(media, { recursive: true });
    copyFileSync(join(fixtures, FIXTURE), join(media, 'clip.mp4'));
  }
  copyFileSync(join(fixtures, 'voice.wav'), join(app, 'media', 'voice.wav'));
  copyFileSync(join(fixtures, 'audio_only.m4a'), join(app, 'media', 'voice.m4a'));
  // Two projects, each installing the tarball (which has no dependencies, so no registry is needed): the
  // Vite app, and the site of plain pages and the TypeScript consumer.
  for (const [project, name] of [[app, 'site'], [join(app, 'vite-app'), 'vite-app']]) {
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', join(scratch, packed.filename)], { cwd: project });
  }

  runTool('vite/bin/vite.js', ['build', '--logLevel', 'warn'], join(app, 'vite-app'));

  running.browser = await launchChromium();
  running.site = await serveDirectory(app);
  running.viteSite = await serveDirectory(join(app, 'vite-app', 'dist'));
});

after(async () => {
  await running.browser?.close();
  await running.site?.close();
  await running.viteSite?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Asserts a consumer page played the fixture: a second in, its frames on the canvas, nothing failed. */
function assertPlayed(result, errors, label) {
  assert.equal(result.error, null, `${label}: player error`);
  assert.equal(result.version, crateVersion(), `${label}: version`);
  assert.deepEqual(result.tracks.map((codec) => codec.split('.')[0]), ['avc1', 'mp4a'], `${label}: tracks`);
  assert.ok(result.currentTime > 1, `${label}: currentTime ${result.currentTime}`);
  // The frame drawn is the one at currentTime (30 fps), give or take the frames decoded since.
  assert.ok(Math.abs(result.frame - result.currentTime * 30) <= 3, `${label}: frame ${result.frame} at ${result.currentTime} s`);
  assert.deepEqual(errors, [], `${label}: page errors`);
}

test('TypeScript: a strict consumer type-checks against the packed declarations', () => {
  // usage.ts touches every class, option, event and error code; its @ts-expect-error lines must all be errors.
  // Once with an ES2022 `lib` (as bundler templates set it) and once with ESNext's.
  for (const config of ['tsconfig.json', 'tsconfig.esnext.json']) {
    runTool('typescript/bin/tsc', ['--project', join(app, 'types', config)], app);
  }
});

test('Vite 7 bundles the package with no configuration and the app plays', async () => {
  const assets = readdirSync(join(app, 'vite-app', 'dist', 'assets'));
  assert.ok(assets.some((name) => /^reelcut_bg-.*\.wasm$/.test(name)), `Vite emitted no wasm: ${assets.join(', ')}`);
  const { page, errors } = await openPage(running.browser, running.viteSite.base, '/');
  assertPlayed(await page.evaluate(() => window.played), errors, 'vite');
  await page.close();
});

test("Vite 7's dev server serves the package with no configuration and the app plays", async () => {
  const dev = spawn(process.execPath, [join(tests, 'node_modules', 'vite', 'bin', 'vite.js'), '--port', '0', '--host', '127.0.0.1'], {
    cwd: join(app, 'vite-app'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const base = await new Promise((resolve, reject) => {
      let output = '';
      dev.stdout.on('data', (chunk) => {
        output += chunk;
        const match = output.replace(/\x1b\[[0-9;]*m/g, '').match(/Local:\s+(http:\/\/127\.0\.0\.1:\d+)\//);
        if (match) resolve(match[1]);
      });
      dev.on('exit', (code) => reject(new Error(`vite exited with ${code} before serving:\n${output}`)));
    });
    const { page, errors } = await openPage(running.browser, base, '/');
    assertPlayed(await page.evaluate(() => window.played), errors, 'vite dev');
    await page.close();
  } finally {
    dev.kill();
  }
});

test('a plain page with no bundler imports /node_modules/reelcut/index.js and plays', async () => {
  const { page, errors } = await openPage(running.browser, running.site.base, '/plain/index.html');
  assertPlayed(await page.evaluate(() => window.played), errors, 'plain page');
  await page.close();
});

test('the embed snippet from /node_modules/reelcut/embed.js plays its src', async () => {
  const { page, errors } = await openPage(running.browser, running.site.base, '/plain/embed.html');
  await page.evaluate(() => document.getElementById('player').ready);
  await page.click('reelcut-player .play');
  await page.waitForFunction(() => document.getElementById('player').player.currentTime > 1);
  const shown = await page.evaluate(() => {
    const element = document.getElementById('player');
    element.player.pause();
    return { time: element.player.currentTime, frame: window.readBarcode(element.canvas), muted: element.player.muted };
  });
  assert.equal(shown.muted, true, 'the muted attribute reached the player');
  assert.ok(Math.abs(shown.frame - shown.time * 30) <= 3, `frame ${shown.frame} at ${shown.time} s`);
  assert.deepEqual(errors, []);
  await page.close();
});

/** Runs `job` in a module Worker of the worker page (with `picked`, a path, picked in its <input type=file>
 *  first); writes the MP4 it returns to the scratch folder. */
async function inWorker(job, label, picked) {
  const { page, errors } = await openPage(running.browser, running.site.base, '/plain/worker.html');
  if (picked) await page.setInputFiles('#picker', picked);
  const result = await page.evaluate(async (job) => {
    const { bytes, ...rest } = await window.inWorker(job);
    return bytes ? { ...rest, base64: btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join('')) } : rest;
  }, job);
  await page.close();
  assert.deepEqual(errors, [], `${label}: page errors`);
  assert.equal(result.error, undefined, `${label}: ${JSON.stringify(result.error)}`);
  const progress = result.progress;
  assert.ok(progress.every((f, i) => i === 0 || f >= progress[i - 1]) && progress.at(-1) === 1, `${label}: progress ${progress}`);
  const file = join(scratch, `${label}.mp4`);
  writeFileSync(file, Buffer.from(result.base64, 'base64'));
  return { ...result, file, probed: probe(file) };
}

test('in a Worker: open, export an exact clip; a waveform is refused (no decodeAudioData there)', async () => {
  const { probed, waveform } = await inWorker({ src: '/media/clip.mp4', start: 1, end: 3, mode: 'exact' }, 'worker-exact');
  assert.match(waveform, /^unsupported: decodeAudioData needs an OfflineAudioContext, which Workers lack/);
  const video = probed.streams.find((s) => s.codec_type === 'video');
  const audio = probed.streams.find((s) => s.codec_type === 'audio');
  assert.equal(video.codec_name, 'h264');
  assert.equal(Number(video.nb_read_frames), 60, 'two seconds at 30 fps, frame-exact');
  assert.equal(audio.codec_name, 'aac');
  assert.ok(Math.abs(Number(probed.format.duration) - 2) < 0.03, `duration ${probed.format.duration}`);
});

test('in a Worker: a File picked on the page opens by slices and exports a keyframe clip', async () => {
  const job = { src: '#picker', start: 1, end: 5, mode: 'keyframe' };
  const { probed } = await inWorker(job, 'worker-file', join(fixtures, 'baseline_mono44k_faststart.mp4'));
  const video = probed.streams.find((s) => s.codec_type === 'video');
  assert.equal(video.codec_name, 'h264');
  assert.ok(Number(video.nb_read_frames) >= 120, `${video.nb_read_frames} frames from the File`);
  assert.equal(probed.streams.find((s) => s.codec_type === 'audio').codec_name, 'aac');
});

for (const [voice, dubMode] of [['voice.wav', 'mix'], ['voice.m4a', 'replace']]) {
  test(`in a Worker: dub a clip with an imported ${voice.split('.')[1].toUpperCase()} voice (${dubMode})`, async () => {
    const job = { src: '/media/clip.mp4', start: 1, end: 3, voice: `/media/${voice}`, dubMode };
    const { probed, audioCodec } = await inWorker(job, `worker-dub-${dubMode}`);
    assert.ok(['opus', 'mp4a.40.2'].includes(audioCodec), `audio codec ${audioCodec}`);
    const audio = probed.streams.filter((s) => s.codec_type === 'audio');
    assert.equal(audio.length, 1);
    assert.equal(audio[0].codec_name, audioCodec === 'opus' ? 'opus' : 'aac');
    assert.ok(Math.abs(Number(audio[0].duration) - 2) < 0.03, `sound lasts ${audio[0].duration} s`);
    assert.equal(probed.streams.find((s) => s.codec_type === 'video').codec_name, 'h264');
  });
}
