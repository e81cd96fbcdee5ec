// The package's entry point: everything the generated bindings (reelcut.js) export, with an `init()` that,
// called without a location, finds reelcut_bg.wasm in one more place than the bindings do on their own.
import initBindings, { Media, Player, Thumbnails } from './reelcut.js';

export * from './reelcut.js';

// `using` ends a player or a media as `destroy()` and `close()` do: later calls then fail with a
// ReelcutError 'invalid_state' (the bindings' own disposal frees the object, after which they would
// fail with a bare null-pointer error).
if (Symbol.dispose) {
  Player.prototype[Symbol.dispose] = Player.prototype.destroy;
  Media.prototype[Symbol.dispose] = Media.prototype.close;
}

// `for await (const { time, image } of media.thumbnails(...))`: the iterator is its own iterable.
Thumbnails.prototype[Symbol.asyncIterator] = function () {
  return this;
};

/** Where reelcut_bg.wasm is: beside this file, as hosted or as a bundler emitted it. */
function wasmLocation() {
  // Bundlers (Vite, webpack, Rollup, esbuild) recognise this exact form and emit the file as an asset.
  const beside = new URL('reelcut_bg.wasm', import.meta.url);
  // Vite's dev server re-bundles dependencies into node_modules/.vite/deps/ without the files they locate
  // this way (vitejs/vite#8427), and serves the package itself from node_modules/reelcut/.
  const rebundled = /^(.*\/node_modules\/)\.vite\/deps[^/]*\/$/.exec(new URL('.', beside).pathname);
  return rebundled ? new URL(`${rebundled[1]}reelcut/reelcut_bg.wasm`, beside) : beside;
}

/**
 * Loads and instantiates the wasm module; call once before anything else. Without an argument it fetches
 * reelcut_bg.wasm from beside the package; pass `{ module_or_path }` (a URL, `Response`, bytes or a
 * compiled `WebAssembly.Module`) to load it from elsewhere.
 */
export default function init(input) {
  return initBindings(input ?? { module_or_path: wasmLocation() });
}
