// The dub panel beside the trim timeline: a voice for the selected clip, imported (file picker or drag and
// drop) or recorded from the microphone while the clip plays after a count-in; every take kept and
// selectable; the voice moved on the clip; replace, mix or duck with the original's gain; a preview in a
// small player; export with progress, cancel and a download link.
import { Player } from '/pkg/reelcut.js';
import { acceptDrops } from './drop.js';

const COUNT_IN = 3;

export function dubPanel(player, trim) {
  const $ = (id) => document.getElementById(id);
  const [takes, at, gain, status] = [$('dub-takes'), $('dub-at'), $('dub-gain'), $('dub-status')];
  const [progress, cancel, download, recordButton, stopButton] =
    [$('dub-progress'), $('dub-cancel'), $('dub-download'), $('dub-record'), $('dub-stop')];
  const previewer = new Player($('dub-screen'));
  let dub = null;
  let clipRange = null;
  let exporting = null;

  const mode = () => document.querySelector('input[name=dub-mode]:checked').value;
  const report = (error) => { status.textContent = `${error.code ?? 'error'}: ${error.message}`; };
  // One dub per selected clip: changing the selection starts over.
  const current = () => {
    const { media, start, end } = trim.selection();
    if (!dub || clipRange?.media !== media || clipRange.start !== start || clipRange.end !== end) {
      dub = media.clip({ start, end }).dub({ mode: mode() });
      clipRange = { media, start, end };
      at.min = String(-(end - start));
      at.max = String(end - start);
      showTakes();
    }
    return dub;
  };
  const showTakes = () => {
    takes.replaceChildren(...dub.takes.map((take, i) => new Option(
      `take ${i + 1}${take.duration === null ? '' : `, ${take.duration.toFixed(2)} s`}`, String(i), false, i === dub.take)));
    at.value = String(dub.at);
    $('dub-at-value').textContent = `${dub.at.toFixed(2)} s`;
    gain.value = String(dub.originalGain);
    $('dub-gain-value').textContent = dub.mode === 'replace' ? 'unused' : `${(20 * Math.log10(dub.originalGain)).toFixed(1)} dB`;
  };
  const settle = (change) => {
    try {
      change(current());
    } catch (error) {
      report(error);
    }
    showTakes();
  };

  const importVoice = (file) => settle((d) => { d.voice = file; status.textContent = `imported ${file.name}`; });
  $('dub-file').addEventListener('change', (event) => event.target.files[0] && importVoice(event.target.files[0]));
  acceptDrops($('dub'), importVoice);

  let stream = null;
  recordButton.addEventListener('click', async () => {
    try {
      stream ??= await navigator.mediaDevices.getUserMedia({ audio: true });
      status.textContent = `recording: the clip starts in ${COUNT_IN} s…`;
      await current().record(stream, player, { countIn: COUNT_IN });
      [recordButton.hidden, stopButton.hidden] = [true, false];
    } catch (error) {
      report(error);
    }
  });
  stopButton.addEventListener('click', async () => {
    try {
      const index = await current().stop();
      status.textContent = `take ${index + 1} recorded`;
    } catch (error) {
      report(error);
    }
    [recordButton.hidden, stopButton.hidden] = [false, true];
    showTakes();
  });

  takes.addEventListener('change', () => settle((d) => { d.take = Number(takes.value); }));
  at.addEventListener('input', () => settle((d) => { d.at = Number(at.value); }));
  gain.addEventListener('input', () => settle((d) => { d.originalGain = Number(gain.value); }));
  for (const radio of document.querySelectorAll('input[name=dub-mode]')) {
    radio.addEventListener('change', () => settle((d) => { d.mode = mode(); }));
  }

  $('dub-preview').addEventListener('click', async () => {
    status.textContent = 'mixing the preview…';
    try {
      await previewer.load(await current().preview());
      await previewer.play();
      status.textContent = 'playing the preview';
    } catch (error) {
      report(error);
    }
    showTakes();
  });

  $('dub-export').addEventListener('click', async () => {
    exporting?.abort();
    exporting = new AbortController();
    [cancel.hidden, download.hidden, progress.value] = [false, true, 0];
    status.textContent = 'exporting…';
    const began = performance.now();
    try {
      const { start, end } = clipRange ?? trim.selection();
      const bytes = await current().export({ signal: exporting.signal, onProgress: (f) => { progress.value = f; } });
      URL.revokeObjectURL(download.href);
      download.href = URL.createObjectURL(new Blob([bytes], { type: 'video/mp4' }));
      download.download = `dub-${start.toFixed(2)}-${end.toFixed(2)}.mp4`;
      download.hidden = false;
      status.textContent = `${(bytes.length / 1e6).toFixed(2)} MB, sound ${bytes.audioCodec}, in ` +
        `${((performance.now() - began) / 1000).toFixed(2)} s`;
    } catch (error) {
      report(error);
    } finally {
      cancel.hidden = true;
    }
    showTakes();
  });
  cancel.addEventListener('click', () => exporting?.abort());
}
