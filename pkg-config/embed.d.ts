import type { Media, Player } from './reelcut.js';

/**
 * `<reelcut-player src="..." controls autoplay muted>` (MP4 or HLS, VOD or live): defined as a side effect of importing
 * `reelcut/embed.js` (or loading it with `<script type="module">`).
 */
export declare class ReelcutPlayerElement extends HTMLElement {
  /** The attributes the element reacts to when they change: `src`, `controls`, `muted` (`autoplay` is read when `src` loads). */
  static observedAttributes: string[];
  /** Resolves with the element once the library has loaded and `src` (if set) shows its first frame. */
  readonly ready: Promise<ReelcutPlayerElement>;
  /** The library version, or `undefined` before the library has loaded. */
  readonly version: string | undefined;
  /** The canvas the element draws into. */
  readonly canvas: HTMLCanvasElement;
  /** The player, once the library has loaded (`null` before). */
  readonly player: Player | null;
  /** The opened `src`, or `null`. */
  readonly media: Media | null;
}

declare global {
  interface HTMLElementTagNameMap {
    'reelcut-player': ReelcutPlayerElement;
  }
}
