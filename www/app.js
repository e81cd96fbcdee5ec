// The clip editor: loads the package from /pkg/, opens a source (the live broadcast, a sample, a file of
// the user's, a URL), plays it with frame-exact seeking and the editor keys, and wires the timeline, the trim
// and dub panels. The browser's WebCodecs support for common codecs sits in the footer.
import init, {
  Media,
  Player,
  version,
  supportsVideoDecoding,
  supportsVideoEncoding,
  supportsAudioDecoding,
  supportsAudioEncoding,
} from '/pkg/reelcut.js';
import { acceptDrops } from './drop.js';
import { dubPanel } from './dub.js';
import { clearError, showError } from './errors.js';
import { timeline as makeTimeline } from './timeline.js';
import { trimPanel } from './trim.js';

// The sources offered: the generated samples (.ci/samples.sh) first, then test streams from the fixtures.
const SOURCES = [
  { href: '/live/broadcast/index.m3u8?window=20', name: 'Live broadcast', kind: 'LIVE' },
  { href: '/samples/broadcast.mp4', name: 'News broadcast, with a presenter to dub', kind: 'MP4 · 20 s' },
  { href: '/samples/portrait.mp4', name: 'Portrait phone clip', kind: 'MP4 · 9:16' },
  { href: '/fixtures/hls_master/index.m3u8', name: 'Test pattern, HLS with two variants', kind: 'HLS' },
  { href: '/live/hls_ts/index.m3u8?part=0.333&window=30', name: 'Test pattern, low-latency live', kind: 'LIVE' },
];

// Codecs checked for the footer's table: what phones and cameras record, and what the samples use.
const CODECS = [
  { codec: 'avc1.64001f', kind: 'video', width: 1280, height: 720, usedBy: 'H.264 High: the samples, most phones and cameras' },
  { codec: 'avc1.42c01e', kind: 'video', width: 640, height: 360, usedBy: 'H.264 Constrained Baseline' },
  { codec: 'hvc1.1.6.L93.B0', kind: 'video', width: 1280, height: 720, usedBy: 'HEVC Main: iPhone videos' },
  { codec: 'mp4a.40.2', kind: 'audio', sampleRate: 48000, channels: 2, usedBy: 'AAC-LC 48 kHz stereo' },
  { codec: 'opus', kind: 'audio', sampleRate: 48000, channels: 1, usedBy: 'Opus 48 kHz mono: dubbed sound where AAC cannot be encoded' },
];

async function check(entry) {
  const { codec } = entry;
  try {
    if (entry.kind === 'video') {
      return [await supportsVideoDecoding(codec, entry.width, entry.height),
              await supportsVideoEncoding(codec, entry.width, entry.height)];
    }
    return [await supportsAudioDecoding(codec, entry.sampleRate, entry.channels),
            await supportsAudioEncoding(codec, entry.sampleRate, entry.channels)];
  } catch (error) {
    return [error, error];
  }
}

function cell(result) {
  const td = document.createElement('td');
  if (result instanceof Error) {
    td.textContent = `error: ${result.message}`;
  } else {
    td.textContent = result ? 'yes' : 'no';
    td.className = result ? 'yes' : 'no';
  }
  return td;
}

async function supportTable() {
  const body = document.querySelector('#support tbody');
  for (const entry of CODECS) {
    const [decode, encode] = await check(entry);
    const row = document.createElement('tr');
    const name = document.createElement('td');
    name.innerHTML = `<code>${entry.codec}</code>`;
    const usedBy = document.createElement('td');
    usedBy.textContent = entry.usedBy;
    row.append(name, usedBy, cell(decode), cell(encode));
    body.append(row);
  }
  document.getElementById('support').dataset.ready = 'true';
}

/** The duration of the media's first video frame (what ←/→ step by); 1/30 s when it cannot be read. */
async function frameDurationOf(media) {
  if (media.isLive) return 1 / 30;
  try {
    const tables = await media.samples({ start: media.seekable.start, end: media.seekable.start + 0.5 });
    return tables.find((table) => table.type === 'video')?.duration[0] || 1 / 30;
  } catch {
    return 1 / 30;
  }
}

function editor() {
  const $ = (id) => document.getElementById(id);
  const [canvas, stage, position, status] = [$('screen'), $('stage'), $('position'), $('viewer-status')];
  const [playButton, goLive, mute] = [$('play'), $('go-live'), $('mute')];
  const player = new Player(canvas);
  const timeline = makeTimeline(player);
  const trim = trimPanel(player, timeline);
  let media = null;
  const dub = dubPanel(player, timeline, () => ({ media, ...timeline.range() }));
  let frameDuration = 1 / 30;

  const showTime = () => {
    const { start, end } = player.seekable;
    position.min = String(start);
    position.max = String(end);
    position.value = String(player.currentTime);
    $('time').textContent = `${player.currentTime.toFixed(3)} s`;
    $('live-badge').hidden = !player.isLive;
  };
  const show = async (t) => {
    await player.seek(t);
    showTime();
  };
  const sourceButtons = [];
  const open = async (src) => {
    status.textContent = 'Opening…';
    for (const button of sourceButtons) button.setAttribute('aria-current', String(button.dataset.href === src));
    try {
      const opened = await Media.open(src);
      const video = opened.tracks.find((t) => t.type === 'video');
      const portrait = Boolean(video && video.displayHeight > video.displayWidth);
      stage.classList.toggle('portrait', portrait);
      [canvas.width, canvas.height] = portrait ? [720, 1280] : [1280, 720];
      await player.load(opened);
      media?.close();
      media = opened;
      frameDuration = await frameDurationOf(opened);
      timeline.frame = frameDuration;
      timeline.open(opened, { portrait });
      trim.open(opened);
      dub.open();
      goLive.hidden = !opened.isLive;
      // The slider's range first: the status line tells users (and tests) the player is ready.
      await show(player.currentTime);
      const turn = video?.rotation ? ` turned ${video.rotation}°` : '';
      status.textContent = `${video ? `${video.codec} ${video.displayWidth}×${video.displayHeight}${turn}, ` : ''}` +
        (opened.isLive ? `live, ${opened.duration.toFixed(0)} s replay window` :
          `${opened.duration.toFixed(3)} s, ${opened.keyframeTimes().length} keyframes`);
      clearError();
    } catch (error) {
      status.textContent = `Could not open ${typeof src === 'string' ? src : src.name ?? 'the file'}.`;
      showError(error, 'This media did not open');
    }
  };

  const list = $('media');
  for (const source of SOURCES) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.href = source.href;
    button.textContent = source.name;
    const kind = document.createElement('span');
    kind.className = source.kind === 'LIVE' ? 'kind live' : 'kind';
    kind.textContent = source.kind;
    button.append(kind);
    button.addEventListener('click', () => {
      $('url').value = source.href;
      open(source.href);
    });
    sourceButtons.push(button);
    item.append(button);
    list.append(item);
  }
  $('open-form').addEventListener('submit', (event) => {
    event.preventDefault();
    open($('url').value);
  });
  // A file picked or dropped is read by slices where it is needed (its index, then the samples played), so a
  // phone video of several GB opens at once.
  $('file').addEventListener('change', (e) => e.target.files[0] && open(e.target.files[0]));
  acceptDrops(stage, open);

  playButton.addEventListener('click', () => (player.paused ? player.play() : player.pause()));
  for (const kind of ['play', 'pause', 'ended']) {
    player.addEventListener(kind, () => {
      playButton.textContent = player.paused ? 'Play' : 'Pause';
      playButton.setAttribute('aria-label', playButton.textContent);
    });
  }
  mute.addEventListener('click', () => { player.muted = !player.muted; });
  player.addEventListener('volumechange', () => { mute.textContent = player.muted ? 'Unmute' : 'Mute'; });
  goLive.addEventListener('click', () => player.goLive().then(showTime));
  player.addEventListener('timeupdate', showTime);
  player.addEventListener('livewindowchange', showTime);
  player.addEventListener('error', () => {
    const { error } = player;
    if (error.fatal === false) status.textContent = `Recovered: ${error.message}`;
    else showError(error, 'Playback stopped');
  });
  position.addEventListener('input', () => show(Number(position.value)));

  // Editor keys, as video editors have them (J/K/L without reverse play: J steps back a second; I/O set the
  // selection's in/out at the current frame). Keys meant for a focused control (a slider's arrows, a
  // button's space) are left to it.
  const keys = {
    ' ': () => (player.paused ? player.play() : player.pause()),
    k: () => player.pause(),
    l: () => player.play(),
    j: () => show(player.currentTime - 1),
    i: () => timeline.setRange(player.currentTime, timeline.range().end),
    o: () => timeline.setRange(timeline.range().start, player.currentTime),
    ArrowLeft: (event) => show(player.currentTime - (event.shiftKey ? 1 : frameDuration)),
    ArrowRight: (event) => show(player.currentTime + (event.shiftKey ? 1 : frameDuration)),
  };
  document.addEventListener('keydown', (event) => {
    const key = keys[event.key];
    if (!key || !media || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest('input, select, textarea, button, summary, [role=slider]')) return;
    event.preventDefault();
    key(event);
  });
  $('previous').addEventListener('click', () => show(player.currentTime - frameDuration));
  $('next').addEventListener('click', () => show(player.currentTime + frameDuration));
  return open($('url').value);
}

async function main() {
  try {
    await init();
  } catch (error) {
    // Most likely this browser lacks WebAssembly: say so, with the browser's own words.
    showError(Object.assign(new Error(error.message), { code: 'unsupported' }), 'The editor could not start');
    return;
  }
  document.getElementById('version').textContent = version();
  await Promise.all([editor(), supportTable()]);
}

main();
