// The README's pictures of the demo, made anew (`make screenshots`): the editor on the sample broadcast, played
// to a frame with its subtitle showing, with an in and an out point set, at a desktop's width (1280 px) and a
// phone's (390 px), in the light and the dark theme, into www/screenshots/{desktop,phone}-{light,dark}.png.
// It drives the demo as tests/browser/demo.test.mjs does (headless Chromium on the dev server); the PNGs are
// at device scale 1 and reduced to 256 colours by ffmpeg, to keep them small.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEditor, showTime, waitForText } from '../tests/browser/editor.mjs';
import { launchChromium, repoRoot, startServer } from '../tests/browser/support.mjs';

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const THEMES = ['light', 'dark'];
// The frame shown and the selection around it: the presenter's second line is on screen from 4.5 s to 8.8 s.
const [IN, SHOWN, OUT] = [4.6, 6.2, 8.6];

/** `png` in at most 256 colours (what keeps a screenshot of this page at a third of its size). */
const quantized = (png) => execFileSync('ffmpeg', ['-v', 'error', '-i', 'pipe:0', '-vf',
  'split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a', '-f', 'image2pipe', '-c:v', 'png',
  'pipe:1'], { input: png, maxBuffer: 1 << 26 });

const server = await startServer();
const browser = await launchChromium();
try {
  const { page, errors } = await openEditor(browser, server.base);
  await page.waitForSelector('#trim-strip[data-ready="true"]');
  await page.waitForSelector('#wave[data-ready="true"]');
  // Played (the editor keys: L, then K) to past the frame shown; the selection set there with I and O.
  await page.keyboard.press('l');
  await page.waitForFunction((t) => parseFloat(document.getElementById('time').textContent) > t, SHOWN);
  await page.keyboard.press('k');
  await waitForText(page, '#play', 'Play');
  for (const [t, key] of [[IN, 'i'], [OUT, 'o']]) {
    await showTime(page, t);
    await page.keyboard.press(key);
  }
  await showTime(page, SHOWN);
  for (const [name, size] of Object.entries(SIZES)) {
    await page.setViewportSize(size);
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      // Laid out and painted anew at this size and in this theme.
      await page.evaluate(() => new Promise((painted) => requestAnimationFrame(() => requestAnimationFrame(painted))));
      await page.waitForSelector('#wave[data-ready="true"]');
      const file = join(repoRoot, 'www', 'screenshots', `${name}-${theme}.png`);
      writeFileSync(file, quantized(await page.screenshot()));
      console.log(`screenshots: ${file}`);
    }
  }
  if (errors.length) throw new Error(`the page reported errors:\n${errors.join('\n')}`);
} finally {
  await browser.close();
  await server.close();
}
