// Waveforms as the timeline and the dub panel draw them: the min/max pairs `media.waveform` and `dub.waveform`
// give (−1..1 per bucket) drawn as one bar per pixel column, in the canvas's CSS `color` (a custom property of
// style.css, so the theme decides it), and redrawn when the theme changes.

/** Sizes `canvas` to its box on screen in device pixels; returns its width (the buckets to ask for). */
export function fitToBox(canvas) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  canvas.height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  return canvas.width;
}

/** Draws `peaks` (min/max pairs, any count: a column takes the extremes of the buckets under it) across
 *  `canvas`, centred on its middle line. */
export function drawPeaks(canvas, peaks) {
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  const buckets = peaks.length / 2;
  if (!buckets) return;
  context.fillStyle = getComputedStyle(canvas).color;
  const middle = height / 2;
  for (let x = 0; x < width; x += 1) {
    const from = Math.floor((x * buckets) / width);
    const to = Math.max(from + 1, Math.floor(((x + 1) * buckets) / width));
    let [low, high] = [1, -1];
    for (let i = from; i < to; i += 1) {
      low = Math.min(low, peaks[2 * i]);
      high = Math.max(high, peaks[2 * i + 1]);
    }
    if (high < low) continue;
    // At least a pixel high, so that silence still shows as the middle line.
    const top = Math.floor(middle - high * middle);
    context.fillRect(x, top, 1, Math.max(1, Math.ceil(middle - low * middle) - top));
  }
}

/** Calls `redraw` whenever the colours may have changed: the header's theme choice (`data-theme` on <html>)
 *  or the system's light or dark. */
export function onThemeChange(redraw) {
  new MutationObserver(redraw).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);
}
