// The one-script embed: `<script type="module" src=".../embed.js"></script>` defines <reelcut-player>.
//
//   <reelcut-player src="/media/clip.mp4" controls autoplay muted></reelcut-player>
//
// The element loads the library's wasm once per page (from beside this file, wherever it is hosted), opens
// `src` (MP4 or HLS, VOD or live) with `Media.open`, shows its first frame on a canvas in its shadow root
// and, with `controls`, a bar with play/pause, a seek bar over the seekable range (a live stream's replay
// window), the time, mute, fullscreen and, for live streams, a LIVE button that returns to the live edge.
// `element.player` and `element.media` expose the library objects (the element forwards `playbackRate`,
// `ratechange`, `audioTracks`, `audioTrack`, `variants`, `variant` and `variantchange`); `ready` resolves once
// the first frame is on screen.
//
// The element follows the DOM: it makes its `Player` (and opens `src`) when it is connected to a document, and
// destroys both when it is removed, so a removed element fetches, decodes and plays nothing more; put back, it
// loads again. Changing `src` destroys the old player and media before the new ones start.
import init, { Media, Player, version } from './index.js';

let loading;
/** Loads the wasm module once for every element on the page. */
function loadLibrary() {
  loading ??= init();
  return loading;
}

/** A promise with its `resolve`/`reject` and whether it has been settled. */
function deferred() {
  const handle = { settled: false };
  handle.promise = new Promise((resolve, reject) => {
    handle.resolve = (value) => {
      handle.settled = true;
      resolve(value);
    };
    handle.reject = (error) => {
      handle.settled = true;
      reject(error);
    };
  });
  // Nobody may be waiting: a failure is also shown on the element, it need not be an unhandled rejection.
  handle.promise.catch(() => {});
  return handle;
}

const STYLE = `
  :host { display: inline-block; position: relative; width: 640px; height: 360px; background: #000;
          color: #fff; font: 13px/1.2 system-ui, sans-serif; }
  :host([hidden]) { display: none; }
  canvas { display: block; width: 100%; height: 100%; }
  .bar { position: absolute; left: 0; right: 0; bottom: 0; display: flex; gap: 8px; align-items: center;
         padding: 6px 10px; background: linear-gradient(transparent, rgba(0, 0, 0, 0.75)); }
  .bar[hidden] { display: none; }
  button { background: none; border: 0; color: inherit; font: inherit; cursor: pointer; padding: 2px 6px; }
  button:focus-visible, input:focus-visible { outline: 2px solid #4af; }
  input[type=range] { flex: 1; accent-color: #e91e63; }
  .time { font-variant-numeric: tabular-nums; white-space: nowrap; }
  .message { position: absolute; inset: 0; display: grid; place-items: center; padding: 1em; text-align: center; }
  .message:empty { display: none; }
  .live { display: none; font-weight: 600; letter-spacing: 0.04em; }
  .live::before { content: ''; display: inline-block; width: 8px; height: 8px; margin-right: 5px;
                  border-radius: 50%; background: #888; }
  :host([data-live]) .live { display: inline-block; }
  :host([data-at-live-edge]) .live::before { background: #e53935; }
`;

/** `m:ss` for a time in seconds. */
function clock(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

export class ReelcutPlayerElement extends HTMLElement {
  static observedAttributes = ['src', 'controls', 'muted'];

  #player = null;
  #media = null;
  #ui;
  /** What the element is showing: `{ src }` while connected (`src` may be empty), `null` while disconnected.
   *  Each change makes a new object, so work that finishes after a change sees it is outdated. */
  #session = null;
  /** `ready` of the current (or next) session: settled once that session shows its first frame. */
  #ready;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `
      <style>${STYLE}</style>
      <canvas part="canvas"></canvas>
      <div class="message" part="message" role="status"></div>
      <div class="bar" part="controls" hidden>
        <button class="play" type="button" aria-label="Play">▶</button>
        <input class="seek" type="range" min="0" max="0" step="any" value="0" aria-label="Seek">
        <span class="time">0:00 / 0:00</span>
        <button class="live" type="button" aria-label="Go to the live edge">LIVE</button>
        <button class="mute" type="button" aria-label="Mute">
          <svg width="16" height="14" viewBox="0 0 16 14" fill="currentColor" aria-hidden="true">
            <path d="M1 5h3l4-4v12L4 9H1z"/>
            <path class="waves" d="M10.5 4.5a3.5 3.5 0 0 1 0 5M12.5 2.5a6.3 6.3 0 0 1 0 9" fill="none"
                  stroke="currentColor" stroke-width="1.5"/>
            <path class="cross" d="M10 4.5l5 5M15 4.5l-5 5" stroke="currentColor" stroke-width="1.5"/>
          </svg>
        </button>
        <button class="fullscreen" type="button" aria-label="Fullscreen">
          <svg width="14" height="14" viewBox="0 0 14 14" fill="none" stroke="currentColor" stroke-width="2"
               aria-hidden="true"><path d="M1 5V1h4M9 1h4v4M13 9v4H9M5 13H1V9"/></svg>
        </button>
      </div>`;
    this.#ui = {
      canvas: root.querySelector('canvas'),
      message: root.querySelector('.message'),
      bar: root.querySelector('.bar'),
      play: root.querySelector('.play'),
      seek: root.querySelector('.seek'),
      time: root.querySelector('.time'),
      fullscreen: root.querySelector('.fullscreen'),
      live: root.querySelector('.live'),
      mute: root.querySelector('.mute'),
    };
    this.#ui.play.addEventListener('click', () => this.#togglePlay());
    this.#ui.seek.addEventListener('input', () => this.#call((player) => player.seek(Number(this.#ui.seek.value))));
    this.#ui.live.addEventListener('click', () => this.#call((player) => player.goLive()));
    this.#ui.mute.addEventListener('click', () => {
      if (this.#player) this.#player.muted = !this.#player.muted;
    });
    this.#ui.fullscreen.addEventListener('click', () => (document.fullscreenElement ? document.exitFullscreen() : this.requestFullscreen()));
    this.#ready = deferred();
  }

  /** Resolves with the element once the library has loaded and, while the element is in the page, `src`
   *  (if any) shows its first frame (or failed, with its message shown and an `error` event); rejects if the
   *  wasm cannot be loaded. After a change of `src`, or once the element is put back into the page, it is a
   *  new promise for the new session; one still pending carries over to it. */
  get ready() {
    return this.#ready.promise;
  }

  /** The library version, or `undefined` before the library has loaded. */
  get version() {
    return this.dataset.reelcutVersion;
  }

  /** The canvas the element draws into (a new one for each player, so that a new `src` does not show the last
   *  picture of the old one while it loads). */
  get canvas() {
    return this.#ui.canvas;
  }

  /** The `Player` while the element is in the page and the library has loaded, else `null`. */
  get player() {
    return this.#player;
  }

  /** The opened `Media` of `src` while the element is in the page, else `null`. */
  get media() {
    return this.#media;
  }

  /** The player's `playbackRate`: 1, or 1.05 while a live stream catches up (`ratechange` fires on the element). */
  get playbackRate() {
    return this.#player?.playbackRate ?? 1;
  }

  /** The player's HLS audio renditions (`[]` without a player). */
  get audioTracks() {
    return this.#player?.audioTracks ?? [];
  }

  /** The index in `audioTracks` of the one playing (`-1` without one); set it to play another one. */
  get audioTrack() {
    return this.#player?.audioTrack ?? -1;
  }

  set audioTrack(index) {
    if (this.#player) this.#player.audioTrack = index;
  }

  /** The player's HLS variants (`[]` without a player). */
  get variants() {
    return this.#player?.variants ?? [];
  }

  /** The index in `variants` of the one on screen (`-1` without one); set one to pin it, `-1` for automatic. */
  get variant() {
    return this.#player?.variant ?? -1;
  }

  set variant(index) {
    if (this.#player) this.#player.variant = index;
  }

  connectedCallback() {
    this.#sync();
  }

  /** Removed from the page: the player and its media end, nothing of them keeps running. */
  disconnectedCallback() {
    this.#sync();
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (name === 'controls') {
      this.#ui.bar.hidden = newValue === null;
    } else if (name === 'muted') {
      if (this.#player) this.#player.muted = newValue !== null;
    } else if (name === 'src' && newValue !== oldValue) {
      this.#sync();
    }
  }

  /** Brings the player in line with the element: none while disconnected, one for the current `src` while
   *  connected. A change ends the old player and media before anything new starts. */
  #sync() {
    const src = this.isConnected ? (this.getAttribute('src') ?? '') : null;
    if (src === (this.#session?.src ?? null)) return;
    this.#end();
    if (src === null) return;
    const session = { src };
    this.#session = session;
    if (this.#ready.settled) this.#ready = deferred();
    const ready = this.#ready;
    loadLibrary().then(
      () => this.#start(session).then(() => this.#session === session && ready.resolve(this)),
      (error) => {
        if (this.#session === session) this.#fail(error);
        ready.reject(error);
      },
    );
  }

  /** Creates the player of `session` and opens its `src`, unless the session ended in the meantime. A failure
   *  is shown on the element and fired as an `error` event. */
  async #start(session) {
    if (this.#session !== session) return;
    this.dataset.reelcutVersion = version();
    this.#ui.message.textContent = '';
    try {
      const player = new Player(this.#ui.canvas, { muted: this.hasAttribute('muted') });
      this.#player = player;
      for (const kind of ['play', 'pause', 'ended', 'timeupdate', 'seeked', 'volumechange', 'livewindowchange']) {
        player.addEventListener(kind, () => this.#refresh());
      }
      for (const kind of ['ratechange', 'variantchange']) {
        player.addEventListener(kind, () => this.dispatchEvent(new Event(kind)));
      }
      player.addEventListener('error', (event) => {
        // A skipped segment or a recovered decoder is reported but playback goes on: only a fatal error
        // replaces the picture.
        const error = event.detail ?? player.error;
        if (error?.fatal) this.#fail(error);
      });
      this.#refresh();
      if (!session.src) return;
      const media = await Media.open(session.src);
      if (this.#session !== session) {
        media.close();
        return;
      }
      this.#media = media;
      await player.load(media);
      this.toggleAttribute('data-live', media.isLive);
      // A live stream opens at its live edge, anything else at 0.
      await player.seek(player.currentTime);
      this.#refresh();
      if (this.hasAttribute('autoplay')) await player.play();
    } catch (error) {
      // A session that ended while it loaded rejects with `invalid_state`: nothing to show.
      if (this.#session === session) this.#fail(error);
    }
  }

  /** Ends the current player and media (idempotent), and gives the next player a fresh canvas. */
  #end() {
    this.#session = null;
    const player = this.#player;
    const media = this.#media;
    this.#player = null;
    this.#media = null;
    if (player) {
      player.destroy();
      const canvas = document.createElement('canvas');
      canvas.setAttribute('part', 'canvas');
      this.#ui.canvas.replaceWith(canvas);
      this.#ui.canvas = canvas;
    }
    media?.close();
    this.removeAttribute('data-live');
    this.removeAttribute('data-at-live-edge');
  }

  /** Runs `action(player)` if there is a player; a failure is shown (unless the player ended meanwhile). */
  #call(action) {
    const player = this.#player;
    if (!player) return;
    Promise.resolve()
      .then(() => action(player))
      .catch((error) => {
        if (this.#player === player) this.#fail(error);
      });
  }

  #togglePlay() {
    if (!this.#player || !this.#media) return;
    if (this.#player.paused) this.#call((player) => player.play());
    else this.#player.pause();
  }

  #refresh() {
    const player = this.#player;
    if (!player) return;
    this.#ui.play.textContent = player.paused ? '▶' : '❚❚';
    this.#ui.play.setAttribute('aria-label', player.paused ? 'Play' : 'Pause');
    const { start, end } = player.seekable;
    this.#ui.seek.min = String(start);
    this.#ui.seek.max = String(end);
    this.#ui.seek.value = String(player.currentTime);
    if (player.isLive) {
      // Following the live edge (the red dot), or how far behind it the replay is.
      const behind = player.liveEdge - player.currentTime;
      const atEdge = behind < 1;
      this.#ui.time.textContent = atEdge ? '' : `-${clock(behind)}`;
      this.toggleAttribute('data-at-live-edge', atEdge);
    } else {
      this.#ui.time.textContent = `${clock(player.currentTime - start)} / ${clock(player.duration)}`;
    }
    this.#ui.mute.setAttribute('aria-label', player.muted ? 'Unmute' : 'Mute');
    this.#ui.mute.querySelector('.waves').style.display = player.muted ? 'none' : '';
    this.#ui.mute.querySelector('.cross').style.display = player.muted ? '' : 'none';
  }

  #fail(error) {
    this.#ui.message.textContent = `${error?.code ?? 'error'}: ${error?.message ?? error}`;
    this.dispatchEvent(new CustomEvent('error', { detail: error }));
  }
}

if (!customElements.get('reelcut-player')) {
  customElements.define('reelcut-player', ReelcutPlayerElement);
}
