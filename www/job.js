// An export as the panels run it: a button that starts it, a progress bar, a cancel button, a status line,
// and what to do with the bytes. Cancelling (or starting again) aborts the one in flight.
import { clearError, showError } from './errors.js';

export function exportJob({ button, progress, cancel, status, run, done }) {
  let controller = null;
  const start = async () => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    [cancel.hidden, progress.value, button.disabled] = [false, 0, true];
    status.textContent = 'Exporting…';
    const began = performance.now();
    try {
      const bytes = await run({ signal: mine.signal, onProgress: (fraction) => { progress.value = fraction; } });
      clearError();
      await done(bytes, (performance.now() - began) / 1000);
    } catch (error) {
      if (error?.code === 'aborted') {
        status.textContent = 'Export cancelled.';
      } else {
        status.textContent = `Export failed (${error?.code ?? 'error'}).`;
        showError(error, 'Export failed');
      }
    } finally {
      if (controller === mine) [cancel.hidden, button.disabled] = [true, false];
    }
  };
  button.addEventListener('click', start);
  cancel.addEventListener('click', () => controller?.abort());
  return { start };
}

/** Points the download link `link` at `bytes` as an MP4 named `name`; resolves with the `File`. */
export function offerDownload(link, bytes, name) {
  const file = new File([bytes], name, { type: 'video/mp4' });
  URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(file);
  link.download = name;
  link.hidden = false;
  return file;
}

/** `1.23 MB in 0.45 s`. */
export function sizeAndTime(bytes, seconds) {
  return `${(bytes.length / 1e6).toFixed(2)} MB in ${seconds.toFixed(2)} s`;
}
