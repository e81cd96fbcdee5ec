/**
 * `<reelcut-player src="..." controls autoplay muted>`: defined as a side effect of importing
 * `reelcut/embed.js` (or loading it with `<script type="module">`).
 */
export declare class ReelcutPlayerElement extends HTMLElement {
  static observedAttributes: string[];
  /** Resolves with the element once the library's wasm has loaded; rejects if it cannot be loaded. */
  readonly ready: Promise<ReelcutPlayerElement>;
  /** The library version, or `undefined` before `ready` resolves. */
  readonly version: string | undefined;
  /** The canvas the element draws into. */
  readonly canvas: HTMLCanvasElement;
}

declare global {
  interface HTMLElementTagNameMap {
    'reelcut-player': ReelcutPlayerElement;
  }
}
