// Errors shown as a person can act on them: the library's message (a `ReelcutError` says what went wrong in
// words) and, by its `code`, what to try next. The box stays until dismissed or the next success.
const WHAT_TO_TRY = {
  malformed_input: 'The file is damaged or not a video reelcut reads (MP4, MOV, HLS). Try another file, or export it again from the app that made it.',
  unsupported_codec: 'This browser cannot decode this codec (HEVC, for one, on Linux). Try an H.264 version of the video, or another browser.',
  unsupported: 'This browser lacks a feature this needs (WebCodecs, WebGL2 or WebAudio). Try a recent Chrome, Edge, Firefox or Safari.',
  network: 'The server did not answer as expected. Check the address and your connection, then open it again.',
  out_of_range: 'The times are outside the media (for a live broadcast, outside its replay window). Pick a selection inside the timeline.',
  limit_exceeded: 'This is more than the browser can hold at once. Pick a shorter selection, or a smaller file.',
  browser: 'The browser refused. If it asked for a permission (the microphone), allow it in the site settings and try again.',
  invalid_state: 'The media or player was closed meanwhile. Open the media again and retry.',
  NotAllowedError: 'The microphone is blocked for this page. Allow it in the browser\'s site settings, then record again.',
  NotFoundError: 'No microphone was found. Plug one in (or import a voice file instead).',
  NotReadableError: 'The microphone is in use by another app. Close it there and record again.',
};

/** What to try after `error`: by its `code` (a `ReelcutError`) or its `name` (a DOMException). */
export function whatToTry(error) {
  return WHAT_TO_TRY[error?.code] ?? WHAT_TO_TRY[error?.name] ?? 'Try again; if it keeps failing, reload the page.';
}

/** Shows `error` in the page's alert box, `doing` saying what failed ("Export failed"). */
export function showError(error, doing) {
  const box = document.getElementById('error');
  document.getElementById('error-message').textContent = `${doing}: ${error?.message ?? String(error)}`;
  document.getElementById('error-hint').textContent = whatToTry(error);
  box.dataset.code = error?.code ?? error?.name ?? 'error';
  box.hidden = false;
}

export function clearError() {
  document.getElementById('error').hidden = true;
}

document.getElementById('error-close').addEventListener('click', clearError);
