// The dub panel: a voice for the selected clip, recorded from the microphone while the clip plays after a
// count-in (with a level meter), or imported (a file, a drop, or the sample music bed); every take kept in a
// list with its waveform; the voice moved on the clip (the slider, or its block dragged on the timeline); replace, mix or duck
// with the original's gain; a preview in a small player; export with progress, cancel and a download link.
import { Player } from '/pkg/reelcut.js';
import { acceptDrops } from './drop.js';
import { clearError, showError } from './errors.js';
import { exportJob, offerDownload, sizeAndTime } from './job.js';
import { drawPeaks, fitToBox, onThemeChange } from './waveform.js';

const COUNT_IN = 3;
const VOICE_BUCKETS = 1000;

export function dubPanel(player, timeline, selection) {
  const $ = (id) => document.getElementById(id);
  const [takes, at, gain, status] = [$('dub-takes'), $('dub-at'), $('dub-gain'), $('dub-status')];
  const [recordButton, stopButton, countdown] = [$('dub-record'), $('dub-stop'), $('dub-countdown')];
  const previewer = new Player($('dub-screen'));
  let dub = null;
  let clipRange = null;
  let recording = false;
  // Each take's waveform, by index (takes are only ever added to a dub): a promise of its min/max pairs at
  // VOICE_BUCKETS, which the list and the timeline's voice block draw at their own widths.
  let takePeaks = [];
  let voiceShown = 0; // counts the voices shown, so that a waveform come too late for its voice is dropped

  const mode = () => document.querySelector('input[name=dub-mode]:checked').value;
  const report = (error, doing) => {
    status.textContent = `${doing} (${error?.code ?? error?.name ?? 'error'}).`;
    showError(error, doing);
  };
  // One dub per selected clip: changing the selection starts over.
  const current = () => {
    const { media, start, end } = selection();
    if (!dub || clipRange?.media !== media || clipRange.start !== start || clipRange.end !== end) {
      dub = media.clip({ start, end }).dub({ mode: mode() });
      clipRange = { media, start, end };
      takePeaks = [];
      at.min = String(-(end - start));
      at.max = String(end - start);
      showTakes();
    }
    return dub;
  };
  const showTakes = () => {
    takes.replaceChildren(...dub.takes.map((take, i) => {
      const item = document.createElement('li');
      item.innerHTML = `<label><input type="radio" name="dub-take" value="${i}"> Take ${i + 1}</label>`;
      const length = document.createElement('span');
      length.className = 'take-length';
      length.textContent = lengthOf(take);
      item.querySelector('label').append(length, ` · at ${take.at.toFixed(2)} s`);
      item.querySelector('input').checked = i === dub.take;
      const canvas = document.createElement('canvas');
      canvas.setAttribute('aria-hidden', 'true');
      item.querySelector('label').append(canvas);
      return item;
    }));
    drawTakes();
    at.value = String(dub.at);
    $('dub-at-value').textContent = `${dub.at.toFixed(2)} s`;
    gain.value = String(dub.originalGain);
    gain.disabled = dub.mode === 'replace';
    $('dub-gain-value').textContent = dub.mode === 'replace' ? 'unused when replacing' : `${(20 * Math.log10(dub.originalGain)).toFixed(1)} dB`;
    const take = dub.takes[dub.take];
    const voice = take && {
      clipStart: clipRange.start, at: dub.at, duration: take.duration, min: Number(at.min), max: Number(at.max),
    };
    timeline.showVoice(voice);
    const shown = (voiceShown += 1);
    // An imported take's length is known once it is decoded, which drawing it does.
    if (voice) {
      peaksOf(dub.take).then((peaks) => {
        if (peaks && shown === voiceShown) timeline.showVoice({ ...voice, duration: dub.takes[dub.take].duration, peaks });
      });
    }
  };
  // ` · 2.00 s`, or nothing while an imported take is not decoded yet.
  const lengthOf = (take) => (take?.duration == null ? '' : ` · ${take.duration.toFixed(2)} s`);
  // A take's waveform, asked for once; `null` when it cannot be drawn (the take shows none, quietly).
  const peaksOf = (take) => {
    takePeaks[take] ??= dub.waveform({ take, buckets: VOICE_BUCKETS }).catch(() => null);
    return takePeaks[take];
  };
  const drawTakes = () => {
    if (!dub) return;
    const shown = dub;
    for (const [i, canvas] of [...takes.querySelectorAll('canvas')].entries()) {
      fitToBox(canvas);
      peaksOf(i).then((peaks) => {
        if (!peaks || shown !== dub || !canvas.isConnected) return;
        canvas.parentElement.querySelector('.take-length').textContent = lengthOf(dub.takes[i]);
        drawPeaks(canvas, peaks);
        canvas.dataset.ready = 'true';
      });
    }
  };
  onThemeChange(drawTakes);
  const settle = (change) => {
    try {
      change(current());
    } catch (error) {
      report(error, 'That change was refused');
    }
    showTakes();
  };

  const importVoice = (file, name = file.name) => settle((d) => {
    d.voice = file;
    status.textContent = `Imported ${name}.`;
  });
  $('dub-file').addEventListener('change', (event) => event.target.files[0] && importVoice(event.target.files[0]));
  acceptDrops($('dub'), importVoice);
  $('dub-music').addEventListener('click', async () => {
    try {
      const response = await fetch('samples/music.m4a');
      if (!response.ok) throw new Error(`the music bed is missing (HTTP ${response.status}): run .ci/samples.sh`);
      importVoice(await response.blob(), 'the music bed');
    } catch (error) {
      report(error, 'The music bed did not load');
    }
  });

  // The level meter: the library's `dub.level` (the peak of the last block recorded, 0 to 1), read each
  // animation frame while recording.
  let stream = null;
  let meter = null;
  const startMeter = (recordingDub) => {
    let frameRequest = 0;
    const draw = () => {
      $('dub-level').value = recordingDub.level;
      frameRequest = requestAnimationFrame(draw);
    };
    draw();
    return () => {
      cancelAnimationFrame(frameRequest);
      $('dub-level').value = 0;
    };
  };
  // The count-in as the clip plays towards its start: 3, 2, 1, then "Recording".
  player.addEventListener('timeupdate', () => {
    if (!recording) return;
    const left = clipRange.start - player.currentTime;
    countdown.textContent = left > 0 ? String(Math.ceil(left)) : '● Recording';
  });

  recordButton.addEventListener('click', async () => {
    try {
      stream ??= await navigator.mediaDevices.getUserMedia({ audio: true });
      meter = startMeter(current());
      recording = true;
      status.textContent = `Recording: the clip starts after a ${COUNT_IN} s count-in.`;
      [recordButton.hidden, stopButton.hidden] = [true, false];
      await dub.record(stream, player, { countIn: COUNT_IN });
      clearError();
    } catch (error) {
      stopped();
      report(error, 'Recording did not start');
    }
  });
  const stopped = () => {
    recording = false;
    meter?.();
    meter = null;
    countdown.textContent = '';
    [recordButton.hidden, stopButton.hidden] = [false, true];
  };
  stopButton.addEventListener('click', async () => {
    try {
      const index = await current().stop();
      status.textContent = `Take ${index + 1} recorded.`;
    } catch (error) {
      report(error, 'The take was not kept');
    }
    stopped();
    showTakes();
  });

  takes.addEventListener('change', (event) => settle((d) => { d.take = Number(event.target.value); }));
  at.addEventListener('input', () => settle((d) => { d.at = Number(at.value); }));
  timeline.onVoiceMove((seconds) => settle((d) => { d.at = seconds; }));
  gain.addEventListener('input', () => settle((d) => { d.originalGain = Number(gain.value); }));
  for (const radio of document.querySelectorAll('input[name=dub-mode]')) {
    radio.addEventListener('change', () => settle((d) => { d.mode = mode(); }));
  }

  $('dub-preview').addEventListener('click', async () => {
    status.textContent = 'Mixing the preview…';
    try {
      await previewer.load(await current().preview());
      await previewer.play();
      status.textContent = 'Playing the preview.';
    } catch (error) {
      report(error, 'The preview failed');
    }
    showTakes();
  });

  exportJob({
    button: $('dub-export'),
    progress: $('dub-progress'),
    cancel: $('dub-cancel'),
    status,
    run: (options) => current().export(options),
    done: (bytes, seconds) => {
      const { start, end } = clipRange;
      offerDownload($('dub-download'), bytes, `dub-${start.toFixed(2)}-${end.toFixed(2)}.mp4`);
      status.textContent = `Dubbed clip, sound ${bytes.audioCodec}: ${sizeAndTime(bytes, seconds)}.`;
    },
  });

  // A dub belongs to its clip: another selection, or other media, starts over.
  const forget = () => {
    [dub, clipRange] = [null, null];
    takes.replaceChildren();
    voiceShown += 1;
    timeline.showVoice(null);
  };
  timeline.onRange(() => { if (dub && !recording) forget(); });

  return {
    open() {
      forget();
      $('dub-download').hidden = true;
      status.textContent = '';
    },
  };
}
