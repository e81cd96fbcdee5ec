// The trim timeline under the player: keyframe thumbnails along the media, in/out handles (range inputs,
// so arrow keys move them; I and O set them at the current frame), a preview of the selection, the mode,
// and an export with a progress bar, a cancel button and a download link.
import { Player } from '/pkg/reelcut.js';

const THUMBNAILS = 8;
const THUMB_WIDTH = 96;

export function trimPanel(player) {
  const $ = (id) => document.getElementById(id);
  const [inHandle, outHandle, strip] = [$('trim-in'), $('trim-out'), $('trim-strip')];
  const [status, progress, cancel, download] = [$('trim-status'), $('trim-progress'), $('trim-cancel'), $('trim-download')];
  let media = null;
  let exporting = null;
  let previewEnd = null;

  const selection = () => ({ start: Number(inHandle.value), end: Number(outHandle.value) });
  const describe = () => {
    const { start, end } = selection();
    $('trim-range').textContent = `${start.toFixed(3)} s → ${end.toFixed(3)} s (${(end - start).toFixed(3)} s)`;
  };
  const setRange = (start, end) => {
    for (const handle of [inHandle, outHandle]) {
      handle.min = String(media.seekable.start);
      handle.max = String(media.seekable.end);
    }
    inHandle.value = String(start);
    outHandle.value = String(end);
    describe();
  };
  // Keeps the in handle before the out handle, whichever moved.
  inHandle.addEventListener('input', () => {
    if (Number(inHandle.value) >= Number(outHandle.value)) inHandle.value = String(Number(outHandle.value) - 0.1);
    describe();
    player.seek(Number(inHandle.value));
  });
  outHandle.addEventListener('input', () => {
    if (Number(outHandle.value) <= Number(inHandle.value)) outHandle.value = String(Number(inHandle.value) + 0.1);
    describe();
    player.seek(Number(outHandle.value));
  });
  document.addEventListener('keydown', (event) => {
    if (!media || event.target.matches('input[type=url], input[type=text]')) return;
    if (event.key === 'i') { inHandle.value = String(player.currentTime); describe(); }
    if (event.key === 'o') { outHandle.value = String(player.currentTime); describe(); }
  });

  $('trim-preview').addEventListener('click', async () => {
    const { start, end } = selection();
    previewEnd = end;
    await player.seek(start);
    await player.play();
  });
  player.addEventListener('timeupdate', () => {
    if (previewEnd !== null && player.currentTime >= previewEnd) {
      previewEnd = null;
      player.pause();
    }
  });

  $('trim-last-30').addEventListener('click', () => {
    const { end } = media.seekable;
    setRange(Math.max(media.seekable.start, end - 30), end);
  });

  $('trim-export').addEventListener('click', async () => {
    const { start, end } = selection();
    const mode = document.querySelector('input[name=trim-mode]:checked').value;
    exporting?.abort();
    exporting = new AbortController();
    cancel.hidden = false;
    download.hidden = true;
    progress.value = 0;
    status.textContent = `exporting (${mode})…`;
    const began = performance.now();
    try {
      const bytes = await media.clip({ start, end }).export({
        mode,
        signal: exporting.signal,
        onProgress: (fraction) => { progress.value = fraction; },
      });
      URL.revokeObjectURL(download.href);
      download.href = URL.createObjectURL(new Blob([bytes], { type: 'video/mp4' }));
      download.download = `clip-${start.toFixed(2)}-${end.toFixed(2)}.mp4`;
      download.hidden = false;
      status.textContent = `${(bytes.length / 1e6).toFixed(2)} MB in ${((performance.now() - began) / 1000).toFixed(2)} s`;
    } catch (error) {
      status.textContent = `${error.code ?? 'error'}: ${error.message}`;
    } finally {
      cancel.hidden = true;
    }
  });
  cancel.addEventListener('click', () => exporting?.abort());

  // Thumbnails: frames at keyframes spread along the media, drawn by a second player off screen.
  const drawThumbnails = async (opened) => {
    strip.replaceChildren();
    const keyframes = Array.from(opened.keyframeTimes());
    const step = Math.max(1, Math.ceil(keyframes.length / THUMBNAILS));
    const picked = keyframes.filter((_, i) => i % step === 0).slice(0, THUMBNAILS);
    const offscreen = document.createElement('canvas');
    [offscreen.width, offscreen.height] = [THUMB_WIDTH * 2, Math.round((THUMB_WIDTH * 2 * 9) / 16)];
    const thumbnailer = new Player(offscreen, { muted: true });
    await thumbnailer.load(opened);
    for (const t of picked) {
      if (media !== opened) return;
      await thumbnailer.seek(t);
      const thumb = document.createElement('canvas');
      [thumb.width, thumb.height] = [THUMB_WIDTH, Math.round((THUMB_WIDTH * 9) / 16)];
      thumb.getContext('2d').drawImage(offscreen, 0, 0, thumb.width, thumb.height);
      thumb.title = `${t.toFixed(2)} s`;
      thumb.addEventListener('click', () => { inHandle.value = String(t); describe(); player.seek(t); });
      strip.append(thumb);
    }
  };

  return {
    /** The media and the selected `[start, end)`. */
    selection: () => ({ media, ...selection() }),
    /** Shows the panel for newly opened media. */
    open(opened) {
      media = opened;
      $('trim-last-30').hidden = !opened.isLive;
      const { start, end } = opened.seekable;
      setRange(start, opened.isLive ? end : Math.min(end, start + Math.max(1, (end - start) / 2)));
      status.textContent = '';
      download.hidden = true;
      if (!opened.isLive) drawThumbnails(opened).catch(() => strip.replaceChildren());
      else strip.replaceChildren();
    },
  };
}
