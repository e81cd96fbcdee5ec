// The demo under the Content-Security-Policy that www/docs/csp.md states (and the README repeats), sent by the
// dev server as a real response header: opening the sample broadcast, playing it, exporting a clip, recording a
// take from Chromium's fake microphone and exporting the dub all work, and the browser reports no violation.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEachDocument, chromiumOnly, crateVersion, fixtures, launchChromium, openPage, probe, repoRoot, startServer, test } from './support.mjs';

/** The `Content-Security-Policy: ...` line of a page's `http` block. */
function statedPolicy(file) {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const stated = [...text.matchAll(/```http\nContent-Security-Policy: (.+)\n```/g)].map((match) => match[1]);
  assert.equal(stated.length, 1, `${file} states one policy in an \`http\` block (found ${stated.length})`);
  return stated[0];
}

const POLICY = statedPolicy('www/docs/csp.md');
const scratch = mkdtempSync(join(tmpdir(), 'reelcut-csp-'));
const running = { server: null, browser: null };

before(async () => {
  // The demo opens its sample broadcast, made by .ci/samples.sh (as make demo does).
  execFileSync('bash', [join(repoRoot, '.ci', 'samples.sh')], { stdio: 'inherit' });
  running.server = await startServer(['--csp', POLICY]);
  // The microphone plays the voice fixture (1750 Hz, then 2750 Hz) in a loop; its permission is granted.
  running.browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${join(fixtures, 'voice.wav')}`]);
});
after(async () => {
  await running.browser?.close();
  await running.server?.close();
});

test('the README states the same policy as www/docs/csp.md', () => {
  assert.equal(statedPolicy('README.md'), POLICY);
});

/** Waits until `selector`'s text matches `pattern`; on timeout, fails naming the text it had instead, the
 *  demo's version line (where a failure to load shows) and the violations reported. */
async function waitForText(page, selector, pattern, timeout = 20_000) {
  try {
    await page.waitForFunction(({ selector, source }) => new RegExp(source).test(document.querySelector(selector).textContent),
      { selector, source: pattern.source }, { timeout });
  } catch {
    const [text, version, violations] = await page.evaluate((selector) => [document.querySelector(selector).textContent,
      document.getElementById('version').textContent, window.cspViolations], selector);
    assert.fail(`${selector} reads "${text}", not ${pattern}; version: "${version}"; violations: ${JSON.stringify(violations)}`);
  }
}

/** The player's canvas as 32×18 grey levels. */
function picture(page) {
  return page.evaluate(() => {
    const small = document.createElement('canvas');
    [small.width, small.height] = [32, 18];
    const context = small.getContext('2d');
    context.drawImage(document.getElementById('screen'), 0, 0, 32, 18);
    const pixels = context.getImageData(0, 0, 32, 18).data;
    return Array.from({ length: 32 * 18 }, (_, i) => (pixels[4 * i] + pixels[4 * i + 1] + pixels[4 * i + 2]) / 3);
  });
}

/** Clicks the download link `selector` as a person would and returns the file's path. */
async function download(page, selector, name) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const path = join(scratch, name);
  await file.saveAs(path);
  return path;
}

test('the demo opens, plays, exports a clip and records a dub under the policy, with no violation',
  chromiumOnly('the microphone is played from a file through Chromium\'s fake-device flags'), async () => {
  const { page, errors } = await openPage(running.browser, running.server.base, '/');
  // Every violation the page (or a worklet of it) reports, from before the page's first script: the page is
  // loaded again with the listener in place (a violation of the first load is a console error in `errors`).
  await beforeEachDocument(page, () => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || '(inline)'} (${event.sourceFile}:${event.lineNumber})`);
    });
  });
  const response = await page.reload();
  assert.equal(response.headers()['content-security-policy'], POLICY);

  // Opened: the wasm compiled (the version shows) and the sample broadcast's index read.
  await waitForText(page, '#viewer-status', /^avc1\.64001f 1280×720, 20\.000 s, 10 keyframes$/);
  assert.equal(await page.textContent('#version'), crateVersion());

  // Played: what is on the player's canvas changes.
  const still = await picture(page);
  await page.click('#play');
  await waitForText(page, '#play', /^Pause$/);
  await page.waitForFunction(() => Number.parseFloat(document.getElementById('time').textContent) > 1.5);
  const playing = await picture(page);
  const changed = still.reduce((sum, v, i) => sum + Math.abs(v - playing[i]), 0) / still.length;
  assert.ok(changed > 1, `the picture changed by ${changed} grey levels`);
  await page.keyboard.press('k');
  await waitForText(page, '#play', /^Play$/);

  // A clip exported (exact: its head re-encoded), played in place and downloaded.
  await page.click('#trim-export');
  await page.waitForSelector('#trim-result:not([hidden])', { timeout: 60_000 });
  await waitForText(page, '#trim-status', /^Exact cut: [0-9.]+ MB in [0-9.]+ s\.$/);
  const clip = probe(await download(page, '#trim-download', 'clip.mp4'));
  assert.ok(clip.streams.some((stream) => stream.codec_type === 'video' && Number(stream.nb_read_frames) > 0),
    'the clip holds frames');

  // A take recorded from the microphone (through the library's AudioWorklet), then the dub exported.
  await page.click('#dub-record');
  await waitForText(page, '#dub-countdown', /● Recording/, 15_000);
  await page.waitForTimeout(2000);
  await page.click('#dub-stop');
  await waitForText(page, '#dub-status', /^Take 1 recorded\.$/);
  await page.click('#dub-export');
  await page.waitForSelector('#dub-download:not([hidden])', { timeout: 60_000 });
  await waitForText(page, '#dub-status', /^Dubbed clip, sound (opus|mp4a\.40\.2): /);
  const dubbed = probe(await download(page, '#dub-download', 'dub.mp4'));
  assert.deepEqual(dubbed.streams.map((stream) => stream.codec_type).sort(), ['audio', 'video']);

  assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
  assert.deepEqual(errors, []);
  await page.close();
});
