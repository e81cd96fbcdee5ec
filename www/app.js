// The demo: loads the package from /pkg/, plays any sample or URL, and shows what this browser's WebCodecs
// can do with the codecs of the sample media.
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
import { trimPanel } from './trim.js';

// The codecs of the fixtures in tests/fixtures (see make.sh), plus HEVC, which Chromium on Linux lacks.
const CODECS = [
  { codec: 'avc1.64001e', kind: 'video', width: 640, height: 360, usedBy: 'H.264 High 3.0: high_bframes_moovend.mp4, HLS' },
  { codec: 'avc1.42c01e', kind: 'video', width: 640, height: 360, usedBy: 'H.264 Constrained Baseline 3.0: baseline_mono44k_faststart.mp4' },
  { codec: 'avc1.42c015', kind: 'video', width: 320, height: 180, usedBy: 'H.264 Constrained Baseline 2.1: HLS low variant' },
  { codec: 'hvc1.1.6.L93.B0', kind: 'video', width: 640, height: 360, usedBy: 'HEVC Main (not in the fixtures)' },
  { codec: 'mp4a.40.2', kind: 'audio', sampleRate: 48000, channels: 2, usedBy: 'AAC-LC 48 kHz stereo' },
  { codec: 'mp4a.40.2', kind: 'audio', sampleRate: 44100, channels: 1, usedBy: 'AAC-LC 44.1 kHz mono' },
  { codec: 'opus', kind: 'audio', sampleRate: 48000, channels: 1, usedBy: 'Opus 48 kHz mono: voice.opus' },
];

// Every sample the player opens: the fixtures and the dev server's simulated live broadcasts.
const MEDIA = [
  ['/fixtures/high_bframes_moovend.mp4', 'MP4, H.264 High with B-frames + AAC stereo, moov at the end'],
  ['/fixtures/baseline_mono44k_faststart.mp4', 'MP4, H.264 baseline + AAC mono 44.1 kHz, faststart'],
  ['/fixtures/high_fragmented.mp4', 'fragmented MP4'],
  ['/fixtures/portrait_90.mp4', 'portrait phone video: MP4 turned 90° by its display matrix'],
  ['/fixtures/phone_270.mov', 'QuickTime MOV, portrait, turned 270°'],
  ['/fixtures/hls_ts/index.m3u8', 'HLS VOD, MPEG-TS segments'],
  ['/fixtures/hls_fmp4/index.m3u8', 'HLS VOD, fMP4 segments'],
  ['/fixtures/hls_master/index.m3u8', 'HLS master playlist, two variants (640×360 and 320×180)'],
  ['/live/hls_ts/index.m3u8?window=30', 'HLS live broadcast (simulated), 60 s replay window'],
  ['/live/hls_master/index.m3u8', 'HLS live master playlist, two variants'],
  ['/live/hls_ts/index.m3u8?part=0.333&window=30', 'Low-Latency HLS live: parts of 1/3 s, played about a second behind the edge'],
  ['/live/hls_fmp4/index.m3u8?mode=event', 'HLS live event (fMP4): the replay grows'],
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

async function main() {
  await init();
  document.getElementById('version').textContent = version();

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

// The player: open a URL, a file or a sample; play, seek frame-exactly with the slider or the step buttons.
async function viewer() {
  const canvas = document.getElementById('screen');
  const position = document.getElementById('position');
  const status = document.getElementById('viewer-status');
  const goLive = document.getElementById('go-live');
  const mute = document.getElementById('mute');
  const player = new Player(canvas);
  const trim = trimPanel(player);
  dubPanel(player, trim);
  let frameDuration = 1 / 30;

  const showTime = () => {
    const { start, end } = player.seekable;
    position.min = String(start);
    position.max = String(end);
    position.value = String(player.currentTime);
    document.getElementById('time').textContent = `${player.currentTime.toFixed(3)} s`;
  };
  const show = async (t) => {
    await player.seek(t);
    showTime();
  };
  const open = async (src) => {
    status.textContent = 'opening…';
    try {
      const media = await Media.open(src);
      await player.load(media);
      trim.open(media);
      const video = media.tracks.find((t) => t.type === 'video');
      const keyframes = media.keyframeTimes();
      frameDuration = 1 / 30;
      goLive.hidden = !media.isLive;
      // The slider's range first: the status line tells users (and tests) the player is ready.
      await show(player.currentTime);
      const turn = video?.rotation ? ` turned ${video.rotation}°` : '';
      status.textContent = `${video ? `${video.codec} ${video.displayWidth}×${video.displayHeight}${turn}, ` : ''}` +
        (media.isLive ? `live, ${media.duration.toFixed(0)} s replay window` :
          `${media.duration.toFixed(3)} s, ${keyframes.length} keyframes`);
    } catch (error) {
      status.textContent = `${error.code ?? 'error'}: ${error.message}`;
    }
  };

  const list = document.getElementById('media');
  for (const [href, label] of MEDIA) {
    const item = document.createElement('li');
    item.innerHTML = `<a href="${href}"><code>${href}</code></a> — ${label}`;
    item.querySelector('a').addEventListener('click', (event) => {
      event.preventDefault();
      document.getElementById('url').value = href;
      open(href);
    });
    list.append(item);
  }
  document.getElementById('open-form').addEventListener('submit', (event) => {
    event.preventDefault();
    open(document.getElementById('url').value);
  });
  // A file picked or dropped is read by slices where it is needed (its index, then the samples played), so a
  // phone video of several GB opens at once.
  document.getElementById('file').addEventListener('change', (e) => e.target.files[0] && open(e.target.files[0]));
  acceptDrops(canvas, open);
  const playButton = document.getElementById('play');
  playButton.addEventListener('click', () => (player.paused ? player.play() : player.pause()));
  for (const kind of ['play', 'pause', 'ended']) {
    player.addEventListener(kind, () => { playButton.textContent = player.paused ? 'Play' : 'Pause'; });
  }
  mute.addEventListener('click', () => { player.muted = !player.muted; });
  player.addEventListener('volumechange', () => { mute.textContent = player.muted ? 'Unmute' : 'Mute'; });
  goLive.addEventListener('click', () => player.goLive().then(showTime));
  player.addEventListener('timeupdate', showTime);
  player.addEventListener('livewindowchange', showTime);
  player.addEventListener('error', () => { status.textContent = `${player.error.code}: ${player.error.message}`; });
  position.addEventListener('input', () => show(Number(position.value)));
  // Editor keys, as video editors have them (J/K/L without reverse play: J steps back a second). Keys meant
  // for a focused control (a slider's arrows, a button's space) are left to it.
  const keys = {
    ' ': () => (player.paused ? player.play() : player.pause()),
    k: () => player.pause(),
    l: () => player.play(),
    j: () => show(player.currentTime - 1),
    ArrowLeft: (event) => show(player.currentTime - (event.shiftKey ? 1 : frameDuration)),
    ArrowRight: (event) => show(player.currentTime + (event.shiftKey ? 1 : frameDuration)),
  };
  document.addEventListener('keydown', (event) => {
    const key = keys[event.key];
    if (!key || event.ctrlKey || event.metaKey || event.altKey || event.target.closest('input, select, textarea, button')) return;
    event.preventDefault();
    key(event);
  });
  document.getElementById('previous').addEventListener('click', () => show(player.currentTime - frameDuration));
  document.getElementById('next').addEventListener('click', () => show(player.currentTime + frameDuration));
  await open(document.getElementById('url').value);
}

main().then(viewer).catch((error) => {
  document.getElementById('version').textContent = `failed to load: ${error.message}`;
});
