// The one-script embed: `<script type="module" src=".../embed.js"></script>` defines <reelcut-player>.
//
// The element loads the library's wasm once per page (from beside this file, wherever it is hosted) and
// draws into a canvas in its shadow root. Its `ready` promise resolves once the library is loaded.
import init, { version } from './reelcut.js';

let loading;
/** Loads the wasm module once for every element on the page. */
function loadLibrary() {
  loading ??= init();
  return loading;
}

const STYLE = `
  :host { display: inline-block; position: relative; width: 640px; height: 360px; background: #000; }
  :host([hidden]) { display: none; }
  canvas { display: block; width: 100%; height: 100%; }
`;

export class ReelcutPlayerElement extends HTMLElement {
  static observedAttributes = ['src', 'controls', 'autoplay', 'muted'];

  #ready;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = STYLE;
    const canvas = document.createElement('canvas');
    canvas.setAttribute('part', 'canvas');
    root.append(style, canvas);
    this.#ready = loadLibrary().then(() => {
      this.dataset.reelcutVersion = version();
      return this;
    });
  }

  /** Resolves with the element once the library has loaded; rejects if the wasm cannot be loaded. */
  get ready() {
    return this.#ready;
  }

  /** The library version, or `undefined` before `ready` resolves. */
  get version() {
    return this.dataset.reelcutVersion;
  }

  /** The canvas the element draws into. */
  get canvas() {
    return this.shadowRoot.querySelector('canvas');
  }
}

if (!customElements.get('reelcut-player')) {
  customElements.define('reelcut-player', ReelcutPlayerElement);
}
