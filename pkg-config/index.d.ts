export * from './reelcut.js';
/**
 * Loads and instantiates the wasm module; call once before anything else. Without an argument it fetches
 * reelcut_bg.wasm from beside the package (also under Vite's dev server, which re-bundles dependencies);
 * pass `{ module_or_path }` (a URL, `Response`, bytes or a compiled `WebAssembly.Module`) to load it from
 * elsewhere.
 */
export { default } from './reelcut.js';

import type { DubbedMp4, ExportOptions, JobOptions, Thumbnail, WritableOption } from './reelcut.js';

// The exports' result follows their options: the file's bytes, or `undefined` once it is written to
// `writable` and the stream closed.
declare module './reelcut.js' {
  interface Clip {
    export(options: ExportOptions & WritableOption): Promise<undefined>;
    export(options?: ExportOptions): Promise<Uint8Array>;
  }
  interface Dub {
    export(options: JobOptions & WritableOption): Promise<undefined>;
    export(options?: JobOptions): Promise<DubbedMp4>;
  }
  // `for await (const { time, image } of media.thumbnails({ count: 20 }))`.
  interface Thumbnails extends AsyncIterableIterator<Thumbnail> {}
}
