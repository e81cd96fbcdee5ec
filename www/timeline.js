// The timeline under the player: keyframe thumbnails along the media, the sound's waveform under them, the
// playhead, the in/out handles (dragged, or focused and moved with the arrow keys), time ticks, zoom, and the
// dub's voice as a block dragged along the clip, showing its take's waveform. Positions are percentages of the
// track, so zooming only widens the track.
import { drawPeaks, fitToBox, onThemeChange } from './waveform.js';

const TILES = 10;
const ZOOMS = [1, 2, 4, 8, 16];

export function timeline(player) {
  const $ = (id) => document.getElementById(id);
  const [track, viewport, strip, playhead] = [$('track'), $('track-viewport'), $('trim-strip'), $('playhead')];
  const [inHandle, outHandle, selection] = [$('trim-in'), $('trim-out'), $('selection')];
  const [voiceLane, voiceBlock] = [$('voice-lane'), $('voice-block')];
  const [wave, waveCanvas] = [$('wave'), $('waveform')];
  const voiceCanvas = document.createElement('canvas');
  voiceCanvas.setAttribute('aria-hidden', 'true');
  voiceBlock.append(voiceCanvas);
  const ticks = document.createElement('div');
  ticks.className = 'ticks';
  track.append(ticks);
  const listeners = { range: [], voice: [] };
  let media = null;
  let span = { start: 0, end: 1 };
  let range = { start: 0, end: 1 };
  let voice = null; // { clipStart, at, duration, min, max, peaks }
  let zoom = 0;
  let frame = 1 / 30;

  const clamp = (t) => Math.min(span.end, Math.max(span.start, t));
  const pct = (t) => `${(100 * (t - span.start)) / Math.max(1e-9, span.end - span.start)}%`;
  const timeAt = (clientX) => {
    const box = track.getBoundingClientRect();
    return span.start + ((clientX - box.left) / box.width) * (span.end - span.start);
  };
  const seconds = (t) => `${t.toFixed(3)} s`;

  const drawRange = () => {
    inHandle.style.left = pct(range.start);
    outHandle.style.left = pct(range.end);
    selection.style.left = pct(range.start);
    selection.style.width = `calc(${pct(range.end)} - ${pct(range.start)})`;
    $('shade-before').style.width = pct(range.start);
    $('shade-after').style.left = pct(range.end);
    $('shade-after').style.right = '0';
    for (const [handle, t] of [[inHandle, range.start], [outHandle, range.end]]) {
      handle.setAttribute('aria-valuemin', String(span.start));
      handle.setAttribute('aria-valuemax', String(span.end));
      handle.setAttribute('aria-valuenow', String(t));
      handle.setAttribute('aria-valuetext', seconds(t));
    }
    $('in-time').textContent = seconds(range.start);
    $('out-time').textContent = seconds(range.end);
    $('trim-range').textContent = seconds(range.end - range.start);
    drawVoice();
  };
  const drawVoice = () => {
    voiceLane.hidden = !voice;
    track.classList.toggle('with-voice', Boolean(voice));
    if (!voice) return;
    const from = voice.clipStart + voice.at;
    const length = voice.duration ?? (range.end - range.start);
    voiceBlock.style.left = pct(from);
    voiceBlock.style.width = `calc(${pct(from + length)} - ${pct(from)})`;
    voiceBlock.setAttribute('aria-valuemin', String(voice.min));
    voiceBlock.setAttribute('aria-valuemax', String(voice.max));
    voiceBlock.setAttribute('aria-valuenow', String(voice.at));
    voiceBlock.setAttribute('aria-valuetext', `${voice.at.toFixed(2)} s`);
    drawVoicePeaks();
  };
  const drawVoicePeaks = () => {
    voiceCanvas.hidden = !voice?.peaks;
    if (!voice?.peaks) return;
    fitToBox(voiceCanvas);
    drawPeaks(voiceCanvas, voice.peaks);
  };
  const drawTicks = () => {
    const length = span.end - span.start;
    const visible = length / ZOOMS[zoom];
    const step = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600].find((s) => visible / s <= 8) ?? 1200;
    const labels = [];
    for (let t = Math.ceil(span.start / step) * step; t <= span.end; t += step) {
      const label = document.createElement('span');
      label.style.left = pct(t);
      // The first and last labels inside the track, not cut in half by its edges.
      if (t - span.start < step / 2) label.style.transform = 'none';
      if (span.end - t < step / 2) label.style.transform = 'translateX(-100%)';
      label.textContent = t >= 60 ? `${Math.floor(t / 60)}:${String(Math.round(t % 60)).padStart(2, '0')}` : `${+t.toFixed(1)} s`;
      labels.push(label);
    }
    ticks.replaceChildren(...labels);
  };
  const drawPlayhead = () => { playhead.style.left = pct(player.currentTime); };

  /** Sets the selection (clamped, in before out by at least a frame) and tells the listeners. */
  const setRange = (start, end) => {
    start = clamp(start);
    end = clamp(end);
    if (end - start < frame) [start, end] = start + frame <= span.end ? [start, start + frame] : [end - frame, end];
    range = { start, end };
    drawRange();
    for (const listener of listeners.range) listener(range);
  };
  const setVoiceAt = (at) => {
    voice.at = Math.min(voice.max, Math.max(voice.min, Math.round(at * 100) / 100));
    drawVoice();
    for (const listener of listeners.voice) listener(voice.at);
  };

  // Dragging: a handle moves its end of the selection and shows that frame; the voice block moves the voice.
  const drag = (element, onMove) => {
    element.addEventListener('pointerdown', (event) => {
      event.preventDefault();
      element.setPointerCapture(event.pointerId);
      element.focus();
      const grab = timeAt(event.clientX);
      const move = (e) => onMove(timeAt(e.clientX), grab);
      const up = () => {
        element.removeEventListener('pointermove', move);
        element.removeEventListener('pointerup', up);
      };
      element.addEventListener('pointermove', move);
      element.addEventListener('pointerup', up);
    });
  };
  drag(inHandle, (t) => { setRange(Math.min(t, range.end - frame), range.end); player.seek(range.start); });
  drag(outHandle, (t) => { setRange(range.start, Math.max(t, range.start + frame)); player.seek(range.end); });
  let grabbedAt = 0;
  voiceBlock.addEventListener('pointerdown', () => { grabbedAt = voice?.at ?? 0; });
  drag(voiceBlock, (t, grab) => setVoiceAt(grabbedAt + (t - grab)));
  // The strip and the waveform seek where they are clicked.
  for (const lane of [strip, wave]) lane.addEventListener('click', (event) => player.seek(clamp(timeAt(event.clientX))));

  // Arrow keys on a focused handle: a frame (Shift: a second); Home/End: the ends.
  const stepKeys = (element, get, set) => element.addEventListener('keydown', (event) => {
    const step = event.shiftKey ? 1 : frame;
    const to = { ArrowLeft: get() - step, ArrowRight: get() + step, Home: -Infinity, End: Infinity }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    set(to);
  });
  stepKeys(inHandle, () => range.start, (t) => { setRange(Math.min(t, range.end - frame), range.end); player.seek(range.start); });
  stepKeys(outHandle, () => range.end, (t) => { setRange(range.start, Math.max(t, range.start + frame)); player.seek(range.end); });
  voiceBlock.addEventListener('keydown', (event) => {
    const step = { ArrowLeft: -0.01, ArrowRight: 0.01 }[event.key];
    if (step === undefined || !voice) return;
    event.preventDefault();
    setVoiceAt(voice.at + (event.shiftKey ? step * 10 : step));
  });

  // Zoom: the track widens; the playhead stays in view.
  const setZoom = (index) => {
    zoom = Math.min(ZOOMS.length - 1, Math.max(0, index));
    track.style.width = `${ZOOMS[zoom] * 100}%`;
    $('zoom-level').textContent = `${ZOOMS[zoom]}×`;
    $('zoom-in').disabled = zoom === ZOOMS.length - 1;
    $('zoom-out').disabled = zoom === 0;
    drawTicks();
    follow();
    drawWaveform();
    drawVoicePeaks();
  };
  const follow = () => {
    const x = playhead.offsetLeft;
    if (x < viewport.scrollLeft || x > viewport.scrollLeft + viewport.clientWidth) {
      viewport.scrollLeft = x - viewport.clientWidth / 2;
    }
  };
  $('zoom-in').addEventListener('click', () => setZoom(zoom + 1));
  $('zoom-out').addEventListener('click', () => setZoom(zoom - 1));

  const update = () => {
    const seekable = player.seekable;
    if (media?.isLive && (seekable.start !== span.start || seekable.end !== span.end)) {
      span = { ...seekable };
      range = { start: clamp(range.start), end: clamp(range.end) };
      drawRange();
      drawTicks();
    }
    drawPlayhead();
    if (!player.paused) follow();
  };
  player.addEventListener('timeupdate', update);
  player.addEventListener('seeked', update);
  player.addEventListener('livewindowchange', update);

  // The waveform of the part of the track in view: the canvas spans the viewport (the track can be 16 times
  // wider than any canvas may be), asks for a bucket per device pixel, and is asked again on scroll, zoom and
  // resize (the media keeps the decoded sound, so only the first ask decodes). Sound it cannot draw (no sound,
  // a codec other than AAC, MP3 or Opus) leaves a quiet hint, not an error: there is nothing to fix. A live
  // broadcast's window moves on as it plays, so it shows none.
  let waveJob = null; // { media, controller, busy, again }: the media the waveform is for, an ask out, another wanted
  let wavePeaks = null;
  // `retry`: the sound could not be fetched this time (the network); the next zoom, scroll or resize asks again.
  const noWaveform = (why, retry = false) => {
    waveCanvas.hidden = true;
    wave.dataset.empty = why;
    if (retry) wave.dataset.retry = 'true';
    else delete wave.dataset.retry;
    delete wave.dataset.ready;
  };
  const drawWaveform = async () => {
    if (!media || media.isLive || !waveJob || waveJob.media !== media || (wave.dataset.empty && !wave.dataset.retry)) return;
    const job = waveJob;
    // One ask at a time: a scroll, zoom or resize while one is out asks again once it ends, for the view
    // then (the first ask decodes the sound and the media keeps its summary; the next are answered from it).
    if (job.busy) {
      job.again = true;
      return;
    }
    job.busy = true;
    try {
      do {
        job.again = false;
        const width = track.clientWidth;
        if (!width) return;
        const length = span.end - span.start;
        const start = span.start + (viewport.scrollLeft / width) * length;
        const end = Math.min(span.end, start + (viewport.clientWidth / width) * length);
        waveCanvas.style.left = `${viewport.scrollLeft}px`;
        waveCanvas.style.width = `${viewport.clientWidth}px`;
        // Shown (and cleared) to be measured: a hidden canvas has no size.
        waveCanvas.hidden = false;
        const buckets = Math.min(100000, fitToBox(waveCanvas));
        delete wave.dataset.ready; // until this ask is drawn
        try {
          const peaks = await job.media.waveform({ start, end, buckets, signal: job.controller.signal });
          if (job !== waveJob) return;
          if (job.again) continue;
          wavePeaks = peaks;
          delete wave.dataset.empty;
          delete wave.dataset.retry;
          drawPeaks(waveCanvas, peaks);
          wave.dataset.ready = 'true';
        } catch (error) {
          if (job !== waveJob || error?.code === 'aborted') return;
          if (job.again && error?.code === 'network') continue;
          if (error?.code === 'network') noWaveform('The sound could not be fetched: zoom or scroll to try again', true);
          else noWaveform(error?.code === 'unsupported_codec' ? 'No waveform for this sound\'s codec (AAC, MP3 and Opus only)' : 'No waveform');
        }
      } while (job.again);
    } finally {
      job.busy = false;
    }
  };
  const showWaveform = (opened) => {
    waveJob?.controller.abort();
    waveJob = { media: opened, controller: new AbortController(), busy: false, again: false };
    wavePeaks = null;
    delete wave.dataset.empty;
    delete wave.dataset.retry;
    if (opened.isLive) noWaveform('');
    else if (!opened.tracks.some((t) => t.type === 'audio')) noWaveform('No sound');
  };
  let scrolled = 0;
  viewport.addEventListener('scroll', () => {
    cancelAnimationFrame(scrolled);
    scrolled = requestAnimationFrame(drawWaveform);
  });
  new ResizeObserver(() => { drawWaveform(); drawVoicePeaks(); }).observe(viewport);
  onThemeChange(() => {
    if (wavePeaks && !waveCanvas.hidden) drawPeaks(waveCanvas, wavePeaks);
    drawVoicePeaks();
  });

  // Thumbnails: the keyframe at or before each tile's time (media.thumbnails reads and decodes those
  // keyframes alone), each tile drawn as it comes.
  const drawThumbnails = async (opened, portrait) => {
    strip.replaceChildren();
    strip.dataset.empty = opened.isLive ? 'Live: the replay window, newest on the right' : '';
    if (opened.isLive || !opened.tracks.some((t) => t.type === 'video')) return;
    const [width, height] = portrait ? [90, 160] : [160, 90];
    const count = Math.min(TILES, Math.max(opened.keyframeTimes().length, 6));
    for await (const { time, image } of opened.thumbnails({ count }, { width: width * 2, height: height * 2 })) {
      if (media !== opened) {
        image.close();
        break;
      }
      const tile = document.createElement('canvas');
      [tile.width, tile.height] = [width, height];
      tile.getContext('2d').drawImage(image, 0, 0, width, height);
      image.close();
      tile.title = `keyframe at ${time.toFixed(2)} s`;
      strip.append(tile);
    }
    if (media === opened) strip.dataset.ready = 'true';
  };

  return {
    /** The selected `{ start, end }`. */
    range: () => ({ ...range }),
    setRange,
    /** The frame duration the arrow keys step by. */
    set frame(seconds) { frame = seconds; },
    onRange: (listener) => listeners.range.push(listener),
    onVoiceMove: (listener) => listeners.voice.push(listener),
    /** Shows the dub's current take on the clip, with its waveform when `peaks` are given (`null`: none). */
    showVoice(shown) {
      voice = shown && { ...shown };
      drawVoice();
    },
    /** Shows newly opened media: its whole span, a selection, thumbnails, the waveform. */
    open(opened, { portrait }) {
      media = opened;
      span = { ...opened.seekable };
      delete strip.dataset.ready;
      showWaveform(opened);
      setZoom(0); // draws the waveform
      const { start, end } = span;
      setRange(opened.isLive ? Math.max(start, end - 10) : start + (end - start) / 4, opened.isLive ? end : start + (end - start) / 2);
      drawPlayhead();
      drawThumbnails(opened, portrait).catch(() => strip.replaceChildren());
    },
  };
}
