// The demo editor (www/) as demo.test.mjs and .ci/screenshots.mjs drive it: opened on the dev server, where it
// opens the sample broadcast (.ci/samples.sh) by itself, and shown at a given time.
import assert from 'node:assert/strict';
import { openPage } from './support.mjs';

/** The status line once the sample broadcast is open. */
export const BROADCAST = 'avc1.64001f 1280×720, 20.000 s, 10 keyframes';

/** Waits until `selector`'s text matches `expected` (a string or a RegExp); on timeout, fails naming the text
 *  it had instead. */
export async function waitForText(page, selector, expected, timeout = 20_000) {
  const pattern = typeof expected === 'string' ? `^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` : expected.source;
  try {
    await page.waitForFunction(({ selector, pattern }) => new RegExp(pattern).test(document.querySelector(selector)?.textContent),
      { selector, pattern }, { timeout });
  } catch {
    assert.fail(`${selector} reads "${await page.textContent(selector)}", not ${expected}`);
  }
}

/** Opens the editor in a fresh page of `browser` on the server at `base`; resolves with `{ page, errors }`
 *  (see `openPage`) once the sample broadcast is open. */
export async function openEditor(browser, base) {
  const opened = await openPage(browser, base, '/');
  await waitForText(opened.page, '#viewer-status', BROADCAST);
  return opened;
}

/** Moves the position slider to `seconds`, as a person dragging it would, and waits for that frame's time. */
export async function showTime(page, seconds) {
  await page.$eval('#position', (position, t) => {
    position.value = String(t);
    position.dispatchEvent(new Event('input'));
  }, seconds);
  await waitForText(page, '#time', `${seconds.toFixed(3)} s`);
}
