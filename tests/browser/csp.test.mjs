// The demo under the Content-Security-Policy that www/docs/csp.md states (and the README repeats), sent by the
// dev server as a real response header: opening a file, playing it, exporting a clip, recording a take from
// Chromium's fake microphone and exporting the dub all work, and the browser reports no violation.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEachDocument, chromiumOnly, fixtures, launchChromium, openPage, probe, repoRoot, startServer, test } from './support.mjs';

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

/** Clicks the download link `selector` as a person would and returns the file's path. */
async function download(page, selector, name) {
  await page.waitForSelector(`${selector}:not([hidden])`, { timeout: 30_000 });
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

  // Opened: the wasm compiled (the version shows) and the sample's index read.
  await waitForText(page, '#viewer-status', /^avc1\.64001e 640×360, 6\.000 s, 6 keyframes$/);
  assert.doesNotMatch(await page.textContent('#version'), /failed/);

  // Played: the frames on the canvas (their barcode) move on.
  const frameOnCanvas = () => page.evaluate(async () => {
    const { readBarcode } = await import('/tests/browser/pages/barcode.js');
    return readBarcode(document.getElementById('screen'));
  });
  assert.equal(await frameOnCanvas(), 0);
  await page.click('#play');
  await page.waitForFunction(() => Number.parseFloat(document.getElementById('time').textContent) > 0.5);
  const playing = await frameOnCanvas();
  await page.waitForFunction(() => Number.parseFloat(document.getElementById('time').textContent) > 2);
  const later = await frameOnCanvas();
  assert.ok(playing > 0 && later > playing, `frames ${playing}, then ${later}`);
  await page.click('#play');
  await waitForText(page, '#play', /^Play$/);

  // A clip exported (exact: the head re-encoded) and downloaded.
  await page.evaluate(() => {
    for (const [id, value] of [['trim-in', '1'], ['trim-out', '3']]) {
      const handle = document.getElementById(id);
      handle.value = value;
      handle.dispatchEvent(new Event('input'));
    }
  });
  await page.click('#trim-export');
  const clip = probe(await download(page, '#trim-download', 'clip.mp4'));
  const clipVideo = clip.streams.find((stream) => stream.codec_type === 'video');
  assert.equal(Number(clipVideo.nb_read_frames), 60, 'the clip holds 2 s of frames');

  // A take recorded from the microphone (the AudioWorklet), then the dub exported and downloaded.
  await page.click('#dub-record');
  // Recording runs once the Stop button shows; a failure to start shows in the status line instead.
  await page.waitForFunction(() => {
    const status = document.getElementById('dub-status').textContent;
    return !document.getElementById('dub-stop').hidden || (status !== '' && !status.startsWith('recording'));
  }, null, { timeout: 15_000 });
  assert.equal(await page.isVisible('#dub-stop'), true, `recording: ${await page.textContent('#dub-status')}; ` +
    `violations: ${JSON.stringify(await page.evaluate(() => window.cspViolations))}`);
  await page.waitForTimeout(2000);
  await page.click('#dub-stop');
  await waitForText(page, '#dub-status', /^take 1 recorded$/);
  await page.click('#dub-export');
  const dubbed = probe(await download(page, '#dub-download', 'dub.mp4'));
  assert.deepEqual(dubbed.streams.map((stream) => stream.codec_type).sort(), ['audio', 'video']);
  await waitForText(page, '#dub-status', /MB, sound (opus|mp4a\.40\.2), in/);

  assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
  assert.deepEqual(errors, []);
  await page.close();
});
