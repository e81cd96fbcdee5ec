import type { AudioTrackInfo, Media, Player, VariantInfo } from './reelcut.js';

/**
 * `<reelcut-player src="..." controls autoplay muted>` (MP4 or HLS, VOD or live): defined as a side effect of importing
 * `reelcut/embed.js` (or loading it with `<script type="module">`). It follows the DOM: its player and media are
 * made when it is connected to a document and destroyed when it is removed (nothing of them keeps running); put
 * back, it loads again. Changing `src` destroys the old player and media before the new ones start.
 */
export declare class ReelcutPlayerElement extends HTMLElement {
  /** The attributes the element reacts to when they change: `src`, `controls`, `muted` (`autoplay` is read when `src` loads). */
  static observedAttributes: string[];
  /**
   * Resolves with the element once the library has loaded and, while the element is in the page, `src` (if set)
   * shows its first frame (or failed: its message is shown and an `error` event fired); rejects if the wasm cannot
   * be loaded. A new promise after each change of `src` or reconnection; one still pending carries over.
   */
  readonly ready: Promise<ReelcutPlayerElement>;
  /** The library version, or `undefined` before the library has loaded. */
  readonly version: string | undefined;
  /** The canvas the element draws into (a new one for each player). */
  readonly canvas: HTMLCanvasElement;
  /** The player while the element is in the page and the library has loaded, else `null`. */
  readonly player: Player | null;
  /** The opened `src` while the element is in the page, else `null`. */
  readonly media: Media | null;
  /** The player's `playbackRate` (1 without a player); a `ratechange` event fires on the element when it changes. */
  readonly playbackRate: number;
  /** The player's HLS audio renditions (`[]` without a player). */
  readonly audioTracks: AudioTrackInfo[];
  /** The index in `audioTracks` of the one playing (`-1` without one); setting it plays another one (throws
   * `out_of_range` for no such track; ignored without a player). */
  audioTrack: number;
  /** The player's HLS variants (`[]` without a player). */
  readonly variants: VariantInfo[];
  /** The index in `variants` of the one whose pictures are on screen (`-1` without one); a `variantchange` event
   * fires on the element when it changes. Set an index to pin that variant, `-1` for automatic (throws
   * `out_of_range` for no such variant; ignored without a player). */
  variant: number;
}

declare global {
  interface HTMLElementTagNameMap {
    'reelcut-player': ReelcutPlayerElement;
  }
}
